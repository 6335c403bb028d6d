"""Numba kernels: the per-RVE step loop (neighbour lists, strain ramp, servo, relaxation, faults).

Kinematics (one RVE). Cell ``h`` (2, 2) has the cell edges as columns;
particles carry fractional positions ``s`` so that ``x = h s``; the total
velocity is the affine field plus a fluctuation, ``v = L x + v'``, and only
``v'`` (and the fluctuation spin ``w'``) are integrated, with
``m dv'/dt = F`` (the inertia of the imposed affine field is neglected, the
usual quasi-static periodic-cell choice, YADE's homothetic mode). Particles
spin with the cell spin plus ``w'``. The cell follows
``h = R(theta) (I + E) h_ref`` with the small-strain tensor ``E``
(Voigt ``[E11, E22, gamma12]``) and rigid rotation ``theta`` of the RVE state.
Contact forces: :func:`~mslearn.micro.dem.disk2d.forces.contact_forces`;
stress (tension positive) ``sigma = -(1 / (A t)) sum f (x) d`` (seed 000 Eq. 10).

Integration (leapfrog, Cundall local damping) and the cell:
:mod:`~mslearn.micro.dem.disk2d.motion`.

A step loop takes the typed views of :mod:`~mslearn.micro.dem.disk2d.arrays`,
one RVE's :class:`Control` and returns its :class:`Report`.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit, prange

from mslearn.micro.dem.disk2d.arrays import BORROWS, kernel_params, rve_view
from mslearn.micro.dem.disk2d.forces import ContactSums, contact_forces, new_work
from mslearn.micro.dem.disk2d.motion import Motion, cell_from_strain, integrate
from mslearn.micro.dem.disk2d.neighbours import build_pairs

STRAIN_CONTROL, STRESS_CONTROL, MEAN_STRESS_CONTROL = 0, 1, 2

STATUS_TEXT = {
    0: "ok",
    1: "relaxation did not reach the tolerance",
    -1: "NaN or inf in the particle state",
    -2: "runaway kinetic energy (a particle moved more than the allowed fraction "
    "of the smallest radius in one step; time step too large?)",
    -3: "particles overlap beyond max_overlap_ratio (forces explode)",
    -4: "pair-list capacity exceeded",
}


class Control(NamedTuple):
    """What a call does to each RVE: batch arrays with a leading RVE axis (R,) / (R, 3);
    inside the kernel one RVE's scalars and (3,) rows (:func:`control_row`)."""

    mode: np.ndarray  # (R, 3) int64 per component: 0 strain, 1 stress, 2 (s11 + s22)/2
    strain_target: np.ndarray  # (R, 3) target strain of strain-controlled components [-]
    stress_target: np.ndarray  # (R, 3) target stress (mode 1) or mean stress (mode 2) [Pa]
    rotation_target: np.ndarray  # (R,) target rotation [rad]
    n_load: np.ndarray  # (R,) int64 loading steps (linear ramp to the targets)
    n_relax: np.ndarray  # (R,) int64 max relaxation steps after loading
    unbalanced_tol: np.ndarray  # (R,) unbalanced-force ratio tolerance [-]
    stress_tol: np.ndarray  # (R,) relative stress tolerance of servo components [-]
    gain: np.ndarray  # (R,) servo gain (fraction of the affine-stiffness correction) [-]
    max_strain_step: np.ndarray  # (R,) max servo strain per step [-]
    check_every: np.ndarray  # (R,) int64 steps between convergence checks in relaxation
    stress_ref: np.ndarray  # (R,) absolute stress scale of the servo tolerance [Pa]


class Report(NamedTuple):
    """Diagnostics of one RVE after a call (all float in the kernel; see ``STATUS_TEXT``).

    Stresses [Pa] are those of the last force evaluation (tension positive,
    ``s12 = -(1/V) sum f_1 d_2``, ``s21 = -(1/V) sum f_2 d_1``)."""

    status: float  # 0 ok, 1 relaxation not converged, < 0 failure
    n_load: float  # loading steps done
    n_relax: float  # relaxation steps done
    unbalanced: float  # unbalanced-force ratio at the last check [-]
    s11: float
    s22: float
    s12: float
    s21: float
    kinetic_energy: float  # fluctuation kinetic energy [J]
    elastic_energy: float  # [J] (check steps)
    n_contacts: float
    max_overlap: float  # max overlap / min radius (check steps) [-]
    step: float  # the RVE's step counter at the end (the failing step on a failure)
    need_capacity: float  # pair slots needed (status -4)
    n_builds: float  # neighbour-list builds
    sum_force: float  # sum |F| over particles at the last check step [N]


