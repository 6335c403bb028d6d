"""Pool-based active-learning resampling (issue 6 item 2, seed 000 Sec. 4.1.1-4.1.2)."""

import json
import subprocess
import sys

import numpy as np
import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.experiments.common import rel_l2
from mslearn.experiments.resampling import (
    CASES,
    ResampleOptions,
    Rows,
    active_selection,
    hybrid_rows,
    run_resampling,
    shear_band_points,
)
from mslearn.learn.features import Arrays


def _rows(xy: np.ndarray, gamma_final: np.ndarray, run: int, steps: int = 3) -> Rows:
    """Rows of a run whose points shear in proportion to ``gamma_final``, one row per step."""
    n = len(xy)
    strain, point, step = [], [], []
    for k in range(1, steps + 1):
        e = np.zeros((n, 3))
        e[:, 2] = gamma_final * k / steps  # engineering shear only
        strain.append(e)
        point.append(np.arange(n))
        step.append(np.full(n, k))
    strain = np.vstack(strain)
    m = len(strain)
    return Rows(
        Arrays(
            np.hstack([strain, np.abs(strain)]),
            np.zeros((m, 3)),
            np.zeros((m, 3, 3)),
            np.full(m, run),
            np.concatenate(point),
        ),
        np.tile(xy, (steps, 1)),
        np.concatenate(step),
        np.ones(m, bool),
    )


def test_hybrid_takes_fine_band_and_coarse_outside():
    """Seed 000 Fig. 9: a band along x = y; fine rows inside it, coarse rows outside it."""
    g = np.linspace(0.05, 0.95, 10)
    fxy = np.array([(x, y) for y in g for x in g])
    band = np.abs(fxy[:, 0] - fxy[:, 1]) < 0.05  # the 10 diagonal points
    fine = _rows(fxy, np.where(band, 0.05, 0.001), run=1000)
    cg = np.array([0.25, 0.75])
    cxy = np.array([(x, y) for y in cg for x in cg])  # (0.25, 0.25), (0.75, 0.75) on the band
    coarse = _rows(cxy, np.full(4, 0.002), run=0)
    np.testing.assert_array_equal(shear_band_points(fine, 0.1), np.flatnonzero(band))
    hyb, info = hybrid_rows(coarse, fine, 0.1)
    assert info["coarse_points_kept"] == [1, 2]  # the off-diagonal coarse points
    assert info["fine_rows"] == 30 and info["coarse_rows"] == 6 and len(hyb) == 36
    is_fine = hyb.a.run == 1000
    assert set(hyb.a.point[is_fine]) == set(np.flatnonzero(band))
    with pytest.raises(MslearnInputError, match="no converged rows"):
        shear_band_points(fine.take(np.flatnonzero(~fine.converged)), 0.3)


def test_active_selection_prefers_what_the_committee_has_not_seen():
    """Committee trained on small strains: the top 30 % of a pool mixing seen and unseen
    (10x larger) strains are mostly the unseen ones (seed 000 Eq. 18 as a detector)."""
    from mslearn.learn.fit import fit_surrogate
    from mslearn.learn.training import TrainOptions
    from mslearn.materials import LinearElastic

    rng = np.random.default_rng(0)
    n = 1200
    mat = LinearElastic(50e6, 0.3, n, initial_pressure=1e5)
    eps = rng.uniform(-1e-3, 1e-3, (n, 3))
    r = mat.trial(eps)
    a = Arrays(
        np.hstack([eps, np.abs(eps)]), r.stress, r.stiffness, rng.integers(0, 3, n), np.arange(n)
    )
    sur, _ = fit_surrogate(
        a, TrainOptions(hidden=(16, 16), members=5, max_epochs=60, patience=60, lr=3e-3)
    )
    seen = rng.uniform(-1e-3, 1e-3, (300, 3))
    unseen = rng.uniform(-1e-2, 1e-2, (300, 3))
    pe = np.vstack([seen, unseen])
    pool = Rows(
        Arrays(
            np.hstack([pe, np.abs(pe)]), pe, np.zeros((600, 3, 3)), np.zeros(600), np.arange(600)
        ),
        np.zeros((600, 2)),
        np.ones(600, int),
        np.ones(600, bool),
    )
    chosen, scores = active_selection(sur, pool, 0.3)
    assert chosen.size == 180 and scores.shape == (600,)
    assert (chosen >= 300).mean() > 0.9
    assert scores[chosen].min() >= np.delete(scores, chosen).max()
    rel, rel_scores = active_selection(sur, pool, 0.3, "relative")
    s_mean = sur.predict(pool.a.x)  # committee-mean stress (N, nv)
    np.testing.assert_allclose(rel_scores, scores / np.linalg.norm(s_mean, axis=1), rtol=1e-10)
    rnd, _ = active_selection(sur, pool, 0.3, "random", seed=1)
    assert rnd.size == 180 and np.unique(rnd).size == 180
    assert 0.3 < (rnd >= 300).mean() < 0.7  # the baseline does not see the difference
    with pytest.raises(MslearnInputError, match="pool is empty"):
        active_selection(sur, pool.take(np.array([], int)), 0.3)


