"""One contact law: the verification's force evaluation is the engine's, and the
vectorised force pass, the homogenised stiffness and the time-step estimate all
follow the scalar law of ``contact.py``."""

import numpy as np
import pytest

from mslearn.micro.dem.disk2d.arrays import kernel_params
from mslearn.micro.dem.disk2d.contact import contact_law, contact_stiffness, dashpot_forces
from mslearn.micro.dem.disk2d.engine import make_control, run_batch
from mslearn.micro.dem.disk2d.homogenise import homogenise
from mslearn.micro.dem.disk2d.loading import LoadOptions, apply_strain
from mslearn.micro.dem.disk2d.probe import build_pair_list, evaluate_contacts
from mslearn.micro.dem.params import ContactParams, pair_stiffness
from mslearn.micro.dem.prepare import PackingOptions, prepare_packing

pytestmark = pytest.mark.property

LAWS = {
    "linear": ContactParams(),
    "hertz": ContactParams(law="hertz"),
    "hertz_dashpots": ContactParams(law="hertz", viscous_damping=0.2, viscous_damping_t=0.1),
    "linear_rolling": ContactParams(rolling_stiffness=1.0, rolling_friction=0.3),
}


@pytest.fixture(scope="module", params=sorted(LAWS))
def sheared(request):
    """A 40-disk packing in the middle of a shear with a rigid rotation (velocities,
    sliding contacts, a cell increment that stretches and spins), its pair list
    freshly built."""
    prep = prepare_packing(PackingOptions(n_particles=40, seed=3), LAWS[request.param])
    st = prep.state.copy()
    apply_strain(st, [-1e-3, 0.0, 4e-3], LoadOptions(relax=False), d_rotation=0.02)
    build_pair_list(st)
    return request.param, st


def _pairs(st):
    k = int(st.npairs[0])
    return {n: getattr(st, n)[:k].copy() for n in ("pair_fs", "pair_fn", "pair_flag", "pair_mr")}


def test_verification_probe_equals_engine_step(sheared):
    """The force evaluation the verification cases use and the engine's step loop
    give the same pair forces, stress sums and particle forces."""
    law, st0 = sheared
    probe, engine = st0.copy(), st0.copy()
    ev = evaluate_contacts(probe, need_k=False)
    rep = run_batch(engine, make_control(1, n_load=1, strain_target=engine.strain))
    assert rep.n_builds[0] == 0 and rep.status[0] == 0
    for name, a in _pairs(probe).items():
        np.testing.assert_array_equal(a, _pairs(engine)[name], err_msg=name)
    h = st0.h[0]
    vol = abs(h[0, 0] * h[1, 1] - h[0, 1] * h[1, 0]) * kernel_params(st0.params[0]).thickness
    assert rep.s11[0] == -ev.sums.fx_dx / vol
    assert rep.s22[0] == -ev.sums.fy_dy / vol
    assert rep.elastic_energy[0] == ev.sums.energy
    assert rep.n_contacts[0] == ev.sums.n_contacts > 10
    # the step integrated exactly the probe's forces (leapfrog with local damping)
    prm = kernel_params(st0.params[0])
    f = ev.force - prm.local_damping * np.abs(ev.force) * np.sign(st0.v)
    v1 = st0.v + f / st0.mass[:, None] * prm.dt
    np.testing.assert_allclose(engine.v, v1, rtol=1e-12, atol=1e-15 * np.abs(v1).max())
    if law == "linear_rolling":
        assert np.abs(ev.torque).max() > 0 and np.abs(probe.pair_mr).max() > 0


