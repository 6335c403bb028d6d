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


# ------------------------------------------------------------- 3D sphere RVEs
def _presets3d() -> dict:
    """Sphere-RVE parameter sets, each at the paper's size and a small size
    ("_small") this machine runs in seconds. Readings (notes/dem3d.md):
    seed 003 Table 9 "particle size range (5~9) mm" read as diameters, no
    stiffness ratio given (0.8, as the 2D seeds), "damping ratio 0.1" read as
    local damping; seed 001 Table 1 gives constant kn = 1e5 N/m, kt = 5e4 N/m:
    the linear law here has kn = 2 E r1 r2 / (r1 + r2), so E = 3.33e7 Pa gives
    kn = 1e5 N/m between two spheres of the mean radius 3 mm (kt/kn = 0.5),
    at 200 kPa with local damping 0.5; seed 002 Table 3 (a 2D RVE of 500
    disks in the paper) is used as sphere RVEs of 500 spheres, "Poisson's
    ratio" read as kt/kn and damping 0.1 assumed, as for the 2D presets."""
    from mslearn.micro.dem.sphere3d.prepare import PackingOptions3D

    wang = ContactParams(young=6e8, stiffness_ratio=0.8, friction=0.5, density=2650.0,
                         local_damping=0.1)  # fmt: skip
    qu1 = ContactParams(young=3.333e7, stiffness_ratio=0.5, friction=0.5, density=2600.0,
                        local_damping=0.5)  # fmt: skip
    m1 = ContactParams(young=2e8, stiffness_ratio=0.3, friction=math.tan(math.radians(33.0)),
                       density=2600.0)  # fmt: skip
    m2 = ContactParams(young=8e8, stiffness_ratio=0.12, friction=math.tan(math.radians(21.8)),
                       density=2600.0)  # fmt: skip
    sets = {
        "wang2026_3d": (dict(r_min=0.0025, r_max=0.0045, p0=1e5), wang, 900, 250),
        "qu2023a_3d": (dict(r_min=0.002, r_max=0.004, p0=2e5), qu1, 4037, 250),
        "qu2023_m1_3d": (dict(r_min=0.003, r_max=0.007, p0=1e5), m1, 500, 200),
        "qu2023_m2_3d": (dict(r_min=0.0045, r_max=0.0055, p0=1e5), m2, 500, 200),
    }
    out = {}
    for name, (kw, params, n_paper, n_small) in sets.items():
        out[name] = (PackingOptions3D(n_particles=n_paper, **kw), params)
        out[name + "_small"] = (PackingOptions3D(n_particles=n_small, **kw), params)
    return out


def preset3d(name: str):
    """(PackingOptions3D, ContactParams) of a named sphere-RVE parameter set."""
    sets = _presets3d()
    if name not in sets:
        raise MslearnInputError(f"3D preset {short(name)}: expected one of {sorted(sets)}")
    return sets[name]


def presets3d() -> list[str]:
    """Names of the sphere-RVE parameter sets."""
    return sorted(_presets3d())
