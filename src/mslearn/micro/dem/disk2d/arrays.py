"""Typed views of a batch of disk RVEs: the named tuples of arrays the numba kernels take.

A kernel takes a few named tuples (numba compiles them as structs of array
pointers, at no cost over positional arrays) instead of rows of positional
arrays and offset constants. The same classes hold the whole batch (leading
axis over all particles, all pair slots or all RVEs, as in
:class:`~mslearn.micro.dem.disk2d.state.DEMState`) or, inside the kernels,
one RVE's slices (:func:`rve_view`). :class:`KernelParams` is one RVE's
parameter row (``params.P_*``) read once into named scalars
(:func:`kernel_params`), so no kernel indexes that row itself.

Kernels that only use arrays their caller holds (no allocation, no array
or view returned) are compiled with :data:`BORROWS`, i.e. without numba's
reference counting: numba otherwise increments and decrements the count of
every array it receives or takes out of a named tuple, on every call. That
was 95 % of a neighbour-list rebuild (one small call per candidate pair:
0.8 ms -> 0.04 ms for 500 disks) and a few per cent of a step. A function
that allocates, or makes a view it hands back (:func:`rve_view`), must keep
the counting.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

from mslearn.micro.dem.params import (
    P_DT,
    P_ETA,
    P_KN,
    P_KR,
    P_KT,
    P_LAW,
    P_LOCAL,
    P_MAXOV,
    P_MU,
    P_SKIN,
    P_THICK,
    P_VISC_N,
    P_VISC_T,
    P_VMAX,
)

BORROWS = {"_nrt": False}  # numba option: no reference counting in this function
FAST = {"reassoc", "contract", "arcp", "nsz"}  # fast-math without "nnan"/"ninf": NaN checks work


class Particles(NamedTuple):
    """Per-particle arrays (batch: P particles in all; one RVE: its n rows)."""

    s: np.ndarray  # (P, 2) fractional positions [-]
    v: np.ndarray  # (P, 2) fluctuation velocity [m/s]
    omega: np.ndarray  # (P,) fluctuation spin [rad/s]
    theta: np.ndarray  # (P,) rotation [rad]
    radius: np.ndarray  # (P,) [m]
    mass: np.ndarray  # (P,) [kg]
    inertia: np.ndarray  # (P,) [kg m^2]
    disp: np.ndarray  # (P, 2) fluctuation displacement since the last neighbour build [m]


class Pairs(NamedTuple):
    """Verlet pair slots (batch: C slots in all; one RVE: its capacity) and pair counts."""

    i: np.ndarray  # (C,) int32 local index of the first particle
    j: np.ndarray  # (C,) int32 local index of the second particle (i <= j)
    shift: np.ndarray  # (C, 2) int32 image shift n: branch d = h (s_j - s_i + n)
    fs: np.ndarray  # (C,) tangential spring force along t = (-n2, n1) [N]
    mr: np.ndarray  # (C,) rolling moment on j [N m]
    fn: np.ndarray  # (C,) elastic normal force [N]
    flag: np.ndarray  # (C,) int8: 0 open, 1 stuck, 2 sliding
    count: np.ndarray  # (R,) int64 pairs in use; one RVE: a (1,) slice


class Cells(NamedTuple):
    """Per-RVE cell arrays (batch: leading axis R; one RVE: (2, 2), (3,) and (1,) views)."""

    h: np.ndarray  # (R, 2, 2) cell, edges as columns [m]
    h_ref: np.ndarray  # (R, 2, 2) reference cell of zero strain [m]
    dh: np.ndarray  # (R, 2, 2) change of h over the last step [m]
    h_build: np.ndarray  # (R, 2, 2) cell at the last neighbour build (NaN: rebuild) [m]
    strain: np.ndarray  # (R, 3) Voigt small strain w.r.t. h_ref, engineering shear [-]
    rotation: np.ndarray  # (R,) rigid rotation [rad]
    step: np.ndarray  # (R,) step counter (float)


class Batch(NamedTuple):
    """A whole batch: RVE r owns particles ``p_off[r]:p_off[r+1]`` and pair slots
    ``c_off[r]:c_off[r+1]``; ``params`` (R, N_PARAMS) are the kernel parameter rows.

    Kernels take it unpacked (``kernel(*batch, ...)``): numba's parallel loops
    do not accept a named tuple nested in another."""

    particles: Particles
    pairs: Pairs
    cells: Cells
    params: np.ndarray
    p_off: np.ndarray
    c_off: np.ndarray


class KernelParams(NamedTuple):
    """One RVE's parameters (see ``params.ContactParams.row`` for the meaning and units)."""

    law: int  # LAW_LINEAR or LAW_HERTZ
    kn: float  # linear: 2 E [Pa]; Hertz: G / (1 - nu) [Pa]
    kt: float  # linear: kt / kn [-]; Hertz: 2 G / (2 - nu) [Pa]
    mu: float  # Coulomb friction coefficient [-]
    local_damping: float  # Cundall local damping ratio [-]
    visc_n: float  # normal dashpot, fraction of critical damping [-]
    visc_t: float  # tangential dashpot, fraction of critical damping [-]
    dt: float  # time step [s]
    skin: float  # Verlet skin [m]
    thickness: float  # disk thickness [m]
    max_overlap: float  # overlap / min radius that stops the run [-]
    runaway: float  # max fluctuation displacement per step / r_min [-]
    roll_k: float  # rolling stiffness factor beta_r (kr = beta_r kt R^2); 0: off
    roll_eta: float  # rolling friction eta_r (|M| <= eta_r R fn)


@njit(cache=True)
def kernel_params(row):
    """The (N_PARAMS,) parameter row of one RVE as a :class:`KernelParams`."""
    return KernelParams(
        int(row[P_LAW]), row[P_KN], row[P_KT], row[P_MU], row[P_LOCAL], row[P_VISC_N],
        row[P_VISC_T], row[P_DT], row[P_SKIN], row[P_THICK], row[P_MAXOV], row[P_VMAX],
        row[P_KR], row[P_ETA],
    )  # fmt: skip


@njit(cache=True)
def rve_view(p, q, c, p_off, c_off, r):
    """(Particles, Pairs, Cells) of RVE r of a batch's (p, q, c): slices, no copies."""
    a, e = p_off[r], p_off[r + 1]
    ca, ce = c_off[r], c_off[r + 1]
    parts = Particles(p.s[a:e], p.v[a:e], p.omega[a:e], p.theta[a:e], p.radius[a:e],
                      p.mass[a:e], p.inertia[a:e], p.disp[a:e])  # fmt: skip
    pairs = Pairs(q.i[ca:ce], q.j[ca:ce], q.shift[ca:ce], q.fs[ca:ce], q.mr[ca:ce],
                  q.fn[ca:ce], q.flag[ca:ce], q.count[r : r + 1])  # fmt: skip
    cell = Cells(c.h[r], c.h_ref[r], c.dh[r], c.h_build[r], c.strain[r],
                 c.rotation[r : r + 1], c.step[r : r + 1])  # fmt: skip
    return parts, pairs, cell
