"""Boundary value problems built from config: geometry + boundary conditions.

Importing this package registers every problem module with the registry.
"""

from mslearn.problems import biaxial, cavity, retaining_wall, strip_footing  # noqa: F401
from mslearn.problems.base import CurveSpec, Problem
from mslearn.problems.biaxial import BiaxialConfig
from mslearn.problems.cavity import CavityConfig
from mslearn.problems.registry import PROBLEMS, ProblemConfig, problem_config, register_problem
from mslearn.problems.retaining_wall import RetainingWallConfig
from mslearn.problems.strip_footing import StripFootingConfig

__all__ = [
    "PROBLEMS",
    "BiaxialConfig",
    "CavityConfig",
    "CurveSpec",
    "Problem",
    "ProblemConfig",
    "RetainingWallConfig",
    "StripFootingConfig",
    "problem_config",
    "register_problem",
]