@njit(cache=True, **BORROWS)
def _min_stretch_dev(h, hb):
    """max |singular value - 1| of h hb^-1."""
    det = hb[0, 0] * hb[1, 1] - hb[0, 1] * hb[1, 0]
    b00 = hb[1, 1] / det
    b01 = -hb[0, 1] / det
    b10 = -hb[1, 0] / det
    b11 = hb[0, 0] / det
    f00 = h[0, 0] * b00 + h[0, 1] * b10
    f01 = h[0, 0] * b01 + h[0, 1] * b11
    f10 = h[1, 0] * b00 + h[1, 1] * b10
    f11 = h[1, 0] * b01 + h[1, 1] * b11
    c00 = f00 * f00 + f10 * f10
    c11 = f01 * f01 + f11 * f11
    c01 = f00 * f01 + f10 * f11
    tr = 0.5 * (c00 + c11)
    dd = math.sqrt(max(0.25 * (c00 - c11) ** 2 + c01 * c01, 0.0))
    smax = math.sqrt(tr + dd)
    smin = math.sqrt(max(tr - dd, 0.0))
    return max(smax - 1.0, 1.0 - smin)


@njit(cache=True, **BORROWS)
def _list_stale(c, max_disp, rmax, skin):
    """The Verlet list may miss a contact: never built, or displacements plus the
    cell's stretch since the build could have used up the skin."""
    if np.isnan(c.h_build[0, 0]):
        return True
    return 2.0 * max_disp + _min_stretch_dev(c.h, c.h_build) * (2.0 * rmax + skin) >= skin


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


@njit(cache=True, **BORROWS)
def _ramp(start, target, it, n_load, in_load):
    """Value at step ``it`` of a linear ramp over n_load steps; the target after it."""
    if in_load:
        return start + (target - start) * (it + 1) / n_load
    return target


@njit(cache=True, **BORROWS)
def _stress_target(ctrl, sig, k):
    """Target of stress-controlled component k; mode 2 keeps (s11 + s22) / 2."""
    tgt = ctrl.stress_target[k]
    if ctrl.mode[k] == MEAN_STRESS_CONTROL:
        tgt = 2.0 * tgt - sig[1 - k]
    return tgt


@njit(cache=True, **BORROWS)
def _servo_increment(ctrl, err, stiffness):
    """Strain increment ``gain err / D_kk`` of a servo component, capped per step."""
    smax = ctrl.max_strain_step
    if not stiffness > 0:
        return smax if err > 0 else -smax
    de = ctrl.gain * err / stiffness
    if de > smax:
        de = smax
    elif de < -smax:
        de = -smax
    return de


@njit(cache=True, **BORROWS)
def _drive(c, ctrl, sig, sums, vol, E0, rot0, it, in_load, hn):
    """Next strain (ramp or servo per component) and rotation; hn = the next cell."""
    E = c.strain
    k_diag = (sums.k11, sums.k22, sums.k33)
    n_load = ctrl.n_load
    for k in range(3):
        if ctrl.mode[k] == STRAIN_CONTROL:
            E[k] = _ramp(E0[k], ctrl.strain_target[k], it, n_load, in_load)
        else:
            err = _stress_target(ctrl, sig, k) - sig[k]
            E[k] += _servo_increment(ctrl, err, k_diag[k] / vol)
    c.rotation[0] = _ramp(rot0, ctrl.rotation_target, it, n_load, in_load)
    cell_from_strain(E, c.rotation[0], c.h_ref, hn)


@njit(cache=True, **BORROWS)
def _stress(sums, h, thickness, sig):
    """sig (3,) = Love-Weber stress [Pa] (seed 000 Eq. 10, symmetric 12); returns V [m^3]."""
    vol = abs(h[0, 0] * h[1, 1] - h[0, 1] * h[1, 0]) * thickness
    sig[0] = -sums.fx_dx / vol
    sig[1] = -sums.fy_dy / vol
    sig[2] = -0.5 * (sums.fx_dy + sums.fy_dx) / vol
    return vol


@njit(cache=True, **BORROWS)
def _move_cell(c, hn):
    """dh = hn - h, h = hn, one more step."""
    for a in range(2):
        for b in range(2):
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
        for k in range(3):
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
        m2 = max(m2, a[i, 0] ** 2 + a[i, 1] ** 2)
    return math.sqrt(m2)


