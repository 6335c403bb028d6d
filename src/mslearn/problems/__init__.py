"""Boundary value problems built from config: geometry + boundary conditions."""

from mslearn.problems.base import CurveSpec, Problem
from mslearn.problems.biaxial import BiaxialConfig
from mslearn.problems.strip_footing import StripFootingConfig

PROBLEMS = {"biaxial": BiaxialConfig, "strip_footing": StripFootingConfig}

__all__ = ["PROBLEMS", "BiaxialConfig", "CurveSpec", "Problem", "StripFootingConfig"]
