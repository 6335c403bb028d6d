"""Packing preparation: random disks in a square periodic cell, isotropic
compaction to p0 by a stress servo on the cell with reduced friction, then the
real friction restored and the packing re-equilibrated (seed 000: 500 disks,
diameters 0.006-0.014 m; seed 003: 1000 disks of 6-12 mm; both at 100 kPa).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mslearn.core.errors import MslearnInputError
from mslearn.micro.dem.disk2d.engine import make_control, run_batch
from mslearn.micro.dem.disk2d.homogenise import Homogenised, homogenise
from mslearn.micro.dem.disk2d.state import DEMState
from mslearn.micro.dem.params import ContactParams


@dataclass(frozen=True)
class PackingOptions:
    """n_particles disks, radii uniform in [r_min, r_max] [m] (seed 000:
    0.003-0.007); consolidated to mean stress p0 [Pa] (compression, given as a
    positive number). compaction_friction is used during compaction
    (lower: denser); then ``params.friction`` is restored.
    The quasi-static criterion is unbalanced ratio < unbalanced_tol and every
    stress component within stress_tol * p0 of its target. dt_safety: time step
    as a fraction of the critical estimate (0.8: the engine is stable to 0.95;
    a larger step shears at a smaller inertial number for the same strain per
    step, see micro/dem/inertial.py)."""

    n_particles: int = 500
    r_min: float = 0.003
    r_max: float = 0.007
    p0: float = 1.0e5
    seed: int = 0
    initial_fraction: float = 0.4
    compaction_friction: float = 0.0
    unbalanced_tol: float = 1e-4
    stress_tol: float = 5e-3
    max_strain_per_step: float = 2e-5
    servo_gain: float = 0.5
    max_steps: int = 400_000
    dt_safety: float = 0.8
    skin_ratio: float = 0.3

    def __post_init__(self) -> None:
        if self.n_particles < 2:
            raise MslearnInputError(f"n_particles = {self.n_particles}: expected >= 2")
        if not (self.r_min > 0 and self.r_max >= self.r_min):
            raise MslearnInputError(
                f"radius range r_min = {self.r_min}, r_max = {self.r_max}: "
                "expected 0 < r_min <= r_max"
            )
        if not self.p0 > 0:
            raise MslearnInputError(f"p0 = {self.p0}: expected a positive pressure [Pa]")
        if not 0.05 <= self.initial_fraction <= 0.5:
            raise MslearnInputError(
                f"initial_fraction = {self.initial_fraction}: expected 0.05 <= value <= 0.5"
            )
        if self.compaction_friction < 0:
            raise MslearnInputError(
                f"compaction_friction = {self.compaction_friction}: expected >= 0"
            )


@dataclass(frozen=True)
class PreparationResult:
    """A prepared packing: the one-RVE state at p0 with zero strain, its
    homogenised quantities, the DEM steps taken, the unbalanced-force ratio
    reached and whether the quasi-static criterion was met."""

    state: DEMState
    homogenised: Homogenised
    steps: int
    unbalanced: float
    converged: bool


def random_disks(n: int, r_min: float, r_max: float, fraction: float, seed: int):
    """Random sequential addition of n disks (radii uniform in [r_min, r_max])
    in a square periodic cell of side L chosen for the area fraction.
    Returns (x (n, 2), radius (n,), L)."""
    rng = np.random.default_rng(seed)
    rad = rng.uniform(r_min, r_max, n)
    L = math.sqrt(np.sum(math.pi * rad**2) / fraction)
    order = np.argsort(-rad)
    x = np.zeros((n, 2))
    placed = np.zeros(n, bool)
    for k, i in enumerate(order):
        for _ in range(100_000):
            p = rng.uniform(0.0, L, 2)
            if k == 0:
                break
            idx = order[:k]
            d = x[idx] - p
            d -= L * np.round(d / L)
            if np.all(np.einsum("ij,ij->i", d, d) > (rad[idx] + rad[i]) ** 2):
                break
        else:  # pragma: no cover - only for absurd fractions
            raise MslearnInputError(f"could not place disk {k} at area fraction {fraction}")
        x[i] = p
        placed[i] = True
    return x, rad, L


def prepare_packing(options: PackingOptions, params: ContactParams) -> PreparationResult:
    """Build, compact (servo on all three stress components: s11 = s22 = -p0,
    s12 = 0) with ``compaction_friction``, restore ``params.friction`` and
    re-equilibrate. Returns the one-RVE state and its homogenised quantities."""
    o = options
    x, rad, L = random_disks(o.n_particles, o.r_min, o.r_max, o.initial_fraction, o.seed)
    comp = params.replace(friction=min(o.compaction_friction, params.friction))
    st = DEMState.from_particles(
        x, rad, np.eye(2) * L, params, dt_safety=o.dt_safety, skin_ratio=o.skin_ratio
    )
    st.set_params(comp)
    tgt = np.array([-o.p0, -o.p0, 0.0])
    steps = 0
    for phase_params in (comp, params):
        st.set_params(phase_params)
        ctrl = make_control(
            1,
            mode=[1, 1, 1],
            strain_target=st.strain,
            stress_target=tgt,
            n_load=0,
            n_relax=o.max_steps,
            unbalanced_tol=o.unbalanced_tol,
            stress_tol=o.stress_tol,
            gain=o.servo_gain,
            max_strain_step=o.max_strain_per_step,
            stress_ref=o.p0,
        )
        d = run_batch(st, ctrl)
        steps += int(d.n_relax[0])
    # the servo strain history of the preparation is not loading history:
    # reset the reference cell so the prepared packing has zero strain
    st.h_ref[:] = st.h
    st.strain[:] = 0.0
    st.rotation[:] = 0.0
    hom = homogenise(st)
    return PreparationResult(
        state=st,
        homogenised=hom,
        steps=steps,
        unbalanced=float(d.unbalanced[0]),
        converged=bool(d.status[0] == 0),
    )
