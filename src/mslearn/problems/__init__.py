"""Boundary value problems built from config: geometry + boundary conditions.

Importing this package registers every problem module with the registry.
"""

from mslearn.problems import biaxial, strip_footing  # noqa: F401 (register themselves)
from mslearn.problems.base import CurveSpec, Problem
from mslearn.problems.biaxial import BiaxialConfig
from mslearn.problems.registry import PROBLEMS, ProblemConfig, problem_config, register_problem
from mslearn.problems.strip_footing import StripFootingConfig

__all__ = [
    "PROBLEMS",
    "BiaxialConfig",
    "CurveSpec",
    "Problem",
    "ProblemConfig",
    "StripFootingConfig",
    "problem_config",
    "register_problem",
]
