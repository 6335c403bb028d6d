"""`mslearn fem-ml`: the FEM with a learnt surrogate at the Gauss points (seed 000
Algorithm 2), and a watch on the training range: every step, the Gauss points
whose inputs leave the training range are counted and logged (where and when).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from mslearn.core.errors import SolverFailure
from mslearn.problems.config import RunConfig
from mslearn.workflows.bvp import run_bvp

log = logging.getLogger("mslearn.femml")


class UncertaintyExceeded(SolverFailure):
    """FEM-ML stopped because the committee uncertainty passed the configured threshold."""


class RangeWatch:
    """Observer: out-of-range Gauss points and committee uncertainty per step.

    ``threshold`` on the relative committee standard deviation (std / |stress|):
    the first step and the Gauss points where it is exceeded are recorded and
    logged; with ``stop=True`` the run stops there (outputs kept).
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
        ex = state.response.extras
        if "uncertainty" in ex:
            u = np.asarray(ex["uncertainty"])
            self.uncertainty.append(u.copy())
            self.uncertainty_steps.append(int(state.step))
            self.max_uncertainty = max(self.max_uncertainty, float(u.max()))
            if self.threshold is not None and (u > self.threshold).any():
                hot = np.flatnonzero(u > self.threshold)
                self.exceeded_points |= set(hot.tolist())
                if self.exceeded_first_step is None:
                    self.exceeded_first_step = state.step
                msg = (
                    f"step {state.step}: committee uncertainty above {self.threshold:g} at "
                    f"{hot.size} Gauss points (max {u.max():.3g} at point {int(u.argmax())})"
                )
                log.warning(msg)
                if self.stop:
                    raise UncertaintyExceeded(msg)
        if "out_of_range" in ex:
            out = np.flatnonzero(np.asarray(ex["out_of_range"]) > 0)
            if out.size:
                if self.first_step is None:
                    self.first_step = state.step
                new = set(out.tolist()) - self.points
                self.points |= set(out.tolist())
                log.warning(
                    "step %d: %d Gauss points outside the training range%s",
                    state.step,
                    out.size,
                    f" (new: {sorted(new)[:10]})" if new else "",
                )


def run_fem_ml(
    config: RunConfig,
    out: Path,
    progress: bool = True,
    raise_on_failure: bool = True,
    uncertainty_threshold: float | None = None,
    stop_on_uncertainty: bool = False,
    **kw,
) -> dict:
    """Run FEM-ML; with ``raise_on_failure=False`` a Newton failure is returned in the
    summary (``completed`` False, ``failure``) with every output up to that step.
    ``uncertainty_threshold``: warn (or stop, ``stop_on_uncertainty``) where the
    committee std / |stress| exceeds it; the summary says where and when."""
    import json

    if uncertainty_threshold is not None:
        from mslearn.report.uncertainty_maps import check_threshold

        uncertainty_threshold = check_threshold(uncertainty_threshold, "uncertainty_threshold")
    watch = RangeWatch(uncertainty_threshold, stop_on_uncertainty)
    failure = None
    try:
        s = run_bvp(config, out, progress=progress, observers=[watch], **kw)
    except SolverFailure as exc:
        failure = exc
        s = json.loads((Path(out) / "summary.json").read_text())
    s["out_of_range_points"] = len(watch.points)
    s["out_of_range_first_step"] = watch.first_step
    s["max_uncertainty"] = watch.max_uncertainty
    s["uncertainty_threshold"] = uncertainty_threshold
    s["uncertainty_exceeded_first_step"] = watch.exceeded_first_step
    s["uncertainty_exceeded_points"] = sorted(watch.exceeded_points)
    s["tangent"] = (
        "autodiff of the stress committee (tangent)"
        if watch.kind == "tangent"
        else "D predicted by the committee (secant)"
    )
    (Path(out) / "summary.json").write_text(json.dumps(s, indent=2))
    if watch.uncertainty:
        np.save(Path(out) / "uncertainty.npy", np.array(watch.uncertainty))
        np.save(Path(out) / "uncertainty_steps.npy", np.array(watch.uncertainty_steps))
    if watch.points:
        log.warning(
            "%d Gauss points left the training range, first at step %d",
            len(watch.points),
            watch.first_step,
        )
    if failure is not None and raise_on_failure:
        raise failure
    return s
