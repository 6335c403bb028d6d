"""The one save format of every surrogate kind, and the one loader.

A saved surrogate is a folder with two files:

* ``model.json`` — a JSON object. Reserved keys (the same for every kind):

  ==================  =====================================================
  ``format``          ``"mslearn-surrogate"`` (marks the folder as a model)
  ``format_version``  integer, :data:`FORMAT_VERSION` when written
  ``kind``            registry name of the surrogate kind ("mlp", "gru", ...)
  ``mslearn_version`` package version that wrote it
  ``architecture``    kind-specific sizes (layers, members, dtype, mode, ...)
  ``normalisers``     kind-specific input/output scalings (lists of floats)
  ``features``        feature definition: ``name``, ``inputs``, ``outputs``
  ``data_fingerprint`` sha256 of the training arrays, or null before a fit
  ``metrics``         accuracy figures of the last fit (may be empty)
  ``training_ranges`` ``{"inputs", "min", "max"}`` of the range-checked inputs
  ``fitted``          whether the model has been trained
  ``weights_sha256``  sha256 of ``weights.pt`` (detects a torn or swapped file)
  ==================  =====================================================

  Every other key is free metadata of the model (``model.meta``: training
  options, split, learning curves, cache keys), kept at the top level so that
  tools can read it with a JSON parser alone.

* ``weights.pt`` — a ``torch.save`` dict of tensors (state dicts, optimiser
  states for warm starts), read with ``weights_only=True``.

Writing is atomic: both files go to a temporary sibling folder that is renamed
into place; when the folder already exists (it may hold other files, e.g. a
training run's config and plots), ``weights.pt`` then ``model.json`` replace
the old ones by ``os.replace`` and the checksum in ``model.json`` catches a
save interrupted between the two.

Reading is checked and every problem is one :class:`MslearnInputError` line naming
the folder: model.json against its schema (:mod:`mslearn.learn.record_schema`: field
types, dtype float32 or float64, normaliser lengths against the declared sizes); a
format version or writing mslearn major version newer than this one is refused with
the supported versions; ``weights.pt`` against ``weights_sha256`` (folders saved
before it existed load without the check), read with ``weights_only=True``, and its
tensors against the architecture (exactly the keys, shapes and dtypes it builds).

Format version 1 is the MLP format written before this module existed
(``model.json`` with ``mode``, ``nets``, ``x_norm``, ``y_norm``, no
``format_version``): :func:`read_model` converts it on reading, so old models
keep loading.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import torch

from mslearn import __version__
from mslearn.core.errors import MslearnInputError
from mslearn.core.runfolder import file_sha256
from mslearn.learn.record_schema import check_record, check_weights_layout, version_major

FORMAT = "mslearn-surrogate"
FORMAT_VERSION = 2
#: keys of model.json owned by the format (the rest is free metadata)
RESERVED = (
    "format",
    "format_version",
    "kind",
    "mslearn_version",
    "architecture",
    "normalisers",
    "features",
    "data_fingerprint",
    "metrics",
    "training_ranges",
    "fitted",
    "weights_sha256",
)
#: modules of the built-in kinds, imported by :func:`load_surrogate`
BUILTIN_KINDS = (
    "mslearn.learn.surrogates.mlp",
    "mslearn.learn.surrogates.gru",
    "mslearn.learn.surrogates.history",
)
#: kind name -> surrogate class (filled by :func:`register_surrogate`)
SURROGATES: dict[str, type] = {}


def register_surrogate(cls: type) -> type:
    """Class decorator: register a surrogate kind under ``cls.kind`` for :func:`load_surrogate`."""
    SURROGATES[cls.kind] = cls
    return cls


def save_model(folder: str | Path, record: dict, weights: dict) -> Path:
    """Write ``record`` (model.json content, reserved keys + free metadata) and ``weights``
    (a dict of tensors) to ``folder`` atomically; returns the folder."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        torch.save(weights, tmp / "weights.pt")
        full = {
            **{k: v for k, v in record.items() if k not in RESERVED},
            **{k: record.get(k) for k in RESERVED},
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "mslearn_version": __version__,
            "weights_sha256": file_sha256(tmp / "weights.pt"),
        }
        (tmp / "model.json").write_text(json.dumps(full, indent=2))
        if not folder.exists():
            os.replace(tmp, folder)
            return folder
        for name in ("weights.pt", "model.json"):  # model.json last: it names the weights
            os.replace(tmp / name, folder / name)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def _legacy_mlp(meta: dict) -> dict:
    """Format 1 (the MLP model.json of earlier versions) -> a format-2 record."""
    free = {
        k: v
        for k, v in meta.items()
        if k not in ("mode", "nv", "nets", "x_norm", "y_norm", "features", "x_min", "x_max")
    }
    nv = int(meta["nv"])
    return {
        **free,
        "format": FORMAT,
        "format_version": 1,
        "kind": "mlp",
        "architecture": {
            "mode": meta["mode"],
            "nv": nv,
            "dtype": meta.get("dtype", "float64"),
            "nets": meta["nets"],
        },
        "normalisers": {"x": meta["x_norm"], "y": meta["y_norm"]},
        "features": {"name": meta.get("features")},
        "data_fingerprint": meta.get("data_fingerprint"),
        "metrics": meta.get("metrics", {}),
        "training_ranges": {"min": meta.get("x_min"), "max": meta.get("x_max")},
        "fitted": True,
    }


