"""Bad input and faults give clear errors naming the parameter, RVE and step."""

import numpy as np
import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.micro.dem.disk2d.engine import DEMFailure
from mslearn.micro.dem.disk2d.loading import LoadOptions, apply_strain
from mslearn.micro.dem.disk2d.state import DEMState
from mslearn.micro.dem.params import ContactParams, critical_time_step


@pytest.mark.parametrize(
    "kw, word",
    [
        ({"young": -1.0}, "young"),
        ({"stiffness_ratio": 0.0}, "stiffness_ratio"),
        ({"density": 0.0}, "density"),
        ({"friction": -0.1}, "friction"),
        ({"law": "hertz", "poisson": 0.8}, "poisson"),
        ({"law": "hertz", "shear_modulus": -5.0}, "shear_modulus"),
        ({"local_damping": 1.5}, "local_damping"),
    ],
)
def test_bad_params(kw, word):
    with pytest.raises(MslearnInputError, match=word):
        ContactParams(**kw)


def test_bad_radius_and_dt():
    x = np.array([[0.0, 0.0], [0.05, 0.0]])
    with pytest.raises(MslearnInputError, match="radius"):
        DEMState.from_particles(x, np.array([0.01, -0.01]), np.eye(2) * 0.2, ContactParams())
    dtc = critical_time_step(ContactParams(), 0.01, 0.01)
    with pytest.raises(MslearnInputError, match="time step"):
        DEMState.from_particles(x, np.array([0.01, 0.01]), np.eye(2) * 0.2, ContactParams(),
                                dt=2 * dtc)  # fmt: skip


def test_exploding_overlap_names_rve_and_step(packing100):
    b = packing100.state.replicate(2)
    with pytest.raises(DEMFailure, match=r"RVE 1 stopped at step \d+") as ei:
        apply_strain(b, [[0, 0, 0], [-0.9, -0.9, 0]], LoadOptions(max_strain_per_step=0.05,
                                                                   relax=False))  # fmt: skip
    assert ei.value.rve == 1
    assert isinstance(ei.value, MslearnInputError)


def test_nan_detected(packing100):
    st = packing100.state.copy()
    st.v[3, 0] = np.nan
    with pytest.raises(DEMFailure, match="NaN"):
        apply_strain(st, [0, 0, 0], LoadOptions(relax=False))


def test_runaway_detected(packing100):
    st = packing100.state.copy()
    st.params[0, 7] *= 20.0  # dt well beyond stability, bypassing the check
    with pytest.raises(DEMFailure, match="RVE 0"):
        apply_strain(st, [0, 0, 0], LoadOptions(relax=True, max_relax_steps=20000))


def test_set_params_refuses_supercritical_dt(packing100):
    st = packing100.state.copy()
    with pytest.raises(MslearnInputError, match="critical"):
        st.set_params(ContactParams(young=6e10))
