"""Explicit solver cost: element-steps per second per core, and exFEM-CSUH against exFEM-DEM.

* ``throughput``: the biaxial problem (Q4) and the strip footing (T3, T6) at about
  ``target_elements`` elements, with the linear-elastic reference law and with CSUH,
  advanced ``n_explicit`` central-difference steps by :class:`ExplicitSolver` on one
  thread (numba, torch and BLAS pinned to one core by the caller's environment or by
  :func:`one_thread`). Element-steps per second = elements x explicit steps / solver
  loop time (the first output step is a warm-up and is not counted).
* ``csuh_vs_dem``: one BVP and mesh run with the DEM material and with CSUH through
  the same explicit solver, side by side in one process: wall times, their ratio, and
  the share of the exFEM-DEM step spent outside the DEM (everything but
  ``material.trial``).
"""

from __future__ import annotations

import time

from mslearn.materials.config import material_config
from mslearn.problems.config import validate_config

#: (label, problem table) of the throughput meshes; sizes tuned to ~1000 elements
THROUGHPUT_MESHES = {
    "Q4": {"type": "biaxial", "nx": 22, "ny": 44, "element": "Q4"},
    "T3": {"type": "strip_footing", "element": "T3", "h_edge": 0.08, "h_far": 0.3},
    "T6": {"type": "strip_footing", "element": "T6", "h_edge": 0.08, "h_far": 0.3},
}
SMOKE_MESHES = {
    "Q4": {"type": "biaxial", "nx": 4, "ny": 8, "element": "Q4"},
    "T3": {"type": "strip_footing", "element": "T3", "h_edge": 0.3, "h_far": 1.0},
    "T6": {"type": "strip_footing", "element": "T6", "h_edge": 0.3, "h_far": 1.0},
}
MATERIALS = {
    "elastic": {"type": "linear_elastic", "young": 50e6, "poisson": 0.3},
    "csuh": {"type": "csuh"},
}


def one_thread() -> None:
    """Pin torch to one thread (numba and BLAS follow NUMBA_NUM_THREADS / OMP_NUM_THREADS)."""
    import torch

    torch.set_num_threads(1)


def _config(problem: dict, material: dict, output_steps: int = 2):
    """An explicit run config of ``problem`` with ``material`` (no files written); the
    duration is set from a probe of the critical step so that a run takes about
    ``n_explicit`` automatic (0.9 x critical) steps, more if the material stiffens."""
    return validate_config(
        {
            "problem": problem,
            "material": material,
            "solver": {"type": "explicit", "n_steps": output_steps},
            "output": {"xdmf": False, "plots": False},
        }
    )


def explicit_rate(problem: dict, material: dict, n_explicit: int = 200) -> dict:
    """Element-steps per second of ``n_explicit`` explicit steps on one problem and material."""
    from mslearn.fem.solvers.explicit import ExplicitOptions, ExplicitSolver

    cfg = _config(problem, material)
    prob = cfg.problem.build()
    mat = cfg.material.build(prob.n_points, prob.disc.dim, prob.initial_pressure)
    probe = ExplicitSolver(prob.disc, mat, prob.bcs, cfg.solver.explicit_options())
    probe.initial_state()
    dt = probe.summary()["critical_time_step"] * 0.9
    # two output steps of n_explicit / 2 steps each: the first is the warm-up
    opts = ExplicitOptions(n_steps=2, duration=dt * n_explicit, local_damping=0.1)
    mat = cfg.material.build(prob.n_points, prob.disc.dim, prob.initial_pressure)
    solver = ExplicitSolver(prob.disc, mat, prob.bcs, opts)
    marks = []
    solver.run([lambda s: marks.append((time.perf_counter(), s.iterations))])
    (t1, _), (t2, steps) = marks[1], marks[2]
    n_el = int(prob.disc.n_el)
    return {
        "elements": n_el,
        "gauss_points": int(prob.n_points),
        "explicit_steps": int(steps),
        "seconds": t2 - t1,
        "element_steps_per_s": n_el * steps / max(t2 - t1, 1e-12),
        "time_step": float(dt),
    }


