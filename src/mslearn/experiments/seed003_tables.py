"""Tables of the seed 003 chain: rows per run, the paper-style summaries, report.md.

A row holds a run's Gauss points, steps, wall time and (for a model run) the curve
errors of :func:`mslearn.experiments.femdem_calibration.force_errors` against the
FEM-DEM run of the same BVP: overall MAE, peak error, post-peak MAE, in the unit of the
problem's curve (kN/m for the biaxial top force and the wall thrust, kPa for the cavity
pressure; kN and kPa = kN / top area for the 3D PTC top force).
"""

from __future__ import annotations

import math

from mslearn.experiments.seed003_sizes import (
    PAPER_CSUH_MIN_LOSS,
    PAPER_FOOTING,
    PAPER_PARAMS,
    PAPER_TABLE16,
    PAPER_TABLES,
)

UNITS = {"biaxial": "kN/m", "retaining_wall": "kN/m", "cavity_expansion": "kPa",
         "triaxial_3d": "kPa"}  # fmt: skip


def _ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def paper_entry(name: str) -> dict:
    """The paper's Table 6/7/8/11 row pair as ``tables`` fields (wall times in s)."""
    p = PAPER_TABLES[name]
    (mo, po, qo), (mc, pc, qc) = p["original"], p["calibrated"]
    return {
        "table": p["table"],
        "gauss_points": p["gauss_points"],
        "steps": p["steps"],
        "unit": p["unit"],
        "mae_original": mo,
        "mae_calibrated": mc,
        "peak_error_original": po,
        "peak_error_calibrated": pc,
        "post_peak_error_original": qo,
        "post_peak_error_calibrated": qc,
        "improvement": mo / mc,
        "wall_time_dem_s": p["wall_h"]["dem"] * 3600.0,
        "wall_time_csuh_s": p["wall_h"]["calibrated"] * 3600.0,
    }


def table_entry(name: str, rows: list[dict], model: str = "csuh", suffix: str = "") -> dict:
    """The ``tables[name]`` entry from the rows of one BVP: MAE, peak and post-peak error
    of the original and calibrated ``model``, improvement = mae_original / mae_calibrated,
    FEM-DEM and calibrated-model wall times, and the paper's row pair (``paper``).
    ``suffix`` picks error fields (e.g. "_kpa" for the 3D rows)."""
    by = {(r.get("model"), r.get("which")): r for r in rows}
    dem = next(r for r in rows if r["method"] == "FEM-DEM")
    o, c = by.get((model, "original"), {}), by.get((model, "calibrated"), {})
    out = {
        "unit": UNITS[name],
        "gauss_points": dem.get("gauss_points"),
        "steps": dem.get("steps"),
        "wall_time_dem_s": dem.get("wall_s"),
        "wall_time_csuh_s": c.get("wall_s"),
        "wall_time_original_s": o.get("wall_s"),
        "completed_original": o.get("completed"),
        "completed_calibrated": c.get("completed"),
    }
    for k in ("mae", "peak_error", "post_peak_error", "rel_l2"):
        key = k if k == "rel_l2" else k + suffix
        out[f"{k}_original"] = o.get(key)
        out[f"{k}_calibrated"] = c.get(key)
    out["improvement"] = _ratio(out["mae_original"], out["mae_calibrated"])
    out["paper"] = paper_entry(name)
    return out


def table16(rows: list[dict], models) -> dict:
    """Table 16 analogue: biaxial prediction MAE and wall time of each calibrated model
    (and the original parameters' MAE), with the paper's values."""
    by = {(r.get("model"), r.get("which")): r for r in rows}
    dem = next(r for r in rows if r["method"] == "FEM-DEM")
    out = {"wall_time_dem_s": dem.get("wall_s"), "paper": PAPER_TABLE16}
    for m in models:
        c, o = by.get((m, "calibrated"), {}), by.get((m, "original"), {})
        out[m] = {"mae_calibrated": c.get("mae"), "mae_original": o.get("mae"),
                  "wall_s": c.get("wall_s"), "completed": c.get("completed")}  # fmt: skip
    return out


def _f(v, fmt=".2f") -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    return format(v, fmt)


def _bvp_md(name: str, t: dict, rows: list[dict], suffix: str = "") -> list[str]:
    p = t["paper"]
    lines = [
        f"## {name} (paper Table {p['table']}; errors in {t['unit']}, paper {p['unit']})",
        "",
        "| method | Gauss points | steps | wall [s] | MAE | peak err. | post-peak err. "
        "| rel. L2 | completed |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['method']} | {r.get('gauss_points')} | {r.get('steps')} "
            f"| {_f(r.get('wall_s'), '.1f')} | {_f(r.get('mae' + suffix))} "
            f"| {_f(r.get('peak_error' + suffix))} | {_f(r.get('post_peak_error' + suffix))} "
            f"| {_f(r.get('rel_l2'), '.3f')} | {r.get('completed')} |"
        )
    lines += [
        f"| paper exFEM-DEM | {p['gauss_points']} | {p['steps']} "
        f"| {_f(p['wall_time_dem_s'], '.0f')} | | | | | |",
        f"| paper original CSUH | {p['gauss_points']} | {p['steps']} | | "
        f"{_f(p['mae_original'])} | {_f(p['peak_error_original'])} "
        f"| {_f(p['post_peak_error_original'])} | | |",
        f"| paper optimised CSUH | {p['gauss_points']} | {p['steps']} "
        f"| {_f(p['wall_time_csuh_s'], '.0f')} | {_f(p['mae_calibrated'])} "
        f"| {_f(p['peak_error_calibrated'])} | {_f(p['post_peak_error_calibrated'])} | | |",
        "",
        f"Improvement mae_original / mae_calibrated: here {_f(t['improvement'])}, paper "
        f"{_f(p['improvement'])}.",
        "",
    ]
    return lines


