"""Levenberg-Marquardt refinement in log-parameters (a second-stage optimiser).

The calibration loss (Eq. 17, first term) is a sum of squares,
L = ||r||^2 with r = (sigma - sigma_data) / sqrt(n mean(sigma_data^2)), over a
handful of parameters. Adam follows the gradient only, so along the weak
directions of the sensitivity spectrum (condition ~1e3 for CSUH, a Hessian
condition ~1e6) it needs tens of thousands of epochs. Gauss-Newton uses the
curvature J^T J and converges in tens of iterations once in the basin; the
Marquardt damping (J^T J + mu diag(J^T J)) makes it robust far from it.

Two backends minimise the same r(theta), theta = ln(phi), within the bounds of
seed 003 Table 1 (or overrides):

* ``"scipy"``: :func:`scipy.optimize.least_squares` ("dogbox" or "trf", with
  bounds ln l_i <= theta_i <= ln u_i) with the exact Jacobian dr/dtheta from
  torch autograd (:func:`autograd_jacobian`), in lm_scipy.py;
* ``"hand"``: the Marquardt-scaled damped Gauss-Newton loop below with steps
  projected onto the bounds, by default with a central-difference Jacobian
  (2 k forward passes; the sub-step count depends on the strain only, so r is
  smooth in the parameters away from the elastic-plastic switches).

notes/calibration_lm.md compares them side by side: the same minimum; scipy needs
fewer iterations and Jacobians, but the exact Jacobian costs ~2x the central
differences per evaluation on CPU, so the hand loop is faster in wall time and is
the default.
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

#: the LM backends (module docstring); the first is the default (measured faster on CPU
#: at the same final loss, notes/calibration_lm.md)
BACKENDS = ("hand", "scipy")
#: how J = dr / d ln(phi) is computed: torch autograd (exact) or central differences
JACOBIANS = ("autograd", "fd")
#: the bounded least_squares methods of the scipy backend
SCIPY_METHODS = ("dogbox", "trf")


@dataclass(frozen=True)
class LMOptions:
    """Settings of :func:`levenberg_marquardt`: iteration budget, difference step,
    initial damping mu0 (hand backend), stopping tolerances, optional bound overrides,
    the backend and the Jacobian (None: "autograd" for scipy, "fd" for hand)."""

    max_iter: int = 60
    rel_step: float = 1e-6  # central-difference step in ln(phi)
    mu0: float = 1e-3
    tol_loss: float = 1e-14  # stop when the loss is below
    tol_rel_change: float = 1e-10  # ... or stops decreasing relatively
    max_seconds: float | None = None
    #: name -> (lower, upper) replacing the model's bounds (Table 1) in the projection
    bounds: dict[str, tuple[float, float]] | None = None
    backend: str = BACKENDS[0]
    jacobian: str | None = None
    #: least_squares method of the scipy backend: "trf" or "dogbox" (both take bounds)
    scipy_method: str = "dogbox"

    def jacobian_method(self) -> str:
        """The Jacobian in use ("autograd" | "fd"), checked with the backend."""
        if self.backend not in BACKENDS:
            raise MslearnInputError(f"LM backend {self.backend!r}; expected one of {BACKENDS}")
        jac = self.jacobian or ("autograd" if self.backend == "scipy" else "fd")
        if jac not in JACOBIANS:
            raise MslearnInputError(f"LM jacobian {jac!r}; expected one of {JACOBIANS}")
        if self.scipy_method not in SCIPY_METHODS:
            raise MslearnInputError(
                f"LM scipy_method {self.scipy_method!r}; expected one of {SCIPY_METHODS}"
            )
        return jac


@dataclass
class LMResult:
    """Outcome of :func:`levenberg_marquardt`: final parameters and loss, iterations,
    wall time [s], per-iteration history ("loss", "t", "params", cumulative "nfev" and
    "njev"; "mu" for the hand backend; "stop" when it ended on a non-finite Jacobian),
    residual evaluations nfev (those inside a difference Jacobian not counted), Jacobian
    evaluations njev, the backend and Jacobian used and why it stopped."""

    params: dict[str, float]
    loss: float
    iterations: int
    wall_s: float
    history: dict[str, list] = field(default_factory=dict)
    singular_values: np.ndarray | None = None  # of J at the end (log-parameters)
    jacobian: np.ndarray | None = None  # J at the last iterate (before its step)
    nfev: int = 0
    njev: int = 0
    backend: str = "hand"
    jacobian_method: str = "fd"
    message: str = ""
    fd_fallbacks: int = 0  # autograd Jacobians replaced by differences (not finite)


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


def autograd_jacobian(r_of, theta: np.ndarray, mode: str = "jacfwd") -> np.ndarray:
    """Exact (n_residuals, k) Jacobian of the torch function ``r_of`` (k,) -> (n,) at theta.

    "jacfwd": torch.func.jacfwd, forward mode vectorised over the k tangents (cost ~k
    forward passes, independent of n); it refuses models that differentiate inside the
    forward pass (the "ts" Lode mode's autograd flow direction), which fall back to
    "vjp2": k Jacobian-vector products by differentiating the vector-Jacobian product
    u -> J^T u (one forward, one double backward, k backward passes). Reverse mode over
    the n rows (torch.func.jacrev) is not offered: its cost grows with n, and through the
    nested autograd of the "ts" mode it dropped the flow direction's parameter
    dependence (measured 1.6e-4 relative error against central differences).
    """
    th = torch.as_tensor(np.asarray(theta, dtype=np.float64))
    if mode == "jacfwd":
        try:
            with torch.no_grad():
                return torch.func.jacfwd(r_of)(th).numpy()
        except RuntimeError:
            mode = "vjp2"
    if mode != "vjp2":
        raise MslearnInputError(f"autograd_jacobian mode {mode!r}; expected jacfwd or vjp2")
    with torch.enable_grad():
        th = th.clone().requires_grad_(True)
        r = r_of(th)
        u = torch.zeros_like(r, requires_grad=True)
        (g,) = torch.autograd.grad(r, th, grad_outputs=u, create_graph=True)
        cols = [torch.autograd.grad(g[j], u, retain_graph=True)[0] for j in range(th.numel())]
    return torch.stack(cols, 1).detach().numpy()


class LogResiduals:
    """r(theta) of :func:`residuals` over theta = ln(phi[names]) (the other parameters
    held at ``phi``), the parameters clipped to ``bounds``; counts evaluations."""

    def __init__(self, model, phi, names, bounds, batch: Batch, integ, rel_step=1e-6):
        self.model, self.phi, self.names, self.bounds = model, phi, names, bounds
        self.batch, self.integ, self.rel_step = batch, integ, rel_step
        target = batch.target if batch.mask is None else batch.target[batch.mask]
        self.scale = math.sqrt(float((target**2).sum()))
        self.rows = None if batch.mask is None else torch.nonzero(batch.mask, as_tuple=True)
        self.nfev = self.njev = self.fd_fallbacks = 0

    def theta(self, p: dict) -> np.ndarray:
        """ln of the ``names`` entries of the parameters p."""
        return np.log([p[k] for k in self.names])

    def params(self, t) -> dict[str, float]:
        """Parameters of coordinates t, each clipped to its bounds."""
        t = np.clip(t, -50.0, 50.0)
        p = {**self.phi, **{k: float(math.exp(v)) for k, v in zip(self.names, t, strict=True)}}
        return {k: min(max(v, self.bounds[k][0]), self.bounds[k][1]) for k, v in p.items()}

    def __call__(self, t) -> np.ndarray:
        """(n,) residuals at t (one counted evaluation)."""
        self.nfev += 1
        return residuals(self.model, self.params(t), self.batch, self.integ)

    def torch_residuals(self, t: torch.Tensor) -> torch.Tensor:
        """(n,) residuals as a differentiable function of t (k,), no clipping."""
        prm = {k: torch.tensor(v, dtype=torch.float64) for k, v in self.phi.items()}
        prm.update({k: torch.exp(t[i]) for i, k in enumerate(self.names)})
        diff = predict(self.model, prm, self.batch, self.integ) - self.batch.target
        if self.rows is not None:
            diff = diff[self.rows]
        return (diff / self.scale).reshape(-1)

    def jacobian(self, t, method: str) -> np.ndarray:
        """(n, k) dr/dtheta at t: "autograd" (exact; central differences where it is not
        finite, counted in ``fd_fallbacks``) or "fd" (central, step rel_step)."""
        self.njev += 1
        if method == "autograd":
            jac = autograd_jacobian(self.torch_residuals, t)
            if np.isfinite(jac).all():
                return jac
            # a non-finite prediction on a masked row can reach the parameters through
            # a zero cotangent times an infinite derivative: difference this one instead
            self.fd_fallbacks += 1
        return _fd_jacobian(
            lambda x: residuals(self.model, self.params(x), self.batch, self.integ),
            np.asarray(t, dtype=np.float64),
            self.rel_step,
        )


def loss_of(r: np.ndarray) -> float:
    """||r||^2, infinite when r is not finite."""
    return float(r @ r) if np.isfinite(r).all() else math.inf


def _damped_step(jac, r, loss, theta, mu, res_of, project, tries: int = 12):
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
    """Minimise the normalised stress loss over ``names`` (log-parameters) from ``init``
    with the backend of ``options`` (module docstring)."""
    opts = options or LMOptions()
    method = opts.jacobian_method()
    bounds = resolve_bounds(model, opts.bounds)
    phi = {**model.defaults(), **init}
    for k in names:
        if k not in bounds:
            raise MslearnInputError(f"LM: {k!r} is not a {model.name} parameter")
    check_bounds(model, phi, opts.bounds)
    prob = LogResiduals(model, phi, names, bounds, Batch.from_dataset(data), integration)
    prob.rel_step = opts.rel_step
    if opts.backend == "scipy":
        from mslearn.calibration.lm_scipy import scipy_lm

        return scipy_lm(prob, opts, method)
    return _hand_lm(prob, opts, method)


def record_iteration(hist: dict, prob: LogResiduals, theta, loss: float, t0: float) -> None:
    """Append one iteration (loss, time since t0, parameters, evaluation counts)."""
    hist["loss"].append(loss)
    hist["t"].append(time.perf_counter() - t0)
    hist["params"].append(prob.params(theta))
    hist["nfev"].append(prob.nfev)
    hist["njev"].append(prob.njev)


def new_history() -> dict[str, list]:
    """Empty per-iteration history lists of an :class:`LMResult`."""
    return {k: [] for k in ("loss", "t", "params", "nfev", "njev")}


def start_loss(prob: LogResiduals, theta) -> tuple[np.ndarray, float]:
    """(r, loss) at the start; a non-finite loss raises :class:`MslearnInputError`."""
    r = prob(theta)
    loss = loss_of(r)
    if not math.isfinite(loss):
        raise MslearnInputError("LM: the start parameters give a non-finite stress")
    return r, loss


def _hand_lm(prob: LogResiduals, opts: LMOptions, method: str) -> LMResult:
    """The hand-written damped Gauss-Newton loop with projected steps."""
    t0 = time.perf_counter()
    theta = prob.theta(prob.phi)
    r, loss = start_loss(prob, theta)
    mu = opts.mu0
    hist = new_history()
    hist["mu"] = [mu]
    record_iteration(hist, prob, theta, loss, t0)
    jac, it, rel, message = None, 0, math.inf, "max_iter"
    while it < opts.max_iter:
        it += 1
        jac = prob.jacobian(theta, method)
        if not np.isfinite(jac).all():  # a perturbation left the admissible region
            hist["stop"] = ["non-finite Jacobian"]
            message = "non-finite Jacobian"
            break
        found, mu = _damped_step(
            jac, r, loss, theta, mu, prob, lambda t: prob.theta(prob.params(t))
        )
        improved = found is not None
        if improved:
            rel = (loss - found[2]) / max(loss, 1e-300)
            theta, r, loss = found
        hist["mu"].append(mu)
        record_iteration(hist, prob, theta, loss, t0)
        message = _hand_stop(improved, loss, rel, opts, t0)
        if message:
            break
    sv = None
    if jac is not None and np.isfinite(jac).all():
        sv = np.linalg.svd(jac, compute_uv=False)
    return LMResult(
        prob.params(theta), loss, it, time.perf_counter() - t0, hist, sv, jac,
        prob.nfev, prob.njev, "hand", method, message or "max_iter", prob.fd_fallbacks,
    )  # fmt: skip


def _hand_stop(improved: bool, loss: float, rel: float, opts: LMOptions, t0: float) -> str:
    """Why the hand loop stops after this iteration ("" to go on)."""
    if not improved:
        return "no step lowers the loss"
    if loss < opts.tol_loss:
        return "tol_loss"
    if rel < opts.tol_rel_change:
        return "tol_rel_change"
    if opts.max_seconds is not None and time.perf_counter() - t0 > opts.max_seconds:
        return "max_seconds"
    return ""
