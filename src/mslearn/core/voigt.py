"""Voigt order and dimension helpers: the one place that knows n_voigt and the index maps.

Voigt order (DESIGN.md): 2D (plane strain) ``[11, 22, 12]``, 3D ``[11, 22, 33, 23, 13, 12]``;
strain vectors carry engineering shear (gamma_ij = 2 eps_ij) so that d_stress = D @ d_strain.
``dim`` is the number of spatial coordinates: 2 means plane strain, 3 full 3D.
"""

from __future__ import annotations

import numpy as np

#: component labels in Voigt order, by dimension
VOIGT_LABELS = {2: ("11", "22", "12"), 3: ("11", "22", "33", "23", "13", "12")}
#: names of the spatial axes (index -> letter), as in history columns ``top_Fx``
AXES = "xyz"
#: 3D Voigt components kept in plane strain: 11, 22, 12
PLANE_IDX = np.array([0, 1, 5])
#: the normal (direct) components in Voigt order, by dimension
NORMAL_IDX = {2: np.array([0, 1]), 3: np.array([0, 1, 2])}


def n_voigt(dim: int) -> int:
    """Number of Voigt components: 3 in 2D (plane strain), 6 in 3D."""
    if dim == 2:
        return 3
    if dim == 3:
        return 6
    raise ValueError(f"dim is {dim!r}; expected 2 (plane strain) or 3")


def dim_of(nv: int) -> int:
    """Spatial dimension (2 or 3) of a Voigt vector length (3 or 6)."""
    if nv == 3:
        return 2
    if nv == 6:
        return 3
    raise ValueError(f"Voigt length is {nv!r}; expected 3 (plane strain) or 6 (3D)")


def axis_name(component: int) -> str:
    """'x', 'y' or 'z' for a displacement / force component index."""
    return AXES[component]


def dim_label(dim: int) -> str:
    """'plane strain' or '3D'."""
    n_voigt(dim)
    return "plane strain" if dim == 2 else "3D"
