"""Uncertainty maps of a FEM-ML run (seed 001 Fig. 24: committee uncertainty during FEM-DNN runs).

``run_fem_ml`` saves, per converged step and Gauss point, the committee
standard deviation of the stress relative to the stress norm
(``uncertainty.npy``, steps x Gauss points; ``uncertainty_steps.npy`` gives
the step number of each row). This module

* summarises where and when it exceeds a threshold
  (:func:`exceedance_summary`: first step, the points, the fraction of points
  above the threshold per step),
* draws it as contours on the deformed mesh for chosen steps
  (:func:`plot_uncertainty_maps`): Gauss-point values are interpolated to the
  mesh vertices (inverse-squared-distance weights over the Gauss points of the
  elements around each vertex) and drawn with Gouraud shading; Gauss points
  above the threshold are marked,
* and writes both into the run folder (:func:`uncertainty_report`):
  ``uncertainty_maps.png``, ``uncertainty.md`` and the key ``"uncertainty"``
  of ``summary.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from mslearn.core.errors import MslearnInputError

DEFAULT_THRESHOLD = 0.1  # committee std / |stress| above which a Gauss point is flagged


def check_threshold(threshold: float, name: str = "threshold") -> float:
    """The relative uncertainty threshold must lie in (0, 1]."""
    try:
        t = float(threshold)
    except (TypeError, ValueError):
        raise MslearnInputError(
            f"{name} is {threshold!r}; expected a number in (0, 1] (committee std / |stress|)"
        ) from None
    if not 0 < t <= 1:
        raise MslearnInputError(
            f"{name} is {threshold!r}; expected 0 < {name} <= 1 (committee std / |stress|)"
        )
    return t


def load_uncertainty(run_dir: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(steps (S,), uncertainty (S, n_gp)) of a FEM-ML run folder."""
    run_dir = Path(run_dir)
    f = run_dir / "uncertainty.npy"
    if not f.is_file():
        raise MslearnInputError(
            f"{str(run_dir)!r} has no uncertainty.npy: not a FEM-ML run with a committee "
            "(run `mslearn fem-ml` first)"
        )
    u = np.load(f)
    if u.ndim != 2 or u.shape[0] == 0:
        raise MslearnInputError(f"{str(f)!r} has shape {u.shape}; expected (steps >= 1, points)")
    sf = run_dir / "uncertainty_steps.npy"
    steps = np.load(sf) if sf.is_file() else np.arange(u.shape[0])  # rows are steps 0, 1, ...
    if steps.shape != (u.shape[0],):
        raise MslearnInputError(
            f"{str(sf)!r} has {steps.size} entries for {u.shape[0]} uncertainty rows"
        )
    return steps.astype(int), u


def exceedance_summary(steps: np.ndarray, unc: np.ndarray, threshold: float) -> dict:
    """Where and when ``unc`` (S, n_gp) exceeds ``threshold``."""
    threshold = check_threshold(threshold)
    above = unc > threshold
    per_step = above.mean(axis=1)
    hit = np.flatnonzero(above.any(axis=1))
    first = int(hit[0]) if hit.size else None
    ever = np.flatnonzero(above.any(axis=0))
    i_max = np.unravel_index(int(np.argmax(unc)), unc.shape)
    return {
        "threshold": threshold,
        "measure": "committee std of the stress / |stress| per Gauss point",
        "gauss_points": int(unc.shape[1]),
        "steps": int(unc.shape[0]),
        "exceeded": bool(hit.size),
        "first_step": int(steps[first]) if first is not None else None,
        "first_loaded_step": next((int(steps[i]) for i in hit if steps[i] > 0), None),
        "first_step_points": np.flatnonzero(above[first]).tolist() if first is not None else [],
        "points_ever_above": ever.tolist(),
        "fraction_points_ever_above": float(ever.size / unc.shape[1]),
        "steps_above": [int(s) for s in steps[hit]],
        "fraction_above_per_step": {int(s): float(f) for s, f in zip(steps, per_step, strict=True)},
        "max": float(unc[i_max]),
        "max_step": int(steps[i_max[0]]),
        "max_point": int(i_max[1]),
        "mean_per_step": {int(s): float(m) for s, m in zip(steps, unc.mean(axis=1), strict=True)},
        "mean_last_step": float(unc[-1].mean()),
    }


