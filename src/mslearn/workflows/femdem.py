"""`mslearn fem-dem`: FEM-DEM runs (seed 000 Sec. 4.1, Algorithm 1; seed 002 Sec. 5.3.1).

The same run workflow as ``mslearn run`` with DEM RVEs as the material, the
dataset recorder on, and Gauss-point stress-strain histories (seed 000
Fig. 12) plotted for chosen points. Any registered problem runs; the biaxial
test has seed 000's coarse (2x4), medium (4x8), fine (8x16) Q4 meshes and seed
002's 8x16 Q8 rough-ends mesh as presets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mslearn.core.runfolder import check_resume, refuse_out_with_resume
from mslearn.core.tomlfile import read_toml
from mslearn.problems import BiaxialConfig
from mslearn.problems.config import RunConfig
from mslearn.report.fem_plots import plot_curves
from mslearn.workflows import presets as P
from mslearn.workflows.bvp import run_bvp

#: the biaxial mesh presets (seed 000 coarse / medium / fine, seed 002 q8)
MESHES = BiaxialConfig.mesh_presets


def fem_dem_config(
    data: dict | None = None, mesh: str | None = None, smoke: bool = False, confining_history=None
) -> RunConfig:
    """Defaults (problem's micro defaults, 500-disk RVEs), the user's config, then presets."""
    return P.fem_dem_config(data, P.Presets(mesh, smoke, history=confining_history))


@dataclass(frozen=True, kw_only=True)
class FemDemOptions(P.MicroRunOptions):
    """What ``mslearn fem-dem`` asks for (every field optional, by keyword).

    The shared fields of :class:`mslearn.workflows.presets.MicroRunOptions` (run folder
    default runs/fem-dem); resume: a stopped run's folder; executor / workers /
    scheduler: where the RVEs live (override [execution]).
    """

    checkpoint_every: int = 0
    resume: Path | None = None
    executor: str | None = None
    workers: int | None = None
    scheduler: str | None = None

    def settings(self) -> dict:
        """The shared settings and where the RVEs live, as recorded in run.json."""
        s = super().settings()
        return {
            **s,
            "executor": self.executor,
            "workers": self.workers,
            "scheduler": self.scheduler,
        }

    def execution(self) -> dict:
        """The [execution] overrides given on the command line."""
        given = {
            "executor": "dask" if self.scheduler else self.executor,
            "workers": self.workers,
            "scheduler": self.scheduler,
        }
        return {k: v for k, v in given.items() if v is not None}


def fem_dem(opts: FemDemOptions) -> dict:
    """Run (or resume) FEM-DEM as ``mslearn fem-dem`` does; the summary has ``out``."""
    if opts.resume is not None:
        given = opts.settings()
        given["config"] = given["config"] if opts.config is not None else None
        given["smoke"] = opts.smoke or None
        check_resume(opts.resume, "fem-dem", given)
        refuse_out_with_resume(opts.out, opts.resume)
        s = run_fem_dem(
            None, opts.resume, opts.progress, resume=True, checkpoint_every=opts.checkpoint_every
        )
        return {**s, "out": str(opts.resume)}
    data = read_toml(opts.config)
    if opts.execution():
        data["execution"] = {**data.get("execution", {}), **opts.execution()}
    cfg = P.fem_dem_config(data, opts.presets(), source=opts.config)
    out = opts.claim("fem-dem", "fem-dem")
    s = run_fem_dem(
        cfg, out, opts.progress, checkpoint_every=opts.checkpoint_every, config_file=opts.config
    )
    return {**s, "out": str(out)}


def plot_gauss_point_histories(out: Path, dataset: Path, points: list[int]) -> Path:
    """sigma_22 and sigma_11 against eps_22 at chosen Gauss points (converged rows)."""
    from mslearn.data import open_dataset

    g = open_dataset(dataset)
    conv = g["converged"][:]
    point, strain, stress = g["point"][:], g["strain"][:], g["stress"][:]
    curves = []
    for p in points:
        rows = conv & (point == p)
        if not rows.any():
            continue
        e = -strain[rows, 1]
        curves.append((f"GP {p}: -s22", e, -stress[rows, 1] / 1e3))
        curves.append((f"GP {p}: -s11", e, -stress[rows, 0] / 1e3))
    path = out / "gauss_point_histories.png"
    plot_curves(
        path,
        curves,
        "axial strain -eps_22 [-]",
        "stress [kPa] (compression +)",
        "Gauss-point histories (converged steps)",
    )
    return path


def run_fem_dem(
    config: RunConfig,
    out: Path,
    progress: bool = True,
    points=None,
    checkpoint_every: int = 0,
    resume: bool = False,
    config_file=None,
    run_id: int = 0,
) -> dict:
    """Run FEM-DEM: the run summary plus DEM time fraction and per-iteration cost."""
    s = run_bvp(
        config,
        out,
        config_file=config_file,
        progress=progress,
        checkpoint_every=checkpoint_every,
        resume=resume,
        run_id=run_id,
    )
    n_gp = s["gauss_points"]
    points = points if points is not None else sorted({0, n_gp // 2, n_gp - 1})
    plot_gauss_point_histories(Path(out), Path(s["dataset"]), points)
    s["dem_time_fraction"] = s["material_time_fraction"]
    s["iterations_per_step"] = s["iterations"] / max(s["steps"], 1)
    s["time_per_iteration_s"] = s["solver_wall_s"] / max(s["iterations"], 1)
    s["outside_dem_fraction"] = 1.0 - s["dem_time_fraction"]
    return s


def summary_keys(s: dict) -> dict:
    """The keys of `mslearn fem-dem --json` (read by scripts; keep the names)."""
    keys = (
        "gauss_points",
        "steps",
        "iterations",
        "samples",
        "wall_time_s",
        "dem_time_fraction",
        "dataset",
        "completed",
        "time_per_iteration_s",
        "iterations_per_step",
        "final_load",
        "out",
        "solver",
    )
    out = {k: s.get(k) for k in keys}
    if s.get("solver") == "explicit":  # the explicit solver's energy balance and time steps
        out.update({k: s.get(k) for k in EXPLICIT_SUMMARY_KEYS})
    return out


#: the keys an explicit run adds to a `--json` summary
EXPLICIT_SUMMARY_KEYS = (
    "energy_balance_error",
    "time_step",
    "critical_time_step",
    "explicit_steps",
    "kinetic_to_internal_max",
)


def gp_history_points(n_gp: int) -> list[int]:
    """The Gauss points whose histories are plotted by default: first, middle and last."""
    return list(np.unique([0, n_gp // 2, n_gp - 1]))
