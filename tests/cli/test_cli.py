"""The `mslearn` command: conventions (--json, --out, --smoke), errors and outputs."""

import json
import subprocess
import sys

import meshio
import numpy as np
import pytest


def mslearn(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "mslearn", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )


def test_version():
    r = mslearn("--version")
    assert r.returncode == 0 and r.stdout.startswith("mslearn ")


def test_run_smoke_writes_every_output(tmp_path):
    out = tmp_path / "run"
    r = mslearn("run", "--smoke", "--json", "--quiet", "--out", str(out))
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["completed"] and summary["steps"] == 10
    for name in (
        "config.json",
        "run.log",
        "history.csv",
        "fields.xdmf",
        "fields.h5",
        "load_displacement.png",
        "fields_final.png",
        "summary.json",
    ):
        assert (out / name).is_file(), name
    with meshio.xdmf.TimeSeriesReader(str(out / "fields.xdmf")) as reader:
        points, cells = reader.read_points_cells()
        assert reader.num_steps == 11
        t, point_data, cell_data = reader.read_data(10)
        assert point_data["displacement"].shape == (len(points), 3)
        assert {"stress", "strain", "deviatoric_strain", "eq_plastic_strain"} <= set(cell_data)
    rows = (out / "history.csv").read_text().splitlines()
    assert len(rows) == 12 and "top_Fy" in rows[0]


def test_run_strip_footing_from_toml(tmp_path):
    cfg = tmp_path / "footing.toml"
    cfg.write_text(
        '[problem]\ntype = "strip_footing"\nsurcharge = "50 kPa"\n'
        '[material]\ntype = "tresca"\ncohesion = "20 kPa"\n[solver]\nn_steps = 5\n'
    )
    r = mslearn("run", str(cfg), "--smoke", "--json", "--quiet", "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout.strip().splitlines()[-1])
    assert s["problem"] == "strip_footing" and s["material"] == "tresca"
    assert (tmp_path / "o" / "footing.toml").is_file()


@pytest.mark.parametrize(
    "toml,needle",
    [
        ("[problem]\nnx = -2\n", "problem.nx: got -2"),
        ('[problem]\nelement = "Q9"\n', "problem.element: got 'Q9'"),
        ('[material]\ntype = "granite"\n', "material.type: unknown material 'granite'"),
        ('[problem]\nmesh_file = "missing.msh"\n', "mesh file 'missing.msh' does not exist"),
        ('[material]\nyoung = "lots"\n', "material.young: got 'lots'"),
        ("[solver]\nsteps = 3\n", "solver.steps"),
        ("not toml [", "not valid TOML"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, toml, needle):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(toml)
    r = mslearn("run", str(cfg), "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert r.returncode == 2
    assert needle in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_missing_config_file_and_debug_traceback(tmp_path):
    r = mslearn("run", str(tmp_path / "nope.toml"))
    assert r.returncode == 2 and "does not exist" in r.stderr
    r = mslearn("run", str(tmp_path / "nope.toml"), "--debug")
    assert r.returncode != 0 and "Traceback" in r.stderr


def test_newton_failure_keeps_outputs_of_converged_steps(tmp_path):
    cfg = tmp_path / "soft.toml"
    cfg.write_text(
        '[problem]\nnx = 4\nny = 8\nelement = "Q4"\n[material]\n'
        'type = "drucker_prager"\ncohesion = "20 kPa"\nhardening = "-2 MPa"\n'
        "[solver]\nn_steps = 20\nmax_cuts = 1\nmax_iterations = 10\n"
    )
    out = tmp_path / "o"
    r = mslearn("run", str(cfg), "--quiet", "--out", str(out))
    assert r.returncode == 1
    assert "Newton failed at step" in r.stderr and "residual" in r.stderr
    rows = (out / "history.csv").read_text().splitlines()
    summary = json.loads((out / "summary.json").read_text())
    assert not summary["completed"] and summary["steps"] == len(rows) - 2 >= 1
    with meshio.xdmf.TimeSeriesReader(str(out / "fields.xdmf")) as reader:
        reader.read_points_cells()
        assert reader.num_steps == len(rows) - 1
    assert (out / "load_displacement.png").is_file()


def test_verify_json_lists_cases():
    r = mslearn("verify", "--json", "--smoke", "--only", "patch")
    assert r.returncode == 0, r.stderr
    cases = json.loads(r.stdout.strip().splitlines()[-1])
    names_2d = {f"patch_test_{e}" for e in ("Q4", "Q8", "T3", "T6")}
    names_3d = {f"patch_test_3d_{e}" for e in ("HEX8", "HEX20", "HEX27", "TET4", "TET10")}
    assert {c["name"] for c in cases} == names_2d | names_3d
    for c in cases:
        assert set(c) >= {"name", "value", "reference", "tolerance", "passed"}
        assert c["passed"] and np.isfinite(c["value"])


def test_demo_laws_quick(tmp_path):
    r = mslearn("demo", "--laws", "--quick", "--json", "--out", str(tmp_path / "demo"))
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout.strip().splitlines()[-1])
    assert rep["verification_passed"] and all(x["completed"] for x in rep["runs"])
    assert (tmp_path / "demo" / "report.md").is_file()
    assert (tmp_path / "demo" / "biaxial_top_force.png").is_file()
