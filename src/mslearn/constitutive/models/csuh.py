"""Critical State Unified Hardening model, chi = 0 (seed 003 Eq. 5-15; Table 1 bounds,
Table 5 "original" defaults).

Yield (Eq. 6, chi = 0), p_s in Pa:
    f = ln((p + p_s)/(p_x0 + p_s)) + ln(1 + q^2 p / (M^2 p^2 (p + p_s))) - H / c_p
Potential (Eq. 7):      g = ln p + ln(1 + q^2 / (M_c^2 p^2))
Hardening (Eq. 8):      dH = (M_f^4 - eta^4)/(M_c^4 - eta^4) d eps_v^p
                           = d lambda (M_f^4 - eta^4) / (p (M_c^2 + eta^2)^2)
(the closed form follows from dg/dp and removes the 0/0 at eta = M_c).
M_f, M_c (Eq. 10) with R = exp(-xi / (lambda - kappa)), xi = e_eta - e (Eq. 14),
p_s = exp((N - Z)/lambda) - 1 [kPa] (Eq. 13), c_p = (lambda - kappa)/(1 + e0).

Reading of ambiguous points (documented in notes/constitutive.md):
* e0 is the trained initial void ratio (Table 1); the over-consolidation is
  implied by e0 through xi_0 = e_eta(p0, 0) - e0 (Eq. 15 inverted); the current
  yield surface starts through the initial stress: p_x0 = p0, H_0 = 0.
* With a Lode treatment M is replaced by M(theta) in f, e_eta, M_f and M_c; in
  the "ts" mode q is replaced by q_c (Eq. 19). The flow direction is the
  gradient of g with M_c (and the TS scaling q_c/q) held fixed.
"""

from __future__ import annotations

import torch

from mslearn.constitutive.invariants import mean_stress, q_squared
from mslearn.constitutive.lode import LodeOptions
from mslearn.constitutive.models.base import Model, ParamSpec
from mslearn.constitutive.models.critical_state import (
    P_REF,
    cam_clay_moduli,
    lode_ctx,
    q2_and_m,
    void_ratio_after,
)
from mslearn.constitutive.models.cs_grads import potential_grad, yield_grad


