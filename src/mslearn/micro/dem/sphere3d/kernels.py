"""Numba kernels of the sphere engine: the per-RVE step loop (neighbour lists, strain
ramp, servo, relaxation, faults) and the parallel batch kernel.

Kinematics (one RVE). Cell ``h`` (3, 3) has the edges as columns; spheres
carry fractional positions ``s`` (``x = h s``); the velocity is the affine
field plus a fluctuation, ``v = L x + v'``, and only ``v'`` and the
fluctuation spin ``w'`` are integrated (the affine field's inertia is
neglected, YADE's homothetic periodic cell). The cell follows
``h = R(rv) (I + E) h_ref`` with the small strain ``E`` (Voigt [11, 22, 33,
23, 13, 12], engineering shear) and the rigid rotation vector ``rv``; each
step sets h from the ramped or servoed target, ``dh`` is the increment.
Stress (tension positive) ``sigma = -(1 / V) sum f (x) d``.

Mixed control per Voigt component: mode 0 strain (linear ramp to the
target), 1 stress (servo ``dE = gain (sigma* - sigma) / D_kk``, capped),
2 mean stress: the normal components with mode 2 are servoed to one common
value ``s_M`` such that the mean ``(s11 + s22 + s33) / 3`` equals their
target, ``s_M = (3 p* - sum of the other normal stresses) / m`` (m mode-2
components; e.g. constant-p triaxial with equal lateral stresses). This is
the 3D reading of the disk engine's mode 2.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from mslearn.micro.dem.disk2d.kernels import STATUS_TEXT
from mslearn.micro.dem.sphere3d.arrays import BORROWS, kernel_params, rve_view
from mslearn.micro.dem.sphere3d.forces import ContactSums, contact_forces, new_work, store_history
from mslearn.micro.dem.sphere3d.mat3 import cell_from_strain, det3, stretch_deviation
from mslearn.micro.dem.sphere3d.motion import Motion, integrate, per_component
from mslearn.micro.dem.sphere3d.neighbours import build_pairs

__all__ = ["STATUS_TEXT", "Control", "Report", "advance_batch", "advance_one"]

STRAIN_CONTROL, STRESS_CONTROL, MEAN_STRESS_CONTROL = 0, 1, 2
_VOIGT = ((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1))


class Control(NamedTuple):
    """What a call does to each RVE: batch arrays with a leading RVE axis;
    inside the kernel one RVE's scalars and rows (:func:`control_row`)."""

    mode: np.ndarray  # (R, 6) int64 per component: 0 strain, 1 stress, 2 mean stress
    strain_target: np.ndarray  # (R, 6) target strain of strain-controlled components [-]
    stress_target: np.ndarray  # (R, 6) target stress (mode 1) or mean stress (mode 2) [Pa]
    rotation_target: np.ndarray  # (R, 3) target rotation vector [rad]
    n_load: np.ndarray  # (R,) int64 loading steps (linear ramp to the targets)
    n_relax: np.ndarray  # (R,) int64 max relaxation steps after loading
    unbalanced_tol: np.ndarray  # (R,) unbalanced-force ratio tolerance [-]
    stress_tol: np.ndarray  # (R,) relative stress tolerance of servo components [-]
    gain: np.ndarray  # (R,) servo gain [-]
    max_strain_step: np.ndarray  # (R,) max servo strain per step [-]
    check_every: np.ndarray  # (R,) int64 steps between convergence checks in relaxation
    stress_ref: np.ndarray  # (R,) absolute stress scale of the servo tolerance [Pa]


class Report(NamedTuple):
    """Diagnostics of one RVE after a call (floats in the kernel; see ``STATUS_TEXT``).
    Stresses [Pa] (Voigt, symmetric part) are those of the last force evaluation."""

    status: float
    n_load: float
    n_relax: float
    unbalanced: float
    s11: float
    s22: float
    s33: float
    s23: float
    s13: float
    s12: float
    kinetic_energy: float
    elastic_energy: float
    n_contacts: float
    max_overlap: float
    step: float
    need_capacity: float
    n_builds: float
    sum_force: float


@njit(cache=True, **BORROWS)
def _ramp(start, target, it, n_load, in_load):
    """Value at step ``it`` of a linear ramp over n_load steps; the target after it."""
    if in_load:
        return start + (target - start) * (it + 1) / n_load
    return target


@njit(cache=True, **BORROWS)
def _stress_target(ctrl, sig, k):
    """Target of the stress-controlled component k (mode 2: the common value s_M)."""
    tgt = ctrl.stress_target[k]
    if ctrl.mode[k] == MEAN_STRESS_CONTROL:
        other = 0.0
        m = 0
        for a in range(3):
            if ctrl.mode[a] == MEAN_STRESS_CONTROL:
                m += 1
            else:
                other += sig[a]
        tgt = (3.0 * tgt - other) / m
    return tgt


