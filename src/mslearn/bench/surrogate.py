"""Surrogate cost figures: inference throughput, FEM-ML vs elastic FEM, FEM-ML vs
FEM-DEM per Newton iteration.

The timing model is a default-architecture committee (2 x 40 ReLU, 5 members)
fitted briefly to synthetic elastic data: inference cost does not depend on
how well a network is trained.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from mslearn.learn.fit import fit_surrogate
from mslearn.learn.persistence import load_surrogate
from mslearn.learn.training import TrainOptions


def timing_model(folder: Path, members: int = 5) -> Path:
    """Save a default-architecture point MLP committee (5 epochs on elastic data) in ``folder``."""
    from mslearn.learn.features import Arrays
    from mslearn.materials import LinearElastic

    rng = np.random.default_rng(0)
    n = 2000
    mat = LinearElastic(50e6, 0.3, n, initial_pressure=1e5)
    eps = rng.uniform(-0.05, 0.05, (n, 3))
    r = mat.trial(eps)
    a = Arrays(
        np.hstack([eps, np.abs(eps) * 2]),
        r.stress,
        r.stiffness,
        np.zeros(n, int),
        np.arange(n) % 64,
    )
    sur, _ = fit_surrogate(a, TrainOptions(members=members, max_epochs=5), mode="joint")
    return sur.save(folder)


def inference_throughput(
    model: Path, batches=(32, 512, 4096, 32768, 100_000), repeats: int = 5
) -> list[dict]:
    """Points per second of the seam evaluation (mean stress, D, std) per batch size
    (median of ``repeats``): rows {"batch", "seconds", "points_per_s"}."""
    sur = load_surrogate(model, kind="mlp")
    rng = np.random.default_rng(1)
    rows = []
    for b in batches:
        x = rng.uniform(-0.01, 0.01, (b, 6))
        sur.respond(x)
        t = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            sur.respond(x)
            t.append(time.perf_counter() - t0)
        rows.append(
            {"batch": b, "seconds": float(np.median(t)), "points_per_s": b / float(np.median(t))}
        )
    return rows


def _per_iteration(material: dict, mesh: str, steps: int, out: Path) -> dict:
    from mslearn.problems.config import validate_config
    from mslearn.workflows.bvp import run_bvp
    from mslearn.workflows.femdem import MESHES

    cfg = validate_config(
        {
            "problem": {"type": "biaxial", **MESHES[mesh], "axial_strain": 1e-3 * steps},
            "material": material,
            "solver": {"n_steps": steps},
            "output": {"xdmf": False, "plots": False},
        }
    )
    s = run_bvp(cfg, out, progress=False)
    return {
        "s_per_iteration": s["solver_wall_s"] / max(s["iterations"], 1),
        "iterations": s["iterations"],
        "material_fraction": s["material_time_fraction"],
        "gauss_points": s["gauss_points"],
    }


def bench_surrogate(
    mesh: str = "fine",
    steps: int = 5,
    femdem_steps: int = 1,
    particles: int = 500,
    skip_femdem: bool = False,
) -> dict:
    """Throughput of 5- and 1-member committees and per-iteration cost of FEM-ML against
    elastic FEM (and FEM-DEM unless ``skip_femdem``) on the biaxial ``mesh``."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        m5, m1 = timing_model(tmp / "m5", 5), timing_model(tmp / "m1", 1)
        thr5, thr1 = inference_throughput(m5), inference_throughput(m1)
        ml = _per_iteration({"type": "surrogate", "model": str(m5)}, mesh, steps, tmp / "ml")
        el = _per_iteration({"type": "linear_elastic"}, mesh, steps, tmp / "el")
        out = {
            "mesh": mesh,
            "inference": [
                {
                    "batch": a["batch"],
                    "points_per_s_committee5": a["points_per_s"],
                    "points_per_s_single": b["points_per_s"],
                    "committee_cost_ratio": b["points_per_s"] / a["points_per_s"],
                }
                for a, b in zip(thr5, thr1, strict=True)
            ],
            "fem_ml": ml,
            "fem_elastic": el,
            "fem_ml_over_elastic_per_iteration": ml["s_per_iteration"] / el["s_per_iteration"],
        }
        if not skip_femdem:
            dem = _per_iteration(
                {"type": "dem", "n_particles": particles, "max_relax_steps": 2000},
                mesh,
                femdem_steps,
                tmp / "dem",
            )
            out["fem_dem"] = dem
            out["speedup_per_iteration"] = dem["s_per_iteration"] / ml["s_per_iteration"]
        return out
