"""Biaxial compression (plane strain): seed 000 Sec. 4.1, seed 002 Sec. 5.3.1.

Rectangle width x height; confining pressure on left and right (constant or a
time history, e.g. a Gaussian-process path); bottom platen fixed vertically,
top platen moved down to ``axial_strain`` x height. Rough platens also fix the
horizontal displacement; smooth platens pin the bottom-left corner only.
Specimens start consolidated: initial stress -p0 I with p0 = confining pressure.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field

from mslearn.core.limits import MAX_HISTORY_POINTS, MAX_MESH_DIVISIONS
from mslearn.core.units import LengthValue, PressureValue
from mslearn.fem.discretisation import Discretisation
from mslearn.fem.elements import ElementName
from mslearn.fem.loading import (
    CONSTANT,
    BoundaryConditions,
    Dirichlet,
    Pressure,
    TimeFunction,
)
from mslearn.fem.meshes import load_mesh, rectangle
from mslearn.problems.base import CurveSpec, Problem
from mslearn.problems.registry import ProblemConfig, register_problem


@register_problem
class BiaxialConfig(ProblemConfig):
    """``[problem] type = "biaxial"``; defaults: seed 002 Sec. 5.3.1 (0.5 x 1 m, 8x16 Q8, rough).

    Lengths in m, pressures in Pa (or "100 kPa"-style strings); see the module doc.
    """

    type_name: ClassVar[str] = "biaxial"
    smoke: ClassVar[dict] = {"nx": 2, "ny": 4, "element": "Q4"}
    micro_smoke: ClassVar[dict] = {"nx": 1, "ny": 2, "element": "Q4", "axial_strain": 0.02}
    #: seed 000 Sec. 4.1: 10 % axial strain, 100 kPa, rough platens, on the coarse mesh
    micro_defaults: ClassVar[dict] = {
        "nx": 2,
        "ny": 4,
        "element": "Q4",
        "axial_strain": 0.1,
        "confining_pressure": 100e3,
        "platens": "rough",
    }
    #: seed 000's coarse (2x4), medium (4x8), fine (8x16) Q4 meshes; seed 002's 8x16 Q8
    mesh_presets: ClassVar[dict] = {
        "coarse": {"nx": 2, "ny": 4, "element": "Q4"},
        "medium": {"nx": 4, "ny": 8, "element": "Q4"},
        "fine": {"nx": 8, "ny": 16, "element": "Q4"},
        "q8": {"nx": 8, "ny": 16, "element": "Q8"},
    }
    history_field: ClassVar[str | None] = "confining_history"
    type: Literal["biaxial"] = "biaxial"
    width: LengthValue = Field(0.5, gt=0, description="specimen width [m]")
    height: LengthValue = Field(1.0, gt=0, description="specimen height [m]")
    nx: int = Field(8, gt=0, le=MAX_MESH_DIVISIONS, description="elements across the width")
    ny: int = Field(16, gt=0, le=MAX_MESH_DIVISIONS, description="elements along the height")
    element: ElementName = Field("Q8", description="Q4, Q8, Q8R, T3 or T6")
    confining_pressure: PressureValue = Field(100e3, gt=0, description="p0 [Pa]")
    confining_history: tuple[tuple[float, float], ...] | None = Field(
        None,
        min_length=1,
        max_length=MAX_HISTORY_POINTS,
        description="(t, p/p0) pairs; constant if omitted",
    )
    axial_strain: float = Field(0.1, gt=0, lt=1, description="final axial strain (shortening)")
    platens: Literal["rough", "smooth"] = "rough"
    mesh_file: str | None = Field(None, description="optional mesh with left/right/bottom/top")

    def build(self) -> Problem:
        """Mesh, boundary conditions, p0 and the top-force vs axial-strain curve (module doc)."""
        from mslearn.fem.elements import element_type

        et = element_type(self.element)
        if self.mesh_file:
            mesh = load_mesh(self.mesh_file)
        else:
            mesh = rectangle(self.width, self.height, self.nx, self.ny, et.family)
        disc = Discretisation(mesh, et)
        for name in ("left", "right", "bottom", "top"):
            disc.check_boundary(name)
        tf = CONSTANT
        if self.confining_history:
            t, v = zip(*self.confining_history, strict=True)
            tf = TimeFunction("table", tuple(t), tuple(v))
        dirichlet = [
            Dirichlet(1, 0.0, boundary="bottom"),
            Dirichlet(1, -self.axial_strain * self.height, boundary="top"),
        ]
        if self.platens == "rough":
            dirichlet += [Dirichlet(0, 0.0, boundary="bottom"), Dirichlet(0, 0.0, boundary="top")]
        else:
            x0, y0 = mesh.p.min(axis=1)
            dirichlet.append(Dirichlet(0, 0.0, point=(float(x0), float(y0))))
        loads = [
            Pressure("left", self.confining_pressure, tf),
            Pressure("right", self.confining_pressure, tf),
        ]
        bcs = BoundaryConditions(dirichlet, loads, observed=["top", "bottom", "left", "right"])
        curve = CurveSpec(
            "top",
            1,
            "top force [kN/m] (compression +)",
            "axial strain [-]",
            load_scale=1e3,
            disp_scale=self.height,
        )
        return Problem(
            "biaxial",
            disc,
            bcs,
            self.confining_pressure,
            curve,
            f"biaxial {self.width} x {self.height} m, {disc.n_el} {et.name} elements, "
            f"{self.platens} platens, p0 = {self.confining_pressure / 1e3:g} kPa",
        )


def biaxial_volumetric_strain(history: list[dict], width: float, height: float) -> np.ndarray:
    """(steps,) specimen volumetric strain (area change, tension +) from the mean
    displacements of the left/right and bottom/top boundaries in a run's history rows."""
    dw = np.array([h["right_ux"] - h["left_ux"] for h in history])
    dh = np.array([h["top_uy"] - h["bottom_uy"] for h in history])
    return (width + dw) * (height + dh) / (width * height) - 1.0
