"""The near list of the force pass and its gather: the Verlet pairs that can touch soon.

The Verlet list (:mod:`~mslearn.micro.dem.sphere3d.neighbours`, skin ``s``)
holds about twice as many pairs as there are contacts. The force pass works
on a second, inner list: the pairs with ``|d| < r_i + r_j + delta`` when it
was built (``delta = NEAR_SKIN s``), in pair order, with their constants
(radii, reduced mass, sphere indices) and their contact history (spring
``fs``, ``fn``, flag) held in the :class:`Work` rows while the list lives, so
a step gathers only positions, velocities and spins of those pairs and
writes nothing back to the pair slots. The pairs left out are open (their
history is set to the law's values for an open pair when the list is built)
and stay open while

``1.1 * 2 * sum(max |v'| dt) + e (2 r_max + delta) < delta``

with the sum over the steps since the build and ``e`` the rotation-free
stretch bound of ``h h_near^-1`` (:func:`~mslearn.micro.dem.sphere3d.mat3.stretch_deviation`):
a left-out pair had ``|d0| >= r_i + r_j + delta`` and now
``|d| >= (1 - e) |d0| - (1 + e)^2 2 sum |v'| dt``. So the forces are those of
the law on every Verlet pair. When the test fails the list is rebuilt (after
the history is stored back); :func:`store_history` writes the history to the
pair slots (the step loop calls it before a Verlet rebuild and at the end).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from mslearn.micro.dem.sphere3d.arrays import BORROWS, FAST
from mslearn.micro.dem.sphere3d.mat3 import stretch_deviation

NEAR_SKIN = 0.01  # delta / Verlet skin
N_ROWS = 22
N_NEAR = 3  # Work.near: (pairs in the list, sum of max moves since the build, 2 r_max + delta)


class Work(NamedTuple):
    """Scratch of the force passes for ``cap`` slots of the near list (first
    ``near[0]`` in use). Rows d, u, a are refilled each step; the law pass
    overwrites u with the force on j and a_i, a_j with the torques on i and j;
    the constants and the history rows live as long as the list."""

    dx: np.ndarray  # branch vector [m]
    dy: np.ndarray
    dz: np.ndarray
    ux: np.ndarray  # relative displacement over the step [m]; then the force on j [N]
    uy: np.ndarray
    uz: np.ndarray
    aix: np.ndarray  # rotation of i over the step (own + cell) [rad]; then torque on i [N m]
    aiy: np.ndarray
    aiz: np.ndarray
    ajx: np.ndarray  # the same for j
    ajy: np.ndarray
    ajz: np.ndarray
    ri: np.ndarray  # radius of i [m]
    rj: np.ndarray  # radius of j [m]
    mstar: np.ndarray  # reduced mass [kg] (with dashpots)
    fsx: np.ndarray  # tangential spring [N] (the history while the list lives)
    fsy: np.ndarray
    fsz: np.ndarray
    fn: np.ndarray  # elastic normal force [N]
    snx: np.ndarray  # image shift n [-] (as floats)
    sny: np.ndarray
    snz: np.ndarray
    flag: np.ndarray  # int8 0 open, 1 stuck, 2 sliding
    idx: np.ndarray  # int64 pair slot
    ik: np.ndarray  # uint32 sphere i
    jk: np.ndarray  # uint32 sphere j
    mask: np.ndarray  # bool per pair slot: in the near list (build scratch)
    near: np.ndarray  # (N_NEAR,) float, see N_NEAR
    h_near: np.ndarray  # (3, 3) cell at the build [m]


@njit(cache=True)
def new_work(cap):
    """Scratch for ``cap`` pair slots, with no near list yet."""
    a = np.empty((N_ROWS, cap))
    return Work(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11],
                a[12], a[13], a[14], a[15], a[16], a[17], a[18], a[19], a[20], a[21],
                np.empty(cap, np.int8),
                np.empty(cap, np.int64), np.empty(cap, np.uint32), np.empty(cap, np.uint32),
                np.empty(cap, np.bool_), np.zeros(N_NEAR), np.empty((3, 3)))  # fmt: skip


@njit(inline="always")
def u32(k):
    """An index known to be non-negative (numba then skips the negative-index wrap:
    about a third of the instructions of the gather loops)."""
    return np.uint32(k)


@njit(inline="always")
def entries(a):
    """The nine entries of a (3, 3) matrix, row by row."""
    return a[0, 0], a[0, 1], a[0, 2], a[1, 0], a[1, 1], a[1, 2], a[2, 0], a[2, 1], a[2, 2]


@njit(cache=True)
def _stale(w, h, moved, delta):
    """Add ``moved`` to the list's sum of moves; True when a pair left out could now
    be in contact (the test of the module docstring)."""
    w.near[1] += moved
    e = stretch_deviation(h, w.h_near)
    return 2.2 * w.near[1] + e * w.near[2] >= delta


@njit(cache=True, fastmath=FAST, error_model="numpy", **BORROWS)
def _mark(p, q, npairs, h, delta, mask):
    """mask[c]: pair slot c has ``|d| < r_i + r_j + delta``."""
    s, rad, pi, pj, pn = p.s, p.radius, q.i, q.j, q.shift
    h00, h01, h02, h10, h11, h12, h20, h21, h22 = entries(h)
    for c in range(npairs):
        i = u32(pi[c])
        j = u32(pj[c])
        a = s[j, 0] - s[i, 0] + pn[c, 0]
        b = s[j, 1] - s[i, 1] + pn[c, 1]
        e = s[j, 2] - s[i, 2] + pn[c, 2]
        x = h00 * a + h01 * b + h02 * e
        y = h10 * a + h11 * b + h12 * e
        z = h20 * a + h21 * b + h22 * e
        rs = rad[i] + rad[j] + delta
        mask[c] = x * x + y * y + z * z < rs * rs


@njit(cache=True, **BORROWS)
def _compact(q, npairs, clear, roll, w):
    """Near slots (pair order) from the mask; the pairs left out get an open pair's
    history (all when ``clear``: the list is new and its flags stale; else those
    flagged). Returns the count."""
    pi, pj, pflag, pfn, pfs, pmr = q.i, q.j, q.flag, q.fn, q.fs, q.mr
    mask, idx, ik, jk = w.mask, w.idx, w.ik, w.jk
    k = 0
    for c in range(npairs):
        # branch-free compaction: slot k is written always, kept when near
        inside = mask[c]
        idx[k] = c
        ik[k] = pi[c]
        jk[k] = pj[c]
        k += np.int64(inside)
        if (clear | (pflag[c] != 0)) & (not inside):
            pflag[c] = 0
            pfn[c] = 0.0
            for ax in range(3):
                pfs[c, ax] = 0.0
                if roll:
                    pmr[c, ax] = 0.0
    return k


@njit(cache=True, **BORROWS)
def _load_rows(p, q, nk, visc, w):
    """Constants and history of the near slots into their rows."""
    rad, mass, pfs, pfn, pflag = p.radius, p.mass, q.fs, q.fn, q.flag
    for k in range(nk):
        c = u32(w.idx[k])
        i = w.ik[k]
        j = w.jk[k]
        w.ri[k] = rad[i]
        w.rj[k] = rad[j]
        w.mstar[k] = mass[i] * mass[j] / (mass[i] + mass[j]) if visc else 0.0
        w.fsx[k] = pfs[c, 0]
        w.fsy[k] = pfs[c, 1]
        w.fsz[k] = pfs[c, 2]
        w.fn[k] = pfn[c]
        w.flag[k] = pflag[c]
        w.snx[k] = q.shift[c, 0]
        w.sny[k] = q.shift[c, 1]
        w.snz[k] = q.shift[c, 2]


@njit(cache=True, **BORROWS)
def store_history(q, w):
    """The near slots' springs, fn and flags back into the pair slots q."""
    pfs, pfn, pflag, idx = q.fs, q.fn, q.flag, w.idx
    for k in range(int(w.near[0])):
        c = u32(idx[k])
        pfs[c, 0] = w.fsx[k]
        pfs[c, 1] = w.fsy[k]
        pfs[c, 2] = w.fsz[k]
        pfn[c] = w.fn[k]
        pflag[c] = w.flag[k]


