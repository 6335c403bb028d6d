"""Seed 003 Sec. 4.4 in the seed003 study: 3D CTC calibration, PTC validation.

The pieces of :mod:`mslearn.experiments.triaxial3d_chain` (problem and RVE tables,
curve masks, Table 11 rows) with the study's solver: implicit Newton as that chain, or
the explicit central-difference solver of seed 003 Sec. 2.2, and the Gauss-point curves
cut to at most ``curve_points`` evenly spaced steps (an explicit run records every
time step). FEM-DEM runs are cached in ``cache/femdem_<path>_<solver>_<key>``.
"""

from __future__ import annotations

import time
from pathlib import Path

from mslearn.data.sequences import from_point_dataset, save
from mslearn.experiments import triaxial3d_chain as t3
from mslearn.experiments.common import cached_run, timed_run
from mslearn.experiments.seed003_runs import adam_then_lm, subsample


def run_config(size: t3.Chain3DSize, path: str, solver: str, material: dict | None = None):
    """:func:`triaxial3d_chain.run_config` with ``solver`` ("implicit" keeps its Newton
    table; "explicit": central difference over the same ``size.steps`` output steps)."""
    from mslearn.problems.config import SolverConfig

    cfg = t3.run_config(size, path, material)
    if solver == "explicit":
        cfg = cfg.model_copy(deep=True)
        cfg.solver = SolverConfig(type="explicit", n_steps=size.steps)
    return cfg


def femdem_run(size: t3.Chain3DSize, path: str, solver: str, cache: Path):
    """Run (or reuse) the FEM-DEM run on ``path``; (folder, summary with ``cached``)."""
    from mslearn.workflows.femdem import run_fem_dem

    key = f"{size.femdem_key()}_{solver}"
    folder = Path(cache) / f"femdem_{path}_{solver}_{size.femdem_key()}"
    cfg = run_config(size, path, solver)
    return folder, cached_run(folder, key, lambda f: run_fem_dem(cfg, f, progress=False))


def fem_run(size: t3.Chain3DSize, path: str, solver: str, params: dict, folder: Path) -> dict:
    """FEM-CSUH (exponential Lode shape) on ``path``; a solver failure is kept."""
    material = {"type": "csuh", "params": params, "lode": "exponential"}
    cfg = run_config(size, path, solver, material)
    return timed_run(cfg, folder)


def calibrate_ctc(size: t3.Chain3DSize, ctc_dir: Path, out: Path, threads: int,
                  curve_points: int | None) -> tuple[dict, dict, dict]:  # fmt: skip
    """CSUH on the CTC Gauss-point curves as the 3D chain (its bounds, split, masks),
    Adam then LM; (original, calibrated, summary)."""
    from mslearn.calibration.calibrate import CalibrationOptions
    from mslearn.calibration.identifiability import CSUH_IDENTIFIABLE
    from mslearn.constitutive.factory import make_model

    ds = from_point_dataset(ctc_dir / "dataset.zarr", size.confining_pressure)
    n_all = ds.strain.shape[1]
    ds = subsample(ds, curve_points)
    out.mkdir(parents=True, exist_ok=True)
    save(ds, out / "dataset.npz")
    mdl = make_model("csuh", "exponential")
    opts = CalibrationOptions(
        bounds=t3.WIDE_BOUNDS if size.bounds == "wide" else None,
        epochs=size.epochs,
        trainable=CSUH_IDENTIFIABLE,
        seed=size.seed,
        threads=threads,
        split=size.split,
        eps_ref=size.eps_ref,
    )
    original = {k: float(v) for k, v in mdl.defaults().items()}
    ds = t3.masked_curves(ds, mdl, original, opts)
    params, summary = adam_then_lm(mdl, ds, original, CSUH_IDENTIFIABLE, opts, size, out)
    summary.update(gauss_points=ds.n_paths, steps=int(ds.strain.shape[1]),
                   steps_recorded=n_all, rows_in_loss=int(ds.mask.sum()))  # fmt: skip
    return original, params, summary


def chain(out: Path, size: t3.Chain3DSize, solver: str, cache: Path, threads: int = 1,
          curve_points: int | None = 40) -> dict:  # fmt: skip
    """FEM-DEM CTC and PTC, CSUH calibrated on CTC, FEM-CSUH original / calibrated on
    PTC against FEM-DEM; a report with ``table11`` rows (errors in kN and kPa)."""
    from mslearn.workflows.results import run_curve

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    refs = {p: femdem_run(size, p, solver, cache) for p in t3.PATHS}
    original, calibrated, cal = calibrate_ctc(size, refs["ctc"][0], out, threads, curve_points)
    ptc_dir, ptc = refs["ptc"]
    ref_curve = run_curve(ptc_dir)
    rows = [{**t3.table_row("FEM-DEM", ptc, ptc_dir, None, size), **_explicit(ptc)}]
    for which, prm in (("original", original), ("calibrated", calibrated)):
        folder = out / f"fem_{which}"
        s = fem_run(size, "ptc", solver, prm, folder)
        try:
            row = t3.table_row(f"FEM-CSUH {which}", s, folder, ref_curve, size)
        except Exception:  # noqa: BLE001 (a run that stopped before its first step)
            row = t3.table_row(f"FEM-CSUH {which}", s, folder, None, size)
        rows.append({**row, **_explicit(s), "failure": s.get("failure")})
    return {
        "solver": solver,
        "femdem": {
            p: {
                "folder": str(d),
                "steps": s.get("steps"),
                "cached": s.get("cached"),
                "wall_time_s": s.get("wall_time_s"),
                **_explicit(s),
            }
            for p, (d, s) in refs.items()
        },  # fmt: skip
        "calibration": cal,
        "table10": {"original": original, "calibrated": calibrated},
        "table11": rows,
        "wall_time_s": time.perf_counter() - t0,
    }


def _explicit(s: dict) -> dict:
    """The explicit solver's summary fields (empty for an implicit run)."""
    keys = ("explicit_steps", "time_step", "critical_time_step", "energy_balance_error")
    return {k: s[k] for k in keys if s.get(k) is not None}
