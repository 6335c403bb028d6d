"""`mslearn active-learn`: committee-based active learning with DEM labelling (seed 001)."""

from __future__ import annotations

from pathlib import Path

import typer

from mslearn.cli.common import (
    DebugOption,
    JsonOption,
    OutOption,
    OverwriteOption,
    handle_errors,
    print_json,
)


@handle_errors
def active_learn(
    config: Path = typer.Argument(None, help="TOML config ([active] table); defaults if omitted."),
    out: Path = OutOption,
    json_: bool = JsonOption,
    quick: bool = typer.Option(False, "--quick", help="Same as --smoke."),
    smoke: bool = typer.Option(False, "--smoke", help="Tiny pool and networks (seconds)."),
    cases: str = typer.Option(
        None,
        "--cases",
        help="Comma-separated cases: 1 (uniform start + AL), 2 (AL from "
        "nothing), 3 (random). Default: config (1,3).",
    ),
    seeds: int = typer.Option(
        None, "--seeds", min=1, max=1000, help="Repetitions per case (default: config)."
    ),
    workers: int = typer.Option(
        None, "--workers", min=1, max=1024, help="(case, seed) runs in parallel."
    ),
    max_labels: int = typer.Option(None, "--max-labels", min=1, help="Label budget per run."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
    overwrite: bool = OverwriteOption,
    debug: bool = DebugOption,
) -> None:
    """Active learning of an unloading-reloading stress-strain map, labelled by DEM (seed 001).

    Writes labels as they arrive; run again with the same settings and --out, it resumes
    a stopped run (other settings there are refused)."""
    from mslearn.experiments.active_learning import ActiveLearnRequest
    from mslearn.experiments.active_learning import active_learn as run

    s = run(
        ActiveLearnRequest(
            config,
            out,
            quick or smoke,
            cases,
            seeds,
            workers,
            max_labels,
            progress=not quiet,
            overwrite=overwrite,
        )
    )
    out = Path(s["out"])
    if json_:
        print_json({k: v for k, v in s.items() if k != "curves"})
        return
    saved = s["labels_saved_fraction"]
    if s["labels_used"] is None:  # no active-learning case asked
        typer.echo(f"{s['cases_run']} case(s) x {s['seeds_run']} seed(s) done; report in {out}")
        return
    rnd = s["random_baseline_mae_at_same_labels"] or float("nan")
    typer.echo(
        f"active learning: {s['labels_used']:g} labels, test MAE {s['test_mae']:.4f} p0 "
        f"(random at the same labels {rnd:.4f}); "
        f"labels saved vs random: {'not reached' if saved is None else f'{saved:.0%}'}; "
        f"report in {out / 'report.md'}"
    )


def register(app: typer.Typer) -> None:
    """Add ``active-learn`` to ``app``."""
    app.command("active-learn")(active_learn)