def throughput(smoke: bool = False, n_explicit: int = 200) -> list[dict]:
    """One row per (mesh, material): element-steps per second per core."""
    one_thread()
    meshes = SMOKE_MESHES if smoke else THROUGHPUT_MESHES
    rows = []
    for label, problem in meshes.items():
        for name, material in MATERIALS.items():
            row = explicit_rate(problem, material, 20 if smoke else n_explicit)
            rows.append({"mesh": label, "material": name, **row})
    return rows


def csuh_vs_dem(problem: dict, dem: dict, n_steps: int, solver: dict) -> dict:
    """Wall times of the same explicit run with the DEM material and with CSUH (side by side).

    ``solver``: extra [solver] fields (duration, time_step, damping) shared by both runs.
    Returns wall times [s], their ratio, explicit steps and the share of the exFEM-DEM
    loop spent outside ``material.trial``.
    """
    from mslearn.fem.solvers.explicit import ExplicitSolver

    out = {}
    for name, material in (("dem", dem), ("csuh", MATERIALS["csuh"])):
        cfg = validate_config(
            {
                "problem": problem,
                "material": material,
                "solver": {"type": "explicit", "n_steps": n_steps, **solver},
            }
        )
        prob = cfg.problem.build()
        mat = material_config(material).build(prob.n_points, prob.disc.dim, prob.initial_pressure)
        sol = ExplicitSolver(prob.disc, mat, prob.bcs, cfg.solver.explicit_options())
        t0 = time.perf_counter()
        sol.run()
        wall = time.perf_counter() - t0
        t = sol.timings
        out[name] = {
            "wall_s": wall,
            "material_s": t["material"],
            "outside_material_fraction": max(wall - t["material"], 0.0) / max(wall, 1e-12),
            **{k: sol.summary()[k] for k in ("explicit_steps", "time_step")},
        }
    out["gauss_points"] = int(prob.n_points)
    out["speedup"] = out["dem"]["wall_s"] / max(out["csuh"]["wall_s"], 1e-12)
    return out


def format_rows(rows: list[dict]) -> str:
    """The throughput rows as a text table."""
    head = f"{'mesh':<5}{'material':<9}{'elements':>9}{'steps':>7}{'el-steps/s':>13}"
    lines = [head]
    for r in rows:
        lines.append(
            f"{r['mesh']:<5}{r['material']:<9}{r['elements']:>9d}{r['explicit_steps']:>7d}"
            f"{r['element_steps_per_s']:>13.3e}"
        )
    return "\n".join(lines)


def versus_dem_default(relaxation: str) -> dict:
    """:func:`csuh_vs_dem` on a 2x4 Q4 biaxial (32 Gauss points), 200-disk RVEs at 100 kPa,
    2 output steps over 10 P-wave transit times, local damping 0.3, on one thread;
    ``relaxation``: "equilibrium" (unbalanced 1e-4, <= 2000 DEM steps) or "fixed" (20)."""
    from mslearn.core.errors import MslearnInputError

    dem: dict = {"type": "dem", "n_particles": 200, "packings": 1}
    if relaxation == "fixed":
        dem.update(relaxation="fixed", dem_steps=20)
    elif relaxation == "equilibrium":
        dem.update(max_relax_steps=2000)
    else:
        raise MslearnInputError(f"--versus-dem {relaxation!r}: expected 'equilibrium' or 'fixed'")
    one_thread()
    problem = {"type": "biaxial", "nx": 2, "ny": 4, "element": "Q4"}
    out = csuh_vs_dem(problem, dem, 2, {"transit_times": 10, "local_damping": 0.3})
    return {**out, "relaxation": relaxation}
