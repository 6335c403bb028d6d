"""Committee-based query strategies (seed 000 Eq. 18 / Sec. 4.1.2; seed 001 Eq. 1, Sec. 3.4).

Model-agnostic: every strategy takes per-candidate scores or predictions as
arrays, so any committee (MLP now, sequence models later) plugs in.

* :func:`committee_std`   — uncertainty of a candidate: standard deviation over
  members of the predicted stress, averaged over components (and over the
  steps of a sequence): seed 001 Eq. 1, seed 000 Eq. 18.
* :func:`select_top_fraction` — the top fraction (30 % by default, seed 000).
* :func:`select_batch`    — batch mode with an exclusion radius R in the pool's
  coordinate space (seed 001 Fig. 7, R = 1.5 L_s): greedily take the highest
  score, mark every candidate within R as invalid for this batch, repeat.
* :func:`equivalent_shear_strain` — the alternative indicator of seed 000
  Sec. 4.1.2 (rank points by shear strain instead of uncertainty).
* :func:`select_random`   — the baseline.
"""

from __future__ import annotations

import numpy as np

from mslearn.core.errors import MslearnInputError


def committee_std(predictions: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Scores (N,) from member predictions (M, N, ...) : mean over components of the std.

    mask (N, T): for sequences (M, N, T, ...), the real (unpadded) steps to average."""
    p = np.asarray(predictions, float)
    if p.ndim < 2 or p.shape[0] < 2:
        raise MslearnInputError(
            f"committee predictions have shape {p.shape}; expected (members >= 2, N, ...)"
        )
    sd = p.std(axis=0)
    if mask is None:
        return sd.reshape(sd.shape[0], -1).mean(axis=1)
    m = np.asarray(mask, float).reshape(mask.shape + (1,) * (sd.ndim - 2))
    w = np.broadcast_to(m, sd.shape).reshape(sd.shape[0], -1)
    return (sd.reshape(sd.shape[0], -1) * w).sum(axis=1) / w.sum(axis=1)


def select_top_fraction(scores: np.ndarray, fraction: float = 0.3) -> np.ndarray:
    """Indices of the ``fraction`` highest scores, highest first (ties: lower index first)."""
    if not 0 < fraction <= 1:
        raise MslearnInputError(f"fraction is {fraction}; expected 0 < fraction <= 1")
    n = int(np.ceil(fraction * len(scores)))
    return np.argsort(-np.asarray(scores), kind="stable")[:n]


def select_batch(scores: np.ndarray, coords: np.ndarray, size: int, radius: float) -> np.ndarray:
    """Greedy batch of ``size`` candidates, no two closer than ``radius`` (Euclidean).

    coords: (N, d) positions of the candidates in the pool's parameter space
    (e.g. the (u, r) plane of unloading/reloading strains). Returns fewer
    than ``size`` indices if the exclusion leaves no valid candidate.
    """
    scores = np.asarray(scores, float)
    coords = np.asarray(coords, float).reshape(len(scores), -1)
    if radius < 0 or size < 1:
        raise MslearnInputError(f"radius {radius}, size {size}; expected radius >= 0, size >= 1")
    valid = np.ones(len(scores), bool)
    chosen: list[int] = []
    for i in np.argsort(-scores, kind="stable"):
        if len(chosen) == size:
            break
        if not valid[i]:
            continue
        chosen.append(int(i))
        valid &= np.linalg.norm(coords - coords[i], axis=1) > radius
    return np.array(chosen, dtype=np.int64)


def equivalent_shear_strain(strain: np.ndarray) -> np.ndarray:
    """sqrt(2/3 e:e) of plane-strain Voigt strains (N, 3) (seed 000 Sec. 4.1.2 indicator)."""
    from mslearn.fem.measures import deviatoric_strain

    return deviatoric_strain(np.asarray(strain, float))


def select_random(n_candidates: int, size: int, seed: int = 0) -> np.ndarray:
    """``size`` distinct random indices (the baseline, seed 001 Case 3)."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_candidates, size=min(size, n_candidates), replace=False))
