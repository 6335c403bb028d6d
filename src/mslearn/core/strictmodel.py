"""The base of every config model, and one-line messages for everything it refuses.

:class:`StrictModel` is a pydantic model that refuses unknown keys, inf and nan
in every float (nested ones included), booleans where a number is expected
(``young = true`` is not 1 Pa), numbers where a boolean is expected, and
strings where a plain number is expected ("1e8" for an int or float field).
Unit-typed fields (:mod:`mslearn.core.units`) still read "100 kPa": their
parser turns the string into a number before the number check runs. Lists
still become tuples and strings still become literals, as in pydantic's lax
mode; only the number and boolean checks are strict.

:func:`format_validation_error` turns a pydantic error into one line naming
the file (where known), every field path, its value (shortened) and what was
expected; it never shows pydantic class names or documentation URLs.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, ValidationError
from pydantic_core import core_schema as cs

#: longest shown value (its repr) in a message
VALUE_CHARS = 60
#: longest message part (one field's problem)
PART_CHARS = 300
#: problems listed in one message (the rest are counted)
MAX_PROBLEMS = 5

_MARK = "mslearn_strict"


def short(value: Any, limit: int = VALUE_CHARS) -> str:
    """``repr(value)``, cut to ``limit`` characters with "..." when longer."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _what(v: Any) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, str):
        return "a string"
    return "a " + type(v).__name__


def _number(v: Any) -> Any:
    if isinstance(v, bool | str):
        raise ValueError(f"expected a number, not {_what(v)}")
    return v


def _integer(v: Any) -> Any:
    if isinstance(v, bool | str):
        raise ValueError(f"expected an integer, not {_what(v)}")
    if isinstance(v, float):
        raise ValueError("expected an integer, not a decimal number")
    return v


def _boolean(v: Any) -> Any:
    if isinstance(v, str) or _is_number(v):
        raise ValueError(f"expected true or false, not {_what(v) if isinstance(v, str) else v}")
    return v


def _literal_no_bool(expected: list) -> Any:
    shown = ", ".join(repr(e) for e in expected)

    def check(v: Any) -> Any:
        if isinstance(v, bool):
            raise ValueError(f"expected one of {shown}, not a boolean")
        return v

    return check


_WRAPPERS = {"float": _number, "int": _integer, "bool": _boolean}
_SKIP_KEYS = {"metadata", "serialization", "default", "expected", "ref"}


def _wrap(schema: dict, fn) -> None:
    """Replace ``schema`` in place by a before-validator ``fn`` over (a marked copy of) it."""
    inner = dict(schema)
    inner["metadata"] = {**(inner.get("metadata") or {}), _MARK: True}
    schema.clear()
    schema.update(cs.no_info_before_validator_function(fn, inner))


def strict_numbers(schema: Any) -> Any:
    """Make every int, float and bool (and int literal) in a core schema refuse the
    wrong kinds of input (module docstring); floats refuse inf and nan. In place."""
    if isinstance(schema, list):
        for item in schema:
            strict_numbers(item)
        return schema
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    if not isinstance(kind, str):  # a mapping of field names (e.g. a model's "fields")
        for value in schema.values():
            strict_numbers(value)
        return schema
    marked = isinstance(schema.get("metadata"), dict) and bool(schema["metadata"].get(_MARK))
    if kind in _WRAPPERS and not marked:
        if kind == "float":
            schema["allow_inf_nan"] = False
        _wrap(schema, _WRAPPERS[kind])
        return schema
    if kind == "literal" and not marked:
        expected = schema.get("expected", [])
        if any(_is_number(e) for e in expected) and not any(isinstance(e, bool) for e in expected):
            _wrap(schema, _literal_no_bool(expected))
        return schema
    for key, value in schema.items():
        if key not in _SKIP_KEYS:
            strict_numbers(value)
    return schema


