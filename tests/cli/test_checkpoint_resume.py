"""A run killed mid-way (SIGKILL) and resumed equals an uninterrupted run, bit for bit."""

import json
import signal
import subprocess
import sys
import time

import meshio
import numpy as np
import zarr

CONFIG = """
[problem]
nx = 8
ny = 16
element = "Q8"
[material]
type = "drucker_prager"
cohesion = "2 kPa"
[solver]
n_steps = 120
[output]
dataset = true
plots = false
"""


def _run(*args):
    return subprocess.Popen(
        [sys.executable, "-m", "mslearn", "run", *args, "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _checkpoint_step(folder):
    try:
        with np.load(folder / "checkpoint.npz") as z:
            return json.loads(str(z["__meta__"]))["step"]
    except (OSError, ValueError, KeyError):
        return 0


def test_kill_and_resume_equals_uninterrupted_run(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(CONFIG)
    full, killed = tmp_path / "full", tmp_path / "killed"
    ref = _run(str(cfg), "--out", str(full))
    proc = _run(str(cfg), "--out", str(killed), "--checkpoint-every", "5")
    deadline = time.time() + 300
    while _checkpoint_step(killed) < 20 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    rows_at_kill = len((killed / "history.csv").read_text().splitlines())
    assert rows_at_kill < 122
    assert ref.wait() == 0, ref.stderr.read()
    res = _run("--resume", str(killed))
    assert res.wait() == 0, res.stderr.read()

    assert (killed / "history.csv").read_text() == (full / "history.csv").read_text()
    ga = zarr.open_group(str(full / "dataset.zarr"), mode="r")
    gb = zarr.open_group(str(killed / "dataset.zarr"), mode="r")
    for name in ga.array_keys():
        np.testing.assert_array_equal(ga[name][:], gb[name][:], err_msg=name)
    with (
        meshio.xdmf.TimeSeriesReader(str(full / "fields.xdmf")) as ra,
        meshio.xdmf.TimeSeriesReader(str(killed / "fields.xdmf")) as rb,
    ):
        ra.read_points_cells()
        rb.read_points_cells()
        assert ra.num_steps == rb.num_steps == 121
        for k in (10, 60, 120):
            ta, pa, ca = ra.read_data(k)
            tb, pb, cb = rb.read_data(k)
            assert ta == tb
            np.testing.assert_array_equal(pa["displacement"], pb["displacement"])
            np.testing.assert_array_equal(ca["stress"][0], cb["stress"][0])
    sa = json.loads((full / "summary.json").read_text())
    sb = json.loads((killed / "summary.json").read_text())
    assert sa["final_load"] == sb["final_load"] and sa["samples"] == sb["samples"]


def test_resume_without_checkpoint_or_with_corrupted_one(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "mslearn", "run", "--resume", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and "no run record" in r.stderr
    from mslearn.core.runfolder import RunSpec, write_record

    write_record(tmp_path, RunSpec("run", {}))
    r = subprocess.run(
        [sys.executable, "-m", "mslearn", "run", "--resume", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and "no checkpoint" in r.stderr
    (tmp_path / "checkpoint.npz").write_bytes(b"garbage")
    r = subprocess.run(
        [sys.executable, "-m", "mslearn", "run", "--resume", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and "corrupted" in r.stderr
