"""`--json` always ends with a JSON object: on failure {"status": "error", ...}; never NaN."""

import json
import subprocess
import sys

import numpy as np
import pytest

from mslearn.cli.common import print_json


def _mslearn(*args):
    return subprocess.run(
        [sys.executable, "-m", "mslearn", *args], capture_output=True, text=True, timeout=300
    )


@pytest.mark.parametrize(
    "toml, code",
    [
        ('[problem]\ntype = "moon"\n', 2),  # input error
        ("[solver\n", 2),  # invalid TOML
        (
            '[problem]\nnx = 4\nny = 8\nelement = "Q4"\n[material]\n'
            'type = "drucker_prager"\ncohesion = "20 kPa"\nhardening = "-2 MPa"\n'
            "[solver]\nn_steps = 20\nmax_cuts = 1\nmax_iterations = 10\n",
            1,
        ),  # Newton failure
    ],
)
def test_a_failed_command_prints_a_json_error_last(tmp_path, toml, code):
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml)
    r = _mslearn("run", str(cfg), "--json", "--quiet", "--out", str(tmp_path / "o"))
    assert r.returncode == code, r.stderr
    last = json.loads(r.stdout.strip().splitlines()[-1])
    assert last["status"] == "error" and last["exit_code"] == code
    assert last["message"] and last["message"] in r.stderr


def test_no_nan_in_json(capsys):
    print_json({"a": float("nan"), "b": [1.0, float("inf")], "c": np.array([np.nan, 2.0])})
    assert json.loads(capsys.readouterr().out) == {"a": None, "b": [1.0, None], "c": [None, 2.0]}


def test_a_bug_is_one_line_naming_it_and_debug_shows_the_traceback(monkeypatch, capsys):
    import mslearn.workflows.bvp as bvp
    from mslearn.cli.main import main

    def broken(opts):
        raise RuntimeError("value cannot be converted\nsecond line")

    monkeypatch.setattr(bvp, "run", broken)
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--smoke", "--json"])
    out, err = capsys.readouterr()
    assert exit_.value.code == 1
    assert err.strip().splitlines() == [
        "error: internal error (RuntimeError: value cannot be converted); this is a bug in "
        "mslearn, please report it with the output of the same command with --debug"
    ]
    assert json.loads(out.strip().splitlines()[-1])["status"] == "error"
    with pytest.raises(RuntimeError):
        main(["run", "--smoke", "--debug"])
