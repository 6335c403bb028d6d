"""The cavity-expansion problem: registry, validation, boundary conditions, curves."""

import numpy as np
import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.fem.solvers.implicit import NewtonOptions, StaticSolver
from mslearn.materials import LinearElastic
from mslearn.problems import PROBLEMS, CavityConfig, problem_config
from mslearn.problems.config import RunConfig, validate_config
from mslearn.workflows.bvp import curve_from_history, run_bvp

pytestmark = pytest.mark.property

E, NU = 1e7, 0.3
THICK = {"inner_radius": 0.1, "outer_radius": 0.2, "n_radial": 4, "n_theta": 3}


def _elastic(cfg, n_steps=2):
    problem = cfg.build()
    mat = LinearElastic(E, NU, problem.n_points, 2, problem.initial_pressure)
    res = StaticSolver(problem.disc, mat, problem.bcs, NewtonOptions(n_steps=n_steps)).run()
    disp, load = curve_from_history(problem, res.history)
    return problem, res, disp, load


def _lame_free(a, b):
    """dp / d(u_a / a) [Pa] of a plane-strain thick cylinder with a free outer face."""
    return E * (b * b - a * a) / ((1 + NU) * ((1 - 2 * NU) * a * a + b * b))


def _lame_fixed(a, b):
    """dp / d(u_a / a) [Pa] with u(b) = 0: u = A r + B / r, A = -B / b^2."""
    lam, mu = E * NU / ((1 + NU) * (1 - 2 * NU)), E / (2 * (1 + NU))
    big_b = a * b * b / (b * b - a * a)  # B per unit u_a
    return a * big_b * (2 * (lam + mu) / b**2 + 2 * mu / a**2)


def test_registered_and_seed003_default_has_900_gauss_points():
    assert PROBLEMS["cavity"] is CavityConfig
    cfg = problem_config({"type": "cavity", "inner_radius": "8 mm"})
    problem = cfg.build()
    assert problem.n_points == 900  # 15 x 15 Q4, seed 003 Table 8
    assert problem.initial_pressure == pytest.approx(100e3)
    assert {"inner", "outer", "bottom", "left", "cavity_load"} <= set(problem.disc.boundary_names())


@pytest.mark.parametrize(
    "fields,needle",
    [
        ({"inner_radius": 0.2}, "problem.inner_radius: got 0.2"),
        ({"control": "pressure"}, "problem.cavity_pressure: got None"),
        ({"control": "pressure", "cavity_pressure": 2e5}, "problem.control: got 'pressure'"),
        ({"pin_top_corner": True, "outer": "fixed"}, "problem.pin_top_corner"),
        ({"n_theta": 1}, "problem.n_theta: got 1"),
        ({"cavity_displacement": "2 inch"}, "problem.cavity_displacement"),
        ({"element": "Q9"}, "problem.element"),
    ],
)
def test_bad_input_names_the_field(fields, needle):
    with pytest.raises(MslearnInputError, match="invalid config") as err:
        validate_config({"problem": {"type": "cavity", **fields}})
    assert needle in str(err.value)


@pytest.mark.parametrize(
    "element,mesh", [("T6", "gmsh"), ("Q8", "structured"), ("Q4", "structured")]
)
def test_elastic_displacement_control_follows_lame(element, mesh):
    cfg = CavityConfig(
        **THICK, element=element, mesh=mesh, h=0.02, h_outer=0.03, cavity_displacement=1e-4
    )
    _, _, disp, load = _elastic(cfg)
    assert disp[-1] == pytest.approx(1e-3, rel=1e-12)  # u_a / a, exact by construction
    assert load[0] == pytest.approx(100.0, rel=1e-9)  # p0 in kPa at the start
    slope = (load[-1] - load[0]) * 1e3 / disp[-1]
    # Q4: straight-sided cells, 3 across the arc (3 % off); curved quadratic cells: 0.1 %
    assert slope == pytest.approx(_lame_free(0.1, 0.2), rel=0.05 if element == "Q4" else 2e-3)


def test_elastic_fixed_outer_arc_follows_lame():
    cfg = CavityConfig(**THICK, element="Q8", outer="fixed", cavity_displacement=1e-4)
    _, _, disp, load = _elastic(cfg)
    slope = (load[-1] - load[0]) * 1e3 / disp[-1]
    assert slope == pytest.approx(_lame_fixed(0.1, 0.2), rel=2e-3)


@pytest.mark.parametrize("outer,p0", [("pressure", 0.0), ("fixed", 50e3)])
def test_pressure_control_reads_the_applied_pressure(outer, p0):
    cfg = CavityConfig(
        **THICK,
        element="T6",
        control="pressure",
        cavity_pressure=p0 + 20e3,
        in_situ_pressure=p0,
        outer=outer,
    )
    _, _, disp, load = _elastic(cfg, n_steps=4)
    np.testing.assert_allclose(load, p0 / 1e3 + 20.0 * np.linspace(0, 1, 5), rtol=1e-8)
    lame = _lame_free(0.1, 0.2) if outer == "pressure" else _lame_fixed(0.1, 0.2)
    assert 20e3 / disp[-1] == pytest.approx(lame, rel=2e-3)


def test_pinned_top_corner_breaks_the_symmetry():
    cfg = CavityConfig(**THICK, element="Q4", pin_top_corner=True, cavity_displacement=1e-4)
    problem, res, _, _ = _elastic(cfg)
    disc, u = problem.disc, res.final.u
    assert u[disc.point_dofs((0.0, 0.2), 1)] == pytest.approx(0.0, abs=0)
    free = CavityConfig(**THICK, element="Q4", cavity_displacement=1e-4)
    p_free, r_free, _, _ = _elastic(free)
    assert abs(r_free.final.u[p_free.disc.point_dofs((0.0, 0.2), 1)][0]) > 1e-7


def test_smoke_run_through_run_bvp(tmp_path):
    """seed 003 geometry at smoke size with Drucker-Prager: the cavity pressure rises from p0."""
    data = {
        "problem": {
            "type": "cavity",
            **CavityConfig.smoke_overrides(),
            "cavity_displacement": 2e-3,
        },
        "material": {"type": "drucker_prager", "young": 60e6, "cohesion": 2e3},
        "solver": {"n_steps": 6},
        "output": {"xdmf": False, "plots": False},
    }
    summary = run_bvp(RunConfig.model_validate(data), tmp_path, progress=False)
    assert summary["completed"] and summary["steps"] == 6
    assert summary["final_displacement"] == pytest.approx(2e-3 / 8e-3)
    assert 100.0 < summary["final_load"] < 2000.0  # kPa, above p0, bounded
    assert summary["load_label"] == "cavity pressure [kPa]"
