"""Small 3x3 helpers for the kernels (no allocation unless stated)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from mslearn.micro.dem.sphere3d.arrays import BORROWS


@njit(cache=True, **BORROWS)
def det3(a):
    """Determinant of a (3, 3) matrix."""
    return (a[0, 0] * (a[1, 1] * a[2, 2] - a[1, 2] * a[2, 1])
            - a[0, 1] * (a[1, 0] * a[2, 2] - a[1, 2] * a[2, 0])
            + a[0, 2] * (a[1, 0] * a[2, 1] - a[1, 1] * a[2, 0]))  # fmt: skip


@njit(cache=True, **BORROWS)
def inv3(a, out):
    """out (3, 3) = a^-1 (adjugate over the determinant)."""
    d = det3(a)
    out[0, 0] = (a[1, 1] * a[2, 2] - a[1, 2] * a[2, 1]) / d
    out[0, 1] = (a[0, 2] * a[2, 1] - a[0, 1] * a[2, 2]) / d
    out[0, 2] = (a[0, 1] * a[1, 2] - a[0, 2] * a[1, 1]) / d
    out[1, 0] = (a[1, 2] * a[2, 0] - a[1, 0] * a[2, 2]) / d
    out[1, 1] = (a[0, 0] * a[2, 2] - a[0, 2] * a[2, 0]) / d
    out[1, 2] = (a[0, 2] * a[1, 0] - a[0, 0] * a[1, 2]) / d
    out[2, 0] = (a[1, 0] * a[2, 1] - a[1, 1] * a[2, 0]) / d
    out[2, 1] = (a[0, 1] * a[2, 0] - a[0, 0] * a[2, 1]) / d
    out[2, 2] = (a[0, 0] * a[1, 1] - a[0, 1] * a[1, 0]) / d


@njit(cache=True, **BORROWS)
def matmul3(a, b, out):
    """out (3, 3) = a b (out must not alias a or b)."""
    for i in range(3):
        for j in range(3):
            out[i, j] = a[i, 0] * b[0, j] + a[i, 1] * b[1, j] + a[i, 2] * b[2, j]


@njit(cache=True, **BORROWS)
def rotation_matrix(rv, out):
    """out (3, 3) = exp([rv]x), the rotation by the rotation vector rv (3,) [rad] (Rodrigues)."""
    th = math.sqrt(rv[0] ** 2 + rv[1] ** 2 + rv[2] ** 2)
    for i in range(3):
        for j in range(3):
            out[i, j] = 1.0 if i == j else 0.0
    if th == 0.0:
        return
    kx, ky, kz = rv[0] / th, rv[1] / th, rv[2] / th
    c = math.cos(th)
    s = math.sin(th)
    t = 1.0 - c
    out[0, 0] = c + t * kx * kx
    out[0, 1] = t * kx * ky - s * kz
    out[0, 2] = t * kx * kz + s * ky
    out[1, 0] = t * kx * ky + s * kz
    out[1, 1] = c + t * ky * ky
    out[1, 2] = t * ky * kz - s * kx
    out[2, 0] = t * kx * kz - s * ky
    out[2, 1] = t * ky * kz + s * kx
    out[2, 2] = c + t * kz * kz


@njit(cache=True)
def cell_from_strain(E, rv, h_ref, out):
    """out (3, 3) = R(rv) (I + E) h_ref [m]; E Voigt (6,) [11 22 33 23 13 12] with
    engineering shear, rv the rigid rotation vector (3,) [rad]."""
    a = np.empty((3, 3))
    a[0, 0] = 1.0 + E[0]
    a[1, 1] = 1.0 + E[1]
    a[2, 2] = 1.0 + E[2]
    a[1, 2] = a[2, 1] = 0.5 * E[3]
    a[0, 2] = a[2, 0] = 0.5 * E[4]
    a[0, 1] = a[1, 0] = 0.5 * E[5]
    rot = np.empty((3, 3))
    rotation_matrix(rv, rot)
    b = np.empty((3, 3))
    matmul3(rot, a, b)
    matmul3(b, h_ref, out)


@njit(cache=True)
def cell_spin_dt(h, dh):
    """(3,) rotation vector of the cell over the step: axial vector of the skew part
    of ``dh h_prev^-1`` with ``h_prev = h - dh`` [rad]."""
    hp = np.empty((3, 3))
    for i in range(3):
        for j in range(3):
            hp[i, j] = h[i, j] - dh[i, j]
    hi = np.empty((3, 3))
    inv3(hp, hi)
    L = np.empty((3, 3))
    matmul3(dh, hi, L)
    return 0.5 * (L[2, 1] - L[1, 2]), 0.5 * (L[0, 2] - L[2, 0]), 0.5 * (L[1, 0] - L[0, 1])


@njit(cache=True)
def stretch_deviation(h, hb):
    """Upper bound of max |singular value - 1| of ``F = h hb^-1`` (rotation-free):
    with ``e = ||F^T F - I||_F`` the singular values lie in
    ``[sqrt(1 - e), sqrt(1 + e)]``."""
    hi = np.empty((3, 3))
    inv3(hb, hi)
    F = np.empty((3, 3))
    matmul3(h, hi, F)
    e2 = 0.0
    for i in range(3):
        for j in range(3):
            c = F[0, i] * F[0, j] + F[1, i] * F[1, j] + F[2, i] * F[2, j] - (1.0 if i == j else 0.0)
            e2 += c * c
    e = math.sqrt(e2)
    return max(math.sqrt(1.0 + e) - 1.0, 1.0 - math.sqrt(max(1.0 - e, 0.0)))
