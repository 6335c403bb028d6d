"""Vectorised small-strain discretisation (plane strain or 3D) on scikit-fem bases.

scikit-fem gives shape-function gradients and quadrature; everything in the
Newton loop is then batched numpy (seed 000 Eq. 4-7):

    strain     eps_g  = B_g u_e                       (n_gp, nv)  Voigt, engineering shear
    internal   F      = sum_g B_g^T sigma_g w_g       (n_dof,)
    stiffness  K      = sum_g B_g^T D_g B_g w_g       CSR, fixed sparsity pattern

nv = 3 in 2D ([11, 22, 12]) and 6 in 3D ([11, 22, 33, 23, 13, 12]); the dimension
comes from the mesh. Gauss points are numbered g = element * n_quad + q. No Python loop over
elements or Gauss points: element matrices come from batched matmul and are
scattered with a precomputed COO -> CSR map (np.bincount).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import skfem as fe

from mslearn.core.errors import MslearnInputError
from mslearn.core.voigt import n_voigt
from mslearn.fem.elements import ElementType, check_mesh_matches, element_type


@dataclass
class _Pattern:
    """Scatter map from element-matrix entries to a CSR matrix restricted to a dof set."""

    keep: np.ndarray  # (n_entries_kept,) indices into the flattened (nel, ndofe, ndofe)
    slot: np.ndarray  # (n_entries_kept,) CSR data position of each kept entry
    indptr: np.ndarray
    indices: np.ndarray
    shape: tuple[int, int]


class Discretisation:
    """A mesh, an element type and the precomputed B operators.

    Attributes
    ----------
    mesh : skfem mesh with named ``boundaries`` (facet sets)
    basis : skfem vector Basis
    dim : 2 (plane strain) or 3, from the mesh
    n_voigt : 3 (2D) or 6 (3D)
    B : (n_el, n_quad, n_voigt, n_dofe) strain-displacement operators
    weights : (n_el, n_quad) quadrature weight * det J [m^2 per unit thickness in 2D, m^3 in 3D]
    element_dofs : (n_el, n_dofe) global dof numbers
    gauss_xy : (n_gp, dim) Gauss-point coordinates [m]
    """

    def __init__(self, mesh: fe.Mesh, element: str | ElementType) -> None:
        self.etype = element if isinstance(element, ElementType) else element_type(element)
        check_mesh_matches(mesh, self.etype)
        self.mesh = mesh
        #: spatial dimension (2: plane strain) and Voigt length of strain and stress
        self.dim = int(mesh.p.shape[0])
        self.n_voigt = n_voigt(self.dim)
        scalar = self.etype.scalar_element(mesh)
        quad = self.etype.quadrature()
        kw = {"quadrature": quad} if quad is not None else {"intorder": self.etype.intorder}
        self.basis = fe.Basis(mesh, fe.ElementVector(scalar), **kw)
        nqp = self.basis.X.shape[1]
        if nqp != self.etype.n_quad:
            raise RuntimeError(
                f"{self.etype.name}: got {nqp} Gauss points, expected {self.etype.n_quad}"
            )
        self.n_dof = self.basis.N
        self.element_dofs = np.ascontiguousarray(self.basis.element_dofs.T)  # (nel, ndofe)
        self.n_el, self.n_dofe = self.element_dofs.shape
        self.n_quad = nqp
        self.n_gp = self.n_el * nqp
        # B from scikit-fem: basis[i][0].grad has shape (component, d/dx_j, nel, nq)
        grads = np.stack([b[0].grad for b in self.basis.basis], axis=0)  # (ndofe, c, j, e, q)
        self.B = strain_operator(np.transpose(grads, (3, 4, 0, 1, 2)), self.dim)
        self.weights = np.asarray(self.basis.dx)  # (nel, nq)
        self.gauss_xy = (
            np.asarray(self.basis.global_coordinates().value)
            .transpose(1, 2, 0)
            .reshape(-1, self.dim)
        )
        self._wB = self.B * self.weights[:, :, None, None]
        self._rows = np.repeat(self.element_dofs, self.n_dofe, axis=1).ravel()
        self._cols = np.tile(self.element_dofs, (1, self.n_dofe)).ravel()
        self._patterns: dict[bytes, _Pattern] = {}

    # ------------------------------------------------------------------ fields
    def strain(self, u: np.ndarray) -> np.ndarray:
        """Gauss-point strains (n_gp, nv) from nodal displacements u (n_dof,)."""
        ue = u[self.element_dofs]  # (nel, ndofe)
        return np.einsum("eqij,ej->eqi", self.B, ue).reshape(self.n_gp, self.n_voigt)

    def internal_force(self, stress: np.ndarray) -> np.ndarray:
        """F = sum B^T sigma w (n_dof,) from Gauss-point stresses (n_gp, nv)."""
        s = stress.reshape(self.n_el, self.n_quad, self.n_voigt)
        fe_ = np.einsum("eqij,eqi->ej", self._wB, s)
        return np.bincount(self.element_dofs.ravel(), fe_.ravel(), minlength=self.n_dof)

    def element_stiffness(self, D: np.ndarray) -> np.ndarray:
        """Element matrices (n_el, n_dofe, n_dofe) = sum_q B^T D B w from D (n_gp, nv, nv)."""
        nv = self.n_voigt
        d = D.reshape(self.n_el, self.n_quad, nv, nv)
        db = np.matmul(d, self.B)  # (e, q, nv, ndofe)
        if self.dim == 2:
            return np.matmul(np.swapaxes(self._wB, 2, 3), db).sum(axis=1)
        # 3D: one matmul over (q, voigt) together, no (e, q, ndofe, ndofe) temporary
        wbt = np.swapaxes(self._wB, 2, 3).transpose(0, 2, 1, 3)  # (e, ndofe, q, nv)
        wbt = wbt.reshape(self.n_el, self.n_dofe, self.n_quad * nv)
        return np.matmul(wbt, db.reshape(self.n_el, self.n_quad * nv, self.n_dofe))

    def stiffness(self, D: np.ndarray, dofs: np.ndarray | None = None) -> sp.csr_matrix:
        """Global stiffness restricted to ``dofs`` (rows and columns), CSR.

        ``dofs`` (sorted int array) defaults to all dofs. The sparsity pattern
        for each dof set is computed once and cached.
        """
        dofs = np.arange(self.n_dof) if dofs is None else np.asarray(dofs)
        pat = self._pattern(dofs)
        ke = self.element_stiffness(D).ravel()
        data = np.bincount(pat.slot, ke[pat.keep], minlength=pat.indices.size)
        return sp.csr_matrix((data, pat.indices, pat.indptr), shape=pat.shape)

    def _pattern(self, dofs: np.ndarray) -> _Pattern:
        key = dofs.tobytes()
        if key not in self._patterns:
            local = -np.ones(self.n_dof, dtype=np.int64)
            local[dofs] = np.arange(dofs.size)
            r, c = local[self._rows], local[self._cols]
            keep = np.flatnonzero((r >= 0) & (c >= 0))
            n = dofs.size
            lin = r[keep] * n + c[keep]
            uniq, slot = np.unique(lin, return_inverse=True)
            indices = uniq % n
            counts = np.bincount(uniq // n, minlength=n)
            indptr = np.concatenate([[0], np.cumsum(counts)])
            self._patterns[key] = _Pattern(keep, slot, indptr, indices, (n, n))
        return self._patterns[key]

    # ------------------------------------------------------------------ dofs
    def boundary_names(self) -> list[str]:
        """Sorted names of the mesh's facet sets (``mesh.boundaries``)."""
        return sorted((self.mesh.boundaries or {}).keys())

    def check_boundary(self, name: str) -> None:
        """Raise :class:`MslearnInputError` naming the known boundaries if ``name`` is not one."""
        if name not in (self.mesh.boundaries or {}):
            raise MslearnInputError(
                f"boundary {name!r} is not in the mesh; known boundaries: {self.boundary_names()}"
            )

    def boundary_dofs(self, name: str, component: int | None = None) -> np.ndarray:
        """Sorted dofs on a named boundary: component 0 (x), 1 (y), 2 (z, 3D) or all (None)."""
        self.check_boundary(name)
        d = self.basis.get_dofs(name)
        comps = range(self.dim) if component is None else [component]
        return np.sort(np.concatenate([d.all(f"u^{c + 1}") for c in comps]))

    def point_dofs(self, xy: tuple[float, ...], component: int | None = None) -> np.ndarray:
        """Dofs of the node at (or nearest to) point xy ((x, y) in 2D, (x, y, z) in 3D)."""
        locs = self.basis.doflocs
        comp = self.dof_component
        if len(xy) != self.dim:
            raise MslearnInputError(
                f"point {tuple(xy)} has {len(xy)} coordinates; expected {self.dim}"
            )
        if self.dim == 2:
            dist = np.hypot(locs[0] - xy[0], locs[1] - xy[1])
        else:
            dist = np.linalg.norm(locs - np.asarray(xy, float)[:, None], axis=0)
        best = np.flatnonzero(np.isclose(dist, dist.min(), rtol=0, atol=1e-12 + 1e-9 * dist.min()))
        if component is not None:
            best = best[comp[best] == component]
        return np.sort(best)

    @property
    def dof_component(self) -> np.ndarray:
        """(n_dof,) component (0 = x, 1 = y, 2 = z) of each dof."""
        if not hasattr(self, "_dof_comp"):
            # scikit-fem's ElementVector interleaves components: (u1, u2[, u3]) per dof site
            comp = np.zeros(self.n_dof, dtype=np.int64)
            for c in range(self.dim):
                comp[self.element_dofs[:, c :: self.dim].ravel()] = c
            self._dof_comp = comp
        return self._dof_comp

    def nodal_displacement(self, u: np.ndarray) -> np.ndarray:
        """(n_vertices, dim) displacement at mesh vertices (for output and plots)."""
        return u[self.basis.nodal_dofs].T

    def interpolate_dofs(self, func) -> np.ndarray:
        """Nodal interpolation of func(x, y) -> (ux, uy) (3D: func(x, y, z) -> (ux, uy, uz))
        onto dofs (n_dof,)."""
        if self.dim == 2:
            x, y = self.basis.doflocs
            ux, uy = func(x, y)
            return np.where(self.dof_component == 0, ux, uy)
        values = np.broadcast_to(np.asarray(func(*self.basis.doflocs), float), (3, self.n_dof))
        return values[self.dof_component, np.arange(self.n_dof)]

    def cell_average(self, field: np.ndarray) -> np.ndarray:
        """Average a Gauss-point field (n_gp, ...) per element -> (n_el, ...)."""
        f = field.reshape((self.n_el, self.n_quad) + field.shape[1:])
        w = self.weights / self.weights.sum(axis=1, keepdims=True)
        return np.einsum("eq,eq...->e...", w, f)


def strain_operator(g: np.ndarray, dim: int) -> np.ndarray:
    """B (n_el, n_quad, nv, n_dofe) from shape gradients g (n_el, n_quad, n_dofe, c, j) =
    d N_(dof, component c) / d x_j; Voigt rows [11, 22, 12] (2D) or [11, 22, 33, 23, 13, 12]
    (3D), engineering shear gamma_ab = du_a/dx_b + du_b/dx_a."""
    shears = ((0, 1),) if dim == 2 else ((1, 2), (0, 2), (0, 1))
    B = np.zeros(g.shape[:2] + (dim + len(shears), g.shape[2]))
    for i in range(dim):
        B[:, :, i, :] = g[..., i, i]
    for k, (a, b) in enumerate(shears):
        B[:, :, dim + k, :] = g[..., a, b] + g[..., b, a]
    return B


def require_positive(name: str, value: float) -> float:
    """``value`` as a float if it is > 0; otherwise an input error naming ``name``."""
    if not value > 0:
        raise MslearnInputError(f"{name} is {value}; expected a positive number")
    return float(value)
