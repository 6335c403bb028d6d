"""The contact law of the disk engine, written once: pure numba functions over scalars.

Every caller uses these functions: the engine's force pass
(:mod:`~mslearn.micro.dem.disk2d.forces`, which the verification cases call
too), its diagnostics and servo stiffness, and the homogenised stiffness
(:mod:`~mslearn.micro.dem.disk2d.homogenise`). They are inlined into the
caller's loop (``inline="always"``), so the vectorised force pass stays
branch-free and each caller keeps its own floating-point flags.

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

from mslearn.micro.dem.params import LAW_LINEAR


@njit(inline="always")
def contact_stiffness(prm, rr, ov):
    """(kn, kt, kn_tangent) [N/m] of a contact with ``rr = r1 r2 / (r1 + r2)`` [m]
    at overlap ``ov >= 0`` [m] (seed 000 Eq. 9 for Hertz; linear: constant).

    kn is the secant normal stiffness (``fn = kn ov``), kt the tangential
    stiffness applied to displacement increments, kn_tangent ``d fn / d ov``
    (used by the affine stiffness, the servo and the normal dashpot)."""
    if prm.law == LAW_LINEAR:
        kn = prm.kn * rr
        return kn, prm.kt * kn, kn
    sq = math.sqrt(4.0 * rr * ov)  # sqrt(2 r* ov), r* = 2 r1 r2 / (r1 + r2)
    return prm.kn * sq, prm.kt * sq, 1.5 * prm.kn * sq


@njit(inline="always")
def contact_law(prm, rr, ov, inside, fs_old, dun, dut, mstar):
    """Forces of one contact over one step (seed 000 Eq. 8-9, Coulomb cap, dashpots).

    rr [m]; ov overlap [m], 0 for an open pair; inside: the disks touch;
    fs_old: tangential spring [N] at the start of the step; dun, dut: normal
    and tangential (along ``t``) relative displacement of j w.r.t. i over the
    step [m]; mstar reduced mass [kg] (dashpots only).
    Returns ``(fn, fs, fn_total, fs_total, flag)``: elastic normal force and
    updated tangential spring [N] (the pair history), the forces with the
    optional dashpots ``2 beta sqrt(m* k) du / dt`` (the tangential one only
    while stuck) that act on the particles [N], and 0 open / 1 stuck /
    2 sliding. Branch-free apart from the loop-invariant law and dashpot
    switches, so a loop over pairs vectorises."""
    kn, kt, kn_tan = contact_stiffness(prm, rr, ov)
    fn = kn * ov
    fmax = prm.mu * fn
    fs = fs_old - kt * dut
    slide = abs(fs) > fmax
    fs = fmax if fs > fmax else fs
    fs = -fmax if fs < -fmax else fs
    fs = fs if inside else 0.0
    flag = (2 if slide else 1) if inside else 0
    fnt = fn
    fst = fs
    if prm.visc_n > 0 or prm.visc_t > 0:
        bn = prm.visc_n
        bt = prm.visc_t
        fnt -= (2.0 * bn * math.sqrt(mstar * kn_tan) * dun / prm.dt) if inside else 0.0
        fst -= (2.0 * bt * math.sqrt(mstar * kt) * dut / prm.dt) if (inside and not slide) else 0.0
    return fn, fs, fnt, fst, flag


@njit(inline="always")
def contact_energy(prm, fn, fs, ov, kt):
    """Elastic energy of a contact [J]: normal ``fn ov / 2`` (linear) or
    ``2 fn ov / 5`` (Hertz, the integral of Eq. 9), tangential ``fs^2 / (2 kt)``."""
    en = (0.5 if prm.law == LAW_LINEAR else 0.4) * fn * ov
    if kt > 0:
        en += 0.5 * fs**2 / kt
    return en


@njit(inline="always")
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
