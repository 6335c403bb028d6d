"""Damaged or edited model folders are one-line errors naming the folder and what was
expected; nothing edited is accepted silently."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from mslearn.core.errors import MslearnInputError
from mslearn.learn.fit import fit_surrogate
from mslearn.learn.persistence import load_surrogate
from mslearn.learn.surrogates.gru import GRUCommittee
from mslearn.learn.training import TrainOptions
from tests.learn.surrogates.kinds import point_arrays


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("models")
    opts = TrainOptions(hidden=(8,), members=2, max_epochs=3)
    mlp, _ = fit_surrogate(point_arrays(300), opts, mode="joint")
    other, _ = fit_surrogate(point_arrays(300, seed=1), opts, mode="joint")
    wider, _ = fit_surrogate(point_arrays(300), TrainOptions(hidden=(12,), members=2, max_epochs=3))
    return {
        "mlp": mlp.save(root / "mlp"),
        "other": other.save(root / "other"),
        "wider": wider.save(root / "wider"),
        "gru": GRUCommittee(3, 3, hidden=6, members=2, seed=3).save(root / "gru"),
    }


def _copy(src: Path, dst: Path, edit=None, weights: bytes | None = None, sha=True) -> Path:
    shutil.copytree(src, dst)
    meta = json.loads((dst / "model.json").read_text())
    if edit is not None:
        edit(meta)
    if not sha:
        meta.pop("weights_sha256")
    (dst / "model.json").write_text(json.dumps(meta))
    if weights is not None:
        (dst / "weights.pt").write_bytes(weights)
    return dst


def _expect(folder: Path, *fragments) -> None:
    with pytest.raises(MslearnInputError) as e:
        load_surrogate(folder)
    msg = str(e.value)
    assert "\n" not in msg, msg
    for f in (str(folder), *fragments):
        assert f in msg, (f, msg)


def _torch_bytes(obj) -> bytes:
    b = io.BytesIO()
    torch.save(obj, b)
    return b.getvalue()


def _set(path: str, value):
    """An edit of model.json setting the dotted ``path`` to ``value``."""

    def edit(meta):
        *parents, last = path.split(".")
        node = meta
        for p in parents:
            node = node[p]
        node[last] = value

    return edit


EDITS = {
    "newer mslearn": (_set("mslearn_version", "99.0.0"), ["mslearn 99.0.0", "upgrade mslearn"]),
    "newer format": (_set("format_version", "99.0.0"), ["format version 99.0.0", "1 to 2"]),
    "float16": (_set("architecture.dtype", "float16"), ["'architecture.dtype'", "'float32'"]),
    "short x normaliser": (
        _set("normalisers.x.mean", [0.0, 0.0, 0.0]),
        ["'normalisers.x.mean' has 3 entries; expected 6"],
    ),
    "short y normaliser": (
        _set("normalisers.y.joint.std", [1.0] * 11),
        ["'normalisers.y.joint.std' has 11 entries; expected 12"],
    ),
    "zero std": (_set("normalisers.x.std", [0.0] * 6), ["'normalisers.x.std'", "> 0"]),
    "architecture list": (_set("architecture", [1, 2]), ["'architecture'", "dictionary"]),
    "nets string": (_set("architecture.nets", "x"), ["'architecture.nets'", "dictionary"]),
    "members string": (
        _set("architecture.nets.joint.members", "2"),
        ["'architecture.nets.joint.members' is '2'", "integer"],
    ),
    "negative members": (_set("architecture.nets.joint.members", -1), ["greater than 0"]),
    "sizes": (_set("architecture.nets.joint.sizes", [6, 8, 5]), ["12 outputs"]),
    "nv": (_set("architecture.nv", 6), ["expected 12 inputs"]),
    "mode": (_set("architecture.mode", "separate"), ["mode 'separate' expects"]),
    "no normalisers": (_set("normalisers", None), ["'normalisers'"]),
    "features list": (_set("features", [1]), ["'features'"]),
    "kind": (_set("kind", None), ["'kind'"]),
    "ranges": (_set("training_ranges.min", [0.0]), ["'training_ranges.min'"]),
    "fingerprint": (_set("weights_sha256", "abc"), ["'weights_sha256'"]),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_an_edited_model_json_is_one_line(models, tmp_path, edit):
    change, fragments = EDITS[edit]
    _expect(_copy(models["mlp"], tmp_path / "m", change), *fragments)


def test_empty_garbage_and_foreign_weights_are_refused(models, tmp_path):
    mlp = models["mlp"]
    _expect(_copy(mlp, tmp_path / "empty", weights=b""), "is corrupted", "weights.pt is empty")
    _expect(_copy(mlp, tmp_path / "empty_old", weights=b"", sha=False), "weights.pt is empty")
    _expect(
        _copy(mlp, tmp_path / "garbage", weights=b"PK\x03\x04" * 50, sha=False),
        "weights.pt cannot be read",
    )
    _expect(
        _copy(mlp, tmp_path / "pickle", weights=_torch_bytes({"joint": object()}), sha=False),
        "weights.pt cannot be read",
    )
    other = (models["other"] / "weights.pt").read_bytes()
    _expect(_copy(mlp, tmp_path / "swapped", weights=other), "checksum differs")
    wider = (models["wider"] / "weights.pt").read_bytes()
    _expect(
        _copy(mlp, tmp_path / "wider", weights=wider, sha=False),
        "weights.pt does not match the architecture",
        "size mismatch",
    )
    gru = (models["gru"] / "weights.pt").read_bytes()
    _expect(
        _copy(mlp, tmp_path / "gru", weights=gru, sha=False),
        "weights.pt holds ['members', 'opt']",
        "expects ['joint']",
    )
    w = torch.load(mlp / "weights.pt", weights_only=True)
    f32 = {"joint": {k: v.float() for k, v in w["joint"].items()}}
    _expect(
        _copy(mlp, tmp_path / "f32", weights=_torch_bytes(f32), sha=False),
        "joint/weights.0 is float32",
        "expected float64",
    )
    short = {"joint": {k: v for k, v in w["joint"].items() if k != "biases.0"}}
    _expect(
        _copy(mlp, tmp_path / "short", weights=_torch_bytes(short), sha=False),
        "does not match the architecture",
        "biases.0",
    )


def test_a_folder_saved_without_a_fingerprint_still_loads(models, tmp_path):
    old = _copy(models["mlp"], tmp_path / "old", sha=False)
    x = point_arrays(5).x
    got, want = load_surrogate(old).respond(x), load_surrogate(models["mlp"]).respond(x)
    for a, b in zip(got, want, strict=True):
        assert (a == b).all()


def test_fem_ml_with_an_empty_weights_file_exits_2_with_one_error_line(models, tmp_path):
    from mslearn.cli.main import app

    folder = _copy(models["mlp"], tmp_path / "m", weights=b"")
    r = CliRunner().invoke(
        app, ["fem-ml", "--model", str(folder), "--smoke", "--quiet", "--out", str(tmp_path / "o")]
    )
    assert r.exit_code == 2, r.output
    errors = [ln for ln in r.output.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and "weights.pt is empty" in errors[0], r.output
    assert "Aborted" not in r.output and "Traceback" not in r.output
