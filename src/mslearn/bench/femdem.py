"""FEM-DEM cost figures: wall time per Newton iteration, fraction inside DEM,
scaling over workers, memory per RVE, dataset bytes per sample, samples per hour.

Short runs of the seed 000 biaxial problem with the same strain increment per
step as the full run (10 % axial strain in 100 steps: 1e-3 per step), so the
DEM work per iteration is representative.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from mslearn.workflows.femdem import fem_dem_config, run_fem_dem


def _measure(cfg, rve, mesh: str, workers: int, executor: str, particles: int) -> dict:
    """Run ``cfg`` once in a temporary folder; the figures of one row (``rve``: one built
    DEM material point, for its memory)."""
    with tempfile.TemporaryDirectory() as tmp:
        s = run_fem_dem(cfg, Path(tmp) / "run", progress=False, points=[])
        ds = Path(s["dataset"])
        nbytes = sum(f.stat().st_size for f in ds.rglob("*") if f.is_file())
    return {
        "mesh": mesh,
        "gauss_points": s["gauss_points"],
        "particles_per_rve": particles,
        "workers": workers,
        "executor": executor,
        "steps": s["steps"],
        "iterations": s["iterations"],
        "wall_per_iteration_s": s["solver_wall_s"] / max(s["iterations"], 1),
        "dem_time_fraction": s["dem_time_fraction"],
        "outside_dem_fraction": 1 - s["dem_time_fraction"],
        "samples": s["samples"],
        "samples_per_hour": s["samples"] / s["solver_wall_s"] * 3600,
        "dataset_bytes_per_sample": nbytes / max(s["samples"], 1),
        "memory_per_rve_bytes": 2 * rve.bytes_per_rve,  # committed + work copy
    }


def _with_speedups(rows: list[dict]) -> list[dict]:
    base = rows[0]["wall_per_iteration_s"]
    for r in rows:
        r["speedup_vs_1_worker"] = base / r["wall_per_iteration_s"]
    return rows


def _execution(w: int, executor: str) -> dict:
    return {"executor": "serial" if w == 1 else executor, "workers": w}


def bench_femdem(
    mesh: str = "coarse",
    steps: int = 3,
    workers=(1,),
    n_particles: int = 500,
    executor: str = "processes",
) -> list[dict]:
    """One row per worker count: per-iteration wall time and its DEM share, etc."""
    from mslearn.micro.dem.config import DEMMaterialConfig

    rve = DEMMaterialConfig(n_particles=n_particles).build(1, 2, 1e5)
    rows = []
    for w in workers:
        data = {
            "problem": {"axial_strain": 1e-3 * steps},
            "material": {"n_particles": n_particles},
            "solver": {"n_steps": steps},
            "output": {"xdmf": False, "plots": False},
            "execution": _execution(w, executor),
        }
        cfg = fem_dem_config(data, mesh)
        rows.append(_measure(cfg, rve, mesh, w, data["execution"]["executor"], n_particles))
    return _with_speedups(rows)


def bench_femdem3d(
    mesh: tuple[int, int, int] = (1, 1, 2),
    steps: int = 2,
    workers=(1, 2),
    n_particles: int = 900,
    executor: str = "processes",
) -> list[dict]:
    """:func:`bench_femdem` for the 3D triaxial prism (seed 003 Sec. 4.4, CTC) with sphere
    RVEs of seed 003 Table 9 (diameters 5-9 mm): 1e-3 axial strain per load step."""
    from mslearn.micro.dem.config import DEMMaterialConfig

    nx, ny, nz = mesh
    material = {"n_particles": n_particles, "r_min": 0.0025, "r_max": 0.0045}
    rve = DEMMaterialConfig(**material).build(1, 3, 1e5)
    rows = []
    for w in workers:
        data = {
            "problem": {
                "type": "triaxial_3d",
                "nx": nx,
                "ny": ny,
                "nz": nz,
                "axial_strain": 1e-3 * steps,
            },  # fmt: skip
            "material": material,
            "solver": {"n_steps": steps},
            "output": {"xdmf": False, "plots": False},
            "execution": _execution(w, executor),
        }
        cfg = fem_dem_config(data)
        label = f"{nx}x{ny}x{nz} HEX8"
        rows.append(_measure(cfg, rve, label, w, data["execution"]["executor"], n_particles))
    return _with_speedups(rows)
