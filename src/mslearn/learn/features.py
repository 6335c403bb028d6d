"""Features and targets of the point surrogate (seed 000 Eq. 12-15; seed 001 Eq. 4).

inputs  x = [strain (nv), phi (nv)]   phi = sum |d strain| over converged steps
targets y = [stress (nv), D (nv*nv)]  D row-major, Voigt, engineering shear

Every Newton iteration of the FEM-DEM runs is a sample (trial strain with
phi of the last converged step, as FEM-ML evaluates it: seed 000 Algorithm 2).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from mslearn.core.errors import MslearnInputError
from mslearn.data.store import open_dataset

FEATURES = "strain+phi"


@dataclass
class Arrays:
    """x (N, 2 nv); stress (N, nv); stiffness (N, nv, nv); groups for splits."""

    x: np.ndarray
    stress: np.ndarray
    stiffness: np.ndarray
    run: np.ndarray
    point: np.ndarray

    @property
    def nv(self) -> int:
        """Voigt length of the stress: 3 (plane strain) or 6 (3D)."""
        return self.stress.shape[1]


def load_point_data(path, converged_only: bool = False) -> Arrays:
    """Read a point dataset into feature/target arrays."""
    g = open_dataset(path)
    rows = g["converged"][:] if converged_only else slice(None)
    strain, phi = g["strain"][:][rows], g["history"][:][rows]
    if strain.shape[1] not in (3, 6):
        raise MslearnInputError(
            f"dataset {path}: strain has {strain.shape[1]} components; expected 3 (2D) or 6 (3D)"
        )
    return Arrays(
        np.hstack([strain, phi]),
        g["stress"][:][rows],
        g["stiffness"][:][rows],
        g["run"][:][rows],
        g["point"][:][rows],
    )


def fingerprint(*arrays: np.ndarray) -> str:
    """sha256 of the training arrays (shape, dtype and bytes)."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str((a.shape, a.dtype.str)).encode())
        h.update(a.tobytes())
    return h.hexdigest()


@dataclass
class Standardiser:
    """(value - mean) / std per feature; std floors at 1e-12 x max |std| (constant features)."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, a: np.ndarray) -> Standardiser:
        """Mean and std over the rows of ``a`` (N, k)."""
        std = a.std(axis=0)
        return cls(a.mean(axis=0), np.maximum(std, 1e-12 * max(std.max(), 1e-300)))

    def to_dict(self) -> dict:
        """{"mean": [...], "std": [...]} (JSON)."""
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_dict(cls, d: dict) -> Standardiser:
        """Inverse of :meth:`to_dict`."""
        return cls(np.array(d["mean"]), np.array(d["std"]))
