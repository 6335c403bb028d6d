"""Checking a checkpointed state against the state a solver and its material expect.

A checkpoint is compared with a *reference* state of the same names (the solver's
fields and its material's fresh ``state_dict()``), so that a missing, extra or
reshaped array is one :class:`MslearnInputError` line naming the array, instead of
a traceback deep inside a material kernel.

Rules, per array: the name is expected; the dtype kind (float, integer, bool)
matches; the number of dimensions and every size after the first match. The first
(leading) size must match exactly for solver fields and for arrays with one row
per Gauss point; other arrays may differ from the reference (e.g. DEM contact
slots grow during a run), but arrays whose leading sizes agree in the reference
must still agree with each other in the checkpoint.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from mslearn.core.errors import MslearnInputError

_KINDS = {"f": "float", "i": "integer", "u": "integer", "b": "bool"}


def _kind(a: np.ndarray) -> str:
    return _KINDS.get(a.dtype.kind, a.dtype.name)


def check_state(
    state: Mapping[str, np.ndarray],
    reference: Mapping[str, np.ndarray],
    exact: set[str],
    n_points: int,
) -> None:
    """Raise one line naming the first array of ``state`` that does not fit ``reference``.

    ``exact``: names whose whole shape must match; ``n_points``: leading size of the
    per-point arrays (also matched exactly).
    """
    missing = sorted(set(reference) - set(state))
    if missing:
        raise MslearnInputError(
            f"checkpoint lacks the array{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(m) for m in missing[:5])}; the solver and material of this run "
            "expect it (a damaged checkpoint, or one of another material?)"
        )
    extra = sorted(set(state) - set(reference))
    if extra:
        raise MslearnInputError(
            f"checkpoint has unexpected arrays {extra[:5]}; this run's solver and material "
            "do not know them (a checkpoint of another material?)"
        )
    groups: dict[int, tuple[str, int]] = {}
    for name, ref in reference.items():
        ref, got = np.asarray(ref), np.asarray(state[name])
        if _kind(got) != _kind(ref):
            raise MslearnInputError(
                f"checkpoint array {name!r} holds {_kind(got)} values; expected {_kind(ref)}"
            )
        fixed = name in exact or (ref.ndim > 0 and ref.shape[0] == n_points)
        if got.ndim != ref.ndim or got.shape[1:] != ref.shape[1:]:
            want = ref.shape if fixed or ref.ndim == 0 else ("n", *ref.shape[1:])
            raise MslearnInputError(
                f"checkpoint array {name!r} has shape {got.shape}; expected "
                f"({', '.join(map(str, want))}{',' if len(want) == 1 else ''})"
            )
        if ref.ndim == 0:
            continue
        lead = ref.shape[0]
        if fixed:
            if got.shape != ref.shape:
                raise MslearnInputError(
                    f"checkpoint array {name!r} has shape {got.shape}; expected {ref.shape}"
                )
            continue
        seen = groups.setdefault(lead, (name, got.shape[0]))
        if seen[1] != got.shape[0]:
            raise MslearnInputError(
                f"checkpoint array {name!r} has {got.shape[0]} rows but {seen[0]!r} has "
                f"{seen[1]}; expected equal row counts (a damaged checkpoint?)"
            )


def check_finite(state: Mapping[str, np.ndarray], names) -> None:
    """Every value of the float arrays ``names`` is finite."""
    for name in names:
        a = np.asarray(state[name])
        if a.dtype.kind == "f" and not np.isfinite(a).all():
            raise MslearnInputError(
                f"checkpoint array {name!r} has {int((~np.isfinite(a)).sum())} non-finite "
                "values (NaN or inf); expected finite values"
            )