def choose_steps(steps: np.ndarray, n: int = 4) -> list[int]:
    """``n`` steps spread evenly over the run (the last one included, step 0 skipped)."""
    s = [int(v) for v in steps if v > 0] or [int(v) for v in steps]
    if len(s) <= n:
        return s
    idx = np.unique(np.linspace(0, len(s), n + 1).round().astype(int)[1:] - 1)
    return [s[i] for i in idx]


def gauss_to_vertices(
    points: np.ndarray, cells: np.ndarray, gauss_xy: np.ndarray, values: np.ndarray
) -> np.ndarray:
    """Vertex values from Gauss-point values: inverse-squared-distance weights over the
    Gauss points of the elements sharing each vertex (reference configuration). A
    convex combination: no overshoot, constants are kept."""
    n_el = len(cells)
    n_q = len(values) // n_el
    if n_q * n_el != len(values) or len(gauss_xy) != len(values):
        raise MslearnInputError(
            f"{len(values)} Gauss-point values for {n_el} elements and {len(gauss_xy)} "
            "Gauss points: the run and its mesh do not match"
        )
    gxy = gauss_xy.reshape(n_el, n_q, 2)
    val = values.reshape(n_el, n_q)
    d = np.linalg.norm(points[cells][:, :, None, :] - gxy[:, None, :, :], axis=3)  # (e, v, q)
    w = 1.0 / np.maximum(d, 1e-12 * max(np.ptp(points), 1e-300)) ** 2
    num = np.zeros(len(points))
    den = np.zeros(len(points))
    np.add.at(num, cells.ravel(), (w * val[:, None, :]).sum(axis=2).ravel())
    np.add.at(den, cells.ravel(), w.sum(axis=2).ravel())
    return num / np.maximum(den, 1e-300)


def _mesh_and_gauss(run_dir: Path):
    """(vertices (n, 2), cells, gauss_xy) of the run's problem, rebuilt from config.json."""
    from mslearn.fem.output import vertex_mesh
    from mslearn.problems.config import RunConfig

    cfg = RunConfig.model_validate(json.loads((run_dir / "config.json").read_text()))
    disc = cfg.problem.build().disc
    pts, cells = vertex_mesh(disc)
    return pts[:, :2], cells[0][1], disc.gauss_xy


def _displacements(run_dir: Path) -> list[np.ndarray]:
    import meshio

    f = run_dir / "fields.xdmf"
    if not f.is_file():
        return []
    with meshio.xdmf.TimeSeriesReader(str(f)) as r:
        r.read_points_cells()
        return [r.read_data(k)[1]["displacement"][:, :2] for k in range(r.num_steps)]


