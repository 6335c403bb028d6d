"""Calibration benchmark: ``python -m mslearn.bench.constitutive [--points N --steps S]``.

Prints (and returns) one JSON object:
* throughput of the strain-driven CSUH integration in Gauss-point-curve steps
  per second, forward only and forward + backward, for the vectorised
  implementation (all points in one batch) and a per-point Python loop (over
  the first 10 curves), measured side by side in the same process;
* a calibration of the practically identifiable CSUH parameters (kappa,
  lambda, nu, M; see identifiability.py) started 30 % away on the N-point x
  S-step synthetic dataset (scheme 3, Adam lr 0.01), stopped when the loss is
  below 1e-8 ("converged"), with the wall time at which the loss first fell
  below 1e-3 and 1e-4 of its initial value and at which every parameter was
  within 5 % of the truth (null if never, within the time budget).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import torch

from mslearn.calibration.calibrate import Batch, CalibrationOptions, calibrate, stress_loss
from mslearn.calibration.identifiability import CSUH_PRACTICAL, csuh_start
from mslearn.calibration.synthetic import model_dataset
from mslearn.constitutive.integrate import integrate_path
from mslearn.constitutive.material import params_as_tensors, project
from mslearn.constitutive.models import CSUH


def _throughput(
    model, prm, batch: Batch, opts, per_point: bool, backward: bool, loop_points: int = 10
) -> float:
    """Gauss-point-curve steps per second; the per-point loop runs over the first
    ``loop_points`` curves only (it is the slow reference; rate per step is what counts)."""
    n, s = batch.strain.shape[:2]
    if per_point:
        n = min(n, loop_points)
    leaves = {k: v.clone().requires_grad_(backward) for k, v in prm.items()}
    t0 = time.perf_counter()
    groups = [slice(i, i + 1) for i in range(n)] if per_point else [slice(0, n)]
    for g in groups:
        with torch.set_grad_enabled(backward):
            res = integrate_path(model, leaves, batch.strain[g], batch.p0[g], opts, check=False)
            if backward:
                stress_loss(-project(res.stress, batch.nv), batch.target[g]).backward()
    return n * s / (time.perf_counter() - t0)


def run(points: int = 100, steps: int = 200, budget_s: float = 600.0, epochs: int = 5000) -> dict:
    """The throughput and Adam calibration figures of the module doc, as a dict.

    ``points`` x ``steps`` synthetic CSUH curves; the calibration stops after
    ``epochs`` epochs, at loss 1e-8 or after ``budget_s`` wall seconds.
    """
    torch.set_num_threads(1)
    model = CSUH()
    ds = model_dataset(model, n_paths=points, n_steps=steps, eps_max=0.1)
    truth = ds.attrs["true_params"]
    copts = CalibrationOptions(
        epochs=epochs,
        trainable=CSUH_PRACTICAL,
        split=(1.0, 0.0, 0.0),
        max_seconds=budget_s,
        target_loss=1e-8,
    )
    integ = copts.integration()
    prm = params_as_tensors(model, truth)
    batch = Batch.from_dataset(ds)
    thr = {}
    for per_point in (False, True):
        for backward in (False, True):
            key = f"{'loop' if per_point else 'vectorised'}_{'fwd_bwd' if backward else 'fwd'}"
            thr[key] = _throughput(model, prm, batch, integ, per_point, backward)
    init = {**truth, **{k: v for k, v in csuh_start(truth, 0.3).items() if k in CSUH_PRACTICAL}}
    marks: dict[str, float | None] = {"loss_1e-3": None, "loss_1e-4": None, "params_5pct": None}
    t0 = time.perf_counter()
    first = {}

    def on_epoch(epoch: int, info: dict) -> None:
        now = time.perf_counter() - t0
        first.setdefault("loss", info["loss"])
        for key, fac in (("loss_1e-3", 1e-3), ("loss_1e-4", 1e-4)):
            if marks[key] is None and info["loss"] < fac * first["loss"]:
                marks[key] = now

    res = calibrate(model, ds, init, copts, on_epoch=on_epoch)
    errs = {k: abs(res.params[k] / truth[k] - 1) for k in CSUH_PRACTICAL}
    hist = res.history
    for e in range(res.epochs_run):
        if max(abs(hist[f"param.{k}"][e] / truth[k] - 1) for k in CSUH_PRACTICAL) < 0.05:
            marks["params_5pct"] = (e + 1) / res.epochs_per_s
            break
    return {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"torch {torch.__version__}, 1 thread",
        "points": points,
        "steps": steps,
        "throughput_steps_per_s": thr,
        "vectorised_over_loop_fwd": thr["vectorised_fwd"] / thr["loop_fwd"],
        "vectorised_over_loop_fwd_bwd": thr["vectorised_fwd_bwd"] / thr["loop_fwd_bwd"],
        "calibration": {
            "epochs_run": res.epochs_run,
            "epochs_per_s": res.epochs_per_s,
            "status": res.status,
            "best_loss": res.best_loss,
            "initial_loss": first.get("loss"),
            "seconds_to": marks,
            "final_rel_errors": errs,
        },
    }


def run_lm(points: int = 100, steps: int = 200, budget_s: float = 600.0, adam_epochs: int = 0):
    """Time to converge with Levenberg-Marquardt (lm.py) for all seven identifiable CSUH
    parameters (kappa, lambda, N, Z, m, nu, M) from the 30 % start (CSUH_START_SIGNS),
    optionally after ``adam_epochs`` of Adam; same dataset and integration as :func:`run`."""
    from mslearn.calibration.identifiability import CSUH_IDENTIFIABLE
    from mslearn.calibration.lm import LMOptions, levenberg_marquardt

    torch.set_num_threads(1)
    model = CSUH()
    ds = model_dataset(model, n_paths=points, n_steps=steps, eps_max=0.1)
    truth = ds.attrs["true_params"]
    copts = CalibrationOptions(
        epochs=max(adam_epochs, 1), trainable=CSUH_IDENTIFIABLE, split=(1.0, 0.0, 0.0)
    )
    t0 = time.perf_counter()
    start = csuh_start(truth, 0.3)
    if adam_epochs:
        start = calibrate(model, ds, start, copts).params
    t_adam = time.perf_counter() - t0
    res = levenberg_marquardt(
        model,
        ds,
        start,
        CSUH_IDENTIFIABLE,
        copts.integration(),
        LMOptions(max_iter=100, max_seconds=budget_s),
    )

    def worst(p):
        return max(abs(p[k] / truth[k] - 1) for k in CSUH_IDENTIFIABLE)

    marks: dict[str, float | None] = {"params_5pct": None, "params_1pct": None, "loss_1e-8": None}
    h = res.history
    for t, p, loss in zip(h["t"], h["params"], h["loss"], strict=True):
        for key, ok in (
            ("params_5pct", worst(p) < 0.05),
            ("params_1pct", worst(p) < 0.01),
            ("loss_1e-8", loss < 1e-8),
        ):
            if ok and marks[key] is None:
                marks[key] = t_adam + t
    return {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"torch {torch.__version__}, 1 thread",
        "points": points,
        "steps": steps,
        "optimiser": f"{adam_epochs} Adam epochs + Levenberg-Marquardt",
        "trainable": list(CSUH_IDENTIFIABLE),
        "iterations": res.iterations,
        "initial_loss": res.history["loss"][0],
        "final_loss": res.loss,
        "wall_s": t_adam + res.wall_s,
        "seconds_to": marks,
        "final_rel_errors": {k: abs(res.params[k] / truth[k] - 1) for k in CSUH_IDENTIFIABLE},
        "jacobian_singular_values_rel": (res.singular_values / res.singular_values[0]).tolist()
        if res.singular_values is not None
        else None,
    }


def main() -> None:
    """Command line entry: print :func:`run` (or :func:`run_lm`, ``--optimiser lm``) as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--points", type=int, default=100)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--budget", type=float, default=600.0)
    ap.add_argument("--optimiser", choices=("adam", "lm"), default="adam")
    a = ap.parse_args()
    if a.optimiser == "lm":
        print(json.dumps(run_lm(a.points, a.steps, a.budget), indent=2))
    else:
        print(json.dumps(run(a.points, a.steps, a.budget), indent=2))


if __name__ == "__main__":
    main()
