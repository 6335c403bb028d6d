"""One save format for every kind: round trips, atomic writes, one-line errors, format 1."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.learn.persistence import FORMAT_VERSION, load_surrogate
from mslearn.learn.surrogates import GRUCommittee, HistoryMLPCommittee, MLPCommittee
from mslearn.learn.surrogates.mlp import Surrogate
from tests.learn.surrogates.kinds import KINDS, fitted, inputs_of, sequences

pytestmark = pytest.mark.property

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("kind", KINDS)
def test_round_trip_gives_identical_predictions_for_every_kind(tmp_path, kind):
    model = fitted(kind)
    folder = model.save(tmp_path / "m")
    assert sorted(p.name for p in folder.iterdir()) == ["model.json", "weights.pt"]
    meta = json.loads((folder / "model.json").read_text())
    assert meta["format"] == "mslearn-surrogate" and meta["format_version"] == FORMAT_VERSION
    assert meta["kind"] == model.kind and len(meta["data_fingerprint"]) == 64
    for key in ("architecture", "normalisers", "features", "metrics", "training_ranges"):
        assert meta[key], key
    loaded = load_surrogate(folder)
    assert type(loaded) is type(model)
    x = inputs_of(kind)
    np.testing.assert_array_equal(loaded.member_predictions(x), model.member_predictions(x))
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.meta["data_fingerprint"] == model.meta["data_fingerprint"]
    assert loaded.meta["metrics"] == json.loads(json.dumps(model.meta["metrics"]))
    assert type(model).load(folder).kind == model.kind  # the class loader reads its own kind


@pytest.mark.parametrize("cls", [GRUCommittee, HistoryMLPCommittee])
def test_sequence_warm_start_survives_a_round_trip(tmp_path, cls):
    """Adam's state is saved: fitting on after a reload equals fitting on without one."""
    x, y = sequences()
    a = cls(3, 3, hidden=6, members=2, seed=3)
    a.fit(x, y, iterations=5, lr=1e-2)
    b = cls.load(a.save(tmp_path / "m"))
    a.fit(x, y, iterations=5, lr=1e-2)
    b.fit(x, y, iterations=5, lr=1e-2)
    np.testing.assert_array_equal(a.member_predictions(x), b.member_predictions(x))


def test_saving_into_an_existing_run_folder_keeps_its_other_files(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.json").write_text("{}")
    fitted("gru").save(run)
    fitted("mlp-joint").save(run)  # replaces the model, leaves the rest
    assert sorted(p.name for p in run.iterdir()) == ["config.json", "model.json", "weights.pt"]
    assert isinstance(load_surrogate(run), MLPCommittee)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folder left


def _one_line(exc_info, *fragments):
    msg = str(exc_info.value)
    assert "\n" not in msg, msg
    for f in fragments:
        assert f in msg, (f, msg)


def test_errors_name_the_folder_and_what_was_expected(tmp_path):
    good = fitted("mlp-joint").save(tmp_path / "good")
    with pytest.raises(MslearnInputError) as e:
        load_surrogate(tmp_path / "nothing")
    _one_line(e, "nothing", "not found", "model.json")
    (tmp_path / "empty").mkdir()
    with pytest.raises(MslearnInputError) as e:
        load_surrogate(tmp_path / "empty")
    _one_line(e, "empty", "is not a saved surrogate", "model.json")
    with pytest.raises(MslearnInputError) as e:
        GRUCommittee.load(good)
    _one_line(e, str(good), "is a 'mlp' surrogate", "expected a 'gru' surrogate")
    with pytest.raises(MslearnInputError) as e:
        load_surrogate(good, kind="history_mlp")
    _one_line(e, "expected a 'history_mlp' surrogate")


def _edited(src: Path, dst: Path, **changes) -> Path:
    dst.mkdir()
    (dst / "weights.pt").write_bytes((src / "weights.pt").read_bytes())
    meta = {**json.loads((src / "model.json").read_text()), **changes}
    (dst / "model.json").write_text(json.dumps(meta))
    return dst


def test_foreign_future_and_damaged_folders_are_one_line_errors(tmp_path):
    good = fitted("gru").save(tmp_path / "good")
    cases = {
        "future": ({"format_version": FORMAT_VERSION + 1}, ["newer mslearn", "upgrade"]),
        "unknown": ({"format_version": "two"}, ["unknown format version", "'two'"]),
        "foreign": ({"format": "keras"}, ["is not a saved surrogate", "'format'"]),
        "kind": ({"kind": "pcanet"}, ["of kind 'pcanet'", "known kinds", "gru"]),
    }
    for name, (change, fragments) in cases.items():
        folder = _edited(good, tmp_path / name, **change)
        with pytest.raises(MslearnInputError) as e:
            load_surrogate(folder)
        _one_line(e, str(folder), *fragments)
    torn = _edited(good, tmp_path / "torn")
    (torn / "weights.pt").write_bytes((good / "weights.pt").read_bytes()[:100])
    with pytest.raises(MslearnInputError) as e:
        load_surrogate(torn)
    _one_line(e, str(torn), "is corrupted", "weights.pt does not match")
    (torn / "model.json").write_text("{not json")
    with pytest.raises(MslearnInputError) as e:
        load_surrogate(torn)
    _one_line(e, str(torn), "is corrupted", "not JSON")
    arch = _edited(good, tmp_path / "arch", architecture={"n_in": 3})
    with pytest.raises(MslearnInputError) as e:
        load_surrogate(arch)
    _one_line(e, str(arch), "lacks the field 'architecture.n_out'")


def test_models_saved_in_format_1_still_load_with_the_same_predictions(tmp_path):
    """``data/mlp_format1`` was written by the MLP saver before the one format (model.json
    with mode / nets / x_norm, no format_version); its predictions then are stored."""
    old = DATA / "mlp_format1"
    expected = json.loads((DATA / "mlp_format1_expected.json").read_text())
    x = np.array(expected["x"])
    for model in (Surrogate.load(old), load_surrogate(old), load_surrogate(old, kind="mlp")):
        s, D, sd = model.respond(x)
        np.testing.assert_allclose(s, expected["stress"], rtol=1e-12)
        np.testing.assert_allclose(D, expected["stiffness"], rtol=1e-12)
        np.testing.assert_allclose(sd, expected["stress_std"], rtol=1e-10)
    model = load_surrogate(old)
    assert model.meta["train_options"]["members"] == 2 and model.meta["metrics"]
    resaved = model.save(tmp_path / "new")
    assert json.loads((resaved / "model.json").read_text())["format_version"] == FORMAT_VERSION
    np.testing.assert_array_equal(load_surrogate(resaved).respond(x)[0], model.respond(x)[0])
