"""Python driver around the batch kernel: control, capacity growth, errors.

``run_batch(state, control)`` advances every RVE of ``state`` under its row
of the :class:`~mslearn.micro.dem.disk2d.kernels.Control` (built by
:func:`make_control`) in one parallel numba call. When an RVE's pair list
outgrows its capacity the state is re-laid out with more room and only the
unfinished RVEs continue (the strain ramp restarts from where it stopped
towards the same target, so the path is the same). NaN/inf, runaway velocity
and explosive overlaps raise :class:`DEMFailure` naming the RVE and step.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from mslearn.core.errors import MslearnInputError, SolverFailure
from mslearn.micro.dem.disk2d.kernels import STATUS_TEXT, Control, Report, advance_batch
from mslearn.micro.dem.disk2d.state import PAIR_CAPACITY_PER_PARTICLE, DEMState

_DEFAULTS = dict(unbalanced_tol=1e-4, stress_tol=1e-2, gain=0.5, max_strain_step=1e-5,
                 check_every=20, stress_ref=1.0)  # fmt: skip
_INTS = ("mode", "n_load", "n_relax", "check_every")
_ROWS = ("mode", "strain_target", "stress_target")


class DEMFailure(SolverFailure, MslearnInputError):
    """A DEM run stopped: NaN/inf, runaway kinetic energy or exploding overlaps.

    Attributes: rve (index in the batch), step (the RVE's step counter),
    status (kernel status code)."""

    def __init__(self, message: str, rve: int, step: int, status: int):
        super().__init__(message)
        self.rve = rve
        self.step = step
        self.status = status


@dataclass(frozen=True)
class Diagnostics:
    """Per-RVE diagnostics of a :func:`run_batch` call, (R,) arrays; the fields of
    :class:`~mslearn.micro.dem.disk2d.kernels.Report` (status int, the rest float)."""

    status: np.ndarray
    n_load: np.ndarray
    n_relax: np.ndarray
    unbalanced: np.ndarray
    s11: np.ndarray
    s22: np.ndarray
    s12: np.ndarray
    s21: np.ndarray
    kinetic_energy: np.ndarray
    elastic_energy: np.ndarray
    n_contacts: np.ndarray
    max_overlap: np.ndarray
    step: np.ndarray
    need_capacity: np.ndarray
    n_builds: np.ndarray
    sum_force: np.ndarray

    @classmethod
    def from_rows(cls, rows: np.ndarray) -> Diagnostics:
        """From the kernel's (R, len(Report._fields)) output."""
        cols = {name: rows[:, k].copy() for k, name in enumerate(Report._fields)}
        cols["status"] = cols["status"].astype(np.int64)
        return cls(**cols)


assert tuple(f.name for f in fields(Diagnostics)) == Report._fields


def make_control(n: int, **kw: object) -> Control:
    """Control of n RVEs with defaults; keywords are the fields of
    :class:`~mslearn.micro.dem.disk2d.kernels.Control`, each (3,) or (n, 3)
    for mode / strain_target / stress_target, a scalar or (n,) for the others.
    Defaults: strain control to zero strain, no steps, unbalanced_tol 1e-4,
    stress_tol 1e-2, gain 0.5, max_strain_step 1e-5, check_every 20,
    stress_ref 1 Pa."""
    unknown = set(kw) - set(Control._fields)
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    vals = {}
    for name in Control._fields:
        shape = (n, 3) if name in _ROWS else (n,)
        dtype = np.int64 if name in _INTS else np.float64
        val = np.asarray(kw.get(name, _DEFAULTS.get(name, 0)), dtype=float)
        vals[name] = np.ascontiguousarray(np.broadcast_to(val, shape), dtype=dtype).copy()
    return Control(**vals)


def _copy_control(c: Control) -> Control:
    return Control(*[np.array(a) for a in c])


def raise_failures(d, active: np.ndarray, status_text=STATUS_TEXT, what: str = "DEM RVE") -> None:
    """Raise :class:`DEMFailure` for the first RVE of ``active`` (R,) whose diagnostics ``d``
    report a fault (status < 0; -4, pair capacity, is not a fault); ``what`` names it."""
    for r in np.flatnonzero(active & (d.status < 0) & (d.status != -4)):
        st = int(d.status[r])
        raise DEMFailure(
            f"{what} {r} stopped at step {int(d.step[r])}: {status_text[st]} "
            f"(max overlap/radius {d.max_overlap[r]:.3g}, kinetic energy "
            f"{d.kinetic_energy[r]:.3g} J)",
            rve=int(r),
            step=int(d.step[r]),
            status=st,
        )


def run_batch(state: DEMState, control: Control, max_regrow: int = 4) -> Diagnostics:
    """Advance ``state`` in place under ``control`` (one row per RVE); returns the
    :class:`Diagnostics` (steps summed over capacity regrowths)."""
    R = state.n_rves
    if control.n_load.shape != (R,):
        raise MslearnInputError(f"control for {control.n_load.shape[0]} RVEs: expected {R}")
    ctrl = _copy_control(control)
    rows = np.zeros((R, len(Report._fields)))
    tot_load = np.zeros(R)
    tot_relax = np.zeros(R)
    per = PAIR_CAPACITY_PER_PARTICLE
    for _attempt in range(max_regrow + 1):
        out = np.zeros_like(rows)
        advance_batch(*state.kernel_arrays(), ctrl, out)
        d = Diagnostics.from_rows(out)
        active = (ctrl.n_load + ctrl.n_relax) > 0
        rows[active] = out[active]
        tot_load += d.n_load
        tot_relax += d.n_relax
        raise_failures(d, active)
        grow = active & (d.status == -4)
        if not grow.any():
            break
        per *= 2
        state.restore(state.with_capacity(per))
        # continue only the RVEs that stopped; the rest do nothing
        ctrl.n_load[~grow] = 0
        ctrl.n_relax[~grow] = 0
        ctrl.n_load[grow] -= d.n_load[grow].astype(np.int64)
        ctrl.n_relax[grow] -= d.n_relax[grow].astype(np.int64)
    else:
        raise DEMFailure("DEM pair-list capacity could not be grown enough", -1, -1, -4)
    diag = Diagnostics.from_rows(rows)
    diag.n_load[:] = tot_load
    diag.n_relax[:] = tot_relax
    return diag
