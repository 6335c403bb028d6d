"""Observers that watch a learnt material: committee uncertainty and the training range."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from mslearn.core.errors import SolverFailure

log = logging.getLogger("mslearn.femml")


class UncertaintyExceeded(SolverFailure):
    """The run stopped because the committee uncertainty passed the configured threshold."""


class RangeWatch:
    """Observer: out-of-range Gauss points and committee uncertainty per converged step.

    Reads the material's extras "uncertainty" (n,) (relative committee std,
    std / |stress|) and "out_of_range" (n,) (1 where an input left the training range).
    ``threshold``: the first step and the Gauss points where the uncertainty exceeds it
    are recorded and logged; with ``stop=True`` the run stops there (outputs kept).
    Materials without these extras are ignored.
    """

    def __init__(self, threshold: float | None = None, stop: bool = False) -> None:
        self.threshold, self.stop = threshold, stop
        self.exceeded_first_step: int | None = None
        self.exceeded_points: set[int] = set()
        self.points: set[int] = set()
        self.first_step: int | None = None
        self.max_uncertainty = 0.0
        self.uncertainty: list[np.ndarray] = []
        self.uncertainty_steps: list[int] = []
        self.kind = ""

    def __call__(self, state) -> None:
        self.kind = state.response.kind
        extras = state.response.extras
        if "uncertainty" in extras:
            self._uncertainty(state.step, np.asarray(extras["uncertainty"]))
        if "out_of_range" in extras:
            self._range(state.step, np.flatnonzero(np.asarray(extras["out_of_range"]) > 0))

    def _uncertainty(self, step: int, u: np.ndarray) -> None:
        self.uncertainty.append(u.copy())
        self.uncertainty_steps.append(int(step))
        self.max_uncertainty = max(self.max_uncertainty, float(u.max()))
        if self.threshold is None or not (u > self.threshold).any():
            return
        hot = np.flatnonzero(u > self.threshold)
        self.exceeded_points |= set(hot.tolist())
        if self.exceeded_first_step is None:
            self.exceeded_first_step = step
        msg = (
            f"step {step}: committee uncertainty above {self.threshold:g} at "
            f"{hot.size} Gauss points (max {u.max():.3g} at point {int(u.argmax())})"
        )
        log.warning(msg)
        if self.stop:
            raise UncertaintyExceeded(msg)

    def _range(self, step: int, out: np.ndarray) -> None:
        if not out.size:
            return
        if self.first_step is None:
            self.first_step = step
        new = set(out.tolist()) - self.points
        self.points |= set(out.tolist())
        log.warning(
            "step %d: %d Gauss points outside the training range%s",
            step,
            out.size,
            f" (new: {sorted(new)[:10]})" if new else "",
        )

    @property
    def active(self) -> bool:
        """True if the material reported uncertainty or range extras."""
        return bool(self.uncertainty) or self.first_step is not None

    def summary(self) -> dict:
        """The summary.json keys of a learnt-material run."""
        return {
            "out_of_range_points": len(self.points),
            "out_of_range_first_step": self.first_step,
            "max_uncertainty": self.max_uncertainty,
            "uncertainty_threshold": self.threshold,
            "uncertainty_exceeded_first_step": self.exceeded_first_step,
            "uncertainty_exceeded_points": sorted(self.exceeded_points),
            "tangent": (
                "autodiff of the stress committee (tangent)"
                if self.kind == "tangent"
                else "D predicted by the committee (secant)"
            ),
        }

    def save(self, out: Path) -> None:
        """uncertainty.npy (steps, n) and uncertainty_steps.npy (steps,), if any."""
        if self.uncertainty:
            np.save(Path(out) / "uncertainty.npy", np.array(self.uncertainty))
            np.save(Path(out) / "uncertainty_steps.npy", np.array(self.uncertainty_steps))
