"""Run configuration (TOML): ``[problem]``, ``[material]``, ``[solver]``, ``[output]``.

Every field is validated (:class:`~mslearn.core.strictmodel.StrictModel`: finite
numbers, no booleans as numbers, bounded sizes); :func:`format_validation_error`
turns pydantic errors into one line naming the file, the field, the value and what
was expected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidationError,
    field_validator,
    model_validator,
)

from mslearn.core.errors import MslearnInputError
from mslearn.core.limits import (
    MAX_LOAD_STEPS,
    MAX_NEWTON_ITERATIONS,
    MAX_SHARDS,
    MAX_SMALL_COUNT,
    MAX_STEP_CUTS,
    MAX_WORKERS,
)
from mslearn.core.strictmodel import StrictModel, format_validation_error
from mslearn.core.tomlfile import read_toml
from mslearn.fem.solvers.implicit import NewtonOptions
from mslearn.materials.config import MaterialConfig, material_config
from mslearn.problems import BiaxialConfig, ProblemConfig, problem_config

__all__ = [
    "ExecutionConfig",
    "OutputConfig",
    "RunConfig",
    "SolverConfig",
    "format_validation_error",
    "load_config",
    "validate_config",
]


#: ``[solver]`` fields that only the implicit (Newton) solver reads
IMPLICIT_FIELDS = (
    "max_iterations",
    "tol_displacement",
    "tol_residual",
    "max_cuts",
    "accept_on_residual",
    "acceleration",
)
#: ``[solver]`` fields that only the explicit (central-difference) solver reads
EXPLICIT_FIELDS = (
    "density",
    "duration",
    "transit_times",
    "time_step",
    "safety",
    "local_damping",
    "mass_damping",
    "mass_scaling",
)


class SolverConfig(StrictModel):
    """``[solver]``: the solver type, its load (output) steps and its options.

    ``type = "implicit"`` (default): load stepping with Newton iterations (seed 000
    Algorithm 1); tolerances are relative, ``max_cuts`` is how often a step may be
    halved when it does not converge. ``type = "explicit"``: central difference with a
    lumped mass (seed 003 Eq. 1-4, Algorithm 1); ``n_steps`` output steps over a loading
    of ``duration`` seconds, each made of as many stable time steps as it needs. An
    explicit field left out takes the solver's default (``mslearn.fem.solvers.explicit``);
    a field of the other solver type is refused.
    """

    type: Literal["implicit", "explicit"] = Field("implicit", description="solver kind")
    n_steps: int = Field(100, gt=0, le=MAX_LOAD_STEPS, description="load (output) steps")
    max_iterations: int = Field(30, gt=0, le=MAX_NEWTON_ITERATIONS)
    tol_displacement: float = Field(1e-6, gt=0, description="Algorithm 1 e_u tolerance")
    tol_residual: float = Field(1e-6, gt=0)
    max_cuts: int = Field(6, ge=0, le=MAX_STEP_CUTS)
    accept_on_residual: bool = Field(
        False, description="accept at max_iterations if the residual passes (noisy materials)"
    )
    acceleration: Literal["auto", "aitken", "none"] = Field(
        "auto", description="Aitken relaxation of Newton corrections ('auto': secant D only)"
    )
    density: float | None = Field(None, gt=0, description="explicit: bulk density [kg/m3]")
    duration: float | None = Field(
        None, gt=0, description="explicit: physical time of the loading [s]"
    )
    transit_times: float | None = Field(
        None, gt=0, description="explicit, no duration: loading time in P-wave transit times"
    )
    time_step: float | None = Field(
        None, gt=0, description="explicit: time step [s] (default: safety x critical)"
    )
    safety: float | None = Field(
        None, gt=0, le=1, description="explicit: fraction of the critical time step"
    )
    local_damping: float | None = Field(
        None, ge=0, lt=1, description="explicit: local non-viscous damping coefficient"
    )
    mass_damping: float | None = Field(
        None, ge=0, description="explicit: mass-proportional damping [1/s]"
    )
    mass_scaling: bool | None = Field(
        None, description="explicit: scale element masses so that time_step is stable"
    )

    @model_validator(mode="after")
    def _fields_of_type(self) -> SolverConfig:
        other = EXPLICIT_FIELDS if self.type == "implicit" else IMPLICIT_FIELDS
        for name in other:  # a default value is no choice (a dumped config carries them all)
            value = getattr(self, name)
            if value is not None and value != type(self).model_fields[name].default:
                raise ValueError(
                    f"{name} = {value!r} is an option of the "
                    f"{'explicit' if self.type == 'implicit' else 'implicit'} solver; this "
                    f"[solver] has type = {self.type!r}"
                )
        return self

    def options(self) -> NewtonOptions:
        """These fields as the implicit solver's :class:`NewtonOptions`."""
        return NewtonOptions(n_steps=self.n_steps, **{k: getattr(self, k) for k in IMPLICIT_FIELDS})

    def explicit_options(self):
        """These fields as the explicit solver's ``ExplicitOptions`` (unset ones: its defaults)."""
        from mslearn.fem.solvers.explicit import ExplicitOptions

        given = {k: getattr(self, k) for k in EXPLICIT_FIELDS if getattr(self, k) is not None}
        return ExplicitOptions(n_steps=self.n_steps, **given)


