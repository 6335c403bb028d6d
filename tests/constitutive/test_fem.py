"""The constitutive models as FEM materials: a small biaxial BVP, configs, checkpoints."""

from __future__ import annotations

import json

import numpy as np
import pytest

import mslearn.constitutive  # noqa: F401 (registers the configs)
from mslearn.constitutive.material import TorchMaterial
from mslearn.constitutive.models import CSUH, ModifiedCamClay
from mslearn.core.errors import MslearnInputError
from mslearn.fem.solvers.implicit import NewtonOptions, StaticSolver
from mslearn.materials.config import material_config
from mslearn.problems.biaxial import BiaxialConfig


@pytest.mark.parametrize("tangent", ["continuum", "consistent"])
def test_biaxial_fem_with_csuh_material(tangent):
    prob = BiaxialConfig(nx=1, ny=2, element="Q4", axial_strain=0.01, platens="smooth").build()
    cfg = material_config({"type": "csuh", "tangent": tangent})
    mat = cfg.build(prob.n_points, 2, prob.initial_pressure)
    res = StaticSolver(prob.disc, mat, prob.bcs, NewtonOptions(n_steps=5)).run()
    assert res.completed
    s = res.final.response.stress
    assert np.all(s[:, 1] < -prob.initial_pressure)  # axial stress grew (compression)
    np.testing.assert_allclose(s[:, 0], -prob.initial_pressure, rtol=1e-4)


def test_consistent_tangent_matches_finite_differences():
    mat = TorchMaterial(CSUH(), None, 2, dim=2, initial_pressure=100e3, tangent="consistent")
    eps = np.array([[-2.1e-3, 1.1e-3, 5e-4], [-1e-3, -1.2e-3, 2e-3]])  # T fixed (Eq. 16)
    r = mat.trial(eps)
    h = 1e-7
    for j in range(3):
        e1, e2 = eps.copy(), eps.copy()
        e1[:, j] += h
        e2[:, j] -= h
        fd = (mat.trial(e1).stress - mat.trial(e2).stress) / (2 * h)
        np.testing.assert_allclose(r.stiffness[:, :, j], fd, rtol=1e-5, atol=1e-3)


def test_state_dict_round_trip_and_trial_does_not_commit():
    mat = TorchMaterial(ModifiedCamClay(), None, 3, dim=3, initial_pressure=50e3)
    e = np.zeros((3, 6))
    e[:, 0] = -1e-3
    r1 = mat.trial(e)
    mat.commit()
    sd = mat.state_dict()
    e2 = e.copy()
    e2[:, 0] = -2e-3
    r2 = mat.trial(e2)
    mat.load_state_dict(sd)
    np.testing.assert_allclose(mat.trial(e2).stress, r2.stress)
    np.testing.assert_allclose(mat.trial(e).stress, r1.stress)


def test_config_reads_calibrated_params_and_rejects_bad_input(tmp_path):
    f = tmp_path / "params.json"
    f.write_text(json.dumps({"M": 1.1, "kappa": 0.05}))
    mat = material_config({"type": "mcc", "params_file": str(f)}).build(2, 2, 100e3)
    assert float(mat.params["M"]) == 1.1
    with pytest.raises(Exception, match="unknown parameters"):
        material_config({"type": "csuh", "params": {"bogus": 1.0}})
    with pytest.raises(MslearnInputError, match="initial_pressure"):
        material_config({"type": "csuh"}).build(2, 2, 0.0)