def test_force_pass_equals_scalar_contact_law(sheared):
    """Per pair, the vectorised force pass equals the scalar law evaluated from
    the geometry in numpy, and the particle forces are the sums of the pair forces."""
    law, st0 = sheared
    st = st0.copy()
    ev = evaluate_contacts(st)
    prm = kernel_params(st0.params[0])
    k = int(st0.npairs[0])
    i, j, sh = st0.pair_i[:k], st0.pair_j[:k], st0.pair_n[:k]
    h, dh = st0.h[0], st0.dh[0]
    ds = st0.s[j] - st0.s[i] + sh
    d = ds @ h.T
    dist = np.linalg.norm(d, axis=1)
    n = d / dist[:, None]
    r1, r2 = st0.radius[i], st0.radius[j]
    inside = dist < r1 + r2
    ov = np.where(inside, r1 + r2 - dist, 0.0)
    u = (st0.v[j] - st0.v[i]) * prm.dt + ds @ dh.T
    spin = _cell_spin(h, dh)
    rot = (st0.omega[i] * prm.dt + spin) * (r1 - ov / 2) + (st0.omega[j] * prm.dt + spin) * (
        r2 - ov / 2
    )
    dut = u[:, 1] * n[:, 0] - u[:, 0] * n[:, 1] - rot
    dun = (u * n).sum(axis=1)
    mstar = st0.mass[i] * st0.mass[j] / (st0.mass[i] + st0.mass[j])
    force = np.zeros_like(st0.s)
    fscale = np.abs(st.pair_fn[:k]).max()
    for c in range(k):
        rr = r1[c] * r2[c] / (r1[c] + r2[c])
        fn, fs, kn_tan, kt, slide, flag = contact_law(prm, rr, ov[c], bool(inside[c]),
                                                      st0.pair_fs[c], dut[c])  # fmt: skip
        dfn, dft = dashpot_forces(prm, mstar[c], kn_tan, kt, dun[c], dut[c], bool(inside[c]), slide)
        fnt, fst = fn - dfn, fs - dft
        assert flag == st.pair_flag[c]
        assert fn == pytest.approx(st.pair_fn[c], rel=1e-12, abs=1e-12 * fscale)
        assert fs == pytest.approx(st.pair_fs[c], rel=1e-9, abs=1e-12 * fscale)
        fc = fnt * n[c] + fst * np.array([-n[c, 1], n[c, 0]])
        force[j[c]] += fc
        force[i[c]] -= fc
    assert np.count_nonzero(st.pair_flag[:k] == 2) > 0, "no sliding contact exercised"
    np.testing.assert_allclose(ev.force, force, rtol=0, atol=1e-10 * fscale)


def _cell_spin(h, dh):
    L = dh @ np.linalg.inv(h - dh)
    return 0.5 * (L[1, 0] - L[0, 1])


def test_homogenised_stiffness_follows_the_contact_law(sheared):
    """D (seed 000 Eq. 11) from homogenise equals the sum over contacts with the
    law's tangent normal and tangential stiffness, assembled here in numpy."""
    _, st0 = sheared
    st = st0.copy()
    evaluate_contacts(st)
    prm = kernel_params(st.params[0])
    k = int(st.npairs[0])
    i, j = st.pair_i[:k], st.pair_j[:k]
    d = (st.s[j] - st.s[i] + st.pair_n[:k]) @ st.h[0].T
    dist = np.linalg.norm(d, axis=1)
    rs = st.radius[i] + st.radius[j]
    C = np.zeros((2, 2, 2, 2))
    for c in np.flatnonzero((dist < rs) & (st.pair_fn[:k] > 0)):
        _, kt, kn = contact_stiffness(prm, st.radius[i[c]] * st.radius[j[c]] / rs[c],
                                      rs[c] - dist[c])  # fmt: skip
        nn = d[c] / dist[c]
        t = np.array([-nn[1], nn[0]])
        C += kn * np.einsum("a,b,k,m->abkm", nn, d[c], nn, d[c])
        C += kt * np.einsum("a,b,k,m->abkm", t, d[c], t, d[c])
    C /= abs(np.linalg.det(st.h[0])) * prm.thickness
    idx = [(0, 0), (1, 1), (0, 1)]
    D = np.array([[0.25 * (C[a, b, p, q] + C[b, a, p, q] + C[a, b, q, p] + C[b, a, q, p])
                   for (p, q) in idx] for (a, b) in idx])  # fmt: skip
    np.testing.assert_allclose(homogenise(st).stiffness[0], D, rtol=1e-12)


@pytest.mark.parametrize("law", ["linear", "hertz"])
def test_kernel_stiffness_equals_the_time_step_reference(law):
    """The kernel's (tangent kn, kt) equal ``params.pair_stiffness``, which the
    critical time step and the analytic references use."""
    p = LAWS[law]
    prm = kernel_params(p.row(1e-6, 1e-4))
    for r1, r2, ov in [(0.003, 0.007, 1e-6), (0.005, 0.005, 3e-5)]:
        _, kt, kn_tan = contact_stiffness(prm, r1 * r2 / (r1 + r2), ov)
        ref_kn, ref_kt = pair_stiffness(p, r1, r2, ov)
        assert kn_tan == pytest.approx(ref_kn, rel=1e-14)
        assert kt == pytest.approx(ref_kt, rel=1e-14)
