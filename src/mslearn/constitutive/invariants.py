"""Stress invariants and isotropic elasticity over batched 3D Voigt tensors (torch).

Internal convention of this package: **compression positive**, 3D Voigt order
``[11, 22, 33, 23, 13, 12]``, stress in Pa, strain with engineering shear.
Gradients of a scalar function of the Voigt *stress* vector are then directly
engineering-strain-like flow vectors (d/d sigma_23 counts sigma_23 and
sigma_32), so ``a @ D(b)`` with ``D`` acting on engineering strain is exact.
The boundary (tension-positive, 2D plane strain) is converted in
:mod:`mslearn.constitutive.material` and :mod:`mslearn.constitutive.drivers`.
"""

from __future__ import annotations

import math

import torch

from mslearn.core.voigt import PLANE_IDX as CORE_PLANE_IDX

#: plane-strain components kept from the 3D Voigt vector: 11, 22, 12
PLANE_IDX = tuple(int(i) for i in CORE_PLANE_IDX)
SQRT3 = math.sqrt(3.0)


def mean_stress(sig: torch.Tensor) -> torch.Tensor:
    """p = tr(sigma)/3; sig (..., 6) -> (...)."""
    return sig[..., :3].mean(-1)


def deviator(sig: torch.Tensor) -> torch.Tensor:
    """s = sigma - p I in Voigt (..., 6)."""
    p = mean_stress(sig)
    return torch.cat([sig[..., :3] - p[..., None], sig[..., 3:]], -1)


def j2(s: torch.Tensor) -> torch.Tensor:
    """J2 = s:s/2 of a Voigt deviator (..., 6)."""
    return 0.5 * (s[..., :3] ** 2).sum(-1) + (s[..., 3:] ** 2).sum(-1)


def det3(t: torch.Tensor) -> torch.Tensor:
    """Determinant of a symmetric tensor in Voigt [11, 22, 33, 23, 13, 12]."""
    a, b, c, d, e, f = t.unbind(-1)
    return a * b * c + 2.0 * d * e * f - a * d * d - b * e * e - c * f * f


def q_squared(sig: torch.Tensor) -> torch.Tensor:
    """q^2 = 3 J2 (Eq. 9 of seed 003): smooth everywhere, used instead of q."""
    return 3.0 * j2(deviator(sig))


def q_safe(sig: torch.Tensor, rel_eps: float = 1e-12) -> torch.Tensor:
    """q = sqrt(3 J2 + (rel_eps p)^2): finite gradient at isotropic states."""
    p = mean_stress(sig)
    return torch.sqrt(q_squared(sig) + (rel_eps * p) ** 2)


def sin3theta(sig: torch.Tensor, rel_eps: float = 1e-10) -> torch.Tensor:
    """sin(3 theta) = (3 sqrt3 / 2) J3 / J2^1.5 (compression positive: +1 in
    triaxial compression theta = pi/6, -1 in extension). J2 is regularised by
    (rel_eps p)^2 so that isotropic states give 0 with finite gradients."""
    s = deviator(sig)
    p = mean_stress(sig)
    jj = j2(s) + (rel_eps * p) ** 2
    return 1.5 * SQRT3 * det3(s) / jj**1.5


def principal_invariants(sig: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """I1, I2, I3 of the (compression-positive) stress tensor."""
    a, b, c, d, e, f = sig.unbind(-1)
    i1 = a + b + c
    i2 = a * b + b * c + c * a - d * d - e * e - f * f
    return i1, i2, det3(sig)


def apply_elastic(bulk: torch.Tensor, shear: torch.Tensor, deps: torch.Tensor) -> torch.Tensor:
    """D^e : d eps for isotropic elasticity without forming D.

    bulk, shear: (n,) [Pa]; deps: (n, 6) engineering-shear strain -> (n, 6) [Pa].
    """
    ev = deps[..., :3].sum(-1, keepdim=True)
    normal = bulk[..., None] * ev + 2.0 * shear[..., None] * (deps[..., :3] - ev / 3.0)
    return torch.cat([normal, shear[..., None] * deps[..., 3:]], -1)


def elastic_matrix(bulk: torch.Tensor, shear: torch.Tensor) -> torch.Tensor:
    """(n, 6, 6) isotropic D^e for engineering shear strain."""
    n = bulk.shape[0]
    d = torch.zeros(n, 6, 6, dtype=bulk.dtype, device=bulk.device)
    lam = bulk - 2.0 * shear / 3.0
    for i in range(3):
        for j in range(3):
            d[:, i, j] = lam + (2.0 * shear if i == j else 0.0)
    for i in range(3, 6):
        d[:, i, i] = shear
    return d


def shear_from_poisson(bulk: torch.Tensor, nu: torch.Tensor) -> torch.Tensor:
    """G = 3 K (1 - 2 nu) / (2 (1 + nu))."""
    return 1.5 * bulk * (1.0 - 2.0 * nu) / (1.0 + nu)


def isotropic(p: torch.Tensor) -> torch.Tensor:
    """(n, 6) stress p I from (n,) pressures."""
    z = torch.zeros_like(p)
    return torch.stack([p, p, p, z, z, z], -1)
