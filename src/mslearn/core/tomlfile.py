"""Reading TOML config files with one clear line for every way a file can be wrong."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

from mslearn.core.errors import MslearnInputError


def read_toml(path: str | Path | None, what: str = "config file") -> dict[str, Any]:
    """The TOML table in ``path`` ({} for None); missing, unreadable, non-UTF-8 or
    invalid files raise :class:`MslearnInputError` naming the file and the problem."""
    if path is None:
        return {}
    path = Path(path)
    if not path.is_file():
        raise MslearnInputError(f"{what} {str(path)!r} does not exist")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MslearnInputError(
            f"{what} {str(path)!r} is not UTF-8 text (byte {exc.start}); TOML files are UTF-8"
        ) from None
    except OSError as exc:
        raise MslearnInputError(f"{what} {str(path)!r} cannot be read: {exc.strerror}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MslearnInputError(f"{what} {str(path)!r} is not valid TOML: {exc}") from None


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``base`` with ``over`` merged in, tables recursively (``over`` wins)."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def table(data: dict[str, Any], name: str) -> dict[str, Any]:
    """``data[name]`` as a table ({} if absent); anything else is an error naming it."""
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise MslearnInputError(
            f"{name}: got {_short(value)}; expected a table ([{name}] with key = value lines)"
        )
    return value


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
