"""Uncertainty maps of FEM-ML runs (issue 6 item 5, seed 001 Fig. 24)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.report.uncertainty_maps import (
    check_threshold,
    choose_steps,
    exceedance_summary,
    gauss_to_vertices,
    uncertainty_report,
)


def mslearn(*args):
    return subprocess.run(
        [sys.executable, "-m", "mslearn", *args], capture_output=True, text=True, timeout=300
    )


def test_exceedance_summary_where_and_when():
    steps = np.arange(5)
    unc = np.full((5, 6), 0.01)
    unc[2, [1, 4]] = 0.2  # first exceeded at step 2, points 1 and 4
    unc[3, [1, 2, 5]] = 0.15
    unc[4, 0] = 0.5
    s = exceedance_summary(steps, unc, 0.1)
    assert s["exceeded"] and s["first_step"] == 2 and s["first_loaded_step"] == 2
    assert s["first_step_points"] == [1, 4]
    assert s["points_ever_above"] == [0, 1, 2, 4, 5]
    assert s["fraction_points_ever_above"] == pytest.approx(5 / 6)
    assert s["steps_above"] == [2, 3, 4]
    assert s["fraction_above_per_step"] == {0: 0, 1: 0, 2: 2 / 6, 3: 3 / 6, 4: 1 / 6}
    assert (s["max"], s["max_step"], s["max_point"]) == (0.5, 4, 0)
    quiet = exceedance_summary(steps + 10, unc, 0.6)  # step numbers come from `steps`
    assert not quiet["exceeded"] and quiet["first_step"] is None
    assert quiet["first_loaded_step"] is None
    assert quiet["points_ever_above"] == [] and quiet["max_step"] == 14


@pytest.mark.parametrize("bad", [0, -0.1, 1.5, float("nan"), "abc"])
def test_threshold_outside_unit_interval_is_a_clear_error(bad):
    with pytest.raises(MslearnInputError, match=r"threshold is .*expected"):
        check_threshold(bad)
    assert check_threshold(1) == 1.0


def test_choose_steps_spreads_and_ends_at_the_last():
    assert choose_steps(np.arange(41)) == [10, 20, 30, 40]
    assert choose_steps(np.arange(3)) == [1, 2]
    assert choose_steps(np.array([0])) == [0]


def test_gauss_to_vertices_is_a_convex_interpolation():
    # two Q4 elements side by side, 4 Gauss points each
    pts = np.array([[0, 0], [1, 0], [2, 0], [0, 1], [1, 1], [2, 1]], float)
    cells = np.array([[0, 1, 4, 3], [1, 2, 5, 4]])
    g = 0.5 - 0.5 / np.sqrt(3), 0.5 + 0.5 / np.sqrt(3)
    gxy = np.array(
        [
            [x + dx, y]
            for dx in (0, 1)
            for x, y in [(g[0], g[0]), (g[1], g[0]), (g[1], g[1]), (g[0], g[1])]
        ]
    )
    const = gauss_to_vertices(pts, cells, gxy, np.full(8, 3.0))
    np.testing.assert_allclose(const, 3.0)
    vals = np.arange(8.0)
    v = gauss_to_vertices(pts, cells, gxy, vals)
    assert v.min() >= 0 and v.max() <= 7
    # a corner vertex takes most of its weight from the nearest Gauss point
    spike = np.zeros(8)
    spike[0] = 10.0
    w = gauss_to_vertices(pts, cells, gxy, spike)
    assert w[0] > 6 and w[1] < w[0] and w[2] == 0  # vertex 2 is away from element 0
    with pytest.raises(MslearnInputError, match="do not match"):
        gauss_to_vertices(pts, cells, gxy[:7], vals[:7])


@pytest.fixture(scope="module")
def fem_ml_run(tmp_path_factory):
    """A tiny committee (linear elastic data) and `mslearn fem-ml --smoke` with it."""
    from mslearn.learn.features import Arrays
    from mslearn.learn.fit import fit_surrogate
    from mslearn.learn.training import TrainOptions
    from mslearn.materials import LinearElastic

    tmp = tmp_path_factory.mktemp("umap")
    rng = np.random.default_rng(0)
    n = 1500
    mat = LinearElastic(50e6, 0.3, n, initial_pressure=1e5)
    eps = rng.uniform(-3e-2, 3e-2, (n, 3))
    r = mat.trial(eps)
    a = Arrays(
        np.hstack([eps, np.abs(eps)]),
        r.stress,
        r.stiffness,
        rng.integers(0, 4, n),
        rng.integers(0, 64, n),
    )
    sur, _ = fit_surrogate(
        a, TrainOptions(hidden=(16, 16), members=3, max_epochs=60, patience=60, lr=3e-3)
    )
    sur.save(tmp / "model")
    out = tmp / "run"
    res = mslearn(
        "fem-ml",
        "--model",
        str(tmp / "model"),
        "--smoke",
        "--quiet",
        "--json",
        "--out",
        str(out),
        "--uncertainty-threshold",
        "0.01",
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return out, json.loads(res.stdout.strip().splitlines()[-1])


def test_fem_ml_draws_the_maps_and_summarises(fem_ml_run):
    out, s = fem_ml_run
    unc = np.load(out / "uncertainty.npy")
    steps = np.load(out / "uncertainty_steps.npy")
    np.testing.assert_array_equal(steps, np.arange(unc.shape[0]))  # step 0 .. last
    assert unc.shape[1] == s["gauss_points"]
    for name in ("uncertainty_maps.png", "uncertainty.md"):
        assert (out / name).is_file(), name
    saved = json.loads((out / "summary.json").read_text())["uncertainty"]
    assert saved == s["uncertainty"]
    assert saved["threshold"] == 0.01
    truth = exceedance_summary(steps, unc, 0.01)
    assert saved["first_step"] == truth["first_step"]
    assert saved["max"] == pytest.approx(unc.max())
    # the run's own watch (RangeWatch) and the map summary agree on where and when
    assert s["uncertainty_exceeded_first_step"] == saved["first_step"]
    assert s["uncertainty_exceeded_points"] == saved["points_ever_above"]


def test_uncertainty_map_command(fem_ml_run, tmp_path):
    from typer.testing import CliRunner

    from mslearn.cli.main import app

    out, s = fem_ml_run
    r = mslearn("uncertainty-map", str(out), "--steps", "1,3", "--threshold", "0.5", "--json")
    assert r.returncode == 0, r.stderr
    j = json.loads(r.stdout.strip().splitlines()[-1])
    assert j["map_steps"] == [1, 3] and j["threshold"] == 0.5
    assert j["figure"] == "uncertainty_maps.png"
    md = (out / "uncertainty.md").read_text()
    assert "threshold 50 %" in md and "| 4 |" in md

    def bad(*args):
        res = CliRunner().invoke(app, list(args))
        assert res.exit_code == 2, res.output
        return res.stderr

    assert "--threshold is 1.5" in bad("uncertainty-map", str(out), "--threshold", "1.5")
    assert "[99]" in bad("uncertainty-map", str(out), "--steps", "99")
    assert "expected comma-separated" in bad("uncertainty-map", str(out), "--steps", "a,b")
    assert "uncertainty.npy" in bad("uncertainty-map", str(tmp_path))
    err = bad("fem-ml", "--model", "x", "--smoke", "--uncertainty-threshold", "0")
    assert "uncertainty_threshold is 0" in err


def test_report_without_summary_or_plot(tmp_path):
    np.save(tmp_path / "uncertainty.npy", np.array([[0.0, 0.3], [0.2, 0.05]]))
    s = uncertainty_report(tmp_path, threshold=0.1, plot=False)
    assert s["first_step"] == 0 and s["first_step_points"] == [1] and s["figure"] is None
    assert s["first_loaded_step"] == 1  # step 0 (the unloaded state) is reported apart
    assert "First exceeded at step 0" in (tmp_path / "uncertainty.md").read_text()
