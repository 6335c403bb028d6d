"""fem-dem, fem-ml, uncertainty-map, generate and calibrate on every registered problem."""

import json
import subprocess
import sys

import pytest

from mslearn.problems import PROBLEMS

pytestmark = pytest.mark.example

FEM_DEM_KEYS = (
    "gauss_points",
    "steps",
    "iterations",
    "samples",
    "wall_time_s",
    "dem_time_fraction",
    "dataset",
    "completed",
)


def mslearn(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mslearn", *args], capture_output=True, text=True, timeout=600
    )


def last_json(r: subprocess.CompletedProcess) -> dict:
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_fem_dem_smoke_on_every_problem(problem, tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[problem]\ntype = "{problem}"\n')
    s = last_json(
        mslearn("fem-dem", str(cfg), "--smoke", "--json", "--quiet", "--out", str(tmp_path / "o"))
    )
    assert set(FEM_DEM_KEYS) <= set(s)
    assert s["completed"] and s["steps"] == 4 and s["samples"] >= s["gauss_points"] * 4
    assert 0 < s["gauss_points"] <= 40  # the problem's micro smoke size


def test_strip_footing_fem_dem_then_fem_ml_with_uncertainty_maps(tmp_path):
    cfg = tmp_path / "footing.toml"
    cfg.write_text('[problem]\ntype = "strip_footing"\n')
    fd = last_json(
        mslearn("fem-dem", str(cfg), "--smoke", "--json", "--quiet", "--out", str(tmp_path / "fd"))
    )
    train = tmp_path / "train.toml"
    train.write_text("[train]\nmax_epochs = 800\npatience = 200\nmembers = 3\n")
    model = tmp_path / "model"
    last_json(mslearn("train", str(train), "--data", fd["dataset"], "--json", "--out", str(model)))
    ml = last_json(
        mslearn("fem-ml", str(cfg), "--model", str(model), "--smoke", "--json", "--quiet",
                "--out", str(tmp_path / "ml"))
    )  # fmt: skip
    assert ml["problem"] == "strip_footing" and ml["gauss_points"] == fd["gauss_points"]
    assert ml["steps"] >= 1 and "out_of_range_points" in ml
    assert (tmp_path / "ml" / "uncertainty_maps.png").is_file()
    um = last_json(mslearn("uncertainty-map", str(tmp_path / "ml"), "--json"))
    assert um["figure"] == "uncertainty_maps.png" and um["max"] > 0


def test_calibrate_reads_a_recorder_dataset(tmp_path):
    fd = last_json(
        mslearn("fem-dem", "--smoke", "--json", "--quiet", "--out", str(tmp_path / "fd"))
    )
    s = last_json(
        mslearn(
            "calibrate",
            "--data",
            fd["dataset"],
            "--smoke",
            "--json",
            "--out",
            str(tmp_path / "cal"),
        )
    )
    assert s["final_loss"] > 0 and set(s["params"]) >= {"kappa", "lam"}


def test_generate_on_a_problem_without_load_history(tmp_path):
    cfg = tmp_path / "g.toml"
    cfg.write_text('[problem]\ntype = "strip_footing"\n[campaign]\nn_steps = 4\n')
    s = last_json(mslearn("generate", str(cfg), "--smoke", "--json", "--out", str(tmp_path / "g")))
    assert s["runs"] == 1 and s["completed"] == 1 and s["samples"] > 0
    cfg.write_text('[problem]\ntype = "strip_footing"\n[campaign]\nn_paths = 3\n')
    r = mslearn("generate", str(cfg), "--smoke", "--out", str(tmp_path / "g2"))
    assert r.returncode == 2 and "campaign.n_paths" in r.stderr


def test_mesh_presets_belong_to_the_problem(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[problem]\ntype = "cavity"\n')
    r = mslearn("fem-dem", str(cfg), "--mesh", "q8", "--smoke")
    assert r.returncode == 2 and "problem 'cavity' has mesh presets" in r.stderr
    r = mslearn("fem-dem", str(cfg), "--gp-path", "1", "--smoke")
    assert r.returncode == 2 and "takes no load history" in r.stderr


def test_study_list_and_aliases():
    r = mslearn("study", "--list")
    assert r.returncode == 0
    names = [line.split()[0] for line in r.stdout.splitlines() if line.strip()]
    assert names == [
        "resampling",
        "femdem-calibration",
        "triaxial-3d-calibration",
        "triaxial-3d-femml",
        "seed003",
    ]
    for alias in ("al-resample", "calibrate-femdem"):
        assert "Alias of mslearn study" in mslearn(alias, "--help").stdout


def test_verify_has_rankine_and_cavity_cases():
    cases = last_json(mslearn("verify", "--json", "--smoke", "--only", "a"))
    names = {c["name"] for c in cases}
    assert any("rankine" in n for n in names) and any("cavity" in n for n in names)
    assert all(c["passed"] for c in cases if "rankine" in c["name"] or "cavity" in c["name"])