@njit(cache=True)
def near_list(p, q, npairs, h, skin, moved, fresh, roll, visc, w):
    """The near list for this step (rebuilt when ``fresh``: the Verlet list is new
    and q holds the history; or when the test of the module docstring fails);
    ``moved`` max |v'| dt of the last step [m]. Returns its length."""
    delta = NEAR_SKIN * skin
    if not fresh and not _stale(w, h, moved, delta):
        return int(w.near[0])
    if not fresh:
        store_history(q, w)
    _mark(p, q, npairs, h, delta, w.mask)
    nk = _compact(q, npairs, fresh, roll, w)
    _load_rows(p, q, nk, visc, w)
    rmax = 0.0
    for i in range(p.radius.shape[0]):
        rmax = max(rmax, p.radius[i])
    w.near[0] = nk
    w.near[1] = 0.0
    w.near[2] = 2.0 * rmax + delta
    w.h_near[:, :] = h
    return nk


@njit(cache=True, fastmath=FAST, error_model="numpy", **BORROWS)
def gather(p, nk, h, dh, dt, wc, w):
    """Branch vectors, relative displacements and rotations over the step of the nk
    near slots into ``w``; wc = (3,) tuple, the cell rotation over the step [rad].

    The indexed loops only copy and subtract (the fractional branch ``s_j - s_i +
    n`` and ``v_j - v_i``); the products with h and dh are a third, contiguous
    loop that LLVM vectorises (it does not vectorise indexed loads on this
    target: about 25 scalar instructions less per slot)."""
    s, v, om, ik, jk = p.s, p.v, p.w, w.ik, w.jk
    dx, dy, dz, ux, uy, uz, snx, sny, snz = w.dx, w.dy, w.dz, w.ux, w.uy, w.uz, w.snx, w.sny, w.snz
    aix, aiy, aiz, ajx, ajy, ajz = w.aix, w.aiy, w.aiz, w.ajx, w.ajy, w.ajz
    wcx, wcy, wcz = wc
    # (short loops: fewer live pointers, no spills; 3.5 -> 2.6 ns per slot for these two)
    for k in range(nk):
        i = ik[k]
        j = jk[k]
        dx[k] = s[j, 0] - s[i, 0] + snx[k]
        dy[k] = s[j, 1] - s[i, 1] + sny[k]
        dz[k] = s[j, 2] - s[i, 2] + snz[k]
    for k in range(nk):
        i = ik[k]
        j = jk[k]
        ux[k] = v[j, 0] - v[i, 0]
        uy[k] = v[j, 1] - v[i, 1]
        uz[k] = v[j, 2] - v[i, 2]
    for k in range(nk):
        i = ik[k]
        j = jk[k]
        aix[k] = om[i, 0] * dt + wcx
        aiy[k] = om[i, 1] * dt + wcy
        aiz[k] = om[i, 2] * dt + wcz
        ajx[k] = om[j, 0] * dt + wcx
        ajy[k] = om[j, 1] * dt + wcy
        ajz[k] = om[j, 2] * dt + wcz
    h00, h01, h02, h10, h11, h12, h20, h21, h22 = entries(h)
    d00, d01, d02, d10, d11, d12, d20, d21, d22 = entries(dh)
    for k in range(nk):
        a = dx[k]
        b = dy[k]
        e = dz[k]
        dx[k] = h00 * a + h01 * b + h02 * e
        dy[k] = h10 * a + h11 * b + h12 * e
        dz[k] = h20 * a + h21 * b + h22 * e
        ux[k] = ux[k] * dt + d00 * a + d01 * b + d02 * e
        uy[k] = uy[k] * dt + d10 * a + d11 * b + d12 * e
        uz[k] = uz[k] * dt + d20 * a + d21 * b + d22 * e
