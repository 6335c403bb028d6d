"""Damaged checkpoints and run outputs on resume: one line naming the array or file;
a failed checkpoint write leaves no temporary file and the CLI claims no checkpoint
that does not exist."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import numpy as np
import pytest
import typer
import zarr
from typer.testing import CliRunner

from mslearn.core.errors import MslearnInputError
from mslearn.fem.output import CsvHistory, read_series
from mslearn.fem.solvers.implicit import NewtonOptions, StaticSolver
from mslearn.fem.solvers.state_check import check_state
from mslearn.materials import DruckerPrager
from mslearn.problems import BiaxialConfig
from mslearn.workflows import checkpoint as ckpt_module
from mslearn.workflows.checkpoint import load_checkpoint, save_checkpoint
from mslearn.workflows.results import read_history

CONFIG = "[solver]\nn_steps = 10\n[output]\ndataset = true\nplots = false\n"


def _cli(*args):
    from mslearn.cli.main import app

    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A smoke biaxial run with a dataset and a checkpoint at its last step (10)."""
    root = tmp_path_factory.mktemp("runs")
    cfg = root / "c.toml"
    cfg.write_text(CONFIG)
    out = root / "run"
    r = _cli("run", str(cfg), "--smoke", "--quiet", "--checkpoint-every", "5", "--out", str(out))
    assert r.exit_code == 0, r.output
    return out


def _copy(run: Path, dst: Path) -> Path:
    return shutil.copytree(run, dst)


