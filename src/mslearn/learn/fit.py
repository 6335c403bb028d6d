"""Fit a point MLP committee to a point dataset: split, standardise, train, evaluate."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import numpy as np

from mslearn.core.errors import MslearnInputError
from mslearn.data.splits import split_indices
from mslearn.learn.features import Arrays, load_point_data
from mslearn.learn.surrogates.mlp import MODES, MLPCommittee
from mslearn.learn.training import TrainOptions


def relative_l2(pred: np.ndarray, true: np.ndarray) -> float:
    """||pred - true||_2 / ||true||_2 over all entries."""
    return float(np.linalg.norm(pred - true) / max(np.linalg.norm(true), 1e-300))


def fit_surrogate(
    data: Arrays | str | Path,
    options: TrainOptions | None = None,
    mode: str = "joint",
    split_by: str = "point",
    split_seed: int = 0,
    progress=None,
) -> tuple[MLPCommittee, dict]:
    """Train a point MLP committee (seed 000 Sec. 3.3: 70/15/15 split) on a point dataset.

    data: :class:`Arrays` (x (N, 2 nv), stress (N, nv) [Pa], stiffness (N, nv, nv) [Pa])
    or the path of a point dataset; mode: "joint", "separate" or "autodiff";
    split_by: "point" or "run" (falls back to "point" when a split would be empty).
    Returns the committee and a report {"metrics", "curves"}; test errors are
    relative L2 over the test rows.
    """
    opt = options or TrainOptions()
    if mode not in MODES:
        raise MslearnInputError(f"mode {mode!r}; expected one of {MODES}")
    a = data if isinstance(data, Arrays) else load_point_data(data)
    if len(a.x) < 10:
        raise MslearnInputError(f"only {len(a.x)} samples: too few to train")
    idx = split_indices(a.run, a.point, split_by, seed=split_seed)
    if min(len(v) for v in idx.values()) == 0:
        idx = split_indices(a.run, a.point, "point", seed=split_seed)
    tr, va, te = idx["train"], idx["val"], idx["test"]
    sur = MLPCommittee(mode, nv=a.nv)
    curves = sur.fit(a.x, a.stress, a.stiffness, train=tr, val=va, options=opt, progress=progress)
    sur.meta.update(
        train_options=asdict(opt),
        split={
            "by": split_by,
            "seed": split_seed,
            "sizes": {k: int(len(v)) for k, v in idx.items()},
        },
    )
    s, D, _ = sur.respond(a.x[te])
    metrics = {
        "test_stress_rel_error": relative_l2(s, a.stress[te]),
        "test_stiffness_rel_error": relative_l2(D, a.stiffness[te]),
        "test_samples": int(len(te)),
        "train_samples": int(len(tr)),
    }
    sur.meta["metrics"] = metrics
    return sur, {"metrics": metrics, "curves": curves}


def plot_learning_curves(path: Path, curves: dict) -> None:
    """PNG at ``path``: train and validation MSE (standardised) per member and network."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(curves), figsize=(5.5 * len(curves), 4), squeeze=False)
    for ax, (name, c) in zip(axes[0], curves.items(), strict=True):
        ep = np.array(c["epochs"])
        tr, va = np.array(c["train"]), np.array(c["val"])
        for m in range(tr.shape[1]):
            ax.semilogy(
                ep, tr[:, m], color="C0", alpha=0.5, lw=1, label="train" if m == 0 else None
            )
            ax.semilogy(
                ep, va[:, m], color="C1", alpha=0.7, lw=1, label="validation" if m == 0 else None
            )
        ax.set_xlabel("epoch")
        ax.set_ylabel("MSE (standardised)")
        ax.set_title(f"{name}: {tr.shape[1]} members ({c['stopped_by']})")
        ax.legend()
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
