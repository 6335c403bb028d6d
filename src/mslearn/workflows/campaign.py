"""`mslearn generate`: data campaigns of FEM-DEM runs (seed 000 Sec. 3.4.1, Table 1).

Default layout: 10 Gaussian-process confining paths x 3 meshes (coarse,
medium, fine) of the biaxial test, every run recorded into its own Zarr
dataset, then merged. Any registered problem runs: its mesh presets (or its
own mesh, "default") x GP paths of its load history (problems without a load
history run one path per mesh).
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

from pydantic import Field, ValidationError, field_validator

from mslearn.core.errors import MslearnInputError
from mslearn.core.limits import MAX_LOAD_STEPS, MAX_PATHS, Seed
from mslearn.core.runfolder import RunSpec, claim
from mslearn.core.smoke import announce, changes, silenced
from mslearn.core.strictmodel import StrictModel, short
from mslearn.core.tomlfile import read_toml, table
from mslearn.paths import gaussian_process_paths
from mslearn.problems.config import format_validation_error
from mslearn.workflows.checkpoint import CHECKPOINT
from mslearn.workflows.femdem import run_fem_dem
from mslearn.workflows.presets import Presets, fem_dem_config, problem_class

#: the mesh name that applies no preset (the problem's own mesh fields)
OWN_MESH = "default"


class CampaignConfig(StrictModel):
    """The ``[campaign]`` table of ``mslearn generate``."""

    meshes: list[str] | None = Field(
        None,
        min_length=1,
        description="mesh presets of the problem (distinct); default: biaxial coarse/medium/fine",
    )
    n_paths: int = Field(10, ge=1, le=MAX_PATHS, description="Gaussian-process load paths per mesh")
    path_seed: Seed = 0
    n_steps: int = Field(100, ge=1, le=MAX_LOAD_STEPS)
    amplitude: float = Field(
        0.3, ge=0, le=3.0, description="GP path amplitude (seed 000 Eq. 16; p = p0 exp(a x g))"
    )
    checkpoint_every: int = Field(10, ge=0, le=MAX_LOAD_STEPS)

    @field_validator("meshes")
    @classmethod
    def _distinct(cls, v: list[str] | None) -> list[str] | None:
        if v is not None and len(set(v)) < len(v):
            raise ValueError("expected distinct mesh names (each names its runs)")
        return v


@dataclass
class CampaignOptions:
    """A resolved campaign: meshes x GP paths, overrides of the FEM-DEM run config."""

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
    """One spec per run: name, mesh, path index and the load history (None: no history)."""
    has_history = problem_class({"problem": opts.problem}).history_field is not None
    paths = gaussian_process_paths(
        opts.n_paths, opts.n_steps, v_c=opts.v_c, amplitude=opts.amplitude, seed=opts.path_seed
    )
    return [
        {
            "name": f"{mesh}_path{i:02d}",
            "mesh": mesh,
            "path": i,
            "history": paths.history(i) if has_history else None,
        }
        for mesh in opts.meshes
        for i in range(opts.n_paths)
    ]


def _one_run(spec: dict, opts: CampaignOptions, folder: str, run_id: int) -> dict:
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
    mesh = None if spec["mesh"] == OWN_MESH else spec["mesh"]
    with silenced():  # the campaign said once what --smoke changed
        cfg = fem_dem_config(data, Presets(mesh, opts.smoke, history=spec["history"]))
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


@dataclass(frozen=True)
class GenerateOptions:
    """What ``mslearn generate`` asks for: a TOML with ``[campaign]`` and optional
    ``[problem]``, ``[material]``, ``[solver]`` overrides; ``jobs`` runs in parallel.
    Running it again with the same settings continues the campaign (finished runs are
    skipped); other settings in the same ``out`` need ``overwrite``."""

    config: Path | None = None
    out: Path | None = None
    smoke: bool = False
    jobs: int = 1
    overwrite: bool = False


def campaign_options(
    data: dict, smoke: bool = False, jobs: int = 1, source: Path | None = None
) -> CampaignOptions:
    """Validate a parsed ``mslearn generate`` config into :class:`CampaignOptions`.

    The run config of every mesh is validated at full size too, before any run starts;
    ``smoke`` then keeps one mesh and two paths, and says so on stderr. ``source``: the
    config file (named in errors).
    """
    unknown = set(data) - {"campaign", "material", "solver", "problem"}
    if unknown:
        raise MslearnInputError(
            f"unknown config tables {short(sorted(unknown))}; expected campaign, material, "
            "solver, problem"
        )
    try:
        c = CampaignConfig.model_validate(table(data, "campaign"))
    except ValidationError as err:
        raise MslearnInputError(format_validation_error(err, "campaign.", source)) from None
    problem = table(data, "problem")
    cls = problem_class(data)
    meshes = c.meshes or (["coarse", "medium", "fine"] if cls.mesh_presets else [OWN_MESH])
    for m in meshes:
        if m != OWN_MESH and m not in cls.mesh_presets:
            raise MslearnInputError(
                f"campaign.meshes: got {short(m)}; problem {cls.type_name!r} has mesh presets "
                f"{sorted(cls.mesh_presets)} (or {OWN_MESH!r}: the problem's own mesh fields)"
            )
        fem_dem_config(
            {
                "problem": problem,
                "material": table(data, "material"),
                "solver": {"n_steps": c.n_steps, **table(data, "solver")},
                "output": {"xdmf": False},
            },
            Presets(None if m == OWN_MESH else m),
            source=source,
        )
    n_paths = c.n_paths
    if cls.history_field is None:
        if "n_paths" in table(data, "campaign") and c.n_paths > 1:
            raise MslearnInputError(
                f"campaign.n_paths: got {c.n_paths}; problem {cls.type_name!r} takes no load "
                "history, so expected 1"
            )
        n_paths = 1
    if smoke:
        small_paths, small_meshes = min(n_paths, 2), meshes[:1]
        announce(
            changes(
                {"campaign": {"n_paths": n_paths, "meshes": list(meshes)}},
                {"campaign": {"n_paths": small_paths, "meshes": list(small_meshes)}},
            )
        )
        n_paths, meshes = small_paths, small_meshes
    return CampaignOptions(
        meshes=tuple(meshes),
        n_paths=n_paths,
        path_seed=c.path_seed,
        n_steps=c.n_steps,
        amplitude=c.amplitude,
        material=table(data, "material"),
        solver=table(data, "solver"),
        problem=problem,
        checkpoint_every=c.checkpoint_every,
        jobs=jobs,
        smoke=smoke,
    )


def generate(opts: GenerateOptions, progress=None) -> dict:
    """Run a campaign as ``mslearn generate`` does; ``progress(k, n, name)`` per run."""
    campaign = campaign_options(read_toml(opts.config), opts.smoke, opts.jobs, opts.config)
    spec = RunSpec(
        "generate",
        {"config": read_toml(opts.config), "smoke": opts.smoke},
        {"config_file": opts.config, "jobs": opts.jobs},
        inputs=tuple(p for p in (opts.config,) if p is not None),
    )
    out = claim(opts.out, "campaign", spec, overwrite=opts.overwrite, continue_same=True)
    return {**run_campaign(campaign, out, progress), "out": str(out)}
