"""SphereState, the driver, loading and preparation of the 3D sphere engine."""

import numpy as np
import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.micro.dem.params import ContactParams, critical_time_step, critical_time_step3d
from mslearn.micro.dem.sphere3d import (
    MEAN_STRESS,
    STRAIN,
    DEMFailure,
    LoadOptions,
    PackingOptions3D,
    SphereState,
    apply_strain,
    homogenise,
    inertial_number,
    load,
    make_control,
    prepare_packing3d,
    run_batch,
    strain_to,
)


@pytest.fixture(scope="module")
def prep():
    return prepare_packing3d(PackingOptions3D(n_particles=100, seed=0), ContactParams())


def _shear(st, n=300):
    return apply_strain(st, [0, 0, -1e-4, 0, 0, 2e-3], LoadOptions(relax=False,
                        max_strain_per_step=2e-3 / n))  # fmt: skip


def test_prepared_packing_is_isotropic_at_p0(prep):
    h = prep.homogenised
    assert prep.converged
    np.testing.assert_allclose(h.stress[0, :3], -1e5, rtol=0.01)
    assert np.all(np.abs(h.stress[0, 3:]) < 0.01 * 1e5)
    assert 4.0 < h.coordination[0] < 8.0
    assert 0.4 < h.void_ratio[0] < 1.0
    assert prep.state.strain.tolist() == [[0.0] * 6]


def test_save_load_continues_bit_for_bit(prep, tmp_path):
    a = prep.state.copy()
    _shear(a, 50)
    a.save(tmp_path / "s.npz")
    b = SphereState.load(tmp_path / "s.npz")
    ra = _shear(a)
    rb = _shear(b)
    assert np.array_equal(ra.stress, rb.stress)
    for name, arr in a.arrays().items():
        assert np.array_equal(arr, b.arrays()[name], equal_nan=True), name


def test_batch_equals_single_and_restore(prep):
    one = prep.state.copy()
    batch = prep.state.replicate(3)
    committed = batch.copy()
    r1 = _shear(one)
    rb = _shear(batch)
    assert np.array_equal(rb.stress[1], r1.stress[0])
    assert np.array_equal(batch.select(2).s, one.s)
    batch.restore(committed)
    assert np.array_equal(batch.s, committed.s) and np.array_equal(batch.pair_fs, committed.pair_fs)
    st = SphereState.stack([one, prep.state])
    assert st.n_rves == 2 and st.n_particles.tolist() == [100, 100]


def test_shear_is_resisted_and_coulomb_holds(prep):
    st = prep.state.copy()
    res = _shear(st)
    assert res.stress[0, 5] > 1e4  # gamma_12 > 0: s12 > 0 (d sigma = D d eps)
    k = int(st.npairs[0])
    fs = np.linalg.norm(st.pair_fs[:k], axis=1)
    assert np.all(fs <= 0.5 * st.pair_fn[:k] * (1 + 1e-12))
    # the affine D predicts the sign and magnitude order of the stress increment
    assert res.stiffness[0, 5, 5] > 0
    assert res.extras()["inertial_number"][0] > 0


def test_compression_raises_the_stress_and_strain_to(prep):
    st = prep.state.copy()
    res = strain_to(st, [0, 0, -1e-3, 0, 0, 0], LoadOptions(relax=True, max_relax_steps=5000))
    assert res.stress[0, 2] < -1.2e5
    assert res.strain[0].tolist() == [0, 0, -1e-3, 0, 0, 0]
    assert res.steps_load[0] == 100


def test_constant_mean_stress_mode(prep):
    st = prep.state.copy()
    res = load(st, [0, 0, -2e-3, 0, 0, 0], LoadOptions(relax=True, max_relax_steps=20_000),
               mode=(MEAN_STRESS, MEAN_STRESS, STRAIN, 1, 1, 1),
               stress_target=(-1e5, -1e5, 0, 0, 0, 0))  # fmt: skip
    s = res.stress[0]
    assert abs(s[:3].mean() + 1e5) < 1e3
    assert abs(s[0] - s[1]) < 2e3
    assert s[2] < s[0] - 1e4  # the axial stress carries the deviator


def test_failure_names_rve_and_step(prep):
    st = prep.state.replicate(2)
    st.params[1, 7] *= 30.0  # RVE 1: time step far above critical
    with pytest.raises(DEMFailure) as e:
        _shear(st)
    assert e.value.rve == 1 and "RVE 1" in str(e.value) and e.value.step > 0


