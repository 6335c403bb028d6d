"""`mslearn active-learn` configuration (TOML), validated with pydantic."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from mslearn.core.errors import MslearnInputError
from mslearn.core.limits import (
    MAX_BATCH,
    MAX_EPOCHS,
    MAX_LABELS,
    MAX_LAYERS,
    MAX_LEARNING_RATE,
    MAX_MEMBERS,
    MAX_PACKINGS,
    MAX_PARTICLES,
    MAX_PATH_POINTS,
    MAX_POOL_GRID,
    MAX_REPEATS,
    MAX_SMALL_COUNT,
    MAX_WIDTH,
    MAX_WORKERS,
    Seed,
)
from mslearn.core.smoke import announce, changes
from mslearn.core.strictmodel import StrictModel, format_validation_error
from mslearn.core.tomlfile import deep_merge, read_toml, table


class PoolConfig(StrictModel):
    """Unloading-reloading pool (seed 001 Sec. 4.3): grid interval L_s, max axial strain.

    At most ``MAX_POOL_GRID`` grid intervals along eps_max (the pool grows as their
    square) and ``MAX_PATH_POINTS`` points along one path."""

    interval: float = Field(0.003, gt=0, description="grid interval L_s of (u, r)")
    eps_max: float = Field(0.12, gt=0, lt=1, description="final compressive axial strain")
    h: float | None = Field(None, gt=0, description="spacing of path points (default L_s)")
    test_fraction: float = Field(0.15, gt=0, lt=1, description="held-out test paths")
    test_seed: Seed = 0

    @model_validator(mode="after")
    def _sizes(self) -> PoolConfig:
        if self.eps_max / self.interval > MAX_POOL_GRID:
            raise ValueError(
                f"pool.interval: got {self.interval:g}; expected >= eps_max / {MAX_POOL_GRID} "
                f"= {self.eps_max / MAX_POOL_GRID:g} (a finer grid's pool exhausts memory)"
            )
        if self.h is not None and self.eps_max / self.h > MAX_PATH_POINTS:
            raise ValueError(
                f"pool.h: got {self.h:g}; expected >= eps_max / {MAX_PATH_POINTS} "
                f"= {self.eps_max / MAX_PATH_POINTS:g}"
            )
        return self


class LabellerConfig(StrictModel):
    """The labeller: DEM element tests (drained biaxial, constant lateral stress p0)."""

    kind: Literal["dem"] = Field("dem", description="registered labeller kind")
    preset: str = "guan2023"
    particles: int = Field(
        500, ge=10, le=MAX_PARTICLES, description="disks per RVE (seed 000: 500)"
    )
    p0: float = Field(2.0e5, gt=0, description="confining pressure [Pa]")
    packing_seed: Seed = 0
    packings: int = Field(1, ge=1, le=MAX_PACKINGS, description="packings averaged per label")
    strain_per_dem_step: float = Field(1e-5, gt=0, le=1e-3)
    batch: int = Field(10, ge=1, le=MAX_LABELS, description="paths per DEM call")
    retries: int = Field(1, ge=0, le=MAX_SMALL_COUNT)
    executor: Literal["serial", "processes"] = "serial"
    workers: int = Field(2, ge=1, le=MAX_WORKERS)

    def options(self):
        """The :class:`~mslearn.learn.active.labelling.DEMLabellerOptions` of this table."""
        from mslearn.learn.active.labelling import DEMLabellerOptions

        return DEMLabellerOptions(**self.model_dump(exclude={"kind"}))


KIND_DEFAULTS = {
    # GRU: seed 001 Table 2 (GRU 40); MLP on history features: seed 000 Sec. 3.3 (2 x 40)
    "gru": {"layers": 1, "lr": 1e-2, "iterations": 1000, "warm_iterations": 300},
    "mlp": {"layers": 2, "lr": 5e-3, "iterations": 3000, "warm_iterations": 1000},
}


class CommitteeConfig(StrictModel):
    """Model A / Model B networks (seed 001 Sec. 4.4: 3 Model B members, same architecture).

    kind: "gru" (sequence model, seed 001) or "mlp" (history features, seed 000);
    layers, lr, iterations, warm_iterations default per kind (KIND_DEFAULTS)."""

    kind: Literal["gru", "mlp"] = "mlp"
    members: int = Field(3, le=MAX_MEMBERS, description="Model B members (>= 2 for a committee)")
    members_a: int = Field(
        3, ge=1, le=MAX_MEMBERS, description="Model A networks per seed (MAE: their mean)"
    )
    hidden: int = Field(40, ge=1, le=MAX_WIDTH)
    layers: int | None = Field(None, ge=1, le=MAX_LAYERS)
    lr: float | None = Field(None, gt=0, le=MAX_LEARNING_RATE)
    iterations: int | None = Field(
        None, ge=1, le=MAX_EPOCHS, description="Adam steps of the first training"
    )
    warm_iterations: int | None = Field(
        None, ge=0, le=MAX_EPOCHS, description="Adam steps per later round"
    )
    batch_size: int | None = Field(
        None, ge=1, le=MAX_BATCH, description="paths (GRU) / points per step"
    )

    def setting(self, name: str):
        """The value of ``name``, or the kind's default (KIND_DEFAULTS) when unset."""
        v = getattr(self, name)
        return KIND_DEFAULTS[self.kind][name] if v is None else v

    @field_validator("members")
    @classmethod
    def _committee(cls, v: int) -> int:
        if v < 2:
            raise ValueError(
                f"a committee of {v} cannot measure disagreement: expected members >= 2"
            )
        return v


