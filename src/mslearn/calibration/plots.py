"""Training curves (seed 003 Fig. 13: loss, penalty) and parameter trajectories (Fig. 14)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def plot_history(history: dict[str, np.ndarray], out: Path) -> list[Path]:
    """Write ``loss.png`` and (with trained parameters) ``params.png`` into ``out``.

    ``history`` is :attr:`CalibrationResult.history`; returns the paths written.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    ep = np.arange(len(history["loss"]))
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogy(ep, history["loss"], label="total loss (train)")
    ax.semilogy(ep, history["loss_sigma"], label="stress term", alpha=0.7)
    if np.isfinite(history["val"]).any():
        ax.semilogy(ep, history["val"], label="validation", alpha=0.7)
    pen = np.asarray(history["penalty"]) * np.asarray(history["gamma"])
    if (pen > 0).any():
        ax.semilogy(ep, np.where(pen > 0, pen, np.nan), label="gamma * penalty")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (Eq. 17)")
    ax.legend()
    fig.tight_layout()
    paths.append(out / "loss.png")
    fig.savefig(paths[-1], dpi=120)
    plt.close(fig)
    names = [k.split(".", 1)[1] for k in history if k.startswith("param.")]
    if names:
        cols = min(4, len(names))
        rows = -(-len(names) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 2.4 * rows), squeeze=False)
        for a, name in zip(axes.flat, names, strict=False):
            a.plot(ep, history[f"param.{name}"])
            a.set_title(name)
            a.set_xlabel("epoch")
        for a in list(axes.flat)[len(names) :]:
            a.axis("off")
        fig.tight_layout()
        paths.append(out / "params.png")
        fig.savefig(paths[-1], dpi=120)
        plt.close(fig)
    return paths
