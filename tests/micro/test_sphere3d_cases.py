"""The 3D sphere engine against analytic references (mslearn.verification.dem3d)."""

import numpy as np
import pytest

from mslearn.verification import dem3d


@pytest.fixture(scope="module")
def packing3d():
    """A 100-sphere packing at 100 kPa (seed 0), linear law, seed-000 parameters."""
    opts = dem3d.PackingOptions3D(n_particles=100, seed=0)
    return dem3d.prepare_packing3d(opts, dem3d.ContactParams())


def _check(cases):
    assert cases
    for c in cases:
        assert "3d" in c["name"]
        assert c["passed"], c


def test_linear_impact_duration_and_restitution():
    _check(dem3d.case_linear_impact())


def test_hertz_force_law_and_impact():
    _check(dem3d.case_hertz())


def test_coulomb_limit_under_tangential_loading():
    _check(dem3d.case_coulomb())


@pytest.mark.parametrize("law", ["linear", "hertz"])
def test_oblique_impact_sliding_regime(law):
    _check(dem3d.case_oblique_impact(law))


def test_simple_cubic_stiffness_is_analytic():
    _check(dem3d.case_cubic_stiffness())


def test_neighbour_search_matches_brute_force_up_to_shear_1p5():
    _check(dem3d.case_neighbours(shears=(0.0, 1.5)))


def test_neighbour_check_fails_when_a_pair_is_dropped():
    """The brute-force comparison does detect a missing pair."""
    x, rad, L = dem3d.random_spheres(200, 0.0025, 0.0045, 0.1, 1)
    st = dem3d.SphereState.from_particles(x, rad, np.eye(3) * L, dem3d.ContactParams())
    eng = dem3d.engine_pairs(st)
    ref = dem3d.brute_force_pairs(st, 2)
    assert eng == ref and len(ref) > 10
    eng.pop()
    assert len(eng ^ ref) == 1


def test_prepared_packing_cases(packing3d):
    st = packing3d.state
    _check(dem3d.case_preparation(st))
    _check(dem3d.case_stiffness_properties(st))


def test_objectivity_under_rigid_rotation(packing3d):
    _check(dem3d.case_objectivity(packing3d.state))


def test_servo_holds_lateral_stresses(packing3d):
    _check(dem3d.case_mixed_servo(packing3d.state))


def test_energy_conserved_undamped_frictionless(packing3d):
    _check(dem3d.case_energy(packing3d.state, n_steps=2000))


@pytest.mark.slow
def test_energy_conserved_1e4_steps(packing3d):
    _check(dem3d.case_energy(packing3d.state, n_steps=10_000))


@pytest.mark.slow
@pytest.mark.verification
def test_run_cases_full():
    cases = dem3d.run_cases(smoke=False)
    _check(cases)
    assert len({c["name"] for c in cases}) == len(cases)
