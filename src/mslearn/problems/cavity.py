"""Cylindrical cavity expansion (plane strain, quarter domain): seed 003 Sec. 4.3.

Quarter annulus a <= r <= b, 0 <= theta <= pi/2 with symmetry rollers on the
straight edges (u_y = 0 on y = 0, u_x = 0 on x = 0). The outer arc carries the
in-situ pressure p0 (``outer = "pressure"``) or is fixed (``"fixed"``). The
cavity is expanded by

* ``control = "displacement"`` (seed 003): u = u_a(t) e_r on the inner arc,
  u_a ramped to ``cavity_displacement``. Both components are prescribed, so
  the tangential displacement of the cavity wall is held at zero (exact for the
  axisymmetric response; seed 003 leaves it free, which a component-wise
  Dirichlet condition on a curved boundary cannot express);
* ``control = "pressure"``: the cavity pressure ramps from p0 to
  ``cavity_pressure``.

``pin_top_corner`` adds seed 003's symmetry-breaking constraint u_y = 0 at the
top corner (0, b) of the upper straight edge. Materials start consolidated at
sigma_0 = -p0 I (weightless).

Curve: cavity pressure p [kPa] against the cavity expansion u_a / a. Both come
from support reactions and mean boundary displacements with scales computed
from the dof positions: under displacement control the inner arc's reaction
F_x = p a (the pressure resultant over a quarter arc, exact for a polygonal
arc too) and mean u_x = u_a mean(x) / a. Under pressure control the inner
arc carries no reaction; the reaction of the supports in y (base roller, and
the outer arc when fixed) is -p a by equilibrium, which holds only if no other
load acts in y: pressure control therefore needs ``outer = "fixed"`` or p0 = 0.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from mslearn.core.errors import MslearnInputError
from mslearn.core.limits import MAX_MESH_DIVISIONS
from mslearn.core.units import LengthValue, PressureValue
from mslearn.fem.discretisation import Discretisation
from mslearn.fem.elements import ElementName, element_type
from mslearn.fem.loading import RAMP, BoundaryConditions, Dirichlet, Pressure
from mslearn.fem.meshes import (
    facets_away_from,
    load_mesh,
    polar_annulus_mesh,
    quarter_annulus_mesh,
)
from mslearn.problems.base import CurveSpec, Problem
from mslearn.problems.registry import ProblemConfig, check_element_sizes, register_problem

#: named boundary (inner arc + supports in y) whose y reaction is -p a under pressure control
CAVITY_LOAD = "cavity_load"


@register_problem
class CavityConfig(ProblemConfig):
    """``[problem] type = "cavity"``; defaults: seed 003 Sec. 4.3 (a = 8 mm, b = 150 mm).

    Lengths in m, pressures in Pa (or "8 mm", "100 kPa"-style strings).
    """

    type_name: ClassVar[str] = "cavity"
    smoke: ClassVar[dict] = {"mesh": "structured", "n_radial": 4, "n_theta": 3, "element": "Q4"}
    #: a handful of Gauss points for DEM RVEs: 2 x 1 Q4 elements, a small expansion
    micro_smoke: ClassVar[dict] = {
        "mesh": "structured",
        "n_radial": 2,
        "n_theta": 2,
        "element": "Q4",
        "cavity_displacement": 0.5e-3,
    }
    #: 4 x 3 Q4 on a log-graded mesh (48 Gauss points): FEM-DEM on 2 cores
    micro_defaults: ClassVar[dict] = {
        "mesh": "structured",
        "n_radial": 4,
        "n_theta": 3,
        "element": "Q4",
    }
    mesh_presets: ClassVar[dict] = {
        "coarse": {"mesh": "structured", "n_radial": 4, "n_theta": 3, "element": "Q4"},
        "seed003": {"mesh": "structured", "n_radial": 15, "n_theta": 15, "element": "Q4"},
        "fine": {"mesh": "structured", "n_radial": 24, "n_theta": 20, "element": "Q4"},
    }
    type: Literal["cavity"] = "cavity"
    inner_radius: LengthValue = Field(8e-3, gt=0, description="cavity radius a [m]")
    outer_radius: LengthValue = Field(0.15, gt=0, description="outer radius b [m]")
    control: Literal["displacement", "pressure"] = "displacement"
    cavity_displacement: LengthValue = Field(
        10e-3, gt=0, description="final radial cavity displacement u_a [m] (displacement control)"
    )
    cavity_pressure: PressureValue | None = Field(
        None, ge=0, description="final cavity pressure [Pa] (pressure control)"
    )
    in_situ_pressure: PressureValue = Field(
        100e3, ge=0, description="p0 [Pa]: outer pressure and consolidation of the materials"
    )
    outer: Literal["pressure", "fixed"] = Field("pressure", description="outer arc condition")
    pin_top_corner: bool = Field(False, description="u_y = 0 at (0, b) (seed 003's asymmetry)")
    mesh: Literal["structured", "gmsh"] = "structured"
    element: ElementName = Field("Q4", description="Q4, Q8, Q8R, T3 or T6")
    n_radial: int = Field(15, gt=0, le=MAX_MESH_DIVISIONS, description="structured: cells along r")
    n_theta: int = Field(
        15, gt=1, le=MAX_MESH_DIVISIONS, description="structured: cells along theta"
    )
    spacing: Literal["log", "uniform"] = Field("log", description="structured radial spacing")
    h: LengthValue = Field(2e-3, gt=0, description="gmsh: element size at the cavity [m]")
    h_outer: LengthValue = Field(0.03, gt=0, description="gmsh: element size at r = b [m]")
    mesh_file: str | None = Field(
        None, description="optional mesh with inner/outer/bottom/left boundaries"
    )

    @model_validator(mode="after")
    def _consistent(self) -> CavityConfig:
        if self.inner_radius >= self.outer_radius:
            raise ValueError(
                f"problem.inner_radius: got {self.inner_radius}; expected less than outer_radius = "
                f"{self.outer_radius}"
            )
        if self.control == "pressure":
            if self.cavity_pressure is None:
                raise ValueError(
                    "problem.cavity_pressure: got None; pressure control needs a final "
                    "cavity pressure"
                )
            if self.outer == "pressure" and self.in_situ_pressure > 0:
                raise ValueError(
                    "problem.control: got 'pressure' with an in-situ pressure on the outer "
                    "arc; the curve reads the cavity pressure from support reactions, which "
                    "then also carry p0: use control = 'displacement' or outer = 'fixed'"
                )
        if self.pin_top_corner and (self.control != "displacement" or self.outer == "fixed"):
            raise ValueError(
                "problem.pin_top_corner: got True; expected only with control = 'displacement' and "
                "outer = 'pressure'"
            )
        if self.mesh == "gmsh" and self.mesh_file is None:
            check_element_sizes(self.outer_radius, h=self.h, h_outer=self.h_outer)
        return self

    def build(self) -> Problem:
        """Mesh, boundary conditions, p0 and the pressure-expansion curve (module doc)."""
        et = element_type(self.element)
        mesh = self._mesh(et)
        known = mesh.boundaries or {}
        missing = [n for n in ("inner", "outer", "bottom", "left") if n not in known]
        if missing:
            raise MslearnInputError(
                f"problem.mesh_file: the mesh lacks the boundaries {missing}; it has "
                f"{sorted(known)}"
            )
        mesh = mesh.with_boundaries({CAVITY_LOAD: self._load_facets(mesh)})
        disc = Discretisation(mesh, et)
        observed = ["inner", "outer", "bottom", "left", CAVITY_LOAD]
        bcs = BoundaryConditions(self._dirichlet(), self._loads(), observed=observed)
        return Problem(
            "cavity",
            disc,
            bcs,
            self.in_situ_pressure,
            self._curve(disc),
            f"cavity expansion a = {self.inner_radius * 1e3:g} mm, b = "
            f"{self.outer_radius * 1e3:g} mm, {self.control} control, {disc.n_el} {et.name} "
            f"elements, p0 = {self.in_situ_pressure / 1e3:g} kPa",
        )

    # ------------------------------------------------------------------ pieces
    def _mesh(self, et):
        a, b = self.inner_radius, self.outer_radius
        if self.mesh_file:
            return load_mesh(self.mesh_file)
        if self.mesh == "structured":
            return polar_annulus_mesh(
                a, b, self.n_radial, self.n_theta, self.spacing, et.family, et.order
            )
        order = et.order if et.family == "tri" else 1
        return quarter_annulus_mesh(a, b, self.h, order, et.family == "quad", self.h_outer)

    def _load_facets(self, mesh) -> np.ndarray:
        """Facets of the boundary whose reaction measures the cavity pressure.

        Displacement control: the inner arc without its facet at (0, a), whose corner
        x-dof the roller on x = 0 also holds (its reaction would mix the roller's).
        Pressure control: the inner arc and every support in y (base, fixed outer arc).
        """
        if self.control == "pressure":
            names = ["inner", "bottom"] + (["outer"] if self.outer == "fixed" else [])
            return np.unique(np.concatenate([mesh.boundaries[n] for n in names]))
        facets = facets_away_from(mesh, mesh.boundaries["inner"], (0.0, self.inner_radius))
        if facets.size == 0:
            raise MslearnInputError(
                "problem.n_theta: the cavity arc has a single facet; displacement control "
                "needs at least 2 along the arc"
            )
        return facets

    def _dirichlet(self) -> list[Dirichlet]:
        out = [Dirichlet(1, 0.0, boundary="bottom"), Dirichlet(0, 0.0, boundary="left")]
        if self.outer == "fixed":
            out += [Dirichlet(c, 0.0, boundary="outer") for c in (0, 1)]
        if self.pin_top_corner:
            out.append(Dirichlet(1, 0.0, point=(0.0, self.outer_radius)))
        if self.control == "displacement":
            ua = self.cavity_displacement
            for c in (0, 1):

                def radial(x: np.ndarray, y: np.ndarray, c: int = c) -> np.ndarray:
                    """Component c [m] of u_a e_r at the dof positions (x, y)."""
                    return ua * (x, y)[c] / np.hypot(x, y)

                out.append(Dirichlet(c, radial, boundary="inner"))
        return out

    def _loads(self) -> list[Pressure]:
        p0 = self.in_situ_pressure
        out = [Pressure("outer", p0)] if self.outer == "pressure" and p0 > 0 else []
        if self.control == "pressure":
            out += [Pressure("inner", p0)] if p0 > 0 else []
            out.append(Pressure("inner", self.cavity_pressure - p0, RAMP))
        return out

    def _curve(self, disc: Discretisation) -> CurveSpec:
        """p [kPa] and u_a / a from reactions and mean displacements (see the module doc)."""
        a = self.inner_radius
        labels = ("cavity pressure [kPa]", "cavity expansion u_a / a [-]")
        if self.control == "displacement":
            dofs = disc.boundary_dofs(CAVITY_LOAD, 0)
            share = Pressure("inner", 1.0).unit_load(disc)[dofs].sum()  # = a minus the corner's
            x = disc.basis.doflocs[0, dofs]
            return CurveSpec(CAVITY_LOAD, 0, *labels, load_scale=-share * 1e3, disp_scale=-x.mean())
        n_union = disc.boundary_dofs(CAVITY_LOAD, 1).size
        y_inner = disc.basis.doflocs[1, disc.boundary_dofs("inner", 1)]
        return CurveSpec(
            CAVITY_LOAD, 1, *labels, load_scale=a * 1e3, disp_scale=-y_inner.sum() / n_union
        )
