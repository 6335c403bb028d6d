"""DEMMaterial: DEM RVEs behind the material seam (trial/commit, state, FEM-DEM smoke)."""

import numpy as np
import pytest

from mslearn.fem.solvers.implicit import NewtonOptions, StaticSolver
from mslearn.materials.base import MaterialModel
from mslearn.micro.dem.config import DEMMaterialConfig
from mslearn.problems import BiaxialConfig


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("MSLEARN_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


def small(n_points, **kw):
    cfg = DEMMaterialConfig(n_particles=60, max_relax_steps=400, packings=2, **kw)
    return cfg.build(n_points, 2, 100e3)


def test_consolidated_rves_answer_p0_at_zero_strain():
    m = small(4)
    assert isinstance(m, MaterialModel)
    r = m.trial(np.zeros((4, 3)))
    np.testing.assert_allclose(r.stress[:, :2], -100e3, rtol=0.02)
    assert r.kind == "secant" and r.stiffness.shape == (4, 3, 3)
    assert {"unbalanced_ratio", "void_ratio", "coordination", "dem_steps"} <= set(r.extras)
    # two packings cycled over the points: points 0 and 2 share a packing, 0 and 1 do not
    np.testing.assert_array_equal(r.stress[0], r.stress[2])
    assert not np.array_equal(r.stress[0], r.stress[1])


def test_trials_restart_from_the_committed_state():
    m = small(3)
    e1 = np.tile([0.0, -2e-3, 0.0], (3, 1))
    e2 = np.tile([1e-3, -1e-3, 5e-4], (3, 1))
    a = m.trial(e1).stress
    m.trial(e2)
    np.testing.assert_array_equal(m.trial(e1).stress, a)
    m.commit()
    saved = m.state_dict()
    b = m.trial(2 * e1).stress
    m.trial(e2)
    m.load_state_dict(saved)
    np.testing.assert_array_equal(m.trial(2 * e1).stress, b)
    assert m.bytes_per_rve > 0


def test_perturbation_tangent_is_declared_and_close_to_secant_initially():
    m = small(2, tangent="perturbation")
    r = m.trial(np.tile([0.0, -1e-4, 0.0], (2, 1)))
    assert r.kind == "tangent"
    assert np.all(np.isfinite(r.stiffness))
    # compression stiffness positive on the diagonal (d sigma_22 / d eps_22)
    assert (r.stiffness[:, 1, 1] > 0).all()


def test_fem_dem_smoke_biaxial_converges_and_starts_in_equilibrium():
    prob = BiaxialConfig(nx=1, ny=1, element="Q4", axial_strain=0.01).build()
    mat = small(prob.n_points)
    solver = StaticSolver(
        prob.disc,
        mat,
        prob.bcs,
        NewtonOptions(n_steps=3, tol_displacement=5e-3, tol_residual=2e-2, max_iterations=40),
    )
    res = solver.run()
    f0 = -res.history[0]["top_Fy"]
    assert f0 == pytest.approx(100e3 * 0.5, rel=0.03)
    f = [-h["top_Fy"] for h in res.history]
    assert f[-1] > f[0]  # compression stiffens the top force
    assert res.completed and all(h["cuts"] == 0 for h in res.history)


def test_mismatched_consolidation_pressure_is_refused():
    from mslearn.core.errors import MslearnInputError

    with pytest.raises(MslearnInputError, match="consolidation_pressure.*disagrees"):
        DEMMaterialConfig(n_particles=20, consolidation_pressure=200e3).build(4, 2, 100e3)


def test_unstable_rve_names_gauss_point_and_step():
    """A huge strain increment in one DEM step explodes the overlaps of one RVE."""
    from mslearn.core.errors import SolverFailure

    prob = BiaxialConfig(nx=1, ny=1, element="Q4", axial_strain=0.5).build()
    cfg = DEMMaterialConfig(n_particles=40, max_relax_steps=50, max_strain_per_step=0.2)
    mat = cfg.build(prob.n_points, 2, 100e3)
    with pytest.raises(SolverFailure, match=r"step 1 .*Gauss point \d+ went unstable"):
        StaticSolver(prob.disc, mat, prob.bcs, NewtonOptions(n_steps=1, max_cuts=0)).run()