def test_relative_l2_over_the_steps_reached():
    ref = np.array([0.0, 1.0, 2.0, 3.0])
    assert rel_l2(ref, ref) == 0
    assert rel_l2(2 * ref, ref) == pytest.approx(1.0)
    assert rel_l2(ref[:2] * 1.5, ref) == pytest.approx(0.5)  # over the steps reached


@pytest.mark.parametrize(
    ("field", "kw"),
    [
        ("fraction", {"fraction": 0}),
        ("band_fraction", {"band_fraction": 1.2}),
        ("members", {"members": 1}),
        ("train_s", {"train_s": -1}),
        ("size", {"size": "huge"}),
        ("score", {"score": "entropy"}),
    ],
)
def test_bad_options_name_the_field(field, kw):
    with pytest.raises(MslearnInputError, match=f"^{field} is"):
        ResampleOptions(**kw).check()


def test_smoke_experiment_table_and_cache(tmp_path):
    out = tmp_path / "al"
    r = subprocess.run(
        [sys.executable, "-m", "mslearn", "al-resample", "--smoke", "--quiet", "--json"]
        + ["--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    j = json.loads(r.stdout.strip().splitlines()[-1])
    assert set(j["cases"]) == set(CASES)
    rep = json.loads((out / "report.json").read_text())
    for k, c in rep["cases"].items():
        assert c["steps_completed"] <= c["steps"] == 3
        assert np.isfinite(c["top_force_error_vs_fine_fem_dem"]), k
        assert c["training_samples"] == rep["training"][c["training_data"]]["samples"]
        assert (out / "fem_ml" / k / "uncertainty_maps.png").is_file()
        assert "uncertainty" in json.loads((out / "fem_ml" / k / "summary.json").read_text())
    t = rep["training"]
    al = rep["active_learning"]
    assert al["pool_samples"] == t["fine"]["samples"]
    assert al["selected"] == int(np.ceil(0.3 * al["pool_samples"]))
    assert t["active"]["samples"] == t["coarse"]["samples"] + al["selected"]
    h = rep["hybrid"][0]
    assert t["hybrid"]["samples"] == h["fine_rows"] + h["coarse_rows"]
    assert 0 < h["coarse_rows"] < t["coarse"]["samples"] and 0 < h["fine_rows"]
    # same data + same mesh for FEM-ML -> the same top force as its own mesh's reference case
    assert rep["cases"]["D"]["top_force_error_vs_same_mesh_fem_dem"] == pytest.approx(
        rep["cases"]["D"]["top_force_error_vs_fine_fem_dem"]
    )
    for name in ("report.md", "top_force.png", "final_shapes.png", "selection.png"):
        assert (out / name).is_file(), name
    md = (out / "report.md").read_text()
    assert "| F-AL | active |" in md
    # a rerun reuses every FEM-DEM run and every committee, and gives the same table
    again = run_resampling(out, ResampleOptions(size="smoke"), progress=False)
    assert all(v["cached"] for v in again["fem_dem"].values())
    assert all(v["cached"] for v in again["training"].values())
    for k, c in again["cases"].items():
        assert (
            c["top_force_error_vs_fine_fem_dem"]
            == rep["cases"][k]["top_force_error_vs_fine_fem_dem"]
        )
