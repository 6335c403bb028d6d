"""`mslearn al-resample` (seed 000 Table 3 with active-learning resampling) and
`mslearn uncertainty-map` (committee uncertainty maps of a FEM-ML run)."""

from __future__ import annotations

from pathlib import Path

import typer

from mslearn.cli.common import (
    DebugOption,
    JsonOption,
    OutOption,
    OverwriteOption,
    SmokeOption,
    claim_out,
    handle_errors,
    print_json,
)


@handle_errors
def al_resample(
    out: Path = OutOption,
    json_: bool = JsonOption,
    smoke: bool = SmokeOption,
    fraction: float = typer.Option(
        0.3, "--fraction", help="Top fraction of the fine-mesh pool added (seed 000: 0.3)."
    ),
    band_fraction: float = typer.Option(
        0.3, "--band-fraction", help="Fraction of fine Gauss points in the shear band (hybrid)."
    ),
    members: int = typer.Option(5, "--members", help="Committee members (seed 000: 5)."),
    epochs: int = typer.Option(
        None,
        "--epochs",
        min=1,
        help="Epochs per committee (default: the size's budget in samples, about 90 s of "
        "training per committee on a quiet 2-core machine).",
    ),
    train_s: float = typer.Option(
        None,
        "--train-s",
        help="Optional wall-clock cap per committee, in seconds (default: none; with a cap "
        "the results depend on the machine's load).",
    ),
    seed: int = typer.Option(0, "--seed", help="Training seed (all committees)."),
    score: str = typer.Option(
        "std",
        "--score",
        help="Pool score: std (seed 000 Eq. 18, Pa), relative (std / |mean stress|) or "
        "random (the baseline).",
    ),
    fresh: bool = typer.Option(
        False, "--fresh", help="Ignore cached FEM-DEM runs and models in --out (rerun all)."
    ),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bars."),
    overwrite: bool = OverwriteOption,
    debug: bool = DebugOption,
) -> None:
    """Pool-based active-learning resampling: seed 000 Table 3 Cases A-F plus C-AL, F-AL.

    FEM-DEM on a coarse and a fine mesh (cached in --out: a rerun reuses the runs
    and the trained committees), committees on coarse / fine / hybrid / active-learning
    data, FEM-ML of a held-out confining path on both meshes; report.md, report.json,
    top_force.png, final_shapes.png, selection.png.
    """
    import shutil

    from mslearn.experiments.resampling import ResampleOptions, run_resampling, summary

    opts = ResampleOptions(
        size="smoke" if smoke else "full",
        fraction=fraction,
        band_fraction=band_fraction,
        members=members,
        seed=seed,
        epochs=epochs,
        train_s=train_s,
        score=score,
    )
    opts.check()
    from dataclasses import asdict

    settings = asdict(opts)
    out = claim_out(out, "al-resample", settings, overwrite or fresh, continue_same=True)
    if fresh and out.exists():
        for sub in ("fem_dem", "models"):
            shutil.rmtree(out / sub, ignore_errors=True)
    report = run_resampling(out, opts, progress=not quiet)
    if json_:
        print_json({**summary(report), "out": str(out)})
    else:
        typer.echo(f"done in {report['wall_time_s']:.0f} s; table in {out}/report.md")


def _steps(text: str | None) -> list[int] | None:
    from mslearn.core.errors import MslearnInputError

    if text is None:
        return None
    try:
        steps = [int(s) for s in text.replace(" ", "").split(",") if s]
    except ValueError:
        raise MslearnInputError(
            f"--steps is {text!r}; expected comma-separated step numbers, e.g. 10,20,40"
        ) from None
    if not steps:
        raise MslearnInputError(f"--steps is {text!r}; expected at least one step number")
    return steps


@handle_errors
def uncertainty_map(
    run_dir: Path = typer.Argument(
        ..., help="Run folder of a learnt material (fem-ml or run; with uncertainty.npy)."
    ),
    steps: str = typer.Option(
        None, "--steps", help="Comma-separated steps to draw (default: 4 spread over the run)."
    ),
    threshold: float = typer.Option(
        0.1, "--threshold", help="Relative committee std (std / |stress|) in (0, 1]."
    ),
    json_: bool = JsonOption,
    debug: bool = DebugOption,
) -> None:
    """Uncertainty maps of a run with a learnt material (seed 001 Fig. 24).

    Where and when the committee std exceeds a threshold: uncertainty_maps.png,
    uncertainty.md, summary.json["uncertainty"]."""
    from mslearn.core.errors import MslearnInputError
    from mslearn.report.uncertainty_maps import check_threshold, uncertainty_report

    check_threshold(threshold, "--threshold")
    if not run_dir.is_dir():
        raise MslearnInputError(f"run folder {str(run_dir)!r} does not exist")
    s = uncertainty_report(run_dir, _steps(steps), threshold)
    if json_:
        keep = (
            "threshold",
            "exceeded",
            "first_step",
            "first_step_points",
            "fraction_points_ever_above",
            "max",
            "max_step",
            "max_point",
            "map_steps",
            "figure",
        )
        print_json({k: s[k] for k in keep} | {"out": str(run_dir)})
    else:
        first = f"first at step {s['first_step']}" if s["exceeded"] else "never"
        typer.echo(
            f"uncertainty above {s['threshold']:g}: {first}; max {s['max']:.3g} at step "
            f"{s['max_step']}; maps in {run_dir}/{s['figure']}"
        )


def register(app: typer.Typer) -> None:
    """Add ``uncertainty-map`` to ``app`` (the resampling study is under ``mslearn study``)."""
    app.command("uncertainty-map")(uncertainty_map)