class QueryConfig(StrictModel):
    """Batch-mode query (seed 001 Sec. 3.4): batch size, exclusion radius R = factor * L_s."""

    batch: int = Field(10, ge=1, le=MAX_LABELS, description="paths labelled per round")
    radius_factor: float = Field(1.5, ge=0, description="R / L_s")
    initial: int = Field(20, ge=0, le=MAX_LABELS, description="Case 1 uniform start (paths)")
    max_labels: int = Field(100, ge=1, le=MAX_LABELS, description="label budget per run")


class StopConfig(StrictModel):
    """Stop when every path selected in a round is already predicted well by Model A."""

    enabled: bool = True
    score: float = Field(0.9, description="every selected path's score >= this")
    mae: float = Field(0.06, gt=0, description="every selected path's MAE <= this [p0]")
    score_tol: float = Field(0.05, description="score: |error| <= tol * max|sigma| counts")

    @field_validator("score", "score_tol")
    @classmethod
    def _unit(cls, v: float, info) -> float:
        if not 0 < v <= 1:
            raise ValueError(f"{info.field_name} = {v}: expected a threshold in (0, 1]")
        return v


class ActiveLearnConfig(StrictModel):
    """The whole `mslearn active-learn` config: cases (1, 2, 3), seeds, pool, labeller,
    committee, query and stop rule (seed 001 Sec. 4.3)."""

    cases: list[Literal[1, 2, 3]] = Field([1, 3], min_length=1, max_length=3)
    seeds: int = Field(3, ge=1, le=MAX_REPEATS, description="repetitions per case")
    workers: int = Field(
        1, ge=1, le=MAX_WORKERS, description="(case, seed) runs in parallel processes"
    )
    pool: PoolConfig = PoolConfig()
    labeller: LabellerConfig = LabellerConfig()
    committee: CommitteeConfig = CommitteeConfig()
    query: QueryConfig = QueryConfig()
    stop: StopConfig = StopConfig()


QUICK = {
    "seeds": 1,
    "pool": {"interval": 0.008, "eps_max": 0.06, "test_fraction": 0.2},
    "labeller": {"particles": 40, "strain_per_dem_step": 4e-5, "batch": 4},
    "committee": {"hidden": 8, "iterations": 60, "warm_iterations": 30},
    "query": {"batch": 3, "initial": 3, "max_labels": 9},
}


def validate_active_config(
    data: dict, source: str | Path | None = None, prefix: str = "active."
) -> ActiveLearnConfig:
    """Validate an ``[active]`` table; a bad field raises one-line :class:`MslearnInputError`
    (fields named ``prefix`` + path, ``source`` the config file where known)."""
    try:
        return ActiveLearnConfig.model_validate(data)
    except ValidationError as err:
        raise MslearnInputError(format_validation_error(err, prefix, source)) from None


def quick_config(cfg: ActiveLearnConfig, flag: str = "--smoke") -> ActiveLearnConfig:
    """``cfg`` (validated at full size) at the ``QUICK`` sizes; says on stderr what changed."""
    before = cfg.model_dump()
    small = validate_active_config(deep_merge(before, QUICK))
    announce(changes(before, small.model_dump()), flag)
    return small


def load_active_config(path: Path | None, quick: bool = False) -> ActiveLearnConfig:
    """Defaults, the TOML file's [active] table (or top level) on top, validated; then
    with ``quick`` the ``QUICK`` sizes (a quick run stays tiny whatever the file asks,
    and says on stderr which of its values the quick size changed)."""
    raw = read_toml(path)
    if "active" in raw:
        cfg = validate_active_config(table(raw, "active"), path)
    else:
        cfg = validate_active_config(raw, path, prefix="")
    return quick_config(cfg) if quick else cfg