@njit(cache=True, **BORROWS)
def _servo_increment(ctrl, err, stiffness):
    """Strain increment ``gain err / D_kk`` of a servo component, capped per step."""
    smax = ctrl.max_strain_step
    if not stiffness > 0:
        return smax if err > 0 else -smax
    de = ctrl.gain * err / stiffness
    return min(max(de, -smax), smax)


@njit(cache=True)
def _drive(c, ctrl, sig, sums, vol, E0, rot0, it, in_load, hn):
    """Next strain (ramp or servo per component) and rotation; hn = the next cell."""
    E = c.strain
    kd = (sums.k0, sums.k1, sums.k2, sums.k3, sums.k4, sums.k5)
    for k in range(6):
        if ctrl.mode[k] == STRAIN_CONTROL:
            E[k] = _ramp(E0[k], ctrl.strain_target[k], it, ctrl.n_load, in_load)
        else:
            err = _stress_target(ctrl, sig, k) - sig[k]
            E[k] += _servo_increment(ctrl, err, kd[k] / vol)
    for a in range(3):
        c.rotation[a] = _ramp(rot0[a], ctrl.rotation_target[a], it, ctrl.n_load, in_load)
    cell_from_strain(E, c.rotation, c.h_ref, hn)


@njit(cache=True, **BORROWS)
def _stress(sums, h, sig):
    """sig (6,) = Love-Weber stress [Pa] (Voigt, symmetric part); returns V [m^3]."""
    vol = abs(det3(h))
    sig[0] = -sums.s00 / vol
    sig[1] = -sums.s11 / vol
    sig[2] = -sums.s22 / vol
    sig[3] = -0.5 * (sums.s12 + sums.s21) / vol
    sig[4] = -0.5 * (sums.s02 + sums.s20) / vol
    sig[5] = -0.5 * (sums.s01 + sums.s10) / vol
    return vol


@njit(cache=True, **BORROWS)
def _move_cell(c, hn):
    """dh = hn - h, h = hn, one more step."""
    for a in range(3):
        for b in range(3):
            c.dh[a, b] = hn[a, b] - c.h[a, b]
            c.h[a, b] = hn[a, b]
    c.step[0] += 1.0


@njit(cache=True, **BORROWS)
def _fault(mo, prm, rmin):
    """Status of a step: 0, or -1 NaN/inf, -2 runaway."""
    if mo.bad != 0.0:
        return -1
    if mo.max_move > prm.runaway * rmin:
        return -2
    return 0


@njit(cache=True, **BORROWS)
def _settled(ctrl, sig, unb, servo):
    """Unbalanced ratio below tolerance and every servo component within tolerance."""
    if not unb < ctrl.unbalanced_tol:
        return False
    if servo:
        for k in range(6):
            if ctrl.mode[k] != STRAIN_CONTROL:
                tgt = _stress_target(ctrl, sig, k)
                if abs(tgt - sig[k]) > ctrl.stress_tol * max(abs(tgt), ctrl.stress_ref):
                    return False
    return True


@njit(cache=True, **BORROWS)
def _radius_range(rad):
    rmin = 1e300
    rmax = 0.0
    for i in range(rad.shape[0]):
        rmax = max(rmax, rad[i])
        rmin = min(rmin, rad[i])
    return rmin, rmax


@njit(cache=True, **BORROWS)
def _max_norm(a):
    m2 = 0.0
    for i in range(a.shape[0]):
        m2 = max(m2, a[i, 0] ** 2 + a[i, 1] ** 2 + a[i, 2] ** 2)
    return math.sqrt(m2)


@njit(cache=True)
def rebuild(p, q, c, skin, npairs):
    """Rebuild one RVE's pair list now; returns the new count, or -needed when the
    capacity is too small. Resets the displacements since the build."""
    k = build_pairs(p.s, p.radius, c.h, skin, q, npairs)
    if k < 0:
        return k
    q.count[0] = k
    p.disp[:, :] = 0.0
    c.h_build[:, :] = c.h
    return k


@njit(cache=True)
def _list_stale(c, max_disp, rmax, skin):
    """The Verlet list may miss a contact: never built, or displacements plus the
    cell's stretch since the build could have used up the skin."""
    if np.isnan(c.h_build[0, 0]):
        return True
    return 2.0 * max_disp + stretch_deviation(c.h, c.h_build) * (2.0 * rmax + skin) >= skin


@njit(cache=True)
def _report(status, done, unb, sig, sums, mo, c, need, nbuild):
    """The :class:`Report` of a call; ``done`` = (loading, relaxation) steps."""
    return Report(
        float(status), float(done[0]), float(done[1]), unb, sig[0], sig[1], sig[2], sig[3],
        sig[4], sig[5], mo.kinetic, sums.energy, sums.n_contacts, sums.max_overlap, c.step[0],
        float(need), float(nbuild), mo.sum_force,
    )  # fmt: skip


