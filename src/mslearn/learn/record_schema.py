"""The schema of ``model.json`` (see :mod:`mslearn.learn.persistence`), checked on loading.

The reserved keys common to every kind are one pydantic model; each built-in kind
adds a model of its ``architecture`` and ``normalisers`` and the cross checks a
JSON schema cannot say (normaliser lengths against the declared input and output
sizes, network names against the MLP mode, training ranges against the inputs).
:func:`check_record` raises one :class:`MslearnInputError` line naming the field,
its value and what was expected; :func:`check_weights_layout` checks the top level
of ``weights.pt`` against the architecture before the networks are built.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mslearn.core.errors import MslearnInputError

Hex64 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Positive = Annotated[int, Field(gt=0)]
Dtype = Literal["float32", "float64"]


def _finite(values: list[float] | None) -> list[float] | None:
    if values is not None and not all(math.isfinite(v) for v in values):
        raise ValueError("must hold finite numbers only")
    return values


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class Features(_Model):
    """``features``: definition name, input and output channel names."""

    name: str | None = None
    inputs: list[str] | None = None
    outputs: list[str] | None = None


class Ranges(_Model):
    """``training_ranges``: min and max of the range-checked inputs."""

    inputs: list[str] | None = None
    min: list[float] | None = None
    max: list[float] | None = None

    _finite_min = field_validator("min", "max")(_finite)


class Record(_Model):
    """The reserved keys of model.json common to every kind."""

    format: Literal["mslearn-surrogate"]
    format_version: int
    kind: str
    mslearn_version: str | None = None
    architecture: dict | None = None
    normalisers: dict | None = None
    features: Features | None = None
    data_fingerprint: Hex64 | None = None
    metrics: dict | None = None
    training_ranges: Ranges | None = None
    fitted: bool | None = None
    weights_sha256: Hex64 | None = None


class Standardiser(_Model):
    """``{"mean": [...], "std": [...]}`` with finite means and positive stds."""

    mean: list[float]
    std: list[float]

    _finite_mean = field_validator("mean")(_finite)

    @field_validator("std")
    @classmethod
    def _positive(cls, v: list[float]) -> list[float]:
        if not all(math.isfinite(s) and s > 0 for s in v):
            raise ValueError("must hold finite numbers > 0 only")
        return v


class NetSpec(_Model):
    """One committee network of the MLP kind."""

    sizes: Annotated[list[Positive], Field(min_length=2)]
    members: Positive
    activation: str


class MLPArchitecture(_Model):
    """``architecture`` of the ``mlp`` kind."""

    mode: Literal["joint", "separate", "autodiff"]
    nv: Literal[3, 6]
    dtype: Dtype = "float64"
    nets: dict[str, NetSpec]


class MLPNormalisers(_Model):
    """``normalisers`` of the ``mlp`` kind: inputs and each network's outputs."""

    x: Standardiser
    y: dict[str, Standardiser]


class SequenceArchitecture(_Model):
    """``architecture`` of the ``gru`` and ``history_mlp`` kinds."""

    n_in: Positive
    n_out: Positive
    hidden: Positive
    layers: Positive
    members: Positive
    seed: int
    dtype: Dtype


def _positive_list(values: list[float] | None) -> list[float] | None:
    if values is not None and not all(math.isfinite(v) and v > 0 for v in values):
        raise ValueError("must hold finite numbers > 0 only")
    return values


class GRUNormalisers(_Model):
    """``normalisers`` of the ``gru`` kind (null before a fit)."""

    x_scale: list[float] | None
    y_mean: list[float] | None
    y_std: list[float] | None

    _pos = field_validator("x_scale", "y_std")(_positive_list)
    _fin = field_validator("y_mean")(_finite)


class HistoryNormalisers(_Model):
    """``normalisers`` of the ``history_mlp`` kind (null before a fit)."""

    f_mean: list[float] | None
    f_std: list[float] | None
    y_mean: list[float] | None
    y_std: list[float] | None

    _pos = field_validator("f_std", "y_std")(_positive_list)
    _fin = field_validator("f_mean", "y_mean")(_finite)


def _where(loc: tuple) -> str:
    return ".".join(str(p) for p in loc)


