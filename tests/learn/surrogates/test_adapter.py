"""CommitteeMaterial: any committee behind the material seam, with trial / commit."""

from __future__ import annotations

import numpy as np
import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.learn.adapter import CommitteeMaterial
from mslearn.learn.surrogates import GRUCommittee
from mslearn.learn.surrogates.mlp import SurrogateMaterial
from mslearn.materials.base import MaterialModel
from mslearn.materials.config import material_config
from tests.learn.surrogates.kinds import KINDS, fitted, sequences

pytestmark = pytest.mark.property

STRAIN = np.array([[1e-3, -2e-3, 5e-4], [-5e-4, -4e-3, -1e-3], [2e-3, -6e-3, 0.0]])


def _material(kind: str, n: int = 3) -> CommitteeMaterial:
    return CommitteeMaterial(fitted(kind), n, dim=2)


@pytest.mark.parametrize("kind", KINDS)
def test_trial_never_changes_the_committed_state(kind):
    mat = _material(kind)
    assert isinstance(mat, MaterialModel) and mat.features.history
    mat.trial(STRAIN / 2)
    mat.commit()
    before = mat.state_dict()
    a = mat.trial(STRAIN)
    mat.trial(-STRAIN)  # another Newton iterate
    b = mat.trial(STRAIN)
    np.testing.assert_array_equal(a.stress, b.stress)
    np.testing.assert_array_equal(a.stiffness, b.stiffness)
    for k, v in mat.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    assert a.extras["stress_std"].shape == (3, 3) and a.extras["uncertainty"].shape == (3,)
    assert a.kind == mat.features.tangent


def test_a_recurrent_committee_keeps_its_hidden_state_between_commits():
    mat = _material("gru")
    first = mat.trial(STRAIN)
    mat.commit()
    again = mat.trial(STRAIN)  # same total strain, one committed step later
    assert not np.allclose(first.stress, again.stress)
    assert mat.state_dict()["hidden"].shape == (3, 3, 1, 8)  # (n, members, layers, hidden)


@pytest.mark.parametrize("kind", KINDS)
def test_checkpoint_restores_the_committed_state(kind):
    mat, fresh = _material(kind), _material(kind)
    for f in (0.3, 0.6):
        mat.trial(STRAIN * f)
        mat.commit()
    fresh.load_state_dict(mat.state_dict())
    np.testing.assert_array_equal(fresh.trial(STRAIN).stress, mat.trial(STRAIN).stress)
    with pytest.raises(MslearnInputError, match="state lacks"):
        fresh.load_state_dict({})


@pytest.mark.parametrize(("kind", "rtol"), [("gru", 1e-6), ("history_mlp", 2e-3)])
def test_autodiff_tangent_matches_central_differences(kind, rtol):
    mat = _material(kind)
    mat.trial(STRAIN / 3)
    mat.commit()
    eps = STRAIN * 0.8
    D = mat.trial(eps).stiffness
    assert mat.features.tangent == "tangent"
    h = 1e-7 if kind == "gru" else 2e-6
    fd = np.stack(
        [
            (mat.trial(eps + h * e).stress - mat.trial(eps - h * e).stress) / (2 * h)
            for e in np.eye(3)
        ],
        axis=2,
    )
    np.testing.assert_allclose(D, fd, rtol=rtol, atol=rtol * np.abs(fd).max())


@pytest.mark.parametrize("kind", ["gru", "history_mlp"])
def test_stepping_through_the_seam_reproduces_the_sequence_prediction(kind):
    model = fitted(kind)
    x = sequences()[0][:5]
    pred = model.predict(x)
    mat = CommitteeMaterial(model, 5)
    first = 1 if model.recurrent else 0  # a GRU starts from the state after x = 0
    for t in range(first, x.shape[1]):
        r = mat.trial(x[:, t])
        mat.commit()
        np.testing.assert_allclose(r.stress, pred[:, t], rtol=1e-5, atol=1e-6 * np.abs(pred).max())


def test_features_ranges_and_dimension_checks():
    joint, auto = _material("mlp-joint"), _material("mlp-autodiff")
    assert joint.features.tangent == "secant" and auto.features.tangent == "tangent"
    assert _material("gru").features.describe().startswith("plane strain, small_strain")
    r = joint.trial(STRAIN * 100)
    assert (r.extras["out_of_range"] == 1).all()
    assert (_material("gru").trial(STRAIN * 0.1).extras["out_of_range"] == 0).all()
    with pytest.raises(MslearnInputError, match="trained for 3 stress components.*3D"):
        CommitteeMaterial(fitted("gru"), 4, dim=3)
    with pytest.raises(MslearnInputError, match="1 inputs and 1 outputs cannot act as a material"):
        CommitteeMaterial(GRUCommittee(1, 1, hidden=4, members=2), 4)
    assert SurrogateMaterial is CommitteeMaterial


@pytest.mark.parametrize("kind", ["mlp-separate", "gru", "history_mlp"])
def test_the_surrogate_material_config_builds_the_adapter_for_any_kind(tmp_path, kind):
    folder = fitted(kind).save(tmp_path / kind)
    mat = material_config({"type": "surrogate", "model": str(folder)}).build(3, 2)
    assert isinstance(mat, CommitteeMaterial) and mat.model.kind == fitted(kind).kind
    np.testing.assert_array_equal(mat.trial(STRAIN).stress, _material(kind).trial(STRAIN).stress)
