"""Calibration of a phenomenological model against Gauss-point stress histories by AD
(seed 003 Sec. 2.3.2 and 3.3, Eq. 17-18, 42-48).

phi = phi0 * w with trainable weights w (initialised to 1); loss (Eq. 17)

    L = MSE(sigma, sigma_data) / mean(sigma_data^2)
        + gamma(epoch) sum_i [(max(0, l_i - phi_i)^2 + max(0, phi_i - u_i)^2) / (u_i - l_i)^2]

(the extracted Eq. 17 lost its exponent; the text says the range enters
squared, we square the normalised violation), gamma from gamma_max to gamma_min
exponentially (Eq. 18); Adam (lr 0.01); Gauss-point curves split 80/10/10
after a seeded shuffle; full-batch epochs; the epoch with the lowest
validation loss (training loss when there is no validation set) is kept.
The forward pass is strain driven from sigma = p0 I (the RVE data are strain
histories recorded at Gauss points). A non-finite loss or gradient stops the
run and keeps the last good parameters.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from mslearn.constitutive.integrate import IntegrationOptions, check_admissible, integrate_path
from mslearn.constitutive.material import embed, project
from mslearn.constitutive.models.base import Model
from mslearn.core.errors import MslearnInputError
from mslearn.data.sequences import SequenceDataset


@dataclass(frozen=True)
class CalibrationOptions:
    """Settings of :func:`calibrate` (module docstring).

    epochs, lr: Adam budget and learning rate; gamma_max, gamma_min: the Eq. 18
    penalty schedule; delta_r, eps_ref, substep_rule: the stress-point
    integration (:meth:`integration`); trainable: names fitted (None: all);
    split: train/val/test fractions of the curves; seed: the split shuffle;
    threads: torch intra-op threads during the run.
    """

    epochs: int = 300
    lr: float = 0.01
    gamma_max: float = 0.1
    gamma_min: float = 0.01
    delta_r: float = 0.03
    eps_ref: float = 2e-3
    substep_rule: str = "linear"
    trainable: tuple[str, ...] | None = None
    split: tuple[float, float, float] = (0.8, 0.1, 0.1)
    seed: int = 0
    threads: int = 1
    max_seconds: float | None = None  # wall-clock budget (status "time_limit")
    target_loss: float | None = None  # stop once the training loss is below (status "converged")
    #: name -> (lower, upper) replacing the model's bounds (seed 003 Table 1) in the
    #: Eq. 17 penalty and the start check (None: the model's)
    bounds: dict[str, tuple[float, float]] | None = None

    def integration(self) -> IntegrationOptions:
        """The :class:`IntegrationOptions` these settings imply."""
        return IntegrationOptions(
            delta_r=self.delta_r, eps_ref=self.eps_ref, substep_rule=self.substep_rule
        )


@dataclass
class CalibrationResult:
    """Outcome of :func:`calibrate`.

    params: parameters of the best epoch; best_loss: its validation loss
    (training loss without a validation set); final_loss: the last epoch's
    training loss; test_loss: the stress loss on the test curves at ``params``
    (None without test curves); epochs_per_s: throughput; history: per-epoch
    arrays "loss", "loss_sigma", "penalty", "gamma", "val" and "param.<name>";
    split: curve indices "train", "val", "test".
    """

    params: dict[str, float]  # best epoch
    best_epoch: int
    best_loss: float
    final_loss: float
    test_loss: float | None
    epochs_run: int
    epochs_per_s: float
    status: str  # "ok" | "nan_stop" | "time_limit" | "converged"
    history: dict[str, np.ndarray] = field(default_factory=dict)
    split: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Batch:
    """Torch view of a set of curves.

    strain (n, S, 6) compression positive 3D Voigt (engineering shear); target
    (n, S, nv) stress as stored in the dataset, tension positive [Pa]; p0 (n,)
    initial isotropic pressures [Pa]; nv the dataset's Voigt length.
    """

    strain: torch.Tensor
    target: torch.Tensor
    p0: torch.Tensor
    nv: int
    mask: torch.Tensor | None = None  # (n, S) bool: rows in the loss (None: all)

    @classmethod
    def from_dataset(cls, ds: SequenceDataset) -> Batch:
        """Convert a tension-positive :class:`SequenceDataset` (2D or 3D) to a batch."""
        strain = -embed(torch.as_tensor(ds.strain, dtype=torch.float64))
        return cls(
            strain,
            torch.as_tensor(ds.stress, dtype=torch.float64),
            torch.as_tensor(ds.initial_pressure, dtype=torch.float64),
            ds.n_voigt,
            None if ds.mask is None else torch.as_tensor(ds.mask, dtype=torch.bool),
        )

    def loss(self, pred: torch.Tensor) -> torch.Tensor:
        """Normalised stress loss of a prediction (n, S, nv), tension positive."""
        return stress_loss(pred, self.target, self.mask)


def split_indices(n: int, fractions, seed: int) -> dict[str, np.ndarray]:
    """Shuffled 80/10/10 (default) split of n curves; at least one training curve."""
    rng = np.random.default_rng(seed)
    perm = rng.permutation(n)
    n_tr = max(1, int(round(fractions[0] * n)))
    n_va = int(round(fractions[1] * n)) if n - n_tr > 0 else 0
    return {
        "train": np.sort(perm[:n_tr]),
        "val": np.sort(perm[n_tr : n_tr + n_va]),
        "test": np.sort(perm[n_tr + n_va :]),
    }


def predict(model: Model, params, batch: Batch, opts: IntegrationOptions, check=False):
    """(n, S, nv) predicted stress, tension positive."""
    res = integrate_path(model, params, batch.strain, batch.p0, opts, check=check)
    return -project(res.stress, batch.nv)


def stress_loss(
    pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor | None = None
) -> torch.Tensor:
    """MSE(sigma, sigma_data) / mean(sigma_data^2) (Eq. 17, first term), both means over
    the rows ``mask`` (n, S) keeps (all rows when None). Masked rows do not enter, even
    when the prediction there is not finite."""
    if mask is None:
        return ((pred - target) ** 2).mean() / (target**2).mean()
    m = mask[..., None].expand_as(target)
    diff = torch.where(m, pred - target, torch.zeros((), dtype=pred.dtype))
    return (diff**2).sum() / (torch.where(m, target, torch.zeros_like(target)) ** 2).sum()


def bound_penalty(phi: dict[str, torch.Tensor], bounds: dict[str, tuple[float, float]]):
    """Sum of squared range-normalised violations of [l_i, u_i] (Eq. 17, second term)."""
    total = torch.zeros((), dtype=torch.float64)
    for k, v in phi.items():
        lo, hi = bounds[k]
        total = (
            total + (torch.relu(lo - v) / (hi - lo)) ** 2 + (torch.relu(v - hi) / (hi - lo)) ** 2
        )
    return total


def gamma_schedule(epoch: int, total: int, g_max: float, g_min: float) -> float:
    """Penalty weight gamma = g_max (g_min / g_max)^(epoch / total) (Eq. 18)."""
    return g_max * (g_min / g_max) ** (epoch / max(total, 1))


def check_bounds(
    model: Model, values: dict[str, float], bounds: dict[str, tuple[float, float]] | None = None
) -> None:
    """Raise :class:`MslearnInputError` unless every parameter lies inside ``bounds``.

    ``bounds`` override the model's (seed 003 Table 1) by name; None: the model's.
    """
    for k, (lo, hi) in resolve_bounds(model, bounds).items():
        v = values[k]
        if not (lo <= v <= hi) or not math.isfinite(v):
            src = "seed 003 Table 1" if bounds is None else "the bounds in use"
            raise MslearnInputError(
                f"initial parameter {k} = {v} is outside its physical bounds [{lo}, {hi}] ({src})"
            )


def resolve_bounds(
    model: Model, bounds: dict[str, tuple[float, float]] | None
) -> dict[str, tuple[float, float]]:
    """The model's bounds with ``bounds`` overriding some of them (checked: known names,
    lower < upper)."""
    out = dict(model.bounds())
    for k, v in (bounds or {}).items():
        if k not in out:
            raise MslearnInputError(
                f"bounds: {k!r} is not a {model.name} parameter; expected some of {sorted(out)}"
            )
        lo, hi = (float(x) for x in v)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise MslearnInputError(f"bounds[{k!r}] = ({lo}, {hi}); expected finite lower < upper")
        out[k] = (lo, hi)
    return out


def calibrate(
    model: Model,
    data: SequenceDataset,
    init: dict[str, float] | None = None,
    options: CalibrationOptions | None = None,
    out_dir: Path | None = None,
    on_epoch: Callable[[int, dict], None] | None = None,
) -> CalibrationResult:
    """Fit ``model`` to ``data`` starting from ``init`` (defaults of the model otherwise).

    Runs with one intra-op thread (``threads``): the tensors are small (one row per
    Gauss point) and torch's thread pool costs more than it gains (measured 20x
    slower forward with 2 threads on the 2-core benchmark machine)."""
    opts = options or CalibrationOptions()
    previous = torch.get_num_threads()
    torch.set_num_threads(opts.threads)
    try:
        return _calibrate(model, data, init, opts, out_dir, on_epoch)
    finally:
        torch.set_num_threads(previous)


def _start_params(model, init, opts) -> tuple[dict[str, float], tuple[str, ...]]:
    """(initial parameters, trainable names), checked against the model and the bounds."""
    phi0 = {**model.defaults(), **(init or {})}
    unknown = set(phi0) - set(model.defaults())
    if unknown:
        raise MslearnInputError(f"unknown {model.name} parameters {sorted(unknown)}")
    check_bounds(model, phi0, opts.bounds)
    names = tuple(opts.trainable) if opts.trainable else model.param_names
    for k in names:
        if k not in phi0:
            raise MslearnInputError(f"trainable parameter {k!r} is not a {model.name} parameter")
    return phi0, names


def _check_start_admissible(model, data, phi, integ) -> None:
    """The initial parameters must give an admissible path on every (unmasked) curve."""
    full = Batch.from_dataset(data)
    with torch.no_grad():
        res = integrate_path(model, phi, full.strain, full.p0, integ, check=False)
    stress = res.stress
    if full.mask is not None:  # masked rows need not be admissible
        stress = torch.where(full.mask[..., None], stress, stress[:, :1].expand_as(stress))
    check_admissible(stress)


def _loss_at(model, params: dict[str, float], batch, integ) -> float:
    """Eq. 17 stress loss of fixed parameters on a batch (no gradients)."""
    with torch.no_grad():
        prm = {k: torch.tensor(v, dtype=torch.float64) for k, v in params.items()}
        return float(batch.loss(predict(model, prm, batch, integ)))


def _adam_step(model, train, integ, optim, w, phi_of, names, bounds, gamma) -> dict:
    """One Adam step on loss = L_sigma + gamma * bound penalty (seed 003 Eq. 17-18);
    returns the loss terms and parameters at the point the step starts from."""
    optim.zero_grad()
    phi = phi_of(w)
    l_sig = train.loss(predict(model, phi, train, integ))
    pen = bound_penalty({k: phi[k] for k in names}, bounds)
    loss = l_sig + gamma * pen
    if bool(torch.isfinite(loss)):
        loss.backward()
    ok = bool(torch.isfinite(loss)) and all(bool(torch.isfinite(v.grad).all()) for v in w.values())
    if ok:
        optim.step()
    ok = ok and all(bool(torch.isfinite(v).all()) for v in w.values())
    current = {k: float(v.detach()) for k, v in phi.items()}
    loss, l_sig, pen = (float(v.detach()) for v in (loss, l_sig, pen))
    return {"loss": loss, "l_sig": l_sig, "pen": pen, "ok": ok, "phi": current}


def _result(best, hist, status, elapsed, idx, test_loss) -> CalibrationResult:
    n_run = len(hist["loss"])
    return CalibrationResult(
        params=best[2],
        best_epoch=best[1],
        best_loss=best[0],
        final_loss=hist["loss"][-1] if n_run else math.nan,
        test_loss=test_loss,
        epochs_run=n_run,
        epochs_per_s=n_run / elapsed if elapsed > 0 else math.nan,
        status=status,
        history={k: np.asarray(v) for k, v in hist.items()},
        split=idx,
    )


def _calibrate(model, data, init, opts, out_dir, on_epoch) -> CalibrationResult:
    phi0, names = _start_params(model, init, opts)
    bounds = resolve_bounds(model, opts.bounds)
    idx = split_indices(data.n_paths, opts.split, opts.seed)
    train = Batch.from_dataset(data.subset(idx["train"]))
    val = Batch.from_dataset(data.subset(idx["val"])) if idx["val"].size else None
    test = Batch.from_dataset(data.subset(idx["test"])) if idx["test"].size else None
    integ = opts.integration()
    fixed = {k: torch.tensor(v, dtype=torch.float64) for k, v in phi0.items()}
    w = {k: torch.ones((), dtype=torch.float64, requires_grad=True) for k in names}
    optim = torch.optim.Adam(list(w.values()), lr=opts.lr)

    def phi_of(weights):
        return {k: fixed[k] * weights[k] if k in weights else fixed[k] for k in fixed}

    _check_start_admissible(model, data, phi_of(w), integ)
    hist: dict[str, list] = {k: [] for k in ("loss", "loss_sigma", "penalty", "gamma", "val")}
    hist.update({f"param.{k}": [] for k in names})
    best = (math.inf, -1, {k: float(v) for k, v in phi0.items()})
    last_good = dict(best[2])
    status, t0 = "ok", time.perf_counter()
    for epoch in range(opts.epochs):
        gamma = gamma_schedule(epoch, opts.epochs, opts.gamma_max, opts.gamma_min)
        try:
            step = _adam_step(model, train, integ, optim, w, phi_of, names, bounds, gamma)
        except (OverflowError, FloatingPointError, ZeroDivisionError):  # diverged parameters
            step = {"ok": False}
        if not step["ok"]:
            status = "nan_stop"
            break
        loss, current = step["loss"], step["phi"]
        lv = _loss_at(model, current, val, integ) if val is not None else loss
        lv = lv if math.isfinite(lv) else math.inf
        if lv < best[0]:
            best = (lv, epoch, current)
        last_good = current
        for k, v in (("loss", loss), ("loss_sigma", step["l_sig"]), ("penalty", step["pen"])):
            hist[k].append(v)
        hist["gamma"].append(gamma)
        hist["val"].append(lv)
        for k in names:
            hist[f"param.{k}"].append(current[k])
        if on_epoch is not None:
            on_epoch(epoch, {"loss": loss, "val": lv})
        if opts.target_loss is not None and loss < opts.target_loss:
            status = "converged"
            break
        if opts.max_seconds is not None and time.perf_counter() - t0 > opts.max_seconds:
            status = "time_limit"
            break
    test_loss = _loss_at(model, best[2], test, integ) if test is not None else None
    result = _result(best, hist, status, time.perf_counter() - t0, idx, test_loss)
    if out_dir is not None:
        write_outputs(result, Path(out_dir), last_good)
    return result


def write_outputs(result: CalibrationResult, out: Path, last_good: dict[str, float]) -> None:
    """params.json (best), last_good_params.json, history.npz, plots."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "params.json").write_text(json.dumps(result.params, indent=2))
    (out / "last_good_params.json").write_text(json.dumps(last_good, indent=2))
    np.savez(
        out / "history.npz", **result.history, **{f"split.{k}": v for k, v in result.split.items()}
    )
    from mslearn.calibration.plots import plot_history

    plot_history(result.history, out)
