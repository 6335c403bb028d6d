"""Contact forces of one sphere RVE in passes: gather / contiguous contact law / scatter.

The 3D twin of :mod:`mslearn.micro.dem.disk2d.forces`; the middle pass applies
the law of :mod:`~mslearn.micro.dem.sphere3d.contact` to contiguous scratch
rows without branches so that LLVM can vectorise it. The passes run over the
near list of :mod:`~mslearn.micro.dem.sphere3d.near` (the Verlet pairs that can
touch before it is rebuilt), which also holds the contact history meanwhile.

Kinematics (pair i-j): branch ``d = h (s_j - s_i + n)``; relative
displacement of j w.r.t. i over the last step ``u = (v_j - v_i) dt + dh (s_j
- s_i + n)``; rotations over the step ``a_i = (w_i + W) dt`` (own spin plus
the cell spin W); the contact points move apart by ``du = u - (l_i a_i + l_j
a_j) x m`` with branch lengths ``l = r - un / 2`` and the mid-step normal
``m = (d - u / 2) / |d|``, so a rigid rotation of the cell gives ``du = 0`` to
third order in the step's angle (with ``n`` in place of ``m`` a tangential
``(theta . d) theta / 2`` per step is left, which accumulated to a 1 % stress
error over a 0.3 rad rotation). Tangential part ``du_t = du - (du . n) n``. The spring
is turned by ``phi = (a_i + a_j) / 2 . n`` and projected onto the new tangent
plane before ``fs <- fs - kt du_t`` (:func:`contact.carry_spring`).
Force on j ``f = fn n + fs`` (minus dashpots), torques ``-l_i n x fs`` on i
and ``-l_j n x fs`` on j.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from mslearn.micro.dem.disk2d.contact import specialise
from mslearn.micro.dem.params import LAW_HERTZ, LAW_LINEAR
from mslearn.micro.dem.sphere3d.arrays import BORROWS, FAST
from mslearn.micro.dem.sphere3d.contact import (
    affine_term,
    carry_spring,
    carry_spring_inline,
    contact_energy,
    contact_stiffness,
    contact_stiffness_inline,
    coulomb_inline,
    dashpot_coefficients_inline,
)
from mslearn.micro.dem.sphere3d.mat3 import cell_spin_dt
from mslearn.micro.dem.sphere3d.near import Work, gather, near_list, new_work, store_history, u32

__all__ = ["ContactSums", "Work", "contact_forces", "new_work", "store_history"]


class ContactSums(NamedTuple):
    """Sums over the contacts of one RVE from :func:`contact_forces`.

    ``s00 .. s22``: ``sum f_a d_b`` [N m] (Love-Weber stress without the
    ``-1/V``); ``k0 .. k5``: Voigt diagonal of the affine stiffness times V
    [N m] (servo steps only); ``energy`` elastic [J], ``sum_force`` sum |f|
    [N], ``max_overlap`` max overlap / min radius (check steps, or when an
    overlap is beyond the limit); ``n_contacts``."""

    s00: float
    s01: float
    s02: float
    s10: float
    s11: float
    s12: float
    s20: float
    s21: float
    s22: float
    k0: float
    k1: float
    k2: float
    k3: float
    k4: float
    k5: float
    energy: float
    sum_force: float
    n_contacts: float
    max_overlap: float


@njit(cache=True, fastmath=FAST, error_model="numpy", **BORROWS)
def _law_pass(prm, q, npairs, w):
    """The contact law on the first ``npairs`` slots of ``w`` (the contacts; one the
    law finds open gives zero force), branch-free.

    Updates the spring rows w.fs*, w.fn, w.flag; overwrites the u rows with the
    force on j (:func:`_torques` then turns it into the torques). Returns (9 sums
    f_a d_b, contacts, contacts beyond the overlap limit). Compiled once per law,
    with and without dashpots."""
    dashpots = prm.visc_n > 0 or prm.visc_t > 0
    if prm.law == LAW_LINEAR:
        if dashpots:
            return _law_loop(specialise(prm, LAW_LINEAR, True), q, npairs, w)
        return _law_loop(specialise(prm, LAW_LINEAR, False), q, npairs, w)
    if dashpots:
        return _law_loop(specialise(prm, LAW_HERTZ, True), q, npairs, w)
    return _law_loop(specialise(prm, LAW_HERTZ, False), q, npairs, w)


@njit(inline="always")
def _law_loop(prm, q, npairs, w):
    """The loop of :func:`_law_pass`, inlined there (prm's law and dashpots constant).

    It writes few arrays (the spring rows, fn, flag and the force rows): with
    the six torque rows as well LLVM gave up vectorising it (runtime alias
    checks), 31 -> 6 ns per pair; the torques are a second loop."""
    dx, dy, dz, ux, uy, uz = w.dx, w.dy, w.dz, w.ux, w.uy, w.uz
    aix, aiy, aiz, ajx, ajy, ajz = w.aix, w.aiy, w.aiz, w.ajx, w.ajy, w.ajz
    ri, rj, ms, fsx, fsy, fsz = w.ri, w.rj, w.mstar, w.fsx, w.fsy, w.fsz
    pfn, pflag = w.fn, w.flag
    visc = prm.visc_n > 0 or prm.visc_t > 0
    s00 = s01 = s02 = s10 = s11 = s12 = s20 = s21 = s22 = nc = nbad = 0.0
    for c in range(npairs):
        x = dx[c]
        y = dy[c]
        z = dz[c]
        r1 = ri[c]
        r2 = rj[c]
        rs = r1 + r2
        d2 = x * x + y * y + z * z
        inside = d2 < rs * rs
        dist = math.sqrt(d2)
        inv = 1.0 / dist
        nx = x * inv
        ny = y * inv
        nz = z * inv
        ov = rs - dist
        ovp = ov if inside else 0.0
        li = r1 - 0.5 * ovp
        lj = r2 - 0.5 * ovp
        bx = li * aix[c] + lj * ajx[c]
        by = li * aiy[c] + lj * ajy[c]
        bz = li * aiz[c] + lj * ajz[c]
        # du = u - b x m with the mid-step normal m = n - u / (2 |d|): exact to
        # second order for a rigid rotation (b x n alone leaves (theta . d) theta / 2)
        mx = nx - 0.5 * ux[c] * inv
        my = ny - 0.5 * uy[c] * inv
        mz = nz - 0.5 * uz[c] * inv
        dux = ux[c] - (by * mz - bz * my)
        duy = uy[c] - (bz * mx - bx * mz)
        duz = uz[c] - (bx * my - by * mx)
        dun = dux * nx + duy * ny + duz * nz
        dtx = dux - dun * nx
        dty = duy - dun * ny
        dtz = duz - dun * nz
        phi = 0.5 * ((aix[c] + ajx[c]) * nx + (aiy[c] + ajy[c]) * ny + (aiz[c] + ajz[c]) * nz)
        fx, fy, fz = carry_spring_inline(fsx[c], fsy[c], fsz[c], nx, ny, nz, phi)
        kn, kt, kn_tan = contact_stiffness_inline(prm, r1 * r2 / rs, ovp)
        fn = kn * ovp
        fx, fy, fz, slide = coulomb_inline(prm, fn, fx - kt * dtx, fy - kt * dty, fz - kt * dtz)
        fx = fx if inside else 0.0
        fy = fy if inside else 0.0
        fz = fz if inside else 0.0
        fsx[c] = fx
        fsy[c] = fy
        fsz[c] = fz
        pfn[c] = fn
        pflag[c] = (2 if slide else 1) if inside else 0
        fnt = fn
        if visc:
            cn, ct = dashpot_coefficients_inline(prm, ms[c], kn_tan, kt, inside, slide)
            fnt -= cn * dun
            fx -= ct * dtx
            fy -= ct * dty
            fz -= ct * dtz
        gx = fnt * nx + fx
        gy = fnt * ny + fy
        gz = fnt * nz + fz
        ux[c] = gx
        uy[c] = gy
        uz[c] = gz
        s00 += gx * x
        s01 += gx * y
        s02 += gx * z
        s10 += gy * x
        s11 += gy * y
        s12 += gy * z
        s20 += gz * x
        s21 += gz * y
        s22 += gz * z
        nc += 1.0 if inside else 0.0
        rsm = 0.5 * (rs - abs(r1 - r2))
        nbad += 1.0 if (inside and ov > prm.max_overlap * rsm) else 0.0
    return s00, s01, s02, s10, s11, s12, s20, s21, s22, nc, nbad


@njit(cache=True, fastmath=FAST, error_model="numpy", **BORROWS)
def _torques(npairs, w):
    """Torques from the force rows (after the law pass): ``-l_i n x f`` on i and
    ``-l_j n x f`` on j into the a rows (``n x f = n x f_t``: only the tangential
    force, dashpot included, has a moment); l = r - un / 2. Branch-free."""
    dx, dy, dz, fx, fy, fz, ri, rj = w.dx, w.dy, w.dz, w.ux, w.uy, w.uz, w.ri, w.rj
    aix, aiy, aiz, ajx, ajy, ajz = w.aix, w.aiy, w.aiz, w.ajx, w.ajy, w.ajz
    for c in range(npairs):
        x = dx[c]
        y = dy[c]
        z = dz[c]
        r1 = ri[c]
        r2 = rj[c]
        rs = r1 + r2
        d2 = x * x + y * y + z * z
        dist = math.sqrt(d2)
        inv = 1.0 / dist
        hov = 0.5 * (rs - dist) if d2 < rs * rs else 0.0
        tx = (y * fz[c] - z * fy[c]) * inv
        ty = (z * fx[c] - x * fz[c]) * inv
        tz = (x * fy[c] - y * fx[c]) * inv
        li = hov - r1
        lj = hov - r2
        aix[c] = li * tx
        aiy[c] = li * ty
        aiz[c] = li * tz
        ajx[c] = lj * tx
        ajy[c] = lj * ty
        ajz[c] = lj * tz


_VOIGT = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))


@njit(cache=True)
def _extras(prm, q, npairs, w, full, need_k):
    """Servo stiffness Voigt diagonal (need_k) and energy, sum |f|, max overlap ratio (full)."""
    k = np.zeros(6)
    e = sf = movr = 0.0
    for c in range(npairs):
        x = w.dx[c]
        y = w.dy[c]
        z = w.dz[c]
        r1 = w.ri[c]
        r2 = w.rj[c]
        rs = r1 + r2
        d2 = x * x + y * y + z * z
        if d2 >= rs * rs:
            continue
        dist = math.sqrt(d2)
        ov = rs - dist
        _, kt, kn_tan = contact_stiffness(prm, r1 * r2 / rs, ov)
        if need_k:
            n = (x / dist, y / dist, z / dist)
            d = (x, y, z)
            for A in range(6):
                a, b = _VOIGT[A]
                k[A] += affine_term(kn_tan, kt, n, d, a, b, a, b)
        if full:
            fs2 = w.fsx[c] ** 2 + w.fsy[c] ** 2 + w.fsz[c] ** 2
            e += contact_energy(prm, w.fn[c], fs2, ov, kt)
            sf += math.sqrt(w.ux[c] ** 2 + w.uy[c] ** 2 + w.uz[c] ** 2)
            movr = max(movr, ov / min(r1, r2))
    return k[0], k[1], k[2], k[3], k[4], k[5], e, sf, movr


@njit(cache=True, **BORROWS)
def _rolling(prm, q, npairs, w, mr):
    """Optional rolling resistance (Iwashita-Oda type spring): moment on j
    ``M <- M - kr dtheta_t`` with the tangential part of the relative rotation
    ``(a_j - a_i)``, ``kr = beta_r kt rr^2``, ``|M| <= eta_r rr fn``; M is carried
    with the contact like fs. Writes q.mr and mr (cap, 3); returns the energy [J].
    Runs before the law pass (it reads the a rows)."""
    e = 0.0
    for c in range(npairs):
        x, y, z = w.dx[c], w.dy[c], w.dz[c]
        r1, r2 = w.ri[c], w.rj[c]
        rs = r1 + r2
        d2 = x * x + y * y + z * z
        s = w.idx[c]
        if d2 >= rs * rs:
            for a in range(3):
                q.mr[s, a] = 0.0
                mr[c, a] = 0.0
            continue
        dist = math.sqrt(d2)
        nx, ny, nz = x / dist, y / dist, z / dist
        ov = rs - dist
        rr = r1 * r2 / rs
        kn, kt, _ = contact_stiffness(prm, rr, ov)
        tx = w.ajx[c] - w.aix[c]
        ty = w.ajy[c] - w.aiy[c]
        tz = w.ajz[c] - w.aiz[c]
        tn = tx * nx + ty * ny + tz * nz
        phi = 0.5 * ((w.aix[c] + w.ajx[c]) * nx + (w.aiy[c] + w.ajy[c]) * ny
                     + (w.aiz[c] + w.ajz[c]) * nz)  # fmt: skip
        mx, my, mz = carry_spring(q.mr[s, 0], q.mr[s, 1], q.mr[s, 2], nx, ny, nz, phi)
        kr = prm.roll_k * kt * rr * rr
        mx -= kr * (tx - tn * nx)
        my -= kr * (ty - tn * ny)
        mz -= kr * (tz - tn * nz)
        mm = math.sqrt(mx * mx + my * my + mz * mz)
        mmax = prm.roll_eta * rr * kn * ov
        sc = mmax / mm if mm > mmax else 1.0
        mx, my, mz = mx * sc, my * sc, mz * sc
        q.mr[s, 0], q.mr[s, 1], q.mr[s, 2] = mx, my, mz
        mr[c, 0], mr[c, 1], mr[c, 2] = mx, my, mz
        if kr > 0:
            e += 0.5 * (mx * mx + my * my + mz * mz) / kr
    return e


@njit(inline="always")
def _flush(F, T, i, gx, gy, gz, tx, ty, tz):
    F[i, 0] += gx
    F[i, 1] += gy
    F[i, 2] += gz
    T[i, 0] += tx
    T[i, 1] += ty
    T[i, 2] += tz


@njit(cache=True, **BORROWS)
def _scatter(nk, w, F, T, roll, mr):
    """F (N, 3), T (N, 3) = sums of the nk near slots' forces and torques (and
    rolling moments)."""
    ik, jk = w.ik, w.jk
    fxa, fya, fza = w.ux, w.uy, w.uz
    aix, aiy, aiz, ajx, ajy, ajz = w.aix, w.aiy, w.aiz, w.ajx, w.ajy, w.ajz
    for k in range(F.shape[0]):
        for a in range(3):
            F[k, a] = 0.0
            T[k, a] = 0.0
    # the slots are in pair order, grouped by i (built in ascending i): the
    # i-side sums stay in registers over a run of equal i and are added once
    cur = ik[0] if nk > 0 else u32(0)
    gx = gy = gz = tx = ty = tz = 0.0
    for k in range(nk):
        i = ik[k]
        j = jk[k]
        if i != cur:
            _flush(F, T, cur, gx, gy, gz, tx, ty, tz)
            cur = i
            gx = gy = gz = tx = ty = tz = 0.0
        fx = fxa[k]
        fy = fya[k]
        fz = fza[k]
        F[j, 0] += fx
        F[j, 1] += fy
        F[j, 2] += fz
        T[j, 0] += ajx[k]
        T[j, 1] += ajy[k]
        T[j, 2] += ajz[k]
        gx -= fx
        gy -= fy
        gz -= fz
        tx += aix[k]
        ty += aiy[k]
        tz += aiz[k]
    if nk > 0:
        _flush(F, T, cur, gx, gy, gz, tx, ty, tz)
    if roll:
        for k in range(nk):
            for a in range(3):
                T[jk[k], a] += mr[k, a]
                T[ik[k], a] -= mr[k, a]


@njit(cache=True)
def contact_forces(p, q, npairs, c, prm, w, mr, F, T, full, need_k, fresh, moved):
    """Contact forces of one sphere RVE at its current geometry (the engine's force pass).

    p: Particles, q: Pairs (``npairs`` slots in use) and c: Cells of one RVE
    (``c.h`` and its last change ``c.dh`` [m] are read); prm: KernelParams;
    w: Work scratch, mr (cap, 3) scratch for rolling moments; writes F (N, 3)
    [N], T (N, 3) [N m]. The contact history (fs, fn, flag) is kept in ``w``
    (:mod:`~mslearn.micro.dem.sphere3d.near`): :func:`store_history` writes it to
    q (q.mr is written here with rolling resistance). ``full``: energy, sum |f|
    and the overlap ratio; ``need_k``: the servo stiffness diagonal; ``fresh``:
    the pair list changed since the last call with this ``w`` (or there was
    none), q holds the history; ``moved``: max |v'| dt of the spheres since the
    last call [m]. Returns :class:`ContactSums`."""
    roll = prm.roll_k > 0
    visc = prm.visc_n > 0 or prm.visc_t > 0
    nk = near_list(p, q, npairs, c.h, prm.skin, moved, fresh, roll, visc, w)
    gather(p, nk, c.h, c.dh, prm.dt, cell_spin_dt(c.h, c.dh), w)
    e_roll = _rolling(prm, q, nk, w, mr) if roll else 0.0
    s00, s01, s02, s10, s11, s12, s20, s21, s22, nc, nbad = _law_pass(prm, q, nk, w)
    _torques(nk, w)
    full = full or nbad > 0.0
    k0 = k1 = k2 = k3 = k4 = k5 = energy = sum_f = max_ov = 0.0
    if full or need_k:
        k0, k1, k2, k3, k4, k5, energy, sum_f, max_ov = _extras(prm, q, nk, w, full, need_k)
        energy += e_roll
    _scatter(nk, w, F, T, roll, mr)
    return ContactSums(s00, s01, s02, s10, s11, s12, s20, s21, s22, k0, k1, k2, k3, k4, k5,
                       energy, sum_f, nc, max_ov)  # fmt: skip
