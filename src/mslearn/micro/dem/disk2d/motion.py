"""Leapfrog integration of one RVE with Cundall local damping, and the cell kinematics.

The cell follows ``h = R(theta) (I + E) h_ref`` (small strain ``E`` in Voigt
``[E11, E22, gamma12]``, rigid rotation ``theta``); particles carry
fractional positions ``s`` (``x = h s``) and a fluctuation velocity ``v'``
integrated with ``m dv'/dt = F``. Local (non-viscous) damping:
``F_a <- F_a - alpha |F_a| sign(v'_a)`` per component, and the same on the
torque.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from mslearn.micro.dem.disk2d.arrays import BORROWS, FAST


class Motion(NamedTuple):
    """What :func:`integrate` reports about a step."""

    kinetic: float  # on-step kinetic energy [J]
    sum_force: float  # sum |F| (undamped) over particles, full steps only [N]
    max_disp: float  # max |disp| since the last neighbour build [m]
    max_move: float  # max |v'| dt [m]
    bad: float  # 1: NaN or inf in the state


@njit(cache=True, **BORROWS)
def cell_from_strain(E, theta, h_ref, out):
    """out (2, 2) = R(theta) (I + E) h_ref [m]; E Voigt (3,) with engineering shear."""
    c = math.cos(theta)
    s = math.sin(theta)
    a00 = 1.0 + E[0]
    a01 = 0.5 * E[2]
    a10 = 0.5 * E[2]
    a11 = 1.0 + E[1]
    b00 = c * a00 - s * a10
    b01 = c * a01 - s * a11
    b10 = s * a00 + c * a10
    b11 = s * a01 + c * a11
    for k in range(2):
        out[0, k] = b00 * h_ref[0, k] + b01 * h_ref[1, k]
        out[1, k] = b10 * h_ref[0, k] + b11 * h_ref[1, k]


@njit(cache=True, error_model="numpy", fastmath=FAST, **BORROWS)
def integrate(p, F, T, h_new, prm, full):
    """Leapfrog update of one RVE's Particles ``p`` with Cundall local damping.

    F (N, 2) [N], T (N,) [N m]; h_new (2, 2) the cell at the end of the step.
    ``v(t + dt/2) = v(t - dt/2) + F_damped / m dt``; ``s += h_new^-1 v dt``.
    Returns a :class:`Motion`. The update loop has no max-reduction (maxima and
    |F| sums are taken in a second loop), which lets LLVM vectorise it;
    fast-math excludes the no-NaN/no-inf flags so the NaN check stays valid.
    """
    dt = prm.dt
    alpha = prm.local_damping
    s, v, om, theta, mass, inertia, disp = p.s, p.v, p.omega, p.theta, p.mass, p.inertia, p.disp
    det = h_new[0, 0] * h_new[1, 1] - h_new[0, 1] * h_new[1, 0]
    i00 = h_new[1, 1] / det
    i01 = -h_new[0, 1] / det
    i10 = -h_new[1, 0] / det
    i11 = h_new[0, 0] / det
    ke = 0.0
    for i in range(s.shape[0]):
        fx = F[i, 0]
        fy = F[i, 1]
        tq = T[i]
        vx0 = v[i, 0]
        vy0 = v[i, 1]
        w0 = om[i]
        fx -= alpha * abs(fx) * np.sign(vx0)
        fy -= alpha * abs(fy) * np.sign(vy0)
        tq -= alpha * abs(tq) * np.sign(w0)
        m = mass[i]
        vx = vx0 + fx / m * dt
        vy = vy0 + fy / m * dt
        w = w0 + tq / inertia[i] * dt
        v[i, 0] = vx
        v[i, 1] = vy
        om[i] = w
        ax = 0.5 * (vx + vx0)
        ay = 0.5 * (vy + vy0)
        aw = 0.5 * (w + w0)
        ke += 0.5 * m * (ax * ax + ay * ay) + 0.5 * inertia[i] * aw * aw
        ddx = vx * dt
        ddy = vy * dt
        s[i, 0] += i00 * ddx + i01 * ddy
        s[i, 1] += i10 * ddx + i11 * ddy
        theta[i] += w * dt
        disp[i, 0] += ddx
        disp[i, 1] += ddy
    dmax, vmax, sum_f = _maxima(F, v, disp, full)
    bad = 0.0 if (math.isfinite(ke) and math.isfinite(sum_f)) else 1.0
    return Motion(ke, sum_f, dmax, vmax * dt, bad)


@njit(cache=True, **BORROWS)
def _maxima(F, v, disp, full):
    """(max |disp|, max |v|, sum |F| (full) or 0)."""
    dmax2 = 0.0
    vmax2 = 0.0
    sumf = 0.0
    for i in range(v.shape[0]):
        dd = disp[i, 0] ** 2 + disp[i, 1] ** 2
        if dd > dmax2:
            dmax2 = dd
        vv = v[i, 0] ** 2 + v[i, 1] ** 2
        if vv > vmax2:
            vmax2 = vv
        if full:
            sumf += math.sqrt(F[i, 0] ** 2 + F[i, 1] ** 2)
    return math.sqrt(dmax2), math.sqrt(vmax2), sumf
