"""The inertial number of DEM shears: its formula, its report, and the quasi-static cap."""

import math

import numpy as np
import pytest

from mslearn.micro.dem import BiaxialOptions, biaxial_test
from mslearn.micro.dem.disk2d.loading import apply_strain
from mslearn.micro.dem.inertial import (
    QUASI_STATIC_INERTIAL_NUMBER,
    inertial_number,
    strain_per_step,
)
from mslearn.micro.dem.params import P_DT, ContactParams, critical_time_step
from mslearn.micro.dem.prepare import PackingOptions


def test_formula_and_its_inverse():
    # 1 /s at d = 1 cm, rho = 2500, p = 100 kPa: I = 0.01 * sqrt(0.025) = 1.58e-3
    assert inertial_number(1.0, 0.01, 2500.0, 1e5) == pytest.approx(0.01 * math.sqrt(0.025))
    assert inertial_number(1.0, 0.01, 2500.0, 0.0) == np.inf
    eps = strain_per_step(1e-3, 2e-6, 0.01, 2500.0, 1e5)
    assert inertial_number(eps / 2e-6, 0.01, 2500.0, 1e5) == pytest.approx(1e-3)


def test_state_density_and_diameter(packing100):
    st = packing100.state
    assert st.density[0] == pytest.approx(ContactParams().density)
    assert st.mean_diameter[0] == pytest.approx(2 * st.radius.mean())


def test_load_reports_the_ramp_inertial_number(packing100):
    st = packing100.state.copy()
    res = apply_strain(st, [0.0, -1e-3, 0.0])
    p = -0.5 * (res.stress[0, 0] + res.stress[0, 1])
    rate = 1e-3 / (res.steps_load[0] * st.dt[0])
    expected = inertial_number(rate, st.mean_diameter[0], st.density[0], p)
    assert res.extras()["inertial_number"][0] == pytest.approx(expected)


def test_default_biaxial_is_quasi_static(packing100):
    """The default time step (0.8 of critical) and 1e-5 strain per step shear below 1e-3."""
    assert PackingOptions().dt_safety == 0.8
    st = packing100.state
    dtc = critical_time_step(ContactParams(), st.radius.min(), st.radius.max())
    assert st.dt[0] == pytest.approx(0.8 * dtc)
    s = biaxial_test(st, BiaxialOptions(axial_strain=0.01)).summary
    assert 0 < s["inertial_number"] <= QUASI_STATIC_INERTIAL_NUMBER
    assert s["dem_steps_per_unit_strain"] == pytest.approx(1e5)


def test_the_cap_lowers_the_strain_per_step(packing100):
    """At the old time step (0.2 of critical) 1e-5 per step shears at I ~ 2.5e-3: the cap
    cuts the strain per step so that the shear at p0 is at the bound."""
    st = packing100.state.copy()
    dtc = critical_time_step(ContactParams(), st.radius.min(), st.radius.max())
    st.params[:, P_DT] = 0.2 * dtc
    free = biaxial_test(st, BiaxialOptions(axial_strain=0.005, max_inertial_number=1.0)).summary
    capped = biaxial_test(st, BiaxialOptions(axial_strain=0.005)).summary
    assert free["inertial_number"] > 2e-3
    assert capped["strain_per_dem_step"] < 0.5 * free["strain_per_dem_step"]
    p0 = capped["initial_mean_stress_Pa"]
    eps = strain_per_step(1e-3, st.dt[0], st.mean_diameter[0], st.density[0], p0)
    assert capped["strain_per_dem_step"] == pytest.approx(eps)
    assert capped["inertial_number"] <= 1.5e-3  # the lateral servo moves a little faster


def test_bad_bound_is_refused():
    from mslearn.core.errors import MslearnInputError

    with pytest.raises(MslearnInputError, match="max_inertial_number"):
        BiaxialOptions(max_inertial_number=0.0)


def test_material_config_caps_the_strain_per_step():
    """The DEM material's strain per step is capped at its max_inertial_number at p0."""
    from mslearn.micro.dem.config import DEMMaterialConfig

    loose = DEMMaterialConfig(n_particles=100, max_strain_per_step=1e-3)
    m = loose.build(2, 2, 1e5)
    assert m.options.max_strain_per_step < 1e-4
    r = m.trial(np.array([[0.0, -2e-4, 0.0]] * 2))
    assert np.all(r.extras["inertial_number"] <= 1.5e-3)
