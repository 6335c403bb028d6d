"""Plots of 3D FEM runs: cell fields on plane sections of the deformed body.

A section is the plane x_axis = value through the reference (undeformed) mesh: every
element the plane crosses contributes the polygon where the plane cuts its edges,
coloured by the element's cell average and drawn at the deformed position (the
intersection points move with the linearly interpolated vertex displacement x scale).
The default sections are the mid-planes y = mid (an x-z view) and z = mid (an x-y view).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402

from mslearn.fem.measures import deviatoric_strain, stress_norm  # noqa: E402
from mslearn.report.fem_plots import auto_scale, plot_curves  # noqa: E402

#: vertex pairs of the 12 edges of a scikit-fem hexahedron (vertex order of MeshHex1:
#: 0 (0,0,0), 1 (0,1,0), 2 (1,0,0), 3 (0,0,1), 4 (1,1,0), 5 (0,1,1), 6 (1,0,1), 7 (1,1,1))
HEX_EDGES = np.array(
    [[0, 1], [0, 2], [0, 3], [1, 4], [1, 5], [2, 4], [2, 6], [3, 5], [3, 6], [4, 7], [5, 7], [6, 7]]
)
TET_EDGES = np.array([[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]])
AXES = "xyz"


@dataclass
class Section:
    """The cut of a mesh by the plane x_axis = value.

    cells: (k,) indices of the cut elements; points: k arrays (n_i, 3) of the cut points
    in the reference configuration, ordered around the polygon; params and ends: per
    polygon, the edge parameter s (n_i,) and the edge's two vertex indices (n_i, 2), to
    move the points with a vertex field.
    """

    axis: int
    value: float
    cells: np.ndarray
    points: list[np.ndarray]
    params: list[np.ndarray]
    ends: list[np.ndarray]

    @property
    def plane_axes(self) -> tuple[int, int]:
        """The two in-plane coordinate axes (horizontal, vertical of the drawing)."""
        return {0: (1, 2), 1: (0, 2), 2: (0, 1)}[self.axis]

    def polygons(self, u: np.ndarray | None = None, scale: float = 1.0) -> list[np.ndarray]:
        """In-plane polygons (n_i, 2), displaced by scale x vertex displacement u (n_v, 3)."""
        a, b = self.plane_axes
        out = []
        for pts, s, ends in zip(self.points, self.params, self.ends, strict=True):
            xyz = pts
            if u is not None:
                du = u[ends[:, 0]] + s[:, None] * (u[ends[:, 1]] - u[ends[:, 0]])
                xyz = pts + scale * du
            out.append(xyz[:, [a, b]])
        return out


def section(p: np.ndarray, cells: np.ndarray, axis: int, value: float) -> Section:
    """Cut the vertex mesh (p (n_v, 3), cells (n_el, 8 hex | 4 tet) in scikit-fem order)
    by the plane x_axis = value; a value on a node plane is nudged (1e-7 x extent)."""
    edges = HEX_EDGES if cells.shape[1] == 8 else TET_EDGES
    extent = float(np.ptp(p[:, axis])) or 1.0
    if np.any(np.abs(p[:, axis] - value) < 1e-9 * extent):
        value = value + 1e-7 * extent
    c = p[:, axis][cells]  # (n_el, nv)
    cut = np.flatnonzero((c.min(axis=1) < value) & (c.max(axis=1) > value))
    va, vb = cells[cut][:, edges[:, 0]], cells[cut][:, edges[:, 1]]  # (k, n_edges)
    ca, cb = p[va, axis], p[vb, axis]
    crosses = (ca - value) * (cb - value) < 0
    s = np.where(crosses, (value - ca) / np.where(crosses, cb - ca, 1.0), 0.0)
    pts_all = p[va] + s[..., None] * (p[vb] - p[va])  # (k, n_edges, 3)
    points, params, ends = [], [], []
    for i in range(cut.size):  # plotting only: a few polygons per cut element
        m = crosses[i]
        pts = pts_all[i, m]
        a, b = [j for j in range(3) if j != axis]
        centre = pts.mean(axis=0)
        order = np.argsort(np.arctan2(pts[:, b] - centre[b], pts[:, a] - centre[a]))
        points.append(pts[order])
        params.append(s[i, m][order])
        ends.append(np.column_stack([va[i, m], vb[i, m]])[order])
    return Section(axis, float(value), cut, points, params, ends)


def mid_sections(p: np.ndarray, cells: np.ndarray) -> list[Section]:
    """The sections y = mid (x-z view) and z = mid (x-y view) of the bounding box."""
    mid = 0.5 * (p.min(axis=0) + p.max(axis=0))
    return [section(p, cells, 1, mid[1]), section(p, cells, 2, mid[2])]


def draw_section(ax, sec: Section, values: np.ndarray, u, scale, label, cmap, vmin, vmax):
    """Draw the cell values (n_el,) of a section's cut elements on its deformed polygons."""
    art = PolyCollection(
        sec.polygons(u, scale), array=values[sec.cells], cmap=cmap, edgecolors="k", linewidths=0.2
    )
    art.set_clim(vmin, vmax)
    ax.add_collection(art)
    ax.autoscale_view()
    ax.set_aspect("equal")
    h, v = sec.plane_axes
    ax.set_xlabel(f"{AXES[h]} [m]")
    ax.set_ylabel(f"{AXES[v]} [m]")
    ax.set_title(f"{AXES[sec.axis]} = {sec.value:.3g} m", fontsize=9)
    plt.colorbar(art, ax=ax, shrink=0.8, label=label)


