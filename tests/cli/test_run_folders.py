"""A run folder is never silently reused, resumes check what they continue, inputs stay."""

import json

import pytest
from typer.testing import CliRunner

from mslearn.cli.main import app

RUNNER = CliRunner()


def mslearn(*args):
    return RUNNER.invoke(app, [*args, "--quiet"] if args[0] in ("run", "fem-dem") else list(args))


def error_line(r) -> str:
    """The one error line (last on stderr; a --smoke note may come before it)."""
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.exit_code == 2, r.output
    assert [ln for ln in lines if ln.startswith("error: ")] == lines[-1:], r.stderr
    assert "Traceback" not in r.output
    return lines[-1]


@pytest.fixture(scope="module")
def femdem_run(tmp_path_factory):
    """A checkpointed FEM-DEM smoke run (its folder holds dataset.zarr and checkpoint.npz)."""
    out = tmp_path_factory.mktemp("runs") / "A"
    r = mslearn("fem-dem", "--smoke", "--checkpoint-every", "2", "--out", str(out))
    assert r.exit_code == 0, r.output
    return out


def test_another_command_into_a_used_folder_is_refused(femdem_run):
    before = sorted(p.name for p in femdem_run.iterdir())
    line = error_line(mslearn("run", "--smoke", "--out", str(femdem_run)))
    assert "holds a `mslearn fem-dem` run" in line and "--overwrite" in line
    assert sorted(p.name for p in femdem_run.iterdir()) == before


def test_the_same_command_again_is_refused_too(femdem_run):
    line = error_line(mslearn("fem-dem", "--smoke", "--out", str(femdem_run)))
    assert "holds a `mslearn fem-dem` run" in line


def test_an_input_inside_the_output_folder_is_refused(femdem_run):
    data = femdem_run / "dataset.zarr"
    for extra in ([], ["--overwrite"]):
        line = error_line(
            mslearn("train", "--data", str(data), "--smoke", "--out", str(femdem_run), *extra)
        )
        assert "holds the input" in line
    assert data.is_dir()


def test_resume_refuses_another_command_and_changed_settings(femdem_run):
    line = error_line(mslearn("run", "--resume", str(femdem_run)))
    assert "made by `mslearn fem-dem`" in line
    line = error_line(mslearn("fem-dem", "--resume", str(femdem_run), "--mesh", "medium"))
    assert "mesh None -> medium" in line
    line = error_line(mslearn("fem-dem", "--resume", str(femdem_run), "--out", "elsewhere"))
    assert "drop --out" in line


def test_overwrite_removes_the_old_run_first(tmp_path):
    out = tmp_path / "B"
    assert (
        mslearn("fem-dem", "--smoke", "--checkpoint-every", "2", "--out", str(out)).exit_code == 0
    )
    r = mslearn("run", "--smoke", "--out", str(out), "--overwrite")
    assert r.exit_code == 0, r.output
    names = {p.name for p in out.iterdir()}
    assert "dataset.zarr" not in names and "checkpoint.npz" not in names
    assert json.loads((out / "run.json").read_text())["command"] == "run"


def test_a_changed_config_json_is_refused_on_resume(tmp_path):
    out = tmp_path / "C"
    assert mslearn("run", "--smoke", "--checkpoint-every", "2", "--out", str(out)).exit_code == 0
    cfg = json.loads((out / "config.json").read_text())
    cfg["solver"]["n_steps"] = 99
    (out / "config.json").write_text(json.dumps(cfg))
    assert "config.json was changed" in error_line(mslearn("run", "--resume", str(out)))
    (out / "config.json").write_text("{damaged")
    assert "config.json" in error_line(mslearn("run", "--resume", str(out)))


def test_runs_without_out_never_share_a_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outs = []
    for _ in range(2):
        r = RUNNER.invoke(app, ["run", "--smoke", "--quiet", "--json"])
        assert r.exit_code == 0, r.output
        outs.append(json.loads(r.stdout.splitlines()[-1])["out"])
    assert outs == ["runs/biaxial", "runs/biaxial-2"]


def test_data_merge_never_writes_over_an_existing_dataset(femdem_run, tmp_path):
    data = str(femdem_run / "dataset.zarr")
    assert "is the input" in error_line(mslearn("data", "merge", data, "--out", data))
    target = tmp_path / "m.zarr"
    target.mkdir()
    assert "exists" in error_line(mslearn("data", "merge", data, "--out", str(target)))


def test_train_refuses_tables_it_does_not_read(tmp_path, femdem_run):
    cfg = tmp_path / "t.toml"
    cfg.write_text("no_such_key = 1\n[train]\n")
    line = error_line(mslearn("train", str(cfg), "--data", str(femdem_run / "dataset.zarr")))
    assert "unknown tables or keys ['no_such_key']" in line
