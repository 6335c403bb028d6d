"""The elastic ratio r_mid and its cubic Hermite soft gate (seed 003 Eq. 38-41).

r_mid is the fraction of a sub-increment that stays elastic: 1 when the trial
state is inside (f_tr <= 0), 0 when the start is already on/outside
(f_st >= 0, f_tr > 0), and the linear-interpolation root
f_st / (f_st - f_tr) when the increment crosses the surface (Eq. 39). The
crossing value is passed through S(u) (Eq. 40), which leaves (delta_r,
1 - delta_r) unchanged and rounds both ends so that r_mid is C1 across the
inside/crossing/outside switches. ``delta_r = 0`` is the hard switch.
"""

from __future__ import annotations

import torch


def hermite_gate(u: torch.Tensor, delta_r: float) -> torch.Tensor:
    """S(u) of Eq. 40 for u in [0, 1]; identity when delta_r == 0."""
    if delta_r <= 0.0:
        return u
    d = delta_r
    lo = 2.0 * u**2 / d - u**3 / d**2
    w = 1.0 - u
    hi = 1.0 - (2.0 * w**2 / d - w**3 / d**2)
    return torch.where(u <= d, lo, torch.where(u >= 1.0 - d, hi, u))


def elastic_ratio(f_st: torch.Tensor, f_tr: torch.Tensor, delta_r: float) -> torch.Tensor:
    """r_mid of Eq. 41 (n,). NaN-safe: each branch sees a finite denominator."""
    inside = f_tr <= 0.0
    crossing = (~inside) & (f_st < 0.0)
    den = torch.where(crossing, f_st - f_tr, torch.ones_like(f_st))
    u = torch.where(crossing, f_st / den, torch.zeros_like(f_st)).clamp(0.0, 1.0)
    r_cross = hermite_gate(u, delta_r)
    one = torch.ones_like(f_st)
    return torch.where(inside, one, torch.where(crossing, r_cross, torch.zeros_like(f_st)))
