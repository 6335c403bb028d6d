"""Property tests of the reference material laws: tangents, symmetry, limits."""

import numpy as np
import pytest

from mslearn.materials import (
    DruckerPrager,
    LinearElastic,
    MaterialModel,
    tresca_plane_strain,
    von_mises,
)

E, NU = 50e6, 0.3


def make(name, n, dim, p0=0.0):
    if name == "elastic":
        return LinearElastic(E, NU, n, dim=dim, initial_pressure=p0)
    if name == "dp":
        return DruckerPrager.mohr_coulomb_plane_strain(
            E, NU, 20e3, np.radians(30), n, dim=dim, initial_pressure=p0, hardening=2e6
        )
    if name == "dp_nonassoc":
        return DruckerPrager.mohr_coulomb_plane_strain(
            E,
            NU,
            10e3,
            np.radians(35),
            n,
            dilatancy_angle=np.radians(5),
            dim=dim,
            initial_pressure=p0,
        )
    if name == "vm":
        return von_mises(E, NU, 100e3, n, hardening=5e6, dim=dim, initial_pressure=p0)
    if name == "tresca":
        return tresca_plane_strain(E, NU, 50e3, n, dim=dim, initial_pressure=p0)
    raise KeyError(name)


LAWS = ["elastic", "dp", "dp_nonassoc", "vm", "tresca"]


def random_strains(rng, n, nv, scale):
    return scale * rng.standard_normal((n, nv))


@pytest.mark.parametrize("dim", [2, 3])
@pytest.mark.parametrize("law", LAWS)
def test_protocol_and_zero_strain_gives_initial_stress(law, dim):
    m = make(law, 4, dim, p0=100e3)
    assert isinstance(m, MaterialModel)
    r = m.trial(np.zeros((4, m.n_voigt)))
    expected = np.zeros(m.n_voigt)
    expected[:dim] = -100e3
    np.testing.assert_allclose(r.stress, np.tile(expected, (4, 1)), atol=1e-9)
    m0 = make(law, 2, dim)
    np.testing.assert_allclose(m0.trial(np.zeros((2, m0.n_voigt))).stress, 0.0, atol=1e-12)


@pytest.mark.parametrize("dim", [2, 3])
@pytest.mark.parametrize("law", LAWS)
def test_consistent_tangent_matches_central_differences(law, dim):
    """D from trial() equals d(stress)/d(strain) by central differences, elastic and plastic."""
    rng = np.random.default_rng(1)
    n = 40
    m = make(law, n, dim, p0=100e3)
    nv = m.n_voigt
    # a committed, partly plastic state first
    m.trial(random_strains(rng, n, nv, 5e-4))
    m.commit()
    base = m.state_dict()
    eps = (
        m.state_dict()["strain"] + random_strains(rng, n, nv, 2e-3)
        if law != "elastic"
        else (random_strains(rng, n, nv, 2e-3))
    )
    r = m.trial(eps)
    h = 1e-9
    fd = np.zeros((n, nv, nv))
    for j in range(nv):
        de = np.zeros(nv)
        de[j] = h
        sp = m.trial(eps + de).stress
        sm = m.trial(eps - de).stress
        fd[:, :, j] = (sp - sm) / (2 * h)
    if law != "elastic":
        m.load_state_dict(base)
        assert r.extras["yielding"].sum() > n // 4, "test must exercise the plastic branch"
    scale = np.abs(r.stiffness).max()
    np.testing.assert_allclose(r.stiffness, fd, atol=2e-5 * scale, rtol=0)


@pytest.mark.parametrize("law", ["dp", "vm", "tresca", "elastic"])
def test_associated_tangent_is_symmetric(law):
    rng = np.random.default_rng(2)
    m = make(law, 30, 3, p0=50e3)
    r = m.trial(random_strains(rng, 30, 6, 3e-3))
    np.testing.assert_allclose(r.stiffness, np.swapaxes(r.stiffness, 1, 2), atol=1e-6 * E)


@pytest.mark.parametrize("law", ["dp", "dp_nonassoc", "vm", "tresca"])
def test_returned_stress_is_on_or_inside_yield_surface(law):
    rng = np.random.default_rng(3)
    m = make(law, 200, 3, p0=100e3)
    r = m.trial(random_strains(rng, 200, 6, 5e-3))
    st = m._trial[1]  # Mandel stress
    p = st[:, :3].mean(1)
    s = st.copy()
    s[:, :3] -= p[:, None]
    phi = (
        np.linalg.norm(s, axis=1) / np.sqrt(2)
        + m.eta * p
        - m.xi * (m.cohesion + m.hardening * m._trial[2])
    )
    assert np.all(phi <= 1e-6 * m.cohesion)
    assert (r.extras["yielding"] > 0).any()


def test_trial_never_changes_committed_state():
    rng = np.random.default_rng(4)
    m = make("dp", 10, 2, p0=100e3)
    eps = random_strains(rng, 10, 3, 4e-3)
    a = m.trial(eps).stress
    m.trial(random_strains(rng, 10, 3, 4e-3))
    b = m.trial(eps).stress
    np.testing.assert_array_equal(a, b)


def test_von_mises_uniaxial_hardening_slope():
    """3D uniaxial stress path: plastic slope is E H / (E + H) (analytic)."""
    H = 5e6
    m = von_mises(E, NU, 100e3, 1, hardening=H, dim=3)
    # strain-driven with lateral strains solved for zero lateral stress (Newton on D)
    eps = np.zeros(6)
    sig11 = []
    e11s = np.linspace(0, 0.01, 41)[1:]
    for e11 in e11s:
        eps[0] = e11
        for _ in range(30):
            r = m.trial(eps[None])
            lat = r.stress[0, 1:]
            if np.abs(lat).max() < 1e-6:
                break
            eps[1:] -= np.linalg.solve(r.stiffness[0, 1:, 1:], lat)
        m.commit()
        sig11.append(r.stress[0, 0])
    slope = (sig11[-1] - sig11[-10]) / (e11s[-1] - e11s[-10])
    assert slope == pytest.approx(E * H / (E + H), rel=1e-8)


def test_bad_parameters_name_the_field():
    with pytest.raises(ValueError, match="young"):
        LinearElastic(-1.0, 0.3, 2)
    with pytest.raises(ValueError, match="poisson"):
        DruckerPrager(1e6, 0.6, 1e3, 0.1, 0.5, 2)
    with pytest.raises(ValueError, match="shape"):
        LinearElastic(1e6, 0.3, 2).trial(np.zeros((3, 3)))


@pytest.mark.parametrize("law", ["dp", "dp_nonassoc"])
def test_apex_return_and_its_tangent(law):
    """Hydrostatic extension beyond the apex: deviator vanishes, tangent matches FD."""
    m = make(law, 3, 3)
    eps = np.tile([2e-3, 2e-3, 2e-3, 1e-6, 0.0, -2e-6], (3, 1)) * np.array([[1.0], [2.0], [3.0]])
    r = m.trial(eps)
    st = m._trial[1]
    dev = st - st[:, :3].mean(1)[:, None] * np.array([1, 1, 1, 0, 0, 0])
    np.testing.assert_allclose(dev, 0.0, atol=1e-6)
    h = 1e-9
    fd = np.stack(
        [
            (m.trial(eps + h * np.eye(6)[j]).stress - m.trial(eps - h * np.eye(6)[j]).stress)
            / (2 * h)
            for j in range(6)
        ],
        axis=2,
    )
    np.testing.assert_allclose(r.stiffness, fd, atol=1e-5 * E)
