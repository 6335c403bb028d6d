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


@njit(inline="always")
def _kick(v, F, i, a, alpha, m, dt):
    """Damped velocity update of component a of row i: returns (v_new dt, on-step KE)."""
    f = F[i, a]
    v0 = v[i, a]
    f -= alpha * abs(f) * np.sign(v0)
    v1 = v0 + f / m * dt
    v[i, a] = v1
    va = 0.5 * (v1 + v0)
    return v1 * dt, 0.5 * m * va * va


@njit(cache=True, error_model="numpy", fastmath=FAST)
def integrate(p, F, T, h_new, prm, full):
    """Leapfrog update of one RVE's Particles ``p`` with Cundall local damping.

    F, T (N, 3) [N], [N m]; h_new (3, 3) the cell at the end of the step.
    ``v(t + dt/2) = v(t - dt/2) + F_damped / m dt``; ``s += h_new^-1 v dt``.
    Returns a :class:`Motion` (maxima in a second loop so this one vectorises)."""
    dt = prm.dt
    alpha = prm.local_damping
    s, v, om, mass, inertia, disp = p.s, p.v, p.w, p.mass, p.inertia, p.disp
    hi = np.empty((3, 3))
    inv3(h_new, hi)
    ke = 0.0
    for i in range(s.shape[0]):
        m = mass[i]
        rot = inertia[i]
        d0, k0 = _kick(v, F, i, 0, alpha, m, dt)
        d1, k1 = _kick(v, F, i, 1, alpha, m, dt)
        d2, k2 = _kick(v, F, i, 2, alpha, m, dt)
        _, k3 = _kick(om, T, i, 0, alpha, rot, dt)
        _, k4 = _kick(om, T, i, 1, alpha, rot, dt)
        _, k5 = _kick(om, T, i, 2, alpha, rot, dt)
        ke += k0 + k1 + k2 + k3 + k4 + k5
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
