"""Rankine earth pressures and thick-cylinder cavity expansion (also run by `mslearn verify`)."""

import numpy as np
import pytest

from mslearn.verification import cases
from mslearn.verification.registry import run_all

pytestmark = pytest.mark.verification


@pytest.mark.parametrize("mode", ["active", "passive"])
def test_rankine_coefficient_within_5_percent(mode):
    c = cases.rankine_wall(mode, smoke=True)
    k_a = (1 - np.sin(np.radians(30))) / (1 + np.sin(np.radians(30)))
    assert c.reference == pytest.approx(k_a if mode == "active" else 1 / k_a)
    assert c.passed and c.error < 0.05, c
    assert c.error == pytest.approx(abs(c.value / c.reference - 1))


def test_thick_cylinder_elastic_slope_matches_lame():
    c = cases.cavity_lame_slope("T6", smoke=True)
    assert c.passed and c.error < 0.02, c
    assert "first step elastic" in c.detail


@pytest.mark.parametrize("law,element", [("tresca", "T6"), ("von_mises", "Q8R")])
def test_thick_cylinder_limit_pressure_within_2_percent(law, element):
    c = cases.cavity_limit_pressure(law, element, smoke=True)
    assert c.passed and c.error < 0.02, c
    b_over_a = 2.0 if law == "tresca" else 3.0
    shear = 10e3 if law == "tresca" else 100e3 / np.sqrt(3.0)
    assert c.reference == pytest.approx(2 * shear * np.log(b_over_a))


def test_verify_lists_rankine_and_cavity_cases():
    names = [c["name"] for c in run_all(smoke=True, only="rankine")]
    assert len(names) == 2 and all("rankine" in n for n in names)
    found = run_all(smoke=True, only="cavity")
    assert len(found) == 3 and all(c["passed"] for c in found)
    assert {"value", "reference", "error", "tolerance", "passed"} <= set(found[0])


def test_3d_fem_cases_are_registered_and_pass():
    found = run_all(smoke=True, only="patch_test_3d")
    assert {c["name"] for c in found} == {
        f"patch_test_3d_{el}" for el in ("HEX8", "HEX20", "HEX27", "TET4", "TET10")
    }
    assert all(c["passed"] for c in found)
