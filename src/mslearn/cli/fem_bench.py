"""`mslearn bench fem`: time per Newton iteration split into material, assembly, solve."""

from __future__ import annotations

import os
import platform

import typer

from mslearn.cli.common import JsonOption, handle_errors, print_json
from mslearn.core.errors import MslearnInputError


def machine() -> dict:
    """The machine description recorded with benchmark figures: CPU model, cores, Python."""
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version()}


@handle_errors
def fem(
    json_: bool = JsonOption,
    smoke: bool = typer.Option(False, "--smoke", help="Only the three smallest meshes."),
    element: str = typer.Option("Q4", help="Element type."),
    repeats: int = typer.Option(20, help="Timed repetitions per phase (median reported)."),
    orderings: bool = typer.Option(
        False, "--orderings", help="Also compare LU orderings side by side."
    ),
    debug: bool = typer.Option(False, "--debug"),
) -> None:
    """Time one Newton iteration on Q4 biaxial meshes 2x4 ... 64x128 (medians, ms)."""
    from mslearn.bench.fem import DEFAULT_MESHES, bench_fem, bench_orderings

    meshes = DEFAULT_MESHES[:3] if smoke else DEFAULT_MESHES
    rows = bench_fem(meshes, element, repeats)
    order_rows = bench_orderings() if orderings else []
    if json_:
        print_json(
            {
                "machine": machine(),
                "threads_env": os.environ.get("OMP_NUM_THREADS"),
                "results": rows,
                "orderings": order_rows,
            }
        )
        return
    for r in order_rows:
        typer.echo(
            f"LU {r['mesh']:>8} ({r['dofs']} dofs): COLAMD {r['colamd_ms']:.2f} ms, "
            f"MMD(A^T+A) {r['mmd_at_plus_a_ms']:.2f} ms, x{r['speedup']:.2f}"
        )
    typer.echo(
        f"{'mesh':>8} {'GPs':>6} {'dofs':>6} {'material':>9} {'assembly':>9} "
        f"{'solve':>9} {'asm+solve':>10}  [ms per Newton iteration]"
    )
    for r in rows:
        typer.echo(
            f"{r['mesh']:>8} {r['gauss_points']:>6} {r['dofs']:>6} "
            f"{r['material_ms']:9.3f} {r['assembly_ms']:9.3f} {r['solve_ms']:9.3f} "
            f"{r['assembly_plus_solve_ms']:10.3f}"
        )


@handle_errors
def femdem(
    json_: bool = JsonOption,
    mesh: str = typer.Option("coarse", help="coarse (32 GPs), medium, fine (512 GPs), q8."),
    steps: int = typer.Option(3, help="Load steps (1e-3 axial strain each)."),
    workers: str = typer.Option("1,2", help="Comma-separated worker counts to compare."),
    particles: int = typer.Option(500, help="Disks (2D) or spheres (3D) per RVE."),
    dim: int = typer.Option(2, min=2, max=3, help="2: biaxial (disks); 3: triaxial_3d CTC."),
    mesh3d: str = typer.Option("1x1x2", help="3D: nx x ny x nz HEX8 cells of the prism."),
    debug: bool = typer.Option(False, "--debug"),
) -> None:
    """FEM-DEM: wall per Newton iteration, DEM share, worker scaling, memory, bytes/sample."""
    from mslearn.bench.femdem import bench_femdem, bench_femdem3d

    counts = tuple(int(w) for w in workers.split(","))
    if dim == 3:
        try:
            cells = tuple(int(v) for v in mesh3d.lower().split("x"))
        except ValueError:
            cells = ()
        if len(cells) != 3 or min(cells) < 1:
            raise MslearnInputError(f"--mesh3d {mesh3d!r}: expected NXxNYxNZ, e.g. 1x1x2")
        rows = bench_femdem3d(cells, steps, counts, particles)
    else:
        rows = bench_femdem(mesh, steps, counts, particles)
    if json_:
        print_json({"machine": machine(), "results": rows})
        return
    for r in rows:
        typer.echo(
            f"{r['mesh']} ({r['gauss_points']} GPs x {r['particles_per_rve']} particles), "
            f"{r['workers']} worker(s): {r['wall_per_iteration_s']:.3f} s/iteration, "
            f"DEM {100 * r['dem_time_fraction']:.2f} %, x{r['speedup_vs_1_worker']:.2f}, "
            f"{r['memory_per_rve_bytes'] / 1e3:.0f} kB/RVE, "
            f"{r['dataset_bytes_per_sample']:.0f} B/sample"
            + (f", {r['samples_per_hour']:.3g} samples/h" if "samples_per_hour" in r else "")
        )


@handle_errors
def surrogate(
    json_: bool = JsonOption,
    mesh: str = typer.Option("fine", help="Mesh preset for the FEM timings."),
    steps: int = typer.Option(5, help="Load steps of the FEM-ML / elastic runs."),
    femdem_steps: int = typer.Option(1, help="Load steps of the FEM-DEM reference run."),
    particles: int = typer.Option(500, help="Disks per RVE of the FEM-DEM reference."),
    skip_femdem: bool = typer.Option(False, "--skip-femdem", help="No FEM-DEM reference."),
    debug: bool = typer.Option(False, "--debug"),
) -> None:
    """Surrogate inference throughput, FEM-ML vs elastic FEM and vs FEM-DEM per iteration."""
    from mslearn.bench.surrogate import bench_surrogate

    r = bench_surrogate(mesh, steps, femdem_steps, particles, skip_femdem)
    if json_:
        print_json({"machine": machine(), **r})
        return
    for row in r["inference"]:
        typer.echo(
            f"batch {row['batch']:>6}: committee of 5 {row['points_per_s_committee5']:.3g}"
            f" points/s, single {row['points_per_s_single']:.3g} points/s, "
            f"cost ratio {row['committee_cost_ratio']:.2f}"
        )
    typer.echo(f"FEM-ML / elastic FEM per iteration: {r['fem_ml_over_elastic_per_iteration']:.2f}")
    if "speedup_per_iteration" in r:
        typer.echo(
            f"FEM-DEM / FEM-ML per iteration ({r['mesh']}): {r['speedup_per_iteration']:.0f}x"
        )
