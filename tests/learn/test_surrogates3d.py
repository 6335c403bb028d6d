"""Surrogate committees with six Voigt components (3D): a point MLP committee trained on
3D Drucker-Prager data recorded along random strain paths, saved, loaded and evaluated
through the seam adapter at dim = 3; 2D/3D mismatches are one clear error; the sequence
kinds (GRU, history MLP) accept nv = 6."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.data.recorder import RecordingMaterial
from mslearn.data.store import PointDatasetWriter, open_dataset
from mslearn.learn.adapter import CommitteeMaterial
from mslearn.learn.features import load_point_data
from mslearn.learn.fit import fit_surrogate
from mslearn.learn.persistence import load_surrogate
from mslearn.learn.surrogates import GRUCommittee, HistoryMLPCommittee
from mslearn.learn.surrogates.mlp import MLPCommittee
from mslearn.learn.training import TrainOptions
from mslearn.materials import DruckerPrager
from mslearn.materials.config import material_config

P0 = 100e3


def dp3d(n: int, dim: int = 3) -> DruckerPrager:
    return DruckerPrager.mohr_coulomb_plane_strain(
        50e6, 0.3, 10e3, np.radians(30), n, dim=dim, initial_pressure=P0, hardening=5e6
    )


def random_walks(n_paths: int, n_steps: int, nv: int, seed: int, scale: float = 4e-4):
    """(steps, paths, nv) tension-positive strain walks with a compressive drift."""
    rng = np.random.default_rng(seed)
    d = scale * rng.standard_normal((n_steps, n_paths, nv))
    d[..., 0] -= 0.5 * scale  # drift in axial compression: the paths reach the cone
    return np.cumsum(d, axis=0)


def record_point_data(path, n_paths=80, n_steps=10, dim=3, seed=0):
    """A point dataset (nv = 6 for dim 3) of Drucker-Prager along random strain walks,
    as a FEM run records it: per step a Newton-like trial at the midpoint (not
    converged), then the converged trial and its commit."""
    nv = 6 if dim == 3 else 3
    writer = PointDatasetWriter(path, nv=nv, dim=dim, attrs={"initial_pressure": P0})
    coords = np.zeros((n_paths, dim))
    mat = RecordingMaterial(dp3d(n_paths, dim), writer, coords, n_quad=1)
    eps = random_walks(n_paths, n_steps, nv, seed)
    prev = np.zeros((n_paths, nv))
    for k in range(n_steps):
        mat.trial(0.5 * (prev + eps[k]))
        mat.trial(eps[k])
        mat.commit()
        prev = eps[k]
    writer.flush()
    return path


@pytest.fixture(scope="module")
def data3d(tmp_path_factory):
    return record_point_data(tmp_path_factory.mktemp("dp3d") / "points.zarr")


@pytest.fixture(scope="module")
def trained(data3d, tmp_path_factory):
    opts = TrainOptions(
        hidden=(32, 32), members=3, max_epochs=100, batch_size=64, lr=3e-3, activation="tanh",
        seed=1,
    )  # fmt: skip
    model, report = fit_surrogate(data3d, opts, mode="separate")
    folder = model.save(tmp_path_factory.mktemp("models") / "mlp3d")
    return model, report, folder


def test_3d_point_data_feeds_nv6_features(data3d):
    a = load_point_data(data3d)
    assert a.nv == 6 and a.x.shape == (1600, 12) and a.stiffness.shape == (1600, 6, 6)
    g = open_dataset(data3d)
    assert g.attrs["voigt_order"] == "[11, 22, 33, 23, 13, 12]" and g.attrs["n_voigt"] == 6
    conv = g["converged"][:]
    assert conv.sum() == 800  # one converged row per point and step
    # phi of a row is the history of the last *converged* step
    y = g["stress"][:][conv]
    assert (np.abs(y[:, 3:]) > 0).any(), "shear stresses must be exercised"


def test_train_save_load_and_evaluate_at_dim3(trained, data3d):
    """A small committee (separate stress and D networks) on 1600 3D rows: the test stress
    error is small and far below the trivial predictor's (the mean stress), the saved
    folder records nv = 6 and the 3D Voigt names, the loaded model predicts the same
    numbers, and the adapter at dim = 3 answers (n, 6) stress and (n, 6, 6) D equal to
    the committee's own response to (strain, phi of the committed steps)."""
    model, report, folder = trained
    m = report["metrics"]
    a = load_point_data(data3d)
    trivial = np.linalg.norm(a.stress - a.stress.mean(0)) / np.linalg.norm(a.stress)
    assert m["test_stress_rel_error"] < min(0.1, 0.25 * trivial), m  # measured 0.046 vs 0.44
    rec = json.loads((folder / "model.json").read_text())
    assert rec["architecture"]["nv"] == 6
    assert rec["features"]["inputs"][:6] == [
        f"strain_{c}" for c in ("11", "22", "33", "23", "13", "12")
    ]
    nets = rec["architecture"]["nets"]
    assert nets["stress"]["sizes"] == [12, 32, 32, 6]
    assert nets["stiffness"]["sizes"] == [12, 32, 32, 36]
    back = load_surrogate(folder)
    for u, v in zip(back.respond(a.x[:50]), model.respond(a.x[:50]), strict=True):
        np.testing.assert_array_equal(u, v)

    n, steps = 4, random_walks(4, 5, 6, seed=7)
    mat = material_config({"type": "surrogate", "model": str(folder)}).build(n, 3)
    assert isinstance(mat, CommitteeMaterial) and mat.features.dim == 3 and mat.n_voigt == 6
    phi, prev = np.zeros((n, 6)), np.zeros((n, 6))
    ref = dp3d(n)
    for eps in steps:
        r = mat.trial(eps)
        assert r.stress.shape == (n, 6) and r.stiffness.shape == (n, 6, 6)
        s, D, _ = back.respond(np.hstack([eps, phi]))
        np.testing.assert_allclose(r.stress, s, rtol=1e-12)
        np.testing.assert_allclose(r.stiffness, 0.5 * (D + np.swapaxes(D, 1, 2)), rtol=1e-12)
        mat.commit()
        phi, prev = phi + np.abs(eps - prev), eps
        truth = ref.trial(eps).stress
        ref.commit()
    err = np.linalg.norm(r.stress - truth) / np.linalg.norm(truth)
    assert err < 0.1, err  # the surrogate follows the reference law along a fresh path