def _read_record(folder: Path) -> dict:
    if not (folder / "model.json").is_file():
        if not folder.is_dir():
            raise MslearnInputError(
                f"model {str(folder)!r} not found (expected model.json and weights.pt in that "
                "folder)"
            )
        raise MslearnInputError(
            f"{str(folder)!r} is not a saved surrogate: model.json not found (expected a folder "
            "written by a surrogate's save, e.g. `mslearn train --out`)"
        )
    try:
        meta = json.loads((folder / "model.json").read_text())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MslearnInputError(
            f"model {str(folder)!r} is corrupted: model.json is not JSON ({first})"
        ) from None
    if not isinstance(meta, dict):
        raise MslearnInputError(
            f"{str(folder)!r} is not a saved surrogate: model.json is not a JSON object"
        )
    if meta.get("format") != FORMAT:
        if "format_version" not in meta and "mode" in meta and "nets" in meta:
            try:
                return _legacy_mlp(meta)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise MslearnInputError(
                    f"model {str(folder)!r} is corrupted: its format-1 model.json lacks or "
                    f"garbles {_one_line(exc)} (expected mode, nv, nets, x_norm, y_norm)"
                ) from None
        raise MslearnInputError(
            f"{str(folder)!r} is not a saved surrogate: model.json has no "
            f"'format': {FORMAT!r} (expected a folder written by a surrogate's save)"
        )
    version = meta.get("format_version")
    major = version_major(version)
    if major is not None and major > FORMAT_VERSION:
        raise MslearnInputError(
            f"model {str(folder)!r} has format version {version}, written by a newer mslearn; "
            f"this mslearn ({__version__}) reads versions 1 to {FORMAT_VERSION}: upgrade mslearn"
        )
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise MslearnInputError(
            f"model {str(folder)!r} has an unknown format version {version!r}; expected an "
            f"integer from 1 to {FORMAT_VERSION}"
        )
    _check_writer_version(folder, meta.get("mslearn_version"))
    return meta


def _check_writer_version(folder: Path, written_by) -> None:
    """A model written by a newer major mslearn version is refused (its format may differ
    in ways this version cannot see)."""
    if written_by is None:
        return
    ours, theirs = version_major(__version__), version_major(written_by)
    if not isinstance(written_by, str) or theirs is None:
        raise MslearnInputError(
            f"model {str(folder)!r}: model.json field 'mslearn_version' is {written_by!r}; "
            "expected a version string such as '0.1.0'"
        )
    if ours is not None and theirs > ours:
        raise MslearnInputError(
            f"model {str(folder)!r} was written by mslearn {written_by}, a newer major "
            f"version; this mslearn {__version__} reads models written by mslearn {ours}.x "
            f"(format versions 1 to {FORMAT_VERSION}): upgrade mslearn"
        )


