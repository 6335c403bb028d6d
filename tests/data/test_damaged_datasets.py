"""Damaged point and sequence datasets are one-line errors naming the file, never
tracebacks and never silently read (deleted chunks, NaN rows); failed steps are kept."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import zarr
from typer.testing import CliRunner

from mslearn.core.errors import MslearnInputError, SolverFailure
from mslearn.data import PointDatasetWriter, RecordingMaterial, open_dataset
from mslearn.data import store as store_module
from mslearn.data.sequences import SequenceDataset, from_point_dataset, load, save
from mslearn.data.splits import dataset_info, merge_datasets
from mslearn.fem.solvers.implicit import NewtonOptions, StaticSolver
from mslearn.learn.features import load_point_data
from mslearn.materials import DruckerPrager, LinearElastic
from mslearn.materials.base import MaterialResponse
from mslearn.problems import BiaxialConfig


def _record(path: Path, material=None, **newton) -> tuple[object, PointDatasetWriter]:
    prob = BiaxialConfig(nx=2, ny=4, element="Q4").build()
    inner = material or DruckerPrager.mohr_coulomb_plane_strain(
        60e6, 0.3, 2e3, np.radians(30), prob.n_points, initial_pressure=1e5
    )
    writer = PointDatasetWriter(path, 3, attrs={"initial_pressure": 1e5})
    mat = RecordingMaterial(inner, writer, prob.disc.gauss_xy, prob.disc.n_quad)
    solver = StaticSolver(prob.disc, mat, prob.bcs, NewtonOptions(**{"n_steps": 4, **newton}))
    try:
        solver.run()
    finally:
        writer.flush()
    return prob, writer


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ds") / "good.zarr"
    _record(path)
    return path


def _one_line(exc_info, *fragments) -> None:
    msg = str(exc_info.value)
    assert "\n" not in msg and "Traceback" not in msg, msg
    for f in fragments:
        assert f in msg, (f, msg)


def _edit_json(path: Path, **changes) -> None:
    meta = json.loads(path.read_text())
    meta.update(changes)
    path.write_text(json.dumps(meta))


def _flip_middle(path: Path) -> None:
    b = bytearray(path.read_bytes())
    b[len(b) // 2] ^= 0xFF
    path.write_bytes(bytes(b))


def _set_rows(d: Path, name: str, rows: slice, value) -> None:
    g = zarr.open_group(str(d), mode="a")
    a = g[name][:]
    a[rows] = value
    with zarr.config.set(store_module.WRITE_CONFIG):
        g[name][:] = a


def _resize(d: Path, name: str, n: int) -> None:
    a = zarr.open_group(str(d), mode="a")[name]
    a.resize((n, *a.shape[1:]))


#: damage -> fragments of the one-line message
DAMAGES = {
    "missing array": (lambda d: shutil.rmtree(d / "history"), ["lacks the arrays ['history']"]),
    "junk group metadata": (
        lambda d: (d / "zarr.json").write_text("junk"),
        ["is not a Zarr dataset", "metadata"],
    ),
    "junk array metadata": (
        lambda d: (d / "stiffness" / "zarr.json").write_text("{not json"),
        ["array 'stiffness' has unreadable metadata"],
    ),
    "array metadata of no array": (
        lambda d: (d / "stress" / "zarr.json").write_text('{"shape": [3]}'),
        ["array 'stress' has unreadable metadata"],
    ),
    "corrupted chunk": (
        lambda d: _flip_middle(d / "stress" / "c" / "0" / "0"),
        ["array 'stress' cannot be read", "damaged chunk", "checksum"],
    ),
    "truncated chunk": (
        lambda d: (d / "strain" / "c" / "0" / "0").write_bytes(b"\x28\xb5\x2f"),
        ["array 'strain' cannot be read"],
    ),
    "deleted stress chunk": (
        lambda d: os.remove(d / "stress" / "c" / "0" / "0"),
        ["array 'stress' has 1 of 1 chunk files missing"],
    ),
    "deleted run chunk": (
        lambda d: os.remove(d / "run" / "c" / "0"),
        ["array 'run' has 1 of 1 chunk files missing"],
    ),
    "unequal lengths": (
        lambda d: _resize(d, "strain", 100),
        ["unequal row counts {'strain': 100}"],
    ),
    "NaN stress rows": (
        lambda d: _set_rows(d, "stress", slice(5, 8), np.nan),
        ["3 of", "rows of 'stress' are not finite", "first at row 5"],
    ),
    "inf stiffness": (
        lambda d: _set_rows(d, "stiffness", slice(0, 1), np.inf),
        ["1 of", "rows of 'stiffness' are not finite"],
    ),
    "float step": (
        lambda d: _edit_json(d / "step" / "zarr.json", data_type="float64", fill_value=0.0),
        ["array 'step' has dtype float64; expected integers"],
    ),
    "wrong stiffness shape": (
        lambda d: _edit_json(
            d / "stiffness" / "zarr.json",
            shape=[12, 9],
            chunk_grid={"name": "regular", "configuration": {"chunk_shape": [65536, 9]}},
        ),
        ["array 'stiffness' has shape (12, 9); expected (rows, 3, 3)"],
    ),
    "newer schema": (
        lambda d: _edit_json(
            d / "zarr.json",
            attributes={
                **json.loads((d / "zarr.json").read_text())["attributes"],
                "schema": ("mslearn.point_dataset/9"),
            },
        ),
        ["schema version 9", "reads versions 1 to 2"],
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_damaged_point_dataset_is_one_line_naming_it(good, tmp_path, damage):
    how, fragments = DAMAGES[damage]
    d = shutil.copytree(good, tmp_path / "d.zarr")
    how(d)
    with pytest.raises(MslearnInputError) as e:
        load_point_data(d)
    _one_line(e, str(d), *fragments)


def test_every_reader_of_point_datasets_checks(good, tmp_path):
    d = shutil.copytree(good, tmp_path / "d.zarr")
    os.remove(d / "strain" / "c" / "0" / "0")
    for read in (
        dataset_info,
        lambda p: merge_datasets([p], tmp_path / "m.zarr"),
        from_point_dataset,
        load,
        lambda p: PointDatasetWriter(p, 3, mode="a"),  # resuming a run's recorder
    ):
        with pytest.raises(MslearnInputError) as e:
            read(d)
        _one_line(e, str(d), "array 'strain' has 1 of 1 chunk files missing")


def test_a_good_dataset_reads_and_stores_every_chunk(good):
    g = open_dataset(good)
    assert g.attrs["schema"] == "mslearn.point_dataset/2"
    for name in g.array_keys():
        a = g[name].array
        assert a.nchunks_initialized == a.nchunks == 1, name  # also the all-zero `run`
    a = load_point_data(good)
    assert a.x.shape == (g.n_rows, 6) and np.isfinite(a.x).all()
    assert np.asarray(g["stress"]).shape == (g.n_rows, 3)


def _as_version_1(src: Path, dst: Path) -> Path:
    """The dataset rewritten as format 1 wrote it: fill 0, chunks equal to it not stored."""
    g = open_dataset(src)
    out = zarr.open_group(str(dst), mode="w")
    for name in g.array_keys():
        a = g[name]
        out.create_array(name, data=a[:], chunks=(store_module.CHUNK_ROWS, *a.shape[1:]))
    out.attrs.update({k: v for k, v in g.attrs.items() if k != "schema"})
    return dst


def test_version_1_datasets_still_read_and_a_deleted_stress_chunk_is_found(good, tmp_path):
    old = _as_version_1(good, tmp_path / "old.zarr")
    assert not (old / "run" / "c").exists()  # all zero: never stored by format 1
    np.testing.assert_array_equal(load_point_data(old).x, load_point_data(good).x)
    os.remove(old / "stress" / "c" / "0" / "0")
    with pytest.raises(MslearnInputError) as e:
        load_point_data(old)
    _one_line(e, "array 'stress' has 1 of 1 chunk files missing")


def test_train_on_a_damaged_dataset_exits_2_with_one_error_line(good, tmp_path):
    from mslearn.cli.main import app

    runner = CliRunner()
    for name, damage in {
        "deleted": lambda d: os.remove(d / "stress" / "c" / "0" / "0"),
        "nan": lambda d: _set_rows(d, "stress", slice(0, 4), np.nan),
    }.items():
        d = shutil.copytree(good, tmp_path / f"{name}.zarr")
        damage(d)
        r = runner.invoke(
            app, ["train", "--data", str(d), "--smoke", "--out", str(tmp_path / name)]
        )
        assert r.exit_code == 2, r.output
        lines = [ln for ln in r.output.splitlines() if ln.startswith("error:")]
        assert len(lines) == 1 and str(d) in lines[0], r.output
        assert "Traceback" not in r.output


# ------------------------------------------------------------------ sequence datasets
def _sequences() -> SequenceDataset:
    rng = np.random.default_rng(0)
    strain = np.cumsum(rng.normal(0, 1e-4, (4, 6, 3)), axis=1)
    return SequenceDataset(strain, -1e5 + 5e7 * strain, np.arange(1.0, 7.0), np.full(4, 1e5))


def test_damaged_sequence_datasets_are_one_line_errors(tmp_path):
    z = save(_sequences(), tmp_path / "s.zarr")
    assert load(z).n_paths == 4
    cases = {}
    d = shutil.copytree(z, tmp_path / "deleted.zarr")
    for chunk in (d / "stress" / "c").rglob("*"):
        if chunk.is_file():
            chunk.unlink()
            break
    cases[d] = ["array 'stress' has", "chunk files missing"]
    d = shutil.copytree(z, tmp_path / "junk.zarr")
    (d / "strain" / "zarr.json").write_text("junk")
    cases[d] = ["cannot be read"]
    d = shutil.copytree(z, tmp_path / "nan.zarr")
    a = zarr.open_group(str(d), mode="a")["stress"]
    a[1, 2] = np.nan
    cases[d] = ["1 of 24 (path, step) rows of 'stress' are not finite", "path 1, step 2"]
    npz = save(_sequences(), tmp_path / "s.npz")
    bad = tmp_path / "cut.npz"
    bad.write_bytes(npz.read_bytes()[:200])
    cases[bad] = ["cannot be read"]
    wrong_time = tmp_path / "time.npz"
    with np.load(npz) as f:
        arrays = {k: f[k] for k in f.files}
    np.savez(wrong_time, **{**arrays, "time": np.arange(3.0)})
    cases[wrong_time] = ["time has shape (3,); expected (6,)"]
    for path, fragments in cases.items():
        with pytest.raises(MslearnInputError) as e:
            load(path)
        _one_line(e, str(path), *fragments)


# ------------------------------------------------------------------ the recorder
class _Flaky(LinearElastic):
    """Elastic, but answers noisily beyond a strain level (Newton cannot converge there),
    and point 0 answers NaN in the third evaluation."""

    def __init__(self, n):
        super().__init__(50e6, 0.3, n, initial_pressure=1e5)
        self.calls = 0
        self.rng = np.random.default_rng(0)

    def trial(self, strain):
        r = super().trial(strain)
        self.calls += 1
        stress = r.stress.copy()
        if np.abs(strain).max() > 0.04:
            stress += 1e6 * self.rng.standard_normal(stress.shape)
        if self.calls == 3:
            stress[0] = np.nan
        return MaterialResponse(stress, r.stiffness, r.kind, r.extras)


def test_the_evaluations_of_a_failed_step_are_kept_not_converged(tmp_path):
    path = tmp_path / "failed.zarr"
    prob = BiaxialConfig(nx=2, ny=4, element="Q4").build()
    flaky = _Flaky(prob.n_points)
    with pytest.raises(SolverFailure):
        _record(path, flaky, n_steps=4, max_cuts=1, max_iterations=4)
    info = dataset_info(path)
    g = open_dataset(path)
    step, conv = g["step"][:], g["converged"][:]
    failed = step.max()
    assert not conv[step == failed].any() and (step == failed).sum() > 0
    assert info["uncommitted_rows"] == (step == failed).sum()
    assert info["nonfinite_rows_dropped"] == 1  # point 0 of evaluation 3, not written
    assert g.n_rows == flaky.calls * prob.n_points - 1  # every other evaluation is a row
    a = load_point_data(path)
    assert np.isfinite(a.x).all() and np.isfinite(a.stress).all()
    seq = from_point_dataset(path)  # converged rows only: the failed step is not a step
    assert seq.strain.shape[1] == len(np.unique(step[conv]))


def test_converged_flags_are_set_across_a_flush(tmp_path, monkeypatch):
    """A step's last trial may already be on disk when it is committed."""
    monkeypatch.setattr(store_module, "CHUNK_ROWS", 40)
    path = tmp_path / "small_chunks.zarr"
    prob, _ = _record(path, n_steps=3)
    g = open_dataset(path)
    conv, step = g["converged"][:], g["step"][:]
    assert conv.sum() == 3 * prob.n_points
    for s in (1, 2, 3):
        assert (
            conv[step == s][-prob.n_points :].all() and not conv[step == s][: -prob.n_points].any()
        )
    assert g["stress"].array.nchunks > 1
