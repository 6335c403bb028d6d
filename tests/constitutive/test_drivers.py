"""Element-test drivers: triaxial (3D) / biaxial (2D plane strain), drained / undrained,
strain / stress control, through the FEM material seam."""

from __future__ import annotations

import numpy as np
import pytest

from mslearn.constitutive.drivers import element_test
from mslearn.constitutive.lode import LodeOptions
from mslearn.constitutive.models import CSUH, DeviatoricHardening, ModifiedCamClay


@pytest.mark.parametrize("test", ["triaxial", "biaxial"])
def test_drained_strain_controlled_keeps_lateral_stress(test):
    r = element_test(CSUH(), None, 100e3, test, "drained", "strain", 0.05, 25)
    lat = r.stress[1:, 1:3] if test == "triaxial" else r.stress[1:, :1]
    np.testing.assert_allclose(lat, -100e3, rtol=1e-8)
    assert r.q[-1] > 50e3 and np.all(r.p > 0)


def test_undrained_triaxial_is_isochoric_and_mcc_reaches_csl():
    r = element_test(ModifiedCamClay(), None, 100e3, "triaxial", "undrained", "strain", 0.2, 60)
    np.testing.assert_allclose(r.eps_vol, 0.0, atol=1e-14)
    assert abs(r.q[-1] / r.p[-1] - 1.25) < 2e-3


def test_undrained_biaxial_plane_strain_uses_sigma33_in_p():
    model = ModifiedCamClay(LodeOptions("none"))
    r = element_test(model, None, 100e3, "biaxial", "undrained", "strain", 0.1, 40)
    np.testing.assert_allclose(r.eps_vol, 0.0, atol=1e-14)
    assert r.p[0] == pytest.approx(100e3)
    assert r.p[-1] < 100e3  # NC clay contracts -> p drops undrained


def test_stress_controlled_drained_triaxial_dh():
    r = element_test(DeviatoricHardening(), None, 100e3, "triaxial", "drained", "stress", 150e3, 30)
    np.testing.assert_allclose(r.q[1:], np.linspace(5e3, 150e3, 30), rtol=1e-8)
    assert np.all(np.diff(r.eps_axial) > 0)
