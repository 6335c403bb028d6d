"""Homogenised quantities of sphere RVEs: Love-Weber stress, contact stiffness D, fabric.

Stress (tension positive, Voigt [11, 22, 33, 23, 13, 12]):
``sigma = -(1 / V) sum_c f^c (x) d^c`` with ``f^c`` the force on j and
``d^c`` the branch vector i -> j, ``V = |det h|``; the optional inertial term
adds ``-(1 / V) sum_p m v' (x) v'``. The shear components reported are the
symmetric part; ``stress_asym`` is the largest ``|sigma_ab - sigma_ba|``.

Contact stiffness (seed 000 Eq. 11 in 3D, with ``d^c`` where the printed
equation has ``f^c``): ``D_ijkl = (1 / V) sum_c (kn n_i d_j n_k d_l + kt
(delta_ik - n_i n_k) d_j d_l)``, the tangential projector replacing the 2D
``t (x) t``; symmetrised over (ij) and (kl) and written in Voigt with
engineering shear so that ``d sigma = D d eps``. The affine (Voigt-bound)
operator over all current contacts; Hertz uses the tangent kn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from mslearn.micro.dem.sphere3d.arrays import kernel_params, rve_view
from mslearn.micro.dem.sphere3d.contact import affine_term, contact_stiffness
from mslearn.micro.dem.sphere3d.mat3 import det3
from mslearn.micro.dem.sphere3d.state import SphereState

_VOIGT = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))


class HomogenisedArrays3D(NamedTuple):
    """Kernel output, one row per RVE (see :class:`Homogenised3D`)."""

    stress: np.ndarray  # (R, 6)
    stress_asym: np.ndarray  # (R,)
    stiffness: np.ndarray  # (R, 6, 6)
    fabric: np.ndarray  # (R, 6)
    n_contacts: np.ndarray  # (R,)
    n_sliding: np.ndarray  # (R,)
    coordination: np.ndarray  # (R,)
    mechanical_coordination: np.ndarray  # (R,)
    void_ratio: np.ndarray  # (R,)


@njit(cache=True)
def _contact_sums(p, q, npairs, h, prm, out, r):
    """Over the contacts (fn > 0) of one RVE: S = -sum f (x) d [N m] (returned),
    D V into out.stiffness[r], fabric sum n (x) n into out.fabric[r]; returns
    (S, contacts per sphere, contacts, sliding contacts)."""
    S = np.zeros((3, 3))
    ncont = np.zeros(p.s.shape[0], dtype=np.int64)
    nc = 0
    nsl = 0
    for c in range(npairs):
        i = q.i[c]
        j = q.j[c]
        ds = np.empty(3)
        for a in range(3):
            ds[a] = p.s[j, a] - p.s[i, a] + q.shift[c, a]
        d = h @ ds
        dist = math.sqrt(d[0] ** 2 + d[1] ** 2 + d[2] ** 2)
        rs = p.radius[i] + p.radius[j]
        fn = q.fn[c]
        if dist >= rs or fn <= 0.0:
            continue
        n = d / dist
        _, kt, kn = contact_stiffness(prm, p.radius[i] * p.radius[j] / rs, rs - dist)
        nc += 1
        ncont[i] += 1
        ncont[j] += 1
        fs = q.fs[c]
        if math.sqrt(fs[0] ** 2 + fs[1] ** 2 + fs[2] ** 2) >= prm.mu * fn * (1.0 - 1e-9):
            nsl += 1
        f = fn * n + fs
        for a in range(3):
            for b in range(3):
                S[a, b] -= f[a] * d[b]
        nt = (n[0], n[1], n[2])
        dt = (d[0], d[1], d[2])
        for A in range(6):
            i0, j0 = _VOIGT[A]
            out.fabric[r, A] += n[i0] * n[j0]
            for B in range(6):
                k0, l0 = _VOIGT[B]
                out.stiffness[r, A, B] += affine_term(kn, kt, nt, dt, i0, j0, k0, l0)
    return S, ncont, nc, nsl


@njit(cache=True)
def _coordination(ncont, nc):
    """(Z = 2 Nc / N, Z without rattlers (spheres with 0 or 1 contact))."""
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
    """Homogenise one RVE into row r of the :class:`HomogenisedArrays3D` ``out``."""
    vol = abs(det3(h))
    S, ncont, nc, nsl = _contact_sums(p, q, npairs, h, prm, out, r)
    if inertial:
        for k in range(p.s.shape[0]):
            for a in range(3):
                for b in range(3):
                    S[a, b] -= p.mass[k] * p.v[k, a] * p.v[k, b]
    asym = 0.0
    for A in range(6):
        a, b = _VOIGT[A]
        out.stress[r, A] = 0.5 * (S[a, b] + S[b, a]) / vol
        asym = max(asym, abs(S[a, b] - S[b, a]) / vol)
        out.fabric[r, A] = out.fabric[r, A] / nc if nc > 0 else 0.0
        for B in range(6):
            out.stiffness[r, A, B] /= vol
    out.stress_asym[r] = asym
    out.n_contacts[r] = nc
    out.n_sliding[r] = nsl
    out.coordination[r], out.mechanical_coordination[r] = _coordination(ncont, nc)
    solid = 0.0
    for k in range(p.s.shape[0]):
        solid += (4.0 / 3.0) * math.pi * p.radius[k] ** 3
    out.void_ratio[r] = (vol - solid) / solid


@njit(cache=True, parallel=True)
def homogenise_batch(parts, pairs, cells, params, p_off, c_off, inertial, out):
    """:func:`homogenise_one` on every RVE of a sphere Batch (prange over RVEs)."""
    for r in prange(p_off.shape[0] - 1):
        p, q, c = rve_view(parts, pairs, cells, p_off, c_off, r)
        homogenise_one(p, q, q.count[0], c.h, kernel_params(params[r]), inertial, out, r)


@dataclass(frozen=True)
class Homogenised3D:
    """Per-RVE homogenised quantities (R RVEs).

    stress (R, 6) [Pa] Voigt, tension positive; stress_asym (R,) max
    |s_ab - s_ba| [Pa]; stiffness (R, 6, 6) [Pa] affine contact D (Eq. 11);
    fabric (R, 6) Voigt of ``(1/Nc) sum n (x) n``; n_contacts (R,);
    sliding_fraction (R,); coordination (R,) 2 Nc / N; mechanical_coordination
    (R,) without rattlers; void_ratio (R,) V_void / V_solid."""

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
        """(R,) mean stress (s11 + s22 + s33) / 3 [Pa] (negative in compression)."""
        return self.stress[:, :3].mean(axis=1)


def homogenise(state: SphereState, inertial: bool = False) -> Homogenised3D:
    """Homogenise every RVE of ``state`` from its current geometry and the contact
    forces of the last force evaluation (``inertial``: add ``-(1/V) sum m v' (x) v'``)."""
    R = state.n_rves
    z = np.zeros
    out = HomogenisedArrays3D(z((R, 6)), z(R), z((R, 6, 6)), z((R, 6)), z(R), z(R), z(R), z(R),
                              z(R))  # fmt: skip
    homogenise_batch(*state.kernel_arrays(), inertial, out)
    nc = out.n_contacts
    return Homogenised3D(
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
