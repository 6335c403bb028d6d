"""The surrogate protocol every committee kind implements.

A surrogate is a committee of ``n_members`` networks that differ only in their
random initialisation; the committee mean is the prediction and the spread
over members its uncertainty (seed 000 Eq. 18, seed 001 Eq. 1). Every kind

* declares ``kind`` (its registry name, saved as ``kind`` in model.json),
  ``recurrent`` (True if it carries a hidden state from step to step),
  ``inputs`` / ``outputs`` (channel names with units) and ``n_members``;
* trains with ``fit(x, y, **options) -> report``;
* predicts with ``predict(x)`` (committee mean), ``uncertainty(x)`` (committee
  standard deviation, same shape) and ``member_predictions(x)`` (one leading
  axis of members);
* is saved with ``save(folder)`` and read back with ``Kind.load(folder)`` or
  :func:`~mslearn.learn.persistence.load_surrogate` (the one format of
  :mod:`mslearn.learn.persistence`);
* offers the material seam one point step: ``seam_voigt()``,
  ``initial_state(n)`` and ``seam_step(strain, state)`` -> :class:`SeamStep`,
  which :class:`~mslearn.learn.adapter.CommitteeMaterial` wraps in
  trial / commit.

A new kind is a new module in ``learn/surrogates/`` whose class derives from
:class:`CommitteeSurrogate` (or implements :class:`SurrogateModel` itself) and
is decorated with :func:`~mslearn.learn.persistence.register_surrogate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable

import numpy as np
import torch

from mslearn.core.errors import MslearnInputError
from mslearn.core.voigt import VOIGT_LABELS, dim_of
from mslearn.learn.persistence import RESERVED, load_surrogate, save_model

#: in-memory ``meta`` keys that are saved as reserved model.json keys (see common_record)
OWN_META = ("data_fingerprint", "metrics", "x_min", "x_max")


@dataclass(frozen=True)
class SeamStep:
    """One step of ``n`` material points, as the seam adapter needs it.

    stress:     (n, nv) committee-mean Cauchy stress [Pa], Voigt, tension positive.
    stress_std: (n, nv) committee standard deviation of the stress [Pa].
    stiffness:  (n, nv, nv) d stress / d strain [Pa] (tangent or secant: the kind's
                ``seam_tangent``).
    state:      the per-point state after this step (arrays, first axis n); the
                adapter keeps it as the trial state until ``commit``.
    inputs:     (n, k) the inputs checked against the training ranges.
    """

    stress: np.ndarray
    stress_std: np.ndarray
    stiffness: np.ndarray
    state: dict[str, np.ndarray]
    inputs: np.ndarray


@runtime_checkable
class SurrogateModel(Protocol):
    """What every surrogate kind offers (see the module docstring)."""

    kind: ClassVar[str]
    recurrent: ClassVar[bool]
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    n_members: int
    fitted: bool
    meta: dict

    def fit(self, x: np.ndarray, y: np.ndarray, **options) -> dict:
        """Train on inputs x and targets y (shapes per kind); returns a report."""
        ...

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Committee mean of the outputs: (B, n_out) points or (N, T, n_out) sequences."""
        ...

    def uncertainty(self, x: np.ndarray) -> np.ndarray:
        """Committee standard deviation, the shape of :meth:`predict`."""
        ...

    def member_predictions(self, x: np.ndarray) -> np.ndarray:
        """Every member's outputs, (members, *predict shape)."""
        ...

    def save(self, folder: str | Path) -> Path:
        """Write the model in the one save format; returns the folder."""
        ...

    @classmethod
    def load(cls, folder: str | Path) -> SurrogateModel:
        """Read a model of this kind from ``folder``."""
        ...


def member_spread(members: np.ndarray) -> np.ndarray:
    """Committee standard deviation over axis 0 (sample std, ddof 1; zeros for one member)."""
    if members.shape[0] < 2:
        return np.zeros(members.shape[1:])
    return members.std(axis=0, ddof=1)


