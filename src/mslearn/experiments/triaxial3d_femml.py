"""3D FEM-ML against 3D FEM-DEM on the seed 003 Sec. 4.4 triaxial prism (seed 000
Algorithm 2 in 3D; seed 001 Fig. 24 uncertainty maps).

1. The FEM-DEM CTC and PTC runs of :mod:`mslearn.experiments.triaxial3d_chain` (the same
   cache: the calibration chain and this study share their runs).
2. An MLP committee (strain, phi) -> (stress, D), nv = 6 (phi: the accumulated absolute
   strain increments, seed 000 Eq. 12), trained on the **CTC** point data only (every
   recorded row, converged and Newton trials; 70/15/15 split by point); PTC is held out:
   its intermediate strain is held at zero, a path the CTC data do not contain.
3. FEM-ML (the committee at every Gauss point) on CTC and on PTC with the same mesh,
   steps and solver as FEM-DEM; top-force curves compared with FEM-DEM (relative L2 and
   MAE [kN]); wall time per Newton iteration of FEM-ML and FEM-DEM (solver wall time /
   iterations, both from this study's runs; a FEM-DEM run reused from the cache keeps the
   timing of the process that ran it, flagged ``cached``); committee uncertainty (std /
   |stress|) of the last step on the y and z mid-plane sections.

Outputs: ``model/`` (the committee), ``learning_curves.png``, ``fem_ml_ctc/``,
``fem_ml_ptc/``, ``uncertainty_sections_<path>.png``, ``top_force.png``, ``report.md``,
``report.json``.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import meshio
import numpy as np

from mslearn.core.errors import MslearnInputError
from mslearn.experiments.common import rel_l2
from mslearn.experiments.femdem_calibration import _f, force_errors
from mslearn.experiments.triaxial3d_chain import PATHS, Chain3DSize, femdem_run, run_config
from mslearn.learn.fit import fit_surrogate, plot_learning_curves
from mslearn.learn.training import TrainOptions
from mslearn.report.fem_plots import plot_curves
from mslearn.report.fem_plots3d import plot_sections
from mslearn.workflows.femml import run_fem_ml
from mslearn.workflows.results import run_curve


@dataclass(frozen=True)
class FemMLBudget:
    """Committee size and training budget (epochs, never seconds)."""

    hidden: tuple[int, ...] = (32, 32)
    members: int = 3
    max_epochs: int = 300
    patience: int = 200
    batch_size: int = 128
    lr: float = 3e-3
    activation: str = "tanh"
    mode: str = "separate"
    seed: int = 0


BUDGETS = {
    "default": FemMLBudget(),
    "smoke": FemMLBudget(hidden=(16, 16), members=2, max_epochs=20),
}


def train_committee(ctc_dir: Path, budget: FemMLBudget, out: Path):
    """Fit the committee on the CTC point dataset; (model folder, metrics, wall s)."""
    opts = TrainOptions(
        hidden=budget.hidden,
        members=budget.members,
        max_epochs=budget.max_epochs,
        patience=budget.patience,
        batch_size=budget.batch_size,
        lr=budget.lr,
        activation=budget.activation,
        seed=budget.seed,
    )
    t0 = time.perf_counter()
    sur, rep = fit_surrogate(ctc_dir / "dataset.zarr", opts, mode=budget.mode, split_by="point")
    wall = time.perf_counter() - t0
    folder = sur.save(out / "model")
    plot_learning_curves(out / "learning_curves.png", rep["curves"])
    return folder, rep["metrics"], wall


def last_step_fields(folder: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(vertices (n, 3) [m], HEX8 cells (n_el, 8) in the FEM mesh's (scikit-fem) vertex
    order, the order :mod:`mslearn.report.fem_plots3d` expects; last displacement (n, 3)
    [m] from the run's ``fields.xdmf``). The XDMF holds VTK-ordered cells, so the cells
    come from the run's own mesh (rebuilt from its config.json)."""
    from mslearn.workflows.results import run_config as folder_config

    mesh = folder_config(folder).problem.build().disc.mesh
    with meshio.xdmf.TimeSeriesReader(str(Path(folder) / "fields.xdmf")) as r:
        r.read_points_cells()
        _, point_data, _ = r.read_data(r.num_steps - 1)
    pts = mesh.p[:, : mesh.nvertices].T
    return pts, mesh.t[:8].T, point_data["displacement"][: len(pts)]


def uncertainty_sections(folder: Path, path: Path, title: str) -> dict:
    """Cell means of the last step's committee std / |stress| on the mid-plane sections
    (PNG at ``path``); returns {max, mean, median, cells} of the last step. Where an RVE
    lost its contacts (stress ~ 0) the ratio is large whatever the committee does."""
    unc = np.load(Path(folder) / "uncertainty.npy")[-1]
    pts, cells, u = last_step_fields(folder)
    if unc.size % len(cells):
        raise MslearnInputError(
            f"{folder}: {unc.size} Gauss-point uncertainties for {len(cells)} cells"
        )
    cell = unc.reshape(len(cells), -1).mean(axis=1)
    span = np.ptp(pts, axis=0).max()
    scale = 0.1 * span / max(float(np.abs(u).max()), 1e-30)
    field = [("std / |stress| [%]", 100 * cell, "inferno")]
    plot_sections(path, pts, cells, u, field, title, scale)
    return {
        "max": float(unc.max()),
        "mean": float(unc.mean()),
        "median": float(np.median(unc)),
        "cells": int(len(cells)),
    }


