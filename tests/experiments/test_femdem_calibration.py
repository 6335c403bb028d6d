"""FEM-DEM vs FEM-CSUH comparison (seed 003 Table 6 style) at smoke size."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from mslearn.cli.main import app
from mslearn.core.errors import MslearnInputError
from mslearn.data.sequences import load
from mslearn.experiments.femdem_calibration import force_errors, size_with, top_force

STUDY = ["study", "femdem-calibration"]


def test_force_errors_known_values():
    e_ref = np.linspace(0.0, 0.1, 11)
    f_ref = np.array([50, 80, 100, 110, 105, 100, 98, 97, 96, 95, 95.0])
    e = np.linspace(0.0, 0.1, 21)  # finer steps: interpolated onto the reference strains
    f = np.interp(e, e_ref, f_ref) + 2.0
    r = force_errors(e, f, e_ref, f_ref)
    assert r["mae"] == pytest.approx(2.0)
    assert r["peak_error"] == pytest.approx(2.0)
    assert r["post_peak_error"] == pytest.approx(2.0)
    assert r["peak_strain_ref"] == pytest.approx(0.03)
    # a run that stopped at 5 % is compared up to 5 % only; post-peak from the ref peak on
    f2 = f_ref[:6].copy()
    f2[4:] -= 10.0
    r2 = force_errors(e_ref[:6], f2, e_ref, f_ref)
    assert r2["strain_compared"] == pytest.approx(0.05)
    assert r2["mae"] == pytest.approx(20.0 / 6)
    assert r2["post_peak_error"] == pytest.approx(10.0)
    assert r2["peak_error"] == pytest.approx(0.0)


def test_calibrate_femdem_smoke_cli(tmp_path):
    """The whole pipeline at smoke size (1x2 mesh, 40-disk RVEs, 6 steps, 4 epochs);
    the second run reuses the cached FEM-DEM run."""
    cache = tmp_path / "cache"
    args = ["--smoke", "--json", "--cache", str(cache)]
    r = CliRunner().invoke(app, [*STUDY, *args, "--out", str(tmp_path / "a")])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.stdout.strip().splitlines()[-1])
    ds = load(tmp_path / "a" / "dataset.npz")
    assert ds.strain.shape[0] == 8 and ds.n_voigt == 3 and ds.strain.shape[1] >= 6
    assert np.allclose(ds.initial_pressure, 100e3)
    assert ds.stress[:, 0, 1].mean() < -100e3  # first step: axial compression beyond p0
    methods = [row["method"] for row in rep["table"]]
    assert methods == ["FEM-DEM", "FEM-CSUH original", "FEM-CSUH calibrated"]
    assert rep["mask"] == "curve" and 0 < rep["rows_in_loss"] <= rep["rows_total"]
    assert rep["bounds"]["M"][0] < 0.8  # material bounds (default) reach below Table 1
    cal = rep["calibration"]
    assert cal["epochs_run"] == 4 and len(cal["split"]["train"]) == 6
    h = np.load(tmp_path / "a" / "calibration" / "history.npz")
    assert h["loss_sigma"][-1] < h["loss_sigma"][0]  # Adam steps go downhill
    # the table's MAE is the one recomputed from the written histories
    e_ref, f_ref = top_force(rep["femdem_folder"])
    e, f = top_force(tmp_path / "a" / "fem_original")
    assert rep["table"][1]["mae"] == pytest.approx(force_errors(e, f, e_ref, f_ref)["mae"])
    assert rep["table"][1]["mae"] > 0 and f_ref[-1] > f_ref[0]
    for name in ("top_force.png", "report.md", "report.json"):
        assert (tmp_path / "a" / name).exists()
    stamp = (cache / rep["femdem_folder"].split("/")[-1] / "compare_done.json").stat().st_mtime
    r2 = CliRunner().invoke(app, [*STUDY, *args, "--epochs", "1", "--out", str(tmp_path / "b")])
    assert r2.exit_code == 0, r2.output
    rep2 = json.loads(r2.stdout.strip().splitlines()[-1])
    assert rep2["femdem_folder"] == rep["femdem_folder"]
    done = cache / rep["femdem_folder"].split("/")[-1] / "compare_done.json"
    assert done.stat().st_mtime == stamp  # reused, not rerun


def test_calibrate_femdem_bad_input(tmp_path):
    r = CliRunner().invoke(app, [*STUDY, "--smoke", "--model", "dh"])
    assert r.exit_code != 0 and "--model 'dh'" in r.output
    r = CliRunner().invoke(app, [*STUDY, "--smoke", "--bounds", "wide"])
    assert r.exit_code != 0 and "--bounds 'wide'" in r.output and "table1" in r.output
    r = CliRunner().invoke(app, [*STUDY, "--smoke", "--mask", "none"])
    assert r.exit_code != 0 and "--mask 'none'" in r.output
    with pytest.raises(MslearnInputError, match="size 'huge'"):
        size_with("huge")
