"""Named RVE parameter sets from the seed papers.

"Poisson's ratio" in these YADE-based papers is read as YADE's ``poisson``,
the ratio kt/kn of the linear law (seed README); seed 002 does not state its
damping, so the YADE FEMxDEM value 0.1 is assumed; its friction angles are
converted with mu = tan(phi_mu). Seed 003 gives diameters 6-12 mm in the text
(its Table 4 lists a size range of 3-7 mm); the text is used.
"""

from __future__ import annotations

import math

from mslearn.core.errors import MslearnInputError
from mslearn.core.strictmodel import short
from mslearn.micro.dem.params import ContactParams
from mslearn.micro.dem.prepare import PackingOptions

PRESETS: dict[str, tuple[PackingOptions, ContactParams]] = {
    # seed 000 Sec. 2.2 / Table 2 (= YADE FEMxDEM prepareRVE.py)
    "guan2023": (
        PackingOptions(n_particles=500, r_min=0.003, r_max=0.007),
        ContactParams(young=6e8, stiffness_ratio=0.8, friction=0.5, density=2650.0),
    ),
    # seed 003 Sec. 2.2 / Table 4
    "wang2026": (
        PackingOptions(n_particles=1000, r_min=0.003, r_max=0.006),
        ContactParams(young=6e8, stiffness_ratio=0.8, friction=0.5, density=2650.0),
    ),
    # seed 002 Table 3, material M1
    "qu2023_m1": (
        PackingOptions(n_particles=500, r_min=0.003, r_max=0.007),
        ContactParams(
            young=2e8, stiffness_ratio=0.3, friction=math.tan(math.radians(33.0)), density=2600.0
        ),
    ),
    # seed 002 Table 3, material M2
    "qu2023_m2": (
        PackingOptions(n_particles=500, r_min=0.0045, r_max=0.0055),
        ContactParams(
            young=8e8, stiffness_ratio=0.12, friction=math.tan(math.radians(21.8)), density=2600.0
        ),
    ),
}


def preset(name: str) -> tuple[PackingOptions, ContactParams]:
    """(PackingOptions, ContactParams) of a named parameter set."""
    if name not in PRESETS:
        raise MslearnInputError(f"preset {short(name)}: expected one of {sorted(PRESETS)}")
    return PRESETS[name]
