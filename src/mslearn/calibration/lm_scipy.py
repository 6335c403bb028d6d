"""The ``"scipy"`` Levenberg-Marquardt backend: :func:`scipy.optimize.least_squares`
(method "dogbox" by default, or "trf", both with bounds) on the residuals r(theta) of lm.py, theta =
ln(phi), with bounds ln l_i <= theta_i <= ln u_i (seed 003 Table 1 or overrides) and
the exact Jacobian dr/dtheta from torch autograd (or central differences on request).

Stopping: ftol = tol_rel_change (scipy's relative decrease of the loss, as the hand
loop), xtol = 1e-12 on the step (ends the radius shrinking once no step helps; the
hand loop gives up after 12 rejected steps), no gtol; max_iter, tol_loss and
max_seconds through the iteration callback. A non-finite Jacobian stops at the last
accepted iterate.
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy.optimize import least_squares

from mslearn.calibration.lm import (
    LMOptions,
    LMResult,
    LogResiduals,
    new_history,
    record_iteration,
    start_loss,
)

#: relative step tolerance handed to least_squares (see the module docstring)
XTOL = 1e-12
#: residual evaluations allowed per iteration before least_squares gives up
NFEV_PER_ITER = 20


class _BadJacobian(Exception):
    """A non-finite Jacobian: stop at the last accepted iterate."""


def _log_bounds(prob: LogResiduals) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) of theta = ln(phi): -inf where a lower bound is not positive."""
    lo = [math.log(prob.bounds[k][0]) if prob.bounds[k][0] > 0 else -np.inf for k in prob.names]
    return np.array(lo), np.log([prob.bounds[k][1] for k in prob.names])


def scipy_lm(prob: LogResiduals, opts: LMOptions, method: str) -> LMResult:
    """Minimise ||r(theta)||^2 with least_squares (module docstring); same result type and
    history as the hand loop ("loss", "t", "params", "nfev", "njev" per iteration)."""
    t0 = time.perf_counter()
    theta0 = prob.theta(prob.phi)
    _, loss0 = start_loss(prob, theta0)
    hist = new_history()
    state = {"theta": theta0, "loss": loss0, "jac": None, "it": 0, "message": ""}
    record_iteration(hist, prob, theta0, loss0, t0)
    if opts.max_iter <= 0:
        return LMResult(prob.params(theta0), loss0, 0, time.perf_counter() - t0, hist,
                        nfev=prob.nfev, backend="scipy", jacobian_method=method,
                        message="max_iter")  # fmt: skip

    def jac(t):
        j = prob.jacobian(t, method)
        if not np.isfinite(j).all():
            raise _BadJacobian
        state["jac"] = j
        return j

    def callback(intermediate_result):
        res = intermediate_result
        state.update(theta=np.array(res.x), loss=2.0 * float(res.cost), it=int(res.nit))
        record_iteration(hist, prob, res.x, state["loss"], t0)
        stop = _callback_stop(state, opts, t0)
        if stop:
            state["message"] = stop
            raise StopIteration

    lower, upper = _log_bounds(prob)
    x0 = np.clip(theta0, lower, upper)
    try:
        out = least_squares(
            prob, x0, jac=jac, bounds=(lower, upper), method=opts.scipy_method,
            ftol=opts.tol_rel_change, xtol=XTOL, gtol=None, x_scale=1.0,
            max_nfev=NFEV_PER_ITER * max(opts.max_iter, 1), callback=callback,
        )  # fmt: skip
        message = state["message"] or out.message
        theta, loss = out.x, 2.0 * float(out.cost)
    except _BadJacobian:
        hist["stop"] = ["non-finite Jacobian"]
        message, theta, loss = "non-finite Jacobian", state["theta"], state["loss"]
    j = state["jac"]
    sv = np.linalg.svd(j, compute_uv=False) if j is not None else None
    return LMResult(
        prob.params(theta), loss, state["it"], time.perf_counter() - t0, hist, sv, j,
        prob.nfev, prob.njev, "scipy", method, message, prob.fd_fallbacks,
    )  # fmt: skip


def _callback_stop(state: dict, opts: LMOptions, t0: float) -> str:
    """Why to stop after this iteration ("" to go on): max_iter, tol_loss, max_seconds."""
    if state["it"] >= opts.max_iter:
        return "max_iter"
    if state["loss"] < opts.tol_loss:
        return "tol_loss"
    if opts.max_seconds is not None and time.perf_counter() - t0 > opts.max_seconds:
        return "max_seconds"
    return ""
