"""The explicit solver: lumped mass, critical step, quasi-static agreement, checkpoints, faults."""

import numpy as np
import pytest

from mslearn.core.errors import MslearnInputError, SolverFailure
from mslearn.fem.mass import lumped_mass
from mslearn.fem.solvers.explicit import ExplicitOptions, ExplicitSolver, critical_time_step
from mslearn.fem.solvers.explicit_stability import StabilityMonitor
from mslearn.fem.solvers.implicit import NewtonOptions, StaticSolver
from mslearn.materials.base import MaterialFeatures, MaterialResponse
from mslearn.problems.config import validate_config

RHO = 2000.0


def problem(**table):
    cfg = validate_config({"problem": table, "material": {"type": "drucker_prager"}})
    prob = cfg.problem.build()
    return prob, lambda: cfg.material.build(prob.n_points, prob.disc.dim, prob.initial_pressure)


@pytest.mark.parametrize(
    "table",
    [{"type": "biaxial", "nx": 2, "ny": 3, "element": e} for e in ("Q4", "Q8", "Q8R")]
    + [{"type": "strip_footing", "element": e, "h_edge": 0.6, "h_far": 2.0} for e in ("T3", "T6")]
    + [
        {"type": "triaxial_3d", "nx": 1, "ny": 1, "nz": 2, "element": e}
        for e in ("HEX8", "HEX20", "HEX27", "TET4", "TET10")
    ],  # fmt: skip
)
def test_lumped_mass_is_positive_and_sums_to_the_body_mass(table):
    disc = problem(**table)[0].disc
    m = lumped_mass(disc, RHO)
    assert m.min() > 0
    assert m.sum() / disc.dim == pytest.approx(RHO * disc.weights.sum(), rel=1e-12)


def test_linear_elements_lump_by_row_sum():
    disc = problem(type="biaxial", nx=1, ny=1, element="Q4")[0].disc
    m = lumped_mass(disc, RHO)
    assert np.allclose(m, RHO * disc.weights.sum() / 4)  # one rectangle: a quarter each


def bar(n=20, h=0.01):
    """A 1D bar of n Q4 (h x h), nu = 0, lateral dofs fixed: c = sqrt(E / rho)."""
    import skfem as fe

    from mslearn.fem.discretisation import Discretisation

    mesh = fe.MeshQuad.init_tensor(np.linspace(0, n * h, n + 1), np.array([0.0, h]))
    return Discretisation(mesh, "Q4")


def test_critical_step_of_a_uniform_bar_is_h_over_c():
    from mslearn.fem.mass import element_masses

    disc = bar()
    E = 50e6
    D = np.tile(np.diag([E, E, E / 2]), (disc.n_gp, 1, 1))  # nu = 0: lambda = 0, mu = E / 2
    dt, _ = critical_time_step(disc, D, element_masses(disc, RHO))
    # plane strain, nu = 0: the largest element mode is the dilatational one, c = sqrt(E / rho)
    assert dt == pytest.approx(0.01 / np.sqrt(E / RHO), rel=1e-9)
    monitor = StabilityMonitor(disc, element_masses(disc, RHO))
    assert monitor.update(D)[0] == pytest.approx(dt, rel=1e-12)
    assert monitor.update(1.1 * D)[0] == pytest.approx(dt / np.sqrt(1.1), rel=1e-9)
    assert monitor.update(0.5 * D)[0] <= dt / np.sqrt(1.1) * (1 + 1e-12)  # never grows


def test_slow_loading_with_damping_matches_the_implicit_solver():
    prob, mat = problem(type="biaxial", nx=4, ny=8, element="Q4")
    ref = StaticSolver(prob.disc, mat(), prob.bcs, NewtonOptions(n_steps=5)).run()
    opts = ExplicitOptions(n_steps=5, transit_times=150, local_damping=0.3)
    ex = ExplicitSolver(prob.disc, mat(), prob.bcs, opts)
    res = ex.run()
    f_ref = np.array([h["top_Fy"] for h in ref.history])[2:]
    f_ex = np.array([h["top_Fy"] for h in res.history])[2:]
    assert np.max(np.abs(f_ex / f_ref - 1)) < 0.02  # 1.2 %: the verification case is finer
    s = ex.summary()
    assert s["energy_balance_error"] < 0.01 and s["time_step"] <= s["critical_time_step"]
    assert all(h["iterations"] > 0 for h in res.history[1:])  # explicit steps per output step


