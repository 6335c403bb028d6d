"""seed 003 Sec. 4.4 in 3D at smoke size: FEM-DEM CTC/PTC -> CSUH calibrated on CTC ->
FEM-CSUH on PTC (Tables 10-11), and 3D FEM-ML vs FEM-DEM. Both studies share one cache
of FEM-DEM runs (1x1x2 HEX8, 16 Gauss points, 40-sphere RVEs, 2 steps)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from mslearn.cli.main import app
from mslearn.core.errors import MslearnInputError
from mslearn.data.sequences import SequenceDataset, load
from mslearn.experiments.triaxial3d_chain import SIZES, data_mask_3d, femdem_run, size_with
from mslearn.experiments.triaxial3d_femml import BUDGETS, femml
from mslearn.workflows.results import run_curve

TABLE10 = {"kappa", "lam", "N", "Z", "m", "nu", "e0", "M"}
TABLE11 = {"method", "gauss_points", "steps", "wall_s", "mae", "peak_error",
           "post_peak_error", "mae_kpa", "peak_error_kpa", "post_peak_error_kpa"}  # fmt: skip


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("femdem3d")


@pytest.fixture(scope="module")
def chain_cli(cache, tmp_path_factory):
    """`mslearn study triaxial-3d-calibration --smoke --json` (the FEM-DEM runs land in
    the shared cache); (one-line summary, run folder)."""
    out = tmp_path_factory.mktemp("chain") / "run"
    args = ["study", "triaxial-3d-calibration", "--smoke", "--json", "--cache", str(cache)]
    r = CliRunner().invoke(app, [*args, "--out", str(out)])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout.strip().splitlines()[-1]), out


def test_cli_summary_has_the_table_numbers(chain_cli):
    s, out = chain_cli
    assert s["out"] == str(out)
    assert set(s["table10"]["original"]) == TABLE10 == set(s["table10"]["calibrated"])
    for name in ("original", "calibrated"):
        assert {"mae", "peak_error", "post_peak_error", "mae_kpa", "rel_l2", "wall_s"} <= set(
            s[name]
        )
        assert s[name]["gauss_points"] == 16 and s[name]["steps"] == 2
    assert s["gauss_points"] == 16 and s["steps"] == 2


def test_report_has_every_table_field(chain_cli):
    _, out = chain_cli
    rep = json.loads((out / "report.json").read_text())
    t10 = rep["table10"]
    assert t10["original"] == {
        "kappa": 0.04,
        "lam": 0.135,
        "N": 1.9,
        "Z": 0.9,
        "m": 1.8,
        "nu": 0.2,
        "e0": 0.721,
        "M": 1.25,
    }  # fmt: skip  (seed 003 Table 10 "Original")
    assert t10["calibrated"]["e0"] == t10["original"]["e0"]  # held fixed
    rows = rep["table11"]
    assert [r["method"] for r in rows] == ["FEM-DEM", "FEM-CSUH original", "FEM-CSUH calibrated"]
    for r in rows[1:]:
        assert TABLE11 <= set(r)
        assert r["mae_kpa"] == pytest.approx(r["mae"] / 0.0025)  # kN over the top area
        assert r["completed"]
    md = (out / "report.md").read_text()
    assert "Table 10" in md and "Table 11" in md and (out / "top_force.png").is_file()
    # the 70 % training split of seed 003 Sec. 4.4 on the 16 CTC curves
    assert len(rep["calibration"]["split"]["train"]) == round(0.7 * 16)


def test_calibration_lowers_the_ctc_training_loss(chain_cli):
    _, out = chain_cli
    c = json.loads((out / "report.json").read_text())["calibration"]
    assert c["lm"]["train_loss"] < 0.9 * c["initial_loss"]  # measured 0.73 -> 0.37
    h = np.load(out / "calibration" / "history.npz")
    assert h["loss_sigma"][-1] < h["loss_sigma"][0]


def test_ctc_dataset_is_six_component_and_compressed(chain_cli, cache):
    _, out = chain_cli
    ds = load(out / "dataset.npz")
    assert ds.strain.shape[:2] == (16, 2) and ds.n_voigt == 6
    assert np.allclose(ds.initial_pressure, 100e3)
    # the CTC axis is z (Voigt 33): shortened, and stressed beyond the confining pressure
    assert (ds.strain[:, -1, 2] < 0).all() and ds.stress[:, -1, 2].mean() < -100e3
    # the cached runs are reused (same key), with the top force growing in compression
    folder, s = femdem_run(SIZES["smoke"], "ptc", cache)
    assert s["cached"] and s["completed"]
    e, f = run_curve(folder)
    assert e[-1] == pytest.approx(0.01) and f[-1] > f[0] > 0


def test_femml_smoke(chain_cli, cache, tmp_path):
    """FEM-ML on CTC and held-out PTC with a committee trained on the cached CTC run."""
    rep = femml(tmp_path / "ml", SIZES["smoke"], BUDGETS["smoke"], cache)
    assert rep["trained_on"] == "ctc"
    assert set(rep["cases"]) == {"ctc", "ptc"} and rep["cases"]["ptc"]["held_out"]
    for p, c in rep["cases"].items():
        assert c["femdem_cached"]
        assert c["time_per_iteration_dem_s"] > 0
        assert c["rel_l2"] >= 0 and np.isfinite(c["mae"])
        assert (tmp_path / "ml" / f"uncertainty_sections_{p}.png").is_file()
        assert 0 <= c["uncertainty_last_step"]["mean"] <= c["uncertainty_last_step"]["max"]
    done = [c for c in rep["cases"].values() if c["completed"]]
    for c in done:  # a surrogate at 16 points is far cheaper than 16 DEM RVEs
        assert c["speedup_per_iteration"] > 5
    assert (tmp_path / "ml" / "model").is_dir()


def test_data_mask_3d_cuts_at_tension_and_lost_contact():
    p0 = 100e3
    s = np.tile(-p0 * np.array([1, 1, 1, 0, 0, 0.0]), (2, 4, 1))
    s[0, 2, :3] = [-1e3, -1e3, -1e3]  # p < 0.1 p0 at step 2: masked from there on
    s[1, 1, 2] = -4.5 * p0  # q = 3.5 p0, p = 2.17 p0: q/p = 1.6, kept
    s[1, 3, :3] = [-1e3, -1e3, 2e5]  # tension: p < 0
    ds = SequenceDataset(np.zeros_like(s), s, np.arange(4.0), np.full(2, p0))
    m = data_mask_3d(ds)
    assert m.tolist() == [[True, True, False, False], [True, True, True, False]]


def test_bad_sizes_are_refused():
    with pytest.raises(MslearnInputError, match="size"):
        size_with("huge")
    r = CliRunner().invoke(app, ["study", "triaxial-3d-calibration", "--elements", "1,1,1"])
    assert r.exit_code != 0 and "NZ >= 2" in r.output
