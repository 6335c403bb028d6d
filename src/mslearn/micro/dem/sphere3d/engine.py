"""Python driver around the sphere batch kernel: control, capacity growth, errors.

``run_batch(state, control)`` advances every RVE of ``state`` under its row of
the :class:`~mslearn.micro.dem.sphere3d.kernels.Control` (built by
:func:`make_control`) in one parallel numba call. When an RVE's pair list
outgrows its capacity the state is re-laid out with more room and only the
unfinished RVEs continue. NaN/inf, runaway velocity and explosive overlaps
raise the disk engine's :class:`~mslearn.micro.dem.disk2d.engine.DEMFailure`
naming the RVE and step.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from mslearn.core.errors import MslearnInputError
from mslearn.micro.dem.disk2d.engine import DEMFailure, raise_failures
from mslearn.micro.dem.sphere3d.kernels import STATUS_TEXT, Control, Report, advance_batch
from mslearn.micro.dem.sphere3d.state import PAIR_CAPACITY_PER_PARTICLE, SphereState

__all__ = ["DEMFailure", "Diagnostics3D", "make_control", "run_batch"]

_DEFAULTS = dict(unbalanced_tol=1e-4, stress_tol=1e-2, gain=0.5, max_strain_step=1e-5,
                 check_every=20, stress_ref=1.0)  # fmt: skip
_INTS = ("mode", "n_load", "n_relax", "check_every")
_SHAPES = {"mode": 6, "strain_target": 6, "stress_target": 6, "rotation_target": 3}


@dataclass(frozen=True)
class Diagnostics3D:
    """Per-RVE diagnostics of a :func:`run_batch` call, (R,) arrays named as the
    fields of :class:`~mslearn.micro.dem.sphere3d.kernels.Report` (status int)."""

    status: np.ndarray
    n_load: np.ndarray
    n_relax: np.ndarray
    unbalanced: np.ndarray
    s11: np.ndarray
    s22: np.ndarray
    s33: np.ndarray
    s23: np.ndarray
    s13: np.ndarray
    s12: np.ndarray
    kinetic_energy: np.ndarray
    elastic_energy: np.ndarray
    n_contacts: np.ndarray
    max_overlap: np.ndarray
    step: np.ndarray
    need_capacity: np.ndarray
    n_builds: np.ndarray
    sum_force: np.ndarray

    @classmethod
    def from_rows(cls, rows: np.ndarray) -> Diagnostics3D:
        """From the kernel's (R, len(Report._fields)) output."""
        cols = {name: rows[:, k].copy() for k, name in enumerate(Report._fields)}
        cols["status"] = cols["status"].astype(np.int64)
        return cls(**cols)

    @property
    def stress(self) -> np.ndarray:
        """(R, 6) Voigt stress of the last force evaluation [Pa]."""
        return np.stack([self.s11, self.s22, self.s33, self.s23, self.s13, self.s12], axis=1)


assert tuple(f.name for f in fields(Diagnostics3D)) == Report._fields


def make_control(n: int, **kw: object) -> Control:
    """Control of n RVEs with defaults; keywords are the fields of
    :class:`~mslearn.micro.dem.sphere3d.kernels.Control`: (6,) or (n, 6) for
    mode / strain_target / stress_target, (3,) or (n, 3) for rotation_target,
    a scalar or (n,) for the others. Defaults as the disk engine's."""
    unknown = set(kw) - set(Control._fields)
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    vals = {}
    for name in Control._fields:
        shape = (n, _SHAPES[name]) if name in _SHAPES else (n,)
        dtype = np.int64 if name in _INTS else np.float64
        val = np.asarray(kw.get(name, _DEFAULTS.get(name, 0)), dtype=float)
        vals[name] = np.ascontiguousarray(np.broadcast_to(val, shape), dtype=dtype).copy()
    return Control(**vals)


def run_batch(state: SphereState, control: Control, max_regrow: int = 4) -> Diagnostics3D:
    """Advance ``state`` in place under ``control`` (one row per RVE); returns the
    :class:`Diagnostics3D` (steps summed over capacity regrowths)."""
    R = state.n_rves
    if control.n_load.shape != (R,):
        raise MslearnInputError(f"control for {control.n_load.shape[0]} RVEs: expected {R}")
    ctrl = Control(*[np.array(a) for a in control])
    rows = np.zeros((R, len(Report._fields)))
    tot_load = np.zeros(R)
    tot_relax = np.zeros(R)
    per = PAIR_CAPACITY_PER_PARTICLE
    for _attempt in range(max_regrow + 1):
        out = np.zeros_like(rows)
        advance_batch(*state.kernel_arrays(), ctrl, out)
        d = Diagnostics3D.from_rows(out)
        active = (ctrl.n_load + ctrl.n_relax) > 0
        rows[active] = out[active]
        tot_load += d.n_load
        tot_relax += d.n_relax
        raise_failures(d, active, STATUS_TEXT, "DEM sphere RVE")
        grow = active & (d.status == -4)
        if not grow.any():
            break
        per = max(2 * per, int(np.max(d.need_capacity[grow] / state.n_particles[grow])) + 2)
        state.restore(state.with_capacity(per))
        ctrl.n_load[~grow] = 0
        ctrl.n_relax[~grow] = 0
        ctrl.n_load[grow] -= d.n_load[grow].astype(np.int64)
        ctrl.n_relax[grow] -= d.n_relax[grow].astype(np.int64)
    else:
        raise DEMFailure("DEM sphere pair-list capacity could not be grown enough", -1, -1, -4)
    diag = Diagnostics3D.from_rows(rows)
    diag.n_load[:] = tot_load
    diag.n_relax[:] = tot_relax
    return diag
