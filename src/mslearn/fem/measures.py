"""Scalar measures of Voigt fields, engineering shear: plane strain (n, 3) [11, 22, 12]
and 3D (n, 6) [11, 22, 33, 23, 13, 12]; the dimension is read from the last axis.

Tension positive. For geomechanics plots, negate and say so on the axis.
"""

from __future__ import annotations

import numpy as np


def _is_3d(field: np.ndarray) -> bool:
    return field.shape[1] == 6


def volumetric_strain(strain: np.ndarray) -> np.ndarray:
    """eps_v = eps_11 + eps_22 (plane strain, eps_33 = 0) or eps_11 + eps_22 + eps_33; (n,)."""
    if _is_3d(strain):
        return strain[:, 0] + strain[:, 1] + strain[:, 2]
    return strain[:, 0] + strain[:, 1]


def deviatoric_strain(strain: np.ndarray) -> np.ndarray:
    """Equivalent deviatoric strain sqrt(2/3 e:e) of the 3D (or plane-strain) tensor; (n,)."""
    if _is_3d(strain):
        m = strain[:, :3].sum(axis=1) / 3.0
        shear = 0.5 * strain[:, 3:]
        ee = ((strain[:, :3] - m[:, None]) ** 2).sum(axis=1) + 2.0 * (shear**2).sum(axis=1)
        return np.sqrt(2.0 / 3.0 * ee)
    e11, e22, e12 = strain[:, 0], strain[:, 1], 0.5 * strain[:, 2]
    m = (e11 + e22) / 3.0
    ee = (e11 - m) ** 2 + (e22 - m) ** 2 + m**2 + 2.0 * e12**2
    return np.sqrt(2.0 / 3.0 * ee)


def max_shear_strain(strain: np.ndarray) -> np.ndarray:
    """Maximum engineering shear strain: in plane, sqrt((e11 - e22)^2 + g12^2); in 3D the
    largest minus the smallest principal strain; (n,)."""
    if _is_3d(strain):
        ev = np.linalg.eigvalsh(voigt_tensor(strain, engineering=True))
        return ev[:, -1] - ev[:, 0]
    return np.hypot(strain[:, 0] - strain[:, 1], strain[:, 2])


def stress_norm(stress: np.ndarray) -> np.ndarray:
    """Frobenius norm of the stress tensor (in plane: of its in-plane part) [Pa]; (n,)."""
    if _is_3d(stress):
        return np.sqrt((stress[:, :3] ** 2).sum(axis=1) + 2.0 * (stress[:, 3:] ** 2).sum(axis=1))
    return np.sqrt(stress[:, 0] ** 2 + stress[:, 1] ** 2 + 2.0 * stress[:, 2] ** 2)


def mean_stress_2d(stress: np.ndarray) -> np.ndarray:
    """In-plane mean stress (s11 + s22) / 2 [Pa], tension positive; (n,)."""
    return 0.5 * (stress[:, 0] + stress[:, 1])


def deviatoric_stress_2d(stress: np.ndarray) -> np.ndarray:
    """In-plane deviator radius sqrt(((s11 - s22)/2)^2 + s12^2) [Pa]; (n,)."""
    return np.hypot(0.5 * (stress[:, 0] - stress[:, 1]), stress[:, 2])


def mean_stress_3d(stress: np.ndarray) -> np.ndarray:
    """p = (s11 + s22 + s33) / 3 [Pa] of 3D stresses (n, 6), tension positive; (n,)."""
    return stress[:, :3].sum(axis=1) / 3.0


def von_mises_stress(stress: np.ndarray) -> np.ndarray:
    """q = sqrt(3 J2) [Pa] of 3D stresses (n, 6); (n,)."""
    s = stress[:, :3] - mean_stress_3d(stress)[:, None]
    return np.sqrt(1.5 * ((s**2).sum(axis=1) + 2.0 * (stress[:, 3:] ** 2).sum(axis=1)))


def voigt_tensor(field: np.ndarray, engineering: bool = False) -> np.ndarray:
    """(n, 3, 3) symmetric tensors of 3D Voigt vectors (n, 6); ``engineering``: shear
    entries are engineering strains (halved in the tensor)."""
    f = 0.5 if engineering else 1.0
    t = np.empty((field.shape[0], 3, 3))
    for i in range(3):
        t[:, i, i] = field[:, i]
    for k, (a, b) in enumerate(((1, 2), (0, 2), (0, 1))):
        t[:, a, b] = t[:, b, a] = f * field[:, 3 + k]
    return t
