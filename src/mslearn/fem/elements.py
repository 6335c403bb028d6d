"""Element types: scikit-fem element, mesh class and Gauss rule per name.

| name | nodes | quadrature            | mesh geometry |
| ---- | ----- | --------------------- | ------------- |
| Q4   | 4     | 2x2 Gauss             | MeshQuad1     |
| Q8   | 8     | 3x3 Gauss (serendipity) | MeshQuad1 (straight sides) |
| Q8R  | 8     | 2x2 Gauss (reduced; limit loads of incompressible plasticity) | MeshQuad1 |
| T3   | 3     | 1 point               | MeshTri1      |
| T6   | 6     | 3 points              | MeshTri1 or MeshTri2 (curved sides) |
| HEX8 | 8     | 2x2x2 Gauss           | MeshHex1      |
| HEX20 | 20   | 3x3x3 Gauss (serendipity) | MeshHex1 (straight edges) |
| HEX27 | 27   | 3x3x3 Gauss (Lagrange) | MeshHex1 or MeshHex2 (curved faces) |
| TET4 | 4     | 1 point               | MeshTet1      |
| TET10 | 10   | 4 points              | MeshTet1 or MeshTet2 (curved faces) |

2D types (quad, tri) are plane strain; 3D types (hex, tet) are full 3D.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import numpy as np
import skfem as fe
from pydantic import BeforeValidator

from mslearn.core.errors import MslearnInputError


@dataclass(frozen=True)
class ElementType:
    """An element type of the table above: name, family, quadrature and displacement order."""

    name: str
    family: str  # "quad", "tri" (2D) or "hex", "tet" (3D)
    intorder: int  # scikit-fem integration order giving the stated rule
    n_quad: int  # Gauss points per element
    order: int  # polynomial order of displacement

    @property
    def dim(self) -> int:
        """Spatial dimension: 2 (quad, tri: plane strain) or 3 (hex, tet)."""
        return 3 if self.family in ("hex", "tet") else 2

    def quadrature(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Explicit (points, weights) on the reference element, or None for scikit-fem's."""
        if self.name == "T3":  # scikit-fem's lowest triangle rule has 3 points
            return np.array([[1.0 / 3.0], [1.0 / 3.0]]), np.array([0.5])
        if self.name == "TET4":  # centroid rule, weight = reference volume 1/6
            return np.full((3, 1), 0.25), np.array([1.0 / 6.0])
        return None

    def scalar_element(self, mesh: fe.Mesh) -> fe.Element:
        """The scalar scikit-fem element of this type (Quad1, QuadS2, TriP1, TriP2, Hex1,
        HexS2, Hex2, TetP1 or TetP2)."""
        return _SCALAR_ELEMENTS[self.name]()


_SCALAR_ELEMENTS = {
    "Q4": fe.ElementQuad1,
    "Q8": fe.ElementQuadS2,
    "Q8R": fe.ElementQuadS2,
    "T3": fe.ElementTriP1,
    "T6": fe.ElementTriP2,
    "HEX8": fe.ElementHex1,
    "HEX20": fe.ElementHexS2,
    "HEX27": fe.ElementHex2,
    "TET4": fe.ElementTetP1,
    "TET10": fe.ElementTetP2,
}


ELEMENT_TYPES: dict[str, ElementType] = {
    "Q4": ElementType("Q4", "quad", 3, 4, 1),
    "Q8": ElementType("Q8", "quad", 5, 9, 2),
    "Q8R": ElementType("Q8R", "quad", 3, 4, 2),
    "T3": ElementType("T3", "tri", 1, 1, 1),
    "T6": ElementType("T6", "tri", 2, 3, 2),
    "HEX8": ElementType("HEX8", "hex", 3, 8, 1),
    "HEX20": ElementType("HEX20", "hex", 5, 27, 2),
    "HEX27": ElementType("HEX27", "hex", 5, 27, 2),
    "TET4": ElementType("TET4", "tet", 1, 1, 1),
    "TET10": ElementType("TET10", "tet", 2, 4, 2),
}


def element_type(name: str) -> ElementType:
    """Look up an element type by name; a clear error names the known ones."""
    try:
        return ELEMENT_TYPES[name.upper()]
    except KeyError:
        raise MslearnInputError(
            f"unknown element type {name!r}; expected one of {sorted(ELEMENT_TYPES)}"
        ) from None


def mesh_family(mesh: fe.Mesh) -> str:
    """ "quad", "tri", "hex" or "tet": the cell shape of a scikit-fem mesh."""
    if isinstance(mesh, fe.MeshQuad1 | fe.MeshQuad2):
        return "quad"
    if isinstance(mesh, fe.MeshHex1 | fe.MeshHex2):
        return "hex"
    if isinstance(mesh, fe.MeshTet1 | fe.MeshTet2):
        return "tet"
    if isinstance(mesh, fe.MeshTri1 | fe.MeshTri2):
        return "tri"
    raise MslearnInputError(
        f"mesh of type {type(mesh).__name__}; expected quadrilaterals, triangles, "
        "hexahedra or tetrahedra"
    )


def check_mesh_matches(mesh: fe.Mesh, etype: ElementType) -> None:
    """Raise :class:`MslearnInputError` if the mesh family (quad/tri/hex/tet) differs from
    the element's."""
    family = mesh_family(mesh)
    if family != etype.family:
        raise MslearnInputError(
            f"element type {etype.name} needs a {etype.family} mesh; got a {family} mesh"
        )


def element_names(dim: int) -> list[str]:
    """Sorted names of the element types of dimension ``dim`` (2: plane strain, 3: 3D)."""
    return sorted(k for k, v in ELEMENT_TYPES.items() if v.dim == dim)


def _validator(dim: int):
    names = element_names(dim)

    def validate(value: str) -> str:
        if not isinstance(value, str) or value.upper() not in names:
            raise ValueError(f"unknown element type; expected one of {names}")
        return value.upper()

    return validate


#: pydantic field type for 2D (plane-strain) element names in configs
ElementName = Annotated[str, BeforeValidator(_validator(2))]
#: pydantic field type for 3D element names in configs
ElementName3D = Annotated[str, BeforeValidator(_validator(3))]