class CSUH(Model):
    """CSUH with chi = 0 (module docstring).

    ``closed_form`` uses the hand-written gradients of
    :mod:`~mslearn.constitutive.models.cs_grads` (the "ts" mode always uses autograd).

    Internal variables: void ratio "e", hardening parameter "H" and the
    initial yield-surface size "px0" [Pa].
    """

    name = "csuh"
    specs = (
        ParamSpec("kappa", 0.04, 0.01, 0.25),
        ParamSpec("lam", 0.135, 0.02, 0.25),
        ParamSpec("N", 1.9, 0.3, 3.0),
        ParamSpec("Z", 0.9, 0.3, 3.0),
        ParamSpec("m", 1.8, 0.5, 2.5),
        ParamSpec("nu", 0.2, 0.1, 0.5),
        ParamSpec("e0", 0.721, 0.2, 0.8),
        ParamSpec("M", 1.25, 0.8, 2.0),
    )

    def __init__(self, lode: LodeOptions | None = None, closed_form: bool = True) -> None:
        self.lode = lode or LodeOptions("exponential")
        self.closed_form = closed_form

    def grads(self, params, ctx, internal, sig, aux):
        """Closed-form (df/dsigma, dg/dsigma), or None in the "ts" mode / without closed_form."""
        if self.lode.mode == "ts" or not self.closed_form:
            return None
        ps = ctx["ps"] * P_REF
        a = yield_grad(sig, params["M"], ps, self.lode.mode, ctx.get("lode_shape"))
        return a, potential_grad(sig, aux["g_scale"])

    def prepare(self, params):
        """c_p = (lambda - kappa)/(1 + e0), p_s of Eq. 13 [kPa] and the Lode shape."""
        ctx = lode_ctx(params["M"], self.lode)
        lam, kap = params["lam"], params["kappa"]
        ctx["cp"] = (lam - kap) / (1.0 + params["e0"])
        ctx["ps"] = torch.expm1((params["N"] - params["Z"]) / lam)  # kPa
        return ctx

    def init_internal(self, params, ctx, p0):
        """e = e0, H = 0 and p_x0 = p0 (the yield surface passes through the start)."""
        e = params["e0"] * torch.ones_like(p0)
        return {"e": e, "H": torch.zeros_like(p0), "px0": p0.clone()}

    def advance_elastic(self, params, internal, deps):
        """Void ratio updated by the elastic volumetric strain."""
        return {**internal, "e": void_ratio_after(internal["e"], deps)}

    def moduli(self, params, ctx, internal, sig):
        """(K, G) [Pa]: K = (1 + e) p / kappa, G from nu."""
        return cam_clay_moduli(internal["e"], params["kappa"], params["nu"], sig)

    def yield_fn(self, params, ctx, internal, sig):
        """f of Eq. 6 with chi = 0 (module docstring)."""
        p = mean_stress(sig)
        q2, m = q2_and_m(sig, params["M"], self.lode, ctx)
        ps = ctx["ps"] * P_REF
        return (
            torch.log((p + ps) / (internal["px0"] + ps))
            + torch.log1p(q2 / (m * m * p * (p + ps)))
            - internal["H"] / ctx["cp"]
        )

    def e_eta(self, params, ctx, p, eta2, m):
        """Void ratio on the curved ACL at (p, eta) (Eq. 14, chi = 0)."""
        ph = p / P_REF
        ps, lam, kap = ctx["ps"], params["lam"], params["kappa"]
        return (
            params["Z"]
            - lam * torch.log((ph + ps) / (1.0 + ps))
            - (lam - kap) * torch.log(((m * m + eta2) / (m * m) * ph + ps) / (ph + ps))
        )

    def flow_aux(self, params, ctx, internal, sig):
        """p, eta^2, M_f and M_c (Eq. 10, with xi = e_eta - e) and the scale of q^2 in g."""
        p = mean_stress(sig)
        q2, m = q2_and_m(sig, params["M"], self.lode, ctx)
        eta2 = q2 / (p * p)
        xi = self.e_eta(params, ctx, p, eta2, m) - internal["e"]
        lk = params["lam"] - params["kappa"]
        big_r = torch.exp(-xi / lk)
        kk = m * m / (12.0 * (3.0 - m)) / big_r
        mf = 6.0 * (torch.sqrt(kk * (1.0 + kk)) - kk)
        mc = m * torch.exp(-params["m"] * xi)
        q2raw = q_squared(sig)
        alpha2 = q2 / (q2raw + 1e-20 * p * p) if self.lode.mode == "ts" else torch.ones_like(p)
        return {"p": p, "eta2": eta2, "mf": mf, "mc": mc, "g_scale": alpha2 / (mc * mc)}

    def potential(self, params, ctx, internal, sig, aux):
        """g of Eq. 7 with M_c (and the TS scaling) frozen in ``aux``."""
        p = mean_stress(sig)
        return torch.log(p) + torch.log1p(aux["g_scale"] * q_squared(sig) / (p * p))

    def _dh_dlam(self, aux):
        eta4 = aux["eta2"] ** 2
        return (aux["mf"] ** 4 - eta4) / (aux["p"] * (aux["mc"] ** 2 + aux["eta2"]) ** 2)

    def plastic_modulus(self, params, ctx, internal, sig, b, aux):
        """Hp = (dH/d lambda) / c_p with dH/d lambda from Eq. 8 (module docstring)."""
        return self._dh_dlam(aux) / ctx["cp"]

    def update_internal(self, params, ctx, internal, sig, deps, dlam, b, aux):
        """Void ratio from the total increment; H += d lambda dH/d lambda (Eq. 8)."""
        return {
            **internal,
            "e": void_ratio_after(internal["e"], deps),
            "H": internal["H"] + dlam * self._dh_dlam(aux),
        }
