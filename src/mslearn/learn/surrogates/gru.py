"""A committee of GRU sequence models (kind "gru"; seed 001 Sec. 3.2, Table 2; seed 002 Table 1).

Each member maps an input history x (T, n_in) to an output history y (T, n_out)
causally: GRU (tanh) layers, then a linear read-out at every step. Members
differ only in their random initialisation (seed 001 Sec. 2). Whole sequences
are fed (no moving windows: the GRU state carries the history); padded steps of
shorter paths are masked out of the loss. Loss: MAE (seed 001 Sec. 4.4), Adam.
``fit`` continues from the current weights and optimiser state (warm start),
so an active-learning round fine-tunes instead of starting over.

Inputs and outputs are scaled by constants frozen at the first ``fit``
(x / max|x|, (y - mean) / std), so warm-started rounds see the same scaling.

Behind the material seam (strain (nv) -> stress (nv), nv = 3 or 6) the hidden
state is the material state: a step runs every member one GRU step from the
committed hidden state, and the tangent is d mean stress / d strain by autodiff
of that step. The committed state starts as the hidden state after the first
point of every training sequence, the unstrained (consolidated) state
x = 0, so stepping a path that starts at zero through the seam reproduces
``predict`` on the whole path from its second point on.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch

from mslearn.core.errors import MslearnInputError
from mslearn.learn.features import fingerprint
from mslearn.learn.persistence import register_surrogate
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


class _Member(torch.nn.Module):
    def __init__(self, n_in: int, n_out: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.gru = torch.nn.GRU(n_in, hidden, num_layers=layers, batch_first=True)
        self.out = torch.nn.Linear(hidden, n_out)

    def forward(self, x: torch.Tensor, h0: torch.Tensor | None = None):
        """x (N, T, n_in), h0 (layers, N, hidden) -> y (N, T, n_out), h (layers, N, hidden)."""
        h, hn = self.gru(x, h0)
        return self.out(h), hn


@register_surrogate
class GRUCommittee(CommitteeSurrogate):
    """``members`` GRU networks x (N, T, n_in) -> y (N, T, n_out) (seed 001 Table 2: GRU 40).

    hidden: GRU units per layer; layers: stacked GRU layers; dtype: "float32" or
    "float64"; inputs / outputs: channel names (with units where they have some).
    """

    kind: ClassVar[str] = "gru"
    recurrent: ClassVar[bool] = True

    def __init__(
        self,
        n_in: int,
        n_out: int = 1,
        hidden: int = 40,
        layers: int = 1,
        members: int = 3,
        seed: int = 0,
        dtype: str = "float32",
        inputs: tuple[str, ...] | None = None,
        outputs: tuple[str, ...] | None = None,
    ) -> None:
        if members < 1:
            raise MslearnInputError(f"committee members = {members}: expected >= 1")
        if hidden < 1 or layers < 1:
            raise MslearnInputError(f"GRU hidden = {hidden}, layers = {layers}: expected >= 1")
        self.n_in, self.n_out, self.hidden, self.layers = n_in, n_out, hidden, layers
        self.inputs = channel_names(inputs, n_in, "x")
        self.outputs = channel_names(outputs, n_out, "y")
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
        self.meta: dict = {}
        self._opt_state: list[dict] = [{} for _ in range(members)]

    @property
    def n_members(self) -> int:
        """Number of GRU networks in the committee."""
        return len(self.members)

    def _scale_x(self, x: np.ndarray) -> torch.Tensor:
        s = self.x_scale if self.x_scale is not None else np.ones(self.n_in)
        return torch.as_tensor(x / s, dtype=self.dtype)

    def _y_scaling(self) -> tuple[np.ndarray, np.ndarray]:
        mean = self.y_mean if self.y_mean is not None else np.zeros(self.n_out)
        std = self.y_std if self.y_std is not None else np.ones(self.n_out)
        return mean, std

    def _freeze_scalings(self, x: np.ndarray, y: np.ndarray, m: np.ndarray) -> None:
        if self.x_scale is None:
            self.x_scale = np.maximum(np.abs(x[m]).max(axis=0), 1e-12)
            self.y_mean = y[m].mean(axis=0)
            self.y_std = np.maximum(y[m].std(axis=0), 1e-12)

    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        mask: np.ndarray | None = None,
        iterations: int = 300,
        lr: float = 5e-3,
        batch_size: int | None = None,
        seed: int = 0,
    ) -> dict:
        """Train every member on x (N, T, n_in) -> y (N, T, n_out), warm-started.

        mask (N, T): real (unpadded) steps; batch_size: paths per Adam step (None:
        full batch). Returns {"loss": (members, iterations) MAE on scaled outputs}.
        """
        x, y = sequence_array(x, "x", self.n_in), sequence_array(y, "y", self.n_out)
        if len(x) == 0:
            raise MslearnInputError("cannot train the committee on an empty set of paths")
        m = np.ones(x.shape[:2], bool) if mask is None else np.asarray(mask, bool)
        self._freeze_scalings(x, y, m)
        xt = self._scale_x(x)
        yt = torch.as_tensor((y - self.y_mean) / self.y_std, dtype=self.dtype)
        mt = torch.as_tensor(m, dtype=self.dtype)[..., None]
        n = len(x)
        bs = n if batch_size is None else min(batch_size, n)
        gen = np.random.default_rng(seed)
        hist = np.zeros((len(self.members), iterations))
        for k, net in enumerate(self.members):
            opt = resume_adam(net.parameters(), self._opt_state[k], lr)
            for it in range(iterations):
                idx = slice(None) if bs == n else gen.choice(n, bs, replace=False)
                opt.zero_grad()
                err = (net(xt[idx])[0] - yt[idx]).abs() * mt[idx]
                loss = err.sum() / (mt[idx].sum() * self.n_out)
                loss.backward()
                opt.step()
                hist[k, it] = loss.item()
            self._opt_state[k] = opt.state_dict()
        self.fitted = True
        self._record_fit(x, y, m, hist)
        return {"loss": hist}

    def _record_fit(self, x, y, m, hist: np.ndarray) -> None:
        self.meta.update(
            data_fingerprint=fingerprint(x, y, m),
            x_min=x[m].min(axis=0).tolist(),
            x_max=x[m].max(axis=0).tolist(),
            metrics={"train_mae_scaled": hist[:, -1].tolist() if hist.size else []},
        )

    @torch.no_grad()
    def member_predictions(self, x: np.ndarray) -> np.ndarray:
        """(members, N, T, n_out) for x (N, T, n_in), in the units of y."""
        xt = self._scale_x(sequence_array(x, "x", self.n_in))
        mean, std = self._y_scaling()
        return np.stack([net(xt)[0].double().numpy() * std + mean for net in self.members])

    # ---------------------------------------------------------------- the seam
    seam_tangent: ClassVar[str] = "tangent"

    def seam_voigt(self) -> int:
        """nv served at the seam; a committee that does not map strain (nv) to stress (nv)
        (nv = 3 or 6) cannot reach it: one-line error."""
        if self.n_in != self.n_out or self.n_in not in (3, 6):
            raise MslearnInputError(
                f"a gru committee with {self.n_in} inputs and {self.n_out} outputs cannot "
                "act as a material: expected strain (3 or 6 Voigt components) -> stress (same)"
            )
        return self.n_in

    def training_range(self) -> tuple[np.ndarray, np.ndarray]:
        """(min, max) of each input channel (n_in,) over the real training steps."""
        return np.array(self.meta["x_min"]), np.array(self.meta["x_max"])

    @torch.no_grad()
    def initial_state(self, n: int) -> dict[str, np.ndarray]:
        """hidden (n, members, layers, hidden): every member after the zero-strain start."""
        x0 = self._scale_x(np.zeros((n, 1, self.n_in)))
        hs = [net(x0)[1] for net in self.members]  # (layers, n, hidden) each
        return {"hidden": torch.stack(hs).permute(2, 0, 1, 3).double().numpy()}

    def seam_step(self, strain: np.ndarray, state: dict[str, np.ndarray]) -> SeamStep:
        """One GRU step of every member from ``state["hidden"]`` with input strain (n, nv);
        stiffness (n, nv, nv) [Pa] = d mean stress / d strain (autodiff of the step)."""
        xs = self._scale_x(strain).requires_grad_(True)
        h0 = torch.as_tensor(state["hidden"], dtype=self.dtype).permute(1, 2, 0, 3)
        mean_t, std_t = (torch.as_tensor(a, dtype=self.dtype) for a in self._y_scaling())
        outs, hs = [], []
        for net, h in zip(self.members, h0, strict=True):
            y, hn = net(xs[:, None, :], h.contiguous())
            outs.append(y[:, 0] * std_t + mean_t)
            hs.append(hn)
        s = torch.stack(outs)  # (M, n, nv)
        jac = mean_jacobian(s.mean(0), xs) / torch.as_tensor(self.x_scale, dtype=self.dtype)
        s = s.detach().double().numpy()
        hidden = torch.stack(hs).permute(2, 0, 1, 3).detach().double().numpy()
        return SeamStep(
            s.mean(0), member_spread(s), jac.detach().double().numpy(), {"hidden": hidden}, strain
        )

    # ---------------------------------------------------------------- persistence
    def to_record(self) -> dict:
        """model.json content (see :mod:`mslearn.learn.persistence`)."""
        return {
            **common_record(self.meta, self.inputs),
            "kind": self.kind,
            "architecture": {
                "n_in": self.n_in,
                "n_out": self.n_out,
                "hidden": self.hidden,
                "layers": self.layers,
                "members": len(self.members),
                "seed": self.seed,
                "dtype": str(self.dtype).removeprefix("torch."),
            },
            "normalisers": {
                "x_scale": None if self.x_scale is None else self.x_scale.tolist(),
                "y_mean": None if self.y_mean is None else self.y_mean.tolist(),
                "y_std": None if self.y_std is None else self.y_std.tolist(),
            },
            "features": {
                "name": "sequence",
                "inputs": list(self.inputs),
                "outputs": list(self.outputs),
            },
            "fitted": self.fitted,
        }

    def weights(self) -> dict:
        """Member state dicts and Adam states (for warm starts)."""
        return {"members": [net.state_dict() for net in self.members], "opt": self._opt_state}

    @classmethod
    def from_record(cls, record: dict, weights: dict) -> GRUCommittee:
        """Rebuild from model.json content and weights."""
        a, nz, f = record["architecture"], record["normalisers"], record["features"]
        c = cls(
            a["n_in"], a["n_out"], a["hidden"], a["layers"], a["members"], a["seed"], a["dtype"],
            tuple(f["inputs"]), tuple(f["outputs"]),
        )  # fmt: skip
        for net, sd in zip(c.members, weights["members"], strict=True):
            net.load_state_dict(sd)
        c._opt_state = list(weights["opt"])
        c.x_scale, c.y_mean, c.y_std = (
            None if nz[k] is None else np.array(nz[k]) for k in ("x_scale", "y_mean", "y_std")
        )
        c.fitted = bool(record.get("fitted"))
        c.meta = record_meta(record)
        return c
