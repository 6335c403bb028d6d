"""seed 003 chain: the analysis functions against hand-computed values, the sizes, the
paper tables, the CLI wiring; the whole smoke command is marked slow."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.experiments.femdem_calibration import force_errors
from mslearn.experiments.seed003_sizes import PAPER_TABLES, SIZES, size_with
from mslearn.experiments.seed003_tables import paper_entry, table_entry
from mslearn.report import seed003_plots as sp


def test_overlap_by_hand():
    # union range [0, 2] x [0, 2], 2 x 2 grid: A occupies the cells (0,0), (1,1)
    # (point (2, 2) is clipped into the last cell); B occupies (0,0), (0,1)
    a = np.array([[0.1, 0.1], [2.0, 2.0]])
    b = np.array([[0.2, 0.3], [0.5, 1.5]])
    ov = sp.overlap(a, b, bins=2)
    assert ov["coverage"] == pytest.approx(0.5)  # 1 shared of B's 2 cells
    assert ov["jaccard"] == pytest.approx(1.0 / 3.0)  # 1 shared of 3 in the union
    assert sp.overlap(a, a, bins=7)["coverage"] == 1.0
    disjoint = sp.overlap(np.zeros((3, 2)), np.ones((3, 2)), bins=4)
    assert disjoint["coverage"] == 0.0 and disjoint["jaccard"] == 0.0


def test_overlap_refuses_empty_cloud():
    with pytest.raises(MslearnInputError, match="clouds of 0"):
        sp.overlap(np.empty((0, 2)), np.ones((2, 2)))


def _rotated(s1: float, s2: float, theta_deg: float) -> np.ndarray:
    """Tensor diag(s1, s2) rotated by theta as Voigt [11, 22, 12] (tensor shear)."""
    c, s = np.cos(np.radians(theta_deg)), np.sin(np.radians(theta_deg))
    r = np.array([[c, -s], [s, c]])
    t = r @ np.diag([s1, s2]) @ r.T
    return np.array([t[0, 0], t[1, 1], t[0, 1]])


@pytest.mark.parametrize("theta", [0.0, 20.0, -35.0, 60.0])
def test_principal_angle_of_rotated_tensors(theta):
    sig = _rotated(-50e3, -150e3, theta)  # major (least compressive) axis at theta
    assert sp.principal_angle(sig, engineering=False) == pytest.approx(theta, abs=1e-9)
    eps = _rotated(0.01, -0.02, theta)
    eps[2] *= 2.0  # engineering shear
    assert sp.principal_angle(eps, engineering=True) == pytest.approx(theta, abs=1e-9)


def test_mismatch_wraps_and_drops_isotropic_states():
    eps = _rotated(0.01, -0.02, 80.0)
    eps[2] *= 2.0
    sig = _rotated(-50e3, -150e3, -80.0)  # 160 deg apart = -20 deg as lines
    iso = np.array([-100e3, -100e3, 0.0])
    ee, d = sp.mismatch(np.array([eps, np.zeros(3)]), np.array([sig, iso]))
    assert d.shape == (1,)  # the zero-strain, isotropic state has no direction
    assert d[0] == pytest.approx(-20.0, abs=1e-9)
    # eps_e of diag(0.01, -0.02, 0): e_v/3 = -1/300; e = (0.01333, -0.01667, 0.00333)
    dev = np.array([0.01, -0.02, 0.0]) + 0.01 / 3.0
    assert ee[0] == pytest.approx(np.sqrt(2.0 / 3.0 * np.sum(dev**2)), rel=1e-12)
    assert sp.wrap_angle(np.array([90.0, -90.0, 135.0]))[0] == -90.0


def test_force_errors_by_hand():
    e_ref = np.array([0.0, 1.0, 2.0, 3.0])
    f_ref = np.array([0.0, 10.0, 6.0, 4.0])  # peak 10 at e = 1
    e = np.array([0.0, 1.5, 3.0])
    f = np.array([0.0, 12.0, 6.0])  # interpolated at 1, 2, 3: 8, 10, 6
    err = force_errors(e, f, e_ref, f_ref)
    assert err["mae"] == pytest.approx((0 + 2 + 4 + 2) / 4)
    assert err["peak_error"] == pytest.approx(abs(10.0 - 10.0))  # max(fi) = 10 at e = 2
    assert err["post_peak_error"] == pytest.approx((4 + 2) / 2)


def test_table_entry_improvement_and_paper_rows():
    rows = [
        {"method": "FEM-DEM", "gauss_points": 8, "steps": 4, "wall_s": 3.0},
        {"method": "o", "model": "csuh", "which": "original", "mae": 6.0, "wall_s": 1.0},
        {"method": "c", "model": "csuh", "which": "calibrated", "mae": 2.0, "wall_s": 1.5},
    ]
    t = table_entry("biaxial", rows)
    assert t["mae_original"] == 6.0 and t["mae_calibrated"] == 2.0
    assert t["improvement"] == pytest.approx(3.0)
    assert t["wall_time_dem_s"] == 3.0 and t["wall_time_csuh_s"] == 1.5
    p = paper_entry("biaxial")
    assert p["improvement"] == pytest.approx(24.31 / 6.92)
    assert p["wall_time_dem_s"] == pytest.approx(10.974 * 3600)
    assert set(PAPER_TABLES) == {"biaxial", "retaining_wall", "cavity_expansion", "triaxial_3d"}


def test_sizes_and_keys():
    smoke = SIZES["smoke"]
    assert smoke.problem("cavity")[0]["pin_top_corner"] is True
    assert smoke.femdem_key("biaxial") != smoke.femdem_key("cavity")
    # calibration settings do not change the FEM-DEM cache key
    assert size_with("smoke", epochs=99).femdem_key("biaxial") == smoke.femdem_key("biaxial")
    assert SIZES["paper"].biaxial_steps == 5000 and SIZES["paper"].particles == 1000
    with pytest.raises(MslearnInputError, match="solver"):
        size_with("smoke", solver="magic")


def _mslearn(*args, timeout=120):
    env = {**os.environ, "NUMBA_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-m", "mslearn", *args], capture_output=True,
                          text=True, env=env, timeout=timeout)  # fmt: skip


def test_cli_help_and_one_line_error():
    r = _mslearn("study", "seed003", "--help")
    assert r.returncode == 0 and "--smoke" in r.stdout
    r = _mslearn("study", "seed003", "--smoke", "--models", "csuh,foo")
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "models" in r.stderr


@pytest.mark.slow
def test_smoke_study_prints_tables(tmp_path):
    r = _mslearn("study", "seed003", "--smoke", "--json", "--out", str(tmp_path / "run"),
                 timeout=1800)  # fmt: skip
    assert r.returncode == 0, r.stderr[-2000:]
    s = json.loads(r.stdout.strip().splitlines()[-1])
    for name in ("biaxial", "retaining_wall", "cavity_expansion", "triaxial_3d"):
        t = s["tables"][name]
        for k in ("mae_original", "mae_calibrated", "wall_time_dem_s", "wall_time_csuh_s"):
            assert t[k] is not None and t[k] >= 0.0, (name, k)
    assert (tmp_path / "run" / "report.md").is_file()


def test_even_steps_and_subsample():
    from mslearn.data.sequences import SequenceDataset
    from mslearn.experiments.seed003_runs import even_steps, subsample

    # n = 10, k = 4: round(2.5, 5, 7.5, 10) - 1 = (1, 4, 7, 9) (round half to even)
    assert even_steps(10, 4).tolist() == [1, 4, 7, 9]
    assert even_steps(6, 3).tolist() == [1, 3, 5]
    assert even_steps(3, 5).tolist() == [0, 1, 2]
    eps = np.arange(18.0).reshape(1, 6, 3) * -1e-3
    ds = SequenceDataset(eps, eps * 1e7 - 1e5, np.arange(6.0), np.array([1e5]))
    sub = subsample(ds, 3)
    assert sub.strain.shape == (1, 3, 3) and sub.time.tolist() == [1.0, 3.0, 5.0]
    assert sub.strain[0, -1].tolist() == ds.strain[0, -1].tolist()
    assert sub.attrs["steps_recorded"] == 6 and subsample(ds, None) is ds


def test_default_solver_is_explicit_and_3d_config():
    from mslearn.experiments import triaxial3d_chain as t3
    from mslearn.experiments.seed003_triaxial import run_config

    assert SIZES["smoke"].solver == "explicit"
    cfg = run_config(t3.SIZES["smoke"], "ptc", "explicit")
    assert cfg.solver.type == "explicit" and cfg.solver.n_steps == t3.SIZES["smoke"].steps
    assert run_config(t3.SIZES["smoke"], "ptc", "implicit").solver.type == "implicit"
