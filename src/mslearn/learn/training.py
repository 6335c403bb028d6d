"""Training of committees (seed 000 Sec. 3.3: MSE, Adam lr 1e-3, 70/15/15 split,
validation every 10 epochs, early stopping with patience 1000 epochs).

All members train in one vectorised pass on the same minibatches; each
member keeps the parameters of its own best validation epoch, and training
stops when every member has gone ``patience`` epochs without improving (or
at ``max_epochs`` / ``time_limit_s``). Losses are MSE on standardised targets.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from mslearn.core.errors import MslearnInputError
from mslearn.learn.surrogates.committee import CommitteeMLP


@dataclass(frozen=True)
class TrainOptions:
    """Committee training settings (seed 000 Sec. 3.3 defaults: 2 x 40 ReLU, Adam 1e-3,
    validation every 10 epochs, patience 1000 epochs); budgets in epochs, seconds only
    as an optional ``time_limit_s`` stop."""

    hidden: tuple[int, ...] = (40, 40)
    activation: str = "relu"
    members: int = 5
    lr: float = 1e-3
    batch_size: int = 256
    max_epochs: int = 100_000
    patience: int = 1000
    validate_every: int = 10
    time_limit_s: float | None = None
    seed: int = 0
    dtype: str = "float64"
    #: torch intra-op threads; small MLPs train fastest on one (and 10x slower with two
    #: threads on a loaded 2-core machine, measured)
    threads: int = 1

    def torch_dtype(self):
        """torch.float64 or torch.float32, from ``dtype``."""
        return torch.float64 if self.dtype == "float64" else torch.float32


@dataclass
class TrainResult:
    """A trained committee (each member at its best validation epoch), its learning
    curves (per validation: one MSE per member, standardised units) and why it stopped."""

    model: CommitteeMLP
    epochs: int
    best_epoch: list[int]
    best_val: list[float]
    curve_epochs: list[int] = field(default_factory=list)
    curve_train: list[list[float]] = field(default_factory=list)  # per validation: per member
    curve_val: list[list[float]] = field(default_factory=list)
    wall_time_s: float = 0.0
    stopped_by: str = "max_epochs"


def _member_mse(pred: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return ((pred - y.unsqueeze(0)) ** 2).mean(dim=(1, 2))


def _validate(res: TrainResult, best_state: list, epoch: int, data) -> tuple[list, list]:
    """Record the curves at ``epoch`` and keep each member's best parameters."""
    model, xt, yt, xv, yv = data
    with torch.no_grad():
        tr = _member_mse(model(xt), yt).tolist()
        va = _member_mse(model(xv), yv).tolist() if xv.shape[0] else tr
    res.curve_epochs.append(epoch)
    res.curve_train.append(tr)
    res.curve_val.append(va)
    for m in range(model.members):
        if va[m] < res.best_val[m]:
            res.best_val[m], res.best_epoch[m] = va[m], epoch
            best_state[m] = model.member_state(m)
    return tr, va


def train_committee(
    x_tr: np.ndarray,
    y_tr: np.ndarray,
    x_va: np.ndarray,
    y_va: np.ndarray,
    opt: TrainOptions,
    progress=None,
) -> TrainResult:
    """Train on standardised arrays x (N, n_in) -> y (N, n_out) (validation rows x_va,
    y_va may be empty: then the training loss selects); returns the best members.

    ``progress(epoch, mean train MSE, mean validation MSE)`` at every validation.
    """
    dt = opt.torch_dtype()
    torch.set_num_threads(opt.threads)
    torch.manual_seed(opt.seed)
    xt, yt = torch.as_tensor(x_tr, dtype=dt), torch.as_tensor(y_tr, dtype=dt)
    xv, yv = torch.as_tensor(x_va, dtype=dt), torch.as_tensor(y_va, dtype=dt)
    model = CommitteeMLP(
        xt.shape[1], yt.shape[1], opt.hidden, opt.members, opt.activation, opt.seed, dt
    )
    adam = torch.optim.Adam(model.parameters(), lr=opt.lr)
    gen = torch.Generator().manual_seed(opt.seed + 1)
    n, bs = xt.shape[0], min(opt.batch_size, xt.shape[0])
    best_state = [model.member_state(m) for m in range(opt.members)]
    res = TrainResult(model, 0, [0] * opt.members, [float("inf")] * opt.members)
    t0 = time.perf_counter()
    epoch = 0
    while epoch < opt.max_epochs:
        epoch += 1
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n, bs):
            idx = perm[i : i + bs]
            adam.zero_grad(set_to_none=True)
            _member_mse(model(xt[idx]), yt[idx]).sum().backward()
            adam.step()
        if epoch % opt.validate_every == 0 or epoch == opt.max_epochs:
            tr, va = _validate(res, best_state, epoch, (model, xt, yt, xv, yv))
            if progress is not None:
                progress(epoch, float(np.mean(tr)), float(np.mean(va)))
            if all(epoch - e >= opt.patience for e in res.best_epoch):
                res.stopped_by = "early_stopping"
                break
            if opt.time_limit_s is not None and time.perf_counter() - t0 > opt.time_limit_s:
                res.stopped_by = "time_limit"
                break
    for m in range(opt.members):
        model.set_member_state(m, best_state[m])
    res.epochs, res.wall_time_s = epoch, time.perf_counter() - t0
    return res


def resume_adam(params, state: dict, lr: float) -> torch.optim.Adam:
    """Adam at ``lr``, continuing from a saved optimiser state (a state dict) when there is one."""
    opt = torch.optim.Adam(params, lr=lr)
    if state:
        opt.load_state_dict(state)
        for g in opt.param_groups:
            g["lr"] = lr
    return opt


def sequence_array(x, name: str, width: int) -> np.ndarray:
    """``x`` as float64 (paths, steps, width); (paths, steps) is accepted when width is 1."""
    x = np.asarray(x, float)
    if x.ndim == 2 and width == 1:
        x = x[..., None]
    if x.ndim != 3 or x.shape[2] != width:
        raise MslearnInputError(f"{name} has shape {x.shape}; expected (paths, steps, {width})")
    return x
