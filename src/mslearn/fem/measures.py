"""Scalar measures of plane-strain Voigt fields (n, 3): [11, 22, 12], engineering shear.

Tension positive. For geomechanics plots, negate and say so on the axis.
"""

from __future__ import annotations

import numpy as np


def volumetric_strain(strain: np.ndarray) -> np.ndarray:
    """eps_v = eps_11 + eps_22 (plane strain, eps_33 = 0); (n,)."""
    return strain[:, 0] + strain[:, 1]


def deviatoric_strain(strain: np.ndarray) -> np.ndarray:
    """Equivalent deviatoric strain sqrt(2/3 e:e) of the 3D plane-strain tensor; (n,)."""
    e11, e22, e12 = strain[:, 0], strain[:, 1], 0.5 * strain[:, 2]
    m = (e11 + e22) / 3.0
    ee = (e11 - m) ** 2 + (e22 - m) ** 2 + m**2 + 2.0 * e12**2
    return np.sqrt(2.0 / 3.0 * ee)


def max_shear_strain(strain: np.ndarray) -> np.ndarray:
    """In-plane maximum engineering shear strain sqrt((e11 - e22)^2 + g12^2); (n,)."""
    return np.hypot(strain[:, 0] - strain[:, 1], strain[:, 2])


def stress_norm(stress: np.ndarray) -> np.ndarray:
    """Frobenius norm of the in-plane stress tensor [Pa]; (n,)."""
    return np.sqrt(stress[:, 0] ** 2 + stress[:, 1] ** 2 + 2.0 * stress[:, 2] ** 2)


def mean_stress_2d(stress: np.ndarray) -> np.ndarray:
    """In-plane mean stress (s11 + s22) / 2 [Pa], tension positive; (n,)."""
    return 0.5 * (stress[:, 0] + stress[:, 1])


def deviatoric_stress_2d(stress: np.ndarray) -> np.ndarray:
    """In-plane deviator radius sqrt(((s11 - s22)/2)^2 + s12^2) [Pa]; (n,)."""
    return np.hypot(0.5 * (stress[:, 0] - stress[:, 1]), stress[:, 2])
