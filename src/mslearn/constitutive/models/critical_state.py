"""Shared pieces of the critical-state models (MCC, CSUH): p-dependent elasticity,
the Lode-angle-dependent M and void-ratio bookkeeping.

Elasticity: K = (1 + e) p / kappa, G = 3 K (1 - 2 nu) / (2 (1 + nu)), e the
current void ratio (de = -(1 + e) d eps_v, Algorithm 2 line 12).
"""

from __future__ import annotations

import torch

from mslearn.constitutive.invariants import (
    mean_stress,
    q_squared,
    shear_from_poisson,
    sin3theta,
)
from mslearn.constitutive.lode import LodeOptions, derive_shape, m_theta, q_c_ts

P_REF = 1000.0  # 1 kPa: the reference pressure of e = N - lambda ln p (seed 003 Eq. 11-15)


def void_ratio_after(e: torch.Tensor, deps: torch.Tensor) -> torch.Tensor:
    """e - (1 + e) d eps_v (compression positive)."""
    return e - (1.0 + e) * deps[..., :3].sum(-1)


def cam_clay_moduli(e, kappa, nu, sig):
    """(K, G) [Pa], each (n,): K = (1 + e) p / kappa, G from K and Poisson's ratio nu."""
    bulk = (1.0 + e) * mean_stress(sig) / kappa
    return bulk, shear_from_poisson(bulk, nu)


def lode_ctx(m: torch.Tensor, lode: LodeOptions) -> dict:
    """``{"lode_shape": ...}`` for the explicit M(theta) forms, else an empty dict."""
    if lode.mode in ("two_anchor", "exponential"):
        return {"lode_shape": derive_shape(m)}
    return {}


def q2_and_m(sig: torch.Tensor, m: torch.Tensor, lode: LodeOptions, ctx: dict):
    """(q^2 as seen by the yield function, M(theta)) for the chosen Lode treatment."""
    if lode.mode == "ts":
        qc = q_c_ts(sig)
        return qc * qc, m * torch.ones_like(qc)
    q2 = q_squared(sig)
    if lode.mode == "none":
        return q2, m * torch.ones_like(q2)
    return q2, m_theta(m, sin3theta(sig), lode.mode, ctx["lode_shape"])
