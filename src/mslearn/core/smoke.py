"""Saying what a smoke size (``--smoke``, ``--quick``) changed in a validated config.

A command validates the user's config at full size first, then shrinks it, then
calls ``announce(changes(before, after))``: one line on stderr such as
``--smoke: solver.n_steps 100 -> 10, problem.nx 8 -> 2``; nothing when nothing changed.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mslearn.core.strictmodel import short

#: longest shown value of a change
CHANGE_CHARS = 40


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(_flat(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): data}


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, str):
        return value if len(value) <= CHANGE_CHARS else value[: CHANGE_CHARS - 3] + "..."
    return short(value, CHANGE_CHARS)


def changes(before: dict, after: dict) -> list[str]:
    """'path old -> new' for every leaf (tables flattened to dotted paths) that differs."""
    old, new = _flat(before), _flat(after)
    out = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key, "(unset)"), new.get(key, "(unset)")
        if a != b:
            out.append(f"{key} {_shown(a)} -> {_shown(b)}")
    return out


_SILENCED = [0]


@contextmanager
def silenced() -> Iterator[None]:
    """No announcements inside (for the inner runs of a command that announced once)."""
    _SILENCED[0] += 1
    try:
        yield
    finally:
        _SILENCED[0] -= 1


def announce(lines: list[str], flag: str = "--smoke") -> None:
    """Write ``FLAG: change, change, ...`` as one line on stderr (nothing if no change)."""
    if lines and not _SILENCED[0]:
        sys.stderr.write(f"{flag}: {', '.join(lines)}\n")
        sys.stderr.flush()
