"""Numba kernels: contact forces, leapfrog integration and the per-RVE step loop.

Kinematics (one RVE). Cell ``h`` (2, 2) has the cell edges as columns;
particles carry fractional positions ``s`` so that ``x = h s``; the total
velocity is the affine field plus a fluctuation, ``v = L x + v'``, and only
``v'`` (and the fluctuation spin ``w'``) are integrated, with
``m dv'/dt = F`` (the inertia of the imposed affine field is neglected, the
usual quasi-static periodic-cell choice, YADE's homothetic mode). Particles
spin with the cell spin plus ``w'``. The cell follows
``h = R(theta) (I + E) h_ref`` with the small-strain tensor ``E``
(Voigt ``[E11, E22, gamma12]``) and rigid rotation ``theta`` of the RVE state.

Contact (pair i-j, branch ``d = h (s_j - s_i + n)``, normal ``n = d / |d|``,
tangent ``t = (-n2, n1)``): the force *on j* is ``fn n + fs t``; ``fs`` is a
scalar along ``t`` so it rotates with the contact; it is updated with the
incremental tangential displacement ``du_t`` (Cundall-Strack / Mindlin) and
capped at ``mu fn`` (Coulomb). Stress (tension positive)
``sigma = -(1 / (A t)) sum f (x) d`` (seed 000 Eq. 10).

Local (non-viscous) damping: ``F_a <- F_a - alpha |F_a| sign(v'_a)`` per
component, and the same on the torque.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from mslearn.micro.dem.disk2d.forces import N_WORK, contact_forces_split
from mslearn.micro.dem.disk2d.neighbours import build_pairs
from mslearn.micro.dem.params import (
    LAW_LINEAR,
    P_DT,
    P_KN,
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

# control row (per RVE)
C_MODE = 0  # 3 entries: 0 strain, 1 stress, 2 keep (s11 + s22)/2 = target (k = 0, 1)
C_ETGT = 3  # 3 entries: target strain for strain-controlled components
C_STGT = 6  # 3 entries: target stress [Pa] (mode 1) or mean stress (mode 2)
C_ROT = 9  # target rotation angle [rad]
C_NLOAD = 10  # loading steps (linear ramp of strain-controlled components)
C_NRELAX = 11  # max relaxation steps after loading
C_UTOL = 12  # unbalanced-force ratio tolerance
C_STOL = 13  # relative stress tolerance of servo components
C_GAIN = 14  # servo gain (fraction of affine-stiffness correction per step)
C_SMAX = 15  # max servo strain per step
C_CHECK = 16  # steps between convergence checks in relaxation
C_SREF = 17  # absolute stress scale for the servo tolerance [Pa]
N_CTRL = 18

# diagnostics row (per RVE)
D_STATUS = 0  # 0 ok, 1 relaxation not converged, <0 failure (see STATUS_TEXT)
D_NLOAD = 1
D_NRELAX = 2
D_UNB = 3
D_S11 = 4
D_S22 = 5
D_S12 = 6
D_S21 = 7
D_KE = 8
D_PE = 9
D_NC = 10
D_MAXOV = 11
D_FAILSTEP = 12
D_NEEDCAP = 13
D_NBUILD = 14
D_SUMF = 15
N_DIAG = 16

STATUS_TEXT = {
    0: "ok",
    1: "relaxation did not reach the tolerance",
    -1: "NaN or inf in the particle state",
    -2: "runaway kinetic energy (a particle moved more than the allowed fraction "
    "of the smallest radius in one step; time step too large?)",
    -3: "particles overlap beyond max_overlap_ratio (forces explode)",
    -4: "pair-list capacity exceeded",
}


@njit(cache=True)
def cell_from_strain(E, theta, h_ref, out):
    """out = R(theta) (I + E) h_ref, E Voigt (3,) with engineering shear."""
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


@njit(cache=True)
def contact_forces(
    s, v, om, rad, h, dh, prm, pi, pj, pn, pfs, pfn, pflag, npairs, F, T, mass, acc, full=True,
    need_k=True,
):  # fmt: skip
    """Contact forces of one RVE at (s, h).

    dh: change of h over the last step (affine relative displacement
    ``dh (s_j - s_i + n)``); v, om: fluctuation velocity and spin at the last
    half step. Writes F (N, 2), T (N,); updates pfs, pfn (elastic normal force),
    pflag (0 open, 1 stuck, 2 sliding). acc (12,) gets
    [S11, S21*, S12*, S22 (sum f_a d_b, not divided), K11, K22, K33 (affine
    diagonal, not divided), elastic energy, sum |f|, n_contacts, max overlap /
    min radius, -]. *S[a, b] = sum f_a d_b stored as acc[2a+b].
    ``full = False`` skips energy, |f| sums and the overlap ratio (they are
    only needed at check steps); ``need_k = False`` skips K (servo only);
    an overlap beyond the limit is always flagged (acc[10] > limit).
    """
    dt = prm[P_DT]
    law = int(prm[P_LAW])
    knc = prm[P_KN]
    ktc = prm[P_KT]
    mu = prm[P_MU]
    bn = prm[P_VISC_N]
    bt = prm[P_VISC_T]
    visc = bn > 0 or bt > 0
    maxov = prm[P_MAXOV]
    # spin of the cell over the step: skew part of dh h_prev^-1 (h_prev = h - dh)
    p00 = h[0, 0] - dh[0, 0]
    p01 = h[0, 1] - dh[0, 1]
    p10 = h[1, 0] - dh[1, 0]
    p11 = h[1, 1] - dh[1, 1]
    det = p00 * p11 - p01 * p10
    i00 = p11 / det
    i01 = -p01 / det
    i10 = -p10 / det
    i11 = p00 / det
    L01 = dh[0, 0] * i01 + dh[0, 1] * i11
    L10 = dh[1, 0] * i00 + dh[1, 1] * i10
    wcell_dt = 0.5 * (L10 - L01)
    nP = s.shape[0]
    for i in range(nP):
        F[i, 0] = 0.0
        F[i, 1] = 0.0
        T[i] = 0.0
    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = a8 = a9 = a10 = 0.0
    for c in range(npairs):
        i = pi[c]
        j = pj[c]
        ds0 = s[j, 0] - s[i, 0] + pn[c, 0]
        ds1 = s[j, 1] - s[i, 1] + pn[c, 1]
        dx = h[0, 0] * ds0 + h[0, 1] * ds1
        dy = h[1, 0] * ds0 + h[1, 1] * ds1
        ri = rad[i]
        rj = rad[j]
        rs = ri + rj
        d2 = dx * dx + dy * dy
        if d2 >= rs * rs:
            pfs[c] = 0.0
            pfn[c] = 0.0
            pflag[c] = 0
            continue
        dist = math.sqrt(d2)
        inv = 1.0 / dist
        nx = dx * inv
        ny = dy * inv
        ov = rs - dist
        li = ri - 0.5 * ov
        lj = rj - 0.5 * ov
        # relative displacement of j w.r.t. i over the step (t = (-ny, nx))
        ux = (v[j, 0] - v[i, 0]) * dt + dh[0, 0] * ds0 + dh[0, 1] * ds1
        uy = (v[j, 1] - v[i, 1]) * dt + dh[1, 0] * ds0 + dh[1, 1] * ds1
        dun = ux * nx + uy * ny
        dut = uy * nx - ux * ny - ((om[i] * dt + wcell_dt) * li + (om[j] * dt + wcell_dt) * lj)
        rr = ri * rj / rs
        if law == LAW_LINEAR:
            kn = knc * rr
            kt = ktc * kn
            fn = kn * ov
            kn_tan = kn
            en = 0.5 * fn * ov
        else:
            sq = math.sqrt(4.0 * rr * ov)  # sqrt(2 r* ov), r* = 2 r1 r2 / (r1 + r2)
            kn = knc * sq
            fn = kn * ov
            kn_tan = 1.5 * kn
            kt = ktc * sq
            en = 0.4 * fn * ov
        fs = pfs[c] - kt * dut
        fmax = mu * fn
        flag = 1
        if abs(fs) > fmax:
            fs = fmax if fs > 0 else -fmax
            flag = 2
        pfs[c] = fs
        pfn[c] = fn
        pflag[c] = flag
        fnt = fn
        fst = fs
        if visc:
            mstar = mass[i] * mass[j] / (mass[i] + mass[j])
            if bn > 0:
                fnt -= 2.0 * bn * math.sqrt(mstar * kn_tan) * dun / dt
            if bt > 0 and flag == 1:
                fst -= 2.0 * bt * math.sqrt(mstar * kt) * dut / dt
        fx = fnt * nx - fst * ny
        fy = fnt * ny + fst * nx
        F[j, 0] += fx
        F[j, 1] += fy
        F[i, 0] -= fx
        F[i, 1] -= fy
        T[i] -= li * fst
        T[j] -= lj * fst
        a0 += fx * dx
        a1 += fx * dy
        a2 += fy * dx
        a3 += fy * dy
        a9 += 1.0
        rsm = ri if ri < rj else rj
        if ov > maxov * rsm:
            a10 = max(a10, ov / rsm)
        if need_k:
            n11 = nx * nx
            n22 = ny * ny
            n12 = nx * ny
            ktn = kt * n11 * n22
            a4 += (kn_tan * n11 * n11 + ktn) * d2
            a5 += (kn_tan * n22 * n22 + ktn) * d2
            g = 0.5 * (n11 - n22)
            a6 += (kn_tan * n12 * n12 + kt * g * g) * d2
        if full:
            if kt > 0:
                en += 0.5 * fs * fs / kt
            a7 += en
            a8 += math.sqrt(fnt * fnt + fst * fst)
            a10 = max(a10, ov / rsm)
    acc[0] = a0
    acc[1] = a1
    acc[2] = a2
    acc[3] = a3
    acc[4] = a4
    acc[5] = a5
    acc[6] = a6
    acc[7] = a7
    acc[8] = a8
    acc[9] = a9
    acc[10] = a10


@njit(cache=True, error_model="numpy", fastmath={"reassoc", "contract", "arcp", "nsz"})
def integrate(s, v, om, theta, F, T, mass, inertia, disp, h_new, prm, out, full=True):
    """Leapfrog update of one RVE with Cundall local damping.

    v(t + dt/2) = v(t - dt/2) + F_damped / m dt; s += h_new^-1 v dt.
    out (5,): [on-step kinetic energy, sum |F| (undamped, full steps only),
    max |disp|, max |v| dt, nan flag]. The update loop has no max-reduction
    (maxima and |F| sums are taken in a second loop), which lets LLVM
    vectorise it; fast-math excludes the no-NaN/no-inf flags so the NaN check
    stays valid.
    """
    dt = prm[P_DT]
    alpha = prm[P_LOCAL]
    det = h_new[0, 0] * h_new[1, 1] - h_new[0, 1] * h_new[1, 0]
    i00 = h_new[1, 1] / det
    i01 = -h_new[0, 1] / det
    i10 = -h_new[1, 0] / det
    i11 = h_new[0, 0] / det
    ke = 0.0
    n = s.shape[0]
    for i in range(n):
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
    out[1] = _max_loop(F, v, disp, out, full)
    out[0] = ke
    out[3] *= dt
    out[4] = 0.0 if (math.isfinite(ke) and math.isfinite(out[1])) else 1.0


@njit(cache=True)
def _max_loop(F, v, disp, out, full):
    """out[2] = max |disp|, out[3] = max |v|; returns sum |F| (full) or 0."""
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
    out[2] = math.sqrt(dmax2)
    out[3] = math.sqrt(vmax2)
    return sumf


@njit(cache=True)
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


@njit(cache=True)
def advance_one(
    s, v, om, theta, rad, mass, inertia, disp,
    pi, pj, pn, pfs, pmr, pfn, pflag, npairs_arr,
    h, h_ref, dh, h_build, E, rot, tstep, prm, ctrl, diag,
):  # fmt: skip
    """Advance one RVE under the control row ``ctrl`` (see C_* indices).

    ``npairs_arr`` is the RVE's (1,) pair count (a slice, not an index into
    the batch array: an indexed write inside the step loop cost 50 %).

    Phase 1: ``ctrl[C_NLOAD]`` steps ramping the strain-controlled components
    of ``E`` (and the rotation) linearly to their targets while servo
    components follow their stress targets. Phase 2: up to ``ctrl[C_NRELAX]``
    steps holding the strain until the unbalanced-force ratio is below
    ``C_UTOL`` and the servo components are within tolerance.
    Every step checks for NaN/inf, runaway velocities and excessive overlaps.
    ``diag`` (N_DIAG,) receives the diagnostics of the last step.
    """
    nP = s.shape[0]
    F = np.zeros((nP, 2))
    T = np.zeros(nP)
    acc = np.zeros(12)
    work = np.empty((N_WORK, pi.shape[0]))
    fresh = True
    iout = np.zeros(5)
    hn = np.empty((2, 2))
    skin = prm[P_SKIN]
    area_t = prm[P_THICK]
    rmax = 0.0
    rmin = 1e300
    for i in range(nP):
        rmax = max(rmax, rad[i])
        rmin = min(rmin, rad[i])
    n_load = int(ctrl[C_NLOAD])
    n_relax = int(ctrl[C_NRELAX])
    check = max(int(ctrl[C_CHECK]), 1)
    E0 = E.copy()
    rot0 = rot[0]
    mode = np.empty(3, dtype=np.int64)
    for k in range(3):
        mode[k] = int(ctrl[C_MODE + k])
    servo = mode[0] != 0 or mode[1] != 0 or mode[2] != 0
    sig = np.zeros(3)
    status = 0
    nbuild = 0
    unb = np.inf
    done_load = 0
    done_relax = 0
    npairs = npairs_arr[0]
    dm2 = 0.0
    for i in range(nP):
        dm2 = max(dm2, disp[i, 0] ** 2 + disp[i, 1] ** 2)
    iout[2] = math.sqrt(dm2)
    total = n_load + n_relax
    for it in range(total):
        # --- neighbour list
        need = np.isnan(h_build[0, 0])
        if not need:
            dev = _min_stretch_dev(h, h_build)
            need = 2.0 * iout[2] + dev * (2.0 * rmax + skin) >= skin
        if need:
            k = build_pairs(s, rad, h, skin, pi, pj, pn, pfs, pmr, npairs)
            if k < 0:
                status = -4
                diag[D_NEEDCAP] = -k
                break
            npairs = k
            npairs_arr[0] = k
            for i in range(nP):
                disp[i, 0] = 0.0
                disp[i, 1] = 0.0
            iout[2] = 0.0
            for a in range(2):
                for b in range(2):
                    h_build[a, b] = h[a, b]
            nbuild += 1
            fresh = True
        # --- forces at (s, h)
        in_load = it < n_load
        full = it == total - 1 or (not in_load and (done_relax + 1) % check == 0)
        contact_forces_split(s, v, om, rad, h, dh, prm, pi, pj, pn, pfs, pmr, pfn, pflag, npairs,
                             F, T, mass, acc, full, servo, work, fresh)  # fmt: skip
        fresh = False
        if acc[10] > prm[P_MAXOV]:
            status = -3
            break
        vol = abs(h[0, 0] * h[1, 1] - h[0, 1] * h[1, 0]) * area_t
        sig[0] = -acc[0] / vol
        sig[1] = -acc[3] / vol
        sig[2] = -0.5 * (acc[1] + acc[2]) / vol
        # --- control
        for k in range(3):
            if mode[k] == 0:
                if in_load:
                    E[k] = E0[k] + (ctrl[C_ETGT + k] - E0[k]) * (it + 1) / n_load
                else:
                    E[k] = ctrl[C_ETGT + k]
            else:
                tgt = ctrl[C_STGT + k]
                if mode[k] == 2:
                    tgt = 2.0 * tgt - sig[1 - k]
                K = acc[4 + k] / vol
                err = tgt - sig[k]
                smax = ctrl[C_SMAX]
                if K > 0:
                    de = ctrl[C_GAIN] * err / K
                    if de > smax:
                        de = smax
                    elif de < -smax:
                        de = -smax
                else:
                    de = smax if err > 0 else -smax
                E[k] += de
        if in_load:
            rot[0] = rot0 + (ctrl[C_ROT] - rot0) * (it + 1) / n_load
        else:
            rot[0] = ctrl[C_ROT]
        cell_from_strain(E, rot[0], h_ref, hn)
        # --- integrate
        integrate(s, v, om, theta, F, T, mass, inertia, disp, hn, prm, iout, full)
        for a in range(2):
            for b in range(2):
                dh[a, b] = hn[a, b] - h[a, b]
                h[a, b] = hn[a, b]
        tstep[0] += 1.0
        if full:
            unb = (iout[1] / nP) / (acc[8] / acc[9]) if acc[9] > 0 else np.inf
        if iout[4] != 0.0:
            status = -1
            break
        if iout[3] > prm[P_VMAX] * rmin:
            status = -2
            break
        if in_load:
            done_load += 1
        else:
            done_relax += 1
            if done_relax % check == 0 or it == total - 1:
                ok = unb < ctrl[C_UTOL]
                if ok and servo:
                    for k in range(3):
                        if mode[k] != 0:
                            tgt = ctrl[C_STGT + k]
                            if mode[k] == 2:
                                tgt = 2.0 * tgt - sig[1 - k]
                            if abs(tgt - sig[k]) > ctrl[C_STOL] * max(abs(tgt), ctrl[C_SREF]):
                                ok = False
                if ok:
                    break
    if status == 0 and n_relax > 0 and done_relax >= n_relax:
        ok = unb < ctrl[C_UTOL]
        if not ok:
            status = 1
    diag[D_STATUS] = status
    diag[D_NLOAD] = done_load
    diag[D_NRELAX] = done_relax
    diag[D_UNB] = unb
    vol = abs(h[0, 0] * h[1, 1] - h[0, 1] * h[1, 0]) * area_t
    diag[D_S11] = sig[0]
    diag[D_S22] = sig[1]
    diag[D_S12] = -acc[2] / vol
    diag[D_S21] = -acc[1] / vol
    diag[D_KE] = iout[0]
    diag[D_PE] = acc[7]
    diag[D_NC] = acc[9]
    diag[D_MAXOV] = acc[10]
    diag[D_FAILSTEP] = tstep[0]
    diag[D_NBUILD] = nbuild
    diag[D_SUMF] = iout[1]


@njit(cache=True, parallel=True)
def advance_batch(
    s, v, om, theta, rad, mass, inertia, disp,
    pi, pj, pn, pfs, pmr, pfn, pflag, npairs, p_off, c_off,
    h, h_ref, dh, h_build, E, rot, tstep, prm, ctrl, diag,
):  # fmt: skip
    """Advance every RVE of a batch (prange over RVEs); arrays are the flat
    DEMState arrays, ``p_off`` / ``c_off`` (R + 1,) particle and pair offsets."""
    R = p_off.shape[0] - 1
    for r in prange(R):
        a = p_off[r]
        b = p_off[r + 1]
        ca = c_off[r]
        cb = c_off[r + 1]
        advance_one(
            s[a:b], v[a:b], om[a:b], theta[a:b], rad[a:b], mass[a:b], inertia[a:b], disp[a:b],
            pi[ca:cb], pj[ca:cb], pn[ca:cb], pfs[ca:cb], pmr[ca:cb], pfn[ca:cb], pflag[ca:cb],
            npairs[r : r + 1], h[r], h_ref[r], dh[r], h_build[r], E[r], rot[r : r + 1],
            tstep[r : r + 1], prm[r], ctrl[r], diag[r],
        )  # fmt: skip
