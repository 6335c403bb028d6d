"""`mslearn fem-dem` and `mslearn generate` in smoke size."""

import json
import subprocess
import sys


def mslearn(*args, env_cache):
    import os

    env = {**os.environ, "MSLEARN_CACHE": str(env_cache)}
    return subprocess.run(
        [sys.executable, "-m", "mslearn", *args],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )


def test_fem_dem_smoke_json_keys_and_outputs(tmp_path):
    r = mslearn(
        "fem-dem",
        "--smoke",
        "--json",
        "--quiet",
        "--out",
        str(tmp_path / "o"),
        env_cache=tmp_path / "cache",
    )
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout.strip().splitlines()[-1])
    for key in (
        "gauss_points",
        "steps",
        "iterations",
        "samples",
        "wall_time_s",
        "dem_time_fraction",
        "dataset",
    ):
        assert key in s, key
    assert s["gauss_points"] == 8 and s["steps"] == 4 and s["samples"] > 8 * 4
    assert 0 < s["dem_time_fraction"] <= 1
    for name in ("history.csv", "fields.xdmf", "gauss_point_histories.png", "dataset.zarr"):
        assert (tmp_path / "o" / name).exists(), name


def test_fem_dem_bad_mesh_preset(tmp_path):
    r = mslearn("fem-dem", "--mesh", "huge", env_cache=tmp_path)
    assert r.returncode == 2 and "--mesh 'huge'" in r.stderr


def test_generate_smoke_then_rerun_skips(tmp_path):
    out = tmp_path / "camp"
    r = mslearn("generate", "--smoke", "--json", "--out", str(out), env_cache=tmp_path / "c")
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout.strip().splitlines()[-1])
    assert s["runs"] == 2 and s["completed"] == 2 and s["samples"] > 0
    r = mslearn("generate", "--smoke", "--json", "--out", str(out), env_cache=tmp_path / "c")
    s2 = json.loads(r.stdout.strip().splitlines()[-1])
    assert s2["skipped"] == 2 and s2["samples"] == s["samples"]
    r = mslearn("data", "info", str(out / "dataset.zarr"), "--json", env_cache=tmp_path / "c")
    info = json.loads(r.stdout.strip().splitlines()[-1])
    assert info["runs"] == 2 and info["samples"] == s["samples"]
