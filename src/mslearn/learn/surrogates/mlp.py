"""The point MLP committee (strain, phi) -> (stress, D) of seed 000 (kind "mlp").

Inputs x = [strain (nv), phi (nv)] with phi the accumulated absolute strain
increments of converged steps (seed 000 Eq. 12); output modes:

* ``joint``     one committee (strain, phi) -> (stress, D)            (seed 000 Sec. 3.3)
* ``separate``  a stress committee and a D committee                 (seed 002 NN1/NN2)
* ``autodiff``  a stress committee; D = d stress / d strain by autograd

Behind the seam (seed 000 Algorithm 2): the trial strain with phi of the last
converged step; stress and D from the committee mean. Saved in the one format
of :mod:`mslearn.learn.persistence` (architecture: mode, nv, dtype, per-network
sizes / members / activation; normalisers: x and per-network y standardisers).

``Surrogate`` and ``SurrogateMaterial`` are the names this class and the seam
adapter had before the surrogate protocol; both still work.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch

from mslearn.core.errors import MslearnInputError
from mslearn.learn.adapter import CommitteeMaterial
from mslearn.learn.features import FEATURES, Standardiser, fingerprint
from mslearn.learn.persistence import register_surrogate
from mslearn.learn.surrogates.committee import CommitteeMLP
from mslearn.learn.surrogates.protocol import (
    CommitteeSurrogate,
    SeamStep,
    common_record,
    mean_jacobian,
    record_meta,
    voigt_names,
)
from mslearn.learn.training import TrainOptions, train_committee

MODES = ("joint", "separate", "autodiff")


def _targets(stress: np.ndarray, stiffness: np.ndarray | None, mode: str) -> dict:
    """Training targets per network: joint (N, nv + nv^2), separate / autodiff."""
    if mode == "autodiff":
        return {"stress": stress}
    if stiffness is None:
        raise MslearnInputError(f"mode {mode!r} learns D: fit needs the stiffness (N, nv, nv)")
    d = stiffness.reshape(len(stiffness), -1)
    if mode == "joint":
        return {"joint": np.hstack([stress, d])}
    return {"stress": stress, "stiffness": d}


def _curve(res) -> dict:
    return {
        "epochs": res.curve_epochs,
        "train": res.curve_train,
        "val": res.curve_val,
        "best_epoch": res.best_epoch,
        "stopped_by": res.stopped_by,
        "wall_time_s": res.wall_time_s,
        "epochs_run": res.epochs,
    }


@register_surrogate
class MLPCommittee(CommitteeSurrogate):
    """Committee(s) of MLPs on (strain, phi) with normalisers (kind "mlp").

    mode: "joint" | "separate" | "autodiff"; nets: name -> :class:`CommitteeMLP`
    ("joint", or "stress" and "stiffness", or "stress"); x_norm / y_norm: input
    and per-network output standardisers; nv: Voigt length (3 or 6); meta: free
    metadata (training options, split, curves) plus x_min / x_max (N = 2 nv
    training range), data_fingerprint and metrics.
    """

    kind: ClassVar[str] = "mlp"
    recurrent: ClassVar[bool] = False

    def __init__(
        self,
        mode: str = "joint",
        nets: dict[str, CommitteeMLP] | None = None,
        x_norm: Standardiser | None = None,
        y_norm: dict[str, Standardiser] | None = None,
        nv: int = 3,
        meta: dict | None = None,
    ) -> None:
        if mode not in MODES:
            raise MslearnInputError(f"mode {mode!r}; expected one of {MODES}")
        self.mode, self.nets, self.nv = mode, dict(nets or {}), int(nv)
        self.x_norm, self.y_norm = x_norm, dict(y_norm or {})
        self.meta = dict(meta or {})

    # ---------------------------------------------------------------- declarations
    @property
    def inputs(self) -> tuple[str, ...]:
        """strain_11 ... then phi_11 ... (2 nv names; strain [-], phi [-])."""
        return voigt_names("strain", self.nv) + voigt_names("phi", self.nv)

    @property
    def outputs(self) -> tuple[str, ...]:
        """stress_11 ... (nv names, [Pa]); D (nv, nv) [Pa] comes with :meth:`respond`."""
        return voigt_names("stress", self.nv)

    @property
    def n_members(self) -> int:
        """Members per committee (0 before a fit)."""
        return next(iter(self.nets.values())).members if self.nets else 0

    @property
    def fitted(self) -> bool:
        """True once the networks exist (trained or loaded)."""
        return bool(self.nets)

    @property
    def x_min(self) -> np.ndarray:
        """(2 nv,) smallest training input [strain, phi]."""
        return np.array(self.meta["x_min"])

    @property
    def x_max(self) -> np.ndarray:
        """(2 nv,) largest training input [strain, phi]."""
        return np.array(self.meta["x_max"])

    # ---------------------------------------------------------------- training
    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        stiffness: np.ndarray | None = None,
        *,
        train: np.ndarray | None = None,
        val: np.ndarray | None = None,
        options: TrainOptions | None = None,
        progress=None,
    ) -> dict:
        """Train from a fresh initialisation on x (N, 2 nv) -> stress y (N, nv) [Pa]
        (and D ``stiffness`` (N, nv, nv) [Pa] for joint / separate).

        ``train`` / ``val``: row indices (default: every row trains, and the best
        epoch is chosen on the training loss). Returns the learning curves per
        network: {name: {epochs, train, val, best_epoch, stopped_by, ...}}.
        """
        opt = options or TrainOptions()
        tr = np.arange(len(x)) if train is None else np.asarray(train)
        va = np.zeros(0, int) if val is None else np.asarray(val)
        self.nv = y.shape[1]
        self.x_norm = Standardiser.fit(x[tr])
        targets = _targets(y, stiffness, self.mode)
        self.y_norm = {k: Standardiser.fit(v[tr]) for k, v in targets.items()}
        xn = (x - self.x_norm.mean) / self.x_norm.std
        curves = {}
        for name, t in targets.items():
            tn = (t - self.y_norm[name].mean) / self.y_norm[name].std
            res = train_committee(xn[tr], tn[tr], xn[va], tn[va], opt, progress)
            self.nets[name], curves[name] = res.model, _curve(res)
        arrays = (x, y) if stiffness is None else (x, y, stiffness)
        self.meta.update(
            dtype=opt.dtype,
            x_min=x[tr].min(axis=0).tolist(),
            x_max=x[tr].max(axis=0).tolist(),
            data_fingerprint=fingerprint(*arrays),
        )
        return curves

    # ---------------------------------------------------------------- prediction
    def _dtype(self) -> torch.dtype:
        return next(iter(self.nets.values())).weights[0].dtype

    def _scaled(self, x: np.ndarray) -> torch.Tensor:
        torch.set_num_threads(int(self.meta.get("inference_threads", 1)))
        return torch.as_tensor((x - self.x_norm.mean) / self.x_norm.std, dtype=self._dtype())

    def _net_out(self, name: str, xs: torch.Tensor) -> torch.Tensor:
        """(M, B, k) physical outputs of committee ``name`` for scaled inputs xs (B, 2 nv)."""
        yn = self.y_norm[name]
        mean = torch.as_tensor(yn.mean, dtype=xs.dtype)
        std = torch.as_tensor(yn.std, dtype=xs.dtype)
        return self.nets[name](xs) * std + mean

    def member_predictions(self, x: np.ndarray) -> np.ndarray:
        """Stress of every member, (M, B, nv) [Pa], for x (B, 2 nv) = [strain, phi]."""
        name = "joint" if self.mode == "joint" else "stress"
        with torch.no_grad():
            return self._net_out(name, self._scaled(x))[..., : self.nv].numpy()

    def respond(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """x (B, 2 nv) -> mean stress (B, nv) [Pa], mean D (B, nv, nv) [Pa], stress std (B, nv).

        D is the learnt one (joint, separate) or d mean stress / d strain by
        autograd (autodiff). Uses ``meta["inference_threads"]`` torch threads
        (default 1: the FEM's batches of a few hundred points gain nothing from more).
        """
        nv, xs = self.nv, self._scaled(x)
        if self.mode == "autodiff":
            xs.requires_grad_(True)
            s = self._net_out("stress", xs)  # (M, B, nv)
            jac = mean_jacobian(s.mean(0), xs)[:, :, :nv]
            D = jac / torch.as_tensor(self.x_norm.std[:nv], dtype=xs.dtype)
            s = s.detach()
        else:
            with torch.no_grad():
                if self.mode == "joint":
                    out = self._net_out("joint", xs)
                    s, d = out[..., :nv], out[..., nv:]
                else:
                    s, d = self._net_out("stress", xs), self._net_out("stiffness", xs)
                D = d.mean(0).reshape(-1, nv, nv)
        sd = s.std(0) if s.shape[0] > 1 else torch.zeros_like(s[0])
        return s.mean(0).numpy(), D.detach().numpy(), sd.numpy()

    # ---------------------------------------------------------------- the seam
    @property
    def seam_tangent(self) -> str:
        """'tangent' (autodiff: exact derivative of the network) or 'secant' (a learnt D)."""
        return "tangent" if self.mode == "autodiff" else "secant"

    def seam_voigt(self) -> int:
        """Voigt length served at the seam (the strain and stress size nv)."""
        return self.nv

    def training_range(self) -> tuple[np.ndarray, np.ndarray]:
        """(min, max) of the inputs [strain, phi] (2 nv,) over the training rows."""
        return self.x_min, self.x_max

    def initial_state(self, n: int) -> dict[str, np.ndarray]:
        """Unstrained points: strain and phi (n, nv) zero."""
        return {"strain": np.zeros((n, self.nv)), "phi": np.zeros((n, self.nv))}

    def seam_step(self, strain: np.ndarray, state: dict[str, np.ndarray]) -> SeamStep:
        """Seed 000 Algorithm 2: inputs (trial strain, phi of the last converged step);
        the next phi adds |strain - committed strain| (Eq. 12)."""
        x = np.hstack([strain, state["phi"]])
        s, D, sd = self.respond(x)
        new = {"strain": strain.copy(), "phi": state["phi"] + np.abs(strain - state["strain"])}
        return SeamStep(s, sd, D, new, x)

    # ---------------------------------------------------------------- persistence
    def to_record(self) -> dict:
        """model.json content (see :mod:`mslearn.learn.persistence`)."""
        return {
            **common_record(self.meta, self.inputs),
            "kind": self.kind,
            "architecture": {
                "mode": self.mode,
                "nv": self.nv,
                "dtype": self.meta.get("dtype", "float64"),
                "nets": {
                    k: {"sizes": v.sizes, "members": v.members, "activation": v.activation}
                    for k, v in self.nets.items()
                },
            },
            "normalisers": {
                "x": self.x_norm.to_dict(),
                "y": {k: v.to_dict() for k, v in self.y_norm.items()},
            },
            "features": {
                "name": FEATURES,
                "inputs": list(self.inputs),
                "outputs": list(self.outputs),
            },
            "fitted": self.fitted,
        }

    def weights(self) -> dict:
        """State dict of every network, by name."""
        return {k: v.state_dict() for k, v in self.nets.items()}

    @classmethod
    def from_record(cls, record: dict, weights: dict) -> MLPCommittee:
        """Rebuild from model.json content and weights (format 1 or 2)."""
        feats = record.get("features")
        name = feats.get("name") if isinstance(feats, dict) else feats
        if name != FEATURES:
            raise MslearnInputError(f"features {name!r}; this version expects {FEATURES!r}")
        arch, norms = record["architecture"], record["normalisers"]
        dtype = torch.float64 if arch.get("dtype", "float64") == "float64" else torch.float32
        nets = {}
        for name, a in arch["nets"].items():
            s = a["sizes"]
            net = CommitteeMLP(s[0], s[-1], tuple(s[1:-1]), a["members"], a["activation"], 0, dtype)
            net.load_state_dict(weights[name])
            nets[name] = net
        meta = {"dtype": arch.get("dtype", "float64"), **record_meta(record)}
        x_norm = Standardiser.from_dict(norms["x"])
        y_norm = {k: Standardiser.from_dict(v) for k, v in norms["y"].items()}
        return cls(arch["mode"], nets, x_norm, y_norm, int(arch["nv"]), meta)


#: the name this class had before the surrogate protocol
Surrogate = MLPCommittee
#: the name of the seam adapter before it served every kind
SurrogateMaterial = CommitteeMaterial
