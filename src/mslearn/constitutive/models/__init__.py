"""Phenomenological models: MCC, CSUH, DH, enhanced IME."""

from mslearn.constitutive.models.base import Model, ParamSpec
from mslearn.constitutive.models.csuh import CSUH
from mslearn.constitutive.models.dh import DeviatoricHardening
from mslearn.constitutive.models.ime import EnhancedIME
from mslearn.constitutive.models.mcc import ModifiedCamClay

__all__ = ["CSUH", "DeviatoricHardening", "EnhancedIME", "Model", "ModifiedCamClay", "ParamSpec"]
