"""Closed-form yield/flow gradients of the critical-state models (MCC, CSUH) in Voigt form.

Both yield functions have the form (p_s = 0 for MCC)
    f = ln((p + p_s)/(p_x0 + p_s)) + ln(1 + X) - H/c_p,  X = q^2 / (M(theta)^2 p (p + p_s))
and the flow potential g = ln p + ln(1 + c q^2 / p^2) with c held fixed. With
dp/dsigma = [1,1,1,0,0,0]/3, dq^2/dsigma = 3 dJ2/dsigma and, for the explicit
Lode forms, dM/dsigma = M'(s3) ds3/dsigma, the gradients are plain tensor
expressions: no nested autograd in the integration loop (the calibration's
backward pass differentiates these expressions once). Verified against
autograd in tests/constitutive/test_integration.py.
"""

from __future__ import annotations

import math

import torch

from mslearn.constitutive.invariants import det3, deviator, j2, mean_stress

SQRT3 = math.sqrt(3.0)
_ONE3 = (1.0 / 3.0, 1.0 / 3.0, 1.0 / 3.0, 0.0, 0.0, 0.0)


def _one3(like: torch.Tensor) -> torch.Tensor:
    return torch.tensor(_ONE3, dtype=like.dtype)


def dj2_voigt(s: torch.Tensor) -> torch.Tensor:
    """dJ2/dsigma in Voigt (shear doubled)."""
    return torch.cat([s[..., :3], 2.0 * s[..., 3:]], -1)


def dj3_voigt(s: torch.Tensor, jj: torch.Tensor) -> torch.Tensor:
    """dJ3/dsigma = s.s - (2/3) J2 I in Voigt (shear doubled)."""
    a, b, c, d, e, f = s.unbind(-1)
    t11 = a * a + f * f + e * e
    t22 = f * f + b * b + d * d
    t33 = e * e + d * d + c * c
    t23 = f * e + b * d + d * c
    t13 = a * e + f * d + e * c
    t12 = a * f + f * b + e * d
    tr = 2.0 / 3.0 * jj
    return torch.stack([t11 - tr, t22 - tr, t33 - tr, 2 * t23, 2 * t13, 2 * t12], -1)


def lode_m_and_grad(m0, sig, s, mode: str, shape, rel_eps: float = 1e-10):
    """M(theta) (n,) and dM/dsigma (n, 6) (zeros for a constant M)."""
    jj_raw = j2(s)
    if mode == "none":
        return m0 * torch.ones_like(jj_raw), torch.zeros_like(s)
    p = mean_stress(sig)
    jj = jj_raw + (rel_eps * p) ** 2
    j3 = det3(s)
    c = 1.5 * SQRT3
    s3 = c * j3 / jj**1.5
    ds3 = c * (dj3_voigt(s, jj_raw) / jj[..., None] ** 1.5) - c * 1.5 * (j3 / jj**2.5)[
        ..., None
    ] * dj2_voigt(s)
    # ds3/dp-part: the regularisation term depends on p; negligible (rel_eps^2) and dropped
    if mode == "two_anchor":
        r = shape.r
        den = (1.0 + r) + (1.0 - r) * s3
        m = 2.0 * m0 / den
        dm = -m * (1.0 - r) / den
    else:  # exponential
        rin = shape.r ** (1.0 / shape.k)
        den = (1.0 + rin) + (1.0 - rin) * s3
        m = m0 * (2.0 / den) ** shape.k
        dm = -shape.k * m * (1.0 - rin) / den
    return m, dm[..., None] * ds3


def yield_grad(sig, m0, ps_pa, mode: str, shape):
    """df/dsigma (n, 6) of f = ln(p + p_s) + ln(1 + X) + const."""
    p = mean_stress(sig)
    s = deviator(sig)
    q2 = 3.0 * j2(s)
    m, dm = lode_m_and_grad(m0, sig, s, mode, shape)
    pp = p * (p + ps_pa)
    x = q2 / (m * m * pp)
    inv = 1.0 / (1.0 + x)
    f_p = 1.0 / (p + ps_pa) - inv * x * (2.0 * p + ps_pa) / pp
    f_q2 = inv / (m * m * pp)
    f_m = -2.0 * inv * x / m
    return (
        f_p[..., None] * _one3(sig) + (3.0 * f_q2)[..., None] * dj2_voigt(s) + f_m[..., None] * dm
    )


def potential_grad(sig, scale):
    """dg/dsigma of g = ln p + ln(1 + scale q^2/p^2), scale held fixed."""
    p = mean_stress(sig)
    s = deviator(sig)
    y = scale * 3.0 * j2(s) / (p * p)
    g_p = 1.0 / p - 2.0 * y / (p * (1.0 + y))
    g_q2 = scale / (p * p * (1.0 + y))
    return g_p[..., None] * _one3(sig) + (3.0 * g_q2)[..., None] * dj2_voigt(s)


def q_grad(sig, rel_eps: float = 1e-12):
    """dq/dsigma of q = sqrt(3 J2 + (rel_eps p)^2) (the p-dependence of the tiny
    regularisation is dropped): 3/(2 q) dJ2/dsigma."""
    p = mean_stress(sig)
    s = deviator(sig)
    q = torch.sqrt(3.0 * j2(s) + (rel_eps * p) ** 2)
    return (1.5 / q)[..., None] * dj2_voigt(s)


def p_direction(like: torch.Tensor) -> torch.Tensor:
    """dp/dsigma = [1, 1, 1, 0, 0, 0] / 3."""
    return _one3(like)
