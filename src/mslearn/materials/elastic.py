"""Isotropic linear elasticity (plane strain or 3D), batched."""

from __future__ import annotations

import numpy as np

from mslearn.materials.base import MaterialFeatures, MaterialResponse, check_strain
from mslearn.materials.voigt import (
    bulk_shear,
    elastic_mandel,
    mandel3_to_stiffness,
    mandel3_to_stress,
    strain_to_mandel3,
)


def initial_stress_mandel(
    n_points: int, initial_pressure: float = 0.0, initial_stress: np.ndarray | None = None
) -> np.ndarray:
    """(n, 6) Mandel initial stress from a pressure p0 (> 0: compression) or 3D Voigt stress."""
    if initial_stress is not None:
        s = np.broadcast_to(np.asarray(initial_stress, float), (n_points, 6)).copy()
        s[:, 3:] *= np.sqrt(2.0)
        return s
    s = np.zeros((n_points, 6))
    s[:, :3] = -float(initial_pressure)
    return s


class LinearElastic:
    """sigma = sigma_0 + C : eps, with C isotropic (Young's modulus E [Pa], Poisson nu).

    ``dim=2`` is plane strain (eps_33 = 0; sigma_33 is reported as the extra
    "stress_33"); ``dim=3`` is full 3D. ``initial_pressure`` p0 [Pa] gives the
    consolidated state sigma_0 = -p0 I at zero strain.
    """

    def __init__(
        self,
        young: float,
        poisson: float,
        n_points: int,
        dim: int = 2,
        initial_pressure: float = 0.0,
    ) -> None:
        if young <= 0:
            raise ValueError(f"young is {young}; expected > 0 [Pa]")
        if not -1.0 < poisson < 0.5:
            raise ValueError(f"poisson is {poisson}; expected in (-1, 0.5)")
        self.young, self.poisson, self.dim = float(young), float(poisson), dim
        self.n_points = int(n_points)
        self.features = MaterialFeatures(dim, tangent="tangent", history=False)
        self.n_voigt = self.features.n_voigt
        self.bulk, self.shear = bulk_shear(young, poisson)
        self._c = elastic_mandel(self.bulk, self.shear)
        self._sigma0 = initial_stress_mandel(self.n_points, initial_pressure)
        self._d = np.broadcast_to(
            mandel3_to_stiffness(self._c[None], self.n_voigt),
            (self.n_points,) + (self.n_voigt,) * 2,
        )

    def trial(self, strain: np.ndarray) -> MaterialResponse:
        """Stress sigma_0 + C : eps [Pa] and the constant D for the total strain (n, nv)."""
        strain = check_strain(strain, self.n_points, self.n_voigt)
        sig = self._sigma0 + strain_to_mandel3(strain) @ self._c
        extras = {"stress_33": sig[:, 2].copy()} if self.dim == 2 else {}
        return MaterialResponse(
            mandel3_to_stress(sig, self.n_voigt), self._d.copy(), "tangent", extras
        )

    def commit(self) -> None:  # stateless
        """No-op: the law has no history."""
        return None

    def state_dict(self) -> dict[str, np.ndarray]:
        """Empty: the law has no history."""
        return {}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """No-op: the law has no history."""
        return None