def _per_iteration(s: dict) -> float | None:
    it = s.get("iterations") or 0
    wall = s.get("solver_wall_s")
    return wall / it if it and wall is not None else None


def femml(out: Path, size: Chain3DSize, budget: FemMLBudget, cache: Path | None = None) -> dict:
    """The study of the module doc; returns the report (also report.json / report.md)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(cache) if cache is not None else out / "cache"
    t_all = time.perf_counter()
    refs = {p: femdem_run(size, p, cache) for p in PATHS}
    model_dir, metrics, train_wall = train_committee(refs["ctc"][0], budget, out)
    cases, curves = {}, []
    for p in PATHS:
        ref_dir, ref = refs[p]
        cfg = run_config(size, p, {"type": "surrogate", "model": str(model_dir)})
        folder = out / f"fem_ml_{p}"
        t0 = time.perf_counter()
        s = run_fem_ml(cfg, folder, progress=False, raise_on_failure=False)
        wall = time.perf_counter() - t0
        e_ref, f_ref = run_curve(ref_dir)
        e, f = run_curve(folder)
        err = force_errors(e, f, e_ref, f_ref)
        unc = uncertainty_sections(
            folder, out / f"uncertainty_sections_{p}.png", f"FEM-ML {p.upper()}: uncertainty"
        )
        t_ml, t_dem = _per_iteration(s), _per_iteration(ref)
        cases[p] = {
            "held_out": p != "ctc",
            "completed": bool(s.get("completed")),
            "steps": s.get("steps"),
            "iterations": s.get("iterations"),
            "wall_s": wall,
            "femdem_wall_s": ref.get("wall_time_s"),
            "femdem_cached": bool(ref.get("cached")),
            "time_per_iteration_ml_s": t_ml,
            "time_per_iteration_dem_s": t_dem,
            "speedup_per_iteration": t_dem / t_ml if t_ml and t_dem else None,
            "rel_l2": err["rel_l2"],
            "mae": err["mae"],
            "rel_l2_steps": rel_l2(np.interp(e_ref, e, f), f_ref),
            "peak_error": err["peak_error"],
            "uncertainty_last_step": unc,
        }
        curves += [(f"FEM-DEM {p.upper()}", e_ref, f_ref), (f"FEM-ML {p.upper()}", e, f)]
    plot_curves(
        out / "top_force.png",
        curves,
        "axial strain [-] (compression +)",
        "top force [kN] (compression +)",
        f"triaxial 3D {size.nx}x{size.ny}x{size.nz} HEX8: FEM-ML vs FEM-DEM",
    )
    report = {
        "size": asdict(size),
        "budget": asdict(budget),
        "trained_on": "ctc",
        "training": {**metrics, "wall_s": train_wall},
        "cases": cases,
        "gauss_points": refs["ctc"][1].get("gauss_points"),
        "wall_time_s": time.perf_counter() - t_all,
    }
    (out / "report.json").write_text(json.dumps(report, indent=2, default=str))
    (out / "report.md").write_text(markdown(report))
    return report


def summary(report: dict) -> dict:
    """The one-line JSON summary: per path the top-force errors and time per iteration."""
    keys = ("rel_l2", "mae", "peak_error", "time_per_iteration_ml_s", "time_per_iteration_dem_s",
            "speedup_per_iteration", "completed", "held_out")  # fmt: skip
    out = {p: {k: c[k] for k in keys} for p, c in report["cases"].items()}
    out["trained_on"] = report["trained_on"]
    out["test_stress_rel_error"] = report["training"]["test_stress_rel_error"]
    out["gauss_points"] = report["gauss_points"]
    return out


def markdown(report: dict) -> str:
    """``report.md``: FEM-ML vs FEM-DEM per path, training and timing."""
    t = report["training"]
    lines = [
        "# 3D FEM-ML vs FEM-DEM (triaxial CTC / PTC)",
        "",
        f"Committee trained on the CTC point data only ({t['train_samples']} training rows; "
        f"test stress rel. error {t['test_stress_rel_error']:.3f}, D "
        f"{t['test_stiffness_rel_error']:.3f}; {t['wall_s']:.0f} s); "
        f"{report['gauss_points']} Gauss points.",
        "",
        "| path | held out | completed | rel. L2 | MAE [kN] | peak error [kN] "
        "| s / iteration FEM-ML | s / iteration FEM-DEM | speed-up | median / max std/|stress| |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for p, c in report["cases"].items():
        cached = " (cached)" if c["femdem_cached"] else ""
        lines.append(
            f"| {p.upper()} | {c['held_out']} | {c['completed']} | {_f(c['rel_l2'], '.3f')} "
            f"| {_f(c['mae'], '.4f')} | {_f(c['peak_error'], '.4f')} "
            f"| {_f(c['time_per_iteration_ml_s'], '.4f')} "
            f"| {_f(c['time_per_iteration_dem_s'], '.3f')}{cached} "
            f"| {_f(c['speedup_per_iteration'], '.0f')} "
            f"| {_f(100 * c['uncertainty_last_step']['median'], '.1f')} / "
            f"{_f(100 * c['uncertainty_last_step']['max'], '.1f')} % |"
        )
    lines += ["", "![top force](top_force.png)", ""]
    lines += [f"![uncertainty {p}](uncertainty_sections_{p}.png)" for p in report["cases"]]
    return "\n".join(lines + [""])
