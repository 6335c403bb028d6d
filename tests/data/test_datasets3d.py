"""Point and sequence datasets with six Voigt components (3D): write, read, verify,
append, merge, the recorder's phi, and the conversion of a 3D point dataset to curves."""

from __future__ import annotations

import numpy as np
import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.data.recorder import RecordingMaterial
from mslearn.data.sequences import SequenceDataset, from_point_dataset, load, save
from mslearn.data.splits import dataset_info, merge_datasets
from mslearn.data.store import PointDatasetWriter, load_arrays, open_dataset, verify_dataset
from mslearn.materials import LinearElastic

ORDER3D = "[11, 22, 33, 23, 13, 12]"


def rows3d(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "strain": rng.standard_normal((n, 6)) * 1e-3,
        "history": np.abs(rng.standard_normal((n, 6))) * 1e-3,
        "strain_increment": rng.standard_normal((n, 6)) * 1e-4,
        "stress": rng.standard_normal((n, 6)) * 1e5,
        "stiffness": rng.standard_normal((n, 6, 6)) * 1e7,
        "step": np.arange(n) // 4 + 1,
        "iteration": np.arange(n) % 2,
        "converged": np.arange(n) % 2 == 1,
        "point": np.arange(n) % 4,
        "element": np.arange(n) % 4 // 2,
        "coords": rng.uniform(0, 1, (n, 3)),
        "run": np.zeros(n, int),
    }


def test_point_dataset_3d_round_trip_and_verify(tmp_path):
    path = tmp_path / "p.zarr"
    rows = rows3d(40)
    w = PointDatasetWriter(path, nv=6, attrs={"initial_pressure": 1e5})
    w.append(rows)
    w.flush()
    g = open_dataset(path)
    assert g.n_voigt == 6 and g.attrs["voigt_order"] == ORDER3D and g.attrs["n_voigt"] == 6
    shapes = {k: g[k].shape for k in ("strain", "history", "stress", "stiffness", "coords")}
    assert shapes == {
        "strain": (40, 6),
        "history": (40, 6),
        "stress": (40, 6),
        "stiffness": (40, 6, 6),
        "coords": (40, 3),
    }
    back = load_arrays(path)
    for k, v in rows.items():
        np.testing.assert_array_equal(back[k], v)
    assert verify_dataset(path) == 40
    info = dataset_info(path)
    assert info["voigt_order"] == ORDER3D and len(info["stress_min_pa"]) == 6
    # continue the run (mode "a"), truncate to a checkpoint, and refuse another Voigt size
    w2 = PointDatasetWriter(path, nv=6, mode="a")
    w2.append(rows3d(8, seed=1))
    w2.flush()
    assert open_dataset(path).n_rows == 48
    w2.truncate(44)
    assert verify_dataset(path) == 44
    with pytest.raises(MslearnInputError, match="has 6 stress components; this run writes 3"):
        PointDatasetWriter(path, nv=3, mode="a")


def test_a_3d_dataset_whose_shapes_disagree_is_refused(tmp_path):
    path = tmp_path / "p.zarr"
    w = PointDatasetWriter(path, nv=6)
    w.append(rows3d(8))
    w.flush()
    w.update_attrs(n_voigt=3)
    with pytest.raises(MslearnInputError, match="n_voigt is 3 but stress has 6"):
        open_dataset(path)
    bad = tmp_path / "bad.zarr"
    w = PointDatasetWriter(bad, nv=6, dim=2)  # 2D coordinates with a 3D stress
    with pytest.raises(ValueError, match=r"'coords' has rows of shape \(3,\); .* stores \(2,\)"):
        w.append(rows3d(8))


