"""`mslearn fem-ml`: the FEM with a learnt surrogate at the Gauss points (seed 000
Algorithm 2), and a watch on the training range: every step, the Gauss points
whose inputs leave the training range are counted and logged (where and when).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from mslearn.core.errors import SolverFailure
from mslearn.core.tomlfile import read_toml
from mslearn.problems.config import RunConfig
from mslearn.report.uncertainty_maps import DEFAULT_THRESHOLD, check_threshold, uncertainty_report
from mslearn.workflows import presets as P
from mslearn.workflows.bvp import run_bvp
from mslearn.workflows.watch import RangeWatch, UncertaintyExceeded

__all__ = ["FemMlOptions", "RangeWatch", "UncertaintyExceeded", "fem_ml", "run_fem_ml"]


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
    if uncertainty_threshold is not None:
        uncertainty_threshold = check_threshold(uncertainty_threshold, "uncertainty_threshold")
    watch = RangeWatch(uncertainty_threshold, stop_on_uncertainty)
    try:
        return run_bvp(config, out, progress=progress, watch=watch, **kw)
    except SolverFailure:
        if raise_on_failure:
            raise
        return json.loads((Path(out) / "summary.json").read_text())


@dataclass(frozen=True, kw_only=True)
class FemMlOptions(P.MicroRunOptions):
    """What ``mslearn fem-ml`` asks for.

    model: a saved surrogate folder; config: TOML run config (problem, solver, output,
    extra [material] fields of the surrogate); mesh, smoke, gp_path: presets (see
    :class:`mslearn.workflows.presets.Presets`); uncertainty_threshold: relative committee
    std above which points are reported (or the run stopped, ``stop_on_uncertainty``).
    """

    model: Path
    uncertainty_threshold: float | None = None
    stop_on_uncertainty: bool = False

    def settings(self) -> dict:
        """The shared settings, the model folder and the uncertainty watch."""
        s = super().settings()
        return {
            **s,
            "model": str(self.model),
            "uncertainty_threshold": self.uncertainty_threshold,
            "stop_on_uncertainty": self.stop_on_uncertainty,
        }

    def inputs(self) -> tuple[Path, ...]:
        """The config file and the model folder."""
        return (*super().inputs(), Path(self.model))


def fem_ml(opts: FemMlOptions) -> dict:
    """Run FEM-ML as ``mslearn fem-ml`` does, with uncertainty maps; summary has ``out``."""
    data = read_toml(opts.config)
    cfg = P.fem_ml_config(data, str(opts.model), opts.presets(), source=opts.config)
    out = opts.claim("fem-ml", "fem-ml")
    s = run_fem_ml(
        cfg,
        out,
        progress=opts.progress,
        uncertainty_threshold=opts.uncertainty_threshold,
        stop_on_uncertainty=opts.stop_on_uncertainty,
        config_file=opts.config,
    )
    s["out"] = str(out)
    if (out / "uncertainty.npy").is_file():  # maps + where/when above the threshold
        threshold = opts.uncertainty_threshold or DEFAULT_THRESHOLD
        s["uncertainty"] = uncertainty_report(out, threshold=threshold)
    return s
