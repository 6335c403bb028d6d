"""The seam's declared features: every material declares them and solvers check them."""

from dataclasses import replace

import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.fem.solvers.implicit import StaticSolver
from mslearn.materials import LinearElastic
from mslearn.materials.base import MaterialFeatures, require_features
from mslearn.materials.config import material_config
from mslearn.problems import BiaxialConfig

pytestmark = pytest.mark.property


@pytest.mark.parametrize(
    "table", [{"type": "linear_elastic"}, {"type": "drucker_prager"}, {"type": "tresca"}]
)
def test_reference_laws_declare_their_features(table):
    m = material_config(table).build(4, 2, 1e5)
    assert m.features.dim == 2 and m.features.n_voigt == m.n_voigt == 3
    assert m.features.kinematics == "small_strain" and m.features.tangent == "tangent"


def test_the_implicit_solver_refuses_what_it_cannot_use():
    prob = BiaxialConfig(nx=1, ny=1, element="Q4").build()
    three_d = LinearElastic(1e7, 0.3, prob.n_points, dim=3)
    with pytest.raises(MslearnInputError, match="is 3D; this problem is plane strain"):
        StaticSolver(prob.disc, three_d, prob.bcs)
    m = LinearElastic(1e7, 0.3, prob.n_points)
    m.features = replace(m.features, tangent="none")
    with pytest.raises(MslearnInputError, match="returns no stiffness"):
        StaticSolver(prob.disc, m, prob.bcs)
    m.features = replace(m.features, tangent="tangent", kinematics="deformation_gradient")
    with pytest.raises(MslearnInputError, match="takes deformation_gradient kinematics"):
        require_features(m, "implicit solver", 2)
    with pytest.raises(ValueError, match="expected 2 \\(plane strain\\) or 3"):
        MaterialFeatures(4)