def channel_names(given, n: int, prefix: str) -> tuple[str, ...]:
    """The ``n`` channel names given, or prefix0 ... prefix{n-1}; a wrong count is an error."""
    names = tuple(given) if given else tuple(f"{prefix}{i}" for i in range(n))
    if len(names) != n:
        raise MslearnInputError(f"{len(names)} {prefix} names for {n} channels: expected {n}")
    return names


def voigt_names(prefix: str, nv: int) -> tuple[str, ...]:
    """('strain_11', 'strain_22', 'strain_12') for prefix 'strain' and nv 3."""
    return tuple(f"{prefix}_{c}" for c in VOIGT_LABELS[dim_of(nv)])


def mean_jacobian(mean: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """d mean[n, i] / d x[n, j] -> (n, k, m) for mean (n, k) computed row by row from x (n, m).

    Rows must be independent (no batch coupling), so one backward pass per output
    component over the summed batch gives every row's gradient.
    """
    k = mean.shape[1]
    rows = [torch.autograd.grad(mean[:, i].sum(), x, retain_graph=i < k - 1)[0] for i in range(k)]
    return torch.stack(rows, 1)


def common_record(meta: dict, inputs: tuple[str, ...]) -> dict:
    """The model.json entries every kind writes alike from its ``meta``: the free keys,
    ``data_fingerprint``, ``metrics`` and ``training_ranges`` (``x_min`` / ``x_max`` of
    the range-checked ``inputs``)."""
    free = {k: v for k, v in meta.items() if k not in OWN_META and k not in RESERVED}
    return {
        **free,
        "data_fingerprint": meta.get("data_fingerprint"),
        "metrics": meta.get("metrics") or {},
        "training_ranges": {
            "inputs": list(inputs),
            "min": meta.get("x_min"),
            "max": meta.get("x_max"),
        },
    }


def record_meta(record: dict) -> dict:
    """Inverse of :func:`common_record`: the in-memory ``meta`` of a model.json record."""
    ranges = record.get("training_ranges") or {}
    meta = {k: v for k, v in record.items() if k not in RESERVED}
    meta["metrics"] = record.get("metrics") or {}
    if record.get("data_fingerprint") is not None:
        meta["data_fingerprint"] = record["data_fingerprint"]
    if ranges.get("min") is not None:
        meta.update(x_min=ranges["min"], x_max=ranges["max"])
    return meta


class CommitteeSurrogate:
    """Shared part of the committee kinds: mean, spread, save and load.

    Subclasses set ``kind`` / ``recurrent`` and implement ``member_predictions``,
    ``fit``, ``to_record`` (model.json content), ``weights`` (dict of tensors)
    and the classmethod ``from_record(record, weights)``.
    """

    kind: ClassVar[str] = ""
    recurrent: ClassVar[bool] = False

    def member_predictions(self, x: np.ndarray) -> np.ndarray:
        """(members, ...) outputs of every member, in the units of the outputs."""
        raise NotImplementedError

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Committee mean of :meth:`member_predictions` (the members axis removed)."""
        return self.member_predictions(x).mean(axis=0)

    def uncertainty(self, x: np.ndarray) -> np.ndarray:
        """Committee standard deviation, the shape of :meth:`predict` (:func:`member_spread`)."""
        return member_spread(self.member_predictions(x))

    def save(self, folder: str | Path) -> Path:
        """Write the model in the one save format (atomically); returns the folder."""
        return save_model(folder, self.to_record(), self.weights())

    @classmethod
    def load(cls, folder: str | Path):
        """Read a model of this kind; a folder of another kind is a one-line error."""
        return load_surrogate(folder, kind=cls.kind)

    def to_record(self) -> dict:
        """model.json content: the reserved keys of the format and the free metadata."""
        raise NotImplementedError

    def weights(self) -> dict:
        """Tensors to save in weights.pt (state dicts, optimiser states)."""
        raise NotImplementedError