def plot_sections(
    path: Path,
    p: np.ndarray,
    cells: np.ndarray,
    u: np.ndarray,
    fields: Sequence[tuple[str, np.ndarray, str]],
    title: str,
    scale: float,
) -> None:
    """A grid of (label, cell values (n_el,), cmap) rows x mid-plane section columns; PNG."""
    secs = mid_sections(p, cells)
    fig, axes = plt.subplots(
        len(fields), len(secs), figsize=(4.0 * len(secs), 3.8 * len(fields)), squeeze=False
    )
    for row, (label, values, cmap) in zip(axes, fields, strict=True):
        lo, hi = float(np.min(values)), float(np.max(values))
        for ax, sec in zip(row, secs, strict=True):
            draw_section(ax, sec, values, u, scale, label, cmap, lo, hi)
    fig.suptitle(f"{title} (deformation x{scale:.3g})")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_section_snapshots(
    path: Path,
    p: np.ndarray,
    cells: np.ndarray,
    snaps: Sequence[tuple[str, np.ndarray, np.ndarray]],
    label: str,
    scale: float,
) -> None:
    """(title, vertex u, cell values) snapshots on the y mid-plane, common colour range."""
    sec = mid_sections(p, cells)[0]
    vmax = max(float(np.max(v)) for _, _, v in snaps) or 1.0
    vmin = min(float(np.min(v)) for _, _, v in snaps)
    fig, axes = plt.subplots(1, len(snaps), figsize=(3.2 * len(snaps), 4.2), squeeze=False)
    for ax, (title, u, v) in zip(axes[0], snaps, strict=True):
        draw_section(ax, sec, v, u, scale, label, "magma", vmin, vmax)
        ax.set_title(f"{title}, {AXES[sec.axis]} = {sec.value:.3g} m", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_run_3d(
    out: Path,
    problem,
    curve: tuple[np.ndarray, np.ndarray],
    last,
    snaps: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]],
    scale: float | None,
) -> None:
    """The plots of a 3D run into folder ``out``: ``load_displacement.png`` (the problem's
    curve), ``fields_final.png`` (|u|, deviatoric strain and stress norm of the last step on
    the mid-plane sections) and ``deviatoric_strain_steps.png`` (snapshots on y = mid).

    ``problem``: a :class:`~mslearn.problems.base.Problem` on a 3D mesh; ``curve``:
    (displacement, load) arrays; ``last``: the last converged StepState; ``snaps``:
    step -> (u, strain, stress) of the steps to show.
    """
    disc = problem.disc
    p = disc.mesh.p[:, : disc.mesh.nvertices].T
    cells = disc.mesh.t[: 8 if disc.etype.family == "hex" else 4].T
    u_last = disc.nodal_displacement(last.u)
    scale = scale or auto_scale(p, u_last)
    plot_curves(
        out / "load_displacement.png",
        [(problem.name, curve[0], curve[1])],
        problem.curve.disp_label,
        problem.curve.load_label,
        problem.description,
    )
    u_cell = np.linalg.norm(u_last, axis=1)[cells].mean(axis=1)
    plot_sections(
        out / "fields_final.png",
        p,
        cells,
        u_last,
        [
            ("|u| [m] (cell mean)", u_cell, "viridis"),
            ("deviatoric strain [-]", disc.cell_average(deviatoric_strain(last.strain)), "magma"),
            (
                "stress norm [kPa]",
                disc.cell_average(stress_norm(last.response.stress)) / 1e3,
                "cividis",
            ),
        ],
        f"{problem.name}, step {last.step}",
        scale,
    )
    shots = [
        (f"step {k}", disc.nodal_displacement(u), disc.cell_average(deviatoric_strain(e)))
        for k, (u, e, _s) in sorted(snaps.items())
    ]
    if shots:
        plot_section_snapshots(
            out / "deviatoric_strain_steps.png", p, cells, shots, "deviatoric strain [-]", scale
        )
