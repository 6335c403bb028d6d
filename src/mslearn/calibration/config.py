"""TOML config of ``mslearn calibrate`` (pydantic; built-in defaults when no file).

```toml
[model]
name = "csuh"            # csuh | mcc | dh | ime
lode = "exponential"     # none | two_anchor | exponential | ts (overridden by scheme)

[calibration]
scheme = 3               # 1: TS + hard switch, 2: TS + soft gate, 3: M_approx + soft gate
epochs = 300
lr = 0.01
gamma_max = 0.1
gamma_min = 0.01
delta_r = 0.03
trainable = ["kappa", "lam", "N", "Z", "m", "nu", "M"]   # default: all
split = [0.8, 0.1, 0.1]
seed = 0

[lm]                     # Levenberg-Marquardt after Adam (same training curves)
iterations = 0           # 0: Adam only
backend = "hand"         # hand (central differences) | scipy (least_squares, exact Jacobian)
# jacobian = "autograd"  # autograd | fd (default: autograd for scipy, fd for hand)

[init]                   # start values (model defaults otherwise)
M = 1.1
```
``init_offset`` (top level) starts synthetic data runs at true * (1 +- offset),
alternating signs, when the dataset records ``true_params``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from mslearn.calibration.calibrate import CalibrationOptions
from mslearn.calibration.lm import LMOptions
from mslearn.constitutive.factory import SCHEMES, make_model
from mslearn.core.errors import MslearnInputError
from mslearn.core.limits import MAX_EPOCHS, MAX_LEARNING_RATE, Seed
from mslearn.core.strictmodel import StrictModel, format_validation_error, short
from mslearn.core.tomlfile import read_toml


class ModelSection(StrictModel):
    """``[model]``: which model and its Lode treatment (the scheme may override it)."""

    name: Literal["csuh", "mcc", "dh", "ime"] = "csuh"
    lode: Literal["none", "two_anchor", "exponential", "ts"] = "exponential"


class CalibrationSection(StrictModel):
    """``[calibration]``: training scheme (seed 003 Sec. 3.3), Adam and integration settings.

    ``scheme`` None leaves ``lode`` and ``delta_r`` as given; the split must be
    non-negative fractions summing to 1 with a positive training share.
    """

    scheme: Literal[1, 2, 3] | None = 3
    epochs: int = Field(300, ge=1, le=MAX_EPOCHS)
    lr: float = Field(0.01, gt=0, le=MAX_LEARNING_RATE)
    gamma_max: float = Field(0.1, gt=0)
    gamma_min: float = Field(0.01, gt=0)
    delta_r: float = Field(0.03, ge=0, lt=0.5)
    eps_ref: float = Field(2e-3, gt=0)
    substep_rule: Literal["paper", "linear"] = "linear"
    trainable: list[str] | None = Field(None, min_length=1, description="default: all")
    split: tuple[float, float, float] = (0.8, 0.1, 0.1)
    seed: Seed = 0

    @model_validator(mode="after")
    def _split_sums(self):
        if abs(sum(self.split) - 1.0) > 1e-9 or min(self.split) < 0 or self.split[0] <= 0:
            raise ValueError(
                f"calibration.split: got {list(self.split)}; expected non-negative fractions "
                "summing to 1 with a positive training share"
            )
        return self


class LMSection(StrictModel):
    """``[lm]``: the Levenberg-Marquardt stage after Adam (lm.py); 0 iterations: none."""

    iterations: int = Field(0, ge=0, le=1000)
    backend: Literal["hand", "scipy"] = "hand"
    jacobian: Literal["autograd", "fd"] | None = None

    def options(self, bounds=None) -> LMOptions:
        """The :class:`LMOptions` of this section (``bounds`` as the Adam stage's)."""
        return LMOptions(
            max_iter=self.iterations, backend=self.backend, jacobian=self.jacobian, bounds=bounds
        )


class CalibrateConfig(StrictModel):
    """The whole ``mslearn calibrate`` config (module docstring); parameter names are checked."""

    model: ModelSection = Field(default_factory=ModelSection)
    calibration: CalibrationSection = Field(default_factory=CalibrationSection)
    lm: LMSection = Field(default_factory=LMSection)
    init: dict[str, float] = Field(default_factory=dict)
    init_offset: float | None = Field(None, ge=0, lt=1)

    @model_validator(mode="after")
    def _names(self):
        names = set(make_model(self.model.name).param_names)
        for where, keys in (
            ("init", self.init),
            ("calibration.trainable", self.calibration.trainable or []),
        ):
            bad = sorted(set(keys) - names)
            if bad:
                raise ValueError(
                    f"{where}: unknown parameters {short(bad)}; expected some of {sorted(names)}"
                )
        return self

    def lode_and_gate(self) -> tuple[str, float]:
        """(Lode mode, soft-gate width delta_r) after applying the scheme.

        A scheme sets the Lode mode of CSUH and MCC only, and the gate width
        where it fixes one (scheme 1: hard switch, delta_r = 0).
        """
        c = self.calibration
        if c.scheme is None:
            return self.model.lode, c.delta_r
        lode, gate = SCHEMES[c.scheme]
        return (lode if self.model.name in ("csuh", "mcc") else self.model.lode), (
            c.delta_r if gate is None else gate
        )

    def options(self) -> CalibrationOptions:
        """The :class:`CalibrationOptions` of this config."""
        c = self.calibration
        return CalibrationOptions(
            epochs=c.epochs,
            lr=c.lr,
            gamma_max=c.gamma_max,
            gamma_min=c.gamma_min,
            delta_r=self.lode_and_gate()[1],
            eps_ref=c.eps_ref,
            substep_rule=c.substep_rule,
            trainable=tuple(c.trainable) if c.trainable else None,
            split=c.split,
            seed=c.seed,
        )


def load_calibrate_config(path: Path | None) -> CalibrateConfig:
    """Read and validate a TOML config (the defaults when ``path`` is None).

    A missing file, bad TOML or invalid content raises :class:`MslearnInputError`.
    """
    raw = read_toml(path)
    try:
        return CalibrateConfig.model_validate(raw)
    except ValidationError as exc:
        raise MslearnInputError(format_validation_error(exc, source=path)) from None
