"""`mslearn` entry point: run, verify, demo and the sub-command groups."""

from __future__ import annotations

from pathlib import Path

import typer

from mslearn import __version__
from mslearn.cli.common import (
    DebugOption,
    JsonOption,
    OutOption,
    SmokeOption,
    default_out,
    handle_errors,
    print_json,
)

app = typer.Typer(
    name="mslearn",
    help="Learning-based multiscale modelling of granular materials.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mslearn {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Learning-based multiscale modelling of granular materials."""


@app.command()
@handle_errors
def run(
    config: Path = typer.Argument(None, help="TOML config; built-in defaults if omitted."),
    out: Path = OutOption,
    json_: bool = JsonOption,
    smoke: bool = SmokeOption,
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
    checkpoint_every: int = typer.Option(
        0, "--checkpoint-every", help="Atomic checkpoint every N steps (0: none)."
    ),
    resume: Path = typer.Option(
        None, "--resume", help="Continue the stopped run in this folder from its checkpoint."
    ),
    debug: bool = DebugOption,
) -> None:
    """Run a boundary value problem with a named material (FEM, implicit, plane strain)."""
    from mslearn.problems.config import load_config, validate_config
    from mslearn.workflows.bvp import run_bvp

    if resume is not None:
        summary = run_bvp(
            None, resume, progress=not quiet, checkpoint_every=checkpoint_every, resume=True
        )
        summary["out"] = str(resume)
        if json_:
            print_json(summary)
        else:
            typer.echo(f"resumed run finished: {summary['steps']} steps; outputs in {resume}")
        return
    cfg = load_config(config)
    if smoke:
        data = cfg.model_dump()
        data["problem"].update(type(cfg.problem).smoke_overrides())
        data["solver"]["n_steps"] = min(cfg.solver.n_steps, 10)
        cfg = validate_config(data)
    out = default_out(out, cfg.problem.type)
    summary = run_bvp(
        cfg, out, config_file=config, progress=not quiet, checkpoint_every=checkpoint_every
    )
    summary["out"] = str(out)
    if json_:
        print_json(summary)
    else:
        typer.echo(
            f"{summary['description']}: {summary['steps']} steps, {summary['iterations']} "
            f"iterations, {summary['wall_time_s']:.2f} s; outputs in {out}"
        )


@app.command("fem-dem")
@handle_errors
def fem_dem(
    config: Path = typer.Argument(None, help="TOML config; seed 000 defaults if omitted."),
    out: Path = OutOption,
    mesh: str = typer.Option(
        None, help="Mesh preset of the problem (biaxial: coarse, medium, fine, q8)."
    ),
    gp_path: int = typer.Option(
        None, "--gp-path", help="Confining pressure from Gaussian-process path with this seed."
    ),
    json_: bool = JsonOption,
    smoke: bool = SmokeOption,
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
    checkpoint_every: int = typer.Option(0, "--checkpoint-every", help="Checkpoint every N."),
    resume: Path = typer.Option(None, "--resume", help="Continue a stopped run."),
    executor: str = typer.Option(None, help="serial, processes or dask (default: config)."),
    workers: int = typer.Option(None, help="Local workers (processes / LocalCluster)."),
    scheduler: str = typer.Option(None, help="Dask scheduler address (implies dask)."),
    debug: bool = DebugOption,
) -> None:
    """FEM-DEM: a DEM RVE at every Gauss point; any registered problem (seed 000's biaxial
    test by default)."""
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


@app.command()
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
    jobs: int = typer.Option(1, help="Runs in parallel (worker processes)."),
    debug: bool = DebugOption,
) -> None:
    """Data campaign: FEM-DEM runs over GP confining paths x meshes (seed 000 Table 1)."""
    import tomllib

    from pydantic import BaseModel, ConfigDict, Field

    from mslearn.core.errors import MslearnInputError
    from mslearn.core.progress import step_progress
    from mslearn.workflows.campaign import CampaignOptions, run_campaign
    from mslearn.workflows.femdem import MESHES

    class CampaignConfig(BaseModel):
        model_config = ConfigDict(extra="forbid")
        meshes: list[str] = Field(["coarse", "medium", "fine"])
        n_paths: int = Field(10, ge=1)
        path_seed: int = 0
        n_steps: int = Field(100, ge=1)
        amplitude: float = Field(0.3, ge=0)
        checkpoint_every: int = Field(10, ge=0)

    data = {}
    if config is not None:
        if not config.is_file():
            raise MslearnInputError(f"config file {str(config)!r} does not exist")
        data = tomllib.loads(config.read_text())
    unknown = set(data) - {"campaign", "material", "solver", "problem"}
    if unknown:
        raise MslearnInputError(
            f"unknown config tables {sorted(unknown)}; expected campaign, material, solver, problem"
        )
    c = CampaignConfig.model_validate(data.get("campaign", {}))
    bad = [m for m in c.meshes if m not in MESHES]
    if bad:
        raise MslearnInputError(f"campaign.meshes: {bad} unknown; expected {sorted(MESHES)}")
    opts = CampaignOptions(
        meshes=("coarse",) if smoke else tuple(c.meshes),
        n_paths=2 if smoke else c.n_paths,
        path_seed=c.path_seed,
        n_steps=c.n_steps,
        amplitude=c.amplitude,
        material=data.get("material", {}),
        solver=data.get("solver", {}),
        problem=data.get("problem", {}),
        checkpoint_every=c.checkpoint_every,
        jobs=jobs,
        smoke=smoke,
    )
    out = default_out(out, "campaign")
    n_runs = len(opts.meshes) * opts.n_paths
    with step_progress("campaign", n_runs) as update:
        s = run_campaign(opts, out, progress=lambda k, n, name: update(k, name))
    if json_:
        print_json({k: v for k, v in s.items() if k != "per_run"})
    else:
        typer.echo(
            f"{s['runs']} runs ({s['skipped']} skipped), {s['steps']} steps, "
            f"{s['iterations']} iterations, {s['samples']} samples, "
            f"{s['wall_time_s']:.1f} s; dataset {s['dataset']}"
        )


