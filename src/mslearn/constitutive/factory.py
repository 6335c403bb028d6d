"""Build a model by name with its Lode treatment; the training schemes of seed 003 Sec. 3.3."""

from __future__ import annotations

from typing import Literal

from mslearn.constitutive.lode import LodeMode, LodeOptions
from mslearn.constitutive.models import CSUH, DeviatoricHardening, ModifiedCamClay
from mslearn.constitutive.models.base import Model
from mslearn.constitutive.models.ime import EnhancedIME
from mslearn.core.errors import MslearnInputError

ModelName = Literal["csuh", "mcc", "dh", "ime"]

#: scheme -> (Lode treatment, soft-gate width): 1 = TS + hard switch, 2 = TS + soft
#: gate, 3 = explicit exponential M(theta) + soft gate (seed 003 Sec. 3.3).
SCHEMES: dict[int, tuple[LodeMode, float | None]] = {
    1: ("ts", 0.0),
    2: ("ts", None),
    3: ("exponential", None),
}


def make_model(name: str, lode: LodeMode = "exponential", **options) -> Model:
    """Build the model ``name`` ("csuh", "mcc", "dh" or "ime") with its Lode treatment.

    ``lode`` applies to CSUH and MCC; for MCC the default "exponential" maps to
    "none" (the standard circular locus of seed 003 Eq. 54). ``options`` go to
    :class:`ModifiedCamClay` only (``initial_state``, ``ocr``, ``closed_form``);
    DH and IME have no Lode dependence and take no options. An unknown name
    raises :class:`MslearnInputError`.
    """
    if name == "csuh":
        return CSUH(LodeOptions(lode))
    if name == "mcc":
        return ModifiedCamClay(LodeOptions("none" if lode == "exponential" else lode), **options)
    if name == "dh":
        return DeviatoricHardening()
    if name == "ime":
        return EnhancedIME()
    raise MslearnInputError(f"model {name!r} is unknown; expected one of csuh, mcc, dh, ime")
