"""``[solver] type``: the implicit and explicit options, each refused under the other type."""

import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.problems.config import validate_config


def test_default_is_implicit_and_explicit_round_trips():
    assert validate_config({}).solver.type == "implicit"
    cfg = validate_config({"solver": {"type": "explicit", "density": 1800.0, "n_steps": 7}})
    again = validate_config(cfg.model_dump(mode="json"))  # a resumed run reads config.json
    assert again.solver == cfg.solver
    assert again.solver.density == 1800.0 and again.solver.n_steps == 7


@pytest.mark.parametrize(
    ("solver", "field"),
    [
        ({"type": "explicit", "max_iterations": 5}, "max_iterations"),
        ({"type": "explicit", "tol_residual": 1e-3}, "tol_residual"),
        ({"density": 2000.0}, "density"),
        ({"type": "implicit", "local_damping": 0.2}, "local_damping"),
    ],
)
def test_an_option_of_the_other_solver_is_refused_naming_it(solver, field):
    with pytest.raises(MslearnInputError, match=field) as err:
        validate_config({"solver": solver})
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("field", "value"), [("safety", 1.5), ("local_damping", 1.0), ("time_step", -1.0)]
)
def test_explicit_fields_are_bounded(field, value):
    with pytest.raises(MslearnInputError, match=field):
        validate_config({"solver": {"type": "explicit", field: value}})


def test_dem_relaxation_fixed_sets_the_dem_steps():
    from mslearn.materials.config import material_config

    cfg = material_config({"type": "dem", "relaxation": "fixed", "dem_steps": 40})
    assert cfg.relaxation == "fixed" and cfg.dem_steps == 40
    with pytest.raises(Exception, match="relaxation"):
        material_config({"type": "dem", "relaxation": "sometimes"})


def test_dem_load_options_follow_the_relaxation():
    from mslearn.materials.config import material_config

    fixed = material_config({"type": "dem", "relaxation": "fixed", "dem_steps": 40})
    opts = fixed.load_options(1e-5)
    assert (opts.relax, opts.min_steps, opts.max_strain_per_step) == (False, 40, 1e-5)
    eq = material_config({"type": "dem"}).load_options(2e-5)
    assert eq.relax and eq.min_steps == 1 and eq.unbalanced_tol == 1e-4
