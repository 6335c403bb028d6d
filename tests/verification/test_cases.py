"""Verification against analytic solutions (also run by `mslearn verify`)."""

import numpy as np
import pytest

from mslearn.verification import cases


@pytest.mark.parametrize("element", ["Q4", "Q8", "T3", "T6"])
def test_patch_test_on_distorted_mesh(element):
    c = cases.patch_test(element)
    assert c.passed, c
    assert c.value < 1e-10


@pytest.mark.parametrize("element,rate", [("Q4", 2), ("T3", 2), ("Q8", 3), ("T6", 3)])
def test_l2_convergence_rate(element, rate):
    c = cases.convergence_rate(element)
    assert abs(c.value - rate) < 0.15, c


def test_lame_cylinder_radial_displacement_within_1_percent():
    c = cases.lame_cylinder("T6", h=0.02)
    assert c.passed and c.value < 0.01, c


def test_prandtl_bearing_capacity_within_5_percent():
    c = cases.prandtl_bearing_capacity("T6", h_edge=0.02)
    assert c.passed, c
    assert abs(c.value / (2 + np.pi) - 1) < 0.05


def test_homogeneous_drucker_prager_biaxial_matches_material_point():
    c = cases.dp_homogeneous_biaxial()
    assert c.passed and c.value < 1e-8, c
