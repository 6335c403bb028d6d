"""3D verification: patch tests, manufactured-solution rates, Lame sphere, DP triaxial vs the
material point, plane strain vs one element through the thickness."""

import pytest

from mslearn.verification import cases3d

pytestmark = pytest.mark.verification


@pytest.mark.parametrize("element", ["HEX8", "HEX20", "HEX27", "TET4", "TET10"])
def test_patch_test_3d(element):
    case = cases3d.patch_test_3d(element)
    assert case.passed and case.value < 1e-10, case


@pytest.mark.parametrize(
    ("element", "levels"), [("HEX8", (4, 6, 8)), ("TET4", (4, 6, 8)), ("TET10", (2, 4, 6))]
)
def test_convergence_rates_3d(element, levels):
    case = cases3d.convergence_rate_3d(element, levels)
    assert case.passed, case


@pytest.mark.slow
def test_convergence_rate_3d_hex27():
    case = cases3d.convergence_rate_3d("HEX27", (4, 6, 8))
    assert case.passed and abs(case.value - 3.0) < 0.1, case


def test_lame_sphere_hex27_within_one_percent():
    case = cases3d.lame_sphere_3d("HEX27", 2, 3)
    assert case.passed and case.value < 0.01, case


def test_dp_homogeneous_triaxial_matches_the_material_point():
    case = cases3d.dp_homogeneous_triaxial_3d(n_steps=20)
    assert case.passed and case.value < 1e-8, case
    assert case.detail and "peak" in case.detail


def test_plane_strain_equals_one_element_thick_3d():
    case = cases3d.plane_strain_vs_3d(n_steps=10)
    assert case.passed and case.value < 1e-8, case


def test_case_list_names_and_smoke():
    cases = cases3d.fem3d_cases(smoke=True)
    names = [n for n, _ in cases]
    assert all("3d" in n for n in names) and len(set(names)) == len(names)
    assert {"lame_sphere_3d_HEX27", "dp_homogeneous_triaxial_3d", "plane_strain_vs_3d"} <= set(
        names
    )