@app.command()
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


@app.command()
@handle_errors
def demo(
    out: Path = OutOption,
    json_: bool = JsonOption,
    quick: bool = typer.Option(False, "--quick", help="Smaller, faster version."),
    smoke: bool = typer.Option(False, "--smoke", help="Same as --quick."),
    laws: bool = typer.Option(False, "--laws", help="Reference-law FEM demo (no learning)."),
    debug: bool = DebugOption,
) -> None:
    """The whole pipeline: FEM-DEM data -> committee -> FEM-ML vs FEM-DEM on a held-out
    path, with a report (report.md, report.json)."""
    out = default_out(out, "demo")
    if laws:
        from mslearn.experiments.demo_laws import run_demo as run_laws

        summary = run_laws(out, quick=quick or smoke)
    else:
        from mslearn.experiments.demo import run_demo

        summary = run_demo(out, quick=quick or smoke)
    if json_:
        print_json(summary)
    else:
        typer.echo(f"demo finished in {summary['wall_time_s']:.1f} s; report in {out}/report.md")


def _mount_optional() -> None:
    """Sub-command groups of other packages, mounted when present."""
    import importlib

    from mslearn.cli.fem_bench import fem, femdem, surrogate

    groups = {}
    for module, name in (
        ("mslearn.cli.rve", "rve"),
        ("mslearn.cli.bench", "bench"),
        ("mslearn.cli.data", "data"),
    ):
        try:
            groups[name] = importlib.import_module(module).app
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    bench = groups.setdefault(
        "bench", typer.Typer(help="Benchmarks (print figures).", no_args_is_help=True)
    )
    from mslearn.cli.learn import fem_ml, train

    app.command("train")(train)
    app.command("fem-ml")(fem_ml)
    from mslearn.cli.active import active_learn

    app.command("active-learn")(active_learn)
    from mslearn.cli.resample import register as register_resample

    register_resample(app)
    try:
        from mslearn.cli.calibrate import calibrate, calibrate_femdem

        app.command("calibrate")(calibrate)
        app.command("calibrate-femdem")(calibrate_femdem)
    except ModuleNotFoundError as exc:
        if exc.name != "mslearn.cli.calibrate":
            raise
    bench.command("fem")(fem)
    bench.command("femdem")(femdem)
    bench.command("surrogate")(surrogate)
    for name, group in groups.items():
        app.add_typer(group, name=name)


_mount_optional()


def main() -> None:
    app()