def test_merge_keeps_3d_coordinates(tmp_path):
    paths = []
    for i in range(2):
        p = tmp_path / f"d{i}.zarr"
        w = PointDatasetWriter(p, nv=6)
        w.append(rows3d(12, seed=i))
        w.flush()
        paths.append(p)
    assert merge_datasets(paths, tmp_path / "m.zarr") == 24
    g = open_dataset(tmp_path / "m.zarr")
    assert g["coords"].shape == (24, 3) and g["stiffness"].shape == (24, 6, 6)
    assert set(g["run"][:].tolist()) == {0, 1}
    p2 = tmp_path / "two_d.zarr"
    w = PointDatasetWriter(p2, nv=3)
    r = rows3d(4)
    w.append(
        {
            **r,
            **{k: r[k][:, [0, 1, 5]] for k in ("strain", "history", "strain_increment", "stress")},
            "stiffness": r["stiffness"][:, [0, 1, 5]][:, :, [0, 1, 5]],
            "coords": r["coords"][:, :2],
        }
    )
    w.flush()
    with pytest.raises(MslearnInputError, match="different Voigt sizes"):
        merge_datasets([paths[0], p2], tmp_path / "x.zarr")


def record_elastic_3d(path, n_points=3, n_steps=4):
    """A recorder run of 3D elasticity: two trials per step, the second committed."""
    w = PointDatasetWriter(path, nv=6, attrs={"initial_pressure": 50e3})
    mat = RecordingMaterial(
        LinearElastic(30e6, 0.25, n_points, dim=3, initial_pressure=50e3),
        w,
        np.zeros((n_points, 3)),
        n_quad=1,
    )
    rng = np.random.default_rng(3)
    eps = np.cumsum(1e-4 * rng.standard_normal((n_steps, n_points, 6)), axis=0)
    for k in range(n_steps):
        mat.trial(0.5 * eps[k])
        mat.trial(eps[k])
        mat.commit()
    w.flush()
    return eps


def test_recorder_3d_rows_and_history(tmp_path):
    path = tmp_path / "rec.zarr"
    eps = record_elastic_3d(path)
    g = open_dataset(path)
    conv = g["converged"][:]
    assert g["strain"].shape == (24, 6) and conv.sum() == 12
    np.testing.assert_allclose(g["strain"][:][conv].reshape(4, 3, 6), eps)
    # phi of each row: sum of |committed increments| of the earlier steps, 6 components
    phi = np.cumsum(np.abs(np.diff(eps, axis=0, prepend=0.0)), axis=0)
    hist = g["history"][:][conv].reshape(4, 3, 6)
    np.testing.assert_allclose(hist[1:], phi[:-1], rtol=1e-12)
    np.testing.assert_allclose(hist[0], 0.0)


def test_3d_point_dataset_to_sequences(tmp_path):
    path = tmp_path / "rec.zarr"
    eps = record_elastic_3d(path)
    seq = from_point_dataset(path)
    assert seq.n_voigt == 6 and seq.strain.shape == (3, 4, 6)
    np.testing.assert_allclose(seq.strain, np.swapaxes(eps, 0, 1))
    np.testing.assert_allclose(seq.initial_pressure, 50e3)
    assert load(path).strain.shape == (3, 4, 6)  # load() recognises a point dataset


@pytest.mark.parametrize("suffix", [".npz", ".zarr"])
def test_sequence_dataset_3d_round_trip(tmp_path, suffix):
    rng = np.random.default_rng(0)
    ds = SequenceDataset(
        1e-3 * rng.standard_normal((5, 7, 6)),
        1e5 * rng.standard_normal((5, 7, 6)),
        np.arange(1, 8.0),
        np.full(5, 1e5),
        {"model": "csuh"},
        mask=rng.uniform(size=(5, 7)) > 0.2,
    )
    assert ds.full_attrs()["voigt_order"] == ORDER3D
    back = load(save(ds, tmp_path / f"s{suffix}"))
    assert back.n_voigt == 6 and back.attrs["voigt_order"] == ORDER3D
    for k in ("strain", "stress", "time", "initial_pressure", "mask"):
        np.testing.assert_array_equal(getattr(back, k), getattr(ds, k))
    assert back.subset([1, 3]).strain.shape == (2, 7, 6)
    with pytest.raises(MslearnInputError, match="Voigt size is 5"):
        SequenceDataset(np.zeros((1, 2, 5)), np.zeros((1, 2, 5)), np.arange(2.0), np.ones(1))
