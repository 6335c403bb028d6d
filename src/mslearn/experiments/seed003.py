"""Seed 003's chain as one study (``mslearn study seed003``).

1. exFEM-DEM strip footing (Sec. 3.1; Table 4 disk RVEs, fewer disks at the small
   sizes) with the dataset recorder: one stress-strain curve per Gauss point.
2. CSUH (and MCC, enhanced IME: Sec. 5) calibrated on those curves: Eq. 17-18
   bound-penalty loss with the gamma schedule, Adam then Levenberg-Marquardt.
3. FEM with each model at the original (Table 5 / 13 / 12) and the calibrated
   parameters against FEM-DEM on the biaxial test (Sec. 4.1), the retaining wall (4.2)
   and the cavity expansion with the pinned top corner (4.3): overall MAE, peak and
   post-peak error, Gauss points, steps, wall times (Tables 6-8, 16).
4. The 3D CTC calibration / PTC validation (Sec. 4.4, Tables 10-11) through
   :mod:`mslearn.experiments.triaxial3d_chain`.
5. Data-fraction study (Fig. 33): MCC and IME calibrated on 60-90 % of the curves.
6. Figures: loading-space overlap (Figs. 17, 23, 27), principal-direction mismatch
   (Fig. 18), shear-strain contours (Figs. 19, 22, 26).

FEM-DEM runs live in ``cache`` (default OUT/cache) keyed by what defines them and are
reused. Outputs: ``footing_curves.npz``, ``<model>/calibration``, ``<bvp>/<model>_<which>``
run folders, ``triaxial_3d/``, ``fractions/``, PNG figures, ``report.md``, ``report.json``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from mslearn.data.sequences import save
from mslearn.experiments.femdem_calibration import force_errors
from mslearn.experiments.seed003_runs import (
    calibrate_model,
    cell_histories,
    femdem_run,
    final_loss,
    gauss_point_curves,
    initial_pressure,
    model_run,
)
from mslearn.experiments.seed003_sizes import BVPS, TABLE_NAMES, Seed003Size, describe
from mslearn.experiments.seed003_tables import markdown, table16, table_entry
from mslearn.report import seed003_plots as plots


def study(out: Path, size: Seed003Size, size_name: str = "custom", cache: Path | None = None,
          threads: int = 1, with_3d: bool = True) -> dict:  # fmt: skip
    """The whole chain (module doc); returns the report (also report.json / report.md).
    Runs with ``threads`` torch threads (restored afterwards)."""
    import torch

    previous = torch.get_num_threads()
    try:
        torch.set_num_threads(threads)
        return _study(Path(out), size, size_name, cache, threads, with_3d)
    finally:
        torch.set_num_threads(previous)


def _footing(size: Seed003Size, cache: Path, out: Path):
    folder, s = femdem_run(size, "strip_footing", cache)
    ds = gauss_point_curves(folder, initial_pressure(size, "strip_footing"), size.curve_points)
    save(ds, out / "footing_curves.npz")
    keys = ("gauss_points", "steps", "completed", "cached")
    info = {"folder": str(folder), **{k: s.get(k) for k in keys}}
    info.update(wall_s=s.get("wall_time_s"), curves=ds.n_paths, curve_steps=ds.strain.shape[1],
                steps_recorded=ds.attrs.get("steps_recorded", ds.strain.shape[1]))  # fmt: skip
    return ds, info


_EXPLICIT_KEYS = ("explicit_steps", "time_step", "critical_time_step", "energy_balance_error")


def _row(method: str, s: dict, **extra) -> dict:
    row = {"method": method, "gauss_points": s.get("gauss_points"), "steps": s.get("steps"),
           "wall_s": s.get("wall_s", s.get("wall_time_s")),
           "completed": bool(s.get("completed")), **extra}  # fmt: skip
    row.update({k: s[k] for k in _EXPLICIT_KEYS if s.get(k) is not None})
    return row


def _curve_errors(folder: Path, ref: tuple) -> dict:
    """force_errors of a run's curve against ``ref``; empty when it has < 2 points."""
    from mslearn.workflows.results import run_curve

    try:
        e, f = run_curve(folder)
    except Exception:  # noqa: BLE001 (a run that failed before writing its history)
        return {}
    if len(e) < 2:
        return {"steps_converged": len(e) - 1}
    return {**force_errors(e, f, *ref), "steps_converged": len(e) - 1}


