"""The reference laws in 3D (six Voigt components [11, 22, 33, 23, 13, 12]):
consistent tangent vs central differences per region (elastic, smooth cone, apex),
plane strain as 3D with eps_33 = 0, objectivity under a 6x6 Voigt rotation, and a
homogeneous drained triaxial (CTC) through the mixed-control driver against the
analytic Drucker-Prager peak."""

import numpy as np
import pytest

from mslearn.core.voigt import PLANE_IDX
from mslearn.materials import DruckerPrager, LinearElastic, von_mises
from mslearn.materials.driver import drive_mixed
from mslearn.materials.voigt import voigt_rotation

E, NU, P0 = 50e6, 0.3, 100e3
LAWS = ["elastic", "dp", "dp_nonassoc", "vm"]


def make(name, n, dim, p0=P0, hardening=2e6):
    if name == "elastic":
        return LinearElastic(E, NU, n, dim=dim, initial_pressure=p0)
    if name == "dp":
        return DruckerPrager.mohr_coulomb_plane_strain(
            E, NU, 20e3, np.radians(30), n, dim=dim, initial_pressure=p0, hardening=hardening
        )
    if name == "dp_nonassoc":
        return DruckerPrager.mohr_coulomb_plane_strain(
            E, NU, 10e3, np.radians(35), n, dilatancy_angle=np.radians(5), dim=dim,
            initial_pressure=p0, hardening=hardening,
        )  # fmt: skip
    if name == "vm":
        return von_mises(E, NU, 100e3, n, hardening=5e6, dim=dim, initial_pressure=p0)
    raise KeyError(name)


def central_difference(m, eps, h=1e-9):
    """(n, nv, nv) d stress / d strain of ``m.trial`` at ``eps`` by central differences."""
    nv = eps.shape[1]
    cols = [
        (m.trial(eps + h * np.eye(nv)[j]).stress - m.trial(eps - h * np.eye(nv)[j]).stress)
        / (2 * h)
        for j in range(nv)
    ]
    return np.stack(cols, axis=2)


def random_rotation(rng):
    q, r = np.linalg.qr(rng.standard_normal((3, 3)))
    q = q * np.sign(np.diag(r))
    return q if np.linalg.det(q) > 0 else -q


@pytest.mark.property
@pytest.mark.parametrize("law", LAWS)
def test_3d_tangent_equals_central_differences_in_every_region(law):
    """Elastic, smooth-cone and (Drucker-Prager) apex points in one batch; the tangent
    agrees with central differences to 1e-6 of its largest entry in each region."""
    rng = np.random.default_rng(11)
    n = 60
    m = make(law, n, 3)
    first = 4e-4 * rng.standard_normal((n, 6))
    m.trial(first)
    m.commit()  # a committed, partly plastic state
    eps = first + 2e-3 * rng.standard_normal((n, 6))
    eps[:10] = first[:10] + 1e-6 * rng.standard_normal((10, 6))  # elastic (un)loading
    if law.startswith("dp"):  # hydrostatic extension far beyond the apex
        eps[-10:] = np.array([1, 1, 1, 0, 0, 0]) * rng.uniform(3e-3, 6e-3, (10, 1))
    r = m.trial(eps)
    fd = central_difference(m, eps)
    scale = np.abs(r.stiffness).max()
    regions = {"elastic": np.zeros(n, bool), "smooth": np.zeros(n, bool)}
    regions["elastic"][:10] = True
    if law != "elastic":
        y = r.extras["yielding"] > 0
        sig = r.stress
        dev = sig - sig[:, :3].mean(1)[:, None] * np.array([1, 1, 1, 0, 0, 0])
        apex = y & (np.abs(dev).max(1) < 1e-6 * np.abs(sig).max())
        regions["smooth"] = y & ~apex
        regions["elastic"] &= ~y
        if law.startswith("dp"):
            regions["apex"] = apex
            assert apex[-10:].all(), "the hydrostatic extension must return to the apex"
        assert regions["smooth"].sum() > n // 4, "the test must exercise the smooth cone"
    assert regions["elastic"].sum() >= 5
    for name, sel in regions.items():
        np.testing.assert_allclose(
            r.stiffness[sel], fd[sel], atol=1e-6 * scale, rtol=0, err_msg=name
        )


@pytest.mark.property
@pytest.mark.parametrize("law", LAWS)
def test_3d_with_zero_out_of_plane_strain_is_plane_strain(law):
    """Along a random plastic path, 3D with eps_33 = eps_23 = eps_13 = 0 gives the
    plane-strain stress, its sigma_33 ("stress_33") and the in-plane tangent block."""
    rng = np.random.default_rng(5)
    n, n_steps = 12, 8
    m2, m3 = make(law, n, 2), make(law, n, 3)
    eps2 = np.cumsum(1e-3 * rng.standard_normal((n_steps, n, 3)), axis=0)
    for k in range(n_steps):
        e3 = np.zeros((n, 6))
        e3[:, PLANE_IDX] = eps2[k]
        r2, r3 = m2.trial(eps2[k]), m3.trial(e3)
        m2.commit()
        m3.commit()
        np.testing.assert_allclose(r3.stress[:, PLANE_IDX], r2.stress, rtol=1e-12, atol=1e-6)
        np.testing.assert_allclose(r3.stress[:, 2], r2.extras["stress_33"], rtol=1e-12, atol=1e-6)
        np.testing.assert_allclose(
            r3.stiffness[:, PLANE_IDX][:, :, PLANE_IDX], r2.stiffness, rtol=1e-12, atol=1e-3
        )
    if law != "elastic":
        assert r3.extras["yielding"].sum() > 0


