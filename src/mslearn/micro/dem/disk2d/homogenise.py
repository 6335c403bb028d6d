"""Homogenised quantities of RVEs: Love-Weber stress, contact stiffness D, fabric.

Stress (seed 000 Eq. 10, tension positive, Voigt [11, 22, 12]):
``sigma = -(1 / V) sum_c f^c (x) d^c`` with ``f^c`` the force on j, ``d^c``
the branch vector i -> j and ``V = A t`` (cell area times thickness); the
optional inertial (kinetic) term adds ``-(1 / V) sum_p m v' (x) v'``.
The reported 12 component is the symmetric part; ``asym`` gives
``sigma_12 - sigma_21`` for the equilibrium check.

Contact stiffness (seed 000 Eq. 11, Kruyt-Rothenburg; the printed equation
has ``f^c`` where ``d^c`` belongs): ``D_ijkl = (1 / V) sum_c (kn n_i d_j n_k
d_l + kt t_i d_j t_k d_l)``, symmetrised over (ij) and (kl) and written in
Voigt with engineering shear so that ``d sigma = D d eps``. It is the
*affine* (uniform-strain, Voigt-type) operator over all current contacts,
sliding ones included: an upper bound of the true tangent, used by
seed 000 as the secant-like matrix for FEM-DEM. For Hertz contacts kn is the
tangent stiffness ``1.5 G / (1 - nu) sqrt(2 r* un)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from mslearn.micro.dem.disk2d.arrays import kernel_params, rve_view
from mslearn.micro.dem.disk2d.contact import contact_stiffness
from mslearn.micro.dem.disk2d.state import DEMState

_VOIGT = ((0, 0), (1, 1), (0, 1))


class HomogenisedArrays(NamedTuple):
    """Kernel output, one row per RVE (see :class:`Homogenised` for meaning and units)."""

    stress: np.ndarray  # (R, 3)
    stress_asym: np.ndarray  # (R,)
    stiffness: np.ndarray  # (R, 3, 3)
    fabric: np.ndarray  # (R, 3)
    n_contacts: np.ndarray  # (R,)
    n_sliding: np.ndarray  # (R,)
    coordination: np.ndarray  # (R,)
    mechanical_coordination: np.ndarray  # (R,)
    void_ratio: np.ndarray  # (R,)


@njit(cache=True)
def _contact_sums(p, q, npairs, h, prm):
    """Over the contacts (fn > 0) of one RVE: S = -sum f (x) d [N m], the affine
    stiffness C_abkm = sum kn n_a d_b n_k d_m + kt t_a d_b t_k d_m [N m] (Eq. 11,
    tangent kn), Fab = sum n (x) n, contacts per particle, contacts, sliding ones."""
    S = np.zeros((2, 2))
    C = np.zeros((2, 2, 2, 2))
    Fab = np.zeros((2, 2))
    ncont = np.zeros(p.s.shape[0], dtype=np.int64)
    d = np.empty(2)
    t = np.empty(2)
    nc = 0
    nsl = 0
    for c in range(npairs):
        i = q.i[c]
        j = q.j[c]
        ds0 = p.s[j, 0] - p.s[i, 0] + q.shift[c, 0]
        ds1 = p.s[j, 1] - p.s[i, 1] + q.shift[c, 1]
        d[0] = h[0, 0] * ds0 + h[0, 1] * ds1
        d[1] = h[1, 0] * ds0 + h[1, 1] * ds1
        dist = math.sqrt(d[0] ** 2 + d[1] ** 2)
        rs = p.radius[i] + p.radius[j]
        fn = q.fn[c]
        if dist >= rs or fn <= 0.0:
            continue
        n = d / dist
        t[0] = -n[1]
        t[1] = n[0]
        fs = q.fs[c]
        _, kt, kn = contact_stiffness(prm, p.radius[i] * p.radius[j] / rs, rs - dist)
        nc += 1
        ncont[i] += 1
        ncont[j] += 1
        if abs(fs) >= prm.mu * fn * (1.0 - 1e-9):
            nsl += 1
        f = fn * n + fs * t
        for a in range(2):
            for b in range(2):
                S[a, b] -= f[a] * d[b]
                Fab[a, b] += n[a] * n[b]
                for k in range(2):
                    for m in range(2):
                        C[a, b, k, m] += (
                            kn * n[a] * d[b] * n[k] * d[m] + kt * t[a] * d[b] * t[k] * d[m]
                        )
    return S, C, Fab, ncont, nc, nsl


@njit(cache=True)
def _coordination(ncont, nc):
    """(Z = 2 Nc / N, Z without rattlers (particles with 0 or 1 contact))."""
    nP = ncont.shape[0]
    n0 = 0
    n1 = 0
    for k in range(nP):
        if ncont[k] == 0:
            n0 += 1
        elif ncont[k] == 1:
            n1 += 1
    zm = (2.0 * nc - n1) / (nP - n0 - n1) if nP - n0 - n1 > 0 else 0.0
    return 2.0 * nc / nP, zm


@njit(cache=True)
def homogenise_one(p, q, npairs, h, prm, inertial, out, r):
    """Homogenise one RVE (Particles p, Pairs q, (2, 2) cell h, KernelParams prm)
    into row r of the :class:`HomogenisedArrays` ``out``: Love-Weber stress
    (Eq. 10, + the inertial term if asked), affine stiffness D (Eq. 11), fabric,
    contact counts, coordination numbers and void ratio."""
    area = abs(h[0, 0] * h[1, 1] - h[0, 1] * h[1, 0])
    vol = area * prm.thickness
    S, C, Fab, ncont, nc, nsl = _contact_sums(p, q, npairs, h, prm)
    if inertial:
        for k in range(p.s.shape[0]):
            for a in range(2):
                for b in range(2):
                    S[a, b] -= p.mass[k] * p.v[k, a] * p.v[k, b]
    S /= vol
    C /= vol
    out.stress[r, 0] = S[0, 0]
    out.stress[r, 1] = S[1, 1]
    out.stress[r, 2] = 0.5 * (S[0, 1] + S[1, 0])
    out.stress_asym[r] = S[0, 1] - S[1, 0]
    for A in range(3):
        i0, j0 = _VOIGT[A]
        for B in range(3):
            k0, l0 = _VOIGT[B]
            out.stiffness[r, A, B] = 0.25 * (C[i0, j0, k0, l0] + C[j0, i0, k0, l0]
                                             + C[i0, j0, l0, k0] + C[j0, i0, l0, k0])  # fmt: skip
    for A in range(3):
        out.fabric[r, A] = Fab[_VOIGT[A]] / nc if nc > 0 else 0.0
    out.n_contacts[r] = nc
    out.n_sliding[r] = nsl
    out.coordination[r], out.mechanical_coordination[r] = _coordination(ncont, nc)
    solid = 0.0
    for k in range(p.s.shape[0]):
        solid += math.pi * p.radius[k] ** 2
    out.void_ratio[r] = (area - solid) / solid


@njit(cache=True, parallel=True)
def homogenise_batch(parts, pairs, cells, params, p_off, c_off, inertial, out):
    """:func:`homogenise_one` on every RVE of a Batch (passed unpacked; prange over RVEs)."""
    for r in prange(p_off.shape[0] - 1):
        p, q, c = rve_view(parts, pairs, cells, p_off, c_off, r)
        homogenise_one(p, q, q.count[0], c.h, kernel_params(params[r]), inertial, out, r)


@dataclass(frozen=True)
class Homogenised:
    """Per-RVE homogenised quantities (R = number of RVEs).

    stress (R, 3) [Pa] Voigt, tension positive; stress_asym (R,) s12 - s21;
    stiffness (R, 3, 3) [Pa] affine contact stiffness (Eq. 11);
    fabric (R, 3) Voigt [F11, F22, F12] of ``(1/Nc) sum n (x) n``;
    n_contacts (R,); sliding_fraction (R,); coordination (R,) 2 Nc / N;
    mechanical_coordination (R,) without rattlers (0 or 1 contact);
    void_ratio (R,) (area of voids / area of disks).
    """

    stress: np.ndarray
    stress_asym: np.ndarray
    stiffness: np.ndarray
    fabric: np.ndarray
    n_contacts: np.ndarray
    sliding_fraction: np.ndarray
    coordination: np.ndarray
    mechanical_coordination: np.ndarray
    void_ratio: np.ndarray

    @property
    def mean_stress(self) -> np.ndarray:
        """(R,) mean in-plane stress (s11 + s22) / 2 [Pa]."""
        return 0.5 * (self.stress[:, 0] + self.stress[:, 1])


def homogenise(state: DEMState, inertial: bool = False) -> Homogenised:
    """Homogenise every RVE of ``state`` from its current geometry and the
    contact forces of the last force evaluation (``inertial``: add the kinetic
    term ``-(1/V) sum m v' (x) v'``)."""
    R = state.n_rves
    z = np.zeros
    out = HomogenisedArrays(z((R, 3)), z(R), z((R, 3, 3)), z((R, 3)), z(R), z(R), z(R), z(R), z(R))
    homogenise_batch(*state.kernel_arrays(), inertial, out)
    nc = out.n_contacts
    return Homogenised(
        stress=out.stress,
        stress_asym=out.stress_asym,
        stiffness=out.stiffness,
        fabric=out.fabric,
        n_contacts=nc.astype(np.int64),
        sliding_fraction=np.where(nc > 0, out.n_sliding / np.maximum(nc, 1), 0.0),
        coordination=out.coordination,
        mechanical_coordination=out.mechanical_coordination,
        void_ratio=out.void_ratio,
    )
