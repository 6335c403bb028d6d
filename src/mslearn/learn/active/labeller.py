"""The labeller seam of active learning: any micro model that labels strain paths.

Active learning asks a labeller for the response along strain paths it chose; the loop
never knows which micro model answers. A labeller kind registers a factory by name
(the DEM element-test labeller registers ``"dem"``); a second micro model (for example
a crystal-plasticity unit cell) plugs in as another kind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from mslearn.core.errors import MslearnInputError


@dataclass
class LabelFailure:
    """A path that could not be labelled: its index in the labelled batch and why."""

    index: int
    reason: str


@runtime_checkable
class Labeller(Protocol):
    """Labels a batch of strain paths.

    ``label(paths)`` takes paths (T_i,) of the driven strain component and returns
    (labels, failures): ``labels[i]`` a dict of (T_i,) arrays (strains [-], stresses [Pa],
    tension positive) or None where path i failed, with a :class:`LabelFailure` for it.
    """

    def label(self, paths: list[np.ndarray]) -> tuple[list[dict | None], list[LabelFailure]]:
        """Label every path (see the class docstring)."""
        ...


LABELLERS: dict[str, Callable[[Any], Labeller]] = {}


def register_labeller(kind: str, factory: Callable[[Any], Labeller]) -> None:
    """Register ``factory(options) -> Labeller`` under ``kind``."""
    LABELLERS[kind] = factory


def make_labeller(kind: str, options: Any) -> Labeller:
    """A labeller of a registered ``kind`` built from its options."""
    if kind not in LABELLERS:
        raise MslearnInputError(
            f"labeller.kind: unknown labeller {kind!r}; expected one of {sorted(LABELLERS)}"
        )
    return LABELLERS[kind](options)
