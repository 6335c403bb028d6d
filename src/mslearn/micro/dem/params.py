"""Contact-law parameters and their packing into the float array the kernels read.

Normalisation (stated once, used everywhere): disks are cylinders of thickness
``thickness`` [m]. Masses are ``density * pi r^2 * thickness``; contact forces
are forces on that cylinder [N]; stress is force per area of the cell section
times thickness, ``sigma = -(1 / (A t)) sum f (x) d`` [Pa]; the stiffness D is
in Pa likewise. This is YADE's FEMxDEM convention (seed 000 Table 2: 0.1 m
thick cylinders), so stresses do not depend on thickness once kn is given.

Linear law (YADE FrictMat / Cundall-Strack): ``kn = 2 E r1 r2 / (r1 + r2)``
[N/m] (YADE ``2 E1 R1 E2 R2 / (E1 R1 + E2 R2)`` with one material),
``kt = stiffness_ratio * kn`` (YADE's "poisson", seed 000 Table 2 value 0.8).

Hertz-Mindlin (seed 000 Eq. 9): ``kn = G / (1 - nu) sqrt(2 r* un)`` (secant,
``fn = kn un``), tangent ``kt = 2 G / (2 - nu) sqrt(2 r* un)`` applied to
tangential displacement increments, ``r* = 2 r1 r2 / (r1 + r2)`` as written in
the paper. These are 3D sphere formulas applied to the in-plane disks as the
paper does; the thickness does not enter.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from mslearn.core.errors import MslearnInputError

# Indices into the per-RVE parameter row read by the numba kernels.
P_LAW = 0  # 0 linear, 1 hertz
P_KN = 1  # linear: 2E ; hertz: G / (1 - nu)
P_KT = 2  # linear: kt / kn ; hertz: 2G / (2 - nu)
P_MU = 3  # Coulomb friction coefficient
P_LOCAL = 4  # Cundall local damping ratio
P_VISC_N = 5  # normal viscous damping ratio (fraction of critical)
P_VISC_T = 6  # tangential viscous damping ratio
P_DT = 7  # time step [s]
P_SKIN = 8  # Verlet skin [m]
P_THICK = 9  # thickness [m]
P_MAXOV = 10  # max overlap / min radius before the run is stopped
P_VMAX = 11  # runaway: max fluctuation speed * dt / r_min
P_KR = 12  # rolling stiffness factor beta_r (kr = beta_r kt R^2), 0: no rolling resistance
P_ETA = 13  # rolling friction eta_r (|M| <= eta_r R fn)
N_PARAMS = 14

LAW_LINEAR = 0
LAW_HERTZ = 1


@dataclass(frozen=True)
class ContactParams:
    """Material and contact parameters of one RVE (SI units).

    law: "linear" uses ``young`` [Pa] and ``stiffness_ratio`` (kt/kn);
    "hertz" uses ``shear_modulus`` [Pa] and ``poisson`` (seed 000 Eq. 9).
    friction: Coulomb coefficient mu (seed 000 Table 2 lists 0.5).
    local_damping: Cundall non-viscous damping ratio (0.1 in seed 000).
    viscous_damping / viscous_damping_t: contact dashpots as fractions of the
    critical damping ``2 sqrt(m* k)``; restitution ``exp(-b pi / sqrt(1 - b^2))``.
    rolling_stiffness, rolling_friction: optional rolling resistance (see the
    module docstring); 0 switches it off.
    """

    law: Literal["linear", "hertz"] = "linear"
    young: float = 6.0e8
    stiffness_ratio: float = 0.8
    shear_modulus: float = 2.3e8
    poisson: float = 0.3
    friction: float = 0.5
    density: float = 2650.0
    thickness: float = 0.1
    local_damping: float = 0.1
    viscous_damping: float = 0.0
    viscous_damping_t: float = 0.0
    max_overlap_ratio: float = 0.5
    runaway_ratio: float = 0.5
    rolling_stiffness: float = 0.0
    rolling_friction: float = 0.0

    def __post_init__(self) -> None:
        def pos(name: str) -> None:
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise MslearnInputError(
                    f"contact parameter {name} = {v!r}: expected a positive number"
                )

        def in_range(name: str, lo: float, hi: float) -> None:
            v = getattr(self, name)
            if not (math.isfinite(v) and lo <= v < hi):
                raise MslearnInputError(
                    f"contact parameter {name} = {v!r}: expected {lo} <= value < {hi}"
                )

        if self.law not in ("linear", "hertz"):
            raise MslearnInputError(
                f"contact parameter law = {self.law!r}: expected 'linear' or 'hertz'"
            )
        if self.law == "linear":
            pos("young")
            pos("stiffness_ratio")
        else:
            pos("shear_modulus")
            in_range("poisson", -1.0, 0.5)
        pos("density")
        pos("thickness")
        pos("max_overlap_ratio")
        pos("runaway_ratio")
        if not (math.isfinite(self.friction) and self.friction >= 0):
            raise MslearnInputError(
                f"contact parameter friction = {self.friction!r}: expected a number >= 0"
            )
        for name in ("rolling_stiffness", "rolling_friction"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise MslearnInputError(f"contact parameter {name} = {v!r}: expected a number >= 0")
        in_range("local_damping", 0.0, 1.0)
        in_range("viscous_damping", 0.0, 1.0)
        in_range("viscous_damping_t", 0.0, 1.0)

    @property
    def law_id(self) -> int:
        """Integer id of the contact law for the kernels (linear or Hertz)."""
        return LAW_LINEAR if self.law == "linear" else LAW_HERTZ

    def replace(self, **kw: object) -> ContactParams:
        """A copy with the given fields changed."""
        d = dict(self.__dict__)
        d.update(kw)
        return ContactParams(**d)  # type: ignore[arg-type]

    def row(self, dt: float, skin: float) -> np.ndarray:
        """The (N_PARAMS,) float64 row the kernels read."""
        r = np.zeros(N_PARAMS)
        r[P_LAW] = self.law_id
        if self.law == "linear":
            r[P_KN] = 2.0 * self.young
            r[P_KT] = self.stiffness_ratio
        else:
            r[P_KN] = self.shear_modulus / (1.0 - self.poisson)
            r[P_KT] = 2.0 * self.shear_modulus / (2.0 - self.poisson)
        r[P_MU] = self.friction
        r[P_LOCAL] = self.local_damping
        r[P_VISC_N] = self.viscous_damping
        r[P_VISC_T] = self.viscous_damping_t
        r[P_DT] = dt
        r[P_SKIN] = skin
        r[P_THICK] = self.thickness
        r[P_MAXOV] = self.max_overlap_ratio
        r[P_VMAX] = self.runaway_ratio
        r[P_KR] = self.rolling_stiffness
        r[P_ETA] = self.rolling_friction
        return r


def pair_stiffness(params: ContactParams, r1: float, r2: float, overlap: float = 0.0) -> tuple:
    """(kn, kt) [N/m] of a contact; for Hertz the *tangent* normal stiffness at ``overlap``."""
    if params.law == "linear":
        kn = 2.0 * params.young * r1 * r2 / (r1 + r2)
        return kn, params.stiffness_ratio * kn
    rstar = 2.0 * r1 * r2 / (r1 + r2)
    sq = math.sqrt(2.0 * rstar * max(overlap, 0.0))
    kn_sec = params.shear_modulus / (1.0 - params.poisson) * sq
    return 1.5 * kn_sec, 2.0 * params.shear_modulus / (2.0 - params.poisson) * sq


def critical_time_step(
    params: ContactParams, rmin: float, rmax: float, overlap_ratio: float = 0.02
) -> float:
    """Critical time step estimate ``sqrt(m_min / k_max)`` [s].

    ``m_min`` is the mass of the smallest disk, ``k_max`` the largest of kn and
    the rotational stiffness ``2 kt`` (a disk's rotational mode ``I = m r^2/2``)
    for a contact between the largest disks; for Hertz the tangent stiffness is
    taken at an overlap of ``overlap_ratio * rmax`` (the law has no stiffness
    at zero overlap, so a reference overlap must be chosen).
    """
    if not (rmin > 0 and rmax >= rmin):
        raise MslearnInputError(f"radius range ({rmin}, {rmax}): expected 0 < rmin <= rmax")
    m = params.density * math.pi * rmin**2 * params.thickness
    kn, kt = pair_stiffness(params, rmax, rmax, overlap_ratio * rmax)
    return math.sqrt(m / max(kn, 2.0 * kt))


# ---------------------------------------------------------------- 3D spheres
def sphere_mass(params: ContactParams, radius):
    """Mass ``4/3 pi rho r^3`` [kg] of spheres of radius [m] (the 3D engine)."""
    return params.density * (4.0 / 3.0) * math.pi * np.asarray(radius, dtype=float) ** 3


def sphere_inertia(mass, radius):
    """Moment of inertia ``2/5 m r^2`` [kg m^2] of solid spheres."""
    return 0.4 * np.asarray(mass, dtype=float) * np.asarray(radius, dtype=float) ** 2


def pair_stiffness3d(params: ContactParams, r1: float, r2: float, overlap: float = 0.0) -> tuple:
    """(kn, kt) [N/m] of a sphere contact; for Hertz the *tangent* normal stiffness.

    Linear: as :func:`pair_stiffness`. Hertz-Mindlin for two spheres of one
    material (Johnson 1985): ``fn = 4/3 E* sqrt(R un) un`` with
    ``E* = G / (1 - nu)``, ``R = r1 r2 / (r1 + r2)``, so the tangent is
    ``2 G / (1 - nu) sqrt(R un)``; Mindlin ``kt = 8 G* sqrt(R un)`` with
    ``G* = G / (2 (2 - nu))``, i.e. ``4 G / (2 - nu) sqrt(R un)``."""
    if params.law == "linear":
        return pair_stiffness(params, r1, r2)
    rr = r1 * r2 / (r1 + r2)
    sq = math.sqrt(rr * max(overlap, 0.0))
    g, nu = params.shear_modulus, params.poisson
    return 2.0 * g / (1.0 - nu) * sq, 4.0 * g / (2.0 - nu) * sq


def critical_time_step3d(
    params: ContactParams, rmin: float, rmax: float, overlap_ratio: float = 0.02
) -> float:
    """Critical time step estimate ``sqrt(m_min / k_max)`` [s] of the sphere engine.

    ``m_min`` is the mass of the smallest sphere, ``k_max`` the largest of kn
    and the rotational stiffness ``2.5 kt`` (``kt r^2 / I`` with
    ``I = 2/5 m r^2``) of a contact between the largest spheres (Hertz: at an
    overlap of ``overlap_ratio * rmax``)."""
    if not (rmin > 0 and rmax >= rmin):
        raise MslearnInputError(f"radius range ({rmin}, {rmax}): expected 0 < rmin <= rmax")
    m = params.density * (4.0 / 3.0) * math.pi * rmin**3
    kn, kt = pair_stiffness3d(params, rmax, rmax, overlap_ratio * rmax)
    return math.sqrt(m / max(kn, 2.5 * kt))
