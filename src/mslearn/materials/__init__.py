"""Material models behind the one FEM seam (see DESIGN.md).

Every constitutive answer is a batched :class:`MaterialModel` with trial/commit.
"""

from mslearn.materials.base import MaterialModel, MaterialResponse
from mslearn.materials.elastic import LinearElastic
from mslearn.materials.plasticity import DruckerPrager, tresca_plane_strain, von_mises

__all__ = [
    "DruckerPrager",
    "LinearElastic",
    "MaterialModel",
    "MaterialResponse",
    "tresca_plane_strain",
    "von_mises",
]
