"""Voigt / Mandel conversions and isotropic elasticity matrices.

Internally the reference laws work in 3D Mandel notation
``[11, 22, 33, sqrt2*23, sqrt2*13, sqrt2*12]`` (same basis for stress and
strain, so the deviatoric projector and dyads are plain matrices). At the
interface they speak Voigt with engineering shear strain (DESIGN.md).
Plane strain is the 3D law with eps_33 = eps_23 = eps_13 = 0.
"""

from __future__ import annotations

import numpy as np

from mslearn.core.voigt import PLANE_IDX

SQRT2 = np.sqrt(2.0)
#: identity second-order tensor in Mandel / Voigt (n=6)
ONE = np.array([1.0, 1.0, 1.0, 0.0, 0.0, 0.0])
#: deviatoric projector in Mandel notation (6, 6)
I_DEV = np.eye(6) - np.outer(ONE, ONE) / 3.0

_W = np.array([1.0, 1.0, 1.0, 1.0 / SQRT2, 1.0 / SQRT2, 1.0 / SQRT2])


def strain_to_mandel3(strain: np.ndarray) -> np.ndarray:
    """(n, 3|6) Voigt strain (engineering shear) -> (n, 6) Mandel strain."""
    out = np.zeros((strain.shape[0], 6))
    if strain.shape[1] == 3:
        out[:, [0, 1, 5]] = strain
    else:
        out[:] = strain
    out[:, 3:] /= SQRT2
    return out


def stress_to_mandel3(stress: np.ndarray) -> np.ndarray:
    """(n, 3|6) Voigt stress -> (n, 6) Mandel stress (sigma_33 = 0 if 2D)."""
    out = np.zeros((stress.shape[0], 6))
    if stress.shape[1] == 3:
        out[:, [0, 1, 5]] = stress
    else:
        out[:] = stress
    out[:, 3:] *= SQRT2
    return out


def mandel3_to_stress(stress_m: np.ndarray, nv: int) -> np.ndarray:
    """(n, 6) Mandel stress -> (n, nv) Voigt stress."""
    out = stress_m.copy()
    out[:, 3:] /= SQRT2
    return out[:, PLANE_IDX] if nv == 3 else out


def mandel3_to_stiffness(d_m: np.ndarray, nv: int) -> np.ndarray:
    """(n, 6, 6) Mandel tangent -> (n, nv, nv) Voigt D with d_sigma = D @ d_eps_voigt."""
    d_v = d_m * _W[None, :, None] * _W[None, None, :]
    return d_v[:, PLANE_IDX][:, :, PLANE_IDX] if nv == 3 else d_v


def bulk_shear(young: float, poisson: float) -> tuple[float, float]:
    """Bulk and shear moduli [Pa] from Young's modulus [Pa] and Poisson's ratio."""
    return young / (3.0 * (1.0 - 2.0 * poisson)), young / (2.0 * (1.0 + poisson))


def elastic_mandel(bulk: float, shear: float) -> np.ndarray:
    """Isotropic elasticity (6, 6) in Mandel notation: 2G I_dev + K 1 x 1."""
    return 2.0 * shear * I_DEV + bulk * np.outer(ONE, ONE)


def isotropic_stress(pressure: float, nv: int) -> np.ndarray:
    """Voigt vector (nv,) of an isotropic stress -p I (p > 0 is compression)."""
    out = np.zeros(nv)
    out[: 2 if nv == 3 else 3] = -pressure
    return out


#: (row, column) of each 3D Voigt component [11, 22, 33, 23, 13, 12]
VOIGT_PAIRS = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))


def voigt_rotation(q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T_stress, T_strain), each (6, 6), of a rotation ``q`` (3, 3) in 3D Voigt order.

    With sigma' = q sigma q^T: sigma'_v = T_stress sigma_v and, for strain vectors
    with engineering shear, eps'_v = T_strain eps_v; T_strain = T_stress^-T, so a
    tangent rotates as D' = T_stress D T_stress^T.
    """
    q = np.asarray(q, float)
    t_s, t_e = np.zeros((6, 6)), np.zeros((6, 6))
    for b, (k, l) in enumerate(VOIGT_PAIRS):
        e = np.zeros((3, 3))
        e[k, l] = e[l, k] = 1.0
        rot = q @ e @ q.T
        for a, (i, j) in enumerate(VOIGT_PAIRS):
            t_s[a, b] = rot[i, j]  # stress basis: sigma_kl in both (k, l) and (l, k)
            shear_in, shear_out = k != l, i != j
            t_e[a, b] = rot[i, j] * (0.5 if shear_in else 1.0) * (2.0 if shear_out else 1.0)
    return t_s, t_e
