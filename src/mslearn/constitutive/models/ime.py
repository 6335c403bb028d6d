"""Enhanced IME model (seed 003 Sec. 5.1, Eq. 53; Table 12 initial values).

E = E0 (1 + eps_v^p)^nE, K = E / (3 (1 - 2 nu)), G = E / (2 (1 + nu))
f = C_p p + sigma_von - H - sigma_0,  H = A (eps_0 + eps_s^p)^B + C (eps_0p + eps_v^p)^D
dg/dp = C_d + df/dp, dg/dq = df/dq = 1   (g = q + (C_p + C_d) p)
with p compression positive (C_p < 0 raises the strength with confinement),
eps_s^p the equivalent plastic shear strain (d eps_s^p = d lambda) and
eps_v^p the plastic volumetric strain. The bases of the power laws are
floored at 1e-12 (dilation can drive eps_0p + eps_v^p negative). The paper
gives no bounds for these parameters: ours are wide physical ranges.
"""

from __future__ import annotations

import torch

from mslearn.constitutive.invariants import mean_stress, q_safe
from mslearn.constitutive.models.base import Model, ParamSpec
from mslearn.constitutive.models.cs_grads import p_direction, q_grad

FLOOR = 1e-12  # floor of the power-law bases (module docstring)


class EnhancedIME(Model):
    """Enhanced IME model (module docstring); closed-form gradients.

    Internal variables: "eps_s" (equivalent plastic shear strain) and "eps_v"
    (plastic volumetric strain, compression positive).
    """

    name = "ime"
    specs = (
        ParamSpec("E", 2e7, 1e5, 1e10, "Pa"),
        ParamSpec("nu", 0.2, 0.0, 0.49),
        ParamSpec("A", 3e5, 0.0, 1e9, "Pa"),
        ParamSpec("B", 0.2, -5.0, 5.0),
        ParamSpec("eps0", 0.02, 1e-6, 1.0),
        ParamSpec("sigma0", 1e4, 0.0, 1e8, "Pa"),
        ParamSpec("Cd", 0.1, -3.0, 3.0),
        ParamSpec("Cp", -0.1, -3.0, 3.0),
        ParamSpec("C", 3e5, 0.0, 1e9, "Pa"),
        ParamSpec("D", 0.2, -5.0, 5.0),
        ParamSpec("eps0p", 0.02, 1e-6, 1.0),
        ParamSpec("nE", 0.1, -10.0, 10.0),
    )

    def init_internal(self, params, ctx, p0):
        """eps_s^p = eps_v^p = 0."""
        z = torch.zeros_like(p0)
        return {"eps_s": z, "eps_v": z.clone()}

    def moduli(self, params, ctx, internal, sig):
        """(K, G) [Pa] from E = E0 (1 + eps_v^p)^nE and nu."""
        young = params["E"] * torch.clamp(1.0 + internal["eps_v"], min=FLOOR) ** params["nE"]
        nu = params["nu"]
        return young / (3.0 * (1.0 - 2.0 * nu)), young / (2.0 * (1.0 + nu))

    def _hardening(self, params, internal):
        a = torch.clamp(params["eps0"] + internal["eps_s"], min=FLOOR)
        c = torch.clamp(params["eps0p"] + internal["eps_v"], min=FLOOR)
        return a, c

    def yield_fn(self, params, ctx, internal, sig):
        """f = C_p p + sigma_von - H - sigma_0 (Eq. 53)."""
        a, c = self._hardening(params, internal)
        h = params["A"] * a ** params["B"] + params["C"] * c ** params["D"]
        return params["Cp"] * mean_stress(sig) + q_safe(sig) - h - params["sigma0"]

    def potential(self, params, ctx, internal, sig, aux):
        """g = q + (C_p + C_d) p, so that dg/dp = C_d + df/dp (Eq. 53)."""
        return q_safe(sig) + (params["Cp"] + params["Cd"]) * mean_stress(sig)

    def grads(self, params, ctx, internal, sig, aux):
        """Closed-form (df/dsigma, dg/dsigma), each (n, 6)."""
        dq, dp = q_grad(sig), p_direction(sig)
        return dq + params["Cp"] * dp, dq + (params["Cp"] + params["Cd"]) * dp

    def plastic_modulus(self, params, ctx, internal, sig, b, aux):
        """Hp = dH/d eps_s^p + (C_p + C_d) dH/d eps_v^p (d eps_s^p = d lambda)."""
        a, c = self._hardening(params, internal)
        dv = params["Cp"] + params["Cd"]
        return (
            params["A"] * params["B"] * a ** (params["B"] - 1.0)
            + params["C"] * params["D"] * c ** (params["D"] - 1.0) * dv
        )

    def update_internal(self, params, ctx, internal, sig, deps, dlam, b, aux):
        """eps_s^p += d lambda, eps_v^p += (C_p + C_d) d lambda."""
        dv = params["Cp"] + params["Cd"]
        return {
            **internal,
            "eps_s": internal["eps_s"] + dlam,
            "eps_v": internal["eps_v"] + dlam * dv,
        }
