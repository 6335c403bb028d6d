"""mslearn.micro.dem.sphere3d: a 3D periodic DEM RVE engine of spheres (numba), the
sibling of the disk engine with the same structure and signatures (Voigt
length 6, order [11, 22, 33, 23, 13, 12], engineering shear).

Typical use::

    from mslearn.micro.dem.sphere3d import PackingOptions3D, prepare_packing3d, apply_strain
    prep = prepare_packing3d(PackingOptions3D(n_particles=300), ContactParams())
    batch = prep.state.replicate(8)
    res = apply_strain(batch, d_strain)      # (8, 6)
    res.stress, res.stiffness, res.unbalanced
"""

from mslearn.micro.dem.sphere3d.engine import DEMFailure, Diagnostics3D, make_control, run_batch
from mslearn.micro.dem.sphere3d.homogenise import Homogenised3D, homogenise
from mslearn.micro.dem.sphere3d.inertial import inertial_number
from mslearn.micro.dem.sphere3d.loading import (
    MEAN_STRESS,
    STRAIN,
    STRESS,
    LoadOptions,
    LoadResult,
    LoadResult3D,
    apply_strain,
    load,
    strain_to,
)
from mslearn.micro.dem.sphere3d.prepare import (
    PackingOptions3D,
    PreparationResult3D,
    prepare_packing3d,
    random_spheres,
)
from mslearn.micro.dem.sphere3d.state import SphereState

__all__ = [
    "MEAN_STRESS",
    "STRAIN",
    "STRESS",
    "DEMFailure",
    "Diagnostics3D",
    "Homogenised3D",
    "LoadOptions",
    "LoadResult",
    "LoadResult3D",
    "PackingOptions3D",
    "PreparationResult3D",
    "SphereState",
    "apply_strain",
    "homogenise",
    "inertial_number",
    "load",
    "make_control",
    "prepare_packing3d",
    "random_spheres",
    "run_batch",
    "strain_to",
]
