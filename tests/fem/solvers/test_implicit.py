"""Solver properties: initial equilibrium, assembly vs scikit-fem, step cutting, failures."""

import numpy as np
import pytest
import skfem as fe
from skfem.helpers import sym_grad

from mslearn.core.errors import MslearnInputError, SolverFailure
from mslearn.fem.discretisation import Discretisation
from mslearn.fem.loading import BoundaryConditions, Dirichlet, Pressure
from mslearn.fem.meshes import rectangle
from mslearn.fem.solvers.implicit import NewtonOptions, StaticSolver
from mslearn.materials import DruckerPrager, LinearElastic
from mslearn.materials.base import MaterialResponse
from mslearn.problems.biaxial import BiaxialConfig


@pytest.mark.parametrize("element", ["Q4", "Q8", "T3", "T6"])
def test_assembly_matches_scikit_fem(element):
    mesh = rectangle(1.0, 2.0, 3, 4, "quad" if element[0] == "Q" else "tri")
    disc = Discretisation(mesh, element)
    rng = np.random.default_rng(0)
    D = rng.standard_normal((disc.n_gp, 3, 3))
    K = disc.stiffness(D).toarray()
    # reference: sum over Gauss points of B^T D B with scikit-fem's own forms, per entry
    Dq = D.reshape(disc.n_el, disc.n_quad, 3, 3).transpose(2, 3, 0, 1)

    @fe.BilinearForm
    def form(u, v, w):
        eu, ev = sym_grad(u), sym_grad(v)
        ue = [eu[0, 0], eu[1, 1], 2 * eu[0, 1]]
        ve = [ev[0, 0], ev[1, 1], 2 * ev[0, 1]]
        return sum(ve[i] * w["D"][i, j] * ue[j] for i in range(3) for j in range(3))

    Kref = form.assemble(disc.basis, D=Dq).toarray()
    np.testing.assert_allclose(K, Kref, atol=1e-12 * np.abs(Kref).max())
    sub = np.arange(0, disc.n_dof, 3)
    np.testing.assert_allclose(
        disc.stiffness(D, sub).toarray(), Kref[np.ix_(sub, sub)], atol=1e-12 * np.abs(Kref).max()
    )


def test_consolidated_specimen_starts_in_equilibrium():
    prob = BiaxialConfig(nx=2, ny=4, element="Q8").build()
    mat = LinearElastic(50e6, 0.3, prob.n_points, initial_pressure=prob.initial_pressure)
    s = StaticSolver(prob.disc, mat, prob.bcs).initial_state()
    assert s.residual < 1e-12
    # the top platen carries p0 * width
    assert s.forces["top"][1] == pytest.approx(-100e3 * 0.5, rel=1e-12)


def test_elastic_biaxial_reaction_matches_hand_calculation():
    """Smooth platens, elastic: top force = width * (p0 + E' eps) with plane-strain modulus."""
    E, nu, p0, strain = 50e6, 0.25, 100e3, 1e-3
    cfg = BiaxialConfig(nx=2, ny=2, element="Q4", platens="smooth", axial_strain=strain)
    prob = cfg.build()
    mat = LinearElastic(E, nu, prob.n_points, initial_pressure=p0)
    res = StaticSolver(prob.disc, mat, prob.bcs, NewtonOptions(n_steps=2)).run()
    # sigma_11 = -p0 held; eps_22 = -strain -> sigma_22 = -p0 - E/(1-nu^2) * strain
    expected = -cfg.width * (p0 + E / (1 - nu**2) * strain)
    assert res.history[-1]["top_Fy"] == pytest.approx(expected, rel=1e-10)
    assert res.total_iterations == 2  # linear: one correction per step


class _FlakyMaterial(LinearElastic):
    """Elastic, but returns NaN whenever a trial strain increment exceeds a limit."""

    def __init__(self, *a, limit=2e-4, **k):
        super().__init__(*a, **k)
        self.limit, self._committed_strain, self._last = limit, None, None

    def trial(self, strain):
        r = super().trial(strain)
        base = self._committed_strain if self._committed_strain is not None else 0 * strain
        self._last = strain
        if np.abs(strain - base).max() > self.limit:
            return MaterialResponse(r.stress * np.nan, r.stiffness, r.kind, r.extras)
        return r

    def commit(self):
        self._committed_strain = self._last.copy()


def test_step_cutting_recovers_and_reports_cuts():
    prob = BiaxialConfig(nx=2, ny=2, element="Q4", axial_strain=2e-3).build()
    mat = _FlakyMaterial(50e6, 0.3, prob.n_points, initial_pressure=1e5, limit=3e-4)
    res = StaticSolver(prob.disc, mat, prob.bcs, NewtonOptions(n_steps=2, max_cuts=6)).run()
    assert res.completed
    assert sum(h["cuts"] for h in res.history) >= 2


def test_failure_after_max_cuts_names_step_iteration_and_residual():
    prob = BiaxialConfig(nx=2, ny=2, element="Q4", axial_strain=2e-3).build()
    mat = _FlakyMaterial(50e6, 0.3, prob.n_points, initial_pressure=1e5, limit=1e-9)
    seen = []
    with pytest.raises(SolverFailure, match=r"step 1 .*iteration .*residual"):
        StaticSolver(prob.disc, mat, prob.bcs, NewtonOptions(n_steps=2, max_cuts=2)).run(
            [lambda s: seen.append(s.step)]
        )
    assert seen == [0]


def test_newton_converges_quadratically_with_consistent_tangent():
    prob = BiaxialConfig(nx=4, ny=8, element="Q8").build()
    mat = DruckerPrager.mohr_coulomb_plane_strain(
        60e6,
        0.3,
        2e3,
        np.radians(30),
        prob.n_points,
        dilatancy_angle=np.radians(5),
        initial_pressure=1e5,
    )
    res = StaticSolver(prob.disc, mat, prob.bcs, NewtonOptions(n_steps=20)).run()
    its = [h["iterations"] for h in res.history[1:]]
    assert max(its) <= 6, its


def test_bad_boundary_and_material_size_are_clear():
    disc = Discretisation(rectangle(1, 1, 2, 2), "Q4")
    with pytest.raises(MslearnInputError, match="boundary 'lid'.*known boundaries"):
        StaticSolver(
            disc,
            LinearElastic(1e6, 0.3, disc.n_gp),
            BoundaryConditions([Dirichlet(0, 0.0, boundary="lid")]),
        )
    with pytest.raises(ValueError, match="Gauss points"):
        StaticSolver(disc, LinearElastic(1e6, 0.3, 3), BoundaryConditions())
    with pytest.raises(MslearnInputError, match="width"):
        rectangle(-1, 1, 2, 2)
    with pytest.raises(MslearnInputError, match="Pressure|boundary 'sky'"):
        StaticSolver(
            disc, LinearElastic(1e6, 0.3, disc.n_gp), BoundaryConditions([], [Pressure("sky", 1.0)])
        )
