"""Plots of FEM runs: fields on the deformed mesh and load-displacement curves."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.tri import Triangulation  # noqa: E402


def auto_scale(points: np.ndarray, u: np.ndarray, fraction: float = 0.1) -> float:
    """Deformation scale so the largest displacement is ``fraction`` of the model size."""
    size = np.ptp(points, axis=0).max()
    umax = np.abs(u).max()
    if umax == 0:
        return 1.0
    s = fraction * size / umax
    return 1.0 if s < 1.0 else float(s)


def _triangulation(points: np.ndarray, cells: np.ndarray) -> Triangulation:
    if cells.shape[1] == 4:
        tris = np.vstack([cells[:, [0, 1, 2]], cells[:, [0, 2, 3]]])
    else:
        tris = cells[:, :3]
    return Triangulation(points[:, 0], points[:, 1], tris)


def draw_field(
    ax,
    points: np.ndarray,
    cells: np.ndarray,
    u: np.ndarray,
    values: np.ndarray,
    scale: float,
    label: str,
    cmap: str = "viridis",
    vmin=None,
    vmax=None,
):
    """Draw a nodal (n_vertices,) or cell (n_cells,) scalar on the deformed mesh."""
    xy = points + scale * u
    if values.shape[0] == points.shape[0]:
        art = ax.tripcolor(
            _triangulation(xy, cells), values, shading="gouraud", cmap=cmap, vmin=vmin, vmax=vmax
        )
        ax.add_collection(
            PolyCollection(xy[cells], facecolors="none", edgecolors="k", linewidths=0.2, alpha=0.4)
        )
    else:
        art = PolyCollection(xy[cells], array=values, cmap=cmap, edgecolors="k", linewidths=0.2)
        art.set_clim(vmin, vmax)
        ax.add_collection(art)
    ax.autoscale_view()
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    plt.colorbar(art, ax=ax, shrink=0.8, label=label)
    return art


def plot_fields(
    path: Path,
    points: np.ndarray,
    cells: np.ndarray,
    u: np.ndarray,
    fields: Sequence[tuple[str, np.ndarray, str]],
    title: str,
    scale: float,
) -> None:
    """One panel per (label, values, cmap) on the deformed mesh; saves a PNG."""
    n = len(fields)
    aspect = np.ptp(points[:, 1]) / max(np.ptp(points[:, 0]), 1e-12)
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n, 3.6 * min(max(aspect, 0.5), 2.0) + 0.6))
    for ax, (label, values, cmap) in zip(np.atleast_1d(axes), fields, strict=True):
        draw_field(ax, points, cells, u, values, scale, label, cmap)
    fig.suptitle(f"{title} (deformation x{scale:.3g})")
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def plot_snapshots(
    path: Path,
    points: np.ndarray,
    cells: np.ndarray,
    snaps: Sequence[tuple[str, np.ndarray, np.ndarray]],
    label: str,
    scale: float,
) -> None:
    """A row of (title, u, cell values) snapshots with a common colour range."""
    vmax = max(float(np.max(v)) for _, _, v in snaps) or 1.0
    vmin = min(float(np.min(v)) for _, _, v in snaps)
    aspect = np.ptp(points[:, 1]) / max(np.ptp(points[:, 0]), 1e-12)
    fig, axes = plt.subplots(
        1, len(snaps), figsize=(3.0 * len(snaps), 3.0 * min(max(aspect, 0.5), 2.0) + 0.6)
    )
    for ax, (title, u, v) in zip(np.atleast_1d(axes), snaps, strict=True):
        draw_field(ax, points, cells, u, v, scale, label, "magma", vmin, vmax)
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def plot_curves(
    path: Path,
    curves: Sequence[tuple[str, np.ndarray, np.ndarray]],
    xlabel: str,
    ylabel: str,
    title: str = "",
) -> None:
    """Overlay (label, x, y) curves; saves a PNG."""
    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    for label, x, y in curves:
        ax.plot(x, y, marker="." if len(x) < 60 else None, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    if len(curves) > 1:
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)
