"""`mslearn demo --quick`: the whole pipeline (FEM-DEM -> dataset -> committee -> FEM-ML)."""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest


def test_demo_quick_pipeline(tmp_path):
    env = {**os.environ, "MSLEARN_CACHE": str(tmp_path / "cache")}
    out = tmp_path / "demo"
    r = subprocess.run(
        [sys.executable, "-m", "mslearn", "demo", "--quick", "--json", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    rep = json.loads(r.stdout.strip().splitlines()[-1])
    for key in (
        "speedup_per_iteration",
        "speedup_total",
        "top_force_rel_error",
        "test_stress_rel_error",
        "iterations_fem_dem",
        "iterations_fem_ml",
        "out_of_range_points",
        "first_step_top_force_rel_error",
        "medium_mesh_completed",
    ):
        assert key in rep, key
    assert rep["speedup_per_iteration"] > 1 and rep["speedup_total"] > 1
    assert math.isfinite(rep["top_force_rel_error"]) and rep["top_force_rel_error"] < 0.5
    assert rep["test_stress_rel_error"] < 0.5
    first = rep["first_step_top_force_rel_error"]
    assert math.isfinite(first) and 0 <= first < 1.0
    assert isinstance(rep["medium_mesh_completed"], bool)
    assert rep["medium_mesh_completed"] == rep["per_mesh"]["medium"]["fem_ml_completed"]
    md = (out / "report.md").read_text()
    assert "first step" in md and "medium mesh completed" in md
    for name in (
        "report.md",
        "report.json",
        "top_force.png",
        "volumetric_strain.png",
        "contours_coarse.png",
        "uncertainty_coarse.png",
        "gauss_point_histories.png",
        "learning_curves.png",
        "model/model.json",
        "dataset.zarr",
    ):
        assert (out / name).exists(), name


def test_first_step_error_is_relative_to_fem_dem():
    from mslearn.experiments.demo import first_step_error

    f_dem = np.array([50.0, 80.0, 120.0])
    assert first_step_error(np.array([70.0, 88.0]), f_dem) == pytest.approx(0.4)
    assert first_step_error(np.array([70.0, 88.0]), f_dem, 1) == pytest.approx(0.1)
    assert first_step_error(np.array([50.0]), f_dem, 1) is None


def test_training_arrays_take_every_fourth_medium_sample(tmp_path):
    from mslearn.data import PointDatasetWriter, RecordingMaterial
    from mslearn.experiments.demo import MEDIUM_STRIDE, training_arrays
    from mslearn.fem.solvers.implicit import NewtonOptions, StaticSolver
    from mslearn.learn.features import load_point_data
    from mslearn.materials import LinearElastic
    from mslearn.problems import BiaxialConfig

    runs = []
    for name, mesh in (("a", "coarse"), ("b", "medium")):
        prob = BiaxialConfig(nx=2, ny=4, element="Q4").build()
        writer = PointDatasetWriter(tmp_path / f"{name}.zarr", 3)
        mat = RecordingMaterial(
            LinearElastic(60e6, 0.3, prob.n_points, initial_pressure=1e5),
            writer,
            prob.disc.gauss_xy,
            prob.disc.n_quad,
        )
        StaticSolver(prob.disc, mat, prob.bcs, NewtonOptions(n_steps=3)).run()
        writer.flush()
        runs.append({"dataset": str(tmp_path / f"{name}.zarr"), "mesh": mesh})
    full = load_point_data(runs[1]["dataset"])
    a = training_arrays(runs)
    n0 = len(load_point_data(runs[0]["dataset"]).x)
    assert len(a.x) == n0 + len(full.x[::MEDIUM_STRIDE])
    np.testing.assert_array_equal(a.x[n0:], full.x[::MEDIUM_STRIDE])
    np.testing.assert_array_equal(np.unique(a.run), [0, 1])
    assert (a.run[:n0] == 0).all()
