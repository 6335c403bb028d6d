"""Material configs (TOML ``[material]`` tables) and the registry that builds them.

A config has a ``type`` and the law's parameters (SI, angles in degrees);
``build(n_points, dim, initial_pressure)`` returns a :class:`MaterialModel`.
Higher layers (DEM RVEs, surrogates, calibrated models) register their own
config classes with :func:`register_material`; the FEM never sees which.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from mslearn.core.errors import MslearnInputError
from mslearn.core.strictmodel import StrictModel, short
from mslearn.core.units import AngleDeg, PressureValue
from mslearn.materials.base import MaterialModel
from mslearn.materials.elastic import LinearElastic
from mslearn.materials.plasticity import DruckerPrager, tresca_plane_strain, von_mises


class MaterialConfig(StrictModel):
    """Base of every ``[material]`` config: a ``type`` tag plus the law's parameters.

    Subclasses set ``type_name`` (the registry key) and implement :meth:`build`;
    unknown keys, inf / nan and booleans as numbers are rejected (StrictModel).
    """

    type: str
    type_name: ClassVar[str] = ""

    def build(self, n_points: int, dim: int = 2, initial_pressure: float = 0.0) -> MaterialModel:
        """The material for ``n_points`` points in ``dim`` D (2 = plane strain).

        ``initial_pressure`` p0 [Pa, compression positive] sets the start stress -p0 I.
        """
        raise NotImplementedError

    def build_shard(
        self, start: int, stop: int, dim: int = 2, initial_pressure: float = 0.0
    ) -> MaterialModel:
        """The points [start, stop) of the material (for executors); homogeneous by default."""
        return self.build(stop - start, dim, initial_pressure)


class _ElasticParams(MaterialConfig):
    """Isotropic elastic constants shared by the reference laws."""

    young: PressureValue = Field(60e6, gt=0, description="Young's modulus [Pa]")
    poisson: float = Field(0.3, gt=-1.0, lt=0.5, description="Poisson's ratio")


class LinearElasticConfig(_ElasticParams):
    """Isotropic linear elasticity (``young`` [Pa], ``poisson``)."""

    type_name: ClassVar[str] = "linear_elastic"
    type: str = "linear_elastic"

    def build(self, n_points, dim=2, initial_pressure=0.0):
        """A :class:`LinearElastic` material."""
        return LinearElastic(self.young, self.poisson, n_points, dim, initial_pressure)


class DruckerPragerConfig(_ElasticParams):
    """Drucker-Prager matched to Mohr-Coulomb in plane strain (angles in degrees)."""

    type_name: ClassVar[str] = "drucker_prager"
    type: str = "drucker_prager"
    cohesion: PressureValue = Field(0.0, ge=0, description="cohesion c [Pa]")
    friction_angle: AngleDeg = Field(30.0, gt=0, lt=90, description="phi [deg]")
    dilatancy_angle: AngleDeg | None = Field(5.0, ge=0, lt=90, description="psi [deg]")
    hardening: PressureValue = Field(0.0, description="cohesion hardening modulus H [Pa]")

    def build(self, n_points, dim=2, initial_pressure=0.0):
        """A :class:`DruckerPrager` matched to Mohr-Coulomb (angles converted to radians)."""
        psi = None if self.dilatancy_angle is None else np.radians(self.dilatancy_angle)
        return DruckerPrager.mohr_coulomb_plane_strain(
            self.young,
            self.poisson,
            self.cohesion,
            np.radians(self.friction_angle),
            n_points,
            dilatancy_angle=psi,
            hardening=self.hardening,
            dim=dim,
            initial_pressure=initial_pressure,
        )


class VonMisesConfig(_ElasticParams):
    """J2 plasticity with uniaxial yield stress and linear isotropic hardening."""

    type_name: ClassVar[str] = "von_mises"
    type: str = "von_mises"
    yield_stress: PressureValue = Field(100e3, gt=0, description="uniaxial yield stress [Pa]")
    hardening: PressureValue = Field(0.0, description="isotropic hardening modulus [Pa]")

    def build(self, n_points, dim=2, initial_pressure=0.0):
        """A :func:`von_mises` material."""
        return von_mises(
            self.young,
            self.poisson,
            self.yield_stress,
            n_points,
            hardening=self.hardening,
            dim=dim,
            initial_pressure=initial_pressure,
        )


class TrescaConfig(_ElasticParams):
    """Undrained clay: Tresca in plane strain (von Mises with sigma_y = sqrt(3) c_u)."""

    type_name: ClassVar[str] = "tresca"
    type: str = "tresca"
    cohesion: PressureValue = Field(10e3, gt=0, description="undrained strength c_u [Pa]")

    def build(self, n_points, dim=2, initial_pressure=0.0):
        """A :func:`tresca_plane_strain` material."""
        return tresca_plane_strain(
            self.young,
            self.poisson,
            self.cohesion,
            n_points,
            dim=dim,
            initial_pressure=initial_pressure,
        )


MATERIALS: dict[str, type[MaterialConfig]] = {}


def register_material(cls: type[MaterialConfig]) -> type[MaterialConfig]:
    """Register a material config class under its ``type_name``."""
    MATERIALS[cls.type_name] = cls
    return cls


for _cls in (LinearElasticConfig, DruckerPragerConfig, VonMisesConfig, TrescaConfig):
    register_material(_cls)


#: entry-point group through which higher layers (DEM RVEs, phenomenological laws,
#: surrogates) register material configs; declared in pyproject.toml, so this layer names
#: none of them
PLUGIN_GROUP = "mslearn.materials"


def load_plugins() -> None:
    """Import every module registered under the ``mslearn.materials`` entry points."""
    from importlib.metadata import entry_points

    for ep in entry_points(group=PLUGIN_GROUP):
        ep.load()


def material_config(data: dict[str, Any] | MaterialConfig) -> MaterialConfig:
    """Validate a ``[material]`` table; unknown types name the known ones."""
    if isinstance(data, MaterialConfig):
        return data
    if not isinstance(data, dict):
        raise MslearnInputError(
            f"material: got {short(data)}; expected a table with a 'type' and the law's fields"
        )
    kind = data.get("type", "drucker_prager")
    if not isinstance(kind, str):
        raise MslearnInputError(
            f"material.type: got {short(kind)}; expected a material name (a string)"
        )
    if kind not in MATERIALS:
        load_plugins()
    if kind not in MATERIALS:
        raise MslearnInputError(
            f"material.type: unknown material {short(kind)}; expected one of {sorted(MATERIALS)}"
        )
    return MATERIALS[kind].model_validate({**data, "type": kind})
