"""Small fitted surrogates of every kind, shared by the surrogate tests (cached per session).

Point data: a linear elastic law (stress = -p0 + C eps, D = C). Sequence data:
Drucker-Prager (plane strain, hardening) driven along random strain paths that
start unstrained, stress [Pa] tension positive.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import torch

from mslearn.learn.features import Arrays
from mslearn.learn.fit import fit_surrogate
from mslearn.learn.surrogates.gru import GRUCommittee
from mslearn.learn.surrogates.history import HistoryMLPCommittee
from mslearn.learn.training import TrainOptions
from mslearn.materials import LinearElastic
from mslearn.materials.config import material_config

P0 = 1e5
#: the reference law of the sequence data and of the FEM comparison
LAW = {
    "type": "drucker_prager",
    "young": 60e6,
    "poisson": 0.3,
    "friction_angle": 30.0,
    "dilatancy_angle": 5.0,
    "cohesion": 0.0,
    "hardening": 4e6,
}
KINDS = ("mlp-joint", "mlp-separate", "mlp-autodiff", "gru", "history_mlp")


def point_arrays(n: int = 600, seed: int = 0) -> Arrays:
    """x (n, 6) = [strain, phi], elastic stress (n, 3) [Pa] and D (n, 3, 3) [Pa]."""
    rng = np.random.default_rng(seed)
    mat = LinearElastic(50e6, 0.3, n, initial_pressure=P0)
    eps = rng.uniform(-2e-3, 2e-3, (n, 3))
    r = mat.trial(eps)
    phi = np.abs(eps) * rng.uniform(1, 3, (n, 3))
    return Arrays(
        np.hstack([eps, phi]), r.stress, r.stiffness, rng.integers(0, 4, n), rng.integers(0, 64, n)
    )


def strain_paths(n: int, steps: int, final: float, seed: int = 0) -> np.ndarray:
    """(n, steps + 1, 3) strain paths from zero: a random mean direction per path (axial
    shortening up to ``final``, lateral expansion, shear) with noisy increments."""
    rng = np.random.default_rng(seed)
    scale = final / steps
    direction = np.column_stack(
        [rng.uniform(-0.2, 1.0, n), rng.uniform(-1.2, 0.1, n), rng.uniform(-0.4, 0.4, n)]
    )
    d = np.zeros((n, steps + 1, 3))
    d[:, 1:] = direction[:, None, :] * scale * (1 + 0.5 * rng.standard_normal((n, steps, 3)))
    return np.cumsum(d, axis=1)


def drive(paths: np.ndarray) -> np.ndarray:
    """Stress histories (n, T, 3) [Pa] of the reference law along strain paths (n, T, 3)."""
    mat = material_config(LAW).build(len(paths), 2, P0)
    out = np.zeros_like(paths)
    for t in range(paths.shape[1]):
        out[:, t] = mat.trial(paths[:, t]).stress
        mat.commit()
    return out


@cache
def sequences(n: int = 24, steps: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Strain paths (n, steps + 1, 3) and the reference stress along them [Pa]."""
    x = strain_paths(n, steps, 0.01)
    return x, drive(x)


@cache
def fitted(kind: str):
    """A small fitted surrogate of ``kind`` (one of :data:`KINDS`)."""
    torch.set_num_threads(1)
    if kind.startswith("mlp-"):
        opt = TrainOptions(hidden=(8,), members=3, max_epochs=20, validate_every=5)
        return fit_surrogate(point_arrays(), opt, mode=kind.removeprefix("mlp-"))[0]
    x, y = sequences()
    if kind == "gru":
        model = GRUCommittee(3, 3, hidden=8, members=3, seed=0, dtype="float64")
        model.fit(x, y, iterations=30, lr=1e-2)
    else:
        model = HistoryMLPCommittee(3, 3, hidden=8, members=3, seed=0)
        model.fit(x, y, iterations=50, lr=1e-2)
    return model


def inputs_of(kind: str) -> np.ndarray:
    """Inputs the kind predicts on: points (50, 6) or sequences (24, 13, 3)."""
    return point_arrays(50, seed=1).x if kind.startswith("mlp-") else sequences()[0]
