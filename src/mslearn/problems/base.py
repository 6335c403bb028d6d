"""A boundary value problem: a discretisation, boundary conditions and what to plot.

Problems are pure geometry + boundary conditions; the material is chosen
separately (the FEM never knows which material it talks to).
"""

from __future__ import annotations

from dataclasses import dataclass

from mslearn.fem.discretisation import Discretisation
from mslearn.fem.loading import BoundaryConditions


@dataclass(frozen=True)
class CurveSpec:
    """The load-displacement curve of a problem, compression/settlement positive.

    load = -F[component] on ``boundary`` / ``load_scale``; displacement =
    -u[component] (mean over the boundary) / ``disp_scale``.
    """

    boundary: str
    component: int
    load_label: str
    disp_label: str
    load_scale: float = 1.0
    disp_scale: float = 1.0


@dataclass
class Problem:
    """A built BVP: discretisation, boundary conditions, initial pressure and curve.

    ``initial_pressure`` is p0 [Pa] (compression positive) of the consolidated
    state the materials start from (initial stress -p0 I, tension positive).
    """

    name: str
    disc: Discretisation
    bcs: BoundaryConditions
    initial_pressure: float  # p0 [Pa] of the materials' consolidated state (compression > 0)
    curve: CurveSpec
    description: str = ""

    @property
    def n_points(self) -> int:
        """Number of Gauss points (material points) of the discretisation."""
        return self.disc.n_gp
