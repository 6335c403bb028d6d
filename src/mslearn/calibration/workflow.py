"""`mslearn calibrate`: fit a phenomenological model to stress-strain sequences by AD.

The data are a sequence dataset (.npz / Zarr), a recorder (point) dataset of a FEM run
(converted to one curve per Gauss point), or, if none is given, synthetic element tests of
the model itself with known parameters (a recovery check: the start is offset from the
truth and ``recovered_rel_error`` says how far the fit got back).

With ``[lm] iterations > 0`` (or ``--lm-iter``) a Levenberg-Marquardt stage (lm.py, backend
``[lm] backend`` / ``--lm-backend``) follows Adam on the same training curves from Adam's
best parameters; params.json then holds its result, params_adam.json Adam's, lm.json the
LM summary and history, and summary.json an ``lm`` entry (None without the stage).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from mslearn.calibration.calibrate import CalibrationResult, calibrate, resolve_bounds
from mslearn.calibration.config import CalibrateConfig, load_calibrate_config
from mslearn.calibration.identifiability import CSUH_PRACTICAL, CSUH_START_SIGNS
from mslearn.calibration.lm import LMOptions, levenberg_marquardt
from mslearn.calibration.synthetic import model_dataset
from mslearn.constitutive.factory import make_model
from mslearn.core.progress import step_progress
from mslearn.core.runfolder import RunSpec, claim, config_settings
from mslearn.core.smoke import announce
from mslearn.data.sequences import SequenceDataset, load

#: synthetic data sizes (paths, steps): full and smoke
SYNTHETIC = {"full": (20, 40), "smoke": (5, 10)}
#: calibration epochs of the smoke size
SMOKE_EPOCHS = 5
#: relative offset of the start from the true parameters on synthetic data
SYNTHETIC_OFFSET = 0.3
#: Levenberg-Marquardt iterations of the smoke size (at most)
SMOKE_LM_ITER = 5


@dataclass(frozen=True)
class CalibrateRequest:
    """What ``mslearn calibrate`` asks for: a TOML config (defaults if None), a dataset
    (synthetic if None), the run folder (default runs/calibrate), the smoke size (at most
    5 epochs, small synthetic data); ``overwrite`` replaces the run already in ``out``."""

    config: Path | None = None
    data: Path | None = None
    out: Path | None = None
    smoke: bool = False
    progress: bool = True
    overwrite: bool = False
    lm_iter: int | None = None  # LM iterations (None: the config's [lm] iterations)
    lm_backend: str | None = None  # "scipy" | "hand" (None: the config's)


def start_near_truth(cfg: CalibrateConfig, model, truth: dict, names, offset: float) -> dict:
    """Initial parameters ``offset`` (relative) away from ``truth`` for the ``names``
    calibrated (signs alternate, or CSUH's measured worst case), inside the bounds; the
    other parameters at their true values. Explicit ``cfg.init`` values win."""
    init = dict(cfg.init)
    bounds = model.bounds()
    for i, k in enumerate(names):
        sign = CSUH_START_SIGNS.get(k, 1) if cfg.model.name == "csuh" else (-1) ** i
        lo, hi = bounds[k]
        init.setdefault(k, min(max(truth[k] * (1 + offset * sign), lo), hi))
    for k in model.param_names:
        init.setdefault(k, truth[k])
    return init


def _data(req: CalibrateRequest, model) -> SequenceDataset:
    if req.data is not None:
        return load(req.data)
    n_paths, n_steps = SYNTHETIC["smoke" if req.smoke else "full"]
    return model_dataset(model, n_paths=n_paths, n_steps=n_steps, eps_max=0.05)


def _lm_options(req: CalibrateRequest, cfg: CalibrateConfig, bounds) -> LMOptions:
    """The LM stage's options: the config's [lm] with the request's overrides, smoke-capped."""
    opts = cfg.lm.options(bounds)
    if req.lm_iter is not None:
        opts = replace(opts, max_iter=req.lm_iter)
    if req.lm_backend is not None:
        opts = replace(opts, backend=req.lm_backend)
    opts.jacobian_method()  # checks the backend
    if req.smoke and opts.max_iter > SMOKE_LM_ITER:
        announce([f"lm.iterations {opts.max_iter} -> {SMOKE_LM_ITER}"])
        opts = replace(opts, max_iter=SMOKE_LM_ITER)
    return opts


def lm_stage(model, ds, res: CalibrationResult, names, integ, opts: LMOptions, out: Path):
    """Levenberg-Marquardt from Adam's best parameters on its training curves; writes
    params.json (the LM result), params_adam.json and lm.json; returns (params, summary).

    Adam's bounds are a penalty (Eq. 17), so its result may lie slightly outside them; the
    LM start is clipped into the bounds (LM's are hard)."""
    (out / "params_adam.json").write_text(json.dumps(res.params, indent=2))
    bounds = resolve_bounds(model, opts.bounds)
    start = {k: min(max(v, bounds[k][0]), bounds[k][1]) for k, v in res.params.items()}
    lm = levenberg_marquardt(model, ds.subset(res.split["train"]), start, names, integ, opts)
    info = {
        "backend": lm.backend,
        "jacobian": lm.jacobian_method,
        "iterations": lm.iterations,
        "initial_loss": lm.history["loss"][0],
        "final_loss": lm.loss,
        "nfev": lm.nfev,
        "njev": lm.njev,
        "wall_s": lm.wall_s,
        "message": lm.message,
    }
    hist = {k: lm.history[k] for k in ("loss", "t", "nfev", "njev")}
    (out / "lm.json").write_text(json.dumps({**info, "history": hist}, indent=2))
    (out / "params.json").write_text(json.dumps(lm.params, indent=2))
    return lm.params, info


def run_calibrate(req: CalibrateRequest) -> dict:
    """Calibrate as ``mslearn calibrate`` does; returns summary.json (with ``out``)."""
    cfg = load_calibrate_config(req.config)
    lode, _ = cfg.lode_and_gate()
    model = make_model(cfg.model.name, lode)
    ds = _data(req, model)
    opts = cfg.options()
    if req.data is None and opts.trainable is None and cfg.model.name == "csuh":
        opts = replace(opts, trainable=CSUH_PRACTICAL)
    if req.smoke and opts.epochs > SMOKE_EPOCHS:
        announce([f"calibration.epochs {opts.epochs} -> {SMOKE_EPOCHS}"])
        opts = replace(opts, epochs=SMOKE_EPOCHS)
    truth = ds.attrs.get("true_params") if ds.attrs.get("model") == cfg.model.name else None
    offset = cfg.init_offset
    if offset is None and req.data is None:
        offset = SYNTHETIC_OFFSET
    names = opts.trainable or model.param_names
    lm_opts = _lm_options(req, cfg, opts.bounds)
    init = start_near_truth(cfg, model, truth, names, offset) if truth and offset else cfg.init
    spec = RunSpec(
        "calibrate",
        {
            "config": config_settings(req.config),
            "data": req.data,
            "smoke": req.smoke,
            "lm_iter": req.lm_iter,
            "lm_backend": req.lm_backend,
        },
        {"config_file": req.config},
        inputs=tuple(p for p in (req.config, req.data) if p is not None),
    )
    out = claim(req.out, "calibrate", spec, overwrite=req.overwrite)
    (out / "config.json").write_text(cfg.model_dump_json(indent=2))
    with step_progress("calibrate", opts.epochs, enabled=req.progress) as update:
        res = calibrate(
            model,
            ds,
            dict(init),
            opts,
            out,
            on_epoch=lambda k, info: update(k + 1, f"loss {info['loss']:.3e}"),
        )
    params, lm_info = res.params, None
    if lm_opts.max_iter > 0:
        params, lm_info = lm_stage(model, ds, res, names, opts.integration(), lm_opts, out)
    summary = {
        "final_loss": res.final_loss,
        "best_loss": res.best_loss,
        "best_epoch": res.best_epoch,
        "test_loss": res.test_loss,
        "params": params,
        "epochs_per_s": res.epochs_per_s,
        "epochs_run": res.epochs_run,
        "status": res.status,
        "lm": lm_info,
        "out": str(out),
    }
    if truth:
        summary["recovered_rel_error"] = max(
            abs(params[k] / truth[k] - 1.0) for k in names if truth[k] != 0
        )
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    return summary
