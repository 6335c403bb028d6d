"""DEMMaterial behind the material seam: trial never changes the committed
state, commit keeps the last trial, checkpoints round-trip."""

import numpy as np

from mslearn.materials.base import MaterialModel
from mslearn.micro.dem.disk2d.loading import LoadOptions
from mslearn.micro.dem.material import DEMMaterial

OPT = LoadOptions(relax=True, max_relax_steps=300)


def test_protocol_trial_commit_checkpoint(packing100):
    m = DEMMaterial([packing100.state], 3, OPT)
    assert isinstance(m, MaterialModel)
    r0 = m.trial(np.zeros((3, 3)))
    np.testing.assert_allclose(r0.stress[:, 0], -1e5, rtol=0.02)
    eps = np.array([[-1e-3, 0, 0], [0, -1e-3, 0], [0, 0, 1e-3]])
    a = m.trial(eps)
    b = m.trial(eps)  # same committed state: same answer
    np.testing.assert_array_equal(a.stress, b.stress)
    assert a.stiffness.shape == (3, 3, 3)
    assert set(a.extras) >= {"unbalanced_ratio", "void_ratio", "inertial_number"}
    assert np.all(a.extras["inertial_number"] <= 1e-3)  # quasi-static by default
    assert a.stress[0, 0] < r0.stress[0, 0]  # more compression along 11
    m.commit()
    ck = m.state_dict()
    c1 = m.trial(2 * eps)
    m2 = DEMMaterial([packing100.state], 3, OPT)
    m2.load_state_dict(ck)
    c2 = m2.trial(2 * eps)
    np.testing.assert_array_equal(c1.stress, c2.stress)
