"""`[solver] type = "explicit"` through the run workflows: every registered problem, FEM-DEM."""

import json
import subprocess
import sys

import pytest

from mslearn.problems import PROBLEMS

EXPLICIT_KEYS = ("energy_balance_error", "time_step", "critical_time_step")


def mslearn(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mslearn", *args], capture_output=True, text=True, timeout=600
    )


def last_json(r: subprocess.CompletedProcess) -> dict:
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def write_config(path, problem: str, solver: str = "", material: str = "") -> str:
    path.write_text(
        f'[problem]\ntype = "{problem}"\n\n[solver]\ntype = "explicit"\nn_steps = 3\n{solver}\n'
        f'[material]\ntype = "drucker_prager"\n{material}\n'
        "[output]\nxdmf = false\nplots = false\n"
    )
    return str(path)


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_every_problem_runs_explicit_with_the_energy_balance(problem, tmp_path):
    cfg = write_config(tmp_path / "c.toml", problem, "local_damping = 0.3\n")
    s = last_json(mslearn("run", cfg, "--smoke", "--json", "--out", str(tmp_path / "o")))
    assert set(EXPLICIT_KEYS) <= set(s)
    assert s["completed"] and s["steps"] == 3 and s["solver"] == "explicit"
    assert 0 < s["time_step"] <= s["critical_time_step"]
    assert s["energy_balance_error"] < 0.02


def test_an_unstable_time_step_is_one_line_and_nothing_runs(tmp_path):
    cfg = write_config(tmp_path / "c.toml", "biaxial", "time_step = 1.0\n")
    r = mslearn("run", cfg, "--smoke", "--json", "--out", str(tmp_path / "o"))
    assert r.returncode != 0
    err = json.loads(r.stdout.strip().splitlines()[-1])
    assert err["status"] == "error" and "time step" in err["message"].lower()
    assert "\n" not in err["message"]


def test_explicit_fem_dem_with_fixed_dem_steps_records_gauss_point_histories(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        '[problem]\ntype = "biaxial"\n\n[solver]\ntype = "explicit"\nn_steps = 3\n'
        "local_damping = 0.3\ntransit_times = 20\n\n"
        '[material]\nrelaxation = "fixed"\ndem_steps = 5\n'
    )
    s = last_json(mslearn("fem-dem", str(cfg), "--smoke", "--json", "--quiet", "--out",
                          str(tmp_path / "o")))  # fmt: skip
    assert s["completed"] and s["solver"] == "explicit"
    # one recorded row per Gauss point and explicit step (trial then commit, once per step)
    assert s["samples"] >= s["gauss_points"] * s["explicit_steps"]
    assert s["energy_balance_error"] < 0.05


def test_bench_explicit_smoke_and_a_bad_versus_dem_are_one_line(tmp_path):
    s = last_json(mslearn("bench", "explicit", "--smoke", "--json"))
    rows = {(r["mesh"], r["material"]): r for r in s["meshes"]}
    assert set(rows) == {(m, k) for m in ("Q4", "T3", "T6") for k in ("elastic", "csuh")}
    assert all(r["element_steps_per_s"] > 0 and r["explicit_steps"] >= 10 for r in rows.values())
    r = mslearn("bench", "explicit", "--versus-dem", "sometimes")
    assert r.returncode != 0 and "expected 'equilibrium' or 'fixed'" in r.stderr
    assert "Traceback" not in r.stderr
