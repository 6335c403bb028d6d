"""Pools of axial strain paths with one unloading-reloading loop (seed 001 Sec. 3.1, 4.1).

A path is fixed by its unloading strain u and reloading strain r (compressive
axial strains, 0 < r < u < eps_max): load 0 -> u, unload u -> r, reload
r -> eps_max, interpolated with an equal spacing ``h``. The pool is every
(u, r) on a grid of interval L_s (seed 001: L_s = 0.003, eps_max = 0.12),
so the pool's coordinate space is the (u, r) plane and the batch-mode
exclusion radius is R = 1.5 L_s (seed 001 Sec. 3.4).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mslearn.core.errors import MslearnInputError


@dataclass(frozen=True)
class StrainPathPool:
    """coords (N, 2): (u, r) per path; eps_max; spacing h; grid interval L_s."""

    coords: np.ndarray
    eps_max: float
    h: float
    interval: float

    def __len__(self) -> int:
        return len(self.coords)

    def path(self, i: int) -> np.ndarray:
        """Axial strain sequence (T_i,) of path i (compression positive, starts at 0)."""
        u, r = self.coords[i]
        return axial_path(u, r, self.eps_max, self.h)

    def padded(self, indices=None) -> tuple[np.ndarray, np.ndarray]:
        """(eps (n, T_max), mask (n, T_max)) of the paths ``indices`` (all by default);
        a path shorter than T_max holds its last value, mask False there."""
        idx = np.arange(len(self)) if indices is None else np.asarray(indices, int)
        seqs = [self.path(i) for i in idx]
        t_max = max((len(s) for s in seqs), default=0)
        eps = np.zeros((len(seqs), t_max))
        mask = np.zeros((len(seqs), t_max), bool)
        for k, s in enumerate(seqs):
            eps[k, : len(s)] = s
            eps[k, len(s) :] = s[-1]
            mask[k, : len(s)] = True
        return eps, mask


def axial_path(u: float, r: float, eps_max: float, h: float) -> np.ndarray:
    """0 -> u -> r -> eps_max with spacing h (segment ends included exactly)."""

    def seg(a: float, b: float) -> np.ndarray:
        n = max(1, int(round(abs(b - a) / h)))
        return np.linspace(a, b, n + 1)[1:]

    return np.concatenate([[0.0], seg(0.0, u), seg(u, r), seg(r, eps_max)])


def unload_reload_pool(
    interval: float = 0.003, eps_max: float = 0.12, h: float | None = None
) -> StrainPathPool:
    """Every (u, r) = (i, j) * interval with eps_max > u > r > 0 (seed 001 Fig. 16b).

    h: spacing of the interpolated points (default: the grid interval)."""
    if not (interval > 0 and np.isfinite(interval)):
        raise MslearnInputError(f"pool interval = {interval}: expected a positive strain")
    if not (eps_max > 2 * interval):
        raise MslearnInputError(
            f"pool eps_max = {eps_max}: expected > 2 * interval = {2 * interval}"
        )
    h = interval if h is None else h
    if not (0 < h <= interval):
        raise MslearnInputError(f"pool spacing h = {h}: expected 0 < h <= interval ({interval})")
    n = int(np.floor(eps_max / interval + 1e-9))
    if n * interval >= eps_max - 1e-12:
        n -= 1
    coords = [(i * interval, j * interval) for i in range(2, n + 1) for j in range(1, i)]
    if not coords:
        raise MslearnInputError("the strain-path pool is empty: enlarge eps_max or the interval")
    return StrainPathPool(np.array(coords), float(eps_max), float(h), float(interval))


def farthest_point_subset(coords: np.ndarray, n: int, start: int | None = None) -> np.ndarray:
    """``n`` indices spread uniformly over ``coords`` (N, d) by farthest-point sampling
    (seed 001 Case 1's "uniformly but relatively sparse" start). Deterministic."""
    coords = np.asarray(coords, float)
    if n <= 0:
        return np.zeros(0, np.int64)
    n = min(n, len(coords))
    first = int(np.argmin(coords.sum(axis=1))) if start is None else int(start)
    chosen = [first]
    dist = np.linalg.norm(coords - coords[first], axis=1)
    for _ in range(n - 1):
        k = int(np.argmax(dist))
        chosen.append(k)
        dist = np.minimum(dist, np.linalg.norm(coords - coords[k], axis=1))
    return np.array(chosen, np.int64)
