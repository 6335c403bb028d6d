"""Leapfrog integration of one sphere RVE with Cundall local damping.

Spheres carry fractional positions ``s`` (``x = h s``) and a fluctuation
velocity ``v'`` integrated with ``m dv'/dt = F``; the fluctuation spin with
``I dw'/dt = T`` (spheres: no gyroscopic term). Local (non-viscous) damping:
``F_a <- F_a - alpha |F_a| sign(v'_a)`` per component, and the same on the
torque.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from mslearn.micro.dem.sphere3d.arrays import BORROWS, FAST
from mslearn.micro.dem.sphere3d.mat3 import inv3


class Motion(NamedTuple):
    """What :func:`integrate` reports about a step."""

    kinetic: float  # on-step kinetic energy [J]
    sum_force: float  # sum |F| (undamped) over spheres, full steps only [N]
    max_disp: float  # max |disp| since the last neighbour build [m]
    max_move: float  # max |v'| dt [m]
    bad: float  # 1: NaN or inf in the state


@njit(cache=True, error_model="numpy", fastmath=FAST, **BORROWS)
def _kick(v, F, m3, alpha, dt):
    """Damped leapfrog kick of flat (3N,) rows: ``v += (F - alpha |F| sign(v)) / m dt``
    with m3 (3N,) the mass (or inertia) per component; returns the on-step KE [J]."""
    ke = 0.0
    for k in range(v.shape[0]):
        f = F[k]
        v0 = v[k]
        # sign(v0) without branches (np.sign's kept the loop scalar); 0 for v0 = 0
        f -= alpha * abs(f) * ((1.0 if v0 > 0.0 else 0.0) - (1.0 if v0 < 0.0 else 0.0))
        v1 = v0 + f / m3[k] * dt
        v[k] = v1
        va = 0.5 * (v1 + v0)
        ke += 0.5 * m3[k] * va * va
    return ke


@njit(cache=True)
def per_component(mass, inertia):
    """(3N,) rows of the masses and of the inertias, one per velocity component."""
    n = mass.shape[0]
    m3 = np.empty(3 * n)
    i3 = np.empty(3 * n)
    for i in range(n):
        for a in range(3):
            m3[3 * i + a] = mass[i]
            i3[3 * i + a] = inertia[i]
    return m3, i3


@njit(cache=True, error_model="numpy", fastmath=FAST)
def integrate(p, F, T, h_new, prm, full, m3, i3):
    """Leapfrog update of one RVE's Particles ``p`` with Cundall local damping.

    F, T (N, 3) [N], [N m]; h_new (3, 3) the cell at the end of the step; m3,
    i3 (3N,) from :func:`per_component`.
    ``v(t + dt/2) = v(t - dt/2) + F_damped / m dt``; ``s += h_new^-1 v dt``.
    Returns a :class:`Motion` (the kicks are flat loops over the 3N components
    so that they vectorise; maxima in a separate loop)."""
    dt = prm.dt
    alpha = prm.local_damping
    n = p.s.shape[0]
    s, v, disp = p.s, p.v, p.disp
    ke = _kick(v.reshape(3 * n), F.reshape(3 * n), m3, alpha, dt)
    ke += _kick(p.w.reshape(3 * n), T.reshape(3 * n), i3, alpha, dt)
    hi = np.empty((3, 3))
    inv3(h_new, hi)
    for i in range(n):
        d0 = v[i, 0] * dt
        d1 = v[i, 1] * dt
        d2 = v[i, 2] * dt
        disp[i, 0] += d0
        disp[i, 1] += d1
        disp[i, 2] += d2
        s[i, 0] += hi[0, 0] * d0 + hi[0, 1] * d1 + hi[0, 2] * d2
        s[i, 1] += hi[1, 0] * d0 + hi[1, 1] * d1 + hi[1, 2] * d2
        s[i, 2] += hi[2, 0] * d0 + hi[2, 1] * d1 + hi[2, 2] * d2
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
        dd = disp[i, 0] ** 2 + disp[i, 1] ** 2 + disp[i, 2] ** 2
        dmax2 = max(dmax2, dd)
        vv = v[i, 0] ** 2 + v[i, 1] ** 2 + v[i, 2] ** 2
        vmax2 = max(vmax2, vv)
        if full:
            sumf += math.sqrt(F[i, 0] ** 2 + F[i, 1] ** 2 + F[i, 2] ** 2)
    return math.sqrt(dmax2), math.sqrt(vmax2), sumf
