"""The runs of the seed 003 chain: FEM-DEM references (cached), calibrations, model runs.

Every BVP (strip footing for the training data, biaxial / retaining wall / cavity for
validation) is one :class:`~mslearn.problems.config.RunConfig` built from a
:class:`~mslearn.experiments.seed003_sizes.Seed003Size`; the FEM-DEM run carries the
dataset recorder, the model runs the same problem, mesh, steps and solver with a
torch constitutive model (CSUH, MCC or enhanced IME) as the material.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from mslearn.core.errors import MslearnInputError
from mslearn.data.sequences import SequenceDataset, from_point_dataset
from mslearn.experiments.common import cached_run, timed_run
from mslearn.experiments.femdem_calibration import (
    lm_stage,
    masked_dataset,
    material_bounds,
)
from mslearn.experiments.seed003_sizes import Seed003Size

#: parameters each model calibrates (e0 fixes the void-ratio scale, which stress data
#: cannot; MCC starts normally consolidated, so N does not enter); None: all (IME)
TRAINABLE = {"mcc": ("kappa", "lam", "nu", "M"), "ime": None}


def solver_table(size: Seed003Size, steps: int) -> dict:
    """The ``[solver]`` table: implicit Newton (tolerance) or explicit central difference."""
    if size.solver == "explicit":
        return {"type": "explicit", "n_steps": steps}
    return {"n_steps": steps, "tol_residual": size.tol_residual}


def run_config(size: Seed003Size, name: str, material: dict | None = None):
    """The FEM-DEM RunConfig of problem ``name`` at ``size`` (dataset recorder on), or the
    same problem and solver with ``material`` (a ``[material]`` table, no recorder)."""
    from mslearn.materials.config import material_config
    from mslearn.workflows.femdem import fem_dem_config

    table, steps = size.problem(name)
    cfg = fem_dem_config({"problem": table, "material": size.rve(),
                          "solver": solver_table(size, steps)})  # fmt: skip
    if material is not None:
        cfg = cfg.model_copy(deep=True)
        cfg.material = material_config(material)
        cfg.output.dataset = False
    return cfg


def femdem_run(size: Seed003Size, name: str, cache: Path) -> tuple[Path, dict]:
    """Run (or reuse from ``cache``) the FEM-DEM run of ``name``; (folder, summary).
    The summary has ``cached`` True when reused (timings are the earlier process's)."""
    from mslearn.workflows.femdem import run_fem_dem

    key = size.femdem_key(name)
    folder = Path(cache) / f"femdem_{name}_{key}"
    cfg = run_config(size, name)
    return folder, cached_run(folder, key, lambda f: run_fem_dem(cfg, f, progress=False))


def model_run(size: Seed003Size, name: str, model: str, params: dict, folder: Path) -> dict:
    """``model`` (lode: exponential for CSUH, the MCC default otherwise) with ``params``
    on problem ``name``; a solver failure is kept in the summary (``failure``), the outputs
    up to the last converged step stay in ``folder``."""
    material = {"type": model, "params": params}
    if model == "csuh":
        material["lode"] = "exponential"
    cfg = run_config(size, name, material)
    return timed_run(cfg, folder)


def initial_pressure(size: Seed003Size, name: str) -> float:
    """p0 [Pa] of problem ``name`` (the consolidated state of its materials)."""
    return float(run_config(size, name).problem.build().initial_pressure)


def even_steps(n: int, k: int) -> np.ndarray:
    """Indices of ``k`` evenly spaced steps of ``n`` ending at the last, with the spacing
    counted from the unrecorded initial state: round((j + 1) n / k) - 1, j < k (all
    ``n`` steps when k >= n)."""
    if k >= n:
        return np.arange(n)
    return np.unique(np.round((np.arange(k) + 1) * n / k).astype(int) - 1)


def gauss_point_curves(folder: Path, p0: float, max_steps: int | None = None) -> SequenceDataset:
    """The converged Gauss-point histories of a FEM-DEM run (one curve per point), at
    most ``max_steps`` evenly spaced steps of each (:func:`even_steps`; an explicit run
    records every central-difference step, thousands per load step)."""
    ds = from_point_dataset(Path(folder) / "dataset.zarr", p0)
    return subsample(ds, max_steps)


def subsample(ds: SequenceDataset, max_steps: int | None) -> SequenceDataset:
    """``ds`` at the steps :func:`even_steps` keeps (unchanged when it has fewer)."""
    n = ds.strain.shape[1]
    if max_steps is None or n <= max_steps:
        return ds
    i = even_steps(n, max_steps)
    mask = None if ds.mask is None else ds.mask[:, i]
    attrs = {**ds.attrs, "steps_recorded": n}
    return replace(ds, strain=ds.strain[:, i], stress=ds.stress[:, i], time=ds.time[i],
                   attrs=attrs, mask=mask)  # fmt: skip


@dataclass
class Calibrated:
    """One model's calibration on the footing curves: the parameters and the summary."""

    model: str
    original: dict
    params: dict
    summary: dict


def calibrate_model(
    size: Seed003Size,
    model: str,
    curves: SequenceDataset,
    out: Path,
    threads: int = 1,
    split: tuple[float, float, float] = (0.8, 0.1, 0.1),
) -> Calibrated:
    """Calibrate ``model`` on ``curves`` (seed 003 Eq. 17-18 bound-penalty loss with the
    gamma schedule 0.1 -> 0.01, Adam, then Levenberg-Marquardt; 80/10/10 curve split as
    Sec. 3.3) from the model defaults (Table 5 / 13 / 12 "original"); outputs in
    ``out/calibration``. CSUH and MCC take the 2D-DEM material bounds (M from the DEM
    friction angles; the upper M bound is raised to the original M where it lies
    below, as for MCC's circular locus), the enhanced IME its own wide bounds."""
    from mslearn.calibration.calibrate import CalibrationOptions
    from mslearn.calibration.identifiability import CSUH_IDENTIFIABLE
    from mslearn.constitutive.factory import make_model

    lode = "exponential"
    mdl = make_model(model, lode)
    trainable = CSUH_IDENTIFIABLE if model == "csuh" else TRAINABLE[model]
    trainable = tuple(trainable or mdl.defaults())
    original = {k: float(v) for k, v in mdl.defaults().items()}
    bounds = {}
    if model != "ime":
        bounds = material_bounds(size, model, "none" if model == "mcc" else lode)
    if "M" in bounds:  # MCC's circular locus: M(phi_peak + 5) < Table 13's 1.25
        lo, hi = bounds["M"]
        bounds["M"] = (lo, max(hi, original["M"]))
    opts = CalibrationOptions(
        epochs=size.epochs,
        trainable=trainable,
        seed=size.seed,
        threads=threads,
        split=split,
        bounds=bounds or None,
    )
    ds = masked_dataset(curves, mdl, original, opts, size.mask)
    out.mkdir(parents=True, exist_ok=True)
    params, summary = adam_then_lm(mdl, ds, original, trainable, opts, size, out)
    summary["rows_in_loss"] = int(ds.mask.sum()) if ds.mask is not None else None
    summary["steps"] = int(ds.strain.shape[1])
    return Calibrated(model, original, params, summary)


def adam_then_lm(mdl, ds, original, trainable, opts, size, out: Path) -> tuple[dict, dict]:
    """Adam (Eq. 17-18, soft bound penalty) then LM on the training curves, as
    ``femdem_calibration.calibrate_stages`` but with Adam's parameters clipped into the
    hard bounds before LM (the soft penalty lets Adam overshoot a bound slightly, and LM
    refuses a start outside them). An LM stage that refuses its start (a non-finite
    stress on a step the Adam loss masks) is skipped and says why; (parameters, summary)."""
    from mslearn.calibration.calibrate import calibrate, resolve_bounds

    t0 = time.perf_counter()
    res = calibrate(mdl, ds, original, opts, out / "calibration")
    adam_wall = time.perf_counter() - t0
    hard = resolve_bounds(mdl, opts.bounds)
    clipped = {k: float(np.clip(v, *hard[k])) if k in hard else v for k, v in res.params.items()}
    params, lm_info = dict(clipped), None
    if size.lm_iter > 0:
        start = replace(res, params=clipped)
        try:
            params, lm_info = lm_stage(mdl, ds, start, trainable, opts, size, out)
        except MslearnInputError as exc:  # e.g. a non-finite stress on a masked step
            lm_info = {"skipped": str(exc)}
    summary = {
        "trainable": list(trainable),
        "initial_loss": float(res.history["loss_sigma"][0]) if res.epochs_run else None,
        "final_loss": res.final_loss,
        "best_loss": res.best_loss,
        "best_epoch": res.best_epoch,
        "test_loss": res.test_loss,
        "epochs_run": res.epochs_run,
        "status": res.status,
        "adam_wall_s": adam_wall,
        "clipped_before_lm": [k for k in clipped if clipped[k] != res.params[k]],
        "wall_s": time.perf_counter() - t0,
        "lm": lm_info,
        "split": {k: v.tolist() for k, v in res.split.items()},
    }
    return params, summary


def final_loss(c: Calibrated) -> float | None:
    """The training loss the calibration ended with (LM's when it ran, else Adam's)."""
    return (c.summary.get("lm") or {}).get("train_loss", c.summary.get("final_loss"))


def cell_histories(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """(strain, stress) cell averages of every output entry of a run's fields.xdmf,
    each (entries, cells, n_voigt), tension positive, engineering shear."""
    from mslearn.workflows.results import n_output_steps, read_fields

    n = n_output_steps(folder)
    eps, sig = [], []
    for k in range(n):
        cd = read_fields(folder, k)[3]
        if "strain" not in cd or "stress" not in cd:
            raise MslearnInputError(f"{str(folder)!r}: fields.xdmf has no strain/stress cell data")
        eps.append(cd["strain"][0])
        sig.append(cd["stress"][0])
    return np.asarray(eps), np.asarray(sig)