def _read_weights(folder: Path, record: dict) -> dict:
    path = folder / "weights.pt"
    if not path.is_file():
        raise MslearnInputError(f"model {str(folder)!r} is corrupted: weights.pt is missing")
    if path.stat().st_size == 0:
        raise MslearnInputError(f"model {str(folder)!r} is corrupted: weights.pt is empty")
    expected = record.get("weights_sha256")
    if expected is not None and file_sha256(path) != expected:
        raise MslearnInputError(
            f"model {str(folder)!r} is corrupted: weights.pt does not match model.json "
            "(checksum differs; an interrupted save, or the weights of another model?)"
        )
    try:
        weights = torch.load(path, weights_only=True)
    except Exception as exc:  # noqa: BLE001 (zip, pickle, EOF and torch errors alike)
        raise MslearnInputError(
            f"model {str(folder)!r} is corrupted: weights.pt cannot be read ({_one_line(exc)})"
        ) from None
    try:
        check_weights_layout(record, weights)
    except MslearnInputError as exc:
        raise MslearnInputError(f"model {str(folder)!r}: {exc}") from None
    return weights


def _one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception's message on one line (torch's state-dict errors span several)."""
    text = " ".join(part.strip() for part in str(exc).splitlines() if part.strip())
    text = text or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _tensor_layout(tree, prefix: str = "") -> dict[str, tuple]:
    """Path -> (shape, dtype) of every tensor in a nested dict / list of tensors."""
    out: dict[str, tuple] = {}
    if isinstance(tree, torch.Tensor):
        out[prefix] = (tuple(tree.shape), str(tree.dtype).removeprefix("torch."))
    elif isinstance(tree, dict):
        for k, v in tree.items():
            out.update(_tensor_layout(v, f"{prefix}/{k}" if prefix else str(k)))
    elif isinstance(tree, list | tuple):
        for i, v in enumerate(tree):
            out.update(_tensor_layout(v, f"{prefix}/{i}" if prefix else str(i)))
    return out


def _check_weights_match(model, weights: dict) -> None:
    """The loaded tensors have exactly the keys, shapes and dtypes of the model the
    architecture in model.json builds."""
    want, got = _tensor_layout(model.weights()), _tensor_layout(weights)
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    if missing or extra:
        raise MslearnInputError(
            f"weights.pt does not match the architecture in model.json: missing {missing[:4]}, "
            f"unexpected {extra[:4]} (weights of another model?)"
        )
    for key, (shape, dtype) in want.items():
        if got[key] != (shape, dtype):
            raise MslearnInputError(
                f"weights.pt does not match the architecture in model.json: {key} is "
                f"{got[key][1]} {list(got[key][0])}; expected {dtype} {list(shape)}"
            )


def read_model(folder: str | Path, kind: str | None = None) -> tuple[dict, dict]:
    """(record, weights) of the model in ``folder``, checked to be of ``kind`` if given.

    Every problem is one line naming the folder and what was expected: no folder,
    not a model, another kind, an unknown format version, damaged files.
    """
    folder = Path(folder)
    record = _read_record(folder)
    try:
        check_record(record)
    except MslearnInputError as exc:
        raise MslearnInputError(f"model {str(folder)!r}: {exc}") from None
    found = record.get("kind")
    if kind is not None and found != kind:
        raise MslearnInputError(
            f"model {str(folder)!r} is a {found!r} surrogate; expected a {kind!r} surrogate"
        )
    return record, _read_weights(folder, record)


def load_surrogate(folder: str | Path, kind: str | None = None):
    """Load any saved surrogate kind (or only ``kind``) from ``folder``.

    Returns an instance of the registered class (:data:`SURROGATES`); a kind
    that is not registered is a one-line error naming the known kinds.
    """
    for module in BUILTIN_KINDS:  # importing a kind's module registers it
        importlib.import_module(module)
    folder = Path(folder)
    record, weights = read_model(folder, kind)
    cls = SURROGATES.get(record.get("kind"))
    if cls is None:
        raise MslearnInputError(
            f"model {str(folder)!r} is of kind {record.get('kind')!r}; known kinds: "
            f"{', '.join(sorted(SURROGATES))}"
        )
    try:
        model = cls.from_record(record, weights)
        _check_weights_match(model, weights)
    except MslearnInputError as exc:
        raise MslearnInputError(f"model {str(folder)!r}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 (a damaged record or state dict, as torch says)
        if "state_dict" in str(exc):
            raise MslearnInputError(
                f"model {str(folder)!r}: weights.pt does not match the architecture in "
                f"model.json (weights of another model?): {_one_line(exc)}"
            ) from None
        raise MslearnInputError(f"model {str(folder)!r} is corrupted: {_one_line(exc)}") from None
    return model