def _bvp(size: Seed003Size, name: str, cals: dict, cache: Path, out: Path):
    """FEM-DEM reference and every model run of BVP ``name``: (rows, run folders)."""
    from mslearn.workflows.results import run_curve

    ref_dir, ref = femdem_run(size, name, cache)
    curve = run_curve(ref_dir)
    rows = [_row("FEM-DEM", ref, cached=ref.get("cached"))]
    folders = {"femdem": ref_dir}
    for model, c in cals.items():
        for which, prm in (("original", c.original), ("calibrated", c.params)):
            folder = out / name / f"{model}_{which}"
            s = model_run(size, name, model, prm, folder)
            if s.get("gauss_points") is None:
                s["gauss_points"] = ref.get("gauss_points")
            row = _row(f"FEM-{model.upper()} {which}", s, model=model, which=which,
                       failure=s.get("failure"))  # fmt: skip
            row.update(_curve_errors(folder, curve))
            if row["steps"] is None:  # a stopped run: the steps it converged
                row["steps"] = row.get("steps_converged")
            rows.append(row)
            folders[f"{model}_{which}"] = folder
    return rows, folders


def _fractions(size: Seed003Size, curves, out: Path, threads: int) -> list[dict]:
    """Fig. 33: each non-CSUH model (CSUH when it is the only one) calibrated on a
    fraction f of the curves (split f / (1 - f)/2 / (1 - f)/2, same seed)."""
    models = [m for m in size.models if m != "csuh"] or list(size.models)
    rows = []
    for m in models:
        for f in size.fractions:
            split = (f, (1.0 - f) / 2.0, (1.0 - f) / 2.0)
            c = calibrate_model(size, m, curves, out / "fractions" / f"{m}_{f:.2f}", threads, split)
            lm = c.summary.get("lm") or {}
            rows.append({
                "model": m, "fraction": f, "train_curves": len(c.summary["split"]["train"]),
                "train_loss": final_loss(c), "val_loss": lm.get("val_loss", c.summary["best_loss"]),
                "test_loss": lm.get("test_loss", c.summary["test_loss"]),
            })  # fmt: skip
    return rows


def _triaxial(size: Seed003Size, out: Path, cache: Path, threads: int) -> tuple[dict, list]:
    """The 3D chain at ``size.triaxial`` with the study's solver: (tables entry, rows)."""
    from mslearn.experiments import triaxial3d_chain as t3
    from mslearn.experiments.seed003_triaxial import chain

    rep = chain(out / "triaxial_3d", t3.SIZES[size.triaxial], size.solver,
                cache / "triaxial_3d", threads, size.curve_points)  # fmt: skip
    rows = []
    for r in rep["table11"]:
        extra = {}
        if r["method"] != "FEM-DEM":
            extra = {"model": "csuh", "which": r["method"].split()[-1]}
        rows.append({**r, **extra})
    entry = table_entry("triaxial_3d", rows, suffix="_kpa")
    entry["calibration_loss"] = (rep["calibration"].get("lm") or {}).get(
        "train_loss", rep["calibration"].get("final_loss")
    )
    entry["calibrated_params"] = rep["table10"]["calibrated"]
    return entry, rows


