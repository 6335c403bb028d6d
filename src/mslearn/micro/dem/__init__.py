"""mslearn.micro.dem: a 2D periodic DEM RVE engine (numba) with homogenisation and
element tests.

Typical use (see notes/dem.md)::

    from mslearn.micro.dem import ContactParams, PackingOptions, prepare_packing, apply_strain
    prep = prepare_packing(PackingOptions(n_particles=500, seed=0), ContactParams())
    batch = prep.state.replicate(64)          # 64 RVEs, one numba call per advance
    committed = batch.copy()
    res = apply_strain(batch, d_strain)       # (64, 3) Voigt increments
    res.stress, res.stiffness, res.unbalanced
    batch.restore(committed)                  # trial / commit
"""

from mslearn.micro.dem.disk2d.engine import DEMFailure, run_batch
from mslearn.micro.dem.disk2d.homogenise import Homogenised, homogenise
from mslearn.micro.dem.disk2d.loading import (
    MEAN_STRESS,
    STRAIN,
    STRESS,
    LoadOptions,
    LoadResult,
    apply_strain,
    load,
    strain_to,
)
from mslearn.micro.dem.disk2d.state import DEMState
from mslearn.micro.dem.elements import BiaxialOptions, biaxial_test, follow_strain_path
from mslearn.micro.dem.material import DEMMaterial
from mslearn.micro.dem.params import ContactParams, critical_time_step
from mslearn.micro.dem.prepare import PackingOptions, PreparationResult, prepare_packing

__all__ = [
    "MEAN_STRESS",
    "STRAIN",
    "STRESS",
    "BiaxialOptions",
    "ContactParams",
    "DEMFailure",
    "DEMMaterial",
    "DEMState",
    "Homogenised",
    "LoadOptions",
    "LoadResult",
    "PackingOptions",
    "PreparationResult",
    "apply_strain",
    "biaxial_test",
    "critical_time_step",
    "follow_strain_path",
    "homogenise",
    "load",
    "prepare_packing",
    "run_batch",
    "strain_to",
]
