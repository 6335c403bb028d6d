"""Levenberg-Marquardt refinement in log-parameters (a second-stage optimiser).

The calibration loss (Eq. 17, first term) is a sum of squares,
L = ||r||^2 with r = (sigma - sigma_data) / sqrt(n mean(sigma_data^2)), over a
handful of parameters. Adam follows the gradient only, so along the weak
directions of the sensitivity spectrum (condition ~1e3 for CSUH, a Hessian
condition ~1e6) it needs tens of thousands of epochs. Gauss-Newton uses the
curvature J^T J and converges in tens of iterations once in the basin; the
Marquardt damping (J^T J + mu diag(J^T J)) makes it robust far from it.

J = dr / d ln(phi) by central differences (2 k + 1 forward passes per
iteration, no backward pass: the sub-step count depends on the strain only, so
r is smooth in the parameters away from the elastic-plastic switches). Steps
are projected onto the bounds of seed 003 Table 1.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from mslearn.calibration.calibrate import Batch, check_bounds, predict, resolve_bounds
from mslearn.constitutive.integrate import IntegrationOptions
from mslearn.constitutive.models.base import Model
from mslearn.core.errors import MslearnInputError
from mslearn.data.sequences import SequenceDataset


@dataclass(frozen=True)
class LMOptions:
    """Settings of :func:`levenberg_marquardt`: iteration budget, difference step,
    initial damping mu0, stopping tolerances and optional bound overrides."""

    max_iter: int = 60
    rel_step: float = 1e-6  # central-difference step in ln(phi)
    mu0: float = 1e-3
    tol_loss: float = 1e-14  # stop when the loss is below
    tol_rel_change: float = 1e-10  # ... or stops decreasing relatively
    max_seconds: float | None = None
    #: name -> (lower, upper) replacing the model's bounds (Table 1) in the projection
    bounds: dict[str, tuple[float, float]] | None = None


@dataclass
class LMResult:
    """Outcome of :func:`levenberg_marquardt`: final parameters and loss, iterations,
    wall time [s], per-iteration history ("loss", "mu", "t", "params", and "stop"
    when it ended on a non-finite Jacobian)."""

    params: dict[str, float]
    loss: float
    iterations: int
    wall_s: float
    history: dict[str, list] = field(default_factory=dict)
    singular_values: np.ndarray | None = None  # of J at the end (log-parameters)
    jacobian: np.ndarray | None = None  # J at the last iterate (before its step)


def residuals(model: Model, params: dict[str, float], batch: Batch, integ) -> np.ndarray:
    """Flat residuals r = (sigma - sigma_data) / sqrt(sum sigma_data^2) over the kept rows.

    ||r||^2 equals the Eq. 17 stress term; ``integ`` are the :class:`IntegrationOptions`.
    """
    prm = {k: torch.tensor(v, dtype=torch.float64) for k, v in params.items()}
    with torch.no_grad():
        pred = predict(model, prm, batch, integ)
        if batch.mask is None:
            scale = math.sqrt(float((batch.target**2).sum()))
            return ((pred - batch.target) / scale).reshape(-1).numpy()
        m = batch.mask
        scale = math.sqrt(float((batch.target[m] ** 2).sum()))
        return ((pred[m] - batch.target[m]) / scale).reshape(-1).numpy()


def _fd_jacobian(res_of, theta: np.ndarray, h: float) -> np.ndarray:
    """(n_residuals, n_params) central finite-difference Jacobian of res_of at theta."""
    cols = []
    for j in range(len(theta)):
        tp, tm = theta.copy(), theta.copy()
        tp[j] += h
        tm[j] -= h
        cols.append((res_of(tp) - res_of(tm)) / (2 * h))
    return np.array(cols).T


def _damped_step(jac, r, loss, theta, mu, res_of, project, loss_of, tries: int = 12):
    """Marquardt-scaled damped Gauss-Newton step: ((theta, r, loss) of the first step that
    lowers the loss, or None; the updated damping mu). mu / 3 on success, x 4 on a
    rejected step, x 10 on a singular system."""
    jtj, g = jac.T @ jac, jac.T @ r
    for _ in range(tries):
        a = jtj + mu * np.diag(np.maximum(np.diag(jtj), 1e-30))
        try:
            step = -np.linalg.solve(a, g)
        except np.linalg.LinAlgError:
            mu *= 10.0
            continue
        cand = project(theta + step)
        r_c = res_of(cand)
        l_c = loss_of(r_c)
        if l_c < loss:
            return (cand, r_c, l_c), max(mu / 3.0, 1e-12)
        mu *= 4.0
    return None, mu


def levenberg_marquardt(
    model: Model,
    data: SequenceDataset,
    init: dict[str, float],
    names: tuple[str, ...],
    integration: IntegrationOptions,
    options: LMOptions | None = None,
) -> LMResult:
    """Minimise the normalised stress loss over ``names`` (log-parameters) from ``init``."""
    opts = options or LMOptions()
    bounds = resolve_bounds(model, opts.bounds)
    phi = {**model.defaults(), **init}
    for k in names:
        if k not in bounds:
            raise MslearnInputError(f"LM: {k!r} is not a {model.name} parameter")
    check_bounds(model, phi, opts.bounds)

    def to_theta(p: dict) -> np.ndarray:
        return np.log([p[k] for k in names])

    def params_of(t) -> dict:
        """Parameters of coordinates t, each clipped to its bounds (Table 1)."""
        t = np.clip(t, -50.0, 50.0)
        p = {**phi, **{k: float(math.exp(v)) for k, v in zip(names, t, strict=True)}}
        return {k: min(max(v, bounds[k][0]), bounds[k][1]) for k, v in p.items()}

    def project(t) -> np.ndarray:
        return to_theta(params_of(t))

    batch = Batch.from_dataset(data)
    theta = to_theta(phi)

    def loss_of(r):
        return float(r @ r) if np.isfinite(r).all() else math.inf

    t0 = time.perf_counter()
    r = residuals(model, params_of(theta), batch, integration)
    loss, mu = loss_of(r), opts.mu0
    if not math.isfinite(loss):
        raise MslearnInputError("LM: the start parameters give a non-finite stress")
    hist: dict[str, list] = {
        "loss": [loss],
        "mu": [mu],
        "t": [time.perf_counter() - t0],
        "params": [params_of(theta)],
    }
    jac = None
    it, rel = 0, math.inf
    while it < opts.max_iter:
        it += 1
        jac = _fd_jacobian(
            lambda t: residuals(model, params_of(t), batch, integration), theta, opts.rel_step
        )
        if not np.isfinite(jac).all():  # a perturbation left the admissible region
            hist["stop"] = ["non-finite Jacobian"]
            break
        found, mu = _damped_step(
            jac, r, loss, theta, mu,
            lambda t: residuals(model, params_of(t), batch, integration), project, loss_of,
        )  # fmt: skip
        improved = found is not None
        if improved:
            rel = (loss - found[2]) / max(loss, 1e-300)
            theta, r, loss = found
        hist["loss"].append(loss)
        hist["mu"].append(mu)
        hist["t"].append(time.perf_counter() - t0)
        hist["params"].append(params_of(theta))
        if not improved or loss < opts.tol_loss or rel < opts.tol_rel_change:
            break
        if opts.max_seconds is not None and time.perf_counter() - t0 > opts.max_seconds:
            break
    sv = None
    if jac is not None and np.isfinite(jac).all():
        sv = np.linalg.svd(jac, compute_uv=False)
    return LMResult(params_of(theta), loss, it, time.perf_counter() - t0, hist, sv, jac)
