"""`mslearn train`: a committee surrogate (strain, phi) -> (stress, D) from a point dataset.

Writes into the run folder: the saved model (model.json, weights.pt: the one save
format), ``config.json``, ``learning_curves.png`` and ``metrics.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from mslearn.core.errors import MslearnInputError
from mslearn.core.progress import step_progress
from mslearn.core.runfolder import RunSpec, claim
from mslearn.core.strictmodel import short
from mslearn.core.tomlfile import read_toml, table
from mslearn.data.store import verify_dataset
from mslearn.learn.config import TrainConfig
from mslearn.learn.fit import fit_surrogate, plot_learning_curves
from mslearn.problems.config import format_validation_error

#: the tiny built-in size: a few dozen epochs
SMOKE_TRAIN = {"max_epochs": 30, "patience": 20}


@dataclass(frozen=True)
class TrainRequest:
    """What ``mslearn train`` asks for: a point dataset (.zarr), a TOML with a ``[train]``
    table (defaults if None), the run folder (default runs/train), the smoke size;
    ``overwrite`` replaces the run already in ``out`` (else it is refused)."""

    data: Path
    config: Path | None = None
    out: Path | None = None
    smoke: bool = False
    progress: bool = True
    overwrite: bool = False


def train_config(data: dict, smoke: bool = False, source: Path | None = None) -> TrainConfig:
    """The validated ``[train]`` table of a parsed config (``source``: its file, named in
    errors). ``smoke``: then at most ``SMOKE_TRAIN`` epochs and patience, after validating
    the full size; one line on stderr says which values it changed."""
    from mslearn.core.smoke import announce, changes

    unknown = sorted(set(data) - {"train"})
    if unknown:
        where = f"config file {str(source)!r}: " if source else ""
        raise MslearnInputError(
            f"{where}unknown tables or keys {short(unknown)}; expected only a [train] table"
        )
    raw = table(data, "train")
    try:
        cfg = TrainConfig.model_validate(raw)
    except ValidationError as err:
        raise MslearnInputError(format_validation_error(err, "train.", source)) from None
    if not smoke:
        return cfg
    small = cfg.model_copy(update={k: min(getattr(cfg, k), v) for k, v in SMOKE_TRAIN.items()})
    announce(changes(cfg.model_dump(), small.model_dump()))
    return small


def train(req: TrainRequest) -> dict:
    """Train, save and report a committee as ``mslearn train`` does; returns metrics.json."""
    cfg = train_config(read_toml(req.config), req.smoke, req.config)
    spec = RunSpec(
        "train",
        {"config": read_toml(req.config), "data": str(req.data), "smoke": req.smoke},
        {"config_file": req.config},
        inputs=tuple(p for p in (req.config, Path(req.data)) if p is not None),
    )
    verify_dataset(req.data)  # a damaged array is refused even where training skips it
    out = claim(req.out, "train", spec, overwrite=req.overwrite)
    (out / "config.json").write_text(
        json.dumps({"train": cfg.model_dump(), "data": str(req.data)}, indent=2)
    )
    opts = cfg.options()
    with step_progress("training", opts.max_epochs, req.progress) as update:
        sur, rep = fit_surrogate(
            str(req.data),
            opts,
            cfg.mode,
            cfg.split_by,
            cfg.split_seed,
            progress=lambda e, tr, va: update(e, f"train {tr:.2e} val {va:.2e}"),
        )
    sur.meta["data_path"] = str(req.data)
    sur.meta["curves"] = rep["curves"]
    sur.save(out)
    plot_learning_curves(out / "learning_curves.png", rep["curves"])
    summary = {
        "model": str(out),
        "mode": cfg.mode,
        **rep["metrics"],
        "epochs": {k: v["epochs_run"] for k, v in rep["curves"].items()},
        "stopped_by": {k: v["stopped_by"] for k, v in rep["curves"].items()},
        "tangent": "autodiff of the stress network"
        if cfg.mode == "autodiff"
        else "predicted D (secant)",
    }
    (out / "metrics.json").write_text(json.dumps(summary, indent=2))
    return summary
