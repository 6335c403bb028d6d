"""Strain-controlled and mixed (servo) loading of a batch of sphere RVEs.

The 3D twin of :mod:`mslearn.micro.dem.disk2d.loading` with the same
:class:`~mslearn.micro.dem.disk2d.loading.LoadOptions`: a Voigt strain
increment (6,) (engineering shear) and an optional rigid rotation vector
increment are applied as a linear ramp over ``n = ceil(max |increment| /
max_strain_per_step)`` steps, then optionally held until the unbalanced-force
ratio is below ``unbalanced_tol``. Stress-controlled components follow a
servo (``dE = gain (sigma* - sigma) / D_kk``, capped per step); mode 2 keeps
the mean stress (see :mod:`~mslearn.micro.dem.sphere3d.kernels`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mslearn.core.errors import MslearnInputError
from mslearn.micro.dem.disk2d.loading import LoadOptions
from mslearn.micro.dem.params import P_DT
from mslearn.micro.dem.sphere3d.engine import Diagnostics3D, make_control, run_batch
from mslearn.micro.dem.sphere3d.homogenise import Homogenised3D, homogenise
from mslearn.micro.dem.sphere3d.inertial import inertial_number
from mslearn.micro.dem.sphere3d.kernels import (
    MEAN_STRESS_CONTROL,
    STRAIN_CONTROL,
    STRESS_CONTROL,
)
from mslearn.micro.dem.sphere3d.state import SphereState

__all__ = ["MEAN_STRESS", "STRAIN", "STRESS", "LoadOptions", "LoadResult3D", "apply_strain",
           "load", "strain_to"]  # fmt: skip

STRAIN, STRESS, MEAN_STRESS = STRAIN_CONTROL, STRESS_CONTROL, MEAN_STRESS_CONTROL


@dataclass(frozen=True)
class LoadResult3D:
    """stress (n, 6) [Pa]; stiffness (n, 6, 6) [Pa] affine contact D; strain (n, 6)
    after the call; unbalanced (n,) ratio reached; converged (n,) (True when no
    relaxation was asked); steps_load, steps_relax (n,); kinetic_energy (n,) [J];
    homogenised: the full record; inertial (n,) inertial number of the loading
    ramp (max strain increment / (n_load dt) times d_mean sqrt(rho / p))."""

    stress: np.ndarray
    stiffness: np.ndarray
    strain: np.ndarray
    unbalanced: np.ndarray
    converged: np.ndarray
    steps_load: np.ndarray
    steps_relax: np.ndarray
    kinetic_energy: np.ndarray
    homogenised: Homogenised3D
    inertial: np.ndarray

    def extras(self) -> dict[str, np.ndarray]:
        """(n,) diagnostics by name for the material seam's ``extras``."""
        h = self.homogenised
        return {
            "unbalanced_ratio": self.unbalanced,
            "converged": self.converged.astype(float),
            "dem_steps": (self.steps_load + self.steps_relax).astype(float),
            "void_ratio": h.void_ratio,
            "coordination": h.coordination,
            "sliding_fraction": h.sliding_fraction,
            "kinetic_energy": self.kinetic_energy,
            "inertial_number": self.inertial,
        }


LoadResult = LoadResult3D


def _as_rows(a, n: int, m: int, name: str) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim == 1:
        if a.shape[0] != m:
            raise MslearnInputError(f"{name} shape {a.shape}: expected ({m},) or ({n}, {m})")
        a = np.broadcast_to(a, (n, m))
    if a.shape != (n, m):
        raise MslearnInputError(f"{name} shape {a.shape}: expected ({m},) or ({n}, {m})")
    if not np.all(np.isfinite(a)):
        raise MslearnInputError(f"{name} contains NaN or inf: expected finite numbers")
    return np.array(a)


def _modes(mode, n: int) -> np.ndarray:
    m = np.asarray(mode, dtype=float)
    if m.ndim == 1:
        m = np.broadcast_to(m, (n, m.shape[0]))
    if m.shape != (n, 6) or not np.all(np.isin(m, (0, 1, 2))) or np.any(m[:, 3:] == 2):
        raise MslearnInputError(
            f"mode {np.asarray(mode).tolist()}: expected 6 entries 0 "
            "(strain), 1 (stress), 2 (mean stress, normal components only)"
        )
    return m


