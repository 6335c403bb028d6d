"""Phenomenological constitutive models written once, batched and differentiable (torch).

MCC, CSUH (chi = 0), deviatoric hardening (DH) and enhanced IME; their
soft-gated, sub-stepped stress-point integration (seed 003 Algorithm 2);
a FEM material adapter; element-test drivers. Calibration by automatic
differentiation is a layer above (the calibration package).

Importing this package registers the material configs ``mcc``, ``csuh``,
``dh`` and ``ime`` with :mod:`mslearn.materials.config`.
"""

from mslearn.constitutive import config as _config  # noqa: F401 (registers the configs)
from mslearn.constitutive.drivers import ElementTestResult, element_test
from mslearn.constitutive.factory import make_model
from mslearn.constitutive.integrate import IntegrationOptions, PathResult, integrate_path
from mslearn.constitutive.lode import LodeOptions
from mslearn.constitutive.material import TorchMaterial
from mslearn.constitutive.models import CSUH, DeviatoricHardening, EnhancedIME, ModifiedCamClay

__all__ = [
    "CSUH",
    "DeviatoricHardening",
    "ElementTestResult",
    "EnhancedIME",
    "IntegrationOptions",
    "LodeOptions",
    "ModifiedCamClay",
    "PathResult",
    "TorchMaterial",
    "element_test",
    "integrate_path",
    "make_model",
]
