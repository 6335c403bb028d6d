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

from mslearn.core.errors import MslearnInputError
from mslearn.core.voigt import dim_label, n_voigt

StiffnessKind = Literal["tangent", "secant"]
TangentKind = Literal["tangent", "secant", "none"]
Kinematics = Literal["small_strain", "deformation_gradient"]


@dataclass(frozen=True)
class MaterialFeatures:
    """What a material needs from a solver and what it offers.

    dim:        2 (plane strain) or 3.
    kinematics: "small_strain" (trial takes the total Voigt strain (n, nv)) or
                "deformation_gradient" (trial takes F (n, 3, 3); finite-strain solvers).
    tangent:    the stiffness it returns: "tangent" (consistent), "secant" (an
                approximation Newton can use) or "none" (explicit solvers only).
    history:    True if it carries internal state between committed steps.
    """

    dim: int
    kinematics: Kinematics = "small_strain"
    tangent: TangentKind = "tangent"
    history: bool = True

    def __post_init__(self) -> None:
        n_voigt(self.dim)

    @property
    def n_voigt(self) -> int:
        """Voigt length of stress and strain: 3 (plane strain) or 6 (3D)."""
        return n_voigt(self.dim)

    def describe(self) -> str:
        """One line: 'plane strain, small_strain, secant tangent, with history'."""
        hist = "with history" if self.history else "no history"
        return f"{dim_label(self.dim)}, {self.kinematics}, {self.tangent} stiffness, {hist}"


def require_features(
    material,
    solver: str,
    dim: int,
    kinematics: Kinematics = "small_strain",
    needs_stiffness: bool = True,
) -> MaterialFeatures:
    """Check that ``material.features`` suits ``solver``; one clear line if not."""
    f = getattr(material, "features", None)
    name = type(material).__name__
    if not isinstance(f, MaterialFeatures):
        raise MslearnInputError(f"{solver}: material {name} declares no MaterialFeatures")
    if f.dim != dim:
        raise MslearnInputError(
            f"{solver}: material {name} is {dim_label(f.dim)}; this problem is {dim_label(dim)}"
        )
    if f.kinematics != kinematics:
        raise MslearnInputError(
            f"{solver}: material {name} takes {f.kinematics} kinematics; the solver passes "
            f"{kinematics}"
        )
    if needs_stiffness and f.tangent == "none":
        raise MslearnInputError(
            f"{solver}: material {name} returns no stiffness (tangent = 'none'); "
            "use an explicit solver"
        )
    return f


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

    ``features`` declares dimension, kinematics, tangent kind and history
    (:class:`MaterialFeatures`); solvers check it with :func:`require_features`.

    ``trial(strain)`` takes the *total* strain (n, nv) and returns the response
    reached from the last committed state; it may be called many times per
    load step (Newton iterations) and never changes the committed state.
    ``commit()`` accepts the last trial.
    """

    features: MaterialFeatures
    n_points: int
    n_voigt: int

    def trial(self, strain: np.ndarray) -> MaterialResponse:
        """Response to the total strain (n, nv) from the committed state (which stays)."""
        ...

    def commit(self) -> None:
        """Accept the last trial as the committed state."""
        ...

    def state_dict(self) -> dict[str, np.ndarray]:
        """The committed state as named arrays (checkpoints, restarts)."""
        ...

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore a committed state written by :meth:`state_dict`."""
        ...


def check_strain(strain: np.ndarray, n_points: int, n_voigt: int) -> np.ndarray:
    """Validate a strain batch; return it as float64 (n, nv)."""
    strain = np.asarray(strain, dtype=float)
    if strain.shape != (n_points, n_voigt):
        raise ValueError(
            f"strain has shape {strain.shape}; expected ({n_points}, {n_voigt}) (n_points, n_voigt)"
        )
    return strain
