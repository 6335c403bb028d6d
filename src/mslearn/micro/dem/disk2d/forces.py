"""Contact forces of one RVE in passes: gather / contiguous contact law / scatter.

This is the one force evaluation of the engine (the step loop calls it, and
so do the verification cases through
:mod:`~mslearn.micro.dem.disk2d.probe`). The pair loop is split so that the
middle pass applies :func:`~mslearn.micro.dem.disk2d.contact.contact_law` to
contiguous scratch rows without branches, which LLVM vectorises (a 1.5x gain
on the whole step when it was introduced). The scratch rows are a
:class:`Work` owned by the caller.

Kinematics (pair i-j): branch ``d = h (s_j - s_i + n)``; relative
displacement of j w.r.t. i over the last step
``u = (v_j - v_i) dt + dh (s_j - s_i + n)``; ``du_t = u . t - (w_i dt +
w_cell) l_i - (w_j dt + w_cell) l_j`` with branch lengths
``l = r - un / 2``, so a rigid rotation of the cell creates no tangential
displacement.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from mslearn.micro.dem.disk2d.arrays import BORROWS, FAST
from mslearn.micro.dem.disk2d.contact import (
    contact_energy,
    contact_law,
    contact_stiffness,
    dashpot_forces,
    rolling_law,
    specialise,
)
from mslearn.micro.dem.params import LAW_HERTZ, LAW_LINEAR


class Work(NamedTuple):
    """Scratch rows (cap,) of the force passes; fx, fy, ti, tj overwrite ux, uy, wi, wj."""

    dx: np.ndarray  # branch vector [m]
    dy: np.ndarray
    ux: np.ndarray  # relative displacement over the step [m]; then the force on j [N]
    uy: np.ndarray
    wi: np.ndarray  # rotation of i over the step (own + cell) [rad]; then the torque on i [N m]
    wj: np.ndarray  # the same for j
    ri: np.ndarray  # radius of i [m] (filled after each rebuild)
    rj: np.ndarray  # radius of j [m]
    mstar: np.ndarray  # reduced mass [kg]
    mr: np.ndarray  # rolling moment on j [N m]


class ContactSums(NamedTuple):
    """Sums over the contacts of one RVE returned by :func:`contact_forces`.

    ``fx_dx .. fy_dy``: ``sum f_a d_b`` [N m] (Love-Weber stress without the
    ``-1/V``, seed 000 Eq. 10). ``k11, k22, k33``: diagonal of the affine
    stiffness (Eq. 11) times V [N m] (servo steps only). ``energy`` elastic
    [J], ``sum_force`` sum |f| [N], ``max_overlap`` max overlap / min radius
    (check steps, or whenever an overlap is beyond the limit); ``n_contacts``.
    """

    fx_dx: float
    fx_dy: float
    fy_dx: float
    fy_dy: float
    k11: float
    k22: float
    k33: float
    energy: float
    sum_force: float
    n_contacts: float
    max_overlap: float


@njit(cache=True)
def new_work(cap):
    """Uninitialised scratch rows for ``cap`` pair slots."""
    a = np.empty((10, cap))
    return Work(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9])


@njit(cache=True, **BORROWS)
def _cell_spin_dt(h, dh):
    """Rotation of the cell over the step: skew part of ``dh h_prev^-1`` [rad]."""
    p00 = h[0, 0] - dh[0, 0]
    p01 = h[0, 1] - dh[0, 1]
    p10 = h[1, 0] - dh[1, 0]
    p11 = h[1, 1] - dh[1, 1]
    det = p00 * p11 - p01 * p10
    L01 = (dh[0, 0] * -p01 + dh[0, 1] * p00) / det
    L10 = (dh[1, 0] * p11 + dh[1, 1] * -p10) / det
    return 0.5 * (L10 - L01)


@njit(cache=True, **BORROWS)
def pair_constants(p, q, npairs, w):
    """Per-pair radii and reduced mass into the work rows (after each rebuild)."""
    for c in range(npairs):
        i = q.i[c]
        j = q.j[c]
        w.ri[c] = p.radius[i]
        w.rj[c] = p.radius[j]
        w.mstar[c] = p.mass[i] * p.mass[j] / (p.mass[i] + p.mass[j])


@njit(cache=True, **BORROWS)
def _gather(p, q, npairs, h, dh, dt, wdt, w):
    """Branch vectors, relative displacements and rotations over the step into ``w``."""
    s, v, om, pi, pj, pn = p.s, p.v, p.omega, q.i, q.j, q.shift
    h00, h01, h10, h11 = h[0, 0], h[0, 1], h[1, 0], h[1, 1]
    d00, d01, d10, d11 = dh[0, 0], dh[0, 1], dh[1, 0], dh[1, 1]
    dx, dy, ux, uy, wi, wj = w.dx, w.dy, w.ux, w.uy, w.wi, w.wj
    for c in range(npairs):
        i = pi[c]
        j = pj[c]
        ds0 = s[j, 0] - s[i, 0] + pn[c, 0]
        ds1 = s[j, 1] - s[i, 1] + pn[c, 1]
        dx[c] = h00 * ds0 + h01 * ds1
        dy[c] = h10 * ds0 + h11 * ds1
        ux[c] = (v[j, 0] - v[i, 0]) * dt + d00 * ds0 + d01 * ds1
        uy[c] = (v[j, 1] - v[i, 1]) * dt + d10 * ds0 + d11 * ds1
        wi[c] = om[i] * dt + wdt
        wj[c] = om[j] * dt + wdt


@njit(cache=True, fastmath=FAST, error_model="numpy", **BORROWS)
def _law_pass(prm, q, npairs, w):
    """The contact law on every pair slot (open ones give zero force), branch-free.

    Updates q.fs, q.fn, q.flag; overwrites w.ux, w.uy, w.wi, w.wj with the
    force on j and the torques on i and j. Returns (sum fx dx, sum fx dy,
    sum fy dx, sum fy dy, contacts, contacts beyond the overlap limit).
    The loop is compiled once per law, with and without dashpots."""
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
    """The loop of :func:`_law_pass`, inlined there (its flags, prm's constant fields)."""
    dx, dy, ux, uy, wi, wj, ri, rj, ms = w.dx, w.dy, w.ux, w.uy, w.wi, w.wj, w.ri, w.rj, w.mstar
    pfs, pfn, pflag = q.fs, q.fn, q.flag  # (fields read inside the loop would cost refcounts)
    visc = prm.visc_n > 0 or prm.visc_t > 0  # a constant in each copy
    a0 = a1 = a2 = a3 = a9 = nbad = 0.0
    for c in range(npairs):
        x = dx[c]
        y = dy[c]
        r1 = ri[c]
        r2 = rj[c]
        rs = r1 + r2
        d2 = x * x + y * y
        inside = d2 < rs * rs
        dist = math.sqrt(d2)
        inv = 1.0 / dist
        nx = x * inv
        ny = y * inv
        ov = rs - dist
        ovp = ov if inside else 0.0
        li = r1 - 0.5 * ovp
        lj = r2 - 0.5 * ovp
        dun = ux[c] * nx + uy[c] * ny
        dut = uy[c] * nx - ux[c] * ny - (wi[c] * li + wj[c] * lj)
        fn, fs, kn_tan, kt, slide, flag = contact_law(prm, r1 * r2 / rs, ovp, inside, pfs[c], dut)
        pfs[c] = fs
        pfn[c] = fn
        pflag[c] = flag
        fnt = fn
        fst = fs
        if visc:
            dfn, dft = dashpot_forces(prm, ms[c], kn_tan, kt, dun, dut, inside, slide)
            fnt -= dfn
            fst -= dft
        fx = fnt * nx - fst * ny
        fy = fnt * ny + fst * nx
        ux[c] = fx
        uy[c] = fy
        wi[c] = -li * fst
        wj[c] = -lj * fst
        a0 += fx * x
        a1 += fx * y
        a2 += fy * x
        a3 += fy * y
        a9 += 1.0 if inside else 0.0
        # (a max-reduction here would stop LLVM from vectorising the loop)
        rsm = 0.5 * (rs - abs(r1 - r2))
        nbad += 1.0 if (inside and ov > prm.max_overlap * rsm) else 0.0
    return a0, a1, a2, a3, a9, nbad


@njit(cache=True, **BORROWS)
def _servo_stiffness(kn, kt, nx, ny, d2):
    """Diagonal (11, 22, 12) of one contact's affine stiffness (Eq. 11) times V [N m]."""
    n11 = nx * nx
    n22 = ny * ny
    ktn = kt * n11 * n22
    g = 0.5 * (n11 - n22)
    return ((kn * n11 * n11 + ktn) * d2, (kn * n22 * n22 + ktn) * d2,
            (kn * n11 * n22 + kt * g * g) * d2)  # fmt: skip


@njit(cache=True, **BORROWS)
def _extras(prm, q, npairs, w, full, need_k):
    """Servo stiffness diagonal (need_k) and energy, sum |f|, max overlap ratio (full)."""
    a4 = a5 = a6 = a7 = a8 = a10 = 0.0
    for c in range(npairs):
        x = w.dx[c]
        y = w.dy[c]
        r1 = w.ri[c]
        r2 = w.rj[c]
        rs = r1 + r2
        d2 = x * x + y * y
        if d2 >= rs * rs:
            continue
        dist = math.sqrt(d2)
        ov = rs - dist
        _, kt, kn_tan = contact_stiffness(prm, r1 * r2 / rs, ov)
        if need_k:
            k11, k22, k33 = _servo_stiffness(kn_tan, kt, x / dist, y / dist, d2)
            a4 += k11
            a5 += k22
            a6 += k33
        if full:
            a7 += contact_energy(prm, q.fn[c], q.fs[c], ov, kt)
            a8 += math.sqrt(w.ux[c] ** 2 + w.uy[c] ** 2)
            a10 = max(a10, ov / min(r1, r2))
    return a4, a5, a6, a7, a8, a10


@njit(cache=True, **BORROWS)
def _rolling(prm, q, npairs, w):
    """Rolling moments (optional) from the relative rotation ``(w_j - w_i) dt`` (rows
    wj - wi before the law pass overwrites them) into q.mr and w.mr; returns their energy."""
    e = 0.0
    for c in range(npairs):
        r1 = w.ri[c]
        r2 = w.rj[c]
        rs = r1 + r2
        d2 = w.dx[c] ** 2 + w.dy[c] ** 2
        if d2 >= rs * rs:
            q.mr[c] = 0.0
            w.mr[c] = 0.0
            continue
        ov = rs - math.sqrt(d2)
        rr = r1 * r2 / rs
        kn, kt, _ = contact_stiffness(prm, rr, ov)
        m, em = rolling_law(prm, rr, ov, kn, kt, q.mr[c], w.wj[c] - w.wi[c])
        q.mr[c] = m
        w.mr[c] = m
        e += em
    return e


@njit(cache=True, **BORROWS)
def _scatter(q, npairs, w, F, T, roll):
    """F (N, 2), T (N,) = sums of the pair forces and torques (and rolling moments)."""
    pi, pj, fxa, fya, tia, tja = q.i, q.j, w.ux, w.uy, w.wi, w.wj
    for k in range(F.shape[0]):
        F[k, 0] = 0.0
        F[k, 1] = 0.0
        T[k] = 0.0
    for c in range(npairs):
        i = pi[c]
        j = pj[c]
        fx = fxa[c]
        fy = fya[c]
        F[j, 0] += fx
        F[j, 1] += fy
        F[i, 0] -= fx
        F[i, 1] -= fy
        T[i] += tia[c]
        T[j] += tja[c]
    if roll:
        mr = w.mr
        for c in range(npairs):
            T[pj[c]] += mr[c]
            T[pi[c]] -= mr[c]


@njit(cache=True, **BORROWS)
def contact_forces(p, q, npairs, c, prm, w, F, T, full, need_k, fresh):
    """Contact forces of one RVE at its current geometry (the engine's force pass).

    p: Particles, q: Pairs (``npairs`` slots in use) and c: Cells of one RVE
    (the cell ``c.h`` and its change over the last step ``c.dh`` [m] are
    read); prm: KernelParams;
    w: Work scratch; writes F (N, 2) [N] and T (N,) [N m] and the pair
    histories q.fs, q.fn, q.flag (and q.mr with rolling resistance).
    ``full``: also energy, sum |f| and the overlap ratio (check steps);
    ``need_k``: the servo stiffness diagonal; ``fresh``: the pair list changed
    since the last call with this ``w``. Returns :class:`ContactSums`."""
    if fresh:
        pair_constants(p, q, npairs, w)
    _gather(p, q, npairs, c.h, c.dh, prm.dt, _cell_spin_dt(c.h, c.dh), w)
    roll = prm.roll_k > 0
    e_roll = _rolling(prm, q, npairs, w) if roll else 0.0
    f00, f01, f10, f11, nc, nbad = _law_pass(prm, q, npairs, w)
    full = full or nbad > 0.0  # beyond the overlap limit: report the ratio now
    k11 = k22 = k33 = energy = sum_f = max_ov = 0.0
    if full or need_k:
        k11, k22, k33, energy, sum_f, max_ov = _extras(prm, q, npairs, w, full, need_k)
        energy += e_roll
    _scatter(q, npairs, w, F, T, roll)
    return ContactSums(f00, f01, f10, f11, k11, k22, k33, energy, sum_f, nc, max_ov)
