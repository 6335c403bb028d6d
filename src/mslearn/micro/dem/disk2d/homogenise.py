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

import numpy as np
from numba import njit, prange

from mslearn.micro.dem.disk2d.state import DEMState
from mslearn.micro.dem.params import LAW_LINEAR, P_KN, P_KT, P_LAW, P_MU, P_THICK

N_H = 21


@njit(cache=True)
def homogenise_one(s, v, rad, mass, h, prm, pi, pj, pn, pfs, pfn, npairs, inertial, out):
    """out (N_H,): [s11, s22, s12 (sym), s12 - s21, D (9, row major), F11, F22,
    F12, n_contacts, n_sliding, Z, Z_mech, void_ratio, n_rattlers]."""
    nP = s.shape[0]
    law = int(prm[P_LAW])
    knc = prm[P_KN]
    ktc = prm[P_KT]
    mu = prm[P_MU]
    area = abs(h[0, 0] * h[1, 1] - h[0, 1] * h[1, 0])
    vol = area * prm[P_THICK]
    S = np.zeros((2, 2))
    C = np.zeros((2, 2, 2, 2))
    Fab = np.zeros((2, 2))
    ncont = np.zeros(nP, dtype=np.int64)
    nc = 0
    nsl = 0
    for c in range(npairs):
        i = pi[c]
        j = pj[c]
        ds0 = s[j, 0] - s[i, 0] + pn[c, 0]
        ds1 = s[j, 1] - s[i, 1] + pn[c, 1]
        d = np.empty(2)
        d[0] = h[0, 0] * ds0 + h[0, 1] * ds1
        d[1] = h[1, 0] * ds0 + h[1, 1] * ds1
        dist = math.sqrt(d[0] ** 2 + d[1] ** 2)
        rs = rad[i] + rad[j]
        if dist >= rs or pfn[c] <= 0.0:
            continue
        n = d / dist
        t = np.empty(2)
        t[0] = -n[1]
        t[1] = n[0]
        fn = pfn[c]
        fs = pfs[c]
        ov = rs - dist
        rr = rad[i] * rad[j] / rs
        if law == LAW_LINEAR:
            kn = knc * rr
            kt = ktc * kn
        else:
            sq = math.sqrt(4.0 * rr * ov)
            kn = 1.5 * knc * sq
            kt = ktc * sq
        nc += 1
        ncont[i] += 1
        ncont[j] += 1
        if abs(fs) >= mu * fn * (1.0 - 1e-9):
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
    if inertial:
        for p in range(nP):
            for a in range(2):
                for b in range(2):
                    S[a, b] -= mass[p] * v[p, a] * v[p, b]
    S /= vol
    C /= vol
    out[0] = S[0, 0]
    out[1] = S[1, 1]
    out[2] = 0.5 * (S[0, 1] + S[1, 0])
    out[3] = S[0, 1] - S[1, 0]
    idx = np.array([[0, 0], [1, 1], [0, 1]])
    for A in range(3):
        for B in range(3):
            i0, j0 = idx[A, 0], idx[A, 1]
            k0, l0 = idx[B, 0], idx[B, 1]
            out[4 + 3 * A + B] = 0.25 * (C[i0, j0, k0, l0] + C[j0, i0, k0, l0] + C[i0, j0, l0, k0]
                                         + C[j0, i0, l0, k0])  # fmt: skip
    if nc > 0:
        out[13] = Fab[0, 0] / nc
        out[14] = Fab[1, 1] / nc
        out[15] = Fab[0, 1] / nc
    else:
        out[13] = out[14] = out[15] = 0.0
    out[16] = nc
    out[17] = nsl
    out[18] = 2.0 * nc / nP
    n0 = 0
    n1 = 0
    for p in range(nP):
        if ncont[p] == 0:
            n0 += 1
        elif ncont[p] == 1:
            n1 += 1
    out[19] = (2.0 * nc - n1) / (nP - n0 - n1) if nP - n0 - n1 > 0 else 0.0
    solid = 0.0
    for p in range(nP):
        solid += math.pi * rad[p] ** 2
    out[20] = (area - solid) / solid


@njit(cache=True, parallel=True)
def homogenise_batch(
    s, v, rad, mass, h, prm, pi, pj, pn, pfs, pfn, npairs, p_off, c_off, inertial, out
):
    R = p_off.shape[0] - 1
    for r in prange(R):
        a, b = p_off[r], p_off[r + 1]
        ca, cb = c_off[r], c_off[r + 1]
        homogenise_one(s[a:b], v[a:b], rad[a:b], mass[a:b], h[r], prm[r], pi[ca:cb], pj[ca:cb],
                       pn[ca:cb], pfs[ca:cb], pfn[ca:cb], npairs[r], inertial, out[r])  # fmt: skip


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
        return 0.5 * (self.stress[:, 0] + self.stress[:, 1])


def homogenise(state: DEMState, inertial: bool = False) -> Homogenised:
    """Homogenise every RVE of ``state`` from its current geometry and the
    contact forces of the last force evaluation."""
    out = np.zeros((state.n_rves, N_H))
    homogenise_batch(
        state.s, state.v, state.radius, state.mass, state.h, state.params, state.pair_i,
        state.pair_j, state.pair_n, state.pair_fs, state.pair_fn, state.npairs, state.p_off,
        state.c_off, inertial, out,
    )  # fmt: skip
    nc = out[:, 16]
    return Homogenised(
        stress=out[:, 0:3].copy(),
        stress_asym=out[:, 3].copy(),
        stiffness=out[:, 4:13].reshape(-1, 3, 3).copy(),
        fabric=out[:, 13:16].copy(),
        n_contacts=nc.astype(np.int64),
        sliding_fraction=np.where(nc > 0, out[:, 17] / np.maximum(nc, 1), 0.0),
        coordination=out[:, 18].copy(),
        mechanical_coordination=out[:, 19].copy(),
        void_ratio=out[:, 20].copy(),
    )
