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


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def read_history(folder: str | Path) -> list[dict[str, float]]:
    """The rows of ``folder/history.csv`` (one per converged step, step 0 first)."""
    path = Path(folder) / "history.csv"
    if not path.is_file():
        raise MslearnInputError(f"run folder {str(folder)!r} has no history.csv")
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(fh)]
    except (OSError, UnicodeDecodeError, csv.Error, ValueError, TypeError) as exc:
        raise MslearnInputError(
            f"{str(path)!r} is damaged ({_first_line(exc)}); expected one row of numbers "
            "per converged step"
        ) from None
    if not rows or "step" not in rows[0]:
        raise MslearnInputError(f"{str(path)!r} has no rows with a 'step' column")
    return rows


def run_config(folder: str | Path) -> RunConfig:
    """The resolved config a run was made with (``folder/config.json``)."""
    path = Path(folder) / "config.json"
    if not path.is_file():
        raise MslearnInputError(f"run folder {str(folder)!r} has no config.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise MslearnInputError(f"{str(path)!r} is not JSON: {_first_line(exc)}") from None
    return RunConfig.model_validate(data)


def run_curve(folder: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """(displacement, load) of the run's load-displacement curve, one entry per converged
    step, scaled and signed as the problem's :class:`CurveSpec` says (for the biaxial test:
    axial strain [-] and top force [kN/m], compression positive)."""
    problem = run_config(folder).problem.build()
    try:
        return curve_from_history(problem, read_history(folder))
    except KeyError as exc:
        raise MslearnInputError(
            f"{str(Path(folder) / 'history.csv')!r} has no column {exc}; expected the "
            f"columns of a {problem.name} run"
        ) from None


def _series(folder: str | Path) -> Path:
    path = Path(folder) / "fields.xdmf"
    if not path.is_file():
        raise MslearnInputError(f"run folder {str(folder)!r} has no fields.xdmf")
    return path


def n_output_steps(folder: str | Path) -> int:
    """Number of time entries in the run's ``fields.xdmf`` (step 0 included)."""
    path = _series(folder)
    try:
        with meshio.xdmf.TimeSeriesReader(str(path)) as r:
            r.read_points_cells()
            return r.num_steps
    except Exception as exc:  # noqa: BLE001 (XML, HDF5 and meshio errors)
        raise MslearnInputError(
            f"{str(path)!r} (or its .h5) is damaged: {_first_line(exc)}"
        ) from None


def read_fields(folder: str | Path, entry: int):
    """(points (n, 2) [m], cells, displacement (n, 2) [m], cell data) of the run's
    ``fields.xdmf`` time entry ``entry``."""
    path = _series(folder)
    try:
        with meshio.xdmf.TimeSeriesReader(str(path)) as r:
            points, cells = r.read_points_cells()
            if not 0 <= entry < r.num_steps:
                raise MslearnInputError(
                    f"{str(path)!r} has entries 0 to {r.num_steps - 1}; entry {entry} was asked"
                )
            _, point_data, cell_data = r.read_data(entry)
        return points[:, :2], cells[0].data, point_data["displacement"][:, :2], cell_data
    except MslearnInputError:
        raise
    except Exception as exc:  # noqa: BLE001 (XML, HDF5 and meshio errors)
        raise MslearnInputError(
            f"{str(path)!r} (or its .h5) is damaged: {_first_line(exc)}"
        ) from None
