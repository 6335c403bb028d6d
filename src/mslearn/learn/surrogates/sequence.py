"""A committee of GRU sequence models (seed 001 Sec. 3.2, Table 2; Sec. 4.4).

Each member maps a strain history x (T, n_in) to a stress history y (T, n_out)
causally: GRU (tanh) layers, then a linear read-out at every step. Members
differ only in their random initialisation (seed 001 Sec. 2). Whole
sequences are fed (no moving windows: the GRU state carries the history);
padded steps of shorter paths are masked out of the loss. Loss: MAE (seed 001
Sec. 4.4), Adam. ``fit`` continues from the current weights (warm start), so
an active-learning round can fine-tune instead of starting over.

Inputs and outputs are scaled by constants frozen at the first ``fit``
(x / max|x|, (y - mean) / std), so warm-started rounds see the same scaling.

:class:`HistoryMLPCommittee` has the same interface and maps the history
through per-step features instead of a recurrent state (seed 000's idea:
strain plus accumulated |d strain|): for every input channel x its value, its
running maximum and its accumulated |dx| (seed 000 Eq. 12), fed point by
point to a stacked MLP committee (:class:`~mslearn.learn.surrogates.committee.CommitteeMLP`).
For the one-loop paths of the pool these three numbers identify the point of
the history exactly (u = running max while unloading, r from phi), so the
MLP is a complete history map there; it trains ~50x faster than the GRU.
"""

from __future__ import annotations

import io

import numpy as np
import torch

from mslearn.core.errors import MslearnInputError


def _adam(params, state: dict, lr: float) -> torch.optim.Adam:
    """Adam at ``lr``, continuing from a saved optimiser state when there is one."""
    opt = torch.optim.Adam(params, lr=lr)
    if state:
        opt.load_state_dict(state)
        for g in opt.param_groups:
            g["lr"] = lr
    return opt


def _to_bytes(blob: dict) -> bytes:
    buf = io.BytesIO()
    torch.save(blob, buf)
    return buf.getvalue()


def _load(data: bytes) -> dict:
    return torch.load(io.BytesIO(data), weights_only=False)


