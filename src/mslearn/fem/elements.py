"""Element types: scikit-fem element, mesh class and Gauss rule per name.

| name | nodes | quadrature            | mesh geometry |
| ---- | ----- | --------------------- | ------------- |
| Q4   | 4     | 2x2 Gauss             | MeshQuad1     |
| Q8   | 8     | 3x3 Gauss (serendipity) | MeshQuad1 (straight sides) |
| Q8R  | 8     | 2x2 Gauss (reduced; limit loads of incompressible plasticity) | MeshQuad1 |
| T3   | 3     | 1 point               | MeshTri1      |
| T6   | 6     | 3 points              | MeshTri1 or MeshTri2 (curved sides) |
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
    family: str  # "quad" or "tri"
    intorder: int  # scikit-fem integration order giving the stated rule
    n_quad: int  # Gauss points per element
    order: int  # polynomial order of displacement

    def quadrature(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Explicit (points, weights) on the reference element, or None for scikit-fem's."""
        if self.name == "T3":  # scikit-fem's lowest triangle rule has 3 points
            return np.array([[1.0 / 3.0], [1.0 / 3.0]]), np.array([0.5])
        return None

    def scalar_element(self, mesh: fe.Mesh) -> fe.Element:
        """The scalar scikit-fem element (Quad1, QuadS2, TriP1 or TriP2) of this type."""
        if self.family == "quad":
            return fe.ElementQuad1() if self.order == 1 else fe.ElementQuadS2()
        return fe.ElementTriP1() if self.order == 1 else fe.ElementTriP2()


ELEMENT_TYPES: dict[str, ElementType] = {
    "Q4": ElementType("Q4", "quad", 3, 4, 1),
    "Q8": ElementType("Q8", "quad", 5, 9, 2),
    "Q8R": ElementType("Q8R", "quad", 3, 4, 2),
    "T3": ElementType("T3", "tri", 1, 1, 1),
    "T6": ElementType("T6", "tri", 2, 3, 2),
}


def element_type(name: str) -> ElementType:
    """Look up an element type by name; a clear error names the known ones."""
    try:
        return ELEMENT_TYPES[name.upper()]
    except KeyError:
        raise MslearnInputError(
            f"unknown element type {name!r}; expected one of {sorted(ELEMENT_TYPES)}"
        ) from None


def check_mesh_matches(mesh: fe.Mesh, etype: ElementType) -> None:
    """Raise :class:`MslearnInputError` if the mesh family (quad/tri) differs from the element's."""
    family = "quad" if isinstance(mesh, fe.MeshQuad1 | fe.MeshQuad2) else "tri"
    if family != etype.family:
        raise MslearnInputError(
            f"element type {etype.name} needs a {etype.family} mesh; got a {family} mesh"
        )


def _validate_element_name(value: str) -> str:
    if not isinstance(value, str) or value.upper() not in ELEMENT_TYPES:
        raise ValueError(f"unknown element type; expected one of {sorted(ELEMENT_TYPES)}")
    return value.upper()


#: pydantic field type for element names in configs
ElementName = Annotated[str, BeforeValidator(_validate_element_name)]
