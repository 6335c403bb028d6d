"""2D plane-strain Gauss-point data: calibration forward pass vs the FEM adapter, loss
masks, bounds from the DEM friction angles."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from mslearn.calibration.calibrate import (
    Batch,
    CalibrationOptions,
    calibrate,
    predict,
    stress_loss,
)
from mslearn.calibration.lm import LMOptions, levenberg_marquardt
from mslearn.constitutive.drivers import element_test
from mslearn.constitutive.factory import make_model
from mslearn.constitutive.integrate import IntegrationOptions
from mslearn.constitutive.material import TorchMaterial
from mslearn.constitutive.models.critical_state import q2_and_m
from mslearn.core.errors import MslearnInputError
from mslearn.data.sequences import SequenceDataset, load, save
from mslearn.experiments.femdem_calibration import (
    data_mask,
    m_plane_strain,
    material_bounds,
    size_with,
)

OPTS = IntegrationOptions(delta_r=0.03, eps_ref=2e-3, substep_rule="linear")


def _dem_like_paths(n_steps: int = 12) -> np.ndarray:
    """(2, S, 3) tension-positive plane-strain strain paths: biaxial compression with
    dilation, and one with shear (as recorded at FEM-DEM Gauss points)."""
    t = np.linspace(0.0, 1.0, n_steps + 1)[1:, None]
    a = np.hstack([0.03 * t, -0.04 * t, 0.0 * t])
    b = np.hstack([0.02 * t, -0.03 * t, 0.02 * t])
    return np.stack([a, b])


def test_calibration_forward_equals_fem_adapter_in_plane_strain():
    """The calibration loss sees exactly the stress the FEM material returns: same
    eps_33 = 0 embedding, same isotropic 3D start p0 I (sigma_33 = p0), same in-plane
    projection, increment by increment (so a sigma_33 mismatch between the two cannot
    be the cause of a FEM plateau error)."""
    model = make_model("csuh", "exponential")
    eps = _dem_like_paths()
    ds = SequenceDataset(eps, np.zeros_like(eps), np.arange(eps.shape[1]), np.full(2, 100e3))
    prm = {k: torch.tensor(v, dtype=torch.float64) for k, v in model.defaults().items()}
    for i in range(2):  # the sub-step count is shared by a batch: one curve at a time
        with torch.no_grad():
            pred = predict(model, prm, Batch.from_dataset(ds.subset([i])), OPTS).numpy()
        mat = TorchMaterial(model, None, 1, dim=2, initial_pressure=100e3, options=OPTS)
        s33 = []
        for k in range(eps.shape[1]):
            r = mat.trial(eps[i, k][None])
            mat.commit()
            np.testing.assert_allclose(r.stress[0], pred[0, k], rtol=1e-10, atol=1e-6)
            s33.append(r.extras["stress_33"][0])
        # sigma_33 is the plane-strain reaction, not zero and not the 2D mean stress
        s33 = np.array(s33)
        assert np.all(s33 < 0) and np.all(np.isfinite(s33))
        assert not np.allclose(s33, (pred[0, :, 0] + pred[0, :, 1]) / 2, rtol=1e-3)


def test_m_plane_strain_matches_the_model_lode_function():
    """At the plane-strain critical state (sigma_33 = (sigma_11 + sigma_22)/2, Lode angle
    0) with 2D friction angle phi, q/p = sqrt(3) sin phi is M(theta) of the model."""
    model = make_model("csuh", "exponential")
    for phi in (15.0, 20.2, 30.7):
        m = m_plane_strain(phi)
        sin = math.sin(math.radians(phi))
        s1, s3 = 1.0 + sin, 1.0 - sin  # compression positive, (s1 + s3)/2 = 1
        sig = torch.tensor([[s3, s1, 1.0, 0.0, 0.0, 0.0]], dtype=torch.float64)
        prm = {**model.defaults(), "M": m}
        ctx = model.prepare({k: torch.tensor(v, dtype=torch.float64) for k, v in prm.items()})
        q2, m_theta = q2_and_m(sig, torch.tensor(m, dtype=torch.float64), model.lode, ctx)
        assert float(torch.sqrt(q2)) == pytest.approx(math.sqrt(3) * sin, rel=1e-12)
        assert float(m_theta[0]) == pytest.approx(math.sqrt(3) * sin, rel=1e-8)
    m_none = m_plane_strain(25.0, "none")
    assert m_none == pytest.approx(math.sqrt(3) * math.sin(math.radians(25.0)))
    sin25 = math.sin(math.radians(25.0))
    assert m_none < m_plane_strain(25.0) < 6 * sin25 / (3 - sin25)
    with pytest.raises(MslearnInputError, match="phi = 70"):
        m_plane_strain(70.0)


@pytest.mark.slow
def test_m_plane_strain_is_the_element_test_critical_friction_angle():
    """A drained plane-strain biaxial element test with M = m_plane_strain(25 deg) ends
    (80 % axial strain, critical state) at a mobilised 2D friction angle of 25 deg
    (measured 25.01 deg; ~80 s on the loaded 2-core machine)."""
    model = make_model("csuh", "exponential")
    prm = {**model.defaults(), "M": m_plane_strain(25.0), "kappa": 0.02}
    r = element_test(model, prm, 100e3, "biaxial", target=0.8, n_steps=100)
    s1, s3 = -r.stress[-1, 1], -r.stress[-1, 0]
    assert math.degrees(math.asin((s1 - s3) / (s1 + s3))) == pytest.approx(25.0, abs=0.3)


def test_material_bounds_and_choices():
    b = material_bounds(size_with("full"), "csuh", "exponential")
    lo, hi = b["M"]
    assert lo == pytest.approx(m_plane_strain(15.2)) and hi == pytest.approx(m_plane_strain(35.7))
    assert lo < 0.8  # below Table 1: the footing material's range excludes our RVEs
    assert material_bounds(size_with("full", bounds="table1"), "csuh", "exponential") == {}
    with pytest.raises(MslearnInputError, match="bounds = 'x'"):
        material_bounds(size_with("full", bounds="x"), "csuh", "exponential")
    with pytest.raises(MslearnInputError, match="phi_cs = 40"):
        material_bounds(size_with("full", phi_cs=40.0), "csuh", "exponential")


def test_data_mask_cuts_each_curve_at_its_first_inadmissible_step(tmp_path):
    s = np.tile(np.array([-100e3, -200e3, 0.0]), (3, 5, 1))
    s[1, 2] = [20e3, -30e3, 0.0]  # tension: p2 = 5 kPa < 10 kPa
    s[2, 3] = [-1e3, -100e3, 0.0]  # sin phi = 0.98
    ds = SequenceDataset(np.zeros_like(s), s, np.arange(5), np.full(3, 100e3))
    m = data_mask(ds)
    assert m[0].all()
    assert m[1].tolist() == [True, True, False, False, False]
    assert m[2].tolist() == [True, True, True, False, False]
    ds.mask = m
    save(ds, tmp_path / "d.npz")
    back = load(tmp_path / "d.npz")
    assert np.array_equal(back.mask, m) and np.array_equal(back.subset([2]).mask, m[2:])
    assert back.steps(2).mask.shape == (3, 2) and back.steps(2).strain.shape == (3, 2, 3)
    with pytest.raises(MslearnInputError, match="mask has shape"):
        SequenceDataset(ds.strain, ds.stress, ds.time, ds.initial_pressure, mask=m[:, :2])


def test_masked_rows_leave_the_loss_even_when_not_finite():
    target = torch.tensor([[[1.0, 2.0, 0.0], [3.0, 4.0, 0.0]]])
    pred = target.clone()
    pred[0, 1] = float("nan")
    mask = torch.tensor([[True, False]])
    assert float(stress_loss(pred, target, mask)) == 0.0
    pred[0, 0, 0] = 2.0
    assert float(stress_loss(pred, target, mask)) == pytest.approx(1.0 / 5.0)


def test_bounds_override_in_adam_and_lm():
    """M below Table 1 (0.8) is reachable with overridden bounds, and only then."""
    model = make_model("csuh", "none")
    truth = {**model.defaults(), "M": 0.6}
    eps = _dem_like_paths(8)
    ds0 = SequenceDataset(eps, np.zeros_like(eps), np.arange(8), np.full(2, 100e3))
    prm = {k: torch.tensor(v, dtype=torch.float64) for k, v in truth.items()}
    with torch.no_grad():
        sig = predict(model, prm, Batch.from_dataset(ds0), OPTS).numpy()
    ds = SequenceDataset(eps, sig, np.arange(8), np.full(2, 100e3))
    start = {**model.defaults(), "M": 0.9}
    free = LMOptions(max_iter=20, bounds={"M": (0.4, 2.0)})
    lm = levenberg_marquardt(model, ds, start, ("M",), OPTS, free)
    assert lm.params["M"] == pytest.approx(0.6, rel=1e-4)
    lm1 = levenberg_marquardt(model, ds, start, ("M",), OPTS, LMOptions(max_iter=20))
    assert lm1.params["M"] == pytest.approx(0.8)  # Table 1 lower bound active
    with pytest.raises(MslearnInputError, match="outside its physical bounds"):
        levenberg_marquardt(model, ds, {**start, "M": 0.6}, ("M",), OPTS, LMOptions())
    with pytest.raises(MslearnInputError, match="bounds: 'X'"):
        calibrate(model, ds, start, CalibrationOptions(epochs=1, bounds={"X": (0, 1)}))
    with pytest.raises(MslearnInputError, match="expected finite lower < upper"):
        calibrate(model, ds, start, CalibrationOptions(epochs=1, bounds={"M": (1.0, 0.5)}))
    res = calibrate(
        model, ds, start, CalibrationOptions(epochs=3, trainable=("M",), bounds={"M": (0.4, 2)})
    )
    assert res.history["penalty"][0] == 0.0 and res.params["M"] < 0.9
