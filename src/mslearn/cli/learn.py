"""`mslearn train` and `mslearn fem-ml`."""

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
    handle_errors,
    print_json,
)


@handle_errors
def train(
    config: Path = typer.Argument(None, help="TOML with a [train] table; defaults if omitted."),
    data: Path = typer.Option(..., "--data", help="Point dataset (.zarr)."),
    out: Path = OutOption,
    json_: bool = JsonOption,
    smoke: bool = SmokeOption,
    overwrite: bool = OverwriteOption,
    debug: bool = DebugOption,
) -> None:
    """Train a committee surrogate (strain, phi) -> (stress, D) on a point dataset."""
    from mslearn.workflows.train import TrainRequest
    from mslearn.workflows.train import train as run_training

    summary = run_training(TrainRequest(data, config, out, smoke, overwrite=overwrite))
    if json_:
        print_json(summary)
    else:
        typer.echo(
            f"model in {summary['model']}: test stress error {summary['test_stress_rel_error']:.3%}"
        )


@handle_errors
def fem_ml(
    config: Path = typer.Argument(None, help="TOML run config (problem, solver, output)."),
    model: Path = typer.Option(..., "--model", help="Saved model folder (mslearn train)."),
    out: Path = OutOption,
    mesh: str = MeshOption,
    gp_path: int = typer.Option(
        None, "--gp-path", min=0, max=2**32 - 1, help="GP confining path seed."
    ),
    json_: bool = JsonOption,
    smoke: bool = SmokeOption,
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
    uncertainty_threshold: float = typer.Option(
        None, help="Warn where committee std / |stress| exceeds this (e.g. 0.1)."
    ),
    stop_on_uncertainty: bool = typer.Option(
        False, "--stop-on-uncertainty", help="Stop the run at the first step that exceeds it."
    ),
    overwrite: bool = OverwriteOption,
    debug: bool = DebugOption,
) -> None:
    """FEM-ML: the surrogate at every Gauss point (seed 000 Algorithm 2), any problem.

    The biaxial test by default; uncertainty maps when the model is a committee."""
    from mslearn.workflows.femml import FemMlOptions
    from mslearn.workflows.femml import fem_ml as run

    s = run(
        FemMlOptions(
            model=model,
            config=config,
            out=out,
            mesh=mesh,
            gp_path=gp_path,
            smoke=smoke,
            progress=not quiet,
            uncertainty_threshold=uncertainty_threshold,
            stop_on_uncertainty=stop_on_uncertainty,
            overwrite=overwrite,
        )
    )
    if json_:
        print_json(s)
    else:
        typer.echo(
            f"{s['description']}: {s['steps']} steps, {s['iterations']} iterations, "
            f"{s['wall_time_s']:.2f} s, {s['out_of_range_points']} Gauss points out of "
            f"the training range; outputs in {s['out']}"
        )


def register(app: typer.Typer) -> None:
    """Add ``train`` and ``fem-ml`` to ``app``."""
    app.command("train")(train)
    app.command("fem-ml")(fem_ml)
