"""Modified Cam-Clay (seed 003 Sec. 5.2, Eq. 54; Table 13 defaults and Table 1 bounds).

f = g = ln(p / p_x0) + ln(1 + q^2 / (M^2 p^2)) - H / c_p,  H = eps_v^p,
c_p = (lambda - kappa) / (1 + e0) (constant), K = (1 + e) p / kappa, G from nu.

Initial yield-surface size p_x0 (``initial_state``):
``"ocr"``  p_x0 = OCR p0 with the option ``ocr`` (default 1: normally
           consolidated); N then does not enter the response.
``"void"`` p_x0 from (N, e0): the point (p0, e0) lies on the unloading line
           of the NCL e = N - lambda ln(p / 1 kPa), i.e.
           ln p_c0 = (N - e0 - kappa ln p0) / (lambda - kappa), floored at p0.
"""

from __future__ import annotations

from typing import Literal

import torch

from mslearn.constitutive.invariants import mean_stress
from mslearn.constitutive.lode import LodeOptions
from mslearn.constitutive.models.base import Model, ParamSpec
from mslearn.constitutive.models.critical_state import (
    P_REF,
    cam_clay_moduli,
    lode_ctx,
    q2_and_m,
    void_ratio_after,
)
from mslearn.constitutive.models.cs_grads import yield_grad


class ModifiedCamClay(Model):
    """Modified Cam-Clay, associated (module docstring).

    ``lode`` (default "none"), ``initial_state`` and ``ocr`` set the Lode
    treatment and the initial yield-surface size; ``closed_form`` uses the
    hand-written gradients (autograd in the "ts" mode). Internal variables:
    void ratio "e", hardening "H" = eps_v^p and "px0" [Pa].
    """

    name = "mcc"
    associated = True
    specs = (
        ParamSpec("kappa", 0.04, 0.01, 0.25),
        ParamSpec("lam", 0.135, 0.02, 0.25),
        ParamSpec("N", 1.9, 0.3, 3.0),
        ParamSpec("nu", 0.2, 0.1, 0.5),
        ParamSpec("e0", 0.721, 0.2, 0.8),
        ParamSpec("M", 1.25, 0.8, 2.0),
    )

    def __init__(
        self,
        lode: LodeOptions | None = None,
        initial_state: Literal["ocr", "void"] = "ocr",
        ocr: float = 1.0,
        closed_form: bool = True,
    ) -> None:
        self.closed_form = closed_form
        self.lode = lode or LodeOptions("none")
        self.initial_state = initial_state
        self.ocr = float(ocr)

    def prepare(self, params):
        """c_p = (lambda - kappa) / (1 + e0) and the Lode shape."""
        ctx = lode_ctx(params["M"], self.lode)
        ctx["cp"] = (params["lam"] - params["kappa"]) / (1.0 + params["e0"])
        return ctx

    def init_internal(self, params, ctx, p0):
        """e = e0, H = 0 and p_x0 from the ``initial_state`` rule (module docstring)."""
        e = params["e0"] * torch.ones_like(p0)
        if self.initial_state == "void":
            lk = params["lam"] - params["kappa"]
            ln_pc = (params["N"] - e - params["kappa"] * torch.log(p0 / P_REF)) / lk
            px0 = torch.maximum(P_REF * torch.exp(ln_pc), p0)
        else:
            px0 = self.ocr * p0
        return {"e": e, "H": torch.zeros_like(p0), "px0": px0}

    def advance_elastic(self, params, internal, deps):
        """Void ratio updated by the elastic volumetric strain."""
        return {**internal, "e": void_ratio_after(internal["e"], deps)}

    def moduli(self, params, ctx, internal, sig):
        """(K, G) [Pa]: K = (1 + e) p / kappa, G from nu."""
        return cam_clay_moduli(internal["e"], params["kappa"], params["nu"], sig)

    def yield_fn(self, params, ctx, internal, sig):
        """f of Eq. 54 (module docstring)."""
        p = mean_stress(sig)
        q2, m = q2_and_m(sig, params["M"], self.lode, ctx)
        return (
            torch.log(p / internal["px0"])
            + torch.log1p(q2 / (m * m * p * p))
            - internal["H"] / ctx["cp"]
        )

    def grads(self, params, ctx, internal, sig, aux):
        """Closed-form (df/dsigma, df/dsigma), or None in the "ts" mode / without closed_form."""
        if self.lode.mode == "ts" or not self.closed_form:
            return None
        a = yield_grad(sig, params["M"], 0.0, self.lode.mode, ctx.get("lode_shape"))
        return a, a

    def plastic_modulus(self, params, ctx, internal, sig, b, aux):
        """Hp = tr(b) / c_p (H = eps_v^p, d eps_v^p = d lambda tr(b))."""
        return b[..., :3].sum(-1) / ctx["cp"]

    def update_internal(self, params, ctx, internal, sig, deps, dlam, b, aux):
        """Void ratio from the total increment; H += d lambda tr(b)."""
        return {
            **internal,
            "e": void_ratio_after(internal["e"], deps),
            "H": internal["H"] + dlam * b[..., :3].sum(-1),
        }