def _validated(model: type[BaseModel], data, prefix: str) -> BaseModel:
    """``model`` validated from ``data``; the first error as one line."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(p for p in (prefix, _where(err["loc"])) if p) or "model.json"
        if err["type"] == "missing":
            raise MslearnInputError(f"model.json lacks the field {field!r}") from None
        value = err.get("input")
        shown = repr(value) if not isinstance(value, dict | list) else type(value).__name__
        if len(shown) > 60:
            shown = shown[:57] + "..."
        msg = re.sub(r" or instance of \w+", "", err["msg"]).lower()
        raise MslearnInputError(f"model.json field {field!r} is {shown}: {msg}") from None


def _length(field: str, values: list | None, n: int, what: str) -> None:
    if values is not None and len(values) != n:
        raise MslearnInputError(
            f"model.json field {field!r} has {len(values)} entries; expected {n} ({what})"
        )


def _check_mlp(arch: dict, norms, feats: Features, ranges: Ranges | None) -> None:
    a: MLPArchitecture = _validated(MLPArchitecture, arch, "architecture")
    n = _validated(MLPNormalisers, norms, "normalisers")
    nv = a.nv
    expected = {
        "joint": {"joint": nv + nv * nv},
        "separate": {"stress": nv, "stiffness": nv * nv},
        "autodiff": {"stress": nv},
    }[a.mode]
    if set(a.nets) != set(expected):
        raise MslearnInputError(
            f"model.json field 'architecture.nets' has networks {sorted(a.nets)}; mode "
            f"{a.mode!r} expects {sorted(expected)}"
        )
    for name, spec in a.nets.items():
        if spec.sizes[0] != 2 * nv or spec.sizes[-1] != expected[name]:
            raise MslearnInputError(
                f"model.json field 'architecture.nets.{name}.sizes' is {spec.sizes}; expected "
                f"{2 * nv} inputs (strain, phi) and {expected[name]} outputs for nv = {nv}"
            )
    _length("normalisers.x.mean", n.x.mean, 2 * nv, "one per input: strain, phi")
    _length("normalisers.x.std", n.x.std, 2 * nv, "one per input: strain, phi")
    if set(n.y) != set(a.nets):
        raise MslearnInputError(
            f"model.json field 'normalisers.y' has {sorted(n.y)}; expected one per network "
            f"{sorted(a.nets)}"
        )
    for name, s in n.y.items():
        for part in ("mean", "std"):
            _length(f"normalisers.y.{name}.{part}", getattr(s, part), expected[name], "outputs")
    _length("features.inputs", feats.inputs, 2 * nv, "strain and phi components")
    _length("features.outputs", feats.outputs, nv, "stress components")
    if ranges is not None:
        _length("training_ranges.min", ranges.min, 2 * nv, "one per input")
        _length("training_ranges.max", ranges.max, 2 * nv, "one per input")


def _check_sequence(kind: str, arch: dict, norms, feats: Features, ranges: Ranges | None) -> None:
    a: SequenceArchitecture = _validated(SequenceArchitecture, arch, "architecture")
    if kind == "gru":
        n = _validated(GRUNormalisers, norms, "normalisers")
        sizes = {"x_scale": a.n_in, "y_mean": a.n_out, "y_std": a.n_out}
        n_ranged = a.n_in
    else:
        n = _validated(HistoryNormalisers, norms, "normalisers")
        sizes = {"f_mean": 3 * a.n_in, "f_std": 3 * a.n_in, "y_mean": a.n_out, "y_std": a.n_out}
        n_ranged = 3 * a.n_in
    for field, size in sizes.items():
        what = "outputs" if field.startswith("y") else "network inputs"
        _length(f"normalisers.{field}", getattr(n, field), size, what)
    _length("features.inputs", feats.inputs, a.n_in, "architecture.n_in")
    _length("features.outputs", feats.outputs, a.n_out, "architecture.n_out")
    if ranges is not None:
        _length("training_ranges.min", ranges.min, n_ranged, "one per range-checked input")
        _length("training_ranges.max", ranges.max, n_ranged, "one per range-checked input")


def check_record(record: dict) -> None:
    """Check a model.json record (format 1 records after conversion); one-line errors."""
    r: Record = _validated(Record, record, "")
    ranges = r.training_ranges
    if ranges is not None and ranges.min is not None:
        if ranges.max is None or len(ranges.min) != len(ranges.max):
            raise MslearnInputError(
                "model.json fields 'training_ranges.min' and 'training_ranges.max' differ in "
                "length; expected one min and one max per input"
            )
        if any(lo > hi for lo, hi in zip(ranges.min, ranges.max, strict=True)):
            raise MslearnInputError(
                "model.json field 'training_ranges': a min is above its max; expected min <= max"
            )
    features = r.features or Features()
    if r.kind == "mlp":
        _check_mlp(r.architecture, r.normalisers, features, ranges)
    elif r.kind in ("gru", "history_mlp"):
        _check_sequence(r.kind, r.architecture, r.normalisers, features, ranges)


def version_major(text) -> int | None:
    """Leading integer of a version ("99.0.0" -> 99, 2 -> 2); None if there is none."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text
    m = re.match(r"^\s*v?(\d+)(\.\d+)*", str(text)) if isinstance(text, str) else None
    return int(m.group(1)) if m else None


def check_weights_layout(record: dict, weights) -> None:
    """The top level of ``weights.pt`` against the architecture (built-in kinds)."""
    if not isinstance(weights, dict):
        raise MslearnInputError(
            f"weights.pt holds a {type(weights).__name__}; expected a dict of state dicts"
        )
    kind, arch = record.get("kind"), record["architecture"]
    if kind == "mlp":
        want = set(arch["nets"])
    elif kind == "gru":
        want = {"members", "opt"}
    elif kind == "history_mlp":
        want = {"net", "opt"}
    else:
        return
    if set(weights) != want:
        raise MslearnInputError(
            f"weights.pt holds {sorted(weights)}; the architecture in model.json expects "
            f"{sorted(want)} (weights of another model?)"
        )
    if kind == "gru" and (
        not isinstance(weights["members"], list) or len(weights["members"]) != arch["members"]
    ):
        found = len(weights["members"]) if isinstance(weights["members"], list) else "no list"
        raise MslearnInputError(
            f"weights.pt holds {found} GRU members; the architecture in model.json declares "
            f"{arch['members']} (weights of another model?)"
        )
