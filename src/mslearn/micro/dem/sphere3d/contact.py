"""The sphere contact law, written once: pure numba functions over scalars.

Contact of spheres i and j (radii r1, r2 [m]): unit normal ``n`` from i to j,
overlap ``un = r1 + r2 - |d|`` [m], ``rr = r1 r2 / (r1 + r2)`` [m]. The force
on j is ``fn n + fs`` with ``fs`` in the tangent plane: ``fn = kn un`` and an
incremental tangential spring ``fs <- fs - kt du_t`` capped by Coulomb,
``|fs| <= mu fn`` (seed 000 Eq. 8 in 3D).

* Linear (YADE Cundall-Strack, ``params.py``): ``kn = 2 E rr`` [N/m],
  ``kt = (kt/kn) kn``.
* Hertz-Mindlin for spheres of one material (``params.pair_stiffness3d``):
  ``fn = 4/3 G / (1 - nu) sqrt(rr un) un`` (secant ``kn = 4/3 c sqrt(rr un)``,
  ``c = G / (1 - nu)`` = the row's ``P_KN``), tangent normal stiffness
  ``2 c sqrt(rr un)``; Mindlin ``kt = 4 G / (2 - nu) sqrt(rr un)``
  (= ``2 P_KT sqrt(rr un)``).

The spring ``fs`` is carried with the contact: before the increment it is
turned about ``n`` by the mean spin of the pair (``phi = dt wbar . n``) and
projected onto the new tangent plane with its length kept
(:func:`carry_spring`), so a rigid rotation of the cell rotates it with the
packing. The functions are compiled with IEEE arithmetic for the scalar
callers (diagnostics, homogenisation); the force pass uses the same Python
functions inlined at numba-IR level (``*_inline``), so LLVM can vectorise its
loop: as separate IEEE functions they stayed calls and the pass ran scalar at
60 ns per pair. The two may differ in the last bits (fast-math contraction).
"""

from __future__ import annotations

import math

from numba import njit

from mslearn.micro.dem.params import LAW_LINEAR

_IEEE = dict(cache=True, fastmath=False, error_model="numpy")
_INLINE = dict(inline="always")


@njit(**_IEEE)
def contact_stiffness(prm, rr, ov):
    """(kn, kt, kn_tangent) [N/m] at overlap ``ov >= 0`` [m], ``rr = r1 r2 / (r1 + r2)``.

    kn is the secant normal stiffness (``fn = kn ov``), kt the tangential
    stiffness applied to displacement increments, kn_tangent ``d fn / d ov``."""
    if prm.law == LAW_LINEAR:
        kn = prm.kn * rr
        return kn, prm.kt * kn, kn
    sq = math.sqrt(rr * ov)
    return (4.0 / 3.0) * prm.kn * sq, 2.0 * prm.kt * sq, 2.0 * prm.kn * sq


@njit(**_IEEE)
def carry_spring(fx, fy, fz, nx, ny, nz, phi):
    """Tangential spring (fx, fy, fz) carried to the current contact frame: turned by
    ``phi`` [rad] about n (first order), projected onto the plane normal to the
    unit n and rescaled to its previous length. Branch-free."""
    f2 = fx * fx + fy * fy + fz * fz
    gx = fx + phi * (ny * fz - nz * fy)
    gy = fy + phi * (nz * fx - nx * fz)
    gz = fz + phi * (nx * fy - ny * fx)
    gn = gx * nx + gy * ny + gz * nz
    gx -= gn * nx
    gy -= gn * ny
    gz -= gn * nz
    g2 = gx * gx + gy * gy + gz * gz
    sc = math.sqrt(f2 / max(g2, 1e-300))
    return gx * sc, gy * sc, gz * sc


@njit(**_IEEE)
def coulomb(prm, fn, fx, fy, fz):
    """Trial spring (fx, fy, fz) capped at ``mu fn``: (fx, fy, fz, slide). Branch-free."""
    fmax = prm.mu * fn
    f = math.sqrt(fx * fx + fy * fy + fz * fz)
    slide = f > fmax
    sc = fmax / max(f, fmax, 1e-300) if slide else 1.0
    return fx * sc, fy * sc, fz * sc, slide


@njit(**_IEEE)
def dashpot_coefficients(prm, mstar, kn_tan, kt, inside, slide):
    """Optional contact dashpots ``2 beta sqrt(m* k) / dt`` [N/m] for (normal,
    tangential) displacement increments (the tangential one only while stuck)."""
    cn = (2.0 * prm.visc_n * math.sqrt(mstar * kn_tan) / prm.dt) if inside else 0.0
    ct = (2.0 * prm.visc_t * math.sqrt(mstar * kt) / prm.dt) if (inside and not slide) else 0.0
    return cn, ct


@njit(**_IEEE)
def contact_energy(prm, fn, fs2, ov, kt):
    """Elastic energy of a contact [J]: normal ``fn ov / 2`` (linear) or ``2 fn ov / 5``
    (Hertz), tangential ``|fs|^2 / (2 kt)``."""
    en = (0.5 if prm.law == LAW_LINEAR else 0.4) * fn * ov
    if kt > 0:
        en += 0.5 * fs2 / kt
    return en


@njit(**_IEEE)
def _c(kn, kt, n, d, i, j, k, l):
    """``kn n_i d_j n_k d_l + kt (delta_ik - n_i n_k) d_j d_l`` (seed 000 Eq. 11 in 3D)."""
    dik = 1.0 if i == k else 0.0
    return kn * n[i] * d[j] * n[k] * d[l] + kt * (dik - n[i] * n[k]) * d[j] * d[l]


@njit(**_IEEE)
def affine_term(kn, kt, n, d, i, j, k, l):
    """One contact's affine stiffness ``C_ijkl`` [N m] symmetrised over (ij) and (kl);
    n, d (3,) tuples: unit normal and branch vector [m]; kn the tangent normal
    stiffness, kt the tangential one [N/m]."""
    return 0.25 * (_c(kn, kt, n, d, i, j, k, l) + _c(kn, kt, n, d, j, i, k, l)
                   + _c(kn, kt, n, d, i, j, l, k) + _c(kn, kt, n, d, j, i, l, k))  # fmt: skip


def _inline(f):
    """The numba-IR-inlined twin of an IEEE-compiled law function (for the force pass)."""
    return njit(**_INLINE)(f.py_func)


contact_stiffness_inline = _inline(contact_stiffness)
carry_spring_inline = _inline(carry_spring)
coulomb_inline = _inline(coulomb)
dashpot_coefficients_inline = _inline(dashpot_coefficients)
