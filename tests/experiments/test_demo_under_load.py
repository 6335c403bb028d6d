"""The quick demo gives the same report numbers on a quiet machine and beside a process
that keeps every core busy: no result depends on the clock (only the timings differ)."""

import json
import multiprocessing as mp
import os
import subprocess
import sys

import pytest

#: report.json entries that are timings (or ratios of timings), not results
_TIMING_KEYS = {
    "wall_time_s",
    "speedup_per_iteration",
    "speedup_total",
    "per_iteration",
    "total",
    "fem_dem_s_per_iteration",
    "fem_ml_s_per_iteration",
}


def _numbers(report, path=""):
    """{dotted path: value} of every leaf of ``report`` except the timings."""
    if isinstance(report, dict):
        out = {}
        for k, v in report.items():
            if k not in _TIMING_KEYS:
                out.update(_numbers(v, f"{path}.{k}"))
        return out
    if isinstance(report, list):
        out = {}
        for i, v in enumerate(report):
            out.update(_numbers(v, f"{path}[{i}]"))
        return out
    return {path: report}


def _busy(stop) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def _demo(out, env) -> dict:
    r = subprocess.run(
        [sys.executable, "-m", "mslearn", "demo", "--quick", "--json", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=1800,
        env=env,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads((out / "report.json").read_text())


@pytest.mark.slow
def test_quick_demo_report_is_the_same_under_cpu_load(tmp_path):
    env = {**os.environ, "MSLEARN_CACHE": str(tmp_path / "cache")}
    quiet = _demo(tmp_path / "quiet", env)
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    hogs = [
        ctx.Process(target=_busy, args=(stop,), daemon=True) for _ in range(os.cpu_count() or 2)
    ]
    for h in hogs:
        h.start()
    try:
        loaded = _demo(tmp_path / "loaded", env)
    finally:
        stop.set()
        for h in hogs:
            h.join(timeout=10)
            if h.is_alive():
                h.kill()
    a, b = _numbers(quiet), _numbers(loaded)
    assert a.keys() == b.keys()
    differ = {k: (a[k], b[k]) for k in a if a[k] != b[k]}
    assert not differ, differ
    assert quiet["training"]["stopped_by"] != "time_limit"
    weights = [
        json.loads((tmp_path / d / "model" / "model.json").read_text())["weights_sha256"]
        for d in ("quiet", "loaded")
    ]
    assert weights[0] == weights[1]
