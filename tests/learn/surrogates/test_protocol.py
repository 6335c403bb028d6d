"""Every surrogate kind implements one protocol; a new kind is a registered module."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
import torch

from mslearn.learn.persistence import SURROGATES, load_surrogate, register_surrogate
from mslearn.learn.surrogates import CommitteeSurrogate, SurrogateModel
from tests.learn.surrogates.kinds import KINDS, fitted, inputs_of

pytestmark = pytest.mark.property


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_a_surrogate_model_with_mean_and_spread(kind):
    model = fitted(kind)
    assert isinstance(model, SurrogateModel)
    assert model.kind in SURROGATES and SURROGATES[model.kind] is type(model)
    assert model.fitted and model.n_members == 3
    assert model.recurrent == (kind == "gru")
    x = inputs_of(kind)
    members = model.member_predictions(x)
    assert members.shape[0] == 3
    mean, spread = model.predict(x), model.uncertainty(x)
    assert mean.shape == spread.shape == members.shape[1:]
    assert mean.shape[-1] == len(model.outputs)
    np.testing.assert_allclose(mean, members.mean(axis=0), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(spread, members.std(axis=0, ddof=1), rtol=1e-12, atol=1e-9)
    assert (spread > 0).any()  # members differ by their initialisation


def test_point_mlp_predict_is_the_stress_of_respond():
    model = fitted("mlp-joint")
    x = inputs_of("mlp-joint")
    s, D, sd = model.respond(x)
    np.testing.assert_allclose(model.predict(x), s, rtol=1e-12)
    np.testing.assert_allclose(model.uncertainty(x), sd, rtol=1e-10, atol=1e-9)
    assert D.shape == (len(x), 3, 3)


@register_surrogate
class _LinearCommittee(CommitteeSurrogate):
    """A toy kind defined outside the package: members are y = w_m x."""

    kind: ClassVar[str] = "test_linear"
    inputs, outputs = ("x",), ("y",)

    def __init__(self, w=(1.0, 2.0)):
        self.w, self.fitted, self.meta = torch.tensor(w, dtype=torch.float64), True, {}

    @property
    def n_members(self):
        return len(self.w)

    def fit(self, x, y, **options):
        return {}

    def member_predictions(self, x):
        return self.w.numpy()[:, None, None] * np.asarray(x)[None]

    def to_record(self):
        return {"kind": self.kind, "architecture": {"members": self.n_members}, "fitted": True}

    def weights(self):
        return {"w": self.w}

    @classmethod
    def from_record(cls, record, weights):
        return cls(weights["w"].tolist())


def test_a_new_kind_is_a_registered_class_read_by_the_one_loader(tmp_path):
    model = _LinearCommittee((1.0, 3.0))
    loaded = load_surrogate(model.save(tmp_path / "lin"))
    assert isinstance(loaded, _LinearCommittee) and isinstance(loaded, SurrogateModel)
    x = np.array([[1.0], [2.0]])
    np.testing.assert_array_equal(loaded.predict(x), [[2.0], [4.0]])
    np.testing.assert_allclose(loaded.uncertainty(x), [[np.sqrt(2)], [2 * np.sqrt(2)]])
