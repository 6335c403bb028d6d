"""Explicit parsing of quantities with units in configs ("100 kPa", "5 mm").

Config fields accept a number (SI) or a string with a unit; everything is
stored in SI. Unknown units are an error naming the value.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator

_PRESSURE = {"pa": 1.0, "kpa": 1e3, "mpa": 1e6, "gpa": 1e9}
_LENGTH = {"m": 1.0, "cm": 1e-2, "mm": 1e-3}
_ANGLE = {"deg": 1.0, "degree": 1.0, "degrees": 1.0}
_RX = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]*)\s*$")


def _parser(units: dict[str, float], kind: str):
    def parse(value):
        if isinstance(value, str):
            m = _RX.match(value)
            if not m or (m.group(2) and m.group(2).lower() not in units):
                raise ValueError(
                    f"{value!r} is not a {kind}; expected a number (SI) or a number with "
                    f"one of the units {sorted(units)}"
                )
            return float(m.group(1)) * units.get(m.group(2).lower(), 1.0)
        return value

    return parse


PressureValue = Annotated[float, BeforeValidator(_parser(_PRESSURE, "pressure"))]
LengthValue = Annotated[float, BeforeValidator(_parser(_LENGTH, "length"))]
AngleDeg = Annotated[float, BeforeValidator(_parser(_ANGLE, "angle in degrees"))]
