"""A committee of MLPs on per-step history features (kind "history_mlp").

Same protocol as the GRU committee, but the history enters through features
instead of a recurrent state (seed 000's idea: strain plus accumulated
|d strain|): for every input channel x its value, its running maximum and its
accumulated |dx| (seed 000 Eq. 12), fed point by point to a stacked MLP
committee (:class:`~mslearn.learn.surrogates.committee.CommitteeMLP`). For the
one-loop paths of the active-learning pool these three numbers identify the
point of the history exactly (u = running max while unloading, r from phi), so
the MLP is a complete history map there; it trains ~50x faster than the GRU.

Behind the material seam (strain (nv) -> stress (nv)) the material state is
(last x, running max, accumulated |dx|) per channel, starting from zero (paths
start unstrained); the tangent is d mean stress / d strain by autodiff through
the features and the MLP.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch

from mslearn.core.errors import MslearnInputError
from mslearn.learn.features import fingerprint
from mslearn.learn.persistence import register_surrogate
from mslearn.learn.surrogates.committee import CommitteeMLP
from mslearn.learn.surrogates.protocol import (
    CommitteeSurrogate,
    SeamStep,
    channel_names,
    common_record,
    mean_jacobian,
    member_spread,
    record_meta,
)
from mslearn.learn.training import resume_adam, sequence_array


def history_features(x: np.ndarray) -> np.ndarray:
    """(N, T, c) -> (N, T, 3c): per channel x, running max of x, accumulated |dx|."""
    dx = np.abs(np.diff(x, axis=1, prepend=x[:, :1]))
    return np.concatenate([x, np.maximum.accumulate(x, axis=1), np.cumsum(dx, axis=1)], axis=2)


@register_surrogate
class HistoryMLPCommittee(CommitteeSurrogate):
    """Committee of MLPs on history features, x (N, T, n_in) -> y (N, T, n_out).

    hidden: units per hidden layer; layers: hidden layers (seed 000 Sec. 3.3: 2 x 40
    ReLU); inputs / outputs: channel names.
    """

    kind: ClassVar[str] = "history_mlp"
    recurrent: ClassVar[bool] = False
    seam_tangent: ClassVar[str] = "tangent"

    def __init__(
        self,
        n_in: int,
        n_out: int = 1,
        hidden: int = 40,
        layers: int = 2,
        members: int = 3,
        seed: int = 0,
        inputs: tuple[str, ...] | None = None,
        outputs: tuple[str, ...] | None = None,
    ) -> None:
        if members < 1:
            raise MslearnInputError(f"committee members = {members}: expected >= 1")
        self.n_in, self.n_out, self.hidden, self.layers = n_in, n_out, hidden, layers
        self.inputs = channel_names(inputs, n_in, "x")
        self.outputs = channel_names(outputs, n_out, "y")
        self.seed, self.n_members = seed, members
        self.net = CommitteeMLP(
            3 * n_in, n_out, (hidden,) * layers, members, "relu", seed=seed, dtype=torch.float32
        )
        self.f_mean: np.ndarray | None = None
        self.f_std: np.ndarray | None = None
        self.y_mean: np.ndarray | None = None
        self.y_std: np.ndarray | None = None
        self.fitted = False
        self.meta: dict = {}
        self._opt_state: dict = {}

    def _standardise(self, f):
        """(f - mean) / std of features f (array or float64 tensor; unit scalings untrained)."""
        if self.f_mean is None:
            return f
        if isinstance(f, torch.Tensor):
            return (f - torch.as_tensor(self.f_mean)) / torch.as_tensor(self.f_std)
        return (f - self.f_mean) / self.f_std

    def _features(self, x: np.ndarray) -> torch.Tensor:
        f = self._standardise(history_features(x))
        return torch.as_tensor(f.reshape(-1, f.shape[-1]), dtype=torch.float32)

    def _outputs(self, out: np.ndarray) -> np.ndarray:
        return out if self.y_mean is None else out * self.y_std + self.y_mean

    def fit(self, x, y, mask=None, iterations=2000, lr=5e-3, batch_size=None, seed=0) -> dict:
        """Train all members together on the real points of x (N, T, n_in) -> y (N, T, n_out),
        warm-started. Returns {"loss": (members, iterations) MAE on scaled outputs}."""
        x, y = sequence_array(x, "x", self.n_in), sequence_array(y, "y", self.n_out)
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
        opt = resume_adam(self.net.parameters(), self._opt_state, lr)
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
        f = history_features(x)[m]
        self.meta.update(
            data_fingerprint=fingerprint(x, y, m),
            x_min=f.min(axis=0).tolist(),
            x_max=f.max(axis=0).tolist(),
            metrics={"train_mae_scaled": hist[:, -1].tolist() if hist.size else []},
        )
        return {"loss": hist}

    @torch.no_grad()
    def member_predictions(self, x: np.ndarray) -> np.ndarray:
        """(members, N, T, n_out) for x (N, T, n_in), in the units of y."""
        x = sequence_array(x, "x", self.n_in)
        out = self.net(self._features(x)).double().numpy()
        out = out.reshape(self.n_members, x.shape[0], x.shape[1], self.n_out)
        return self._outputs(out)

    # ---------------------------------------------------------------- the seam
    def seam_voigt(self) -> int:
        """nv served at the seam (strain (nv) -> stress (nv), nv = 3 or 6), else one-line error."""
        if self.n_in != self.n_out or self.n_in not in (3, 6):
            raise MslearnInputError(
                f"a history_mlp committee with {self.n_in} inputs and {self.n_out} outputs "
                "cannot act as a material: expected strain (3 or 6 Voigt components) -> "
                "stress (same)"
            )
        return self.n_in

    def training_range(self) -> tuple[np.ndarray, np.ndarray]:
        """(min, max) of the features (3 n_in,) over the real training steps."""
        return np.array(self.meta["x_min"]), np.array(self.meta["x_max"])

    def initial_state(self, n: int) -> dict[str, np.ndarray]:
        """Unstrained points: last x, running max and accumulated |dx| (n, n_in) zero."""
        z = np.zeros((n, self.n_in))
        return {"x": z, "running_max": z.copy(), "accumulated": z.copy()}

    def seam_step(self, strain: np.ndarray, state: dict[str, np.ndarray]) -> SeamStep:
        """Features of the trial strain (n, nv) from the committed state, the committee's
        stress and d mean stress / d strain [Pa] by autodiff (features included)."""
        x = torch.as_tensor(strain, dtype=torch.float64).requires_grad_(True)
        run_max = torch.maximum(torch.as_tensor(state["running_max"]), x)
        acc = torch.as_tensor(state["accumulated"]) + (x - torch.as_tensor(state["x"])).abs()
        f = torch.cat([x, run_max, acc], dim=1)
        fs = self._standardise(f).to(torch.float32)
        out = self.net(fs).double()  # (M, n, nv) scaled
        if self.y_mean is not None:
            out = out * torch.as_tensor(self.y_std) + torch.as_tensor(self.y_mean)
        jac = mean_jacobian(out.mean(0), x)
        s = out.detach().numpy()
        new = {
            "x": strain.copy(),
            "running_max": run_max.detach().numpy(),
            "accumulated": acc.detach().numpy(),
        }
        return SeamStep(s.mean(0), member_spread(s), jac.numpy(), new, f.detach().numpy())

    # ---------------------------------------------------------------- persistence
    def to_record(self) -> dict:
        """model.json content (see :mod:`mslearn.learn.persistence`)."""
        feats = [
            f"{k}({n})" for k in ("value", "running_max", "accumulated_abs_d") for n in self.inputs
        ]
        arrays = ("f_mean", "f_std", "y_mean", "y_std")
        return {
            **common_record(self.meta, tuple(feats)),
            "kind": self.kind,
            "architecture": {
                "n_in": self.n_in,
                "n_out": self.n_out,
                "hidden": self.hidden,
                "layers": self.layers,
                "members": self.n_members,
                "seed": self.seed,
                "dtype": "float32",
            },
            "normalisers": {
                k: None if getattr(self, k) is None else getattr(self, k).tolist() for k in arrays
            },
            "features": {
                "name": "value+running_max+accumulated_abs_d",
                "inputs": list(self.inputs),
                "outputs": list(self.outputs),
                "network_inputs": feats,
            },
            "fitted": self.fitted,
        }

    def weights(self) -> dict:
        """The stacked committee's state dict and its Adam state (for warm starts)."""
        return {"net": self.net.state_dict(), "opt": self._opt_state}

    @classmethod
    def from_record(cls, record: dict, weights: dict) -> HistoryMLPCommittee:
        """Rebuild from model.json content and weights."""
        a, nz, f = record["architecture"], record["normalisers"], record["features"]
        c = cls(
            a["n_in"], a["n_out"], a["hidden"], a["layers"], a["members"], a["seed"],
            tuple(f["inputs"]), tuple(f["outputs"]),
        )  # fmt: skip
        c.net.load_state_dict(weights["net"])
        c._opt_state = weights["opt"]
        for k in ("f_mean", "f_std", "y_mean", "y_std"):
            setattr(c, k, None if nz[k] is None else np.array(nz[k]))
        c.fitted = bool(record.get("fitted"))
        c.meta = record_meta(record)
        return c
