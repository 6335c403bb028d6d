"""Sizes of the seed 003 chain and the paper's tables as data (Tables 5-8, 10-16).

A :class:`Seed003Size` fixes every run of ``mslearn study seed003``: the disk RVEs
(seed 003 Table 4: diameters 6-12 mm, E = 600 MPa, kt/kn = 0.8, friction 0.5,
density 2650 kg/m3; fewer disks at the smaller sizes), the meshes and load steps of
the strip footing (training data) and of the three 2D validation BVPs, the 3D size of
:mod:`mslearn.experiments.triaxial3d_chain`, and the calibration budget.

* ``smoke``: a handful of Gauss points per BVP, 40-disk RVEs, 4 load steps; minutes on
  2 cores.
* ``demo``: the problems' ``micro_defaults`` meshes (47 / 8 / 48 / 48 Gauss points),
  100-disk RVEs, 20 steps; hours on 2 cores (not run here).
* ``paper``: seed 003's meshes (footing 526 T3 ~ the paper's 552, biaxial 11 x 22 T3 =
  484, retaining wall 321 T3, cavity 15 x 15 Q4 = 900 Gauss points), 1000-disk RVEs,
  the paper's 7500 / 5000 / 6000 / 7100 steps (defined, not run: days on 16 cores).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace

from mslearn.core.errors import MslearnInputError
from mslearn.experiments.common import cache_key

#: the validation BVPs of seed 003 Sec. 4.1-4.3 (problem type names)
BVPS = ("biaxial", "retaining_wall", "cavity")
#: their names in the study's ``tables`` output
TABLE_NAMES = {
    "biaxial": "biaxial",
    "retaining_wall": "retaining_wall",
    "cavity": "cavity_expansion",
}
MODELS = ("csuh", "mcc", "ime")
SOLVERS = ("implicit", "explicit")


@dataclass(frozen=True)
class Seed003Size:
    """Every size of the chain (module doc). Problem tables are ``[problem]`` overrides
    of the registered problem (SI units); ``*_steps`` the load steps of each BVP."""

    particles: int = 40
    r_min: float = 0.003  # Table 4 diameters 6-12 mm (as in micro/dem/presets.py)
    r_max: float = 0.006
    relax: int = 200
    strain_per_dem_step: float = 2e-5
    tol_residual: float = 2e-2
    solver: str = "explicit"  # central difference (Sec. 2.2); "implicit": Newton
    curve_points: int = 40  # at most this many evenly spaced steps per Gauss-point curve
    footing: dict = field(default_factory=dict)
    footing_steps: int = 4
    biaxial: dict = field(default_factory=dict)
    biaxial_steps: int = 4
    retaining_wall: dict = field(default_factory=dict)
    retaining_wall_steps: int = 4
    cavity: dict = field(default_factory=dict)
    cavity_steps: int = 4
    triaxial: str = "smoke"  # a size of triaxial3d_chain.SIZES
    epochs: int = 4
    lm_iter: int = 2
    max_seconds: float | None = None  # always None: budgets are epochs and iterations
    seed: int = 0
    bounds: str = "material"  # femdem_calibration.material_bounds
    mask: str = "curve"
    phi_peak: float = 30.7  # 2D DEM friction angles [deg] (notes/dem.md)
    phi_cs: float = 20.2
    models: tuple[str, ...] = ("csuh",)  # Sec. 5 adds "mcc", "ime"
    fractions: tuple[float, ...] = ()  # Fig. 33: training fractions of the footing curves

    def rve(self) -> dict:
        """The ``[material]`` table of the DEM RVEs."""
        return {
            "type": "dem",
            "n_particles": self.particles,
            "r_min": self.r_min,
            "r_max": self.r_max,
            "young": 6e8,
            "stiffness_ratio": 0.8,
            "friction": 0.5,
            "density": 2650.0,
            "max_relax_steps": self.relax,
            "max_strain_per_step": self.strain_per_dem_step,
        }

    def problem(self, name: str) -> tuple[dict, int]:
        """(``[problem]`` table, load steps) of "strip_footing" or one of :data:`BVPS`."""
        key = "footing" if name == "strip_footing" else name
        if key not in ("footing", *BVPS):
            raise MslearnInputError(f"problem {name!r}; expected strip_footing or one of {BVPS}")
        return {"type": name, **getattr(self, key)}, getattr(self, f"{key}_steps")

    def femdem_key(self, name: str) -> str:
        """Cache key of the FEM-DEM run of problem ``name`` (what defines that run only)."""
        table, steps = self.problem(name)
        d = {"problem": table, "steps": steps, "rve": self.rve(), "solver": self.solver,
             "tol": self.tol_residual}  # fmt: skip
        return cache_key(json.loads(json.dumps(d, sort_keys=True)))


_SMOKE = Seed003Size(
    footing={"h_edge": 0.6, "h_far": 2.0, "element": "T3", "settlement": 0.01},
    biaxial={"width": 0.05, "height": 0.1, "nx": 1, "ny": 2, "element": "Q4",
             "axial_strain": 0.02, "confining_pressure": 100e3, "platens": "rough"},
    retaining_wall={"mesh": "structured", "nx": 2, "ny": 3, "element": "Q4",
                    "wall_displacement": 0.02},
    cavity={"mesh": "structured", "n_radial": 2, "n_theta": 2, "element": "Q4",
            "cavity_displacement": 0.5e-3, "pin_top_corner": True},
    epochs=30,
    lm_iter=20,
    models=MODELS,
    fractions=(0.6, 0.8),
)  # fmt: skip

SIZES = {
    "smoke": _SMOKE,
    "demo": replace(
        _SMOKE,
        particles=100,
        relax=600,
        strain_per_dem_step=1e-5,
        tol_residual=1e-2,
        footing={"h_edge": 0.25, "h_far": 1.0, "element": "T3", "settlement": 0.05},
        footing_steps=20,
        biaxial={**_SMOKE.biaxial, "nx": 2, "ny": 4, "axial_strain": 0.1},
        biaxial_steps=20,
        retaining_wall={
            "mesh": "structured",
            "nx": 4,
            "ny": 3,
            "element": "Q4",
            "wall_displacement": 0.05,
        },
        retaining_wall_steps=20,
        cavity={
            "mesh": "structured",
            "n_radial": 4,
            "n_theta": 3,
            "element": "Q4",
            "cavity_displacement": 2e-3,
            "pin_top_corner": True,
        },
        cavity_steps=20,
        triaxial="default",
        epochs=40,
        lm_iter=40,
        models=MODELS,
        fractions=(0.6, 0.7, 0.8, 0.9),
    ),  # fmt: skip
    "paper": replace(
        _SMOKE,
        particles=1000,
        relax=20_000,
        strain_per_dem_step=1e-5,
        tol_residual=1e-3,
        solver="explicit",
        footing={"h_edge": 0.06, "h_far": 0.28, "element": "T3", "settlement": 0.15},
        footing_steps=7500,
        biaxial={**_SMOKE.biaxial, "nx": 11, "ny": 22, "element": "T3", "axial_strain": 0.1},
        biaxial_steps=5000,
        retaining_wall={"mesh": "gmsh", "h": 0.24, "element": "T3", "wall_displacement": 0.26},
        retaining_wall_steps=6000,
        cavity={
            "mesh": "structured",
            "n_radial": 15,
            "n_theta": 15,
            "element": "Q4",
            "cavity_displacement": 10e-3,
            "pin_top_corner": True,
        },
        cavity_steps=7100,
        triaxial="default",
        epochs=50_000,
        lm_iter=40,
        models=MODELS,
        fractions=(0.6, 0.7, 0.8, 0.9),
    ),  # fmt: skip
}


def size_with(base: str, **over) -> Seed003Size:
    """A named size with fields overridden (None values ignored), checked."""
    if base not in SIZES:
        raise MslearnInputError(f"size {base!r}; expected one of {sorted(SIZES)}")
    size = replace(SIZES[base], **{k: v for k, v in over.items() if v is not None})
    if size.solver not in SOLVERS:
        raise MslearnInputError(f"solver = {size.solver!r}; expected one of {list(SOLVERS)}")
    bad = [m for m in size.models if m not in MODELS]
    if bad or not size.models:
        raise MslearnInputError(f"models = {size.models!r}; expected some of {list(MODELS)}")
    if any(not 0.0 < f < 1.0 for f in size.fractions):
        raise MslearnInputError(f"fractions = {size.fractions!r}; expected values in (0, 1)")
    return size


def describe(size: Seed003Size) -> dict:
    """The size as JSON-able data (recorded in run.json and report.json)."""
    return json.loads(json.dumps(asdict(size)))


# --------------------------------------------------------------- the paper's numbers
#: Table 5 (CSUH, 2D strip footing), Table 10 (CSUH, 3D CTC), Table 15 (MCC); Table 14
#: (enhanced IME) with Table 12's initial values as "original"
PAPER_PARAMS = {
    "csuh": {
        "original": {"kappa": 0.04, "lam": 0.135, "N": 1.9, "Z": 0.9, "m": 1.8, "nu": 0.2,
                     "e0": 0.721, "M": 1.25},
        "optimised": {"kappa": 0.162, "lam": 0.223, "N": 2.253, "Z": 0.516, "m": 0.635,
                      "nu": 0.236, "e0": 0.276, "M": 0.792},
    },
    "csuh_3d": {
        "original": {"kappa": 0.04, "lam": 0.135, "N": 1.9, "Z": 0.9, "m": 1.8, "nu": 0.2,
                     "e0": 0.721, "M": 1.25},
        "optimised": {"kappa": 0.119, "lam": 0.167, "N": 2.653, "Z": 0.628, "m": 0.596,
                      "nu": 0.249, "e0": 0.366, "M": 0.895},
    },
    "mcc": {
        "original": {"kappa": 0.04, "lam": 0.135, "N": 1.9, "nu": 0.2, "e0": 0.721, "M": 1.25},
        "optimised": {"kappa": 0.126, "lam": 0.206, "N": 3.153, "nu": 0.226, "e0": 0.297,
                      "M": 0.906},
    },
    "ime": {
        "original": {"E": 2e7, "nu": 0.2, "A": 3e5, "B": 0.2, "eps0": 0.02, "sigma0": 1e4,
                     "Cd": 0.1, "Cp": -0.1, "C": 3e5, "D": 0.2, "eps0p": 0.02, "nE": 0.1},
        "optimised": {"E": 4.81e8, "nu": 0.216, "A": 34.5, "B": -2.23, "eps0": 2.79e-2,
                      "sigma0": 5.17e-6, "Cd": 0.155, "Cp": -0.512, "C": 8.35e-5, "D": 0.424,
                      "eps0p": 8.83e-4, "nE": -3.54},
    },
}  # fmt: skip

#: Tables 6, 7, 8, 11: Gauss points, total steps, wall times [h] of exFEM-DEM / original /
#: optimised CSUH, and the (overall MAE, peak error, post-peak error) of the original and
#: the optimised CSUH; units as printed (kN for the biaxial and the wall, kPa for the cavity
#: and PTC; Table 11's "Overall MAE" has no unit)
PAPER_TABLES = {
    "biaxial": {"table": 6, "gauss_points": 484, "steps": 5000, "unit": "kN",
                "wall_h": {"dem": 10.974, "original": 0.146, "calibrated": 0.142},
                "original": (24.31, 33.02, 22.76), "calibrated": (6.92, 3.57, 8.23)},
    "retaining_wall": {"table": 7, "gauss_points": 321, "steps": 6000, "unit": "kN",
                       "wall_h": {"dem": 9.316, "original": 0.133, "calibrated": 0.131},
                       "original": (79.61, 97.86, 52.68), "calibrated": (14.96, 21.76, 7.49)},
    "cavity_expansion": {"table": 8, "gauss_points": 900, "steps": 7100, "unit": "kPa",
                         "wall_h": {"dem": 17.362, "original": 0.187, "calibrated": 0.185},
                         "original": (52.12, 67.69, 51.79), "calibrated": (9.25, 14.25, 2.76)},
    "triaxial_3d": {"table": 11, "gauss_points": 27648, "steps": 7100, "unit": "kPa",
                    "wall_h": {"dem": 49.316, "original": 0.486, "calibrated": 0.485},
                    "original": (9.16, 10.03, 9.19), "calibrated": (2.39, 3.55, 2.26)},
}  # fmt: skip

#: Table 16: biaxial prediction MAE and wall times [h] of the optimised enhanced IME and
#: MCC; Sec. 5.3 minimum training losses at 70 % of the data (Fig. 33)
PAPER_TABLE16 = {
    "dem_wall_h": 10.974,
    "ime": {"wall_h": 0.122, "mae": 4.257, "min_loss_70": 0.0146},
    "mcc": {"wall_h": 0.129, "mae": 7.913, "min_loss_70": 0.0078},
}
#: Sec. 3.3: the CSUH minimum training loss on the strip-footing data (scheme 3)
PAPER_CSUH_MIN_LOSS = 1.49e-3
#: Sec. 3.1: the exFEM-DEM strip footing (552 T3 Gauss points, 7500 steps, 12.37 h)
PAPER_FOOTING = {"gauss_points": 552, "steps": 7500, "wall_h": 12.37}
