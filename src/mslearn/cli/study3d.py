"""`mslearn study triaxial-3d-calibration` and `mslearn study triaxial-3d-femml`: seed 003
Sec. 4.4 in 3D (CSUH calibrated on FEM-DEM CTC, validated on PTC; FEM-ML vs FEM-DEM)."""

from __future__ import annotations

from dataclasses import asdict, replace
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

CacheOption = typer.Option(
    None, "--cache", help="Folder of 3D FEM-DEM runs to reuse (default: OUT/cache)."
)
ParticlesOption = typer.Option(None, "--particles", min=10, help="Spheres per RVE.")
StepsOption = typer.Option(None, "--steps", min=1, help="FEM load steps.")
ElementsOption = typer.Option(
    None, "--elements", help="HEX8 mesh NX,NY,NZ (NZ >= 2: a 1x1x1 mesh has no free node)."
)


def _size(smoke: bool, particles, steps, elements, **over):
    from mslearn.core.errors import MslearnInputError
    from mslearn.experiments.triaxial3d_chain import size_with

    size = size_with("smoke" if smoke else "default", particles=particles, steps=steps, **over)
    if elements is not None:
        try:
            nx, ny, nz = (int(v) for v in elements.split(","))
        except ValueError:
            raise MslearnInputError(
                f"--elements {elements!r}; expected three integers NX,NY,NZ"
            ) from None
        if min(nx, ny) < 1 or nz < 2:
            raise MslearnInputError(f"--elements {elements!r}; expected NX, NY >= 1 and NZ >= 2")
        size = replace(size, nx=nx, ny=ny, nz=nz)
    return size


@handle_errors
def triaxial_3d_calibration(
    out: Path | None = OutOption,
    cache: Path | None = CacheOption,
    particles: int | None = ParticlesOption,
    steps: int | None = StepsOption,
    elements: str | None = ElementsOption,
    epochs: int | None = typer.Option(None, "--epochs", min=1, help="Adam epochs."),
    lm_iter: int | None = typer.Option(None, "--lm-iter", min=0, help="LM iterations."),
    bounds: str | None = typer.Option(
        None, "--bounds", help="'wide' (default: kappa, lambda, m, nu, M widened) or 'table1'."
    ),
    json_out: bool = JsonOption,
    smoke: bool = SmokeOption,
    overwrite: bool = OverwriteOption,
    debug: bool = DebugOption,
) -> None:
    """3D FEM-DEM CTC and PTC -> CSUH calibrated by AD on the CTC Gauss-point curves (70 %
    training) -> FEM-CSUH on PTC with the original and calibrated parameters vs FEM-DEM
    (Table 10 parameters, Table 11 top-force MAE, peak, post-peak error, wall times)."""
    from mslearn.experiments.triaxial3d_chain import chain, summary

    size = _size(smoke, particles, steps, elements, epochs=epochs, lm_iter=lm_iter, bounds=bounds)
    settings = {"size": asdict(size), "cache": cache}
    out_dir = claim_out(out, "triaxial-3d-calibration", settings, overwrite, continue_same=True)
    report = chain(out_dir, size, cache)
    if json_out:
        print_json({"out": str(out_dir), **summary(report)})
    else:
        typer.echo((out_dir / "report.md").read_text())


@handle_errors
def triaxial_3d_femml(
    out: Path | None = OutOption,
    cache: Path | None = CacheOption,
    particles: int | None = ParticlesOption,
    steps: int | None = StepsOption,
    elements: str | None = ElementsOption,
    epochs: int | None = typer.Option(None, "--epochs", min=1, help="Training epochs."),
    json_out: bool = JsonOption,
    smoke: bool = SmokeOption,
    overwrite: bool = OverwriteOption,
    debug: bool = DebugOption,
) -> None:
    """3D FEM-DEM CTC and PTC -> MLP committee trained on the CTC point data -> FEM-ML on
    CTC and on the held-out PTC vs FEM-DEM (top-force rel. L2 / MAE, time per Newton
    iteration side by side, committee uncertainty on mid-plane sections)."""
    from mslearn.experiments.triaxial3d_femml import BUDGETS, femml, summary

    size = _size(smoke, particles, steps, elements)
    budget = BUDGETS["smoke" if smoke else "default"]
    if epochs is not None:
        budget = replace(budget, max_epochs=epochs)
    settings = {"size": asdict(size), "budget": asdict(budget), "cache": cache}
    out_dir = claim_out(out, "triaxial-3d-femml", settings, overwrite, continue_same=True)
    report = femml(out_dir, size, budget, cache)
    if json_out:
        print_json({"out": str(out_dir), **summary(report)})
    else:
        typer.echo((out_dir / "report.md").read_text())