class _Member(torch.nn.Module):
    def __init__(self, n_in: int, n_out: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.gru = torch.nn.GRU(n_in, hidden, num_layers=layers, batch_first=True)
        self.out = torch.nn.Linear(hidden, n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, _ = self.gru(x)
        return self.out(h)


class GRUCommittee:
    """``members`` GRU networks; predict -> (members, N, T, n_out)."""

    def __init__(
        self,
        n_in: int,
        n_out: int = 1,
        hidden: int = 40,
        layers: int = 1,
        members: int = 3,
        seed: int = 0,
        dtype: str = "float32",
    ) -> None:
        if members < 1:
            raise MslearnInputError(f"committee members = {members}: expected >= 1")
        if hidden < 1 or layers < 1:
            raise MslearnInputError(f"GRU hidden = {hidden}, layers = {layers}: expected >= 1")
        self.n_in, self.n_out, self.hidden, self.layers = n_in, n_out, hidden, layers
        self.seed = seed
        self.dtype = getattr(torch, dtype)
        self.members = []
        for m in range(members):
            torch.manual_seed(seed * 1000 + m)
            self.members.append(_Member(n_in, n_out, hidden, layers).to(self.dtype))
        self.x_scale: np.ndarray | None = None
        self.y_mean: np.ndarray | None = None
        self.y_std: np.ndarray | None = None
        self.fitted = False
        self._opt_state: list[dict] = [{} for _ in range(members)]

    def _check(self, x: np.ndarray, name: str, width: int) -> np.ndarray:
        x = np.asarray(x, float)
        if x.ndim == 2 and width == 1:
            x = x[..., None]
        if x.ndim != 3 or x.shape[2] != width:
            raise MslearnInputError(f"{name} has shape {x.shape}; expected (paths, steps, {width})")
        return x

    def _scale_x(self, x: np.ndarray) -> torch.Tensor:
        s = self.x_scale if self.x_scale is not None else np.ones(self.n_in)
        return torch.as_tensor(x / s, dtype=self.dtype)

    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        mask: np.ndarray | None = None,
        iterations: int = 300,
        lr: float = 5e-3,
        batch_size: int | None = None,
        seed: int = 0,
    ) -> np.ndarray:
        """Train every member on (x (N, T, n_in), y (N, T, n_out)); returns the
        loss history (members, iterations). ``batch_size`` None: full batch."""
        x = self._check(x, "x", self.n_in)
        y = self._check(y, "y", self.n_out)
        if len(x) == 0:
            raise MslearnInputError("cannot train the committee on an empty set of paths")
        m = np.ones(x.shape[:2], bool) if mask is None else np.asarray(mask, bool)
        if self.x_scale is None:
            self.x_scale = np.maximum(np.abs(x[m]).max(axis=0), 1e-12)
            self.y_mean = y[m].mean(axis=0)
            self.y_std = np.maximum(y[m].std(axis=0), 1e-12)
        xt = self._scale_x(x)
        yt = torch.as_tensor((y - self.y_mean) / self.y_std, dtype=self.dtype)
        mt = torch.as_tensor(m, dtype=self.dtype)[..., None]
        n = len(x)
        bs = n if batch_size is None else min(batch_size, n)
        gen = np.random.default_rng(seed)
        hist = np.zeros((len(self.members), iterations))
        for k, net in enumerate(self.members):
            opt = _adam(net.parameters(), self._opt_state[k], lr)
            for it in range(iterations):
                idx = slice(None) if bs == n else gen.choice(n, bs, replace=False)
                opt.zero_grad()
                err = (net(xt[idx]) - yt[idx]).abs() * mt[idx]
                loss = err.sum() / (mt[idx].sum() * self.n_out)
                loss.backward()
                opt.step()
                hist[k, it] = loss.item()
            self._opt_state[k] = opt.state_dict()
        self.fitted = True
        return hist

    @torch.no_grad()
    def predict(self, x: np.ndarray) -> np.ndarray:
        """(members, N, T, n_out) in the units of y."""
        x = self._check(x, "x", self.n_in)
        xt = self._scale_x(x)
        mean = self.y_mean if self.y_mean is not None else np.zeros(self.n_out)
        std = self.y_std if self.y_std is not None else np.ones(self.n_out)
        return np.stack([net(xt).double().numpy() * std + mean for net in self.members])

    def to_bytes(self) -> bytes:
        """Weights, optimiser states and scalings (for resumable loops)."""
        return _to_bytes(
            {
                "arch": (self.n_in, self.n_out, self.hidden, self.layers, len(self.members)),
                "dtype": str(self.dtype).removeprefix("torch."),
                "seed": self.seed,
                "members": [net.state_dict() for net in self.members],
                "opt": self._opt_state,
                "scales": (self.x_scale, self.y_mean, self.y_std),
                "fitted": self.fitted,
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> GRUCommittee:
        return cls._from_blob(_load(data))

    @classmethod
    def _from_blob(cls, d: dict) -> GRUCommittee:
        n_in, n_out, hidden, layers, members = d["arch"]
        c = cls(n_in, n_out, hidden, layers, members, seed=d["seed"], dtype=d["dtype"])
        for net, sd in zip(c.members, d["members"], strict=True):
            net.load_state_dict(sd)
        c._opt_state = d["opt"]
        c.x_scale, c.y_mean, c.y_std = d["scales"]
        c.fitted = d["fitted"]
        return c


def history_features(x: np.ndarray) -> np.ndarray:
    """(N, T, c) -> (N, T, 3c): per channel x, running max of x, accumulated |dx|."""
    dx = np.abs(np.diff(x, axis=1, prepend=x[:, :1]))
    return np.concatenate([x, np.maximum.accumulate(x, axis=1), np.cumsum(dx, axis=1)], axis=2)


class HistoryMLPCommittee:
    """Committee of MLPs on history features; same interface as :class:`GRUCommittee`."""

    def __init__(
        self,
        n_in: int,
        n_out: int = 1,
        hidden: int = 40,
        layers: int = 2,
        members: int = 3,
        seed: int = 0,
    ) -> None:
        from mslearn.learn.surrogates.committee import CommitteeMLP

        if members < 1:
            raise MslearnInputError(f"committee members = {members}: expected >= 1")
        self.n_in, self.n_out, self.hidden, self.layers = n_in, n_out, hidden, layers
        self.seed, self.n_members = seed, members
        self.net = CommitteeMLP(
            3 * n_in, n_out, (hidden,) * layers, members, "relu", seed=seed, dtype=torch.float32
        )
        self.f_mean: np.ndarray | None = None
        self.f_std: np.ndarray | None = None
        self.y_mean: np.ndarray | None = None
        self.y_std: np.ndarray | None = None
        self.fitted = False
        self._opt_state: dict = {}

    _check = GRUCommittee._check

    def _features(self, x: np.ndarray) -> torch.Tensor:
        mean = 0.0 if self.f_mean is None else self.f_mean  # untrained: unit scalings
        std = 1.0 if self.f_std is None else self.f_std
        f = (history_features(x) - mean) / std
        return torch.as_tensor(f.reshape(-1, f.shape[-1]), dtype=torch.float32)

    def fit(self, x, y, mask=None, iterations=2000, lr=5e-3, batch_size=None, seed=0):
        """Train all members together on the real points of (x, y); loss history (M, iters)."""
        x = self._check(x, "x", self.n_in)
        y = self._check(y, "y", self.n_out)
        if len(x) == 0:
            raise MslearnInputError("cannot train the committee on an empty set of paths")
        m = np.ones(x.shape[:2], bool) if mask is None else np.asarray(mask, bool)
        if self.f_mean is None:
            f = history_features(x)[m]
            self.f_mean, self.f_std = f.mean(axis=0), np.maximum(f.std(axis=0), 1e-12)
            self.y_mean = y[m].mean(axis=0)
            self.y_std = np.maximum(y[m].std(axis=0), 1e-12)
        keep = torch.as_tensor(m.reshape(-1))
        ft = self._features(x)[keep]
        yt = torch.as_tensor(((y - self.y_mean) / self.y_std).reshape(-1, self.n_out))[keep]
        yt = yt.to(torch.float32)
        n = len(ft)
        bs = n if batch_size is None else min(batch_size, n)
        gen = np.random.default_rng(seed)
        opt = _adam(self.net.parameters(), self._opt_state, lr)
        hist = np.zeros((self.n_members, iterations))
        for it in range(iterations):
            idx = slice(None) if bs == n else torch.as_tensor(gen.choice(n, bs, replace=False))
            opt.zero_grad()
            per_member = (self.net(ft[idx]) - yt[idx]).abs().mean(dim=(1, 2))
            per_member.sum().backward()
            opt.step()
            hist[:, it] = per_member.detach().numpy()
        self._opt_state = opt.state_dict()
        self.fitted = True
        return hist

    @torch.no_grad()
    def predict(self, x: np.ndarray) -> np.ndarray:
        """(members, N, T, n_out) in the units of y."""
        x = self._check(x, "x", self.n_in)
        out = self.net(self._features(x)).double().numpy()
        out = out.reshape(self.n_members, x.shape[0], x.shape[1], self.n_out)
        if self.y_mean is None:
            return out
        return out * self.y_std + self.y_mean

    def to_bytes(self) -> bytes:
        return _to_bytes(
            {
                "arch": (self.n_in, self.n_out, self.hidden, self.layers, self.n_members),
                "seed": self.seed,
                "net": self.net.state_dict(),
                "opt": self._opt_state,
                "scales": (self.f_mean, self.f_std, self.y_mean, self.y_std),
                "fitted": self.fitted,
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> HistoryMLPCommittee:
        return cls._from_blob(_load(data))

    @classmethod
    def _from_blob(cls, d: dict) -> HistoryMLPCommittee:
        c = cls(*d["arch"], seed=d["seed"])
        c.net.load_state_dict(d["net"])
        c._opt_state = d["opt"]
        c.f_mean, c.f_std, c.y_mean, c.y_std = d["scales"]
        c.fitted = d["fitted"]
        return c


Committee = GRUCommittee | HistoryMLPCommittee
COMMITTEES = {"gru": GRUCommittee, "mlp": HistoryMLPCommittee}


def committee_from_bytes(data: bytes):
    """Rebuild a saved GRU or MLP committee."""
    d = _load(data)
    return (HistoryMLPCommittee if "net" in d else GRUCommittee)._from_blob(d)
