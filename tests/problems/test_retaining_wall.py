"""The retaining-wall problem: registry, validation, boundary conditions, curves."""

import numpy as np
import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.fem.solvers.implicit import NewtonOptions, StaticSolver
from mslearn.materials import DruckerPrager, LinearElastic
from mslearn.problems import PROBLEMS, RetainingWallConfig, problem_config
from mslearn.problems.config import RunConfig, validate_config
from mslearn.workflows.bvp import curve_from_history, run_bvp

pytestmark = pytest.mark.property

SMALL = {"mesh": "structured", "nx": 4, "ny": 4, "element": "Q4"}
PHI = np.radians(30.0)


def _dp(problem, cohesion=0.0):
    return DruckerPrager.mohr_coulomb_plane_strain(
        50e6, 0.3, cohesion, PHI, problem.n_points, initial_pressure=problem.initial_pressure
    )


def _solve(cfg, material=None, n_steps=10):
    problem = cfg.build()
    mat = material(problem) if material else _dp(problem)
    res = StaticSolver(problem.disc, mat, problem.bcs, NewtonOptions(n_steps=n_steps)).run()
    disp, load = curve_from_history(problem, res.history)
    return problem, res, disp, load


def test_registered_and_built_from_a_table():
    assert PROBLEMS["retaining_wall"] is RetainingWallConfig
    cfg = problem_config({"type": "retaining_wall", "wall_height": "1.2 m", **SMALL})
    assert isinstance(cfg, RetainingWallConfig) and cfg.wall_height == pytest.approx(1.2)
    problem = cfg.build()
    names = set(problem.disc.boundary_names())
    assert {"left", "bottom", "top", "wall", "foundation", "wall_thrust"} <= names
    assert problem.initial_pressure == pytest.approx(100e3)


def test_seed003_default_mesh_has_about_321_triangles():
    problem = RetainingWallConfig().build()
    assert problem.disc.etype.name == "T3"
    assert 290 <= problem.disc.n_el <= 350  # 321 with the gmsh of this project


@pytest.mark.parametrize(
    "fields,needle",
    [
        ({"wall_height": 3.0}, "problem.wall_height: got 3.0"),
        ({"mode": "sideways"}, "problem.mode: got 'sideways'"),
        ({"surcharge": 0}, "problem.consolidation_pressure"),
        ({"wall_displacement": "-1 cm"}, "problem.wall_displacement"),
        ({"surcharge": "100 bar"}, "problem.surcharge: got '100 bar'"),
        ({"movement": "tilt"}, "problem.movement"),
    ],
)
def test_bad_input_names_the_field(fields, needle):
    with pytest.raises(MslearnInputError, match="invalid config") as err:
        validate_config({"problem": {"type": "retaining_wall", **fields}})
    assert needle in str(err.value)


def test_initial_thrust_is_p0_times_h_on_every_support_layout():
    """K0 = 1: the thrust at step 0 is p0 H whether or not other supports share the toe."""
    for extra in ({}, {"base": "smooth", "wall_height": 2.0}, {"mesh": "gmsh", "element": "T6"}):
        cfg = RetainingWallConfig(**{**SMALL, "wall_displacement": 1e-4, **extra})
        _, _, disp, load = _solve(cfg, n_steps=1)
        assert load[0] == pytest.approx(100.0 * cfg.wall_height, rel=1e-10)
        assert disp[0] == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("movement", ["rotation_toe", "rotation_top"])
def test_rotation_moves_the_far_end_and_the_curve_reads_the_angle(movement):
    cfg = RetainingWallConfig(
        mesh="gmsh", h=0.4, element="T6", movement=movement, wall_displacement=0.01
    )
    problem, res, disp, _ = _solve(
        cfg, lambda p: LinearElastic(50e6, 0.3, p.n_points, 2, p.initial_pressure), 2
    )
    disc, u = problem.disc, res.final.u
    dofs = disc.boundary_dofs("wall", 0)
    y = disc.basis.doflocs[1, dofs]
    pivot = 0.5 if movement == "rotation_toe" else 2.0
    np.testing.assert_allclose(u[dofs], 0.01 / 1.5 * np.abs(y - pivot), atol=1e-14)
    assert disp[-1] == pytest.approx(0.01 / 1.5, rel=1e-12)  # rotation angle, exact


def test_rough_wall_holds_the_soil_vertically_and_smooth_does_not():
    for wall in ("rough", "smooth"):
        cfg = RetainingWallConfig(**SMALL, wall=wall, wall_displacement=0.005)
        problem, res, _, _ = _solve(cfg, n_steps=2)
        uy = res.final.u[problem.disc.boundary_dofs("wall", 1)]
        assert (np.abs(uy).max() == 0.0) == (wall == "rough")


def test_active_thrust_falls_and_passive_rises_towards_rankine():
    """Smooth wall and base, weightless soil: the thrust heads for K q H monotonically."""
    k_a = (1 - np.sin(PHI)) / (1 + np.sin(PHI))
    base = {**SMALL, "wall": "smooth", "base": "smooth", "wall_height": 2.0}
    _, _, _, active = _solve(RetainingWallConfig(**base, wall_displacement=0.02))
    _, _, _, passive = _solve(
        RetainingWallConfig(**base, mode="passive", wall_displacement=0.1), n_steps=20
    )
    assert np.all(np.diff(active) <= 1e-9) and np.all(np.diff(passive) >= -1e-9)
    assert active[-1] == pytest.approx(k_a * 100 * 2.0, rel=1e-3)
    assert passive[-1] == pytest.approx(100 * 2.0 / k_a, rel=1e-2)


def test_consolidation_other_than_the_surcharge_is_staged():
    """p0 = 150 kPa, q = 100 kPa: the surface unloads first with the wall held, then it moves."""
    cfg = RetainingWallConfig(
        **SMALL, surcharge=100e3, consolidation_pressure=150e3, wall_displacement=0.005
    )
    problem, res, disp, load = _solve(
        cfg, lambda p: LinearElastic(50e6, 0.3, p.n_points, 2, p.initial_pressure), 10
    )
    assert problem.initial_pressure == pytest.approx(150e3)
    assert load[0] == pytest.approx(150 * 1.5)
    assert disp[1] == pytest.approx(0.0, abs=1e-15) and disp[-1] > 0
    top = problem.bcs.loads[0]
    assert top.at(0.0) == pytest.approx(150e3) and top.at(0.5) == pytest.approx(100e3)


def test_smoke_run_through_run_bvp(tmp_path):
    data = {
        "problem": {"type": "retaining_wall", **RetainingWallConfig.smoke_overrides()},
        "material": {"type": "drucker_prager", "young": 60e6, "cohesion": 2e3},
        "solver": {"n_steps": 6},
        "output": {"xdmf": False, "plots": False},
    }
    summary = run_bvp(RunConfig.model_validate(data), tmp_path, progress=False)
    assert summary["completed"] and summary["steps"] == 6
    assert summary["peak_load"] == pytest.approx(150.0)  # p0 H at the start (K0 = 1)
    assert 0 < summary["final_load"] < 150.0  # active: the thrust falls
    assert summary["final_displacement"] == pytest.approx(0.02 / 1.5)
    assert (tmp_path / "history.csv").is_file()
