"""`mslearn calibrate`: fit a phenomenological model to Gauss-point histories by AD."""

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
def calibrate(
    config: Path | None = typer.Argument(None, help="TOML config (built-in defaults if omitted)."),
    data: Path | None = typer.Option(
        None, "--data", help="Sequence dataset (.npz or Zarr); built-in synthetic if omitted."
    ),
    lm_iter: int | None = typer.Option(
        None,
        "--lm-iter",
        min=0,
        help="Levenberg-Marquardt iterations after Adam (0: Adam only; default: [lm] iterations).",
    ),
    lm_backend: str | None = typer.Option(
        None,
        "--lm-backend",
        help="LM backend: 'hand' (damped Gauss-Newton, central differences) or 'scipy' "
        "(least_squares, exact autograd Jacobian); default: [lm] backend ('hand').",
    ),
    out: Path | None = OutOption,
    json_out: bool = JsonOption,
    smoke: bool = SmokeOption,
    overwrite: bool = OverwriteOption,
    debug: bool = DebugOption,
) -> None:
    """Calibrate a model (seed 003 Eq. 17-18, Adam, optionally then Levenberg-Marquardt) and
    write params.json, history, plots."""
    from mslearn.calibration.workflow import CalibrateRequest, run_calibrate

    req = CalibrateRequest(
        config,
        data,
        out,
        smoke,
        progress=not json_out,
        overwrite=overwrite,
        lm_iter=lm_iter,
        lm_backend=lm_backend,
    )
    summary = run_calibrate(req)
    if summary["status"] != "ok":
        typer.echo(
            f"warning: calibration stopped at epoch {summary['epochs_run']} "
            f"({summary['status']}); last good parameters in "
            f"{Path(summary['out']) / 'last_good_params.json'}",
            err=True,
        )
    if json_out:
        print_json(summary)
    else:
        lm = summary["lm"]
        stage = (
            ""
            if lm is None
            else (
                f"; LM ({lm['backend']}) {lm['iterations']} iterations, loss {lm['final_loss']:.4e}"
            )
        )
        typer.echo(
            f"best epoch {summary['best_epoch']}, loss {summary['best_loss']:.4e}{stage}; "
            f"params in {summary['out']}"
        )


@handle_errors
def calibrate_femdem(
    out: Path | None = OutOption,
    cache: Path | None = typer.Option(
        None, "--cache", help="Folder of FEM-DEM runs to reuse (default: OUT/cache)."
    ),
    model: str = typer.Option("csuh", "--model", help="csuh or mcc."),
    epochs: int | None = typer.Option(None, "--epochs", min=1, help="Calibration epochs."),
    max_seconds: float | None = typer.Option(
        None, "--max-seconds", min=1.0, help="Calibration wall-clock budget [s]."
    ),
    particles: int | None = typer.Option(None, "--particles", min=10, help="Disks per RVE."),
    steps: int | None = typer.Option(None, "--steps", min=2, help="FEM load steps."),
    bounds: str = typer.Option(
        "material",
        "--bounds",
        help="Parameter bounds: 'material' (M from the DEM friction angles, plane strain) "
        "or 'table1' (seed 003 Table 1).",
    ),
    mask: str = typer.Option(
        "curve",
        "--mask",
        help="'curve': drop each Gauss-point curve from its first inadmissible step on "
        "(loss mask); 'trim': drop trailing steps of every curve.",
    ),
    json_out: bool = JsonOption,
    smoke: bool = SmokeOption,
    overwrite: bool = OverwriteOption,
    debug: bool = DebugOption,
) -> None:
    """FEM-DEM biaxial -> calibrate on its Gauss-point histories -> FEM with the original
    and calibrated parameters vs FEM-DEM (top force MAE, peak, post-peak, wall time)."""
    from mslearn.core.errors import MslearnInputError
    from mslearn.experiments.femdem_calibration import compare, size_with

    lodes = {"csuh": "exponential", "mcc": "none"}
    if model not in lodes:
        raise MslearnInputError(f"--model {model!r}; expected one of {sorted(lodes)}")
    size = size_with(
        "smoke" if smoke else "full",
        epochs=epochs,
        max_seconds=max_seconds,
        particles=particles,
        steps=steps,
    )
    from mslearn.experiments.femdem_calibration import BOUND_CHOICES, MASK_CHOICES

    if bounds not in BOUND_CHOICES:
        raise MslearnInputError(f"--bounds {bounds!r}; expected one of {list(BOUND_CHOICES)}")
    if mask not in MASK_CHOICES:
        raise MslearnInputError(f"--mask {mask!r}; expected one of {list(MASK_CHOICES)}")
    from dataclasses import asdict, replace

    size = replace(size, bounds=bounds, mask=mask)
    settings = {"size": asdict(size), "model": model, "cache": cache}
    out_dir = claim_out(out, "calibrate-femdem", settings, overwrite, continue_same=True)
    report = compare(out_dir, size, cache, model=model, lode=lodes[model], progress=False)
    if json_out:
        print_json(report)
    else:
        typer.echo((out_dir / "report.md").read_text())


def register(app: typer.Typer) -> None:
    """Add ``calibrate`` to ``app`` (the FEM-DEM study is under ``mslearn study``)."""
    app.command("calibrate")(calibrate)
