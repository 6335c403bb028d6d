"""Which parameters strain-stress data can determine (local sensitivity analysis).

CSUH has an exact one-parameter invariance: scaling (1 + e0), kappa, lambda,
(1 + Z), (1 + N) by s and m by 1/s leaves every stress history unchanged
(K = (1 + e) p / kappa, c_p = (lambda - kappa)/(1 + e0), p_s, R = exp(-xi /
(lambda - kappa)) and M_c = M exp(-m xi) are all invariant, xi scaling by s).
Stress data alone therefore cannot fix the void-ratio scale: e0 is held at a
measured value and the other seven parameters are calibrated. The SVD of the
log-parameter sensitivity matrix (:func:`sensitivity`) confirms it (one
singular value ~1e-8 of the largest with e0 free; condition ~1e3 without).
"""

from __future__ import annotations

import numpy as np
import torch

from mslearn.constitutive.integrate import IntegrationOptions, integrate_path
from mslearn.constitutive.models.base import Model

#: structurally identifiable (full-rank sensitivity once e0 is fixed)
CSUH_IDENTIFIABLE = ("kappa", "lam", "N", "Z", "m", "nu", "M")
#: the subset Adam (lr 0.01) recovers in hundreds of epochs. N and Z act only
#: through p_s = exp((N - Z)/lambda) - 1 and the state xi, and m only through
#: M_c = M exp(-m xi): their sensitivity directions have singular values 1e-2 to
#: 1e-3 of the largest, and a 7-parameter Adam run from 30 % away was still
#: 25-45 % off in (lambda, N, Z, m) after 1000 epochs (loss 8e-4). The
#: Levenberg-Marquardt stage (lm.py) recovers all seven of CSUH_IDENTIFIABLE
#: (to 1e-6 noise-free, within 4 % with 1 % stress noise) in ~10 iterations:
#: the seven are practically identifiable, Adam is just slow along weak directions.
CSUH_PRACTICAL = ("kappa", "lam", "nu", "M")


def relative_std(jacobian: np.ndarray, noise_rel: float) -> np.ndarray:
    """Cramer-Rao standard deviations of ln(phi) (~ relative errors) for i.i.d. Gaussian
    stress noise of ``noise_rel`` x rms(stress), from the Jacobian of the normalised
    residuals r = (sigma - sigma_data) / sqrt(n mean(sigma_data^2)) w.r.t. ln(phi)
    (as returned by :func:`mslearn.calibration.lm.levenberg_marquardt`):
    cov = noise_rel^2 / n (J^T J)^-1 with n the number of stress components."""
    n = jacobian.shape[0]
    cov = noise_rel**2 / n * np.linalg.inv(jacobian.T @ jacobian)
    return np.sqrt(np.diag(cov))


def sensitivity(
    model: Model,
    params: dict[str, torch.Tensor],
    strain: torch.Tensor,
    p0: torch.Tensor,
    names: tuple[str, ...] | None = None,
    options: IntegrationOptions | None = None,
    rel_step: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Singular values and right singular vectors of d sigma / d ln(phi), normalised by
    the mean |sigma| and sqrt(size): (s (k,), vt (k, k), names)."""
    names = names or tuple(params)
    opts = options or IntegrationOptions(eps_ref=2e-3, substep_rule="linear")
    cols = []
    with torch.no_grad():
        ref = integrate_path(model, params, strain, p0, opts).stress
        scale = ref.abs().mean() * ref.numel() ** 0.5
        for k in names:
            v = params[k]
            up = integrate_path(model, {**params, k: v * (1 + rel_step)}, strain, p0, opts).stress
            dn = integrate_path(model, {**params, k: v * (1 - rel_step)}, strain, p0, opts).stress
            cols.append(((up - dn) / (2 * rel_step) / scale).reshape(-1).numpy())
    _, s, vt = np.linalg.svd(np.array(cols).T, full_matrices=False)
    return s, vt, names


#: signs of the 30 % start used by the recovery test and the benchmark. N, Z and
#: lambda move together (+30 %) so that p_s = exp((N - Z)/lambda) - 1 keeps its
#: value: p_s is exponential in (N - Z)/lambda, and an alternating +-30 % on N and
#: Z changes it by five orders of magnitude (p << p_s), where the stress no longer
#: depends on N and Z and the gradient vanishes (measured: the loss stalls at 0.14).
CSUH_START_SIGNS = {"kappa": -1, "lam": 1, "N": 1, "Z": 1, "m": -1, "nu": 1, "M": -1, "e0": 0}


def csuh_start(truth: dict[str, float], offset: float = 0.3) -> dict[str, float]:
    """True parameters moved by ``offset`` (relative) with :data:`CSUH_START_SIGNS`."""
    return {k: v * (1 + offset * CSUH_START_SIGNS.get(k, 0)) for k, v in truth.items()}
