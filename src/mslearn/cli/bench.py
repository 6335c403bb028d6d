"""`mslearn bench ...`: benchmarks that print figures (not timed tests)."""

from __future__ import annotations

import json

import typer

app = typer.Typer(
    help="Benchmarks (figures for BENCHMARKS.md).",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


@app.callback()
def _group() -> None:
    """Benchmarks (figures for BENCHMARKS.md)."""


@app.command()
def dem(
    json_out: bool = typer.Option(False, "--json", help="print a one-line JSON summary last"),
    smoke: bool = typer.Option(False, "--smoke", help="tiny size: 100 disks, 4 RVEs, few steps"),
    steps: int = typer.Option(2000, help="DEM steps per measurement"),
    particles: int = typer.Option(500, help="disks per RVE"),
) -> None:
    """DEM particle-steps/s/core, linear and Hertz, 1 and 64 RVEs, 1 and 2 threads."""
    from mslearn.bench.dem import BenchOptions, run_benchmark

    if smoke:
        opts = BenchOptions(n_particles=100, rves=(1, 4), steps=200, repeats=1)
    else:
        opts = BenchOptions(n_particles=particles, steps=steps)
    res = run_benchmark(opts)
    if not json_out:
        for c in res["configurations"]:
            typer.echo(
                f"{c['contact_law']:6s} rves={c['rves']:3d} threads={c['threads']} "
                f"{c['particle_steps_per_s_per_core']:.3e} particle-steps/s/core  "
                f"{c['contact_updates_per_s_per_core']:.3e} contact-updates/s/core  "
                f"({c['contacts_per_rve']:.0f} contacts, {c['pairs_per_rve']:.0f} pairs per RVE)"
            )
    else:
        typer.echo(json.dumps(res))


@app.command("active")
def active(
    json_out: bool = typer.Option(False, "--json", help="print a one-line JSON summary last"),
    particles: int = typer.Option(500, help="disks per RVE of the DEM labels"),
    smoke: bool = typer.Option(False, "--smoke", help="tiny size: 100-disk labels"),
) -> None:
    """One query round (committee over the 741-path pool) against one DEM label."""
    from mslearn.bench.active import run_benchmark

    if smoke:
        particles = min(particles, 100)
    res = run_benchmark(particles=particles)
    if json_out:
        typer.echo(json.dumps(res))
        return
    typer.echo(
        f"DEM label ({particles} disks, batch of 10): {res['dem_label_s_per_path']:.3f} s/path"
    )
    for k in ("mlp", "gru"):
        typer.echo(
            f"{k} committee of 3 over {res['pool_paths']} paths: {res[f'{k}_query_round_s']:.3f} s "
            f"= {res[f'{k}_query_round_over_label']:.3f} DEM labels"
        )


def register(root: typer.Typer) -> None:
    """Add the ``bench`` group (dem, active, fem, femdem, surrogate) to ``app``."""
    from mslearn.cli.fem_bench import fem, femdem, surrogate

    app.command("fem")(fem)
    app.command("femdem")(femdem)
    app.command("surrogate")(surrogate)
    root.add_typer(app, name="bench")
