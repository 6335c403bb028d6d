"""The force pass's near list is exact: reusing it over many steps gives the same
trajectory, bit for bit, as rebuilding it at every step."""

import numpy as np
import pytest

from mslearn.micro.dem.params import P_DT, P_SKIN, ContactParams
from mslearn.micro.dem.sphere3d import PackingOptions3D, make_control, prepare_packing3d, run_batch

STEP = 2.0**-17  # strain per step: the ramps of both runs hit the same exact values


@pytest.fixture(scope="module")
def packing():
    st = prepare_packing3d(PackingOptions3D(n_particles=100, seed=3), ContactParams()).state
    rng = np.random.default_rng(7)
    dt, skin = st.params[0, P_DT], st.params[0, P_SKIN]
    # fast enough that contacts open and close and the near list lives a few steps
    st.v[:] = rng.normal(size=st.v.shape) * 1e-2 * skin / dt
    st.w[:] = rng.normal(size=st.w.shape) * 1e-2 / dt
    return st


def _rate():
    return np.array([1.0, -2.0, 0.0, 1.0, 0.0, 4.0]) * STEP


def test_reused_near_list_equals_one_rebuilt_every_step(packing):
    n = 256
    one = packing.copy()
    d = run_batch(one, make_control(1, strain_target=_rate() * n, n_load=n))
    assert d.status[0] == 0
    each = packing.copy()
    for k in range(n):
        run_batch(each, make_control(1, strain_target=_rate() * (k + 1), n_load=1))
    assert np.array_equal(one.strain, each.strain)
    for name in ("s", "v", "w", "pair_fs", "pair_fn", "pair_flag", "pair_i", "pair_j"):
        assert np.array_equal(getattr(one, name), getattr(each, name)), name
    assert np.count_nonzero(one.pair_flag[: one.npairs[0]]) > 100
