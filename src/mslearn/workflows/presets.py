"""Run configs for a micro model or a surrogate at every Gauss point, for any problem.

``mslearn fem-dem`` and ``mslearn fem-ml`` are ``mslearn run`` with another material and
defaults of their own: the problem's ``micro_defaults`` (seed 000 Sec. 4.1 for the biaxial
test), Newton tolerances loose enough for DEM stress noise, then the user's config, then
the presets asked for on the command line (mesh, smoke size, Gaussian-process path).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mslearn.core.errors import MslearnInputError
from mslearn.core.runfolder import RunSpec, claim, config_settings
from mslearn.core.smoke import announce, changes
from mslearn.core.strictmodel import short
from mslearn.core.tomlfile import deep_merge, table
from mslearn.paths import gaussian_process_paths
from mslearn.problems import PROBLEMS
from mslearn.problems.config import RunConfig, validate_config

#: seed 000 Sec. 4.1: RVEs of 500 disks consolidated to the problem's p0, Table 2 parameters
DEM_MATERIAL: dict[str, Any] = {"type": "dem", "n_particles": 500, "max_relax_steps": 2000}
DEM_SMOKE_MATERIAL: dict[str, Any] = {"n_particles": 60, "max_relax_steps": 300}
#: 100 load steps; tolerances loose enough for DEM stress noise (and for surrogates of it);
#: the implicit solver's defaults for micro materials (an explicit [solver] keeps its own)
MICRO_SOLVER: dict[str, Any] = {
    "n_steps": 100,
    "max_iterations": 30,
    "tol_displacement": 2e-3,
    "tol_residual": 1e-2,
    "accept_on_residual": True,
}
SMOKE_STEPS = 4
#: load steps of the Gaussian-process paths behind ``--gp-path`` (seed 000 Eq. 16-17)
GP_PATH_STEPS = 100


@dataclass(frozen=True)
class Presets:
    """Command-line presets applied after the config file.

    mesh: a mesh preset of the problem (e.g. biaxial "coarse", "medium", "fine", "q8");
    smoke: the problem's tiny micro-model size, a tiny material and 4 steps;
    gp_path: seed of a Gaussian-process load history (problems with a history field);
    history: an explicit (t, value / value_0) history instead of ``gp_path``.
    """

    mesh: str | None = None
    smoke: bool = False
    gp_path: int | None = None
    history: tuple[tuple[float, float], ...] | None = None


@dataclass(frozen=True, kw_only=True)
class MicroRunOptions:
    """What ``fem-dem`` and ``fem-ml`` share: a TOML run config, the run folder and the
    presets of :class:`Presets`; ``progress`` shows the step bar; ``overwrite`` replaces
    the run already in ``out`` (else it is refused)."""

    config: Path | None = None
    out: Path | None = None
    mesh: str | None = None
    gp_path: int | None = None
    smoke: bool = False
    progress: bool = True
    overwrite: bool = False

    def presets(self) -> Presets:
        """The command-line presets (mesh, smoke size, Gaussian-process path)."""
        return Presets(self.mesh, self.smoke, self.gp_path)

    def settings(self) -> dict[str, Any]:
        """The settings recorded in the run folder (compared on resume)."""
        return {
            "config": config_settings(self.config),
            "mesh": self.mesh,
            "gp_path": self.gp_path,
            "smoke": self.smoke,
        }

    def inputs(self) -> tuple[Path, ...]:
        """The files the run reads (its folder must not hold them)."""
        return tuple(p for p in (self.config,) if p is not None)

    def claim(self, command: str, default: str) -> Path:
        """The run folder (``out``, or a free runs/<default>[-N]), claimed for ``command``."""
        spec = RunSpec(command, self.settings(), {"config_file": self.config}, self.inputs())
        return claim(self.out, default, spec, overwrite=self.overwrite)


def problem_class(data: dict[str, Any]):
    """The registered config class of ``data['problem']['type']`` (biaxial by default)."""
    kind = table(data, "problem").get("type", "biaxial")
    if not isinstance(kind, str) or kind not in PROBLEMS:
        raise MslearnInputError(
            f"problem.type: unknown problem {short(kind)}; expected one of {sorted(PROBLEMS)}"
        )
    return PROBLEMS[kind]


def micro_run_config(
    data: dict[str, Any] | None,
    material: dict[str, Any],
    presets: Presets = Presets(),
    smoke_material: dict[str, Any] | None = None,
    record: bool = False,
    source: Path | None = None,
) -> RunConfig:
    """Defaults, then ``data`` (a parsed TOML run config), then ``presets``.

    ``material``: the material defaults (the user's ``[material]`` table is merged on top);
    ``smoke_material``: material overrides of the smoke size; ``record``: force the
    dataset recorder on; ``source``: the config file (named in errors). The smoke size is
    applied after validating the full-size config, and says on stderr what it changed.
    """
    data = data or {}
    for name in ("problem", "material", "solver", "output", "execution"):
        table(data, name)
    cls = problem_class(data)
    user_type = table(data, "material").get("type", material.get("type"))
    if user_type != material.get("type"):  # another material: its own defaults, not these
        material, smoke_material = {}, {}
    d = {
        "problem": {"type": cls.type_name, **cls.micro_defaults},
        "material": material,
        "solver": MICRO_SOLVER if table(data, "solver").get("type") != "explicit" else {},
    }
    d = deep_merge(d, data)
    if presets.mesh is not None:
        d["problem"].update(cls.mesh_preset(presets.mesh))
    history = presets.history
    if presets.gp_path is not None:
        history = gaussian_process_paths(1, GP_PATH_STEPS, seed=presets.gp_path).history(0)
    if history is not None:
        d["problem"].update(cls.with_history(history))
    if record:  # always on; the user's value must still be a boolean
        given = d.setdefault("output", {}).get("dataset", True)
        if not isinstance(given, bool):
            where = f"invalid config file {str(source)!r}: " if source else ""
            raise MslearnInputError(
                f"{where}output.dataset: got {short(given)}; expected true or false (the "
                "dataset is always recorded here)"
            )
        d["output"]["dataset"] = True
    cfg = validate_config(d, source)
    return micro_smoke_config(cfg, smoke_material) if presets.smoke else cfg


def micro_smoke_config(cfg: RunConfig, smoke_material: dict[str, Any] | None = None) -> RunConfig:
    """A validated run config at its problem's tiny micro-model size (``micro_smoke``), with
    ``smoke_material`` overrides and at most ``SMOKE_STEPS`` load steps; one line on
    stderr says which values this changed."""
    before = cfg.model_dump()
    small = {
        "problem": type(cfg.problem).smoke_overrides(micro=True),
        "material": dict(smoke_material or {}),
        "solver": {"n_steps": min(cfg.solver.n_steps, SMOKE_STEPS)},
    }
    out = validate_config(deep_merge(before, small))
    announce(changes(before, out.model_dump()))
    return out


def fem_dem_config(
    data: dict[str, Any] | None = None, presets: Presets = Presets(), source: Path | None = None
) -> RunConfig:
    """FEM-DEM: DEM RVEs at every Gauss point, the dataset recorder on (``source``: the
    config file, named in errors)."""
    return micro_run_config(
        data, DEM_MATERIAL, presets, DEM_SMOKE_MATERIAL, record=True, source=source
    )


def fem_ml_config(
    data: dict[str, Any] | None,
    model: str,
    presets: Presets = Presets(),
    source: Path | None = None,
) -> RunConfig:
    """FEM-ML: the saved surrogate in folder ``model`` at every Gauss point (``source``:
    the config file, named in errors)."""
    data = dict(data or {})
    material = {**table(data, "material"), "type": "surrogate", "model": str(model)}
    data["material"] = material
    return micro_run_config(data, material, presets, source=source)
