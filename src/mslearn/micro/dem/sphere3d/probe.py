"""The sphere engine's own kernels on a state, one call at a time (verification, tests).

:func:`build_pair_list` rebuilds an RVE's Verlet list with the step loop's
rebuild, and :func:`evaluate_contacts` runs the engine's force pass at the
current geometry without moving anything, so analytic checks of the contact
law check the shipped kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from mslearn.micro.dem.sphere3d.arrays import kernel_params, rve_view
from mslearn.micro.dem.sphere3d.forces import ContactSums, contact_forces, new_work, store_history
from mslearn.micro.dem.sphere3d.kernels import rebuild
from mslearn.micro.dem.sphere3d.state import SphereState


@dataclass(frozen=True)
class ContactEvaluation3D:
    """force, torque (n, 3) [N], [N m] on every sphere; sums: :class:`ContactSums`.
    The pair histories of the state are updated as by an engine step."""

    force: np.ndarray
    torque: np.ndarray
    sums: ContactSums


@njit(cache=True)
def _rebuild_rve(parts, pairs, cells, params, p_off, c_off, r):
    p, q, c = rve_view(parts, pairs, cells, p_off, c_off, r)
    return rebuild(p, q, c, kernel_params(params[r]).skin, q.count[0])


@njit(cache=True)
def _evaluate_rve(parts, pairs, cells, params, p_off, c_off, r, full, need_k, F, T):
    p, q, c = rve_view(parts, pairs, cells, p_off, c_off, r)
    cap = q.i.shape[0]
    w = new_work(cap)
    sums = contact_forces(p, q, q.count[0], c, kernel_params(params[r]), w,
                          np.zeros((cap, 3)), F, T, full, need_k, True, 0.0)  # fmt: skip
    store_history(q, w)
    return sums


def build_pair_list(state: SphereState, r: int = 0) -> int:
    """Rebuild the pair list of RVE r now; returns the number of pairs. Raises
    ValueError when the capacity is too small."""
    k = int(_rebuild_rve(*state.kernel_arrays(), r))
    if k < 0:
        raise ValueError(f"pair capacity of RVE {r} too small: {-k} pairs needed")
    return k


def evaluate_contacts(
    state: SphereState, r: int = 0, full: bool = True, need_k: bool = True
) -> ContactEvaluation3D:
    """Contact forces of RVE r at its current positions, cell, velocities and last
    cell increment ``dh`` (the step loop's force pass on the current pair list)."""
    n = int(state.p_off[r + 1] - state.p_off[r])
    F = np.zeros((n, 3))
    T = np.zeros((n, 3))
    sums = _evaluate_rve(*state.kernel_arrays(), r, full, need_k, F, T)
    return ContactEvaluation3D(force=F, torque=T, sums=ContactSums(*sums))
