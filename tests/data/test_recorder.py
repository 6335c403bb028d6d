"""Recorder on the material seam, Zarr store, splits and merge."""

import numpy as np
import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.data import PointDatasetWriter, RecordingMaterial, open_dataset
from mslearn.data.splits import dataset_info, merge_datasets, split_indices, write_split
from mslearn.fem.solvers.implicit import NewtonOptions, StaticSolver
from mslearn.materials import DruckerPrager
from mslearn.problems import BiaxialConfig


def _recorded_run(path, n_steps=5, run_id=0):
    prob = BiaxialConfig(nx=2, ny=4, element="Q4").build()
    inner = DruckerPrager.mohr_coulomb_plane_strain(
        60e6, 0.3, 2e3, np.radians(30), prob.n_points, initial_pressure=1e5
    )
    writer = PointDatasetWriter(path, 3, attrs={"config": {"test": True}})
    mat = RecordingMaterial(inner, writer, prob.disc.gauss_xy, prob.disc.n_quad, run_id)
    res = StaticSolver(prob.disc, mat, prob.bcs, NewtonOptions(n_steps=n_steps)).run()
    writer.flush()
    return prob, res


def test_every_evaluation_is_recorded_with_history_of_converged_steps(tmp_path):
    prob, res = _recorded_run(tmp_path / "d.zarr")
    g = open_dataset(tmp_path / "d.zarr")
    n_gp = prob.n_points
    evaluations = 1 + sum(h["iterations"] for h in res.history[1:])  # initial + per step
    assert g["stress"].shape == (evaluations * n_gp, 3)
    assert g["stiffness"].shape == (evaluations * n_gp, 3, 3)
    conv = g["converged"][:]
    assert conv.sum() == 5 * n_gp  # one committed evaluation per step and point
    # phi = accumulated |d eps| of converged steps, recomputed from the converged rows
    strain, hist, point = g["strain"][:], g["history"][:], g["point"][:]
    for p in (0, n_gp - 1):
        conv_strain = np.vstack([np.zeros(3), strain[conv & (point == p)]])
        phi = np.cumsum(np.abs(np.diff(conv_strain, axis=0)), axis=0)
        rows = conv & (point == p)
        np.testing.assert_allclose(hist[rows][1:], phi[:-1], atol=1e-15)
    np.testing.assert_allclose(g["strain_increment"][:][rows][0], strain[rows][0])
    a = dict(g.attrs)
    assert a["sign_convention"] == "tension positive" and a["voigt_order"] == "[11, 22, 12]"
    assert a["units"]["stress"] == "Pa" and "created" in a and a["config"] == {"test": True}
    np.testing.assert_allclose(g["coords"][:][:n_gp], prob.disc.gauss_xy)


def test_splits_are_deterministic_disjoint_and_grouped(tmp_path):
    rng = np.random.default_rng(0)
    run = rng.integers(0, 10, 5000)
    point = rng.integers(0, 32, 5000)
    a = split_indices(run, point, "point", seed=1)
    b = split_indices(run, point, "point", seed=1)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    allidx = np.concatenate(list(a.values()))
    assert np.array_equal(np.sort(allidx), np.arange(5000))
    key = run * 32 + point
    assert not set(key[a["train"]]) & set(key[a["test"]])
    r = split_indices(run, point, "run", seed=1)
    assert not set(run[r["train"]]) & set(run[r["val"]])
    assert len(set(run[r["train"]])) == 7
    with pytest.raises(MslearnInputError, match="split by"):
        split_indices(run, point, "element")


def test_merge_renumbers_runs_and_info_reports(tmp_path):
    _recorded_run(tmp_path / "a.zarr", 3)
    _recorded_run(tmp_path / "b.zarr", 4)
    n = merge_datasets([tmp_path / "a.zarr", tmp_path / "b.zarr"], tmp_path / "m.zarr")
    info = dataset_info(tmp_path / "m.zarr")
    assert info["samples"] == n and info["runs"] == 2 and info["trajectories"] == 64
    sizes = write_split(tmp_path / "m.zarr", "point", seed=0)
    assert sum(sizes.values()) == n
    assert dataset_info(tmp_path / "m.zarr")["splits"]["point"] == sizes
    with pytest.raises(MslearnInputError, match="does not exist"):
        open_dataset(tmp_path / "nothing.zarr")