@njit(cache=True, **BORROWS)
def _report(status, done, unb, sig, sums, mo, c, prm, need, nbuild):
    """The :class:`Report` of a call; ``done`` = (loading, relaxation) steps."""
    vol = abs(c.h[0, 0] * c.h[1, 1] - c.h[0, 1] * c.h[1, 0]) * prm.thickness
    return Report(
        float(status), float(done[0]), float(done[1]), unb, sig[0], sig[1], -sums.fx_dy / vol,
        -sums.fy_dx / vol, mo.kinetic, sums.energy, sums.n_contacts, sums.max_overlap,
        c.step[0], float(need), float(nbuild), mo.sum_force,
    )  # fmt: skip


@njit(cache=True)
def advance_one(p, q, c, prm, ctrl):
    """Advance one RVE (Particles p, Pairs q, Cells c, KernelParams prm) under ``ctrl``.

    Phase 1: ``ctrl.n_load`` steps ramping the strain-controlled components
    of the strain (and the rotation) linearly to their targets while servo
    components follow their stress targets. Phase 2: up to ``ctrl.n_relax``
    steps holding the strain until the unbalanced-force ratio is below
    ``ctrl.unbalanced_tol`` and the servo components are within tolerance.
    Every step checks for NaN/inf, runaway velocities and excessive overlaps.
    Returns the RVE's :class:`Report`.
    """
    n_load, total, check = ctrl.n_load, ctrl.n_load + ctrl.n_relax, max(ctrl.check_every, 1)
    servo = ctrl.mode[0] != 0 or ctrl.mode[1] != 0 or ctrl.mode[2] != 0
    F, T, work = np.zeros((p.s.shape[0], 2)), np.zeros(p.s.shape[0]), new_work(q.i.shape[0])
    rmin, rmax = _radius_range(p.radius)
    E0, rot0, hn, sig = c.strain.copy(), c.rotation[0], np.empty((2, 2)), np.zeros(3)
    sums = ContactSums(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    mo = Motion(0.0, 0.0, _max_norm(p.disp), 0.0, 0.0)
    npairs, status, need, nbuild, done_load, done_relax = q.count[0], 0, 0, 0, 0, 0
    unb, fresh = np.inf, True
    for it in range(total):
        if _list_stale(c, mo.max_disp, rmax, prm.skin):
            k = rebuild(p, q, c, prm.skin, npairs)
            if k < 0:
                status, need = -4, -k
                break
            npairs, nbuild, fresh = k, nbuild + 1, True
            mo = Motion(mo.kinetic, mo.sum_force, 0.0, mo.max_move, mo.bad)
        in_load = it < n_load
        full = it == total - 1 or (not in_load and (done_relax + 1) % check == 0)
        sums = contact_forces(p, q, npairs, c, prm, work, F, T, full, servo, fresh)
        fresh = False
        if sums.max_overlap > prm.max_overlap:
            status = -3
            break
        vol = _stress(sums, c.h, prm.thickness, sig)
        _drive(c, ctrl, sig, sums, vol, E0, rot0, it, in_load, hn)
        mo = integrate(p, F, T, hn, prm, full)
        _move_cell(c, hn)
        if full:
            unb = (mo.sum_force / p.s.shape[0]) / (sums.sum_force / sums.n_contacts) \
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
    if status == 0 and ctrl.n_relax > 0 and done_relax >= ctrl.n_relax:
        status = 0 if unb < ctrl.unbalanced_tol else 1
    return _report(status, (done_load, done_relax), unb, sig, sums, mo, c, prm, need, nbuild)


@njit(cache=True)
def control_row(ctrl, r):
    """RVE r's :class:`Control` (scalars and (3,) views) from the batch's."""
    return Control(
        ctrl.mode[r], ctrl.strain_target[r], ctrl.stress_target[r], ctrl.rotation_target[r],
        ctrl.n_load[r], ctrl.n_relax[r], ctrl.unbalanced_tol[r], ctrl.stress_tol[r],
        ctrl.gain[r], ctrl.max_strain_step[r], ctrl.check_every[r], ctrl.stress_ref[r],
    )  # fmt: skip


@njit(cache=True, parallel=True)
def advance_batch(parts, pairs, cells, params, p_off, c_off, ctrl, out):
    """Advance every RVE of a :class:`~mslearn.micro.dem.disk2d.arrays.Batch` (passed
    unpacked; prange over RVEs, each sequential in its thread) under the batch
    Control ``ctrl``; out (R, len(Report._fields)) receives the reports."""
    for r in prange(p_off.shape[0] - 1):
        p, q, c = rve_view(parts, pairs, cells, p_off, c_off, r)
        rep = advance_one(p, q, c, kernel_params(params[r]), control_row(ctrl, r))
        for k, x in enumerate(rep):
            out[r, k] = x
