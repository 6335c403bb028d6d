"""mslearn.dem: a 2D periodic DEM RVE engine (numba) with homogenisation and
element tests.

Typical use (see notes/dem.md)::

    from mslearn.dem import ContactParams, PackingOptions, prepare_packing, apply_strain
    prep = prepare_packing(PackingOptions(n_particles=500, seed=0), ContactParams())
    batch = prep.state.replicate(64)          # 64 RVEs, one numba call per advance
    committed = batch.copy()
    res = apply_strain(batch, d_strain)       # (64, 3) Voigt increments
    res.stress, res.stiffness, res.unbalanced
    batch.restore(committed)                  # trial / commit
"""

from mslearn.dem.elements import BiaxialOptions, biaxial_test, follow_strain_path
from mslearn.dem.engine import DEMFailure, run_batch
from mslearn.dem.homogenise import Homogenised, homogenise
from mslearn.dem.loading import (
    MEAN_STRESS,
    STRAIN,
    STRESS,
    LoadOptions,
    LoadResult,
    apply_strain,
    load,
    strain_to,
)
from mslearn.dem.material import DEMMaterial
from mslearn.dem.params import ContactParams, critical_time_step
from mslearn.dem.prepare import PackingOptions, PreparationResult, prepare_packing
from mslearn.dem.state import DEMState

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
