"""Rigid retaining wall (plane strain): seed 000 Sec. 4.2, seed 003 Sec. 4.2.

Backfill [0, width] x [0, height]; a rigid wall of height ``wall_height`` on the
right boundary (x = width, from the toe y = height - wall_height to the top);
below the toe the right boundary ("foundation") is fully fixed. The far side
(x = 0) is a roller (u_x = 0), the base is fixed (rough) or a roller (smooth),
the surface carries the surcharge q. The wall translates or rotates (small
rotation about its toe or its top) away from the backfill (active: +x) or
into it (passive: -x) by ``wall_displacement`` (translation: the whole wall;
rotation: the end away from the pivot). A smooth wall prescribes u_x only; a
rough wall also holds u_y = 0 (a rigid rotation about a point of the wall
line moves that line horizontally only).

The backfill is weightless and starts consolidated at sigma_0 = -p0 I
(K0 = 1), p0 = ``consolidation_pressure`` (default: the surcharge). If p0
differs from q, the surface pressure goes from p0 to q during the first
``SURCHARGE_STAGE`` of pseudo-time with the wall held, then the wall moves.
With weightless soil and a surcharge the Rankine states are homogeneous:
thrust = K q H with K_a = (1 - sin phi)/(1 + sin phi), K_p = 1/K_a.

Curve: horizontal wall force [kN/m] (the earth thrust, positive) against the
wall movement normalised by the wall height (translation: u / H; rotation: the
rotation angle = displacement of the moving end / H), positive in the chosen
direction (away from the backfill when active, into it when passive). The
scales are computed from the wall's dof positions, so the measure is exact on
any mesh.
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
from mslearn.fem.loading import BoundaryConditions, Dirichlet, Pressure, TimeFunction
from mslearn.fem.meshes import (
    facets_away_from,
    load_mesh,
    retaining_wall_gmsh,
    retaining_wall_mesh,
)
from mslearn.problems.base import CurveSpec, Problem
from mslearn.problems.registry import ProblemConfig, check_element_sizes, register_problem

#: named boundary: the wall facets whose x reaction measures the thrust
WALL_THRUST = "wall_thrust"
#: fraction of pseudo-time that takes the surface from p0 to the surcharge (if they differ)
SURCHARGE_STAGE = 0.1


@register_problem
class RetainingWallConfig(ProblemConfig):
    """``[problem] type = "retaining_wall"``; defaults: seed 003 Sec. 4.2 (active, rough wall).

    Lengths in m, pressures in Pa (or "100 kPa"-style strings).
    """

    type_name: ClassVar[str] = "retaining_wall"
    smoke: ClassVar[dict] = {
        "mesh": "structured",
        "nx": 4,
        "ny": 4,
        "element": "Q4",
        "wall_displacement": 0.02,
    }
    #: a handful of Gauss points for DEM RVEs: 2 x 3 Q4 elements, a small wall movement
    micro_smoke: ClassVar[dict] = {
        "mesh": "structured",
        "nx": 2,
        "ny": 3,
        "element": "Q4",
        "wall_displacement": 0.02,
    }
    #: 4 x 3 Q4 (48 Gauss points): seed 003's geometry, coarse enough for FEM-DEM on 2 cores
    micro_defaults: ClassVar[dict] = {"mesh": "structured", "nx": 4, "ny": 3, "element": "Q4"}
    mesh_presets: ClassVar[dict] = {
        "coarse": {"mesh": "structured", "nx": 4, "ny": 3, "element": "Q4"},
        "seed003": {"mesh": "gmsh", "h": 0.24, "element": "T3"},
        "fine": {"mesh": "gmsh", "h": 0.1, "h_wall": 0.05, "element": "T6"},
    }
    type: Literal["retaining_wall"] = "retaining_wall"
    width: LengthValue = Field(3.6, gt=0, description="backfill width [m]")
    height: LengthValue = Field(2.0, gt=0, description="backfill height [m]")
    wall_height: LengthValue = Field(1.5, gt=0, description="wall height H [m] (<= height)")
    mode: Literal["active", "passive"] = Field("active", description="wall moves away / into")
    movement: Literal["translation", "rotation_toe", "rotation_top"] = "translation"
    wall_displacement: LengthValue = Field(
        0.26, gt=0, description="final displacement of the wall (its moving end) [m]"
    )
    wall: Literal["rough", "smooth"] = Field("rough", description="wall-soil interface")
    base: Literal["rough", "smooth"] = Field("rough", description="fixed base or roller")
    surcharge: PressureValue = Field(100e3, ge=0, description="surface pressure q [Pa]")
    consolidation_pressure: PressureValue | None = Field(
        None, gt=0, description="p0 of the materials [Pa]; default: the surcharge"
    )
    mesh: Literal["structured", "gmsh"] = "gmsh"
    element: ElementName = Field("T3", description="Q4, Q8, Q8R (structured) or T3, T6")
    nx: int = Field(
        12, gt=0, le=MAX_MESH_DIVISIONS, description="structured: elements across the width"
    )
    ny: int = Field(
        8, gt=1, le=MAX_MESH_DIVISIONS, description="structured: element rows over the height"
    )
    h: LengthValue = Field(0.24, gt=0, description="gmsh: element size [m] (0.24: 321 T3)")
    h_wall: LengthValue | None = Field(None, gt=0, description="gmsh: size at the wall [m]")
    mesh_file: str | None = Field(
        None, description="optional mesh with left/bottom/top/wall(/foundation) boundaries"
    )

    @model_validator(mode="after")
    def _consistent(self) -> RetainingWallConfig:
        if self.wall_height > self.height:
            raise ValueError(
                f"problem.wall_height: got {self.wall_height}; expected at most height = "
                f"{self.height}"
            )
        if self.p0 <= 0:
            raise ValueError(
                "problem.consolidation_pressure: got None with surcharge = 0; a weightless "
                "backfill needs p0 > 0 (give a surcharge or a consolidation pressure)"
            )
        if self.mesh == "gmsh" and self.mesh_file is None:
            check_element_sizes(max(self.width, self.height), h=self.h, h_wall=self.h_wall)
        return self

    @property
    def p0(self) -> float:
        """Consolidation pressure p0 [Pa] of the materials (compression positive)."""
        given = self.consolidation_pressure
        return self.surcharge if given is None else given

    def build(self) -> Problem:
        """Mesh, boundary conditions, p0 and the thrust-movement curve (see the module doc)."""
        et = element_type(self.element)
        mesh = self._mesh(et.family)
        names = ["left", "bottom", "top", "wall"]
        if self.wall_height < self.height:
            names.append("foundation")
        known = mesh.boundaries or {}
        missing = [n for n in names if n not in known]
        if missing:
            raise MslearnInputError(
                f"problem.mesh_file: the mesh lacks the boundaries {missing}; it has "
                f"{sorted(known)}"
            )
        mesh = mesh.with_boundaries({WALL_THRUST: self._thrust_facets(mesh)})
        disc = Discretisation(mesh, et)
        staged = not np.isclose(self.p0, self.surcharge)
        bcs = BoundaryConditions(
            self._supports(names) + self._wall_conditions(staged),
            self._surface_loads(staged),
            observed=[WALL_THRUST, *names],
        )
        return Problem(
            "retaining_wall",
            disc,
            bcs,
            self.p0,
            self._curve(disc),
            f"retaining wall H = {self.wall_height:g} m, {self.mode} {self.movement}, "
            f"{self.wall} wall, {disc.n_el} {et.name} elements, surcharge "
            f"{self.surcharge / 1e3:g} kPa, p0 = {self.p0 / 1e3:g} kPa",
        )

    # ------------------------------------------------------------------ pieces
    def _mesh(self, family: str):
        if self.mesh_file:
            return load_mesh(self.mesh_file)
        if self.mesh == "structured":
            return retaining_wall_mesh(
                self.width, self.height, self.wall_height, self.nx, self.ny, family
            )
        return retaining_wall_gmsh(
            self.width, self.height, self.wall_height, self.h, self.h_wall, family == "quad"
        )

    @property
    def _direction(self) -> float:
        """+1: the wall moves in +x (away from the backfill, active); -1: passive."""
        return 1.0 if self.mode == "active" else -1.0

    @property
    def _pivot_y(self) -> float | None:
        if self.movement == "translation":
            return None
        return self.height - self.wall_height if self.movement == "rotation_toe" else self.height

    def _supports(self, names: list[str]) -> list[Dirichlet]:
        out = [Dirichlet(0, 0.0, boundary="left"), Dirichlet(1, 0.0, boundary="bottom")]
        if self.base == "rough":
            out.append(Dirichlet(0, 0.0, boundary="bottom"))
        if "foundation" in names:
            out += [Dirichlet(c, 0.0, boundary="foundation") for c in (0, 1)]
        return out

    def _wall_conditions(self, staged: bool) -> list[Dirichlet]:
        """Listed after the supports, so the wall wins at shared corner nodes (its toe)."""
        tf = (
            TimeFunction("table", (0.0, SURCHARGE_STAGE, 1.0), (0.0, 0.0, 1.0))
            if staged
            else TimeFunction("ramp")
        )
        d = self._direction * self.wall_displacement
        pivot = self._pivot_y
        if pivot is None:
            value = d
        else:
            theta = d / self.wall_height

            def value(x: np.ndarray, y: np.ndarray) -> np.ndarray:
                """u_x [m] of a small rigid rotation theta about (width, pivot)."""
                return theta * np.abs(y - pivot)

        out = [Dirichlet(0, value, boundary="wall", time_function=tf)]
        if self.wall == "rough":
            out.append(Dirichlet(1, 0.0, boundary="wall"))
        return out

    def _surface_loads(self, staged: bool) -> list[Pressure]:
        if not staged:
            return [Pressure("top", self.surcharge)] if self.surcharge > 0 else []
        ratio = self.surcharge / self.p0
        tf = TimeFunction("table", (0.0, SURCHARGE_STAGE, 1.0), (1.0, ratio, ratio))
        return [Pressure("top", self.p0, tf)]

    def _thrust_facets(self, mesh) -> np.ndarray:
        """Wall facets whose x reaction is the thrust: without the toe's facet where a
        foundation or a rough base also holds the toe horizontally."""
        wall = mesh.boundaries["wall"]
        if self.wall_height >= self.height and self.base == "smooth":
            return wall
        facets = facets_away_from(mesh, wall, (self.width, self.height - self.wall_height))
        if facets.size == 0:
            raise MslearnInputError(
                "problem.ny: the wall has a single facet; the thrust needs at least 2 along "
                "the wall (refine the mesh)"
            )
        return facets

    def _curve(self, disc: Discretisation) -> CurveSpec:
        """load = thrust [kN/m]; displacement = wall movement / H (exact mean over wall dofs).

        The x reaction of the ``wall_thrust`` dofs is scaled by H / (their share of a
        uniform unit pressure on the wall): exact for a uniform earth pressure, and the
        whole wall's reaction where no other support shares the toe.
        """
        dofs = disc.boundary_dofs(WALL_THRUST, 0)
        share = -Pressure("wall", 1.0).unit_load(disc)[dofs].sum()
        y = disc.basis.doflocs[1, dofs]
        pivot = self._pivot_y
        lever = self.wall_height if pivot is None else float(np.mean(np.abs(y - pivot)))
        label = "wall displacement / H [-]" if pivot is None else "wall rotation [rad]"
        return CurveSpec(
            WALL_THRUST,
            0,
            "horizontal wall force [kN/m]",
            f"{label} ({'away from' if self.mode == 'active' else 'into'} the backfill)",
            load_scale=1e3 * share / self.wall_height,
            disp_scale=-self._direction * lever,
        )
