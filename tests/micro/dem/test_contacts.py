"""Contact-law properties on a sheared packing."""

import numpy as np

from mslearn.micro.dem.disk2d.homogenise import homogenise
from mslearn.micro.dem.disk2d.loading import LoadOptions, apply_strain


def test_coulomb_never_exceeded_while_shearing(packing100):
    st = packing100.state.copy()
    mu = 0.5
    sliding_seen = 0.0
    for _ in range(10):
        apply_strain(st, [0.0, 0.0, 2e-3], LoadOptions(relax=False))
        k = int(st.npairs[0])
        fn = st.pair_fn[:k]
        fs = st.pair_fs[:k]
        assert np.all(np.abs(fs) <= mu * fn * (1 + 1e-12))
        sliding_seen = max(sliding_seen, homogenise(st).sliding_fraction[0])
    assert sliding_seen > 0.01  # the bound is actually reached by some contacts


def test_hertz_packing_prepares_and_loads():
    from mslearn.micro.dem.params import ContactParams
    from mslearn.micro.dem.prepare import PackingOptions, prepare_packing

    prep = prepare_packing(PackingOptions(n_particles=60, seed=2), ContactParams(law="hertz"))
    assert prep.converged
    assert abs(-prep.homogenised.mean_stress[0] / 1e5 - 1) < 0.01
    r = apply_strain(prep.state, [-1e-3, 0, 0], LoadOptions(relax=True, max_relax_steps=2000))
    assert r.stress[0, 0] < -1e5
    D = r.stiffness[0]
    np.testing.assert_allclose(D, D.T, rtol=1e-12)
