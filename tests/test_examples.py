"""Examples run as tests in smoke size."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _command(toml: str) -> list[str] | None:
    """The smoke command of an example, chosen by its tables."""
    text = (EXAMPLES / toml).read_text()
    if "[active]" in text or "[active." in text:
        return ["active-learn", "--quick", "--cases", "3", "--max-labels", "3"]
    if "[problem]" in text:
        return ["run", "--smoke"]
    return None


@pytest.mark.parametrize("toml", sorted(p.name for p in EXAMPLES.glob("*.toml")))
def test_toml_example_runs_in_smoke_size(toml, tmp_path):
    cmd = _command(toml)
    if cmd is None:
        pytest.skip(f"{toml} is exercised by its own command's tests")
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "mslearn",
            cmd[0],
            str(EXAMPLES / toml),
            *cmd[1:],
            "--quiet",
            "--out",
            str(tmp_path),
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / ("report.json" if cmd[0] == "active-learn" else "summary.json")).is_file()


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


def test_bench_fem_smoke_runs():
    r = subprocess.run(
        [sys.executable, "-m", "mslearn", "bench", "fem", "--smoke", "--json", "--repeats", "3"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    assert '"assembly_plus_solve_ms"' in r.stdout.splitlines()[-1]