def plot_uncertainty_maps(
    run_dir: str | Path,
    show_steps: list[int],
    threshold: float,
    path: str | Path | None = None,
) -> Path:
    """One panel per step: relative committee std [%] on the deformed mesh."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.tri import LinearTriInterpolator

    from mslearn.report.fem_plots import _triangulation, auto_scale, draw_field

    run_dir = Path(run_dir)
    steps, unc = load_uncertainty(run_dir)
    missing = sorted(set(show_steps) - set(steps.tolist()))
    if missing:
        raise MslearnInputError(
            f"steps {missing} are not in the run; it has steps {int(steps[0])}..{int(steps[-1])}"
        )
    pts, cells, gxy = _mesh_and_gauss(run_dir)
    disp = _displacements(run_dir)
    # colour scale: 98th percentile of the drawn values (a few points where |stress| ~ 0
    # give ratios of several 100 %), never below twice the threshold
    shown = np.concatenate([unc[steps == s].ravel() for s in show_steps])
    vmax = 100 * max(float(np.percentile(shown, 98)), 2 * threshold)
    n = len(show_steps)
    aspect = np.ptp(pts[:, 1]) / max(np.ptp(pts[:, 0]), 1e-12)
    fig, axes = plt.subplots(
        1, n, figsize=(3.0 * n, 3.0 * min(max(aspect, 0.5), 2.0) + 0.8), squeeze=False
    )
    u_last = disp[min(int(steps[-1]), len(disp) - 1)] if disp else np.zeros_like(pts)
    scale = auto_scale(pts, u_last)
    tri = _triangulation(pts, cells)
    for ax, s in zip(axes[0], show_steps, strict=True):
        row = unc[int(np.flatnonzero(steps == s)[0])]
        u = disp[s] if s < len(disp) else np.zeros_like(pts)
        draw_field(
            ax,
            pts,
            cells,
            u,
            100 * gauss_to_vertices(pts, cells, gxy, row),
            scale,
            "std / |stress| [%]",
            "inferno",
            0,
            vmax,
        )
        hot = row > threshold
        if hot.any():
            ux = LinearTriInterpolator(tri, u[:, 0])(gxy[hot, 0], gxy[hot, 1]).filled(0)
            uy = LinearTriInterpolator(tri, u[:, 1])(gxy[hot, 0], gxy[hot, 1]).filled(0)
            ax.plot(
                gxy[hot, 0] + scale * ux,
                gxy[hot, 1] + scale * uy,
                "c.",
                ms=3,
                label=f"> {100 * threshold:g} %",
            )
        ax.set_title(f"step {s}: {int(hot.sum())} / {row.size} above", fontsize=9)
    fig.suptitle(
        f"Committee uncertainty (std / |stress|), Gauss points above {100 * threshold:g} % "
        f"marked; colours clipped at {vmax:.3g} % (98th percentile); deformation x{scale:.3g}",
        fontsize=9,
    )
    fig.tight_layout()
    path = Path(path) if path is not None else run_dir / "uncertainty_maps.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def markdown(s: dict) -> str:
    """The ``uncertainty.md`` text of a summary from :func:`exceedance_summary`
    (with the ``figure`` key :func:`uncertainty_report` adds)."""
    t = 100 * s["threshold"]
    lines = [
        "# Committee uncertainty of the FEM-ML run",
        "",
        f"Measure: {s['measure']}; threshold {t:g} %; {s['gauss_points']} Gauss points, "
        f"{s['steps']} steps recorded.",
        "",
    ]
    if s["exceeded"]:
        lines.append(
            f"First exceeded at step {s['first_step']} (first loaded step: "
            f"{s['first_loaded_step']}) at Gauss points "
            f"{s['first_step_points'][:20]}{' ...' if len(s['first_step_points']) > 20 else ''}; "
            f"{len(s['points_ever_above'])} points "
            f"({100 * s['fraction_points_ever_above']:.1f} %) exceed it at some step."
        )
    else:
        lines.append("Never exceeded.")
    lines += [
        f"Maximum {100 * s['max']:.2f} % at step {s['max_step']}, Gauss point {s['max_point']}.",
        "",
        "| step | points above [%] | mean uncertainty [%] |",
        "| --- | --- | --- |",
    ]
    for k, f in s["fraction_above_per_step"].items():
        lines.append(f"| {k} | {100 * f:.1f} | {100 * s['mean_per_step'][k]:.2f} |")
    if s.get("figure"):
        lines += ["", f"![uncertainty maps]({s['figure']})", ""]
    return "\n".join(lines) + "\n"


def uncertainty_report(
    run_dir: str | Path,
    steps: list[int] | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    plot: bool = True,
) -> dict:
    """Summary (into summary.json["uncertainty"] and uncertainty.md) and, when
    matplotlib is there and ``plot``, the maps of ``steps`` (default: 4 spread steps)."""
    threshold = check_threshold(threshold)
    run_dir = Path(run_dir)
    all_steps, unc = load_uncertainty(run_dir)
    s = exceedance_summary(all_steps, unc, threshold)
    show = list(steps) if steps else choose_steps(all_steps)
    s["map_steps"] = show
    s["figure"] = None
    if plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            pass
        else:
            s["figure"] = plot_uncertainty_maps(run_dir, show, threshold).name
    (run_dir / "uncertainty.md").write_text(markdown(s))
    sf = run_dir / "summary.json"
    if sf.is_file():
        summary = json.loads(sf.read_text())
        summary["uncertainty"] = s
        sf.write_text(json.dumps(summary, indent=2))
    return s


__all__ = [
    "check_threshold",
    "choose_steps",
    "exceedance_summary",
    "gauss_to_vertices",
    "load_uncertainty",
    "plot_uncertainty_maps",
    "uncertainty_report",
]
