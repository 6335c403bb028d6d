"""Strain-controlled and mixed (servo) loading of a batch of RVEs.

A macroscopic strain increment (Voigt, engineering shear) and an optional
rigid rotation are applied as a linear ramp of ``E`` over ``n`` DEM steps with
``n = ceil(max |increment| / max_strain_per_step)`` (default 1e-5 per step,
as Guo and Zhao), then, optionally, the strain is held while the packing
relaxes until the unbalanced-force ratio is below ``unbalanced_tol`` (or
``max_relax_steps`` is reached); the ratio reached is always reported, and so
is the inertial number of the ramp (micro/dem/inertial.py): the largest
strain-component change over the loading steps' time, times the mean diameter
and sqrt(density / p) at the end of the call.
Components marked as stress-controlled follow a stress target through a
servo on the cell (``dE = gain (sigma* - sigma) / D_kk`` per step with the
affine stiffness ``D_kk``, capped at ``servo_max_strain_per_step``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mslearn.core.errors import MslearnInputError
from mslearn.micro.dem.disk2d.engine import Diagnostics, make_control, run_batch
from mslearn.micro.dem.disk2d.homogenise import Homogenised, homogenise
from mslearn.micro.dem.disk2d.kernels import MEAN_STRESS_CONTROL, STRAIN_CONTROL, STRESS_CONTROL
from mslearn.micro.dem.disk2d.state import DEMState
from mslearn.micro.dem.inertial import inertial_number

STRAIN, STRESS, MEAN_STRESS = STRAIN_CONTROL, STRESS_CONTROL, MEAN_STRESS_CONTROL


@dataclass(frozen=True)
class LoadOptions:
    """How a strain increment is applied (see the module docstring).

    max_strain_per_step: largest strain-component change per DEM step [-];
    relax: hold the strain afterwards until quasi-static; unbalanced_tol:
    unbalanced-force ratio that counts as quasi-static [-]; max_relax_steps;
    stress_tol: relative tolerance of servo components [-]; servo_gain
    (fraction of the affine-stiffness correction per step) and
    servo_max_strain_per_step [-]; check_every: steps between convergence
    checks; min_steps: loading steps even for a zero increment."""

    max_strain_per_step: float = 1e-5
    relax: bool = True
    unbalanced_tol: float = 1e-4
    max_relax_steps: int = 20_000
    stress_tol: float = 1e-2
    servo_gain: float = 0.5
    servo_max_strain_per_step: float = 1e-5
    check_every: int = 20
    min_steps: int = 1

    def __post_init__(self) -> None:
        for name in ("max_strain_per_step", "unbalanced_tol", "servo_max_strain_per_step"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise MslearnInputError(f"LoadOptions.{name} = {v!r}: expected a positive number")
        if self.max_relax_steps < 0:
            raise MslearnInputError(
                f"LoadOptions.max_relax_steps = {self.max_relax_steps}: expected >= 0"
            )


@dataclass(frozen=True)
class LoadResult:
    """stress (n, 3) [Pa]; stiffness (n, 3, 3) [Pa] affine contact D;
    strain (n, 3) strain of the RVE after the call; unbalanced (n,) ratio
    reached; converged (n,) ratio below tolerance (True when no relaxation was
    asked); steps_load, steps_relax (n,); kinetic_energy (n,) [J];
    homogenised: the full Homogenised record."""

    stress: np.ndarray
    stiffness: np.ndarray
    strain: np.ndarray
    unbalanced: np.ndarray
    converged: np.ndarray
    steps_load: np.ndarray
    steps_relax: np.ndarray
    kinetic_energy: np.ndarray
    inertial_number: np.ndarray
    homogenised: Homogenised

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
            "inertial_number": self.inertial_number,
        }


def _as_rows(a, n: int, name: str) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    if a.ndim == 1:
        a = np.broadcast_to(a, (n, a.shape[0]))
    if a.shape != (n, 3):
        raise MslearnInputError(f"{name} shape {a.shape}: expected (3,) or ({n}, 3)")
    if not np.all(np.isfinite(a)):
        raise MslearnInputError(f"{name} contains NaN or inf")
    return np.array(a)


def load(
    state: DEMState,
    d_strain,
    options: LoadOptions = LoadOptions(),
    mode=(STRAIN, STRAIN, STRAIN),
    stress_target=(0.0, 0.0, 0.0),
    d_rotation=None,
) -> LoadResult:
    """Apply ``d_strain`` ((3,) or (n, 3), Voigt with engineering shear) to the
    strain-controlled components (mode 0) of every RVE of ``state`` (in
    place); components with mode 1 follow ``stress_target`` [Pa], mode 2 (11 or
    22 only) keeps the mean stress (s11 + s22) / 2 at ``stress_target``.
    d_rotation: rigid rotation increment(s) [rad]."""
    n = state.n_rves
    de = _as_rows(d_strain, n, "d_strain")
    mode = np.asarray(mode, dtype=float)
    if mode.ndim == 1:
        mode = np.broadcast_to(mode, (n, 3))
    if mode.shape != (n, 3) or not np.all(np.isin(mode, (0, 1, 2))) or np.any(mode[:, 2] == 2):
        raise MslearnInputError(f"mode {mode.tolist()}: expected entries 0 (strain), 1 (stress), "
                                "2 (mean stress, components 11/22 only)")  # fmt: skip
    sig = _as_rows(stress_target, n, "stress_target")
    drot = np.zeros(n) if d_rotation is None else np.broadcast_to(np.asarray(d_rotation, float), n)
    ctrl_strain = np.where(mode == STRAIN, de, 0.0)
    amount = np.maximum(np.abs(ctrl_strain).max(axis=1), np.abs(drot))
    nload = np.maximum(np.ceil(amount / options.max_strain_per_step), options.min_steps)
    etgt = state.strain + ctrl_strain
    ctrl = make_control(
        n,
        mode=mode,
        strain_target=etgt,
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
    strain0 = state.strain.copy()
    diag = run_batch(state, ctrl)
    return _result(state, diag, options.relax, strain0)


def apply_strain(
    state: DEMState, d_strain, options: LoadOptions = LoadOptions(), d_rotation=None
) -> LoadResult:
    """Pure strain control: every component follows ``d_strain`` (n, 3)."""
    return load(state, d_strain, options, d_rotation=d_rotation)


def strain_to(state: DEMState, strain, options: LoadOptions = LoadOptions()) -> LoadResult:
    """Bring every RVE to the total strain ``strain`` (n, 3) (w.r.t. the
    reference cell of the prepared packing)."""
    target = _as_rows(strain, state.n_rves, "strain")
    return load(state, target - state.strain, options)


def ramp_inertial_number(
    state: DEMState, strain0: np.ndarray, steps_load: np.ndarray, stress: np.ndarray
) -> np.ndarray:
    """(n,) inertial number of a loading ramp from ``strain0`` (n, 3) to the state's
    strain over ``steps_load`` (n,) DEM steps, at the mean stress of ``stress`` (n, 3)."""
    change = np.abs(state.strain - strain0).max(axis=1)
    rate = change / (np.maximum(steps_load, 1) * state.dt)
    p = -0.5 * (stress[:, 0] + stress[:, 1])
    return inertial_number(rate, state.mean_diameter, state.density, p)


def _result(state: DEMState, diag: Diagnostics, relax: bool, strain0: np.ndarray) -> LoadResult:
    hom = homogenise(state)
    conv = diag.status == 0 if relax else np.ones(state.n_rves, bool)
    return LoadResult(
        stress=hom.stress,
        stiffness=hom.stiffness,
        strain=state.strain.copy(),
        unbalanced=diag.unbalanced,
        converged=conv,
        steps_load=diag.n_load.astype(np.int64),
        steps_relax=diag.n_relax.astype(np.int64),
        kinetic_energy=diag.kinetic_energy,
        inertial_number=ramp_inertial_number(state, strain0, diag.n_load, hom.stress),
        homogenised=hom,
    )
