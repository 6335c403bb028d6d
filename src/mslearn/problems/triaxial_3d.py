"""Triaxial compression of a prism in 3D: seed 003 Sec. 4.4 (CTC and PTC).

Prism width_x x width_y x height [m] (default 0.05 x 0.05 x 0.1), z vertical; faces
named left/right (x), front/back (y), bottom/top (z) (:mod:`mslearn.fem.meshes3d`).
The bottom face is fully fixed; the top face is a rough rigid platen (lateral
displacements suppressed) moved down to ``axial_strain`` x height.

* ``path = "ctc"`` (conventional triaxial compression): confining pressure on all four
  lateral faces;
* ``path = "ptc"`` (plane-strain triaxial compression): the y displacement is held at zero
  on the front and back faces instead of the pressure there; pressure on left and right.

Specimens start consolidated: initial stress -p0 I with p0 = the confining pressure.
Load curve: top (axial) force [kN] vs axial strain, compression positive. Load steps
are the ``[solver] n_steps``. The paper's meshes are the presets ``ctc`` (8x8x16) and
``ptc`` (12x12x24); the default is 2x2x4 HEX8.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from mslearn.core.errors import MslearnInputError
from mslearn.core.limits import MAX_HISTORY_POINTS, MAX_MESH_DIVISIONS
from mslearn.core.units import LengthValue, PressureValue
from mslearn.fem.discretisation import Discretisation
from mslearn.fem.elements import ElementName3D, element_type
from mslearn.fem.loading import (
    CONSTANT,
    BoundaryConditions,
    Dirichlet,
    Pressure,
    TimeFunction,
    rigid_platen,
)
from mslearn.fem.meshes import load_mesh
from mslearn.fem.meshes3d import BOX_FACES, box_mesh
from mslearn.problems.base import CurveSpec, Problem
from mslearn.problems.registry import ProblemConfig, register_problem

#: most cells of a structured 3D mesh (B operators and element matrices stay in memory)
MAX_CELLS_3D = 200_000


@register_problem
class Triaxial3DConfig(ProblemConfig):
    """``[problem] type = "triaxial_3d"``; defaults: seed 003 Sec. 4.4 geometry, CTC path,
    100 kPa, 7 % axial strain, 2x2x4 HEX8. Lengths in m, pressures in Pa (module doc)."""

    type_name: ClassVar[str] = "triaxial_3d"
    smoke: ClassVar[dict] = {"nx": 2, "ny": 2, "nz": 4, "element": "HEX8"}
    micro_smoke: ClassVar[dict] = {"nx": 1, "ny": 1, "nz": 1, "element": "HEX8"}
    #: seed 003 Sec. 4.4: the exFEM-DEM CTC run (8x8x16, 7 % axial strain, 100 kPa)
    micro_defaults: ClassVar[dict] = {
        "nx": 8,
        "ny": 8,
        "nz": 16,
        "element": "HEX8",
        "axial_strain": 0.07,
        "confining_pressure": 100e3,
    }
    mesh_presets: ClassVar[dict] = {
        "coarse": {"nx": 2, "ny": 2, "nz": 4, "element": "HEX8"},
        "ctc": {"nx": 8, "ny": 8, "nz": 16, "element": "HEX8"},
        "ptc": {"nx": 12, "ny": 12, "nz": 24, "element": "HEX8"},
    }
    history_field: ClassVar[str | None] = "confining_history"
    type: Literal["triaxial_3d"] = "triaxial_3d"
    path: Literal["ctc", "ptc"] = Field("ctc", description="ctc or ptc (plane strain in y)")
    width_x: LengthValue = Field(0.05, gt=0, description="specimen size along x [m]")
    width_y: LengthValue = Field(0.05, gt=0, description="specimen size along y [m]")
    height: LengthValue = Field(0.1, gt=0, description="specimen height along z [m]")
    nx: int = Field(2, gt=0, le=MAX_MESH_DIVISIONS, description="elements along x")
    ny: int = Field(2, gt=0, le=MAX_MESH_DIVISIONS, description="elements along y")
    nz: int = Field(4, gt=0, le=MAX_MESH_DIVISIONS, description="elements along z")
    element: ElementName3D = Field("HEX8", description="HEX8, HEX20, HEX27, TET4 or TET10")
    confining_pressure: PressureValue = Field(100e3, gt=0, description="p0 [Pa]")
    confining_history: tuple[tuple[float, float], ...] | None = Field(
        None,
        min_length=1,
        max_length=MAX_HISTORY_POINTS,
        description="(t, p/p0) pairs; constant if omitted",
    )
    axial_strain: float = Field(0.07, gt=0, lt=1, description="final axial strain (shortening)")
    mesh_file: str | None = Field(None, description="optional 3D mesh with the six named faces")

    @model_validator(mode="after")
    def _cells(self) -> Triaxial3DConfig:
        n = self.nx * self.ny * self.nz
        if self.mesh_file is None and n > MAX_CELLS_3D:
            raise ValueError(
                f"problem.nx * ny * nz: got {n}; expected at most {MAX_CELLS_3D} cells"
            )
        return self

    def build(self) -> Problem:
        """Mesh, boundary conditions, p0 and the top-force vs axial-strain curve."""
        et = element_type(self.element)
        if self.mesh_file:
            mesh = load_mesh(self.mesh_file)
        else:
            mesh = box_mesh(
                self.width_x, self.width_y, self.height, self.nx, self.ny, self.nz, et.family
            )
        disc = Discretisation(mesh, et)
        if disc.dim != 3:
            raise MslearnInputError(
                f"problem.mesh_file: {self.mesh_file!r} is a 2D mesh; triaxial_3d needs 3D"
            )
        for name in BOX_FACES:
            disc.check_boundary(name)
        return Problem(
            "triaxial_3d",
            disc,
            self._conditions(),
            self.confining_pressure,
            CurveSpec(
                "top",
                2,
                "top force [kN] (compression +)",
                "axial strain [-]",
                load_scale=1e3,
                disp_scale=self.height,
            ),
            f"triaxial {self.path.upper()} {self.width_x} x {self.width_y} x {self.height} m, "
            f"{disc.n_el} {et.name} elements, p0 = {self.confining_pressure / 1e3:g} kPa",
        )

    def _conditions(self) -> BoundaryConditions:
        """Fixed bottom, rough top platen, lateral pressure (CTC) or u_y = 0 on y faces (PTC)."""
        tf = CONSTANT
        if self.confining_history:
            t, v = zip(*self.confining_history, strict=True)
            tf = TimeFunction("table", tuple(t), tuple(v))
        dirichlet = [Dirichlet(c, 0.0, boundary="bottom") for c in range(3)]
        dirichlet += rigid_platen("top", 2, -self.axial_strain * self.height, True, 3)
        pressed = ["left", "right"]
        if self.path == "ctc":
            pressed += ["front", "back"]
        else:
            dirichlet += [Dirichlet(1, 0.0, boundary=b) for b in ("front", "back")]
        loads = [Pressure(b, self.confining_pressure, tf) for b in pressed]
        return BoundaryConditions(dirichlet, loads, observed=list(BOX_FACES))


def triaxial_volumetric_strain(history: list[dict], lx: float, ly: float, lz: float) -> np.ndarray:
    """(steps,) specimen volumetric strain (tension +) from the mean face displacements of a
    run's history rows (left/right: x, front/back: y, bottom/top: z)."""
    dx = np.array([h["right_ux"] - h["left_ux"] for h in history])
    dy = np.array([h["back_uy"] - h["front_uy"] for h in history])
    dz = np.array([h["top_uz"] - h["bottom_uz"] for h in history])
    return (lx + dx) * (ly + dy) * (lz + dz) / (lx * ly * lz) - 1.0
