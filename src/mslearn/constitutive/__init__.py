"""Phenomenological constitutive models written once, batched and differentiable (torch).

MCC, CSUH (chi = 0), deviatoric hardening (DH) and enhanced IME; their
soft-gated, sub-stepped stress-point integration (seed 003 Algorithm 2);
calibration by automatic differentiation (seed 003 Eq. 17-18); a FEM
material adapter; element-test drivers; synthetic data.

Importing this package registers the material configs ``mcc``, ``csuh``,
``dh`` and ``ime`` with :mod:`mslearn.materials.config`.
"""

from mslearn.constitutive import config as _config  # noqa: F401 (registers the configs)
from mslearn.constitutive.calibrate import CalibrationOptions, CalibrationResult, calibrate
from mslearn.constitutive.dataset import SequenceDataset, load, save
from mslearn.constitutive.drivers import ElementTestResult, element_test
from mslearn.constitutive.factory import make_model
from mslearn.constitutive.integrate import IntegrationOptions, PathResult, integrate_path
from mslearn.constitutive.lode import LodeOptions
from mslearn.constitutive.material import TorchMaterial
from mslearn.constitutive.models import CSUH, DeviatoricHardening, EnhancedIME, ModifiedCamClay
from mslearn.constitutive.synthetic import dh_triaxial, model_dataset

__all__ = [
    "CSUH",
    "CalibrationOptions",
    "CalibrationResult",
    "DeviatoricHardening",
    "ElementTestResult",
    "EnhancedIME",
    "IntegrationOptions",
    "LodeOptions",
    "ModifiedCamClay",
    "PathResult",
    "SequenceDataset",
    "TorchMaterial",
    "calibrate",
    "dh_triaxial",
    "element_test",
    "integrate_path",
    "load",
    "make_model",
    "model_dataset",
    "save",
]
