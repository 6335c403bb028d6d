"""`mslearn run`, `fem-dem`, `generate`, `verify` and `demo`: one BVP workflow each."""

from __future__ import annotations

from pathlib import Path

import typer

from mslearn.cli.common import (
    DebugOption,
    JsonOption,
    MeshOption,
    OutOption,
    OverwriteOption,
    SmokeOption,
    claim_out,
    handle_errors,
    print_json,
)


@handle_errors
def run(
    config: Path = typer.Argument(None, help="TOML config; built-in defaults if omitted."),
    out: Path = OutOption,
    json_: bool = JsonOption,
    smoke: bool = SmokeOption,
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
    checkpoint_every: int = typer.Option(
        0, "--checkpoint-every", min=0, help="Atomic checkpoint every N steps (0: none)."
    ),
    resume: Path = typer.Option(
        None, "--resume", help="Continue the stopped run in this folder from its checkpoint."
    ),
    overwrite: bool = OverwriteOption,
    debug: bool = DebugOption,
) -> None:
    """Run a boundary value problem with a named material (FEM, implicit, plane strain)."""
    from mslearn.workflows.bvp import RunOptions
    from mslearn.workflows.bvp import run as run_workflow

    summary = run_workflow(
        RunOptions(config, out, smoke, not quiet, checkpoint_every, resume, overwrite)
    )
    if json_:
        print_json(summary)
    elif resume is not None:
        typer.echo(f"resumed run finished: {summary['steps']} steps; outputs in {resume}")
    else:
        typer.echo(
            f"{summary['description']}: {summary['steps']} steps, {summary['iterations']} "
            f"iterations, {summary['wall_time_s']:.2f} s; outputs in {summary['out']}"
        )


@handle_errors
def fem_dem(
    config: Path = typer.Argument(None, help="TOML config; seed 000 defaults if omitted."),
    out: Path = OutOption,
    mesh: str = MeshOption,
    gp_path: int = typer.Option(
        None,
        "--gp-path",
        min=0,
        max=2**32 - 1,
        help="Confining pressure from Gaussian-process path with this seed.",
    ),
    json_: bool = JsonOption,
    smoke: bool = SmokeOption,
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
    checkpoint_every: int = typer.Option(
        0, "--checkpoint-every", min=0, help="Checkpoint every N steps (0: none)."
    ),
    resume: Path = typer.Option(None, "--resume", help="Continue a stopped run."),
    executor: str = typer.Option(None, help="serial, processes or dask (default: config)."),
    workers: int = typer.Option(
        None, min=1, max=1024, help="Local workers (processes / LocalCluster)."
    ),
    scheduler: str = typer.Option(None, help="Dask scheduler address (implies dask)."),
    overwrite: bool = OverwriteOption,
    debug: bool = DebugOption,
) -> None:
    """FEM-DEM: a DEM RVE at every Gauss point, on any registered problem.

    Seed 000's biaxial test by default."""
    from mslearn.workflows.femdem import FemDemOptions, summary_keys
    from mslearn.workflows.femdem import fem_dem as run

    s = run(
        FemDemOptions(
            config=config,
            out=out,
            mesh=mesh,
            gp_path=gp_path,
            smoke=smoke,
            progress=not quiet,
            checkpoint_every=checkpoint_every,
            resume=resume,
            executor=executor,
            workers=workers,
            scheduler=scheduler,
            overwrite=overwrite,
        )
    )
    if json_:
        print_json(summary_keys(s))
    else:
        typer.echo(
            f"{s['description']}: {s['steps']} steps, {s['iterations']} iterations, "
            f"{s['samples']} samples, {s['wall_time_s']:.1f} s "
            f"(DEM {100 * s['dem_time_fraction']:.1f} %); outputs in {s['out']}"
        )


@handle_errors
def generate(
    config: Path = typer.Argument(
        None,
        help="TOML with [campaign] and optional [material], "
        "[solver], [problem] overrides; defaults if omitted.",
    ),
    out: Path = OutOption,
    json_: bool = JsonOption,
    smoke: bool = SmokeOption,
    jobs: int = typer.Option(1, min=1, help="Runs in parallel (worker processes)."),
    overwrite: bool = OverwriteOption,
    debug: bool = DebugOption,
) -> None:
    """Data campaign: FEM-DEM runs over meshes x GP load paths (seed 000 Table 1).

    Any registered problem: its mesh presets x paths of its load history."""
    from mslearn.core.progress import lazy_step_progress
    from mslearn.workflows.campaign import GenerateOptions
    from mslearn.workflows.campaign import generate as run_generate

    opts = GenerateOptions(config, out, smoke, jobs, overwrite)
    with lazy_step_progress("campaign") as update:
        s = run_generate(opts, progress=lambda k, n, name: update(k, name, total=n))
    if json_:
        print_json({k: v for k, v in s.items() if k != "per_run"})
    else:
        typer.echo(
            f"{s['runs']} runs ({s['skipped']} skipped), {s['steps']} steps, "
            f"{s['iterations']} iterations, {s['samples']} samples, "
            f"{s['wall_time_s']:.1f} s; dataset {s['dataset']}"
        )


@handle_errors
def verify(
    json_: bool = JsonOption,
    smoke: bool = SmokeOption,
    only: str = typer.Option("", help="Run only cases whose name contains this text."),
    debug: bool = DebugOption,
) -> None:
    """Run the verification cases against analytic solutions."""
    from mslearn.verification.registry import run_all

    cases = run_all(smoke=smoke, only=only)
    if json_:
        print_json(cases)
    else:
        for c in cases:
            mark = "PASS" if c["passed"] else "FAIL"
            typer.echo(
                f"{mark}  {c['name']:<28} value {c['value']:.6g}  reference {c['reference']:.6g}"
                f"  tolerance {c['tolerance']:.3g}"
            )
    if not all(c["passed"] for c in cases):
        raise typer.Exit(1)


@handle_errors
def demo(
    out: Path = OutOption,
    json_: bool = JsonOption,
    quick: bool = typer.Option(False, "--quick", help="Smaller, faster version."),
    smoke: bool = typer.Option(False, "--smoke", help="Same as --quick."),
    laws: bool = typer.Option(False, "--laws", help="Reference-law FEM demo (no learning)."),
    overwrite: bool = OverwriteOption,
    debug: bool = DebugOption,
) -> None:
    """The whole pipeline: FEM-DEM data, committee, FEM-ML vs FEM-DEM, report.

    FEM-ML runs on a held-out confining path; report.md and report.json."""
    quick = quick or smoke
    out = claim_out(out, "demo", {"quick": quick, "laws": laws}, overwrite)
    if laws:
        from mslearn.experiments.demo_laws import run_demo as run_laws
        from mslearn.verification.registry import run_all

        summary = run_laws(out, quick=quick, verify=run_all)
    else:
        from mslearn.experiments.demo import run_demo

        summary = run_demo(out, quick=quick)
    if json_:
        print_json(summary)
    else:
        typer.echo(f"demo finished in {summary['wall_time_s']:.1f} s; report in {out}/report.md")


def register(app: typer.Typer) -> None:
    """Add run, fem-dem, generate, verify and demo to ``app``."""
    app.command("run")(run)
    app.command("fem-dem")(fem_dem)
    app.command("generate")(generate)
    app.command("verify")(verify)
    app.command("demo")(demo)