def test_pair_capacity_grows(prep):
    st = prep.state.with_capacity(1)
    res = _shear(st, 20)
    ref = _shear(prep.state.copy(), 20)
    np.testing.assert_allclose(res.stress, ref.stress, rtol=1e-9)


def test_bad_inputs_raise_one_line_errors(prep):
    with pytest.raises(MslearnInputError, match="d_strain"):
        apply_strain(prep.state.copy(), [0, 0, 0])
    with pytest.raises(MslearnInputError, match="mode"):
        load(prep.state.copy(), np.zeros(6), mode=(0, 0, 0, 2, 0, 0))
    with pytest.raises(MslearnInputError, match="n_particles"):
        PackingOptions3D(n_particles=1)
    with pytest.raises(MslearnInputError, match="time step"):
        SphereState.from_particles(np.zeros((1, 3)), np.ones(1) * 0.01, np.eye(3),
                                   ContactParams(), dt=1.0)  # fmt: skip


def test_unreachable_p0_raises():
    opts = PackingOptions3D(n_particles=30, seed=1, max_steps=50)
    with pytest.raises(MslearnInputError, match="p0"):
        prepare_packing3d(opts, ContactParams())


def test_homogenise_counts_and_controls(prep):
    st = prep.state.copy()
    h = homogenise(st)
    assert h.n_contacts[0] > 0 and h.fabric[0, :3].sum() == pytest.approx(1.0)
    d = run_batch(st, make_control(1, n_load=5, strain_target=st.strain))
    assert d.status[0] == 0 and d.n_load[0] == 5


def test_2d_time_step_unchanged_and_3d_below_it():
    p = ContactParams()
    assert critical_time_step(p, 0.003, 0.007) == pytest.approx(3.339139e-05, rel=1e-6)
    assert critical_time_step3d(p, 0.003, 0.007) > 0


def test_inertial_number():
    assert inertial_number(1.0, 0.01, 2500.0, 1e5) == pytest.approx(0.01 * 0.158113883, 1e-9)


def test_presets3d_small_reach_p0_and_keep_2d_presets():
    from mslearn.micro.dem.presets import PRESETS, preset3d, presets3d

    assert {"guan2023", "wang2026", "qu2023_m1", "qu2023_m2"} <= set(PRESETS)
    names = presets3d()
    assert len(names) == 8 and all("_3d" in n for n in names)
    o, p = preset3d("wang2026_3d")
    assert (o.n_particles, o.r_min, o.r_max, p.young, p.friction) == (900, 0.0025, 0.0045, 6e8, 0.5)
    o, p = preset3d("qu2023a_3d_small")
    r = prepare_packing3d(o, p)
    np.testing.assert_allclose(r.homogenised.stress[0, :3], -2e5, rtol=0.01)
    with pytest.raises(MslearnInputError, match="3D preset"):
        preset3d("nope")


def test_throughput_bench_smoke(prep):
    from mslearn.bench.dem3d import sphere_throughput

    r = sphere_throughput(state=prep.state, rves=(1, 2), threads=(1,), steps=20, repeats=1)
    assert r["sphere_steps_per_s_per_core"] > 0 and len(r["table"]) == 2
    assert r["table"][1]["rves"] == 2 and r["spheres_per_rve"] == 100


@pytest.mark.parametrize(
    "params",
    [
        ContactParams(law="hertz"),
        ContactParams(viscous_damping=0.2, viscous_damping_t=0.2),
        ContactParams(rolling_stiffness=1.0, rolling_friction=0.1),
    ],
    ids=["hertz", "dashpots", "rolling"],
)
def test_other_laws_prepare_and_load(params):
    r = prepare_packing3d(PackingOptions3D(n_particles=60, seed=2), params)
    assert r.converged
    np.testing.assert_allclose(r.homogenised.stress[0, :3], -1e5, rtol=0.01)
    res = apply_strain(r.state, [0, 0, -1e-3, 0, 0, 0], LoadOptions(max_relax_steps=5000))
    assert res.stress[0, 2] < -1.1e5
    D = res.stiffness[0]
    np.testing.assert_allclose(D, D.T, rtol=1e-12, atol=1e-12 * np.abs(D).max())
