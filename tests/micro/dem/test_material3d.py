"""The DEM material with 3D sphere RVEs behind the seam: trial/commit, checkpoints,
the config's dimension dispatch and the quasi-static cap."""

import numpy as np
import pytest

from mslearn.materials.base import MaterialModel
from mslearn.micro.dem.config import DEMMaterialConfig
from mslearn.micro.dem.disk2d.loading import LoadOptions
from mslearn.micro.dem.material import DEMMaterial
from mslearn.micro.dem.params import ContactParams

OPT = LoadOptions(relax=True, max_relax_steps=300)


@pytest.fixture(scope="module")
def spheres():
    from mslearn.micro.dem.sphere3d import PackingOptions3D, prepare_packing3d

    return prepare_packing3d(PackingOptions3D(n_particles=80, seed=2), ContactParams()).state


def test_protocol_trial_commit_checkpoint_3d(spheres):
    m = DEMMaterial([spheres], 2, OPT)
    assert isinstance(m, MaterialModel)
    assert m.features.dim == 3 and m.n_voigt == 6
    r0 = m.trial(np.zeros((2, 6)))
    np.testing.assert_allclose(r0.stress[:, :3], -1e5, rtol=0.03)
    eps = np.zeros((2, 6))
    eps[:, 2] = -1e-3  # axial compression
    eps[1, 5] = 1e-3  # and a shear at the second point
    a, b = m.trial(eps), m.trial(eps)
    np.testing.assert_array_equal(a.stress, b.stress)  # trial never moves the committed state
    assert a.stiffness.shape == (2, 6, 6) and a.kind == "secant"
    assert a.stress[0, 2] < r0.stress[0, 2]
    assert {"inertial_number", "unbalanced_ratio", "void_ratio"} <= set(a.extras)
    m.commit()
    ck = m.state_dict()
    c1 = m.trial(2 * eps)
    m2 = DEMMaterial([spheres], 2, OPT)
    m2.load_state_dict(ck)
    np.testing.assert_array_equal(c1.stress, m2.trial(2 * eps).stress)


def test_wrong_strain_width_is_refused(spheres):
    m = DEMMaterial([spheres], 1, OPT)
    with pytest.raises(ValueError, match=r"\(1, 6\)"):
        m.trial(np.zeros((1, 3)))


def test_config_builds_spheres_in_3d_and_disks_in_2d():
    cfg = DEMMaterialConfig(n_particles=60, r_min=0.0025, r_max=0.0045, max_relax_steps=100)
    m3 = cfg.build(1, 3, 1e5)
    assert m3.features.dim == 3
    assert m3.options.max_strain_per_step <= 1e-5
    m2 = DEMMaterialConfig(n_particles=60, max_relax_steps=100).build(1, 2, 1e5)
    assert m2.features.dim == 2


def test_mixed_templates_are_refused(spheres, packing100):
    from mslearn.core.errors import MslearnInputError

    with pytest.raises(MslearnInputError, match="mix"):
        DEMMaterial([spheres, packing100.state], 2, OPT)
