"""`mslearn demo --quick`: the whole pipeline (FEM-DEM -> dataset -> committee -> FEM-ML)."""

import json
import math
import os
import subprocess
import sys


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
    ):
        assert key in rep, key
    assert rep["speedup_per_iteration"] > 1 and rep["speedup_total"] > 1
    assert math.isfinite(rep["top_force_rel_error"]) and rep["top_force_rel_error"] < 0.5
    assert rep["test_stress_rel_error"] < 0.5
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
