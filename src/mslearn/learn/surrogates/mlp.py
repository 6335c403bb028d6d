"""Saved surrogates and the SurrogateMaterial behind the material seam.

A saved model is a folder: ``model.json`` (architecture, output mode,
normalisers, feature definition, training ranges, training-data fingerprint,
metrics, package version) and ``weights.pt`` (state dicts). Output modes:

* ``joint``     one committee (strain, phi) -> (stress, D)            (seed 000)
* ``separate``  a stress committee and a D committee                 (seed 002 NN1/NN2)
* ``autodiff``  a stress committee; D = d stress / d strain by autograd

SurrogateMaterial (seed 000 Algorithm 2): trial strain with phi of the last
converged step; stress and D from the committee mean; extras: committee
standard deviation of the stress ("stress_std" (n, nv)), its norm relative to
the stress norm ("uncertainty"), and "out_of_range" (1 where an input lies
outside the training range).
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from mslearn import __version__
from mslearn.core.errors import MslearnInputError
from mslearn.learn.features import FEATURES, Standardiser
from mslearn.learn.surrogates.committee import CommitteeMLP
from mslearn.materials.base import MaterialFeatures, MaterialResponse, check_strain

MODES = ("joint", "separate", "autodiff")


@dataclass
class Surrogate:
    """Committee(s) + normalisers; predicts stress, D and the committee spread."""

    mode: str
    nets: dict[str, CommitteeMLP]
    x_norm: Standardiser
    y_norm: dict[str, Standardiser]
    nv: int
    meta: dict

    @property
    def x_min(self) -> np.ndarray:
        return np.array(self.meta["x_min"])

    @property
    def x_max(self) -> np.ndarray:
        return np.array(self.meta["x_max"])

    def _net_out(self, name: str, xs: torch.Tensor) -> torch.Tensor:
        """(M, B, k) physical outputs of committee ``name``."""
        yn = self.y_norm[name]
        mean = torch.as_tensor(yn.mean, dtype=xs.dtype)
        std = torch.as_tensor(yn.std, dtype=xs.dtype)
        return self.nets[name](xs) * std + mean

    def predict(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """x (B, 2 nv) -> mean stress (B, nv), mean D (B, nv, nv), stress std (B, nv).

        Uses ``meta["inference_threads"]`` torch threads (default 1: the FEM's
        batches of a few hundred points gain nothing from more).
        """
        nv = self.nv
        torch.set_num_threads(int(self.meta.get("inference_threads", 1)))
        dtype = next(iter(self.nets.values())).weights[0].dtype
        xs = torch.as_tensor((x - self.x_norm.mean) / self.x_norm.std, dtype=dtype)
        if self.mode == "autodiff":
            xs.requires_grad_(True)
            s = self._net_out("stress", xs)  # (M, B, nv)
            mean_s = s.mean(0)
            # d sigma_i / d eps_j: sum over the batch is fine (rows are independent)
            rows = [
                torch.autograd.grad(mean_s[:, i].sum(), xs, retain_graph=i < nv - 1)[0]
                for i in range(nv)
            ]
            D = torch.stack(rows, 1)[:, :, :nv] / torch.as_tensor(self.x_norm.std[:nv], dtype=dtype)
            s = s.detach()
            return (
                s.mean(0).numpy(),
                D.detach().numpy(),
                s.std(0).numpy() if s.shape[0] > 1 else np.zeros_like(s[0].numpy()),
            )
        with torch.no_grad():
            if self.mode == "joint":
                out = self._net_out("joint", xs)
                s, d = out[..., :nv], out[..., nv:]
            else:
                s, d = self._net_out("stress", xs), self._net_out("stiffness", xs)
            D = d.mean(0).reshape(-1, nv, nv)
            sd = s.std(0) if s.shape[0] > 1 else torch.zeros_like(s[0])
            return s.mean(0).numpy(), D.numpy(), sd.numpy()

    # ------------------------------------------------------------ persistence
    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        torch.save({k: v.state_dict() for k, v in self.nets.items()}, folder / "weights.pt")
        meta = {
            **self.meta,
            "mode": self.mode,
            "nv": self.nv,
            "features": FEATURES,
            "x_norm": self.x_norm.to_dict(),
            "y_norm": {k: v.to_dict() for k, v in self.y_norm.items()},
            "nets": {
                k: {"sizes": v.sizes, "members": v.members, "activation": v.activation}
                for k, v in self.nets.items()
            },
            "mslearn_version": __version__,
        }
        (folder / "model.json").write_text(json.dumps(meta, indent=2))
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> Surrogate:
        folder = Path(folder)
        if not (folder / "model.json").is_file() or not (folder / "weights.pt").is_file():
            raise MslearnInputError(
                f"model {str(folder)!r} not found (expected model.json and "
                "weights.pt in that folder)"
            )
        try:
            meta = json.loads((folder / "model.json").read_text())
            weights = torch.load(folder / "weights.pt", weights_only=True)
            dtype = torch.float64 if meta.get("dtype", "float64") == "float64" else torch.float32
            nets = {}
            for name, a in meta["nets"].items():
                net = CommitteeMLP(
                    a["sizes"][0],
                    a["sizes"][-1],
                    tuple(a["sizes"][1:-1]),
                    a["members"],
                    a["activation"],
                    dtype=dtype,
                )
                net.load_state_dict(weights[name])
                nets[name] = net
        except (OSError, KeyError, ValueError, RuntimeError, pickle.UnpicklingError) as exc:
            raise MslearnInputError(f"model {str(folder)!r} is corrupted: {exc}") from None
        if meta.get("features") != FEATURES:
            raise MslearnInputError(
                f"model {str(folder)!r} uses features "
                f"{meta.get('features')!r}; this version expects {FEATURES!r}"
            )
        return cls(
            meta["mode"],
            nets,
            Standardiser.from_dict(meta["x_norm"]),
            {k: Standardiser.from_dict(v) for k, v in meta["y_norm"].items()},
            int(meta["nv"]),
            meta,
        )


class SurrogateMaterial:
    """The surrogate at ``n_points`` Gauss points (seed 000 Algorithm 2).

    ``symmetric_d`` symmetrises the predicted D (the DEM contact D it learns is
    symmetric). Stiffness kind: "secant" for learnt D, "tangent" for autodiff.
    """

    def __init__(
        self,
        surrogate: Surrogate,
        n_points: int,
        dim: int = 2,
        symmetric_d: bool = True,
        range_tolerance: float = 0.05,
    ) -> None:
        stiffness = "tangent" if surrogate.mode == "autodiff" else "secant"
        # history lives in phi (accumulated |d strain| of converged steps)
        self.features = MaterialFeatures(dim, tangent=stiffness, history=True)
        nv = self.features.n_voigt
        if surrogate.nv != nv:
            raise MslearnInputError(
                f"the model was trained for {surrogate.nv} stress components "
                f"({'2D' if surrogate.nv == 3 else '3D'}); this problem is {dim}D ({nv})"
            )
        self.model, self.n_points, self.n_voigt = surrogate, int(n_points), nv
        self.symmetric_d = symmetric_d
        span = surrogate.x_max - surrogate.x_min
        self._lo = surrogate.x_min - range_tolerance * span
        self._hi = surrogate.x_max + range_tolerance * span
        self._strain = np.zeros((self.n_points, nv))
        self._phi = np.zeros((self.n_points, nv))
        self._trial: np.ndarray | None = None

    def trial(self, strain: np.ndarray) -> MaterialResponse:
        strain = check_strain(strain, self.n_points, self.n_voigt)
        x = np.hstack([strain, self._phi])
        s, D, sd = self.model.predict(x)
        if self.symmetric_d:
            D = 0.5 * (D + np.swapaxes(D, 1, 2))
        out = ((x < self._lo) | (x > self._hi)).any(axis=1)
        norm = np.linalg.norm(s, axis=1)
        extras = {
            "stress_std": sd,
            "out_of_range": out.astype(float),
            "uncertainty": np.linalg.norm(sd, axis=1) / np.maximum(norm, 1e-300),
        }
        self._trial = strain
        kind = "tangent" if self.model.mode == "autodiff" else "secant"
        return MaterialResponse(s, D, kind, extras)

    def commit(self) -> None:
        if self._trial is None:
            raise RuntimeError("commit() called before trial()")
        self._phi = self._phi + np.abs(self._trial - self._strain)
        self._strain = self._trial.copy()

    def state_dict(self) -> dict[str, np.ndarray]:
        return {"strain": self._strain.copy(), "phi": self._phi.copy()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        self._strain = np.array(state["strain"], float)
        self._phi = np.array(state["phi"], float)
        self._trial = None
