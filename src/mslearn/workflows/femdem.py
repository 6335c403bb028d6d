"""`mslearn fem-dem`: FEM-DEM runs (seed 000 Sec. 4.1, Algorithm 1; seed 002 Sec. 5.3.1).

The same run workflow as ``mslearn run`` with DEM RVEs as the material, the
dataset recorder on, and Gauss-point stress-strain histories (seed 000
Fig. 12) plotted for chosen points. Mesh presets: seed 000's coarse (2x4),
medium (4x8), fine (8x16) Q4 meshes and seed 002's 8x16 Q8 rough-ends mesh.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np

from mslearn.problems.config import RunConfig, validate_config
from mslearn.report.fem_plots import plot_curves
from mslearn.workflows.bvp import run_bvp

MESHES = {
    "coarse": {"nx": 2, "ny": 4, "element": "Q4"},
    "medium": {"nx": 4, "ny": 8, "element": "Q4"},
    "fine": {"nx": 8, "ny": 16, "element": "Q4"},
    "q8": {"nx": 8, "ny": 16, "element": "Q8"},
}

#: seed 000 Sec. 4.1: 10 % axial strain in 100 steps, RVEs of 500 disks consolidated to
#: 100 kPa, Table 2 parameters; Newton tolerances loose enough for DEM stress noise.
DEFAULT = {
    "problem": {
        "type": "biaxial",
        **MESHES["coarse"],
        "axial_strain": 0.1,
        "confining_pressure": 100e3,
        "platens": "rough",
    },
    "material": {"type": "dem", "n_particles": 500, "max_relax_steps": 2000},
    "solver": {
        "n_steps": 100,
        "max_iterations": 30,
        "tol_displacement": 2e-3,
        "tol_residual": 1e-2,
        "accept_on_residual": True,
    },
    "output": {"dataset": True},
}

SMOKE = {
    "problem": {"nx": 1, "ny": 2, "axial_strain": 0.02},
    "material": {"n_particles": 60, "max_relax_steps": 300},
    "solver": {"n_steps": 4},
}


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = _merge(out.get(k, {}), v) if isinstance(v, dict) else v
    return out


def fem_dem_config(
    data: dict | None = None, mesh: str | None = None, smoke: bool = False, confining_history=None
) -> RunConfig:
    """DEFAULT, then the user's config, then presets (mesh, smoke, confining path)."""
    d = _merge(DEFAULT, data or {})
    if mesh is not None:
        d = _merge(d, {"problem": MESHES[mesh]})
    if smoke:
        d = _merge(d, SMOKE)
    if confining_history is not None:
        d["problem"]["confining_history"] = confining_history
    d["output"]["dataset"] = True
    return validate_config(d)


def plot_gauss_point_histories(out: Path, dataset: Path, points: list[int]) -> Path:
    """sigma_22 and sigma_11 against eps_22 at chosen Gauss points (converged rows)."""
    import zarr

    g = zarr.open_group(str(dataset), mode="r")
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
    """Run FEM-DEM; returns the run summary plus the keys of the issue's --json summary."""
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
    """The --json keys asked by the issue (plus a few useful ones)."""
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
    )
    return {k: s.get(k) for k in keys}


def gp_history_points(n_gp: int) -> list[int]:
    return list(np.unique([0, n_gp // 2, n_gp - 1]))
