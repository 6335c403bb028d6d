"""Mixed strain/stress control of a batch of material points (element-test driver).

Each step prescribes, per Voigt component, either the strain or the stress;
the unknown strains are found by Newton iterations on the material's D:

    d eps_u = -D_uu^-1 (sigma_u - sigma_u_target)

A secant D converges linearly, a consistent tangent quadratically.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mslearn.core.errors import SolverFailure
from mslearn.materials.base import MaterialModel


@dataclass
class DriverResult:
    """strain, stress: (n_steps + 1, n_points, nv) histories, step 0 is the start."""

    strain: np.ndarray
    stress: np.ndarray
    iterations: np.ndarray  # (n_steps,)


def drive_mixed(
    material: MaterialModel,
    strain_targets: np.ndarray,
    stress_targets: np.ndarray,
    stress_controlled: np.ndarray,
    tol: float = 1e-10,
    max_iterations: int = 50,
) -> DriverResult:
    """Drive ``material`` through steps of mixed control.

    strain_targets, stress_targets: (n_steps, nv) or (n_steps, n_points, nv)
    total strain / stress at the end of each step (only the controlled entries
    are used); stress_controlled: (nv,) bool, True where stress is prescribed.
    ``tol`` is relative to the largest stress magnitude of the step.
    """
    n, nv = material.n_points, material.n_voigt
    mask = np.asarray(stress_controlled, bool)
    s_idx, e_idx = np.flatnonzero(mask), np.flatnonzero(~mask)
    et = np.broadcast_to(
        np.asarray(strain_targets, float)[:, None, :]
        if np.ndim(strain_targets) == 2
        else strain_targets,
        (len(strain_targets), n, nv),
    )
    st = np.broadcast_to(
        np.asarray(stress_targets, float)[:, None, :]
        if np.ndim(stress_targets) == 2
        else stress_targets,
        (len(stress_targets), n, nv),
    )
    eps = np.zeros((n, nv))
    r0 = material.trial(eps)
    strains, stresses, its = [eps.copy()], [r0.stress.copy()], []
    stiff = r0.stiffness
    for k in range(len(et)):
        eps = eps.copy()
        eps[:, e_idx] = et[k][:, e_idx]
        # elastic predictor for the stress-controlled components
        if s_idx.size:
            d_sig = st[k][:, s_idx] - stresses[-1][:, s_idx]
            d_sig -= np.einsum(
                "nij,nj->ni", stiff[:, s_idx][:, :, e_idx], eps[:, e_idx] - strains[-1][:, e_idx]
            )
            eps[:, s_idx] += np.linalg.solve(stiff[:, s_idx][:, :, s_idx], d_sig[..., None])[..., 0]
        for it in range(max_iterations):  # noqa: B007 (it is reported below)
            r = material.trial(eps)
            if not s_idx.size:
                break
            res = r.stress[:, s_idx] - st[k][:, s_idx]
            scale = max(np.abs(r.stress).max(), 1e-300)
            if np.abs(res).max() <= tol * scale:
                break
            d = r.stiffness[:, s_idx][:, :, s_idx]
            eps[:, s_idx] -= np.linalg.solve(d, res[..., None])[..., 0]
            if not np.isfinite(eps).all():
                bad = int(np.flatnonzero(~np.isfinite(eps).all(axis=1))[0])
                raise SolverFailure(
                    f"mixed-control driver diverged at step {k + 1}, iteration {it + 1}: "
                    f"point {bad} has a non-finite strain (steps too large for the material?)"
                )
        else:
            raise SolverFailure(f"mixed-control driver did not converge at step {k + 1}")
        material.commit()
        stiff = r.stiffness
        strains.append(eps.copy())
        stresses.append(r.stress.copy())
        its.append(it)
    return DriverResult(np.array(strains), np.array(stresses), np.array(its))
