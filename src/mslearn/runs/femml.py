"""`mslearn fem-ml`: the FEM with a learnt surrogate at the Gauss points (seed 000
Algorithm 2), and a watch on the training range: every step, the Gauss points
whose inputs leave the training range are counted and logged (where and when).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from mslearn.problems.config import RunConfig
from mslearn.runs.bvp import run_bvp

log = logging.getLogger("mslearn.femml")


class RangeWatch:
    """Observer: out-of-range Gauss points and committee uncertainty per step."""

    def __init__(self) -> None:
        self.points: set[int] = set()
        self.first_step: int | None = None
        self.max_uncertainty = 0.0
        self.uncertainty: list[np.ndarray] = []
        self.kind = ""

    def __call__(self, state) -> None:
        self.kind = state.response.kind
        ex = state.response.extras
        if "uncertainty" in ex:
            u = np.asarray(ex["uncertainty"])
            self.uncertainty.append(u.copy())
            self.max_uncertainty = max(self.max_uncertainty, float(u.max()))
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
    config: RunConfig, out: Path, progress: bool = True, raise_on_failure: bool = True, **kw
) -> dict:
    """Run FEM-ML; with ``raise_on_failure=False`` a Newton failure is returned in the
    summary (``completed`` False, ``failure``) with every output up to that step."""
    import json

    from mslearn.errors import SolverFailure

    watch = RangeWatch()
    failure = None
    try:
        s = run_bvp(config, out, progress=progress, observers=[watch], **kw)
    except SolverFailure as exc:
        failure = exc
        s = json.loads((Path(out) / "summary.json").read_text())
    s["out_of_range_points"] = len(watch.points)
    s["out_of_range_first_step"] = watch.first_step
    s["max_uncertainty"] = watch.max_uncertainty
    s["tangent"] = (
        "autodiff of the stress committee (tangent)"
        if watch.kind == "tangent"
        else "D predicted by the committee (secant)"
    )
    (Path(out) / "summary.json").write_text(json.dumps(s, indent=2))
    if watch.uncertainty:
        np.save(Path(out) / "uncertainty.npy", np.array(watch.uncertainty))
    if watch.points:
        log.warning(
            "%d Gauss points left the training range, first at step %d",
            len(watch.points),
            watch.first_step,
        )
    if failure is not None and raise_on_failure:
        raise failure
    return s
