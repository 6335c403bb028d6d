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
    assert math.isfinite(first) and 0 <= first < 0.5
    assert isinstance(rep["medium_mesh_completed"], bool)
    assert rep["medium_mesh_completed"] == rep["per_mesh"]["medium"]["fem_ml_completed"]
    md = (out / "report.md").read_text()
    assert "first load step" in md and "medium mesh completed" in md
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


def test_first_step_error_is_relative_to_fem_dem_at_step_one():
    from mslearn.experiments.demo import first_step_error

    f_dem = np.array([50.0, 80.0, 120.0])
    assert first_step_error(np.array([50.0, 88.0]), f_dem) == pytest.approx(0.1)
    assert first_step_error(np.array([50.0]), f_dem) is None
