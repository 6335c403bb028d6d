"""Sphere packing preparation: random spheres in a cubic periodic cell, isotropic
servo compaction to p0 with reduced friction, then the real friction restored
and the packing re-equilibrated (seed 003 Sec. 4.4: 900 spheres of 5-9 mm at
100 kPa).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mslearn.core.errors import MslearnInputError
from mslearn.micro.dem.params import ContactParams
from mslearn.micro.dem.sphere3d.engine import make_control, run_batch
from mslearn.micro.dem.sphere3d.homogenise import Homogenised3D, homogenise
from mslearn.micro.dem.sphere3d.state import SphereState


@dataclass(frozen=True)
class PackingOptions3D:
    """n_particles spheres, radii uniform in [r_min, r_max] [m] (seed 003
    Table 9: diameters 5-9 mm); consolidated to mean stress p0 [Pa] (a positive
    number, compression). compaction_friction is used during compaction; then
    ``params.friction`` is restored. Quasi-static: unbalanced ratio <
    unbalanced_tol and every stress component within stress_tol * p0.
    max_steps bounds each of the two phases; dt = dt_safety times the critical
    estimate ``params.critical_time_step3d`` (at most 0.4 with tangential
    dashpots); Verlet skin skin_ratio * mean r."""

    n_particles: int = 900
    r_min: float = 0.0025
    r_max: float = 0.0045
    p0: float = 1.0e5
    seed: int = 0
    initial_fraction: float = 0.3
    compaction_friction: float = 0.0
    unbalanced_tol: float = 1e-3
    stress_tol: float = 1e-2
    max_strain_per_step: float = 5e-5
    servo_gain: float = 0.5
    max_steps: int = 200_000
    dt_safety: float = 0.8
    skin_ratio: float = 0.3

    def __post_init__(self) -> None:
        if not (isinstance(self.n_particles, int) and self.n_particles >= 2):
            raise MslearnInputError(f"n_particles = {self.n_particles!r}: expected an int >= 2")
        if not (self.r_min > 0 and self.r_max >= self.r_min and self.r_max <= 10.0):
            raise MslearnInputError(
                f"radius range r_min = {self.r_min}, r_max = {self.r_max}: "
                "expected 0 < r_min <= r_max <= 10 m"
            )
        if not (math.isfinite(self.p0) and self.p0 > 0):
            raise MslearnInputError(f"p0 = {self.p0}: expected a positive pressure [Pa]")
        if not 0.01 <= self.initial_fraction <= 0.35:
            raise MslearnInputError(
                f"initial_fraction = {self.initial_fraction}: expected 0.01 <= value <= 0.35"
            )
        if not self.compaction_friction >= 0:
            raise MslearnInputError(
                f"compaction_friction = {self.compaction_friction}: expected >= 0"
            )
        if not 0 < self.dt_safety <= 1:
            raise MslearnInputError(f"dt_safety = {self.dt_safety}: expected 0 < value <= 1")
        if self.max_steps < 1:
            raise MslearnInputError(f"max_steps = {self.max_steps}: expected >= 1")


@dataclass(frozen=True)
class PreparationResult3D:
    """A prepared packing: the one-RVE state at p0 with zero strain, its homogenised
    quantities, the DEM steps taken, the unbalanced ratio reached and whether the
    quasi-static criterion was met."""

    state: SphereState
    homogenised: Homogenised3D
    steps: int
    unbalanced: float
    converged: bool


PreparationResult = PreparationResult3D


def random_spheres(n: int, r_min: float, r_max: float, fraction: float, seed: int):
    """Random sequential addition of n spheres (radii uniform in [r_min, r_max],
    largest first) in a cubic periodic cell of side L set by the volume fraction.
    Returns (x (n, 3), radius (n,), L)."""
    rng = np.random.default_rng(seed)
    rad = rng.uniform(r_min, r_max, n)
    L = (np.sum(4.0 / 3.0 * math.pi * rad**3) / fraction) ** (1.0 / 3.0)
    order = np.argsort(-rad)
    x = np.zeros((n, 3))
    for k, i in enumerate(order):
        for _ in range(100_000):
            p = rng.uniform(0.0, L, 3)
            idx = order[:k]
            d = x[idx] - p
            d -= L * np.round(d / L)
            if np.all(np.einsum("ij,ij->i", d, d) > (rad[idx] + rad[i]) ** 2):
                break
        else:  # pragma: no cover - only for absurd fractions
            raise MslearnInputError(f"could not place sphere {k} at volume fraction {fraction}")
        x[i] = p
    return x, rad, L


def prepare_packing3d(options: PackingOptions3D, params: ContactParams) -> PreparationResult3D:
    """Build, compact (servo on all six stress components: s11 = s22 = s33 = -p0,
    shear 0) with ``compaction_friction`` and no contact dashpots, restore the
    friction and re-equilibrate under the servo; contact dashpots, if any, are
    switched on last and the packing relaxed at the reached cell (with them the
    servo oscillated: their rate-dependent stress feeds back through it). Raises
    MslearnInputError when p0 is not reached within ``max_steps`` (naming p0
    and the mean stress reached)."""
    o = options
    x, rad, L = random_spheres(o.n_particles, o.r_min, o.r_max, o.initial_fraction, o.seed)
    # compaction without contact dashpots: their rate-dependent stress fed back
    # through the stress servo made it oscillate (p overshot, unbalanced ratio 0.8)
    comp = params.replace(friction=min(o.compaction_friction, params.friction),
                          viscous_damping=0.0, viscous_damping_t=0.0)  # fmt: skip
    # tangential dashpots on the spheres' rotation (contact-point mass m/7) were
    # unstable with the explicit update above 0.4 of the critical estimate
    safety = min(o.dt_safety, 0.4) if params.viscous_damping_t > 0 else o.dt_safety
    st = SphereState.from_particles(
        x, rad, np.eye(3) * L, comp, dt_safety=safety, skin_ratio=o.skin_ratio
    )
    tgt = np.array([-o.p0, -o.p0, -o.p0, 0.0, 0.0, 0.0])
    steps = 0
    nodash = params.replace(viscous_damping=0.0, viscous_damping_t=0.0)
    for phase_params in (comp, nodash):
        st.set_params(phase_params)
        ctrl = make_control(
            1, mode=[1] * 6, strain_target=st.strain, stress_target=tgt, n_load=0,
            n_relax=o.max_steps, unbalanced_tol=o.unbalanced_tol, stress_tol=o.stress_tol,
            gain=o.servo_gain, max_strain_step=o.max_strain_per_step, stress_ref=o.p0,
        )  # fmt: skip
        d = run_batch(st, ctrl)
        steps += int(d.n_relax[0])
    p_reached = -float(np.mean(d.stress[0, :3]))
    if abs(p_reached - o.p0) > 5 * o.stress_tol * o.p0:
        raise MslearnInputError(
            f"p0 = {o.p0:.6g} Pa not reached within max_steps = {o.max_steps}: mean stress "
            f"{p_reached:.6g} Pa (unbalanced ratio {d.unbalanced[0]:.3g})"
        )
    if nodash != params:  # dashpots: switched on at the reached cell, relaxed there
        st.set_params(params)
        ctrl = make_control(1, strain_target=st.strain, n_relax=o.max_steps,
                            unbalanced_tol=o.unbalanced_tol)  # fmt: skip
        d = run_batch(st, ctrl)
        steps += int(d.n_relax[0])
    # the servo strain history of the preparation is not loading history
    st.h_ref[:] = st.h
    st.strain[:] = 0.0
    st.rotation[:] = 0.0
    hom = homogenise(st)
    return PreparationResult3D(
        state=st, homogenised=hom, steps=steps, unbalanced=float(d.unbalanced[0]),
        converged=bool(d.status[0] == 0),
    )  # fmt: skip
