"""`mslearn active-learn` configuration (TOML), validated with pydantic."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from mslearn.core.errors import MslearnInputError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PoolConfig(_Strict):
    """Unloading-reloading pool (seed 001 Sec. 4.3): grid interval L_s, max axial strain."""

    interval: float = Field(0.003, gt=0, description="grid interval L_s of (u, r)")
    eps_max: float = Field(0.12, gt=0, description="final compressive axial strain")
    h: float | None = Field(None, gt=0, description="spacing of path points (default L_s)")
    test_fraction: float = Field(0.15, gt=0, lt=1, description="held-out test paths")
    test_seed: int = 0


class LabellerConfig(_Strict):
    """The labeller: DEM element tests (drained biaxial, constant lateral stress p0)."""

    kind: Literal["dem"] = Field("dem", description="registered labeller kind")
    preset: str = "guan2023"
    particles: int = Field(500, ge=10, description="disks per RVE (seed 000: 500)")
    p0: float = Field(2.0e5, gt=0, description="confining pressure [Pa]")
    packing_seed: int = 0
    packings: int = Field(1, ge=1, description="packings averaged per label")
    strain_per_dem_step: float = Field(1e-5, gt=0, le=1e-3)
    batch: int = Field(10, ge=1, description="paths per DEM call")
    retries: int = Field(1, ge=0)
    executor: Literal["serial", "processes"] = "serial"
    workers: int = Field(2, ge=1)

    def options(self):
        """The :class:`~mslearn.learn.active.labelling.DEMLabellerOptions` of this table."""
        from mslearn.learn.active.labelling import DEMLabellerOptions

        return DEMLabellerOptions(**self.model_dump(exclude={"kind"}))


KIND_DEFAULTS = {
    # GRU: seed 001 Table 2 (GRU 40); MLP on history features: seed 000 Sec. 3.3 (2 x 40)
    "gru": {"layers": 1, "lr": 1e-2, "iterations": 1000, "warm_iterations": 300},
    "mlp": {"layers": 2, "lr": 5e-3, "iterations": 3000, "warm_iterations": 1000},
}


class CommitteeConfig(_Strict):
    """Model A / Model B networks (seed 001 Sec. 4.4: 3 Model B members, same architecture).

    kind: "gru" (sequence model, seed 001) or "mlp" (history features, seed 000);
    layers, lr, iterations, warm_iterations default per kind (KIND_DEFAULTS)."""

    kind: Literal["gru", "mlp"] = "mlp"
    members: int = Field(3, description="Model B members (>= 2 for a committee)")
    members_a: int = Field(3, ge=1, description="Model A networks per seed (MAE: their mean)")
    hidden: int = Field(40, ge=1)
    layers: int | None = Field(None, ge=1)
    lr: float | None = Field(None, gt=0)
    iterations: int | None = Field(None, ge=1, description="Adam steps of the first training")
    warm_iterations: int | None = Field(None, ge=0, description="Adam steps per later round")
    batch_size: int | None = Field(None, ge=1, description="paths (GRU) / points per step")

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


class QueryConfig(_Strict):
    """Batch-mode query (seed 001 Sec. 3.4): batch size, exclusion radius R = factor * L_s."""

    batch: int = Field(10, ge=1, description="paths labelled per round")
    radius_factor: float = Field(1.5, ge=0, description="R / L_s")
    initial: int = Field(20, ge=0, description="Case 1 uniform start (paths)")
    max_labels: int = Field(100, ge=1, description="label budget per run")


class StopConfig(_Strict):
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


class ActiveLearnConfig(_Strict):
    """The whole `mslearn active-learn` config: cases (1, 2, 3), seeds, pool, labeller,
    committee, query and stop rule (seed 001 Sec. 4.3)."""

    cases: list[Literal[1, 2, 3]] = Field([1, 3], min_length=1)
    seeds: int = Field(3, ge=1)
    workers: int = Field(1, ge=1, description="(case, seed) runs in parallel processes")
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


def load_active_config(path: Path | None, quick: bool = False) -> ActiveLearnConfig:
    """Defaults, the TOML file's [active] table (or top level) on top, then the ``quick``
    sizes on top of both (a quick run stays tiny whatever the file asks)."""
    data: dict = {}
    if path is not None:
        if not Path(path).is_file():
            raise MslearnInputError(f"config file {str(path)!r} does not exist")
        raw = tomllib.loads(Path(path).read_text())
        data = raw.get("active", raw)
    if quick:
        for k, v in QUICK.items():
            data[k] = {**data.get(k, {}), **v} if isinstance(v, dict) else v
    return ActiveLearnConfig.model_validate(data)
