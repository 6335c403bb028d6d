"""`mslearn generate`: data campaigns of FEM-DEM runs (seed 000 Sec. 3.4.1, Table 1).

Default layout: 10 Gaussian-process confining paths x 3 meshes (coarse,
medium, fine), every run recorded into its own Zarr dataset, then merged.
Runs go through a pool of ``jobs`` worker processes (one run per worker).
Each run is resumable: a finished run (summary.json, completed) is skipped,
a run with a checkpoint continues from it, anything else starts afresh.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from mslearn.paths import gaussian_process_paths
from mslearn.workflows.checkpoint import CHECKPOINT


@dataclass
class CampaignOptions:
    meshes: tuple[str, ...] = ("coarse", "medium", "fine")
    n_paths: int = 10
    path_seed: int = 0
    n_steps: int = 100
    amplitude: float = 0.3
    v_c: tuple[float, float] = (1.0, 5.0)
    material: dict = field(default_factory=dict)  # overrides of the DEM material
    solver: dict = field(default_factory=dict)
    problem: dict = field(default_factory=dict)
    checkpoint_every: int = 10
    jobs: int = 1
    smoke: bool = False


def run_specs(opts: CampaignOptions) -> list[dict]:
    """One spec per run: name, mesh, path index and the confining history."""
    paths = gaussian_process_paths(
        opts.n_paths, opts.n_steps, v_c=opts.v_c, amplitude=opts.amplitude, seed=opts.path_seed
    )
    specs = []
    for mesh in opts.meshes:
        for i in range(opts.n_paths):
            specs.append(
                {
                    "name": f"{mesh}_path{i:02d}",
                    "mesh": mesh,
                    "path": i,
                    "history": paths.history(i),
                }
            )
    return specs


def _one_run(spec: dict, opts: CampaignOptions, folder: str, run_id: int) -> dict:
    from mslearn.workflows.femdem import fem_dem_config, run_fem_dem

    out = Path(folder)
    summary = out / "summary.json"
    if summary.is_file():
        s = json.loads(summary.read_text())
        if s.get("completed"):
            return {**s, "name": spec["name"], "skipped": True}
    data = {
        "problem": dict(opts.problem),
        "material": dict(opts.material),
        "solver": {"n_steps": opts.n_steps, **opts.solver},
        "output": {"xdmf": False},
    }
    if opts.smoke:
        data["solver"]["n_steps"] = min(opts.n_steps, 4)
    cfg = fem_dem_config(data, spec["mesh"], opts.smoke, spec["history"])
    resume = (out / CHECKPOINT).is_file()
    s = run_fem_dem(
        cfg,
        out,
        progress=False,
        checkpoint_every=opts.checkpoint_every,
        resume=resume,
        run_id=run_id,
    )
    return {**s, "name": spec["name"], "skipped": False, "resumed": resume}


def run_campaign(opts: CampaignOptions, out: Path, progress=None) -> dict:
    """Run every spec (skipping finished runs), merge the datasets, write campaign.json."""
    from mslearn.data.splits import merge_datasets

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    specs = run_specs(opts)
    t0 = time.perf_counter()
    results: list[dict] = []
    folders = {s["name"]: str(out / "runs" / s["name"]) for s in specs}
    if opts.jobs <= 1:
        for k, spec in enumerate(specs):
            results.append(_one_run(spec, opts, folders[spec["name"]], k))
            if progress:
                progress(len(results), len(specs), spec["name"])
    else:
        import multiprocessing as mp

        with ProcessPoolExecutor(opts.jobs, mp_context=mp.get_context("spawn")) as pool:
            futs = {
                pool.submit(_one_run, spec, opts, folders[spec["name"]], k): spec
                for k, spec in enumerate(specs)
            }
            for f in as_completed(futs):
                results.append(f.result())
                if progress:
                    progress(len(results), len(specs), futs[f]["name"])
    results.sort(key=lambda r: r["name"])
    datasets = [r["dataset"] for r in results if r.get("dataset")]
    merged = out / "dataset.zarr"
    samples = merge_datasets(datasets, merged) if datasets else 0
    wall = time.perf_counter() - t0
    summary = {
        "runs": len(results),
        "completed": sum(bool(r.get("completed")) for r in results),
        "skipped": sum(bool(r.get("skipped")) for r in results),
        "steps": sum(int(r.get("steps", 0)) for r in results),
        "iterations": sum(int(r.get("iterations", 0)) for r in results),
        "samples": samples,
        "wall_time_s": wall,
        "samples_per_hour": samples / wall * 3600 if wall > 0 else 0.0,
        "dataset": str(merged),
        "per_run": [
            {
                k: r.get(k)
                for k in (
                    "name",
                    "gauss_points",
                    "steps",
                    "iterations",
                    "samples",
                    "wall_time_s",
                    "completed",
                    "skipped",
                )
            }
            for r in results
        ],
    }
    (out / "campaign.json").write_text(json.dumps(summary, indent=2))
    return summary