def load(
    state: SphereState,
    d_strain,
    options: LoadOptions = LoadOptions(),
    mode=(STRAIN,) * 6,
    stress_target=(0.0,) * 6,
    d_rotation=None,
) -> LoadResult3D:
    """Apply ``d_strain`` ((6,) or (n, 6), Voigt [11 22 33 23 13 12], engineering
    shear) to the strain-controlled components (mode 0) of every RVE (in place);
    mode 1 components follow ``stress_target`` [Pa]; mode 2 (normal components)
    hold the mean stress at their ``stress_target``. d_rotation: rigid rotation
    vector increment(s) (3,) or (n, 3) [rad]."""
    n = state.n_rves
    de = _as_rows(d_strain, n, 6, "d_strain")
    mode = _modes(mode, n)
    sig = _as_rows(stress_target, n, 6, "stress_target")
    drot = np.zeros((n, 3)) if d_rotation is None else _as_rows(d_rotation, n, 3, "d_rotation")
    ctrl_strain = np.where(mode == STRAIN, de, 0.0)
    amount = np.maximum(np.abs(ctrl_strain).max(axis=1), np.abs(drot).max(axis=1))
    nload = np.maximum(np.ceil(amount / options.max_strain_per_step), options.min_steps)
    ctrl = make_control(
        n,
        mode=mode,
        strain_target=state.strain + ctrl_strain,
        stress_target=sig,
        rotation_target=state.rotation + drot,
        n_load=nload,
        n_relax=options.max_relax_steps if options.relax else 0,
        unbalanced_tol=options.unbalanced_tol,
        stress_tol=options.stress_tol,
        gain=options.servo_gain,
        max_strain_step=options.servo_max_strain_per_step,
        check_every=options.check_every,
        stress_ref=np.maximum(np.abs(sig).max(axis=1), 1.0),
    )
    diag = run_batch(state, ctrl)
    rate = np.abs(ctrl_strain).max(axis=1) / (nload * state.params[:, P_DT])
    return _result(state, diag, options.relax, rate)


def apply_strain(
    state: SphereState, d_strain, options: LoadOptions = LoadOptions(), d_rotation=None
) -> LoadResult3D:
    """Pure strain control: every component follows ``d_strain`` (6,) or (n, 6)."""
    return load(state, d_strain, options, d_rotation=d_rotation)


def strain_to(state: SphereState, strain, options: LoadOptions = LoadOptions()) -> LoadResult3D:
    """Bring every RVE to the total strain ``strain`` (6,) or (n, 6) (w.r.t. h_ref)."""
    target = _as_rows(strain, state.n_rves, 6, "strain")
    return load(state, target - state.strain, options)


def _mean_diameter(state: SphereState) -> np.ndarray:
    return np.array([2.0 * state.radius[state.p_off[r] : state.p_off[r + 1]].mean()
                     for r in range(state.n_rves)])  # fmt: skip


def _result(state: SphereState, diag: Diagnostics3D, relax: bool, rate) -> LoadResult3D:
    hom = homogenise(state)
    conv = diag.status == 0 if relax else np.ones(state.n_rves, bool)
    p = np.maximum(-hom.mean_stress, 1e-300)
    rho = state.mass / ((4.0 / 3.0) * np.pi * state.radius**3)
    rho_r = np.array([rho[state.p_off[r]] for r in range(state.n_rves)])
    return LoadResult3D(
        stress=hom.stress,
        stiffness=hom.stiffness,
        strain=state.strain.copy(),
        unbalanced=diag.unbalanced,
        converged=conv,
        steps_load=diag.n_load.astype(np.int64),
        steps_relax=diag.n_relax.astype(np.int64),
        kinetic_energy=diag.kinetic_energy,
        homogenised=hom,
        inertial=inertial_number(rate, _mean_diameter(state), rho_r, p),
    )
