"""The material seam: a batched constitutive model with trial/commit semantics.

The FEM never knows which material it talks to: DEM RVEs, neural surrogates,
calibrated phenomenological models and the reference laws here all implement
:class:`MaterialModel`.

Conventions (DESIGN.md): tension positive, SI units, Voigt order 2D
``[11, 22, 12]`` and 3D ``[11, 22, 33, 23, 13, 12]``, strain with engineering
shear so that ``d_stress = D @ d_strain``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

import numpy as np

StiffnessKind = Literal["tangent", "secant"]


@dataclass(frozen=True)
class MaterialResponse:
    """What a material answers for a batch of ``n`` points.

    stress:    (n, nv) Cauchy stress [Pa], Voigt, tension positive.
    stiffness: (n, nv, nv) material matrix D [Pa]; ``kind`` says tangent or secant.
    extras:    named per-point arrays, first axis ``n`` (e.g. "stress_33",
               "eq_plastic_strain", "uncertainty", "unbalanced_ratio").
    """

    stress: np.ndarray
    stiffness: np.ndarray
    kind: StiffnessKind
    extras: Mapping[str, np.ndarray] = field(default_factory=dict)


@runtime_checkable
class MaterialModel(Protocol):
    """A batch of ``n_points`` material points with a committed state.

    ``trial(strain)`` takes the *total* strain (n, nv) and returns the response
    reached from the last committed state; it may be called many times per
    load step (Newton iterations) and never changes the committed state.
    ``commit()`` accepts the last trial.
    """

    n_points: int
    n_voigt: int

    def trial(self, strain: np.ndarray) -> MaterialResponse: ...

    def commit(self) -> None: ...

    def state_dict(self) -> dict[str, np.ndarray]: ...

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None: ...


def check_strain(strain: np.ndarray, n_points: int, n_voigt: int) -> np.ndarray:
    """Validate a strain batch; return it as float64 (n, nv)."""
    strain = np.asarray(strain, dtype=float)
    if strain.shape != (n_points, n_voigt):
        raise ValueError(
            f"strain has shape {strain.shape}; expected ({n_points}, {n_voigt}) (n_points, n_voigt)"
        )
    return strain
