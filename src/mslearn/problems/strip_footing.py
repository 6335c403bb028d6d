"""Rigid strip footing (plane strain, half domain): seed 003 Sec. 3.1.

Domain [0, half_width] x [-depth, 0] on a gmsh mesh; a rigid footing of
half-width b on [0, b] at the surface pushed down by prescribed displacement
(rough: horizontal displacement also fixed); surcharge pressure on the rest
of the surface; rollers on the symmetry line and the far side; bottom fixed.
Materials start at p0 = surcharge (consolidated, weightless soil).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, model_validator

from mslearn.core.units import LengthValue, PressureValue
from mslearn.fem.discretisation import Discretisation
from mslearn.fem.elements import ElementName, element_type
from mslearn.fem.loading import BoundaryConditions, Dirichlet, Pressure
from mslearn.fem.meshes import load_mesh, strip_footing_mesh
from mslearn.problems.base import CurveSpec, Problem
from mslearn.problems.registry import ProblemConfig, check_element_sizes, register_problem


@register_problem
class StripFootingConfig(ProblemConfig):
    """``[problem] type = "strip_footing"``; defaults: seed 003 Sec. 3.1 (4 x 2 m, 100 kPa).

    Lengths in m, pressures in Pa (or "100 kPa"-style strings). Only the half
    domain right of the symmetry line is meshed; the footing width is B = 2 b.
    """

    type_name: ClassVar[str] = "strip_footing"
    smoke: ClassVar[dict] = {"h_edge": 0.2, "h_far": 1.0, "element": "T3"}
    #: a handful of Gauss points: a tiny FEM-DEM or FEM-ML run in seconds
    micro_smoke: ClassVar[dict] = {
        "h_edge": 0.6,
        "h_far": 2.0,
        "element": "T3",
        "settlement": 0.01,
    }
    #: a coarse T3 mesh that a 2-core machine runs with DEM RVEs in well under an hour
    micro_defaults: ClassVar[dict] = {"h_edge": 0.25, "h_far": 1.0, "element": "T3"}
    mesh_presets: ClassVar[dict] = {
        "coarse": {"h_edge": 0.25, "h_far": 1.0, "element": "T3"},
        "medium": {"h_edge": 0.1, "h_far": 0.5, "element": "T6"},
        "fine": {"h_edge": 0.05, "h_far": 0.4, "element": "T6"},
    }
    type: Literal["strip_footing"] = "strip_footing"
    half_width: LengthValue = Field(4.0, gt=0, description="domain half width [m]")
    depth: LengthValue = Field(2.0, gt=0, description="domain depth [m]")
    footing_half_width: LengthValue = Field(0.3, gt=0, description="footing half width b [m]")
    settlement: LengthValue = Field(0.15, gt=0, description="final footing settlement [m]")
    surcharge: PressureValue = Field(100e3, ge=0, description="surface pressure p0 [Pa]")
    element: ElementName = Field("T6", description="T3, T6 (or Q4/Q8/Q8R on a recombined mesh)")
    h_edge: LengthValue = Field(0.05, gt=0, description="element size at the footing edge [m]")
    h_far: LengthValue = Field(0.4, gt=0, description="element size far away [m]")
    footing: Literal["rough", "smooth"] = "rough"
    mesh_file: str | None = Field(
        None, description="optional mesh with left/right/bottom/footing/surface boundaries"
    )

    @model_validator(mode="after")
    def _mesh_size(self) -> StripFootingConfig:
        if self.mesh_file is None:
            extent = max(self.half_width, self.depth)
            check_element_sizes(extent, h_edge=self.h_edge, h_far=self.h_far)
        return self

    def build(self) -> Problem:
        """Mesh, boundary conditions, p0 and the pressure-settlement curve (module doc)."""
        et = element_type(self.element)
        if self.mesh_file:
            mesh = load_mesh(self.mesh_file)
        else:
            mesh = strip_footing_mesh(
                self.half_width,
                self.footing_half_width,
                self.depth,
                self.h_far,
                self.h_edge,
                quads=et.family == "quad",
            )
        disc = Discretisation(mesh, et)
        for name in ("left", "right", "bottom", "footing", "surface"):
            disc.check_boundary(name)
        dirichlet = [
            Dirichlet(0, 0.0, boundary="left"),
            Dirichlet(0, 0.0, boundary="right"),
            Dirichlet(0, 0.0, boundary="bottom"),
            Dirichlet(1, 0.0, boundary="bottom"),
            Dirichlet(1, -self.settlement, boundary="footing"),
        ]
        if self.footing == "rough":
            dirichlet.append(Dirichlet(0, 0.0, boundary="footing"))
        loads = [Pressure("surface", self.surcharge)] if self.surcharge > 0 else []
        bcs = BoundaryConditions(dirichlet, loads, observed=["footing", "surface", "bottom"])
        curve = CurveSpec(
            "footing",
            1,
            "footing pressure [kPa]",
            "settlement / B [-]",
            load_scale=1e3 * self.footing_half_width,
            disp_scale=2 * self.footing_half_width,
        )
        return Problem(
            "strip_footing",
            disc,
            bcs,
            self.surcharge,
            curve,
            f"strip footing B = {2 * self.footing_half_width} m, {disc.n_el} {et.name} "
            f"elements, surcharge {self.surcharge / 1e3:g} kPa",
        )
