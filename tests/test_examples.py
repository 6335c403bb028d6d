"""Examples run as tests in smoke size, with their numbers checked."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.example

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _command(toml: str) -> list[str] | None:
    """The smoke command of an example, chosen by its tables."""
    text = (EXAMPLES / toml).read_text()
    if "[active]" in text or "[active." in text:
        return ["active-learn", "--smoke", "--cases", "3", "--max-labels", "3"]
    if "[problem]" in text:
        return ["run", "--smoke"]
    return None


def _mslearn(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mslearn", *args], capture_output=True, text=True, timeout=600
    )


def _check_run(out: Path) -> None:
    """A BVP example: every smoke step converged and the curve is finite and loaded."""
    s = json.loads((out / "summary.json").read_text())
    assert s["completed"] and s["failure"] is None
    assert 1 <= s["steps"] <= 10
    assert np.isfinite(s["final_load"]) and s["peak_load"] > 0
    assert s["iterations"] >= s["steps"]


def _check_active(out: Path) -> None:
    """An active-learning example: the random case ran with at most 3 labels and a finite
    test error."""
    curve = json.loads((out / "report.json").read_text())["curves"]["3"]
    assert 0 < curve["labels"][-1] <= 3
    mae = np.array(curve["mae"])
    assert np.isfinite(mae).all() and (mae > 0).all() and (mae < 1.0).all()  # in units of p0


@pytest.mark.parametrize("toml", sorted(p.name for p in EXAMPLES.glob("*.toml")))
def test_toml_example_runs_in_smoke_size(toml, tmp_path):
    cmd = _command(toml)
    if cmd is None:
        pytest.skip(f"{toml} is exercised by its own command's tests")
    r = _mslearn(cmd[0], str(EXAMPLES / toml), *cmd[1:], "--quiet", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    (_check_active if cmd[0] == "active-learn" else _check_run)(tmp_path)


def test_python_api_example(tmp_path):
    r = subprocess.run(
        [sys.executable, str(EXAMPLES / "biaxial_api.py"), "--smoke"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    assert "Newton iterations" in r.stdout
    start, end = map(
        float, re.search(r"top force at 0 / end: (\S+) / (\S+) kN/m", r.stdout).groups()
    )
    assert start == pytest.approx(50.0, rel=1e-6)  # p0 x width = 100 kPa x 0.5 m, consolidated
    assert end > start  # compression adds to the confining load


def test_bench_fem_smoke_runs():
    r = _mslearn("bench", "fem", "--smoke", "--json", "--repeats", "3")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout.splitlines()[-1])
    rows = rows["results"]
    assert rows and all(row["assembly_plus_solve_ms"] > 0 for row in rows)
