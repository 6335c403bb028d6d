"""Verification of the stress-point integration: elastic limit, MCC closed forms,
Lode-angle forms (seed 003 Table 3), soft gate."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mslearn.constitutive.gate import elastic_ratio, hermite_gate
from mslearn.constitutive.integrate import IntegrationOptions, integrate_path
from mslearn.constitutive.invariants import apply_elastic, mean_stress
from mslearn.constitutive.lode import LodeOptions, derive_shape, m_theta, m_ts_numpy
from mslearn.constitutive.material import TorchMaterial, params_as_tensors
from mslearn.constitutive.models import CSUH, DeviatoricHardening, EnhancedIME, ModifiedCamClay
from mslearn.core.errors import MslearnInputError
from mslearn.materials.driver import drive_mixed

from .helpers import D, triaxial_undrained

P0 = torch.tensor([100e3], dtype=D)


@pytest.mark.parametrize(
    "model, deps",
    [
        (ModifiedCamClay(ocr=2.0), [2e-5, -1e-5, -1e-5, 0.0, 0.0, 1e-5]),
        (CSUH(), [-3e-5, -2e-5, -1e-5, 0.0, 1e-5, 0.0]),  # unloading: inside
        (CSUH(LodeOptions("ts")), [-3e-5, -2e-5, -1e-5, 0.0, 1e-5, 0.0]),
    ],
)
def test_elastic_limit_gives_de_times_deps(model, deps):
    prm = params_as_tensors(model, None)
    d = torch.tensor([deps], dtype=D)
    res = integrate_path(model, prm, d[:, None, :], P0)
    e0 = prm["e0"]
    bulk = (1 + e0) * P0 / prm["kappa"]
    shear = 1.5 * bulk * (1 - 2 * prm["nu"]) / (1 + prm["nu"])
    expected = torch.stack([P0, P0, P0, 0 * P0, 0 * P0, 0 * P0], -1) + apply_elastic(bulk, shear, d)
    assert float(res.state.internal["dlam"].abs().max()) == 0.0
    torch.testing.assert_close(res.stress[:, 0], expected, rtol=1e-14, atol=1e-9)


def test_mcc_undrained_path_matches_closed_form():
    """NC MCC, isochoric TC: p/p0 = (1 + eta^2/M^2)^(-(lambda-kappa)/lambda)."""
    model = ModifiedCamClay()
    prm = params_as_tensors(model, None)
    res = integrate_path(
        model, prm, triaxial_undrained(100, 0.2), P0, IntegrationOptions(eps_ref=3e-4)
    )
    s = res.stress[0]
    p, q = mean_stress(s), s[:, 0] - s[:, 1]
    eta = q / p
    lam, kap, m = 0.135, 0.04, 1.25
    closed = P0 * (1 + eta**2 / m**2) ** (-(lam - kap) / lam)
    assert float(((p - closed) / closed).abs().max()) < 1e-3
    assert abs(float(eta[-1]) - m) < 1e-4  # ends at the critical state


def test_mcc_drained_triaxial_ends_on_csl():
    """Strain-controlled axial, stress-controlled lateral (mixed driver, continuum tangent)."""
    opts = IntegrationOptions(eps_ref=2e-3, substep_rule="linear")
    mat = TorchMaterial(ModifiedCamClay(), None, 1, dim=3, initial_pressure=100e3, options=opts)
    n = 80
    et = np.zeros((n, 6))
    et[:, 0] = -np.linspace(0, 0.8, n + 1)[1:]
    st = np.zeros((n, 6))
    st[:, 1:3] = -100e3
    r = drive_mixed(mat, et, st, np.array([False] + [True] * 5))
    s = -r.stress[:, 0]
    p, q = s[:, :3].mean(1), s[:, 0] - s[:, 1]
    np.testing.assert_allclose(s[-1, 1:3], 100e3, rtol=1e-8)
    assert abs(q[-1] / p[-1] - 1.25) < 0.01 * 1.25
    assert np.all(np.diff(q[1:] / p[1:]) > -1e-9)  # monotone approach to M


def test_lode_forms_match_smp_anchors_and_table3():
    """Exponential form: exact at theta = 30, 0, -30 deg; small error between
    (seed 003 Table 3 reports 0.012 at phi = 45 deg, theta = +-15 deg)."""
    phi = math.radians(45.0)
    m = 6 * math.sin(phi) / (3 - math.sin(phi))
    mt = torch.tensor(m, dtype=D)
    shape = derive_shape(mt)
    for th_deg in (30.0, 0.0, -30.0):
        th = math.radians(th_deg)
        s3 = torch.tensor([math.sin(3 * th)], dtype=D)
        assert abs(float(m_theta(mt, s3, "exponential", shape)) - m_ts_numpy(m, th)) < 1e-8
    errs = []
    for th_deg in (15.0, -15.0):
        th = math.radians(th_deg)
        s3 = torch.tensor([math.sin(3 * th)], dtype=D)
        errs.append(abs(float(m_theta(mt, s3, "exponential", shape)) - m_ts_numpy(m, th)))
        two = abs(float(m_theta(mt, s3, "two_anchor", shape)) - m_ts_numpy(m, th))
        assert errs[-1] < two
    assert max(errs) < 0.02


def test_hermite_gate_is_c1_and_identity_inside():
    d = 0.03
    u = torch.tensor([0.0, d, 0.5, 1 - d, 1.0], dtype=D, requires_grad=True)
    s = hermite_gate(u, d)
    torch.testing.assert_close(s.detach(), u.detach())
    (g,) = torch.autograd.grad(s.sum(), u)
    torch.testing.assert_close(g, torch.tensor([0.0, 1.0, 1.0, 1.0, 0.0], dtype=D))
    x = torch.linspace(0, 1, 1001, dtype=D)
    assert torch.all(torch.diff(hermite_gate(x, d)) >= 0)


def test_soft_gate_with_zero_width_is_the_hard_switch():
    f_st = torch.tensor([-1e-4, -1e-3, 0.0, 0.2, -0.5], dtype=D)
    f_tr = torch.tensor([1e-2, 1e-6, 0.1, 0.3, -0.1], dtype=D)
    hard = elastic_ratio(f_st, f_tr, 0.0)
    expected = torch.tensor([1e-4 / (1e-4 + 1e-2), 1e-3 / (1e-3 + 1e-6), 0.0, 0.0, 1.0])
    torch.testing.assert_close(hard, expected.to(D))
    model = CSUH()
    prm = params_as_tensors(model, None)
    path = triaxial_undrained(40, 0.02)
    a = integrate_path(model, prm, path, P0, IntegrationOptions(delta_r=0.0)).stress
    b = integrate_path(model, prm, path, P0, IntegrationOptions(delta_r=1e-12)).stress
    torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-6)


def test_dh_drained_triaxial_tends_to_failure_line():
    model = DeviatoricHardening()
    prm = params_as_tensors(model, None)
    res = integrate_path(model, prm, triaxial_undrained(100, 0.1), P0)
    s = res.stress[0]
    eta = (s[:, 0] - s[:, 1]) / mean_stress(s)
    assert float(eta[-1]) < 1.2 and float(eta[-1]) > 0.9 * 1.2


def test_path_leaving_admissible_region_names_point_and_step():
    model = DeviatoricHardening()  # K ~ p^n, n < 1: p reaches 0 at finite tension
    prm = params_as_tensors(model, None)
    strain = torch.zeros(2, 5, 6, dtype=D)
    strain[1, :, :3] = -torch.linspace(0.05, 0.5, 5, dtype=D)[:, None]  # large isotropic tension
    with pytest.raises(MslearnInputError, match=r"Gauss point 1, step \d"):
        integrate_path(model, prm, strain, torch.full((2,), 100e3, dtype=D))


@pytest.mark.parametrize("mode", ["none", "two_anchor", "exponential"])
def test_closed_form_gradients_match_autograd(mode):
    """a = df/dsigma, b = dg/dsigma of the closed forms (cs_grads) vs autograd on f, g."""
    from mslearn.constitutive.integrate import initial_state

    torch.manual_seed(0)
    models = [CSUH(LodeOptions(mode)), ModifiedCamClay(LodeOptions(mode))]
    if mode == "none":
        models += [DeviatoricHardening(), EnhancedIME()]
    for model in models:
        prm = params_as_tensors(model, None)
        ctx = model.prepare(prm)
        st = initial_state(model, prm, ctx, torch.full((4,), 100e3, dtype=D))
        st.internal = {k: v + 0.01 for k, v in st.internal.items()}  # hardened state
        sig = st.sigma + 3e4 * torch.randn(4, 6, dtype=D)
        aux = model.flow_aux(prm, ctx, st.internal, sig)
        a, b = model.grads(prm, ctx, st.internal, sig, aux)
        s = sig.clone().requires_grad_(True)
        (a_ad,) = torch.autograd.grad(model.yield_fn(prm, ctx, st.internal, s).sum(), s)
        torch.testing.assert_close(a, a_ad, rtol=1e-9, atol=1e-20)
        (b_ad,) = torch.autograd.grad(model.potential(prm, ctx, st.internal, s, aux).sum(), s)
        torch.testing.assert_close(b, b_ad, rtol=1e-9, atol=1e-20)


def _one_step_response(delta_r: float, ts: np.ndarray) -> np.ndarray:
    """sigma_11 after one sub-step from sigma_n = p0 (1 + t) I on NC MCC (p_x0 = p0):
    t < 0 starts inside (crossing, r in (0, 1)), t > 0 outside (r = 0)."""
    from mslearn.constitutive.integrate import PointState, substep

    model = ModifiedCamClay()
    prm = params_as_tensors(model, None)
    ctx = model.prepare(prm)
    n = len(ts)
    p = 100e3 * (1 + torch.as_tensor(ts, dtype=D))
    z = torch.zeros(n, dtype=D)
    internal = {"e": prm["e0"] * torch.ones(n, dtype=D), "H": z, "px0": torch.full((n,), 100e3)}
    state = PointState(torch.stack([p, p, p, z, z, z], -1), internal)
    deps = torch.tensor([[1e-3, 2e-4, 2e-4, 0, 0, 0]], dtype=D).expand(n, 6)
    out = substep(model, prm, ctx, state, deps, IntegrationOptions(delta_r=delta_r))
    return out.sigma[:, 0].numpy()


def test_soft_gate_removes_the_slope_jump_at_the_yield_switch():
    """The measure: the jump of d sigma / d t across f_st = 0 (the crossing -> outside
    switch), relative to the slope itself. Hard switch: O(1); soft gate: O(h)."""
    h = 1e-7
    ts = np.array([-2 * h, -h, 0.0, h, 2 * h]) + 1e-12
    jumps = {}
    for dr in (0.0, 0.03):
        s = _one_step_response(dr, ts)
        left, right = (s[1] - s[0]) / h, (s[4] - s[3]) / h
        jumps[dr] = abs(right - left) / abs(right)
    # measured: 0.616 (hard) vs 2.1e-4 (soft, shrinking like h: 2.1e-3 at h = 1e-6)
    assert jumps[0.0] > 0.1
    assert jumps[0.03] < 1e-3
    assert jumps[0.03] < 1e-2 * jumps[0.0]
