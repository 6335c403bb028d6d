"""Training budgets never depend on the clock: no default size of the demo, the resampling
study or the FEM-DEM calibration study sets a wall-clock limit, and training a committee
twice with the same seed gives the same weights and metrics."""

import dataclasses

import numpy as np
import pytest
import torch

from mslearn.calibration.calibrate import CalibrationOptions
from mslearn.calibration.lm import LMOptions
from mslearn.experiments import demo, femdem_calibration, resampling
from mslearn.learn.fit import fit_surrogate
from mslearn.learn.training import TrainOptions


def _no_clock_keys(table: dict) -> None:
    """No entry in seconds (``*_s``, ``*seconds*``, ``*time_limit*``) unless it is None."""
    for key, value in table.items():
        clock = key.endswith("_s") or "seconds" in key or "time_limit" in key
        assert not clock or value is None, key


@pytest.mark.parametrize("name", sorted(demo.SIZES))
def test_demo_sizes_train_on_epochs_only(name):
    size = demo.SIZES[name]
    _no_clock_keys(size)
    opt = demo.train_options(size)
    assert opt.time_limit_s is None
    assert 0 < opt.max_epochs <= 10_000 and opt.patience > 0


@pytest.mark.parametrize("name", sorted(resampling.SIZES))
@pytest.mark.parametrize("rows", [100, 57_120, 265_344])
def test_resampling_sizes_train_on_a_sample_or_epoch_budget_only(name, rows):
    size = resampling.SIZES[name]
    _no_clock_keys(size)
    opts = resampling.ResampleOptions(size=name)
    assert opts.train_s is None
    train = resampling.train_options(opts, size, rows)
    assert train.time_limit_s is None
    assert 1 <= train.max_epochs <= size["max_epochs"]
    if size["train_samples"] is not None:  # about the same compute whatever the set's size
        assert train.max_epochs == min(size["max_epochs"], -(-size["train_samples"] // rows))
    fixed = resampling.train_options(dataclasses.replace(opts, epochs=7), size, rows)
    assert fixed.max_epochs == 7 and fixed.time_limit_s is None


def test_resampling_epoch_budget_grows_as_the_set_shrinks():
    size = resampling.SIZES["full"]
    opts = resampling.ResampleOptions()
    coarse, fine = (resampling.epoch_budget(opts, size, n) for n in (57_120, 265_344))
    assert coarse > fine >= 100  # the fine set's best epochs came within the first 90


def test_resampling_rejects_a_bad_epoch_budget():
    from mslearn.core.errors import MslearnInputError

    with pytest.raises(MslearnInputError, match="epochs"):
        resampling.ResampleOptions(epochs=0).check()


@pytest.mark.parametrize("name", sorted(femdem_calibration.SIZES))
def test_femdem_calibration_sizes_have_no_wall_clock_budget(name):
    size = femdem_calibration.SIZES[name]
    _no_clock_keys(dataclasses.asdict(size))
    assert size.max_seconds is None
    assert size.epochs > 0 and size.lm_iter >= 0


def test_library_defaults_have_no_wall_clock_budget():
    assert TrainOptions().time_limit_s is None
    assert CalibrationOptions().max_seconds is None
    assert LMOptions().max_seconds is None


def _smoke_arrays(n: int = 240, seed: int = 3):
    from mslearn.learn.features import Arrays

    rng = np.random.default_rng(seed)
    strain = rng.normal(scale=1e-3, size=(n, 3))
    phi = rng.normal(scale=1e-3, size=(n, 3))  # x is (N, 2 nv)
    stress = 1e8 * strain @ rng.normal(size=(3, 3)) + 1e5
    stiffness = np.broadcast_to(1e8 * np.eye(3), (n, 3, 3)).copy()
    run = np.zeros(n, int)
    point = np.arange(n) % 24
    return Arrays(np.hstack([strain, phi]), stress, stiffness, run, point)


def test_training_twice_with_the_same_seed_gives_identical_weights_and_metrics():
    """At smoke size with the demo's options (epochs, no clock): bit-identical twice."""
    opt = dataclasses.replace(
        demo.train_options(demo.SIZES["quick"]), max_epochs=30, patience=20, hidden=(8, 8)
    )
    a = _smoke_arrays()
    runs = [fit_surrogate(a, opt, mode="joint", split_by="point") for _ in range(2)]
    (s1, r1), (s2, r2) = runs
    assert r1["metrics"] == r2["metrics"]
    c1, c2 = r1["curves"]["joint"], r2["curves"]["joint"]
    for key in ("epochs", "train", "val", "best_epoch", "stopped_by", "epochs_run"):
        assert c1[key] == c2[key], key
    assert c1["stopped_by"] in ("max_epochs", "early_stopping")
    assert s1.nets.keys() == s2.nets.keys() and s1.nets
    for name in s1.nets:
        w1, w2 = s1.nets[name].state_dict(), s2.nets[name].state_dict()
        assert w1.keys() == w2.keys()
        for k in w1:
            assert torch.equal(w1[k], w2[k]), (name, k)


def test_resample_cli_keeps_train_s_as_an_optional_cap_and_offers_epochs():
    from typer.testing import CliRunner

    from mslearn.cli.main import app

    r = CliRunner().invoke(app, ["al-resample", "--help"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    assert "--epochs" in r.output and "--train-s" in r.output
