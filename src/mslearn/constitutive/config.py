"""Material configs ``[material] type = "mcc" | "csuh" | "dh" | "ime"`` (registered on import).

``params`` overrides the model defaults by name; ``params_file`` reads a
calibration result (``params.json`` written by ``mslearn calibrate``), so a
calibrated model runs as the material of any BVP. ``params`` wins over the
file. Integration: soft-gate width ``delta_r``, sub-stepping ``eps_ref`` and
``substep_rule``; ``tangent`` "continuum" (default) or "consistent".
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from mslearn.constitutive.factory import make_model
from mslearn.constitutive.integrate import IntegrationOptions
from mslearn.constitutive.material import TorchMaterial
from mslearn.core.errors import MslearnInputError
from mslearn.core.strictmodel import short
from mslearn.materials.config import MaterialConfig, register_material


class _TorchModelConfig(MaterialConfig):
    """Shared fields of the torch-model material configs (see the module docstring)."""

    params: dict[str, float] = Field(default_factory=dict, description="parameter overrides")
    params_file: str | None = Field(None, description="JSON name -> value (calibration output)")
    lode: Literal["none", "two_anchor", "exponential", "ts"] = "exponential"
    delta_r: float = Field(0.03, ge=0.0, lt=0.5, description="soft-gate width (Eq. 40)")
    eps_ref: float = Field(2e-3, gt=0, description="sub-stepping reference strain (Eq. 16)")
    substep_rule: Literal["paper", "linear"] = "linear"
    tangent: Literal["continuum", "consistent"] = "continuum"

    @field_validator("params")
    @classmethod
    def _known(cls, v: dict[str, float]) -> dict[str, float]:
        names = set(make_model(cls.type_name).param_names)
        bad = sorted(set(v) - names)
        if bad:
            raise ValueError(f"unknown parameters {short(bad)}; expected some of {sorted(names)}")
        return v

    def resolved_params(self) -> dict[str, float]:
        """Parameter overrides: ``params_file`` values, then ``params`` on top (SI units)."""
        values: dict[str, float] = {}
        if self.params_file:
            path = Path(self.params_file)
            try:
                read = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise MslearnInputError(f"material.params_file {str(path)!r}: {exc}") from None
            if not isinstance(read, dict):
                raise MslearnInputError(
                    f"material.params_file {str(path)!r}: got {short(read)}; expected a JSON "
                    "object of parameter name -> number"
                )
            for k, v in read.items():
                if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                    raise MslearnInputError(
                        f"material.params_file {str(path)!r}: {short(k)} = {short(v)}; "
                        "expected a finite number"
                    )
                values[k] = float(v)
        values.update(self.params)
        return values

    def model(self):
        """The :class:`~mslearn.constitutive.models.base.Model` named by this config."""
        return make_model(self.type_name, self.lode)

    def build(self, n_points: int, dim: int = 2, initial_pressure: float = 0.0):
        """A :class:`TorchMaterial` of ``n_points`` Gauss points in ``dim`` D.

        ``initial_pressure`` [Pa, compression positive] is the isotropic start
        state; the models are pressure dependent, so it must be > 0.
        """
        opts = IntegrationOptions(self.delta_r, self.eps_ref, self.substep_rule)
        return TorchMaterial(
            self.model(),
            self.resolved_params(),
            n_points,
            dim,
            initial_pressure,
            options=opts,
            tangent=self.tangent,
        )


class CSUHConfig(_TorchModelConfig):
    """CSUH, chi = 0 (seed 003)."""

    type_name: ClassVar[str] = "csuh"
    type: str = "csuh"


class MCCConfig(_TorchModelConfig):
    """Modified Cam-Clay (seed 003 Sec. 5.2)."""

    type_name: ClassVar[str] = "mcc"
    type: str = "mcc"
    lode: Literal["none", "two_anchor", "exponential", "ts"] = "none"


class DHConfig(_TorchModelConfig):
    """Deviatoric hardening (seed 002 Appendix A)."""

    type_name: ClassVar[str] = "dh"
    type: str = "dh"


class IMEConfig(_TorchModelConfig):
    """Enhanced IME (seed 003 Eq. 53)."""

    type_name: ClassVar[str] = "ime"
    type: str = "ime"


for _cls in (CSUHConfig, MCCConfig, DHConfig, IMEConfig):
    register_material(_cls)
