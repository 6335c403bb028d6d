"""Lode-angle dependence of the critical-state ratio (seed 003 Sec. 2.4.1).

Three treatments, selectable by :class:`LodeOptions.mode`:

``"none"``        M constant (circular pi-plane locus).
``"two_anchor"``  M(theta) = 2 M / ((1 + r) + (1 - r) sin 3theta)           (Eq. 27)
``"exponential"`` M(theta) = M [2 / ((1 + r^(1/k)) + (1 - r^(1/k)) sin 3theta)]^k  (Eq. 33)
``"ts"``          the original transformed-stress (SMP) formulation: q is
                  replaced by q_c(I1, I2, I3) (Eq. 19) and M stays constant.

Reading of Eq. 25-26: r = M_com / M_e >= 1 (compression over extension);
M_e is the SMP ratio at theta = -pi/6, found by solving q_c(p, q, -pi/6) =
M p (Eq. 28-29) by bracketing and bisection; k is fixed by the third anchor
M_approx(0) = M_ts(0) (Table 2), found the same way. Both are derived, not
trained: gradients with respect to M flow through one Newton step taken at
the bisection root (implicit-function theorem), exact to first order.
sin 3theta = +1 in triaxial compression (compression-positive stresses).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch

from mslearn.constitutive.invariants import mean_stress, principal_invariants

LodeMode = Literal["none", "two_anchor", "exponential", "ts"]


@dataclass(frozen=True)
class LodeOptions:
    """Lode-angle treatment of the critical-state ratio M (modes: module docstring)."""

    mode: LodeMode = "exponential"


@dataclass(frozen=True)
class LodeShape:
    """Derived shape constants of M(theta): r = M/M_e, k (exponential form)."""

    r: torch.Tensor
    k: torch.Tensor


def q_c_ts(sig: torch.Tensor) -> torch.Tensor:
    """SMP/TS radius q_c = 2 I1 / (3 sqrt((I1 I2 - I3)/(I1 I2 - 9 I3)) - 1) (Eq. 19).

    Written as 2 I1 sqrt(B) / (3 sqrt(A) - sqrt(B)), A = I1 I2 - I3, B = I1 I2 - 9 I3,
    with B floored at a tiny multiple of p^3 so isotropic states give ~0 (not NaN).
    """
    i1, i2, i3 = principal_invariants(sig)
    p = mean_stress(sig)
    a = i1 * i2 - i3
    b = torch.clamp(i1 * i2 - 9.0 * i3, min=0.0) + 1e-24 * p.abs() ** 3
    sb = torch.sqrt(b)
    return 2.0 * i1 * sb / (3.0 * torch.sqrt(a) - sb)


def _principal_stress(q: float | torch.Tensor, theta: float) -> torch.Tensor:
    """Voigt stress with p = 1 and deviatoric radius q at Lode angle theta
    (theta = pi/6 compression). Principal values p - (2/3) q sin(theta + 2 pi k / 3)."""
    q = torch.as_tensor(q, dtype=torch.float64)
    vals = [1.0 - 2.0 / 3.0 * q * math.sin(theta + 2.0 * math.pi * i / 3.0) for i in range(3)]
    z = torch.zeros_like(q)
    return torch.stack([*vals, z, z, z], -1)


def _q_c_float(q: float, theta: float) -> float:
    """q_c of Eq. 19 in plain floats for the principal state of :func:`_principal_stress`."""
    s1, s2, s3 = (1.0 - 2.0 / 3.0 * q * math.sin(theta + 2.0 * math.pi * i / 3.0) for i in range(3))
    i1, i2, i3 = s1 + s2 + s3, s1 * s2 + s2 * s3 + s3 * s1, s1 * s2 * s3
    a, b = i1 * i2 - i3, max(i1 * i2 - 9.0 * i3, 0.0)
    return 2.0 * i1 * math.sqrt(b) / (3.0 * math.sqrt(a) - math.sqrt(b))


def _bisect(fun, lo: float, hi: float, iters: int = 80) -> float:
    flo = fun(lo)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        fm = fun(mid)
        if (fm > 0) == (flo > 0):
            lo, flo = mid, fm
        else:
            hi = mid
    return 0.5 * (lo + hi)


def smp_ratio(m: torch.Tensor, theta: float) -> torch.Tensor:
    """M_ts(theta) = q/p on the SMP locus through (p, M p) in compression (Eq. 28-29).

    Bracketing + bisection on q in (0, q_max) (all principal stresses > 0), then
    one Newton step with the graph attached so that d M_ts / d M is exact.
    """
    m0 = float(m.detach())
    qmax = 1.0 / max(math.sin(theta + 2.0 * math.pi * i / 3.0) for i in range(3)) * 1.5
    qmax *= 1.0 - 1e-9

    def res(q: float) -> float:
        return _q_c_float(q, theta) - m0

    if res(qmax) < 0.0:  # no root: the locus does not reach M (very large M)
        q_star = qmax
    else:
        q_star = _bisect(res, 1e-12, qmax)
    h = 1e-7 * max(q_star, 1e-3)
    slope = (res(q_star + h) - res(q_star - h)) / (2 * h)
    with torch.no_grad():
        qc_star = q_c_ts(_principal_stress(q_star, theta))
    return q_star - (qc_star - m) / slope  # p = 1: M_ts = q


def derive_shape(m: torch.Tensor) -> LodeShape:
    """r = M / M_ts(-pi/6) and k with M_approx(0) = M_ts(0) (Table 2)."""
    m_e = smp_ratio(m, -math.pi / 6.0)
    m_0 = smp_ratio(m, 0.0)
    r = m / m_e
    target = m_0 / m
    r0, t0 = float(r.detach()), float(target.detach())

    def h(logk: float) -> float:
        k = math.exp(logk)
        return k * math.log(2.0 / (1.0 + r0 ** (1.0 / k))) - math.log(t0)

    lo, hi = math.log(1e-3), math.log(1e3)
    if r0 <= 1.0 + 1e-12:
        return LodeShape(r, torch.ones_like(r))
    if (h(lo) > 0) == (h(hi) > 0):
        logk = lo if abs(h(lo)) < abs(h(hi)) else hi
    else:
        logk = _bisect(h, lo, hi)
    k_star = math.exp(logk)
    # one Newton step in k with the graph attached (r and target carry d/dM)
    kt = torch.tensor(k_star, dtype=torch.float64)
    hk = kt * torch.log(2.0 / (1.0 + r ** (1.0 / kt))) - torch.log(target)
    eps = 1e-7 * k_star
    slope = (h(math.log(k_star + eps)) - h(math.log(k_star - eps))) / (2 * eps)
    return LodeShape(r, kt - hk / slope)


def m_theta(m: torch.Tensor, s3: torch.Tensor, mode: LodeMode, shape: LodeShape | None):
    """M(theta) from sin 3theta ``s3`` (n,) for the two explicit forms; M otherwise."""
    if mode == "two_anchor":
        r = shape.r
        return 2.0 * m / ((1.0 + r) + (1.0 - r) * s3)
    if mode == "exponential":
        rin = shape.r ** (1.0 / shape.k)
        return m * (2.0 / ((1.0 + rin) + (1.0 - rin) * s3)) ** shape.k
    return m * torch.ones_like(s3)


def m_ts_numpy(m: float, theta: float) -> float:
    """Reference M_ts(theta) (float, no gradient), for tests and Table 3."""
    return float(smp_ratio(torch.tensor(m, dtype=torch.float64), theta).detach())


__all__ = [
    "LodeMode",
    "LodeOptions",
    "LodeShape",
    "derive_shape",
    "m_theta",
    "m_ts_numpy",
    "q_c_ts",
    "smp_ratio",
]
