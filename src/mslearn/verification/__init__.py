"""Verification cases against analytic solutions (`mslearn verify`).

Each case returns a :class:`Case` (name, value, reference, tolerance, passed).
"""

from mslearn.verification.cases import Case, fem_cases

__all__ = ["Case", "fem_cases"]
