"""`mslearn calibrate`: fit a phenomenological model to Gauss-point histories by AD."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from mslearn.cli.common import (
    DebugOption,
    JsonOption,
    OutOption,
    SmokeOption,
    default_out,
    handle_errors,
    print_json,
)


@handle_errors
def calibrate(
    config: Path | None = typer.Argument(None, help="TOML config (built-in defaults if omitted)."),
    data: Path | None = typer.Option(
        None, "--data", help="Sequence dataset (.npz or Zarr); built-in synthetic if omitted."
    ),
    out: Path | None = OutOption,
    json_out: bool = JsonOption,
    smoke: bool = SmokeOption,
    debug: bool = DebugOption,
) -> None:
    """Calibrate a model (seed 003 Eq. 17-18, Adam) and write params.json, history, plots."""
    from mslearn.calibration.calibrate import calibrate as run_calibration
    from mslearn.calibration.config import load_calibrate_config
    from mslearn.calibration.synthetic import model_dataset
    from mslearn.constitutive.factory import make_model
    from mslearn.core.progress import step_progress
    from mslearn.data.sequences import load

    cfg = load_calibrate_config(config)
    lode, _ = cfg.lode_and_gate()
    model = make_model(cfg.model.name, lode)
    if data is not None:
        ds = load(data)
    else:
        n_paths, n_steps = (5, 10) if smoke else (20, 40)
        ds = model_dataset(model, n_paths=n_paths, n_steps=n_steps, eps_max=0.05)
    opts = cfg.options()
    if data is None and opts.trainable is None and cfg.model.name == "csuh":
        from dataclasses import replace

        from mslearn.calibration.identifiability import CSUH_PRACTICAL

        opts = replace(opts, trainable=CSUH_PRACTICAL)
    if smoke:
        from dataclasses import replace

        opts = replace(opts, epochs=min(opts.epochs, 5))
    truth = ds.attrs.get("true_params") if ds.attrs.get("model") == cfg.model.name else None
    init = dict(cfg.init)
    offset = cfg.init_offset if cfg.init_offset is not None else (0.3 if data is None else None)
    if truth and offset:
        names = opts.trainable or model.param_names
        from mslearn.calibration.identifiability import CSUH_START_SIGNS

        bounds = model.bounds()
        for i, k in enumerate(names):
            sign = CSUH_START_SIGNS.get(k, 1) if cfg.model.name == "csuh" else (-1) ** i
            lo, hi = bounds[k]
            init.setdefault(k, min(max(truth[k] * (1 + offset * sign), lo), hi))
        for k in model.param_names:
            init.setdefault(k, truth[k])
    out_dir = default_out(out, "calibrate")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "config.json").write_text(cfg.model_dump_json(indent=2))
    with step_progress("calibrate", opts.epochs, enabled=not json_out) as update:
        res = run_calibration(
            model,
            ds,
            init,
            opts,
            out_dir,
            on_epoch=lambda k, info: update(k + 1, f"loss {info['loss']:.3e}"),
        )
    summary = {
        "final_loss": res.final_loss,
        "best_loss": res.best_loss,
        "best_epoch": res.best_epoch,
        "test_loss": res.test_loss,
        "params": res.params,
        "epochs_per_s": res.epochs_per_s,
        "epochs_run": res.epochs_run,
        "status": res.status,
        "out": str(out_dir),
    }
    if truth:
        names = opts.trainable or model.param_names
        summary["recovered_rel_error"] = max(
            abs(res.params[k] / truth[k] - 1.0) for k in names if truth[k] != 0
        )
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    if res.status != "ok":
        typer.echo(
            f"warning: calibration stopped at epoch {res.epochs_run} ({res.status}); "
            f"last good parameters in {out_dir / 'last_good_params.json'}",
            err=True,
        )
    if json_out:
        print_json(summary)
    else:
        typer.echo(f"best epoch {res.best_epoch}, loss {res.best_loss:.4e}; params in {out_dir}")


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
    from dataclasses import replace

    size = replace(size, bounds=bounds, mask=mask)
    out_dir = default_out(out, "calibrate-femdem")
    report = compare(out_dir, size, cache, model=model, lode=lodes[model], progress=False)
    if json_out:
        print_json(report)
    else:
        typer.echo((out_dir / "report.md").read_text())


def register(app: typer.Typer) -> None:
    """Add ``calibrate`` to ``app`` (the FEM-DEM study is under ``mslearn study``)."""
    app.command("calibrate")(calibrate)