class OutputConfig(StrictModel):
    """``[output]``: which results a run writes (XDMF fields, plots, dataset)."""

    xdmf: bool = True
    plots: bool = True
    plot_steps: int = Field(
        4, ge=1, le=MAX_SMALL_COUNT, description="deformed-mesh snapshots to plot"
    )
    dataset: bool = Field(False, description="record every material evaluation (Zarr)")
    deformation_scale: float | None = Field(None, gt=0, description="None: automatic")


class ExecutionConfig(StrictModel):
    """Where the material points are evaluated (mslearn.parallel)."""

    executor: Literal["serial", "processes", "dask"] = "serial"
    workers: int = Field(
        2, ge=1, le=MAX_WORKERS, description="local processes or LocalCluster workers"
    )
    shards: int | None = Field(
        None, ge=1, le=MAX_SHARDS, description="point batches (default: workers)"
    )
    scheduler: str | None = Field(None, description="Dask scheduler address (else local)")
    recover_workers: bool = Field(
        True, description="keep committed shard states to rebuild a lost worker (once per step)"
    )


class RunConfig(StrictModel):
    """A whole run config: the [problem], [material], [solver], [output] and [execution] tables.

    ``problem`` and ``material`` are resolved to their registered config classes
    by their ``type``; every missing table takes its defaults.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)
    problem: SerializeAsAny[ProblemConfig] = Field(default_factory=BiaxialConfig)
    material: Any = Field(default_factory=dict, validate_default=True)
    solver: SolverConfig = Field(default_factory=SolverConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    execution: ExecutionConfig = Field(default_factory=ExecutionConfig)

    @field_validator("problem", mode="before")
    @classmethod
    def _problem_type(cls, v):
        return problem_config(v)

    @field_validator("material", mode="before")
    @classmethod
    def _material(cls, v) -> MaterialConfig:
        try:
            return material_config({} if v is None else v)
        except ValidationError as err:
            raise ValueError(
                format_validation_error(err, "material.").removeprefix("invalid config: ")
            ) from None


def validate_config(data: dict[str, Any], source: str | Path | None = None) -> RunConfig:
    """Validate a parsed config dict; a bad field raises one-line :class:`MslearnInputError`
    (naming ``source``, the config file, where given)."""
    try:
        return RunConfig.model_validate(data)
    except ValidationError as err:
        raise MslearnInputError(format_validation_error(err, source=source)) from None
    except MslearnInputError as err:  # a table's own check (unknown problem or material type)
        if source is None:
            raise
        raise MslearnInputError(f"invalid config file {str(source)!r}: {err}") from None


def load_config(path: str | Path | None) -> RunConfig:
    """Read and validate a TOML run config; None gives the built-in defaults."""
    if path is None:
        return RunConfig()
    return validate_config(read_toml(path), source=path)
