"""Gaussian-process random confining-pressure paths (seed 000 Sec. 3.4.1, Eq. 16-17).

Pseudo-time x_k = k / n_steps, k = 1..n_steps (x = 0.01 ... 1 for 100 steps).
A zero-mean Gaussian process g(x) with the squared-distance kernel of Eq. 17,

    kappa(x, x') = exp(-v_c ||x - x'||^2),     v_c ~ U[v_min, v_max] = U[1, 5] per path,

is sampled on the grid. Our reading of theta_k(x) ("a linear function of x
starting from 0 to ensure that the random confining pressure starts from the
initial consolidation pressure"): a *modulating envelope* theta(x) = x on the
fluctuation, not a factor inside the kernel (inside the kernel it would make
kappa(0, x') = 1 and fix nothing). The path is

    p(x) = p0 * exp(a * theta(x) * g(x)),

so p(0) = p0 exactly, the mean pressure is about p0 (Eq. 16: m(x) = p0), a
larger v_c gives more curvature (narrower kernel), and p stays compressive
(p > 0) for any sample; ``amplitude`` a sets the spread (a = 0.3: about
0.55 p0 ... 1.8 p0 at x = 1 for two standard deviations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mslearn.core.errors import MslearnInputError


@dataclass(frozen=True)
class GaussianProcessPaths:
    """time: (n_steps + 1,) pseudo-time from 0; pressure: (n_paths, n_steps + 1) [Pa], > 0;
    v_c: (n_paths,) kernel coefficients used."""

    time: np.ndarray
    pressure: np.ndarray
    v_c: np.ndarray

    def history(self, i: int) -> list[tuple[float, float]]:
        """(t, p / p0) pairs of path i, the form BiaxialConfig.confining_history takes."""
        p0 = self.pressure[i, 0]
        return [(float(t), float(p / p0)) for t, p in zip(self.time, self.pressure[i], strict=True)]


def gaussian_process_paths(
    n_paths: int = 10,
    n_steps: int = 100,
    p0: float = 100e3,
    v_c: tuple[float, float] = (1.0, 5.0),
    amplitude: float = 0.3,
    seed: int = 0,
) -> GaussianProcessPaths:
    """Draw ``n_paths`` random confining-pressure paths (see module docstring)."""
    if n_paths < 1 or n_steps < 2:
        raise MslearnInputError(f"n_paths = {n_paths}, n_steps = {n_steps}; expected >= 1, >= 2")
    if not (0 < v_c[0] <= v_c[1]):
        raise MslearnInputError(f"v_c range {v_c}; expected 0 < min <= max (paper: [1, 5])")
    if p0 <= 0 or amplitude < 0:
        raise MslearnInputError(f"p0 = {p0}, amplitude = {amplitude}; expected p0 > 0, a >= 0")
    rng = np.random.default_rng(seed)
    x = np.arange(1, n_steps + 1) / n_steps
    d2 = (x[:, None] - x[None, :]) ** 2
    vcs = rng.uniform(v_c[0], v_c[1], n_paths)
    p = np.empty((n_paths, n_steps + 1))
    p[:, 0] = p0
    for i, vc in enumerate(vcs):  # n_paths small; each draw is one Cholesky
        k = np.exp(-vc * d2) + 1e-8 * np.eye(n_steps)
        g = np.linalg.cholesky(k) @ rng.standard_normal(n_steps)
        p[i, 1:] = p0 * np.exp(amplitude * x * g)
    return GaussianProcessPaths(np.concatenate([[0.0], x]), p, vcs)
