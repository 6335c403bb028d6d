"""The labeller seam: the loop asks any registered labeller, never the DEM directly."""

import numpy as np
import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.learn.active.config import ActiveLearnConfig
from mslearn.learn.active.labeller import LABELLERS, Labeller, make_labeller, register_labeller
from mslearn.learn.active.labelling import DEMLabeller
from mslearn.learn.active.loop import Experiment

pytestmark = pytest.mark.property


class LinearLabeller:
    """An elastic 'micro model': sigma_a = E eps_a, lateral stress held at -p0."""

    calls = 0

    def __init__(self, options) -> None:
        self.options = options

    def label(self, paths):
        LinearLabeller.calls += 1
        out = [
            {"eps_a": p, "eps_l": -0.3 * p, "sig_a": 1e8 * p, "sig_l": np.full_like(p, -2e5)}
            for p in paths
        ]
        return out, []


def test_the_dem_labeller_is_a_labeller():
    assert issubclass(DEMLabeller, Labeller) and LABELLERS["dem"] is DEMLabeller
    with pytest.raises(MslearnInputError, match="unknown labeller 'fft'"):
        make_labeller("fft", None)


def test_the_loop_labels_through_the_registry(tmp_path, monkeypatch):
    monkeypatch.setitem(LABELLERS, "dem", LABELLERS["dem"])
    register_labeller("dem", LinearLabeller)  # the loop must not import the DEM itself
    exp = Experiment.create(ActiveLearnConfig(), tmp_path)
    idx = exp.candidates[:3]
    labelled, failures = exp.ensure_labels(idx)
    assert LinearLabeller.calls == 1 and not failures
    assert sorted(labelled) == sorted(int(i) for i in idx)
    got = exp.store.get(exp.store.keys()[0])
    np.testing.assert_allclose(got["sig_a"], 1e8 * got["eps_a"])
