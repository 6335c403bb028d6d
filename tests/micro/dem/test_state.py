"""State: determinism, copy/restore, save-reload-continue, batches of mixed sizes."""

import numpy as np
import pytest

from mslearn.micro.dem.disk2d.loading import LoadOptions, apply_strain
from mslearn.micro.dem.disk2d.state import DEMState
from mslearn.micro.dem.params import ContactParams
from mslearn.micro.dem.prepare import PackingOptions, prepare_packing

OPT = LoadOptions(relax=True, max_relax_steps=500)


def _same(a: DEMState, b: DEMState):
    for k, v in a.arrays().items():
        np.testing.assert_array_equal(v, b.arrays()[k], err_msg=k)


def test_same_seed_same_numbers_different_seed_differs():
    o = PackingOptions(n_particles=40, seed=3)
    a = prepare_packing(o, ContactParams()).state
    b = prepare_packing(o, ContactParams()).state
    _same(a, b)
    c = prepare_packing(PackingOptions(n_particles=40, seed=4), ContactParams()).state
    assert not np.array_equal(a.radius, c.radius)


def test_save_reload_continue_equals_continue(packing100, tmp_path):
    st = packing100.state.copy()
    apply_strain(st, [-5e-4, 2e-4, 1e-4], OPT)
    st.save(tmp_path / "s.npz")
    back = DEMState.load(tmp_path / "s.npz")
    r1 = apply_strain(st, [-5e-4, 0, 3e-4], OPT)
    r2 = apply_strain(back, [-5e-4, 0, 3e-4], OPT)
    _same(st, back)
    np.testing.assert_array_equal(r1.stress, r2.stress)


def test_copy_restore_trial_commit(packing100):
    committed = packing100.state.replicate(2)
    work = committed.copy()
    r1 = apply_strain(work, [[-1e-3, 0, 0], [0, 0, 1e-3]], OPT)
    work.restore(committed)
    _same(work, committed)
    r2 = apply_strain(work, [[-1e-3, 0, 0], [0, 0, 1e-3]], OPT)
    np.testing.assert_array_equal(r1.stress, r2.stress)


def test_batch_of_mixed_sizes_equals_single_runs(packing100):
    small = prepare_packing(PackingOptions(n_particles=30, seed=1), ContactParams()).state
    big = packing100.state
    batch = DEMState.stack([small, big, small])
    de = np.array([[-1e-3, 0, 0], [0, -1e-3, 0], [0, 0, 2e-3]])
    rb = apply_strain(batch, de, OPT)
    for k, src in enumerate([small, big, small]):
        one = src.copy()
        r1 = apply_strain(one, de[k], OPT)
        np.testing.assert_array_equal(rb.stress[k], r1.stress[0])
        np.testing.assert_array_equal(rb.stiffness[k], r1.stiffness[0])
        _same(batch.select(k), one)


def test_strain_reached_exactly_and_reported(packing100):
    st = packing100.state.copy()
    h_ref = st.h_ref[0].copy()
    r = apply_strain(st, [-2e-3, 1e-3, 5e-4], LoadOptions(relax=False))
    np.testing.assert_allclose(r.strain[0], [-2e-3, 1e-3, 5e-4], rtol=0, atol=1e-15)
    E = np.array([[1 - 2e-3, 2.5e-4], [2.5e-4, 1 + 1e-3]])
    np.testing.assert_allclose(st.h[0], E @ h_ref, rtol=1e-14)
    assert r.steps_load[0] == 200
    assert np.isfinite(r.unbalanced[0])


def test_capacity_regrowth_gives_same_result(packing100):
    a = packing100.state.copy()
    b = packing100.state.with_capacity(1)  # just the current pairs: forces regrowth
    ra = apply_strain(a, [0, 0, 5e-3], OPT)
    rb = apply_strain(b, [0, 0, 5e-3], OPT)
    assert b.c_off[-1] > 100
    np.testing.assert_allclose(ra.stress, rb.stress, rtol=1e-6)


@pytest.mark.parametrize("n", [1, 3])
def test_replicate(packing100, n):
    b = packing100.state.replicate(n)
    assert b.n_rves == n
    assert np.all(b.n_particles == 100)


def test_thread_count_does_not_change_numbers(packing100):
    import numba

    de = np.array([[-1e-3, 0, 0], [0, 0, 1e-3], [5e-4, -5e-4, 0], [0, -1e-3, 0]])
    out = []
    n0 = numba.get_num_threads()
    try:
        for th in sorted({1, numba.config.NUMBA_NUM_THREADS}):
            numba.set_num_threads(th)
            b = packing100.state.replicate(4)
            out.append(apply_strain(b, de, OPT).stress)
    finally:
        numba.set_num_threads(n0)
    np.testing.assert_array_equal(out[0], out[-1])
