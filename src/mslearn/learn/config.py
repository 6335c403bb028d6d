"""`[material] type = "surrogate"` (FEM-ML with any saved surrogate kind) and the
`mslearn train` config."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from mslearn.core.limits import (
    MAX_BATCH,
    MAX_EPOCHS,
    MAX_LAYERS,
    MAX_LEARNING_RATE,
    MAX_MEMBERS,
    MAX_WIDTH,
    MAX_WORKERS,
    Seed,
)
from mslearn.core.strictmodel import StrictModel
from mslearn.materials.config import MaterialConfig, register_material


@register_material
class SurrogateConfig(MaterialConfig):
    """A saved surrogate of any kind (a folder in the one save format, e.g. written by
    `mslearn train`) at the Gauss points, through :class:`~mslearn.learn.adapter.CommitteeMaterial`.
    """

    type_name = "surrogate"
    type: str = "surrogate"
    model: str = Field(..., description="folder of a saved model (model.json, weights.pt)")
    symmetric_d: bool | None = Field(
        None, description="symmetrise D (default: for the point MLP only)"
    )
    range_tolerance: float = Field(0.05, ge=0, description="fraction of the training span")

    def build(self, n_points, dim=2, initial_pressure=0.0):
        """The adapter over the loaded model; ``initial_pressure`` is ignored (the model
        learnt the consolidated state from its data)."""
        from mslearn.learn.adapter import CommitteeMaterial
        from mslearn.learn.persistence import load_surrogate

        return CommitteeMaterial(
            load_surrogate(self.model), n_points, dim, self.symmetric_d, self.range_tolerance
        )


class TrainConfig(StrictModel):
    """`mslearn train` config (TOML [train] table); sizes bounded by :mod:`mslearn.core.limits`."""

    mode: Literal["joint", "separate", "autodiff"] = "joint"
    hidden: list[Annotated[int, Field(ge=1, le=MAX_WIDTH)]] = Field(
        [40, 40], min_length=1, max_length=MAX_LAYERS, description="units per hidden layer"
    )
    activation: Literal["relu", "tanh", "sigmoid", "selu", "gelu"] = "relu"
    members: int = Field(5, ge=1, le=MAX_MEMBERS)
    lr: float = Field(1e-3, gt=0, le=MAX_LEARNING_RATE)
    batch_size: int = Field(256, ge=1, le=MAX_BATCH)
    max_epochs: int = Field(100_000, ge=1, le=MAX_EPOCHS)
    patience: int = Field(1000, ge=1, le=MAX_EPOCHS, description="epochs without improvement")
    validate_every: int = Field(10, ge=1, le=MAX_EPOCHS)
    time_limit_s: float | None = Field(None, gt=0)
    seed: Seed = 0
    dtype: Literal["float64", "float32"] = "float64"
    threads: int = Field(
        1, ge=1, le=MAX_WORKERS, description="torch threads (1 is fastest for small MLPs)"
    )
    split_by: Literal["point", "run"] = "point"
    split_seed: Seed = 0

    def options(self):
        """The :class:`~mslearn.learn.training.TrainOptions` of this config."""
        from mslearn.learn.training import TrainOptions

        d = self.model_dump(exclude={"mode", "split_by", "split_seed"})
        d["hidden"] = tuple(d["hidden"])
        return TrainOptions(**d)
