"""`mslearn study seed003`: seed 003's whole chain (strip-footing FEM-DEM -> calibration
-> FEM vs FEM-DEM on the biaxial test, retaining wall, cavity expansion, 3D CTC/PTC)."""

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


def _size(smoke: bool, size: str | None, models: str | None, **over):
    from mslearn.core.errors import MslearnInputError
    from mslearn.experiments.seed003_sizes import size_with

    if smoke and size not in (None, "smoke"):
        raise MslearnInputError(f"--size {size!r} with --smoke; give one of them")
    name = "smoke" if smoke else (size or "demo")
    chosen = None
    if models is not None:
        chosen = tuple(m.strip() for m in models.split(",") if m.strip())
    return name, size_with(name, models=chosen, **over)


@handle_errors
def seed003(
    out: Path | None = OutOption,
    cache: Path | None = typer.Option(
        None, "--cache", help="Folder of FEM-DEM runs to reuse (default: OUT/cache)."
    ),
    size: str | None = typer.Option(
        None, "--size", help="smoke, demo (default) or paper (seed 003's meshes and steps)."
    ),
    models: str | None = typer.Option(
        None, "--models", help="Comma list of csuh, mcc, ime (default: the size's)."
    ),
    solver: str | None = typer.Option(None, "--solver", help="implicit or explicit."),
    epochs: int | None = typer.Option(None, "--epochs", min=1, help="Adam epochs."),
    lm_iter: int | None = typer.Option(None, "--lm-iter", min=0, help="LM iterations."),
    skip_3d: bool = typer.Option(False, "--skip-3d", help="Leave out the 3D CTC/PTC chain."),
    json_out: bool = JsonOption,
    smoke: bool = SmokeOption,
    overwrite: bool = OverwriteOption,
    debug: bool = DebugOption,
) -> None:
    """Strip-footing exFEM-DEM Gauss-point curves -> CSUH (MCC, enhanced IME) calibrated
    (Eq. 17-18, Adam then LM) -> FEM with the original and calibrated parameters vs
    FEM-DEM on the biaxial test, retaining wall and cavity expansion (Tables 6-8, 16), the
    3D CTC -> PTC chain (Tables 10-11), data fractions (Fig. 33), overlap / mismatch /
    contour figures. --json prints the ``tables`` last."""
    from mslearn.experiments.seed003 import study, summary
    from mslearn.experiments.seed003_sizes import describe

    name, sz = _size(smoke, size, models, solver=solver, epochs=epochs, lm_iter=lm_iter)
    settings = {"size_name": name, "size": describe(sz), "cache": cache, "skip_3d": skip_3d}
    out_dir = claim_out(out, "seed003", settings, overwrite, continue_same=True)
    report = study(out_dir, sz, name, cache, with_3d=not skip_3d)
    if json_out:
        print_json({"out": str(out_dir), **summary(report)})
    else:
        typer.echo((out_dir / "report.md").read_text())