def _params_md(cal: dict) -> list[str]:
    lines = ["## Calibrated parameters (paper: Tables 5, 14, 15)", ""]
    for m, c in cal.items():
        paper = PAPER_PARAMS.get(m, {}).get("optimised", {})
        s = c["summary"]
        lm = s.get("lm") or {}
        lines += [
            f"### {m.upper()}: loss {_f(s.get('initial_loss'), '.3e')} -> Adam "
            f"{_f(s.get('final_loss'), '.3e')} ({s.get('epochs_run')} epochs) -> LM "
            f"{_f(lm.get('train_loss'), '.3e')} ({lm.get('iterations', 0)} it.), "
            f"{_f(s.get('wall_s'), '.0f')} s",
            "",
            "| parameter | original | calibrated | paper optimised |",
            "| --- | --- | --- | --- |",
        ]
        for k, v in c["original"].items():
            lines.append(
                f"| {k} | {v:.4g} | {c['calibrated'][k]:.4g} | {_f(paper.get(k), '.4g')} |"
            )
        lines.append("")
    lines.append(f"Paper: CSUH minimum loss {PAPER_CSUH_MIN_LOSS:g} (Sec. 3.3).")
    lines.append("")
    return lines


def markdown(report: dict) -> str:
    """``report.md``: footing, calibrations, Tables 6-8 / 11 / 16 analogues, fractions,
    overlap and mismatch summaries, figures."""
    f = report["footing"]
    lines = [
        "# seed 003 chain: exFEM-DEM strip footing -> calibration -> validation BVPs",
        "",
        f"Size `{report['size_name']}`, solver `{report['size']['solver']}`. Strip footing "
        f"FEM-DEM: {f['gauss_points']} Gauss points, {f['steps']} steps, "
        f"{_f(f['wall_s'], '.1f')} s{' (cached)' if f.get('cached') else ''}; paper "
        f"{PAPER_FOOTING['gauss_points']} Gauss points, {PAPER_FOOTING['steps']} steps, "
        f"{PAPER_FOOTING['wall_h']} h. {f['curves']} Gauss-point curves.",
        "",
    ]
    lines += _params_md(report["calibration"])
    for name, t in report["tables"].items():
        rows = report["rows"].get(name, [])
        lines += _bvp_md(name, t, rows, "_kpa" if name == "triaxial_3d" else "")
    t16 = report.get("table16")
    if t16:
        lines += ["## Table 16 analogue (biaxial, calibrated models)", "",
                  "| model | MAE [kN/m] | MAE original | wall [s] | paper MAE | paper wall [h] |",
                  "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
        for m in report["models"]:
            r, p = t16.get(m, {}), PAPER_TABLE16.get(m, {})
            lines.append(
                f"| {m} | {_f(r.get('mae_calibrated'))} | {_f(r.get('mae_original'))} "
                f"| {_f(r.get('wall_s'), '.1f')} | {_f(p.get('mae'), '.3f')} "
                f"| {_f(p.get('wall_h'), '.3f')} |"
            )
        lines.append("")
    if report.get("fractions"):
        lines += ["## Data fraction (Fig. 33)", "",
                  "| model | training fraction | curves | train loss | val loss | test loss |",
                  "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
        for r in report["fractions"]:
            lines.append(
                f"| {r['model']} | {r['fraction']:.2f} | {r['train_curves']} "
                f"| {_f(r['train_loss'], '.3e')} | {_f(r['val_loss'], '.3e')} "
                f"| {_f(r['test_loss'], '.3e')} |"
            )
        lines += ["", "Paper (70 %): IME 0.0146, MCC 0.0078.", ""]
    lines += ["## Loading-space overlap with the footing data (Figs. 17, 23, 27)", "",
              "coverage = share of the BVP's occupied (x, y) cells (20 x 20 grid over "
              "both clouds) that the footing data also occupies; Jaccard = shared / all.",
              ""]  # fmt: skip
    for name, ov in report.get("overlap", {}).items():
        parts = ", ".join(f"{k} {v['coverage']:.2f}/{v['jaccard']:.2f}" for k, v in ov.items())
        lines.append(f"- {name} (calibrated CSUH run; coverage/Jaccard): {parts}")
    mm = report.get("mismatch")
    if mm:
        lines += ["", "## Principal-direction mismatch, biaxial (Fig. 18)", ""]
        for k, v in mm.items():
            lines.append(
                f"- {k}: {v['n']} states, mean |theta_eps - theta_sig| "
                f"{_f(v['mean_abs_deg'], '.1f')} deg, std {_f(v['std_deg'], '.1f')} deg"
            )
    lines += ["", f"Total wall time {_f(report['wall_time_s'], '.0f')} s.", ""]
    for fig in report.get("figures", []):
        lines.append(f"![{fig}]({fig})")
    lines.append("")
    return "\n".join(lines)