@njit(cache=True)
def advance_one(p, q, c, prm, ctrl):
    """Advance one RVE (Particles p, Pairs q, Cells c, KernelParams prm) under ``ctrl``.

    Phase 1: ``ctrl.n_load`` steps ramping the strain-controlled components
    (and the rotation) linearly to their targets while servo components follow
    their stress targets. Phase 2: up to ``ctrl.n_relax`` steps holding the
    strain until the unbalanced-force ratio is below ``ctrl.unbalanced_tol``
    and the servo components are within tolerance. Every step checks for
    NaN/inf, runaway velocities and excessive overlaps. Returns a :class:`Report`.
    """
    n_load, total, check = ctrl.n_load, ctrl.n_load + ctrl.n_relax, max(ctrl.check_every, 1)
    servo = False
    for k in range(6):
        servo = servo or ctrl.mode[k] != 0
    nP, cap = p.s.shape[0], q.i.shape[0]
    F, T, work, mr = np.zeros((nP, 3)), np.zeros((nP, 3)), new_work(cap), np.zeros((cap, 3))
    rmin, rmax = _radius_range(p.radius)
    m3, i3 = per_component(p.mass, p.inertia)
    E0, rot0, hn, sig = c.strain.copy(), c.rotation.copy(), np.empty((3, 3)), np.zeros(6)
    sums = ContactSums(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
                       0.0, 0.0, 0.0, 0.0, 0.0)  # fmt: skip
    mo = Motion(0.0, 0.0, _max_norm(p.disp), 0.0, 0.0)
    npairs, status, need, nbuild, done_load, done_relax = q.count[0], 0, 0, 0, 0, 0
    unb, fresh = np.inf, True
    for it in range(total):
        if _list_stale(c, mo.max_disp, rmax, prm.skin):
            if not fresh:
                store_history(q, work)  # the rebuild carries it to the new list
            k = rebuild(p, q, c, prm.skin, npairs)
            if k < 0:
                status, need = -4, -k
                break
            npairs, nbuild, fresh = k, nbuild + 1, True
            mo = Motion(mo.kinetic, mo.sum_force, 0.0, mo.max_move, mo.bad)
        in_load = it < n_load
        full = it == total - 1 or (not in_load and (done_relax + 1) % check == 0)
        sums = contact_forces(p, q, npairs, c, prm, work, mr, F, T, full, servo, fresh,
                              mo.max_move)  # fmt: skip
        fresh = False
        if sums.max_overlap > prm.max_overlap:
            status = -3
            break
        vol = _stress(sums, c.h, sig)
        _drive(c, ctrl, sig, sums, vol, E0, rot0, it, in_load, hn)
        mo = integrate(p, F, T, hn, prm, full, m3, i3)
        _move_cell(c, hn)
        if full:
            unb = (mo.sum_force / nP) / (sums.sum_force / sums.n_contacts) \
                if sums.n_contacts > 0 else np.inf  # fmt: skip
        status = _fault(mo, prm, rmin)
        if status != 0:
            break
        if in_load:
            done_load += 1
        else:
            done_relax += 1
            if (done_relax % check == 0 or it == total - 1) and _settled(ctrl, sig, unb, servo):
                break
    if not fresh:
        store_history(q, work)
    if status == 0 and ctrl.n_relax > 0 and done_relax >= ctrl.n_relax:
        status = 0 if unb < ctrl.unbalanced_tol else 1
    return _report(status, (done_load, done_relax), unb, sig, sums, mo, c, need, nbuild)


@njit(cache=True)
def control_row(ctrl, r):
    """RVE r's :class:`Control` (scalars and rows) from the batch's."""
    return Control(
        ctrl.mode[r], ctrl.strain_target[r], ctrl.stress_target[r], ctrl.rotation_target[r],
        ctrl.n_load[r], ctrl.n_relax[r], ctrl.unbalanced_tol[r], ctrl.stress_tol[r],
        ctrl.gain[r], ctrl.max_strain_step[r], ctrl.check_every[r], ctrl.stress_ref[r],
    )  # fmt: skip


@njit(cache=True, parallel=True)
def advance_batch(parts, pairs, cells, params, p_off, c_off, ctrl, out):
    """Advance every RVE of a sphere Batch (passed unpacked; prange over RVEs, each
    sequential in its thread) under the batch Control; out (R, len(Report._fields))."""
    for r in prange(p_off.shape[0] - 1):
        p, q, c = rve_view(parts, pairs, cells, p_off, c_off, r)
        rep = advance_one(p, q, c, kernel_params(params[r]), control_row(ctrl, r))
        for k, x in enumerate(rep):
            out[r, k] = x
