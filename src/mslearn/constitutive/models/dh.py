"""Deviatoric hardening (DH) model (seed 002 Appendix A).

f = q - eta p,  eta = eta_f eps_q^p / (A + eps_q^p)                  (A-1, A-2)
Phi = q + eta_c p ln(p / p_0), used as d Phi/dp = eta_c - eta on Phi = const (A-3, A-8)
Hp = -(df/d eps_q^p)(dPhi/dq) = p eta_f A / (A + eps_q^p)^2           (A-7)

Elasticity, pressure dependent (Guo and Li 2008 as used by seed 002 Sec. 3.1;
the paper omits the formula). We use the Janbu-type power laws named by the
paper's variable list (p, sigma_3, p_a):
    K = K0 p_a (p / p_a)^n,   G = G0 p_a (sigma_3 / p_a)^n,
K0 = 6.7207, G0 = 84.2, n = 0.1789, p_a = 101.4 kPa; sigma_3 the minor
principal (compressive) stress, evaluated as the triaxial-compression value
sigma_3 = p - q/3 (exact on the conventional triaxial paths the model is used
for, and smooth; floored at 1e-3 p).
eta_f, eta_c and A are not tabulated in seed 002 (they come from its Fig. 4):
defaults eta_f = 1.2, eta_c = 1.0, A = 0.005 are our choice.
"""

from __future__ import annotations

import torch

from mslearn.constitutive.invariants import mean_stress, q_safe
from mslearn.constitutive.models.base import Model, ParamSpec
from mslearn.constitutive.models.cs_grads import p_direction, q_grad

P_ATM = 101.4e3  # p_a, the atmospheric reference pressure of the elastic power laws [Pa]


class DeviatoricHardening(Model):
    """Deviatoric hardening model (module docstring); closed-form gradients.

    Internal variable: "eps_q", the accumulated plastic multiplier, used as the
    plastic deviatoric strain eps_q^p of Eq. A-2.
    """

    name = "dh"
    specs = (
        ParamSpec("eta_f", 1.2, 0.3, 2.5),
        ParamSpec("eta_c", 1.0, 0.2, 2.5),
        ParamSpec("A", 0.005, 1e-4, 0.1),
        ParamSpec("K0", 6.7207, 0.5, 100.0),
        ParamSpec("G0", 84.2, 5.0, 1000.0),
        ParamSpec("n", 0.1789, 0.0, 1.0),
    )

    def init_internal(self, params, ctx, p0):
        """eps_q^p = 0."""
        return {"eps_q": torch.zeros_like(p0)}

    def moduli(self, params, ctx, internal, sig):
        """(K, G) [Pa] of the pressure-dependent power laws (module docstring)."""
        p = mean_stress(sig)
        s3 = torch.clamp(p - q_safe(sig) / 3.0, min=1e-3 * p)
        bulk = params["K0"] * P_ATM * (p / P_ATM) ** params["n"]
        shear = params["G0"] * P_ATM * (s3 / P_ATM) ** params["n"]
        return bulk, shear

    def _eta(self, params, internal):
        e = internal["eps_q"]
        return params["eta_f"] * e / (params["A"] + e)

    def yield_fn(self, params, ctx, internal, sig):
        """f = q - eta(eps_q^p) p (Eq. A-1, A-2)."""
        return q_safe(sig) - self._eta(params, internal) * mean_stress(sig)

    def flow_aux(self, params, ctx, internal, sig):
        """The current stress ratio eta = q / p, frozen in the dilatancy eta_c - eta."""
        return {"eta": q_safe(sig) / mean_stress(sig)}

    def potential(self, params, ctx, internal, sig, aux):
        """g = q + (eta_c - eta) p, eta frozen: dg/dq = 1, dg/dp = eta_c - eta (Eq. A-3, A-8)."""
        return q_safe(sig) + (params["eta_c"] - aux["eta"]) * mean_stress(sig)

    def grads(self, params, ctx, internal, sig, aux):
        """Closed-form (df/dsigma, dg/dsigma), each (n, 6)."""
        dq, dp = q_grad(sig), p_direction(sig)
        eta = self._eta(params, internal)
        a = dq - eta[..., None] * dp
        return a, dq + (params["eta_c"] - aux["eta"])[..., None] * dp

    def plastic_modulus(self, params, ctx, internal, sig, b, aux):
        """Hp = p eta_f A / (A + eps_q^p)^2 (Eq. A-7)."""
        a = params["A"]
        return mean_stress(sig) * params["eta_f"] * a / (a + internal["eps_q"]) ** 2

    def update_internal(self, params, ctx, internal, sig, deps, dlam, b, aux):
        """eps_q^p += d lambda (Eq. A-8 with dg/dq = 1)."""
        return {**internal, "eps_q": internal["eps_q"] + dlam}
