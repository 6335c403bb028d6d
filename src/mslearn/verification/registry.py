"""All verification cases of the package: 2D and 3D FEM here, the explicit solver's, and 2D and
3D DEM from their modules."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from mslearn.verification import cases as fem
from mslearn.verification.cases3d import fem3d_cases
from mslearn.verification.explicit import explicit_cases


def _fem_cases(smoke: bool) -> list[tuple[str, Callable[[], fem.Case]]]:
    out: list[tuple[str, Callable[[], fem.Case]]] = []
    for el in ("Q4", "Q8", "T3", "T6"):
        out.append((f"patch_test_{el}", lambda el=el: fem.patch_test(el)))
    for el in ("Q4", "Q8", "T3", "T6"):
        out.append((f"convergence_rate_{el}", lambda el=el: fem.convergence_rate(el)))
    out.append(("lame_cylinder_T6", lambda: fem.lame_cylinder("T6", h=0.02 if smoke else 0.01)))
    out.append(
        ("prandtl_T6", lambda: fem.prandtl_bearing_capacity("T6", h_edge=0.02 if smoke else 0.01))
    )
    out.append(("dp_homogeneous_biaxial", fem.dp_homogeneous_biaxial))
    for mode in ("active", "passive"):
        out.append((f"rankine_{mode}_drucker_prager", lambda m=mode: fem.rankine_wall(m, smoke)))
    out.append(("cavity_lame_slope_T6", lambda: fem.cavity_lame_slope("T6", smoke)))
    for law, el in (("tresca", "T6"), ("von_mises", "Q8R")):
        out.append(
            (
                f"cavity_limit_{law}_{el}",
                lambda law=law, el=el: fem.cavity_limit_pressure(law, el, smoke),
            )
        )
    return out


def run_all(smoke: bool = False, only: str = "") -> list[dict]:
    """Run every case whose name contains ``only`` (2D and 3D FEM, the explicit solver's,
    then the 2D and 3D DEM cases); a list of result dicts. ``only = "dem"`` selects every
    DEM case, ``only = "explicit"`` every explicit-solver case."""
    fem_cases = _fem_cases(smoke) + fem3d_cases(smoke) + explicit_cases(smoke)
    results = [f().as_dict() for name, f in fem_cases if only in name]
    for module, prefix in (("mslearn.verification.dem", "dem."), ("mslearn.verification.dem3d",
                                                                      "dem3d.")):  # fmt: skip
        if only and results and "dem" not in only and only not in prefix:
            continue  # a FEM selection ("patch_test_3d"): do not pay for the DEM cases
        try:
            dem = importlib.import_module(module)
        except ModuleNotFoundError:
            continue
        results += [c for c in dem.run_cases(smoke=smoke) if only in c["name"] or "dem" in only]
    return results