def test_dimension_mismatch_is_one_clear_input_error(trained, tmp_path):
    """A 3D model offered to a plane-strain problem, and a 2D model to a 3D one."""
    model, _, folder = trained
    with pytest.raises(MslearnInputError) as e3:
        material_config({"type": "surrogate", "model": str(folder)}).build(4, 2)
    msg = str(e3.value)
    assert "\n" not in msg and "6 stress components (3D)" in msg and "plane strain" in msg
    path2 = record_point_data(tmp_path / "p2.zarr", n_paths=10, n_steps=3, dim=2)
    m2, _ = fit_surrogate(path2, TrainOptions(hidden=(4,), members=1, max_epochs=1))
    assert m2.nv == 3
    with pytest.raises(MslearnInputError) as e2:
        CommitteeMaterial(m2, 4, dim=3)
    msg = str(e2.value)
    assert "\n" not in msg and "3 stress components (2D)" in msg and "3D (6)" in msg
    with pytest.raises(MslearnInputError, match="dim is 4|expected 2"):
        CommitteeMaterial(model, 4, dim=4)


@pytest.mark.property
def test_autodiff_committee_tangent_at_dim3_matches_central_differences(data3d):
    a = load_point_data(data3d)
    model = MLPCommittee("autodiff")
    opts = TrainOptions(hidden=(16,), members=2, max_epochs=5, activation="tanh")
    model.fit(a.x, a.stress, options=opts)
    assert model.nv == 6
    mat = CommitteeMaterial(model, 3, dim=3)
    assert mat.features.tangent == "tangent"
    mat.trial(np.full((3, 6), -2e-4))
    mat.commit()
    eps = random_walks(3, 1, 6, seed=3)[0]
    D = mat.trial(eps).stiffness
    x = np.hstack([eps, mat.state_dict()["phi"]])
    raw = model.respond(x)[1]
    h = 1e-7
    fd = np.stack(
        [
            (model.respond(x + h * e)[0] - model.respond(x - h * e)[0]) / (2 * h)
            for e in np.eye(12)[:6]
        ],
        axis=2,
    )
    np.testing.assert_allclose(raw, fd, rtol=0, atol=1e-6 * np.abs(fd).max())
    # the point-MLP adapter symmetrises D, also the autodiff one (as in 2D)
    np.testing.assert_allclose(D, 0.5 * (raw + np.swapaxes(raw, 1, 2)), rtol=1e-12)


def sequences3d(n_paths=12, n_steps=10):
    """(paths, steps, 6) strain and Drucker-Prager stress [Pa] along random walks."""
    eps = random_walks(n_paths, n_steps, 6, seed=4)
    mat = dp3d(n_paths)
    sig = []
    for e in eps:
        sig.append(mat.trial(e).stress)
        mat.commit()
    return np.swapaxes(eps, 0, 1), np.swapaxes(np.array(sig), 0, 1)


@pytest.mark.parametrize("cls", [GRUCommittee, HistoryMLPCommittee])
def test_sequence_kinds_accept_six_components(cls, tmp_path):
    """GRU and history-MLP committees map strain (6) -> stress (6): they fit, serve the
    seam at dim = 3 (stepping reproduces predict), round-trip through the save format
    and refuse a plane-strain problem."""
    x, y = sequences3d()
    x = np.concatenate([np.zeros((len(x), 1, 6)), x], axis=1)  # paths start unstrained
    y = np.concatenate([np.tile([-P0, -P0, -P0, 0, 0, 0], (len(y), 1, 1)), y], axis=1)
    model = cls(6, 6, hidden=8, members=2)
    model.fit(x, y, iterations=20)
    assert model.seam_voigt() == 6
    pred = model.predict(x[:3])
    assert pred.shape == (3, x.shape[1], 6)
    mat = CommitteeMaterial(model, 3, dim=3)
    first = 1 if model.recurrent else 0
    for t in range(first, x.shape[1]):
        r = mat.trial(x[:3, t])
        mat.commit()
        assert r.stress.shape == (3, 6) and r.stiffness.shape == (3, 6, 6)
        np.testing.assert_allclose(r.stress, pred[:, t], rtol=1e-5, atol=1e-6 * np.abs(pred).max())
    back = load_surrogate(model.save(tmp_path / cls.kind))
    np.testing.assert_allclose(back.predict(x[:3]), pred, rtol=1e-6)
    with pytest.raises(MslearnInputError, match="6 stress components"):
        CommitteeMaterial(back, 3, dim=2)
