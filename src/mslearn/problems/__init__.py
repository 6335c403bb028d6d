"""Boundary value problems built from config: geometry + boundary conditions.

Importing this package registers every problem module with the registry.
"""

from mslearn.problems import (  # noqa: F401
    biaxial,
    cavity,
    retaining_wall,
    strip_footing,
    triaxial_3d,
)
from mslearn.problems.base import CurveSpec, Problem
from mslearn.problems.biaxial import BiaxialConfig
from mslearn.problems.cavity import CavityConfig
from mslearn.problems.registry import PROBLEMS, ProblemConfig, problem_config, register_problem
from mslearn.problems.retaining_wall import RetainingWallConfig
from mslearn.problems.strip_footing import StripFootingConfig
from mslearn.problems.triaxial_3d import Triaxial3DConfig

__all__ = [
    "PROBLEMS",
    "BiaxialConfig",
    "CavityConfig",
    "CurveSpec",
    "Problem",
    "ProblemConfig",
    "RetainingWallConfig",
    "StripFootingConfig",
    "Triaxial3DConfig",
    "problem_config",
    "register_problem",
]