def _analysis(ds, folders: dict, out: Path) -> tuple[dict, dict, list[str]]:
    """Overlap of each BVP's calibrated-CSUH Gauss-point states with the footing data,
    biaxial principal-direction mismatch, contour figures; (overlap, mismatch, figures)."""
    from mslearn.workflows.results import n_output_steps, read_fields

    train = (ds.strain, ds.stress)
    overlap, figures, mismatch = {}, [], {}
    for name, f in folders.items():
        run = f.get("csuh_calibrated")
        try:
            eps, sig = cell_histories(run)
        except Exception:  # noqa: BLE001 (a run that stopped before writing fields)
            continue
        png = f"overlap_{name}.png"
        overlap[TABLE_NAMES[name]] = plots.plot_overlap(
            out / png, train, (eps, sig), f"{name}: loading space vs strip-footing data"
        )
        figures.append(png)
        panels = []
        for key, title in (("femdem", "FEM-DEM"), ("csuh_original", "CSUH original"),
                           ("csuh_calibrated", "CSUH calibrated")):  # fmt: skip
            try:
                pts, cells, u, cd = read_fields(f[key], n_output_steps(f[key]) - 1)
                panels.append((title, pts, cells, u, cd["deviatoric_strain"][0]))
            except Exception:  # noqa: BLE001 (missing or stopped run: left out)
                continue
        if panels:
            png = f"shear_strain_{name}.png"
            plots.plot_contours(out / png, panels, title=f"{name}: deviatoric strain, last step")
            figures.append(png)
        if name == "biaxial":
            series = []
            for key, title in (("csuh_original", "CSUH original"), ("femdem", "FEM-DEM"),
                               ("csuh_calibrated", "CSUH calibrated")):  # fmt: skip
                try:
                    e, s = cell_histories(f[key])
                except Exception:  # noqa: BLE001
                    continue
                series.append((title, *plots.mismatch(e, s)))
            if series:
                mismatch = plots.plot_mismatch(out / "mismatch_biaxial.png", series,
                                               "biaxial: theta_eps - theta_sigma")  # fmt: skip
                figures.append("mismatch_biaxial.png")
    return overlap, mismatch, figures


def _study(out, size, size_name, cache, threads, with_3d) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(cache) if cache is not None else out / "cache"
    t_all = time.perf_counter()
    ds, footing = _footing(size, cache, out)
    cals = {m: calibrate_model(size, m, ds, out / m, threads) for m in size.models}
    rows, tables, folders = {}, {}, {}
    for name in BVPS:
        rows[TABLE_NAMES[name]], folders[name] = _bvp(size, name, cals, cache, out)
        tables[TABLE_NAMES[name]] = table_entry(TABLE_NAMES[name], rows[TABLE_NAMES[name]])
    if with_3d:
        tables["triaxial_3d"], rows["triaxial_3d"] = _triaxial(size, out, cache, threads)
    overlap, mismatch, figures = _analysis(ds, folders, out)
    report = {
        "size_name": size_name,
        "size": describe(size),
        "models": list(size.models),
        "footing": footing,
        "calibration": {
            m: {
                "original": c.original,
                "calibrated": c.params,
                "final_loss": final_loss(c),
                "summary": c.summary,
            }
            for m, c in cals.items()
        },  # fmt: skip
        "tables": tables,
        "table16": table16(rows["biaxial"], size.models),
        "rows": rows,
        "fractions": _fractions(size, ds, out, threads) if size.fractions else [],
        "overlap": overlap,
        "mismatch": mismatch,
        "figures": figures,
    }
    report["wall_time_s"] = time.perf_counter() - t_all
    (out / "report.json").write_text(json.dumps(report, indent=2, default=_jsonable))
    (out / "report.md").write_text(markdown(report))
    return report


def _jsonable(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def summary(report: dict) -> dict:
    """The one-line JSON of the study: the tables, Table 16, fractions, losses, wall time."""
    return {
        "tables": report["tables"],
        "table16": report["table16"],
        "fractions": report["fractions"],
        "calibration_loss": {m: c["final_loss"] for m, c in report["calibration"].items()},
        "footing_gauss_points": report["footing"]["gauss_points"],
        "overlap_coverage_pq": {
            k: v.get("p-t", {}).get("coverage") for k, v in report["overlap"].items()
        },  # fmt: skip
        "wall_time_s": report["wall_time_s"],
    }
