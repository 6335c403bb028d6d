"""Run folders: claimed once, refused when they hold another run, replaced only on request."""

import json
from pathlib import Path

import pytest

from mslearn.core import runfolder as rf
from mslearn.core.errors import MslearnInputError


def spec(**settings):
    return rf.RunSpec("fem-dem", {"mesh": "coarse", **settings})


def test_claim_writes_a_record_and_refuses_a_second_run(tmp_path):
    out = rf.claim(tmp_path / "A", "x", spec())
    record = json.loads((out / rf.RECORD).read_text())
    assert record["command"] == "fem-dem" and record["settings"] == {"mesh": "coarse"}
    (out / "summary.json").write_text("{}")
    with pytest.raises(MslearnInputError, match="holds a `mslearn fem-dem` run.*--overwrite"):
        rf.claim(out, "x", rf.RunSpec("run", {}))


def test_overwrite_removes_every_file_of_the_old_run(tmp_path):
    out = rf.claim(tmp_path / "A", "x", spec())
    (out / "dataset.zarr").mkdir()
    (out / "checkpoint.npz").write_bytes(b"old")
    rf.claim(out, "x", rf.RunSpec("run", {}), overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == [rf.RECORD]
    assert rf.read_record(out)["command"] == "run"


def test_overwrite_refuses_folders_no_run_wrote(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("precious")
    with pytest.raises(MslearnInputError, match="no mslearn run wrote"):
        rf.claim(tmp_path / "mine", "x", spec(), overwrite=True)
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "precious"


def test_overwrite_refuses_the_current_folder_and_its_parents(tmp_path, monkeypatch):
    run = tmp_path / "run"
    rf.claim(run, "x", spec())
    (run / "sub").mkdir()
    monkeypatch.chdir(run / "sub")
    with pytest.raises(MslearnInputError, match="current folder"):
        rf.claim(run, "x", spec(), overwrite=True)


def test_an_input_inside_the_folder_is_refused_even_with_overwrite(tmp_path):
    out = rf.claim(tmp_path / "B", "x", spec())
    data = out / "dataset.zarr"
    data.mkdir()
    for overwrite in (False, True):
        with pytest.raises(MslearnInputError, match="holds the input"):
            rf.claim(out, "x", rf.RunSpec("train", {}, inputs=(data,)), overwrite=overwrite)
    assert data.is_dir()
    with pytest.raises(MslearnInputError, match="lies inside the input"):
        rf.claim(data / "run", "x", rf.RunSpec("train", {}, inputs=(data,)))


def test_default_folders_are_never_reused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = rf.claim(None, "demo", spec())
    (first / "report.json").write_text("{}")
    second = rf.claim(None, "demo", spec())
    assert (first, second) == (Path("runs/demo"), Path("runs/demo-2"))


def test_continue_same_continues_only_with_the_same_settings(tmp_path):
    out = rf.claim(tmp_path / "C", "x", spec(), continue_same=True)
    (out / "campaign.json").write_text("{}")
    assert rf.claim(out, "x", spec(), continue_same=True) == out
    assert (out / "campaign.json").is_file()
    rf.claim(out, "x", spec(), continue_same=True, overwrite=True)  # a fresh start
    assert not (out / "campaign.json").exists()
    (out / "campaign.json").write_text("{}")
    with pytest.raises(MslearnInputError, match=r"other settings \(mesh coarse -> fine\)"):
        rf.claim(out, "x", spec(mesh="fine"), continue_same=True)


def test_resume_checks_command_and_the_settings_given_again(tmp_path):
    out = rf.claim(tmp_path / "D", "x", spec(workers=2))
    assert rf.check_resume(out, "fem-dem", {"mesh": None, "workers": 2})["command"] == "fem-dem"
    with pytest.raises(MslearnInputError, match="made by `mslearn fem-dem`, not `mslearn run`"):
        rf.check_resume(out, "run", {})
    with pytest.raises(MslearnInputError, match=r"mesh coarse -> fine; workers 2 -> 4"):
        rf.check_resume(out, "fem-dem", {"mesh": "fine", "workers": 4})
    (out / rf.RECORD).write_text("{not json")
    with pytest.raises(MslearnInputError, match="run record .* is damaged"):
        rf.check_resume(out, "fem-dem", {})


def test_resume_needs_a_run_record(tmp_path):
    (tmp_path / "old").mkdir()
    with pytest.raises(MslearnInputError, match="no run record"):
        rf.check_resume(tmp_path / "old", "run", {})
    with pytest.raises(MslearnInputError, match="no such run folder"):
        rf.check_resume(tmp_path / "nothing", "run", {})


def test_settings_diff_names_nested_fields_and_shortens_values():
    diff = rf.settings_diff({"a": {"b": 1}, "c": "x" * 100}, {"a": {"b": 2}, "c": "y"})
    assert diff[0] == "a.b 1 -> 2"
    assert diff[1].endswith("-> y") and "..." in diff[1] and len(diff[1]) < 80
