"""Boundary conditions and time functions for load stepping.

Pseudo-time t runs from 0 to 1 over the analysis. A prescribed quantity is
``amplitude * f(t)`` with a :class:`TimeFunction` f.

* :class:`Dirichlet` — prescribed displacement of one component on a named
  boundary (facet set) or at a point: fixed supports, displacement histories,
  rigid platens (:func:`rigid_platen`: rough = every component, smooth = the
  normal component only).
* :class:`Pressure` — normal pressure on a named boundary (positive pushes
  into the body: confining pressure, surcharge); traction t = -p n.
* :class:`BodyForce` — a body force density b(x, y) [N/m^3] (3D: b(x, y, z)).

The same classes serve plane strain (components 0, 1; loads per unit thickness)
and 3D (components 0, 1, 2; facet normals and areas of the 3D faces); the
dimension comes from the discretisation. The consolidated initial stress -p0 I
is the material's (``initial_pressure``), balanced by pressures p0 on the faces.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import skfem as fe

from mslearn.core.errors import MslearnInputError
from mslearn.fem.discretisation import Discretisation


@dataclass(frozen=True)
class TimeFunction:
    """f(t) on pseudo-time t in [0, 1]: "ramp" (f = t), "constant" (f = 1), or "table"."""

    kind: str = "ramp"
    times: tuple[float, ...] = ()
    values: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in ("ramp", "constant", "table"):
            raise MslearnInputError(
                f"time function kind {self.kind!r}; expected 'ramp', 'constant' or 'table'"
            )
        if self.kind == "table":
            t = np.asarray(self.times, float)
            if t.size < 2 or t.size != len(self.values) or np.any(np.diff(t) <= 0):
                raise MslearnInputError(
                    "time function table: 'times' must be increasing, at least 2 entries, "
                    "as many as 'values'"
                )

    def __call__(self, t: float) -> float:
        if self.kind == "ramp":
            return float(t)
        if self.kind == "constant":
            return 1.0
        return float(np.interp(t, self.times, self.values))


RAMP = TimeFunction("ramp")
CONSTANT = TimeFunction("constant")


@dataclass(frozen=True)
class Dirichlet:
    """u_component = value * f(t) on ``boundary`` (name) or at ``point`` (x, y[, z]).

    ``value`` is a number [m] or a function value(x, y) -> array (3D: value(x, y, z))
    evaluated at the dof locations (e.g. a prescribed linear field in a patch test).
    """

    component: int  # 0 = x, 1 = y, 2 = z (3D)
    value: float | Callable[..., np.ndarray] = 0.0
    boundary: str | None = None
    point: tuple[float, ...] | None = None
    time_function: TimeFunction = RAMP

    def dofs(self, disc: Discretisation) -> np.ndarray:
        """(k,) global dof numbers this condition prescribes (a boundary or the node at a point)."""
        if self.component not in range(disc.dim):
            allowed = "0 or 1" if disc.dim == 2 else "0, 1 or 2"
            raise MslearnInputError(f"Dirichlet component is {self.component}; expected {allowed}")
        if (self.boundary is None) == (self.point is None):
            raise MslearnInputError("a Dirichlet condition needs exactly one of boundary / point")
        if self.boundary is not None:
            return disc.boundary_dofs(self.boundary, self.component)
        return disc.point_dofs(self.point, self.component)

    def values(self, disc: Discretisation, dofs: np.ndarray, t: float) -> np.ndarray | float:
        """Prescribed values at ``dofs`` and time t."""
        if callable(self.value):
            xs = disc.basis.doflocs[:, dofs]
            return np.asarray(self.value(*xs), float) * self.time_function(t)
        return self.value * self.time_function(t)


@dataclass(frozen=True)
class Pressure:
    """Normal pressure p(t) = value * f(t) [Pa] on a named boundary (positive = compressive)."""

    boundary: str
    value: float
    time_function: TimeFunction = CONSTANT

    def unit_load(self, disc: Discretisation) -> np.ndarray:
        """Nodal load vector (n_dof,) of a unit pressure [N per unit thickness in 2D, N in 3D]."""
        disc.check_boundary(self.boundary)
        fb = fe.FacetBasis(
            disc.mesh,
            disc.basis.elem,
            facets=disc.mesh.boundaries[self.boundary],
            intorder=2 * disc.etype.order + 1,
        )

        if disc.dim == 2:

            @fe.LinearForm
            def load(v, w):
                return -(v[0] * w.n[0] + v[1] * w.n[1])

        else:

            @fe.LinearForm
            def load(v, w):
                return -(v[0] * w.n[0] + v[1] * w.n[1] + v[2] * w.n[2])

        return load.assemble(fb)

    def at(self, t: float) -> float:
        """Load factor at pseudo-time t (value x time function)."""
        return self.value * self.time_function(t)


@dataclass(frozen=True)
class BodyForce:
    """Body force b(x, y) -> (bx, by) [N/m^3] (3D: b(x, y, z) -> (bx, by, bz)) scaled by f(t)."""

    func: Callable[..., tuple[np.ndarray, ...]]
    time_function: TimeFunction = CONSTANT

    def unit_load(self, disc: Discretisation) -> np.ndarray:
        """(n_dof,) consistent nodal load vector of the body force at factor 1 [N]."""
        f = self.func

        if disc.dim == 2:

            @fe.LinearForm
            def load(v, w):
                bx, by = f(w.x[0], w.x[1])
                return v[0] * bx + v[1] * by

        else:

            @fe.LinearForm
            def load(v, w):
                bx, by, bz = f(w.x[0], w.x[1], w.x[2])
                return v[0] * bx + v[1] * by + v[2] * bz

        return load.assemble(fe.Basis(disc.mesh, disc.basis.elem, intorder=disc.etype.order + 4))

    def at(self, t: float) -> float:
        """Load factor at pseudo-time t (value x time function)."""
        return self.time_function(t)


def rigid_platen(
    boundary: str,
    normal: int,
    displacement: float = 0.0,
    rough: bool = True,
    dim: int = 2,
    time_function: TimeFunction = RAMP,
) -> list[Dirichlet]:
    """A rigid platen on ``boundary`` moving by ``displacement`` [m] along axis ``normal``.

    Rough: every other component is held at zero too (no slip); smooth: only the normal
    component is prescribed (the body slides freely along the platen; a smooth platen
    needs another support against rigid-body motion, e.g. symmetry planes or a point).
    """
    out = [Dirichlet(normal, displacement, boundary=boundary, time_function=time_function)]
    if rough:
        out += [Dirichlet(c, 0.0, boundary=boundary) for c in range(dim) if c != normal]
    return out


@dataclass
class BoundaryConditions:
    """All conditions of a problem, resolved against a discretisation.

    ``observed`` names the boundaries whose reaction forces and mean
    displacements are reported each step (default: every named boundary).
    """

    dirichlet: Sequence[Dirichlet] = field(default_factory=list)
    loads: Sequence[Pressure | BodyForce] = field(default_factory=list)
    observed: Sequence[str] | None = None


@dataclass
class ResolvedBCs:
    """Dirichlet dofs and values, free dofs, and external load as functions of t."""

    fixed_dofs: np.ndarray  # (n_fixed,) sorted, unique
    free_dofs: np.ndarray  # (n_free,)
    _dir_dofs: list[np.ndarray]
    _dir: list[Dirichlet]
    _disc: Discretisation
    _unit_loads: list[np.ndarray]
    _loads: list[Pressure | BodyForce]
    n_dof: int

    @classmethod
    def build(cls, bcs: BoundaryConditions, disc: Discretisation) -> ResolvedBCs:
        """Resolve the conditions on a discretisation: fixed / free dofs and unit load vectors."""
        dir_dofs = [d.dofs(disc) for d in bcs.dirichlet]
        for d, dofs in zip(bcs.dirichlet, dir_dofs, strict=True):
            if dofs.size == 0:
                raise MslearnInputError(f"Dirichlet condition {d} selects no dofs")
        fixed = np.unique(np.concatenate(dir_dofs)) if dir_dofs else np.zeros(0, np.int64)
        free = np.setdiff1d(np.arange(disc.n_dof), fixed)
        loads = list(bcs.loads)
        return cls(
            fixed,
            free,
            dir_dofs,
            list(bcs.dirichlet),
            disc,
            [ld.unit_load(disc) for ld in loads],
            loads,
            disc.n_dof,
        )

    def prescribed(self, t: float) -> np.ndarray:
        """Full-length vector with the prescribed displacement at time t on fixed dofs."""
        u = np.zeros(self.n_dof)
        for d, dofs in zip(self._dir, self._dir_dofs, strict=True):
            u[dofs] = d.values(self._disc, dofs, t)
        return u

    def external_force(self, t: float) -> np.ndarray:
        """(n_dof,) external nodal forces at pseudo-time t [N per unit thickness; N in 3D]."""
        f = np.zeros(self.n_dof)
        for ld, unit in zip(self._loads, self._unit_loads, strict=True):
            f += ld.at(t) * unit
        return f