def test_a_time_step_above_critical_is_refused_or_mass_scaled():
    prob, mat = problem(type="biaxial", nx=2, ny=4, element="Q4")
    probe = ExplicitSolver(prob.disc, mat(), prob.bcs, ExplicitOptions(n_steps=1))
    probe.initial_state()
    crit = probe.summary()["critical_time_step"]
    too_big = ExplicitOptions(n_steps=1, time_step=1.5 * crit)
    with pytest.raises(MslearnInputError, match="above the critical time step") as err:
        ExplicitSolver(prob.disc, mat(), prob.bcs, too_big).initial_state()
    assert f"{1.5 * crit:.4g}" in str(err.value) and "\n" not in str(err.value)
    scaled = ExplicitOptions(n_steps=2, time_step=1.5 * crit, mass_scaling=True, duration=0.02)
    sol = ExplicitSolver(prob.disc, mat(), prob.bcs, scaled)
    sol.run()
    s = sol.summary()
    assert s["mass_added_fraction"] > 0.5 and 1.35 * crit < s["time_step"] <= 1.5 * crit


def test_unstable_steps_without_the_check_blow_up_naming_step_and_element():
    prob, mat = problem(type="biaxial", nx=2, ny=4, element="Q4")
    probe = ExplicitSolver(prob.disc, mat(), prob.bcs, ExplicitOptions(n_steps=1))
    probe.initial_state()
    crit = probe.summary()["critical_time_step"]
    opts = ExplicitOptions(n_steps=2, time_step=3 * crit, check_stability=False,
                           duration=800 * crit, local_damping=0.0)  # fmt: skip
    seen = []
    with pytest.raises(SolverFailure, match=r"blew up in load step \d+ .*element \d+"):
        ExplicitSolver(prob.disc, mat(), prob.bcs, opts).run([seen.append])
    assert seen and seen[0].step == 0  # the good output steps reached the observers


def run_rows(solver):
    return [{k: v for k, v in row.items()} for row in solver.run().history]


def test_checkpoint_and_restore_continue_bit_for_bit():
    prob, mat = problem(type="biaxial", nx=2, ny=4, element="Q4")
    opts = ExplicitOptions(n_steps=4, transit_times=30)
    full = ExplicitSolver(prob.disc, mat(), prob.bcs, opts)
    states = {}
    rows = full.run([lambda s: states.setdefault(s.step, full.checkpoint_state())]).history
    again = ExplicitSolver(prob.disc, mat(), prob.bcs, opts)
    again.restore_state(states[2])
    rest = again.run().history
    assert rest == rows[3:]
    assert again.summary() == full.summary()


def test_an_implicit_checkpoint_is_refused_in_one_line():
    prob, mat = problem(type="biaxial", nx=2, ny=4, element="Q4")
    imp = StaticSolver(prob.disc, mat(), prob.bcs, NewtonOptions(n_steps=2))
    imp.run()
    ex = ExplicitSolver(prob.disc, mat(), prob.bcs, ExplicitOptions(n_steps=2))
    with pytest.raises(MslearnInputError, match="written by the implicit solver") as err:
        ex.restore_state(imp.checkpoint_state())
    assert "\n" not in str(err.value)


class NoStiffness:
    """A material that gives stress but no D."""

    features = MaterialFeatures(2, tangent="none", history=False)
    n_voigt = 3

    def __init__(self, n):
        self.n_points = n

    def trial(self, strain):
        return MaterialResponse(1e6 * strain, None, "none", {})

    def commit(self):
        pass

    def state_dict(self):
        return {}

    def load_state_dict(self, state):
        pass


def test_a_material_without_stiffness_is_one_clear_line():
    prob, _ = problem(type="biaxial", nx=1, ny=2, element="Q4")
    sol = ExplicitSolver(prob.disc, NoStiffness(prob.n_points), prob.bcs, ExplicitOptions())
    with pytest.raises(MslearnInputError, match="no stiffness"):
        sol.run()
