"""Python driver around the batch kernel: control rows, capacity growth, errors.

``run_batch(state, ctrl)`` advances every RVE of ``state`` under its control
row (see ``kernels.C_*``) in one parallel numba call. When an RVE's pair list
outgrows its capacity the state is re-laid out with more room and only the
unfinished RVEs continue (the strain ramp restarts from where it stopped
towards the same target, so the path is the same). NaN/inf, runaway velocity
and explosive overlaps raise :class:`DEMFailure` naming the RVE and step.
"""

from __future__ import annotations

import numpy as np

from mslearn.core.errors import MslearnInputError, SolverFailure
from mslearn.micro.dem.disk2d import kernels as K
from mslearn.micro.dem.disk2d.state import PAIR_CAPACITY_PER_PARTICLE, DEMState


class DEMFailure(SolverFailure, MslearnInputError):
    """A DEM run stopped: NaN/inf, runaway kinetic energy or exploding overlaps.

    Attributes: rve (index in the batch), step (the RVE's step counter),
    status (kernel status code)."""

    def __init__(self, message: str, rve: int, step: int, status: int):
        super().__init__(message)
        self.rve = rve
        self.step = step
        self.status = status


def make_ctrl(n: int, **kw: object) -> np.ndarray:
    """Control rows (n, N_CTRL) with defaults; keyword names as lower-case C_*
    names without prefix (mode, etgt, stgt: (3,) or (n, 3); others scalar or (n,))."""
    c = np.zeros((n, K.N_CTRL))
    c[:, K.C_UTOL] = 1e-4
    c[:, K.C_STOL] = 1e-2
    c[:, K.C_GAIN] = 0.5
    c[:, K.C_SMAX] = 1e-5
    c[:, K.C_CHECK] = 20
    c[:, K.C_SREF] = 1.0
    names = {
        "mode": (K.C_MODE, 3),
        "etgt": (K.C_ETGT, 3),
        "stgt": (K.C_STGT, 3),
        "rot": (K.C_ROT, 1),
        "nload": (K.C_NLOAD, 1),
        "nrelax": (K.C_NRELAX, 1),
        "utol": (K.C_UTOL, 1),
        "stol": (K.C_STOL, 1),
        "gain": (K.C_GAIN, 1),
        "smax": (K.C_SMAX, 1),
        "check": (K.C_CHECK, 1),
        "sref": (K.C_SREF, 1),
    }
    for key, val in kw.items():
        if key not in names:
            raise KeyError(key)
        i0, w = names[key]
        arr = np.asarray(val, dtype=float)
        if w == 1:
            c[:, i0] = arr
        else:
            c[:, i0 : i0 + w] = arr
    return c


def run_batch(state: DEMState, ctrl: np.ndarray, max_regrow: int = 4) -> np.ndarray:
    """Advance ``state`` in place; returns diagnostics (R, N_DIAG) (see kernels.D_*)."""
    R = state.n_rves
    if ctrl.shape != (R, K.N_CTRL):
        raise MslearnInputError(f"control rows {ctrl.shape}: expected ({R}, {K.N_CTRL})")
    ctrl = ctrl.copy()
    diag = np.zeros((R, K.N_DIAG))
    tot_load = np.zeros(R)
    tot_relax = np.zeros(R)
    per = PAIR_CAPACITY_PER_PARTICLE
    for _attempt in range(max_regrow + 1):
        d = np.zeros((R, K.N_DIAG))
        K.advance_batch(
            state.s, state.v, state.omega, state.theta, state.radius, state.mass, state.inertia,
            state.disp, state.pair_i, state.pair_j, state.pair_n, state.pair_fs, state.pair_mr,
            state.pair_fn,
            state.pair_flag, state.npairs, state.p_off, state.c_off, state.h, state.h_ref,
            state.dh, state.h_build, state.strain, state.rotation, state.step, state.params,
            ctrl, d,
        )  # fmt: skip
        active = (ctrl[:, K.C_NLOAD] + ctrl[:, K.C_NRELAX]) > 0
        diag[active] = d[active]
        tot_load += d[:, K.D_NLOAD]
        tot_relax += d[:, K.D_NRELAX]
        status = d[:, K.D_STATUS].astype(int)
        for r in np.flatnonzero(active & (status < 0) & (status != -4)):
            st = int(status[r])
            raise DEMFailure(
                f"DEM RVE {r} stopped at step {int(d[r, K.D_FAILSTEP])}: {K.STATUS_TEXT[st]} "
                f"(max overlap/radius {d[r, K.D_MAXOV]:.3g}, kinetic energy {d[r, K.D_KE]:.3g} J)",
                rve=int(r),
                step=int(d[r, K.D_FAILSTEP]),
                status=st,
            )
        grow = active & (status == -4)
        if not grow.any():
            break
        per *= 2
        new = state.with_capacity(per)
        state.restore(new)
        # continue only the RVEs that stopped; the rest do nothing
        ctrl[~grow, K.C_NLOAD] = 0
        ctrl[~grow, K.C_NRELAX] = 0
        ctrl[grow, K.C_NLOAD] -= d[grow, K.D_NLOAD]
        ctrl[grow, K.C_NRELAX] -= d[grow, K.D_NRELAX]
    else:
        raise DEMFailure("DEM pair-list capacity could not be grown enough", -1, -1, -4)
    diag[:, K.D_NLOAD] = tot_load
    diag[:, K.D_NRELAX] = tot_relax
    return diag
