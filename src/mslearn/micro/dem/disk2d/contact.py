"""The contact law of the disk engine, written once: pure numba functions over scalars.

Every caller uses these functions: the engine's force pass
(:mod:`~mslearn.micro.dem.disk2d.forces`, which the verification cases call
too), its diagnostics and servo stiffness, and the homogenised stiffness
(:mod:`~mslearn.micro.dem.disk2d.homogenise`). They are compiled once with
IEEE arithmetic (no fast-math, whatever the caller's flags), so a contact
gives the same bits in every caller; LLVM inlines them into the callers'
loops, and the force pass still vectorises (its sums are the only fast-math
operations).

Contact of disks i and j (radii r1, r2 [m]): normal ``n`` from i to j,
tangent ``t = (-n2, n1)``, overlap ``un = r1 + r2 - |d|`` [m],
``rr = r1 r2 / (r1 + r2)`` [m]. The force on j is ``fn n + fs t`` (seed 000
Eq. 8): ``fn = kn un`` and an incremental tangential spring
``fs <- fs - kt du_t`` capped by Coulomb, ``|fs| <= mu fn``.

* Linear (YADE Cundall-Strack): ``kn = 2 E rr`` [N/m], ``kt = (kt/kn) kn``.
* Hertz-Mindlin (seed 000 Eq. 9): ``kn = G / (1 - nu) sqrt(2 r* un)``
  (secant, ``fn = kn un``), ``kt = 2 G / (2 - nu) sqrt(2 r* un)`` with
  ``r* = 2 r1 r2 / (r1 + r2) = 2 rr``; the tangent normal stiffness is
  ``1.5 kn``.

``prm`` is a :class:`~mslearn.micro.dem.disk2d.arrays.KernelParams`.
"""

from __future__ import annotations

import math

from numba import njit

from mslearn.micro.dem.disk2d.arrays import KernelParams
from mslearn.micro.dem.params import LAW_LINEAR

# explicit flags: an unset fastmath would be inherited from the first caller
_IEEE = dict(cache=True, fastmath=False, error_model="numpy")


@njit(**_IEEE)
def contact_stiffness(prm, rr, ov):
    """(kn, kt, kn_tangent) [N/m] of a contact with ``rr = r1 r2 / (r1 + r2)`` [m]
    at overlap ``ov >= 0`` [m] (seed 000 Eq. 9 for Hertz; linear: constant).

    kn is the secant normal stiffness (``fn = kn ov``), kt the tangential
    stiffness applied to displacement increments, kn_tangent ``d fn / d ov``
    (used by the affine stiffness, the servo and the normal dashpot)."""
    if prm.law == LAW_LINEAR:
        kn = prm.kn * rr
        kt = prm.kt * kn
        kn_tan = kn
    else:
        sq = math.sqrt(4.0 * rr * ov)  # sqrt(2 r* ov), r* = 2 r1 r2 / (r1 + r2)
        kn = prm.kn * sq
        kt = prm.kt * sq
        kn_tan = 1.5 * prm.kn * sq
    return kn, kt, kn_tan


@njit(**_IEEE)
def contact_law(prm, rr, ov, inside, fs_old, dut):
    """Elastic-frictional forces of one contact over one step (seed 000 Eq. 8-9, Coulomb).

    rr [m]; ov overlap [m], 0 for an open pair; inside: the disks touch;
    fs_old: tangential spring [N] at the start of the step; dut: tangential
    (along ``t``) relative displacement of j w.r.t. i over the step [m].
    Returns ``(fn, fs, kn_tangent, kt, slide, flag)``: elastic normal force
    and updated tangential spring [N] (the pair history, zero for an open
    pair), the stiffnesses [N/m] (for :func:`dashpot_forces`), whether the
    trial force exceeded ``mu fn``, and 0 open / 1 stuck / 2 sliding.
    Branch-free apart from the law switch (see :func:`specialise`), so a loop
    over pairs vectorises."""
    kn, kt, kn_tan = contact_stiffness(prm, rr, ov)
    fn = kn * ov
    fmax = prm.mu * fn
    fs = fs_old - kt * dut
    slide = abs(fs) > fmax
    fs = fmax if fs > fmax else fs
    fs = -fmax if fs < -fmax else fs
    fs = fs if inside else 0.0
    flag = (2 if slide else 1) if inside else 0
    return fn, fs, kn_tan, kt, slide, flag


@njit(**_IEEE)
def dashpot_forces(prm, mstar, kn_tan, kt, dun, dut, inside, slide):
    """Optional viscous dashpots of one contact [N]: ``(normal, tangential)`` forces
    ``2 beta sqrt(m* k) du / dt`` to subtract from ``(fn, fs)`` (the tangential one
    only while stuck); mstar reduced mass [kg], dun, dut displacement increments
    [m]. Callers skip it unless ``prm.visc_n > 0 or prm.visc_t > 0``."""
    bn = prm.visc_n
    bt = prm.visc_t
    dfn = (2.0 * bn * math.sqrt(mstar * kn_tan) * dun / prm.dt) if inside else 0.0
    dft = (2.0 * bt * math.sqrt(mstar * kt) * dut / prm.dt) if (inside and not slide) else 0.0
    return dfn, dft


@njit(**_IEEE)
def contact_energy(prm, fn, fs, ov, kt):
    """Elastic energy of a contact [J]: normal ``fn ov / 2`` (linear) or
    ``2 fn ov / 5`` (Hertz, the integral of Eq. 9), tangential ``fs^2 / (2 kt)``."""
    en = (0.5 if prm.law == LAW_LINEAR else 0.4) * fn * ov
    if kt > 0:
        en += 0.5 * fs**2 / kt
    return en


@njit(**_IEEE)
def rolling_law(prm, rr, ov, kn, kt, mr_old, dtheta):
    """Rolling resistance of one contact (Iwashita-Oda type spring, optional).

    Moment on j ``M <- M - kr dtheta`` with ``kr = beta_r kt R^2``,
    ``R = rr`` [m], capped at ``|M| <= eta_r R fn`` (``fn = kn ov``, the
    elastic normal force); dtheta = ``(w_j - w_i) dt`` [rad].
    Returns ``(M [N m], elastic energy M^2 / (2 kr) [J])``."""
    kr = prm.roll_k * kt * rr * rr
    m = mr_old - kr * dtheta
    mmax = prm.roll_eta * rr * kn * ov
    if m > mmax:
        m = mmax
    elif m < -mmax:
        m = -mmax
    e = 0.5 * m * m / kr if kr > 0 else 0.0
    return m, e


@njit(inline="always")
def specialise(prm, law, dashpots):
    """``prm`` with ``law`` and, unless ``dashpots``, zero dashpot ratios as constants
    of the caller (literal arguments that must agree with prm).

    A loop over pairs is compiled once per (law, dashpots) case on such a
    specialised prm: LLVM does not unswitch the vectorised loop on the law or
    dashpot tests by itself, and the loop then paid for both laws and for the
    dashpots' square roots on every pair (1.5-1.7x its cost)."""
    bn = prm.visc_n if dashpots else 0.0
    bt = prm.visc_t if dashpots else 0.0
    return KernelParams(
        law, prm.kn, prm.kt, prm.mu, prm.local_damping, bn, bt, prm.dt, prm.skin, prm.thickness,
        prm.max_overlap, prm.runaway, prm.roll_k, prm.roll_eta,
    )  # fmt: skip