def test_voigt_rotation_matches_tensor_rotation():
    rng = np.random.default_rng(0)
    q = random_rotation(rng)
    t_s, t_e = voigt_rotation(q)
    a = rng.standard_normal((3, 3))
    a = a + a.T
    v = np.array([a[i, j] for i, j in ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))])
    b = q @ a @ q.T
    vb = np.array([b[i, j] for i, j in ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))])
    np.testing.assert_allclose(t_s @ v, vb, atol=1e-12)
    eng = v * np.array([1, 1, 1, 2, 2, 2])  # the same tensor as engineering strain
    np.testing.assert_allclose(t_e @ eng, vb * np.array([1, 1, 1, 2, 2, 2]), atol=1e-12)
    np.testing.assert_allclose(t_e, np.linalg.inv(t_s).T, atol=1e-12)


@pytest.mark.property
@pytest.mark.parametrize("law", LAWS)
def test_objectivity_rotated_strain_path_gives_rotated_stress(law):
    """Isotropic laws from an isotropic start: the rotated strain history gives the
    rotated stress history and D' = T_s D T_s^T, step after step."""
    rng = np.random.default_rng(3)
    n, n_steps = 8, 6
    t_s, t_e = voigt_rotation(random_rotation(rng))
    a, b = make(law, n, 3), make(law, n, 3)
    eps = np.cumsum(1.5e-3 * rng.standard_normal((n_steps, n, 6)), axis=0)
    for k in range(n_steps):
        ra, rb = a.trial(eps[k]), b.trial(eps[k] @ t_e.T)
        a.commit()
        b.commit()
        np.testing.assert_allclose(rb.stress, ra.stress @ t_s.T, rtol=0, atol=1e-7 * P0)
        d_rot = np.einsum("ij,njk,lk->nil", t_s, ra.stiffness, t_s)
        np.testing.assert_allclose(rb.stiffness, d_rot, rtol=0, atol=1e-9 * E)
    if law != "elastic":
        assert ra.extras["yielding"].sum() > 0


def dp_ctc_peak(m, p_cell):
    """Analytic CTC peak q of perfectly plastic Drucker-Prager (tension positive):
    sigma = -(p_c + q, p_c, p_c): sqrt(J2) = q / sqrt(3), p = -(p_c + q/3), and
    sqrt(J2) + eta p = xi c gives q = (xi c + eta p_c) / (1/sqrt(3) - eta/3)."""
    return (m.xi * m.cohesion + m.eta * p_cell) / (1.0 / np.sqrt(3.0) - m.eta / 3.0)


@pytest.mark.verification
@pytest.mark.parametrize("law", ["dp", "dp_nonassoc"])
def test_3d_ctc_through_the_driver_reaches_the_analytic_peak(law):
    """Drained triaxial compression of three points at once (cell pressures 50, 100 and
    200 kPa, ramped from the isotropic 100 kPa start over 5 steps): lateral stresses
    and shear stresses held by Newton on the stress-controlled components, axial
    strain driven to 3 %; q ends at the analytic peak and the strain is axisymmetric."""
    cells = np.array([50e3, 100e3, 200e3])
    n, n_steps = cells.size, 60
    m = make(law, n, 3, hardening=0.0)
    ramp = np.minimum(np.arange(1, n_steps + 1) / 5.0, 1.0)
    lateral = -(P0 + (cells[None, :] - P0) * ramp[:, None])  # (steps, points)
    st = np.zeros((n_steps, n, 6))
    st[:, :, 1] = st[:, :, 2] = lateral
    et = np.zeros((n_steps, n, 6))
    et[:, :, 0] = -0.03 * np.arange(1, n_steps + 1)[:, None] / n_steps
    mask = np.array([False, True, True, True, True, True])
    res = drive_mixed(m, et, st, mask)
    sig, eps = res.stress[-1], res.strain[-1]
    q = -(sig[:, 0] - sig[:, 1])
    np.testing.assert_allclose(q, dp_ctc_peak(m, cells), rtol=1e-8)
    np.testing.assert_allclose(sig[:, 1:3], -cells[:, None].repeat(2, 1), rtol=1e-9)
    np.testing.assert_allclose(sig[:, 3:], 0.0, atol=1e-9 * P0)
    np.testing.assert_allclose(eps[:, 1], eps[:, 2], rtol=1e-8)
    np.testing.assert_allclose(eps[:, 3:], 0.0, atol=1e-12)
    # still at the peak over the last steps (perfect plasticity)
    q_hist = -(res.stress[-10:, :, 0] - res.stress[-10:, :, 1])
    np.testing.assert_allclose(q_hist, np.tile(dp_ctc_peak(m, cells), (10, 1)), rtol=1e-8)
    assert res.iterations.max() <= 8  # consistent tangent: few Newton iterations