def _one_error(r, *fragments) -> str:
    assert r.exit_code == 2, r.output
    errors = [ln for ln in r.output.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in r.output, r.output
    for f in fragments:
        assert f in errors[0], (f, errors[0])
    return errors[0]


def _rewrite_checkpoint(folder: Path, change) -> None:
    state, meta = load_checkpoint(folder)
    state = dict(state)
    change(state)
    save_checkpoint(folder, state, meta)


@pytest.mark.parametrize(
    "name, change, fragments",
    [
        ("missing u", lambda s: s.pop("u"), ["lacks the array 'u'"]),
        (
            "missing material array",
            lambda s: s.pop("material/inner/eq_plastic_strain"),
            ["lacks the array 'material/inner/eq_plastic_strain'"],
        ),
        (
            "reshaped material array",
            lambda s: s.update({"material/inner/stress_mandel": np.zeros((16, 12))}),
            ["'material/inner/stress_mandel' has shape (16, 12); expected (32, 6)"],
        ),
        (
            "truncated u",
            lambda s: s.update(u=s["u"][:-2]),
            ["'u' has shape (28,); expected (30,)"],
        ),
        (
            "float step",
            lambda s: s.update(step=np.array(10.0)),
            ["'step' holds float values; expected integer"],
        ),
        (
            "step past the end",
            lambda s: s.update(step=np.array(12), time=np.array(1.2)),
            ["at step 12; this run has steps 0 to 10"],
        ),
        ("time of another step", lambda s: s.update(time=np.array(0.5)), ["does not match"]),
        ("NaN field", lambda s: s["committed_fint"].__setitem__(0, np.nan), ["non-finite"]),
        ("extra array", lambda s: s.update({"material/other": np.zeros(3)}), ["unexpected"]),
    ],
)
def test_a_damaged_checkpoint_is_one_line_naming_the_array(
    finished, tmp_path, name, change, fragments
):
    run = _copy(finished, tmp_path / "run")
    _rewrite_checkpoint(run, change)
    line = _one_error(_cli("run", "--resume", str(run), "--quiet"), *fragments)
    assert str(run / "checkpoint.npz") in line


def test_history_or_fields_that_stop_before_the_checkpoint_are_refused(finished, tmp_path):
    run = _copy(finished, tmp_path / "cut")
    lines = (run / "history.csv").read_text().splitlines()
    (run / "history.csv").write_text("\n".join(lines[:2]) + "\n")  # header + step 0
    _one_error(
        _cli("run", "--resume", str(run), "--quiet"),
        "history.csv' has rows up to step 0, the checkpoint is at step 10",
    )
    assert (run / "history.csv").read_text().splitlines() == lines[:2]  # not rewritten
    run = _copy(finished, tmp_path / "gone")
    (run / "history.csv").unlink()
    _one_error(_cli("run", "--resume", str(run), "--quiet"), "history.csv' is missing")
    run = _copy(finished, tmp_path / "junk")
    (run / "history.csv").write_text(lines[0] + "\n" + lines[1].replace("0", "x", 1) + "\n")
    _one_error(_cli("run", "--resume", str(run), "--quiet"), "history.csv' is damaged")
    with pytest.raises(
        MslearnInputError, match="has entries up to step 10, the checkpoint is at step 20"
    ):
        read_series(finished / "fields.xdmf", 21)
    run = _copy(finished, tmp_path / "noh5")
    (run / "fields.h5").unlink()
    _one_error(_cli("run", "--resume", str(run), "--quiet"), "fields.xdmf", "damaged")


def test_csv_history_keeps_the_steps_up_to_the_checkpoint(finished, tmp_path):
    path = shutil.copy(finished / "history.csv", tmp_path / "history.csv")
    CsvHistory(Path(path), keep_steps=4).close()
    assert [int(r["step"]) for r in read_history(tmp_path)] == [0, 1, 2, 3, 4]


def test_a_dataset_shorter_than_the_checkpoint_is_refused(finished, tmp_path):
    run = _copy(finished, tmp_path / "run")
    g = zarr.open_group(str(run / "dataset.zarr"), mode="a")
    for name in g.array_keys():
        g[name].resize((100, *g[name].shape[1:]))
    _one_error(
        _cli("run", "--resume", str(run), "--quiet"),
        "dataset.zarr' has 100 rows; the checkpoint was written with",
    )


def test_solver_restore_checks_against_its_material():
    prob = BiaxialConfig(nx=2, ny=4, element="Q4").build()

    def solver():
        mat = DruckerPrager.mohr_coulomb_plane_strain(
            60e6, 0.3, 2e3, np.radians(30), prob.n_points, initial_pressure=1e5
        )
        return StaticSolver(prob.disc, mat, prob.bcs, NewtonOptions(n_steps=4))

    a = solver()
    a.run()
    state = a.checkpoint_state()
    b = solver()
    b.restore_state(state)  # an intact checkpoint restores
    assert b.step == 4
    state["material/eq_plastic_strain"] = state["material/eq_plastic_strain"][:-1]
    with pytest.raises(MslearnInputError, match=r"'material/eq_plastic_strain' has shape \(31,\)"):
        solver().restore_state(state)


def test_arrays_that_may_grow_must_grow_together():
    """DEM contact slots (C) may differ from a fresh material's; their arrays agree."""
    ref = {"s": np.zeros((60, 2)), "pair_i": np.zeros(90, np.int32), "pair_fs": np.zeros(90)}
    grown = {"s": np.zeros((60, 2)), "pair_i": np.zeros(120, np.int32), "pair_fs": np.zeros(120)}
    check_state(grown, ref, set(), n_points=4)
    grown["pair_fs"] = np.zeros(110)
    with pytest.raises(MslearnInputError, match="'pair_fs' has 110 rows but 'pair_i' has 120"):
        check_state(grown, ref, set(), n_points=4)


def test_a_failed_checkpoint_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    save_checkpoint(tmp_path, {"u": np.zeros(3)}, {"step": 5})
    before = (tmp_path / "checkpoint.npz").read_bytes()

    def full(fh, **arrays):
        fh.write(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ckpt_module.np, "savez", full)
    with pytest.raises(OSError) as e:
        save_checkpoint(tmp_path, {"u": np.ones(3)}, {"step": 10})
    assert e.value.errno == errno.ENOSPC and e.value.filename.endswith("checkpoint.npz.tmp")
    assert not (tmp_path / "checkpoint.npz.tmp").exists()
    assert (tmp_path / "checkpoint.npz").read_bytes() == before


def test_the_disk_full_message_names_the_file_and_only_an_existing_checkpoint(tmp_path, capsys):
    from mslearn.cli.common import handle_errors

    @handle_errors
    def command(out: Path, debug: bool = False):
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "history.csv"))

    def message(out: Path) -> str:
        with pytest.raises(typer.Exit):
            command(out=out)
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1
        return err[0]

    bare = tmp_path / "bare"
    bare.mkdir()
    line = message(bare)
    assert str(bare / "history.csv") in line and "disk full" in line
    assert "checkpoint" not in line
    save_checkpoint(bare, {"u": np.zeros(3)}, {"step": 7})
    line = message(bare)
    assert f"last good checkpoint {bare / 'checkpoint.npz'} (step 7) is intact" in line
    (bare / "checkpoint.npz").write_bytes(b"garbage")
    assert "intact" not in message(bare)
