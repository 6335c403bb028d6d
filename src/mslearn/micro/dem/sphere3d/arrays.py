"""Typed views of a batch of sphere RVEs: the named tuples of arrays the 3D kernels take.

The 3D twin of :mod:`mslearn.micro.dem.disk2d.arrays`: the same classes hold
the whole batch (leading axis over all particles, all pair slots or all RVEs,
as in :class:`~mslearn.micro.dem.sphere3d.state.SphereState`) or, inside the
kernels, one RVE's slices (:func:`rve_view`). The parameter row and its
:class:`~mslearn.micro.dem.disk2d.arrays.KernelParams` are shared with the
disk engine (``thickness`` is unused in 3D).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from mslearn.micro.dem.disk2d.arrays import BORROWS, FAST, KernelParams, kernel_params

__all__ = ["BORROWS", "FAST", "Batch", "Cells", "KernelParams", "Pairs", "Particles",
           "kernel_params", "rve_view"]  # fmt: skip


class Particles(NamedTuple):
    """Per-sphere arrays (batch: P spheres in all; one RVE: its n rows)."""

    s: np.ndarray  # (P, 3) fractional positions [-]
    v: np.ndarray  # (P, 3) fluctuation velocity [m/s]
    w: np.ndarray  # (P, 3) fluctuation angular velocity [rad/s]
    radius: np.ndarray  # (P,) [m]
    mass: np.ndarray  # (P,) [kg]
    inertia: np.ndarray  # (P,) [kg m^2]
    disp: np.ndarray  # (P, 3) fluctuation displacement since the last neighbour build [m]


class Pairs(NamedTuple):
    """Verlet pair slots (batch: C slots in all; one RVE: its capacity) and pair counts."""

    i: np.ndarray  # (C,) int32 local index of the first sphere
    j: np.ndarray  # (C,) int32 local index of the second sphere (i <= j)
    shift: np.ndarray  # (C, 3) int32 image shift n: branch d = h (s_j - s_i + n)
    fs: np.ndarray  # (C, 3) tangential spring force on j [N] (in the tangent plane)
    mr: np.ndarray  # (C, 3) rolling moment on j [N m]
    fn: np.ndarray  # (C,) elastic normal force [N]
    flag: np.ndarray  # (C,) int8: 0 open, 1 stuck, 2 sliding
    count: np.ndarray  # (R,) int64 pairs in use; one RVE: a (1,) slice


class Cells(NamedTuple):
    """Per-RVE cell arrays (batch: leading axis R; one RVE: (3, 3), (6,), (3,), (1,) views)."""

    h: np.ndarray  # (R, 3, 3) cell, edges as columns [m]
    h_ref: np.ndarray  # (R, 3, 3) reference cell of zero strain [m]
    dh: np.ndarray  # (R, 3, 3) change of h over the last step [m]
    h_build: np.ndarray  # (R, 3, 3) cell at the last neighbour build (NaN: rebuild) [m]
    strain: np.ndarray  # (R, 6) Voigt small strain w.r.t. h_ref, engineering shear [-]
    rotation: np.ndarray  # (R, 3) rigid rotation vector [rad]
    step: np.ndarray  # (R,) step counter (float)


class Batch(NamedTuple):
    """A whole batch: RVE r owns spheres ``p_off[r]:p_off[r+1]`` and pair slots
    ``c_off[r]:c_off[r+1]``; ``params`` (R, N_PARAMS) the kernel parameter rows.
    Kernels take it unpacked (``kernel(*batch, ...)``)."""

    particles: Particles
    pairs: Pairs
    cells: Cells
    params: np.ndarray
    p_off: np.ndarray
    c_off: np.ndarray


@njit(cache=True)
def rve_view(p, q, c, p_off, c_off, r):
    """(Particles, Pairs, Cells) of RVE r of a batch's (p, q, c): slices, no copies."""
    a, e = p_off[r], p_off[r + 1]
    ca, ce = c_off[r], c_off[r + 1]
    parts = Particles(p.s[a:e], p.v[a:e], p.w[a:e], p.radius[a:e], p.mass[a:e],
                      p.inertia[a:e], p.disp[a:e])  # fmt: skip
    pairs = Pairs(q.i[ca:ce], q.j[ca:ce], q.shift[ca:ce], q.fs[ca:ce], q.mr[ca:ce],
                  q.fn[ca:ce], q.flag[ca:ce], q.count[r : r + 1])  # fmt: skip
    cell = Cells(c.h[r], c.h_ref[r], c.dh[r], c.h_build[r], c.strain[r], c.rotation[r],
                 c.step[r : r + 1])  # fmt: skip
    return parts, pairs, cell
