"""The engine's own kernels on a state, one call at a time (verification and tests).

:func:`build_pair_list` rebuilds an RVE's Verlet list with the step loop's
rebuild, and :func:`evaluate_contacts` runs the engine's force pass
(:func:`~mslearn.micro.dem.disk2d.forces.contact_forces`, the same compiled
function the step loop calls) at the current geometry without moving
anything, so analytic checks of the contact law check the shipped kernel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from mslearn.micro.dem.disk2d.arrays import kernel_params, rve_view
from mslearn.micro.dem.disk2d.forces import ContactSums, contact_forces, new_work
from mslearn.micro.dem.disk2d.kernels import rebuild
from mslearn.micro.dem.disk2d.state import DEMState


@dataclass(frozen=True)
class ContactEvaluation:
    """One force evaluation of an RVE with n particles.

    force (n, 2) [N] and torque (n,) [N m] on every particle; sums: the
    :class:`~mslearn.micro.dem.disk2d.forces.ContactSums` of the call. The
    pair histories (``pair_fs``, ``pair_fn``, ``pair_flag``, ``pair_mr``) of
    the state are updated as by an engine step."""

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
    w = new_work(q.i.shape[0])
    return contact_forces(p, q, q.count[0], c, kernel_params(params[r]), w, F, T, full, need_k,
                          True)  # fmt: skip


def build_pair_list(state: DEMState, r: int = 0) -> int:
    """Rebuild the pair list of RVE r now (as the step loop does when it is stale);
    returns the number of pairs. Raises ValueError when the capacity is too small."""
    k = int(_rebuild_rve(*state.kernel_arrays(), r))
    if k < 0:
        raise ValueError(f"pair capacity of RVE {r} too small: {-k} pairs needed")
    return k


def evaluate_contacts(
    state: DEMState, r: int = 0, full: bool = True, need_k: bool = True
) -> ContactEvaluation:
    """Contact forces of RVE r at its current positions, cell, velocities and last
    cell increment ``dh`` (the step loop's force pass, on the current pair list).
    ``full``: energy, sum |f| and the overlap ratio; ``need_k``: the servo
    stiffness diagonal."""
    n = int(state.p_off[r + 1] - state.p_off[r])
    F = np.zeros((n, 2))
    T = np.zeros(n)
    sums = _evaluate_rve(*state.kernel_arrays(), r, full, need_k, F, T)
    return ContactEvaluation(force=F, torque=T, sums=ContactSums(*sums))
