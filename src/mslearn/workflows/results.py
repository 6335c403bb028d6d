"""Reading a finished (or stopped) run folder: its config, history and curve."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import meshio
import numpy as np

from mslearn.core.errors import MslearnInputError
from mslearn.problems.config import RunConfig
from mslearn.workflows.bvp import curve_from_history


def read_history(folder: str | Path) -> list[dict[str, float]]:
    """The rows of ``folder/history.csv`` (one per converged step, step 0 first)."""
    path = Path(folder) / "history.csv"
    if not path.is_file():
        raise MslearnInputError(f"run folder {str(folder)!r} has no history.csv")
    with open(path) as fh:
        return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(fh)]


def run_config(folder: str | Path) -> RunConfig:
    """The resolved config a run was made with (``folder/config.json``)."""
    path = Path(folder) / "config.json"
    if not path.is_file():
        raise MslearnInputError(f"run folder {str(folder)!r} has no config.json")
    return RunConfig.model_validate(json.loads(path.read_text()))


def run_curve(folder: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(displacement, load) of the run's load-displacement curve, one entry per converged
    step, scaled and signed as the problem's :class:`CurveSpec` says (for the biaxial test:
    axial strain [-] and top force [kN/m], compression positive)."""
    problem = run_config(folder).problem.build()
    return curve_from_history(problem, read_history(folder))


def n_output_steps(folder: str | Path) -> int:
    """Number of time entries in the run's ``fields.xdmf`` (step 0 included)."""
    with meshio.xdmf.TimeSeriesReader(str(Path(folder) / "fields.xdmf")) as r:
        r.read_points_cells()
        return r.num_steps


def read_fields(folder: str | Path, entry: int):
    """(points (n, 2) [m], cells, displacement (n, 2) [m], cell data) of the run's
    ``fields.xdmf`` time entry ``entry``."""
    with meshio.xdmf.TimeSeriesReader(str(Path(folder) / "fields.xdmf")) as r:
        points, cells = r.read_points_cells()
        _, point_data, cell_data = r.read_data(entry)
    return points[:, :2], cells[0].data, point_data["displacement"][:, :2], cell_data