class StrictModel(BaseModel):
    """Base of every config model: unknown keys, inf / nan, bool-as-number and
    string-as-number are refused (module docstring)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler):
        return strict_numbers(handler(source))


_TYPE_TAGS = {
    "int",
    "float",
    "str",
    "bool",
    "list",
    "tuple",
    "dict",
    "none",
    "set",
    "frozenset",
    "is-instance",
    "lax-or-strict",
    "json-or-python",
    "nullable",
    "default",
}


def _is_tag(part: Any) -> bool:
    """A union member tag pydantic puts into error locations (not a field name)."""
    if not isinstance(part, str):
        return False
    return part in _TYPE_TAGS or "[" in part or part.startswith("function-")


def _location(loc: tuple, prefix: str) -> str:
    text = ""
    for part in loc:
        if _is_tag(part):
            continue
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    if not text:
        return prefix.rstrip(".") or "config"
    return f"{prefix}{text}"


def _expected(e: dict) -> str:
    kind, ctx, value = e["type"], e.get("ctx") or {}, e.get("input")
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", e["msg"])).removeprefix("Value error, ")
    if kind == "missing":
        return "a required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (not one of this table's fields; check the spelling)"
    if kind == "finite_number" or (
        kind.startswith("float") and isinstance(value, float) and not math.isfinite(value)
    ):
        return "expected a finite number, not inf or nan"
    if kind in ("float_type", "float_parsing"):
        if _is_number(value):  # an integer beyond the float range
            return "expected a finite number (this one is too large for a float)"
        return "expected a number"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "expected an integer"
    if kind in ("bool_type", "bool_parsing"):
        return "expected true or false"
    bounds = {
        "greater_than": ("gt", ">"),
        "greater_than_equal": ("ge", ">="),
        "less_than": ("lt", "<"),
        "less_than_equal": ("le", "<="),
    }
    if kind in bounds:
        key, op = bounds[kind]
        return f"expected a value {op} {ctx.get(key)}"
    if kind == "too_short":
        n = ctx.get("min_length")
        return f"expected at least {n} item{'s' if n != 1 else ''}"
    if kind == "too_long":
        n = ctx.get("max_length")
        return f"expected at most {n} item{'s' if n != 1 else ''}"
    if kind in ("model_type", "model_attributes_type", "dict_type", "dataclass_type"):
        return "expected a table (key = value pairs)"
    if kind in ("list_type", "tuple_type", "set_type", "iterable_type"):
        return "expected an array"
    if kind == "string_type":
        return "expected a string"
    if kind == "literal_error":
        return f"expected {ctx.get('expected', 'one of the allowed values')}"
    msg = e["msg"]
    return "expected " + msg.removeprefix("Input should be ") if msg.startswith("Input") else msg


_NAMED = re.compile(r"^([A-Za-z_]\w*)\.[\w.\[\]]+: ")
_ROOT_NAMED = re.compile(r"^[A-Za-z_][\w.\[\]]*: ")


def _named_by_validator(loc: str, message: str, root: bool = False) -> str | None:
    """``message`` with the full path, if a validator wrote it as 'TABLE.FIELD: ...' and
    TABLE is part of ``loc`` (e.g. loc "active.pool", message "pool.interval: got ..."),
    or as 'FIELD: ...' in a check of the whole config (``root``)."""
    if message.startswith(f"{loc}: "):  # names exactly this field already
        return message
    m = _NAMED.match(message)
    if root and _ROOT_NAMED.match(message):
        if loc == "config" or message.startswith(loc + "."):
            return message
        return f"{loc}.{message}"
    if not m:
        return None
    names = [p.split("[")[0] for p in loc.split(".")]
    if m.group(1) not in names:
        return None
    k = len(names) - 1 - names[::-1].index(m.group(1))
    head = ".".join(loc.split(".")[:k])
    return f"{head}.{message}" if head else message


def _cut(text: str, limit: int = PART_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_validation_error(
    err: ValidationError, prefix: str = "", source: str | Path | None = None
) -> str:
    """One line: 'invalid config [file 'F']: FIELD: got VALUE; EXPECTED; ...'.

    ``prefix`` goes before every field path (e.g. "material."); ``source`` is the
    config file, where known.
    """
    parts: list[str] = []
    seen: set[str] = set()
    for e in err.errors(include_url=False):
        loc = _location(e["loc"], prefix)
        if loc in seen:  # the other members of a union: one problem per field
            continue
        seen.add(loc)
        value = e.get("input")
        expected = _expected(e)
        if e["type"] in ("value_error", "assertion_error"):
            named = _named_by_validator(loc, expected, root=all(map(_is_tag, e["loc"])))
            if named is not None:  # the validator already names field and value
                parts.append(_cut(named, PART_CHARS * MAX_PROBLEMS))
                continue
            if isinstance(value, dict):  # a check of a whole table
                parts.append(_cut(f"{loc}: {expected}"))
                continue
        if e["type"] == "missing":
            shown = "(missing)"
        elif isinstance(value, dict):
            shown = "{...}"
        else:
            shown = short(value)
        parts.append(_cut(f"{loc}: got {shown}; {expected}"))
    if len(parts) > MAX_PROBLEMS:
        more = len(parts) - MAX_PROBLEMS
        parts = [*parts[:MAX_PROBLEMS], f"and {more} more problem{'s' if more > 1 else ''}"]
    where = f"invalid config file {str(source)!r}" if source is not None else "invalid config"
    return f"{where}: " + "; ".join(parts)
