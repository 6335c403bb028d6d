"""Lumped (diagonal) mass matrices for the explicit solver.

Linear elements (T3, Q4, TET4, HEX8): the row sum of the consistent element mass,
m_i = int rho N_i dV. Quadratic elements (T6, Q8, Q8R, Q9, TET10, HEX20, HEX27): the
row sum gives zero or negative corner masses, so the HRZ diagonal scaling (Hinton,
Rock and Zienkiewicz 1976) is used, m_i = M_e int N_i^2 dV / sum_j int N_j^2 dV, which
keeps the element mass M_e and every entry positive. The integrals use a scalar basis
of order 2 p (exact for N_i^2 on affine elements), not the stiffness quadrature
(reduced rules would give zero diagonals). Plane strain: per unit thickness [kg/m].
"""

from __future__ import annotations

import numpy as np
import skfem as fe

from mslearn.core.errors import MslearnInputError
from mslearn.fem.discretisation import Discretisation


def _density(disc: Discretisation, density) -> np.ndarray:
    rho = np.broadcast_to(np.asarray(density, float), (disc.n_el,))
    if not np.all(np.isfinite(rho) & (rho > 0)):
        raise MslearnInputError(f"density: got {np.min(rho)!r}; expected a positive number")
    return rho


def element_masses(disc: Discretisation, density: float | np.ndarray) -> np.ndarray:
    """(n_el, n_en) lumped nodal masses of each element [kg] (the same for every component of
    a node; node order that of the vector basis' element dofs taken every ``dim``-th)."""
    rho = _density(disc, density)
    scalar = fe.Basis(
        disc.mesh, disc.etype.scalar_element(disc.mesh), intorder=2 * disc.etype.order
    )
    N = np.stack([np.asarray(b[0].value) for b in scalar.basis], axis=1)  # (e, n_en, q)
    dx = np.asarray(scalar.dx)  # (e, q)
    total = rho * dx.sum(axis=1)  # (e,)
    if disc.etype.order == 1:
        m = np.einsum("eiq,eq->ei", N, dx)  # row sum: int N_i (sum_j N_j = 1)
    else:
        diag = np.einsum("eiq,eiq,eq->ei", N, N, dx)
        m = diag / diag.sum(axis=1, keepdims=True)
    m = m / m.sum(axis=1, keepdims=True) * total[:, None]
    return m


def assemble_lumped(disc: Discretisation, masses: np.ndarray) -> np.ndarray:
    """(n_dof,) diagonal mass from element nodal masses (n_el, n_en)."""
    per_dof = np.repeat(masses, disc.dim, axis=1)  # vector dofs interleave components
    return np.bincount(disc.element_dofs.ravel(), per_dof.ravel(), minlength=disc.n_dof)


def lumped_mass(disc: Discretisation, density: float | np.ndarray) -> np.ndarray:
    """(n_dof,) diagonal mass [kg, per unit thickness in plane strain]: row sum for linear
    elements, HRZ for quadratic ones (every entry positive). density: scalar or (n_el,)."""
    return assemble_lumped(disc, element_masses(disc, density))
