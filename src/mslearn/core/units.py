"""Explicit parsing of quantities with units in configs ("100 kPa", "5 mm").

Config fields accept a number (SI) or a string with a unit; everything is
stored in SI. Units are exact and case-sensitive ("100 mPa" is not 100 MPa):
pressures Pa, kPa, MPa, GPa; lengths m, cm, mm; angles deg, degree, degrees.
Anything else is an error naming the value and the accepted units. The number
check that follows (:mod:`mslearn.core.strictmodel`) refuses booleans, inf and nan.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator

#: accepted units and their factor to SI, exactly as written (case-sensitive)
PRESSURE_UNITS = {"Pa": 1.0, "kPa": 1e3, "MPa": 1e6, "GPa": 1e9}
LENGTH_UNITS = {"m": 1.0, "cm": 1e-2, "mm": 1e-3}
ANGLE_UNITS = {"deg": 1.0, "degree": 1.0, "degrees": 1.0}
_RX = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z]*)\s*$")


def _parser(units: dict[str, float], kind: str, si: str):
    accepted = ", ".join(units)

    def parse(value):
        if isinstance(value, str):
            m = _RX.match(value)
            if not m or (m.group(2) and m.group(2) not in units):
                raise ValueError(
                    f"expected a {kind}: a number ({si}) or a number with one of the units "
                    f"{accepted} (case-sensitive)"
                )
            return float(m.group(1)) * units.get(m.group(2), 1.0)
        return value

    return parse


PressureValue = Annotated[float, BeforeValidator(_parser(PRESSURE_UNITS, "pressure", "Pa"))]
LengthValue = Annotated[float, BeforeValidator(_parser(LENGTH_UNITS, "length", "m"))]
AngleDeg = Annotated[float, BeforeValidator(_parser(ANGLE_UNITS, "angle", "degrees"))]
