"""`[material] type = "dem"`: DEM RVEs at the Gauss points (registered material config).

Defaults follow seed 000 Table 2 / YADE FEMxDEM prepareRVE.py (linear
Cundall-Strack law, E = 600 MPa, kt/kn = 0.8, mu = 0.5, density 2650 kg/m3,
local damping 0.1, 0.1 m thick disks) with diameters 6-14 mm; the number of
disks defaults to 500 as in the papers (use fewer for quick runs). The
consolidation pressure defaults to the problem's initial pressure p0.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from mslearn.core.limits import MAX_PACKINGS, MAX_PARTICLES, MAX_RADIUS, Seed
from mslearn.core.units import LengthValue, PressureValue
from mslearn.materials.config import MaterialConfig, register_material
from mslearn.micro.dem.disk2d.loading import LoadOptions
from mslearn.micro.dem.inertial import rve_strain_cap
from mslearn.micro.dem.params import ContactParams
from mslearn.micro.dem.prepare import PackingOptions

#: DEM steps a relaxation may take (the default is 20 000)
MAX_RELAX_STEPS = 10_000_000


@register_material
class DEMMaterialConfig(MaterialConfig):
    """``[material] type = "dem"``: one DEM RVE per Gauss point, disks in 2D and spheres in
    3D (seed 000 Table 2 defaults; for seed 003 Table 9 spheres set r_min = 0.0025,
    r_max = 0.0045 and n_particles = 900)."""

    type_name = "dem"
    type: str = "dem"
    n_particles: int = Field(500, ge=10, le=MAX_PARTICLES, description="disks per RVE")
    r_min: LengthValue = Field(0.003, gt=0, le=MAX_RADIUS, description="smallest radius [m]")
    r_max: LengthValue = Field(0.007, gt=0, le=MAX_RADIUS, description="largest radius [m]")
    packings: int = Field(
        1, ge=1, le=MAX_PACKINGS, description="independent packings, cycled over points"
    )
    seed: Seed = 0
    consolidation_pressure: PressureValue | None = Field(
        None, gt=0, description="p0 of the RVEs [Pa]; default: the problem's p0"
    )
    compaction_friction: float = Field(0.0, ge=0, description="friction while compacting")
    law: Literal["linear", "hertz"] = "linear"
    young: PressureValue = Field(6.0e8, gt=0, description="particle Young's modulus [Pa]")
    stiffness_ratio: float = Field(0.8, gt=0, description="kt / kn (YADE 'poisson')")
    shear_modulus: PressureValue = Field(2.3e8, gt=0, description="Hertz: G [Pa]")
    poisson: float = Field(0.3, gt=-1, lt=0.5, description="Hertz: Poisson's ratio")
    friction: float = Field(0.5, ge=0, description="Coulomb coefficient")
    density: float = Field(2650.0, gt=0, description="[kg/m3]")
    thickness: LengthValue = Field(0.1, gt=0, description="disk thickness [m]")
    local_damping: float = Field(0.1, ge=0, lt=1)
    max_strain_per_step: float = Field(1e-5, gt=0, description="strain per DEM step")
    max_inertial_number: float = Field(
        1e-3,
        gt=0,
        le=1,
        description="the strain per DEM step is capped so the shear at p0 "
        "has at most this inertial number (quasi-static below 1e-3)",
    )
    relax: bool = Field(True, description="false: loading steps only, no relaxation")
    relaxation: Literal["equilibrium", "fixed"] = Field(
        "equilibrium",
        description="after each strain increment: relax to unbalanced_tol (seed 003's "
        "equilibrium criterion) or run a fixed number of DEM steps (dem_steps)",
    )
    dem_steps: int = Field(
        1,
        ge=1,
        le=MAX_RELAX_STEPS,
        description="DEM steps per material call at least; relaxation = 'fixed': exactly this "
        "many unless the increment needs more at max_strain_per_step",
    )
    unbalanced_tol: float = Field(1e-4, gt=0)
    max_relax_steps: int = Field(20_000, ge=0, le=MAX_RELAX_STEPS)
    tangent: Literal["contact", "perturbation"] = "contact"

    @model_validator(mode="after")
    def _radii(self) -> DEMMaterialConfig:
        if self.r_max < self.r_min:
            raise ValueError(
                f"material.r_max: got {self.r_max}, below r_min = {self.r_min}; expected "
                "r_min <= r_max"
            )
        return self

    def contact_params(self) -> ContactParams:
        """The contact-law parameters of this table."""
        return ContactParams(
            law=self.law,
            young=self.young,
            stiffness_ratio=self.stiffness_ratio,
            shear_modulus=self.shear_modulus,
            poisson=self.poisson,
            friction=self.friction,
            density=self.density,
            thickness=self.thickness,
            local_damping=self.local_damping,
        )

    def build(self, n_points, dim=2, initial_pressure=0.0):
        """``n_points`` RVEs consolidated to the problem's p0 (see :meth:`build_shard`)."""
        return self.build_shard(0, n_points, dim, initial_pressure)

    def build_shard(self, start, stop, dim=2, initial_pressure=0.0):
        """The RVEs of points [start, stop): prepared packings (cached) cloned per point,
        so a shard holds the same RVEs as the serial batch; disks in 2D (plane strain),
        spheres in 3D; refuses a consolidation pressure that disagrees with the problem's p0."""
        from mslearn.core.errors import MslearnInputError
        from mslearn.micro.dem.material import DEMMaterial, prepared_packings
        from mslearn.micro.dem.sphere3d.prepare import PackingOptions3D

        if dim not in (2, 3):
            raise MslearnInputError(f"material.type 'dem': dim {dim}; expected 2 or 3")
        p0 = self.consolidation_pressure or initial_pressure
        if initial_pressure > 0 and abs(p0 - initial_pressure) > 0.01 * initial_pressure:
            raise MslearnInputError(
                f"material.consolidation_pressure = {p0:g} Pa disagrees with the problem's "
                f"initial pressure {initial_pressure:g} Pa: the RVEs would not start in "
                "equilibrium with the boundary loads"
            )
        if not p0 > 0:
            raise MslearnInputError(
                "material.consolidation_pressure: the problem has no initial pressure; "
                "give a positive consolidation_pressure"
            )
        options_cls = PackingOptions if dim == 2 else PackingOptions3D
        packing = options_cls(
            n_particles=self.n_particles,
            r_min=self.r_min,
            r_max=self.r_max,
            p0=p0,
            seed=self.seed,
            compaction_friction=self.compaction_friction,
        )
        templates = prepared_packings(packing, self.contact_params(), self.packings)
        eps = min(
            self.max_strain_per_step,
            rve_strain_cap(templates[0], self.max_inertial_number, p0, dim),
        )
        return DEMMaterial(
            templates,
            stop - start,
            self.load_options(eps),
            tangent=self.tangent,
            point_offset=start,
        )

    def load_options(self, max_strain_per_step: float) -> LoadOptions:
        """How each material call loads the RVEs: the strain increment in steps of at most
        ``max_strain_per_step``, at least ``dem_steps`` steps, then relaxation to
        ``unbalanced_tol`` (``relaxation = "equilibrium"``, seed 003 Sec. 2.2) or none
        (``"fixed"``: the DEM steps per call are fixed, the cost per macro step known)."""
        return LoadOptions(
            max_strain_per_step=max_strain_per_step,
            relax=self.relax and self.relaxation == "equilibrium",
            unbalanced_tol=self.unbalanced_tol,
            max_relax_steps=self.max_relax_steps,
            min_steps=self.dem_steps,
        )
