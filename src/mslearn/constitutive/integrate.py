"""Soft-gated explicit stress-point integration (seed 003 Sec. 2.4.2, Algorithm 2).

For a strain increment d eps (n, 6), split into T equal sub-increments (Eq. 16,
T shared by the batch: the largest over the points, so that the loop stays
vectorised), each sub-increment does

    sigma_tr = sigma_n + D_n : d eps_n
    f_st = f(sigma_n, H_n), f_tr = f(sigma_tr, H_n)
    r    = r_mid(f_st, f_tr; delta_r)                         (Eq. 38-41)
    sigma_r = sigma_n + D_n : r d eps_n,  e_r = e_n - (1 + e_n) r d eps_v
    a = df/dsigma, b = dg/dsigma at sigma_r (autograd)        (Eq. 35)
    d lambda = <a : D_r : (1 - r) d eps_n / (a : D_r : b + Hp)>  (Eq. 37)
    sigma_{n+1} = sigma_r + D_r : ((1 - r) d eps_n - d lambda b)  (Eq. 34)

which covers inside (r = 1), crossing and outside (r = 0) in one expression.
(Eq. 37 is written with d eps_n; we use its plastic part (1 - r) d eps_n,
consistent with Eq. 34.) Everything is torch, batched over points and
differentiable w.r.t. parameters and strains: when the inputs require grad,
a and b are built with ``create_graph`` so that second derivatives are exact.
Stresses are compression positive, 3D Voigt, Pa.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import torch

from mslearn.constitutive.gate import elastic_ratio
from mslearn.constitutive.invariants import apply_elastic, elastic_matrix, mean_stress
from mslearn.constitutive.models.base import Internal, Model, Params
from mslearn.core.errors import MslearnInputError


@dataclass(frozen=True)
class IntegrationOptions:
    """delta_r: soft-gate width (Eq. 40; 0 = hard switch). eps_ref, substep_rule:
    T = ceil(|d eps|^2 / eps_ref^2) ("paper", Eq. 16) or ceil(|d eps| / eps_ref)
    ("linear"); max_substeps caps T."""

    delta_r: float = 0.03
    eps_ref: float = 5e-4
    substep_rule: Literal["paper", "linear"] = "paper"
    max_substeps: int = 200


@dataclass
class PointState:
    """Stress (n, 6) compression positive [Pa] and internal variables (n,) each."""

    sigma: torch.Tensor
    internal: Internal

    def detach(self) -> PointState:
        """A copy cut from the autograd graph."""
        return PointState(self.sigma.detach(), {k: v.detach() for k, v in self.internal.items()})


@dataclass
class PathResult:
    """Result of :func:`integrate_path`.

    stress: (n, S, 6) compression-positive stress [Pa] after each of the S steps;
    state: the point state after the last step; records: with ``record=True``,
    "f_st", "f_tr" and "r_mid" of every sub-step, each (n, total sub-steps).
    """

    stress: torch.Tensor
    state: PointState
    records: dict[str, torch.Tensor] = field(default_factory=dict)


def n_substeps(deps: torch.Tensor, opts: IntegrationOptions) -> int:
    """T of Eq. 16 for the batch (the largest over the points)."""
    norm = float(torch.linalg.vector_norm(deps.detach(), dim=-1).max())
    ratio = norm / opts.eps_ref
    t = math.ceil(ratio * ratio) if opts.substep_rule == "paper" else math.ceil(ratio)
    return int(min(max(1, t), opts.max_substeps))


def initial_state(model: Model, params: Params, ctx: dict, p0: torch.Tensor) -> PointState:
    """Isotropic start sigma = p0 I (compression positive), internal variables of the model."""
    z = torch.zeros_like(p0)
    sig = torch.stack([p0, p0, p0, z, z, z], -1)
    internal = model.init_internal(params, ctx, p0)
    internal["dlam"] = torch.zeros_like(p0)
    return PointState(sig, internal)


def _grads(model, params, ctx, internal, sig_r, aux, create_graph: bool):
    closed = model.grads(params, ctx, internal, sig_r, aux)
    if closed is not None:
        return closed
    with torch.enable_grad():
        if create_graph:
            s = sig_r * 1.0  # a fresh node: d/ds sees only the direct uses below
        else:
            s = sig_r.detach().requires_grad_(True)
        f = model.yield_fn(params, ctx, internal, s)
        if model.associated:
            (a,) = torch.autograd.grad(f.sum(), s, create_graph=create_graph)
            return a, a
        g = model.potential(params, ctx, internal, s, aux)
        (a,) = torch.autograd.grad(f.sum(), s, create_graph=create_graph, retain_graph=True)
        (b,) = torch.autograd.grad(g.sum(), s, create_graph=create_graph)
    if not create_graph:
        a, b = a.detach(), b.detach()
    return a, b


def continuum_tangent(model: Model, params: Params, ctx: dict, state: PointState) -> torch.Tensor:
    """(n, 6, 6) continuum elastoplastic tangent at ``state`` (compression positive):
    D - (D b)(a D) / (a D b + Hp) where the last sub-step was plastic, D^e elsewhere."""
    sig, internal = state.sigma.detach(), state.internal
    bulk, shear = model.moduli(params, ctx, internal, sig)
    d = elastic_matrix(bulk, shear)
    aux = model.flow_aux(params, ctx, internal, sig)
    a, b = _grads(model, params, ctx, internal, sig, aux, False)
    hp = model.plastic_modulus(params, ctx, internal, sig, b, aux)
    db = torch.einsum("nij,nj->ni", d, b)
    ad = torch.einsum("ni,nij->nj", a, d)
    den = (a * db).sum(-1) + hp
    plastic = (internal["dlam"] > 0) & (den > 0)
    corr = db[:, :, None] * ad[:, None, :] / torch.where(plastic, den, 1.0)[:, None, None]
    return d - torch.where(plastic[:, None, None], corr, torch.zeros_like(corr))


def substep(
    model: Model,
    params: Params,
    ctx: dict,
    state: PointState,
    deps: torch.Tensor,
    opts: IntegrationOptions,
    record: dict | None = None,
) -> PointState:
    """One sub-increment of Algorithm 2 (lines 5-20)."""
    sig, internal = state.sigma, state.internal
    bulk, shear = model.moduli(params, ctx, internal, sig)
    d_el = apply_elastic(bulk, shear, deps)
    f_st = model.yield_fn(params, ctx, internal, sig)
    f_tr = model.yield_fn(params, ctx, internal, sig + d_el)
    r = elastic_ratio(f_st, f_tr, opts.delta_r)
    sig_r = sig + r[:, None] * d_el
    int_r = model.advance_elastic(params, internal, r[:, None] * deps)
    bulk_r, shear_r = model.moduli(params, ctx, int_r, sig_r)
    aux = model.flow_aux(params, ctx, int_r, sig_r)
    create_graph = torch.is_grad_enabled() and sig_r.requires_grad
    a, b = _grads(model, params, ctx, int_r, sig_r, aux, create_graph)
    hp = model.plastic_modulus(params, ctx, int_r, sig_r, b, aux)
    deps_pl = (1.0 - r)[:, None] * deps
    num = (a * apply_elastic(bulk_r, shear_r, deps_pl)).sum(-1)
    den = (a * apply_elastic(bulk_r, shear_r, b)).sum(-1) + hp
    dlam = torch.clamp(num / den, min=0.0)
    sig_new = sig_r + apply_elastic(bulk_r, shear_r, deps_pl - dlam[:, None] * b)
    new_int = model.update_internal(params, ctx, internal, sig_r, deps, dlam, b, aux)
    new_int["dlam"] = dlam  # last plastic multiplier (continuum tangent, diagnostics)
    if record is not None:
        record.setdefault("f_st", []).append(f_st.detach())
        record.setdefault("f_tr", []).append(f_tr.detach())
        record.setdefault("r_mid", []).append(r.detach())
    return PointState(sig_new, new_int)


def integrate_increment(
    model: Model,
    params: Params,
    ctx: dict,
    state: PointState,
    deps: torch.Tensor,
    opts: IntegrationOptions,
    record: dict | None = None,
) -> PointState:
    """Integrate one strain increment (n, 6) with T sub-steps (Eq. 16)."""
    t = n_substeps(deps, opts)
    sub = deps / t
    for _ in range(t):
        state = substep(model, params, ctx, state, sub, opts, record)
    return state


def integrate_path(
    model: Model,
    params: Params,
    strain: torch.Tensor,
    p0: torch.Tensor,
    opts: IntegrationOptions | None = None,
    record: bool = False,
    check: bool = True,
) -> PathResult:
    """Strain-driven integration of n Gauss-point histories.

    strain: (n, S, 6) total strain (compression positive, engineering shear)
    reached after each step, starting from zero strain at sigma = p0 I;
    p0: (n,) [Pa]. Returns the stress after each step (n, S, 6).
    ``check`` raises :class:`MslearnInputError` naming the first Gauss point and
    step where p <= 0 or the stress is not finite.
    """
    opts = opts or IntegrationOptions()
    ctx = model.prepare(params)
    state = initial_state(model, params, ctx, p0)
    rec: dict | None = {} if record else None
    out = []
    prev = torch.zeros_like(strain[:, 0])
    for k in range(strain.shape[1]):
        state = integrate_increment(model, params, ctx, state, strain[:, k] - prev, opts, rec)
        prev = strain[:, k]
        out.append(state.sigma)
    stress = torch.stack(out, 1)
    if check:
        check_admissible(stress)
    recs = {k: torch.stack(v, 1) for k, v in (rec or {}).items()}
    return PathResult(stress, state, recs)


def check_admissible(stress: torch.Tensor, offset: int = 0) -> None:
    """Raise naming the first (Gauss point, step) with p <= 0 or a non-finite stress."""
    with torch.no_grad():
        p = mean_stress(stress)
        bad = ~(torch.isfinite(stress).all(-1) & (p > 0))
        if bool(bad.any()):
            idx = torch.nonzero(bad)
            first = idx[torch.argmin(idx[:, 1])]
            gp, step = int(first[0]), int(first[1]) + offset
            raise MslearnInputError(
                f"stress path leaves the admissible region at Gauss point {gp}, step {step}: "
                f"p = {float(p[gp, step - offset]):.6g} Pa (expected p > 0, finite)"
            )
