"""`mslearn bench ...`: benchmarks that print figures (not timed tests)."""

from __future__ import annotations

import json

import typer

from mslearn.cli.common import handle_errors

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
    spheres: int = typer.Option(900, min=10, max=20_000, help="spheres per 3D RVE"),
) -> None:
    """DEM particle-steps/s/core, linear and Hertz, 1 and 64 RVEs, 1 and 2 threads; and the 3D
    sphere engine on batches of 900-sphere RVEs (``sphere_steps_per_s_per_core``: 8 RVEs,
    one thread)."""
    from mslearn.bench.dem import BenchOptions, run_benchmark
    from mslearn.bench.dem3d import sphere_throughput

    if smoke:
        opts = BenchOptions(n_particles=100, rves=(1, 4), steps=200, repeats=1)
        res3 = sphere_throughput(100, rves=(1, 2), threads=(1,), steps=100, repeats=1)
    else:
        opts = BenchOptions(n_particles=particles, steps=steps)
        res3 = sphere_throughput(spheres)
    res = run_benchmark(opts)
    res["sphere_steps_per_s_per_core"] = res3["sphere_steps_per_s_per_core"]
    res["spheres_per_rve"] = spheres if not smoke else 100
    res["sphere_configurations"] = res3["table"]
    if not json_out:
        typer.echo(
            f"spheres: {res3['sphere_steps_per_s_per_core']:.3e} sphere-steps/s/core "
            f"(batched {res['spheres_per_rve']}-sphere RVEs, one thread)"
        )
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


@app.command("quasi-static")
def quasi_static(
    json_out: bool = typer.Option(False, "--json", help="print a one-line JSON summary last"),
    packings: int = typer.Option(6, min=1, max=100, help="packings (seeds) per setting"),
    particles: int = typer.Option(500, min=50, max=20_000, help="disks per packing"),
    axial_strain: float = typer.Option(0.25, min=0.01, max=0.5, help="axial strain per test"),
    smoke: bool = typer.Option(False, "--smoke", help="tiny size: 2 packings of 100 disks"),
) -> None:
    """Friction angles and inertial number: the old DEM defaults, today's, a 10x slower shear."""
    from mslearn.bench.quasistatic import QuasiStaticOptions, run_benchmark

    if smoke:
        opts = QuasiStaticOptions(n_particles=100, packings=2, axial_strain=0.05)
    else:
        opts = QuasiStaticOptions(particles, packings, axial_strain)
    res = run_benchmark(opts, progress=not json_out)
    if json_out:
        typer.echo(json.dumps(res))
        return
    for name, s in res["settings"].items():
        typer.echo(
            f"{name:9s} dt/dt_c={s['dt_over_critical']:.2f} steps/strain="
            f"{s['dem_steps_per_unit_strain']:.0f} I={s['inertial_number']:.2e} "
            f"peak={s['peak_friction_angle_deg_mean']:.2f}+-{s['peak_friction_angle_deg_std']:.2f} "
            f"({s['peak_minus_reference_deg']:+.2f}) post-peak="
            f"{s['post_peak_friction_angle_deg_mean']:.2f}+-"
            f"{s['post_peak_friction_angle_deg_std']:.2f} "
            f"({s['post_peak_minus_reference_deg']:+.2f}+-{s['post_peak_minus_reference_se_deg']:.2f})"
        )


@app.command("fem3d")
def fem3d(
    json_out: bool = typer.Option(False, "--json", help="print a one-line JSON summary last"),
    smoke: bool = typer.Option(False, "--smoke", help="two small meshes only"),
    repeats: int = typer.Option(3, min=1, max=50, help="repetitions per phase (median kept)"),
) -> None:
    """3D Newton iteration cost split into material, assembly and solve, HEX8 meshes from
    2x2x4 to 16x16x32 (Drucker-Prager triaxial)."""
    from mslearn.bench.dem import load_average
    from mslearn.bench.fem3d import DEFAULT_SIZES, format_table, newton_cost_3d

    sizes = ((2, 2, 4), (4, 4, 8)) if smoke else DEFAULT_SIZES
    rows = newton_cost_3d(sizes, repeats=1 if smoke else repeats)
    if json_out:
        typer.echo(json.dumps({"meshes": rows, "load_average": load_average()}))
    else:
        typer.echo(format_table(rows))


@app.command("explicit")
@handle_errors
def explicit(
    json_out: bool = typer.Option(False, "--json", help="print a one-line JSON summary last"),
    smoke: bool = typer.Option(False, "--smoke", help="tiny meshes, a few steps"),
    steps: int = typer.Option(200, min=10, max=100_000, help="explicit steps per run"),
    versus_dem: str | None = typer.Option(
        None,
        "--versus-dem",
        help="instead: exFEM-CSUH vs exFEM-DEM side by side on a 2x4 Q4 biaxial with 200-disk "
        "RVEs, DEM relaxation 'equilibrium' or 'fixed' (20 DEM steps per macro step)",
    ),
) -> None:
    """Explicit solver throughput: element-steps per second on one core, Q4 / T3 / T6 meshes
    of ~1000 elements, linear elastic and CSUH (or, with --versus-dem, exFEM-CSUH against
    exFEM-DEM wall time and the share of the exFEM-DEM step outside the DEM)."""
    from mslearn.bench.dem import load_average
    from mslearn.bench.explicit import format_rows, throughput, versus_dem_default

    if versus_dem is not None:
        result = versus_dem_default(versus_dem)
        typer.echo(json.dumps({**result, "load_average": load_average()}))
        return
    rows = throughput(smoke=smoke, n_explicit=steps)
    if json_out:
        typer.echo(json.dumps({"meshes": rows, "load_average": load_average()}))
    else:
        typer.echo(format_rows(rows))


def register(root: typer.Typer) -> None:
    """Add the ``bench`` group (dem, active, fem, femdem, surrogate) to ``app``."""
    from mslearn.cli.fem_bench import fem, femdem, surrogate

    app.command("fem")(fem)
    app.command("femdem")(femdem)
    app.command("surrogate")(surrogate)
    root.add_typer(app, name="bench")
