"""Run one boundary value problem with a named material: `mslearn run`.

Writes into the run folder: ``config.json`` (resolved config; the original
TOML is copied too), ``run.log``, ``history.csv`` (per-step boundary forces and
displacements), ``fields.xdmf`` + ``fields.h5`` (ParaView time series),
``load_displacement.png``, ``fields_final.png``, ``deviatoric_strain_steps.png``
and ``summary.json``. Outputs up to the last converged step survive a
Newton failure.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path

import numpy as np

from mslearn import __version__
from mslearn.errors import SolverFailure
from mslearn.fem.measures import deviatoric_strain, stress_norm
from mslearn.fem.output import CsvHistory, XdmfSeries, vertex_mesh
from mslearn.fem.static import StaticSolver, StepState
from mslearn.problems.base import Problem
from mslearn.problems.config import RunConfig
from mslearn.report.fem_plots import auto_scale, plot_curves, plot_fields, plot_snapshots
from mslearn.runs.progress import step_progress

log = logging.getLogger("mslearn.run")


class SnapshotKeeper:
    """Keeps (step, u, strain, stress) for evenly spaced steps to plot later."""

    def __init__(self, n_steps: int, n_snapshots: int) -> None:
        self.wanted = set(np.linspace(0, n_steps, n_snapshots + 1).round().astype(int)[1:])
        self.snaps: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.last: StepState | None = None

    def __call__(self, state: StepState) -> None:
        self.last = state
        if state.step in self.wanted:
            self.snaps[state.step] = (state.u, state.strain, state.response.stress)


def _file_logger(path: Path) -> logging.Handler:
    h = logging.FileHandler(path, mode="w")
    h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logging.getLogger("mslearn").addHandler(h)
    logging.getLogger("mslearn").setLevel(logging.INFO)
    return h


def curve_from_history(problem: Problem, history: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """(displacement, load) of the problem's load-displacement curve, compression positive."""
    c = problem.curve
    comp = "xy"[c.component]
    disp = -np.array([h[f"{c.boundary}_u{comp}"] for h in history]) / c.disp_scale
    load = -np.array([h[f"{c.boundary}_F{comp}"] for h in history]) / c.load_scale
    return disp, load


def run_bvp(
    config: RunConfig,
    out: Path,
    config_file: Path | None = None,
    progress: bool = True,
    material=None,
) -> dict:
    """Run ``config`` into folder ``out``; return the summary (also in summary.json).

    ``material`` overrides the configured one (any MaterialModel). Raises
    SolverFailure after writing every output up to the last converged step.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    handler = _file_logger(out / "run.log")
    try:
        if config_file is not None:
            shutil.copy(config_file, out / Path(config_file).name)
        (out / "config.json").write_text(json.dumps(config.model_dump(mode="json"), indent=2))
        t_start = time.perf_counter()
        problem = config.problem.build()
        if material is None:
            material = config.material.build(problem.n_points, 2, problem.initial_pressure)
        log.info(
            "mslearn %s: %s; material %s; %d Gauss points",
            __version__,
            problem.description,
            type(material).__name__,
            problem.n_points,
        )
        opts = config.solver.options()
        solver = StaticSolver(problem.disc, material, problem.bcs, opts)
        csv = CsvHistory(out / "history.csv")
        snaps = SnapshotKeeper(opts.n_steps, config.output.plot_steps)
        observers = [csv, snaps]
        xdmf = XdmfSeries(out / "fields.xdmf", problem.disc) if config.output.xdmf else None
        if xdmf is not None:
            observers.append(xdmf)
        history: list[dict] = []
        observers.append(lambda s: history.append(_row(s)))
        failure = None
        with step_progress(problem.name, opts.n_steps, progress) as update:
            try:
                result = solver.run(
                    observers,
                    progress=lambda k, n, s: update(
                        k, f"it {s.iterations:2d} cuts {s.cuts} res {s.residual:.1e}"
                    ),
                )
                total_it = result.total_iterations
            except SolverFailure as exc:
                failure = str(exc)
                log.error(failure)
                total_it = sum(h["iterations"] for h in history)
            finally:
                csv.close()
                if xdmf is not None:
                    xdmf.close()
        wall = time.perf_counter() - t_start
        if config.output.plots and snaps.last is not None:
            _plots(out, problem, history, snaps, config.output.deformation_scale)
        summary = _summary(problem, material, history, solver, total_it, wall, failure)
        (out / "summary.json").write_text(json.dumps(summary, indent=2))
        log.info("done in %.2f s: %s", wall, "completed" if failure is None else failure)
        if failure is not None:
            raise SolverFailure(failure + f" (outputs up to the last converged step are in {out})")
        return summary
    finally:
        logging.getLogger("mslearn").removeHandler(handler)
        handler.close()


def _row(s: StepState) -> dict:
    from mslearn.fem.static import _summary as step_summary

    return step_summary(s)


def _summary(problem, material, history, solver, total_it, wall, failure) -> dict:
    disp, load = curve_from_history(problem, history)
    t = solver.timings
    n_it = max(total_it, 1)
    return {
        "problem": problem.name,
        "description": problem.description,
        "material": type(material).__name__,
        "elements": int(problem.disc.n_el),
        "gauss_points": int(problem.n_points),
        "dofs": int(problem.disc.n_dof),
        "completed": failure is None,
        "failure": failure,
        "steps": len(history) - 1,
        "iterations": total_it,
        "wall_time_s": wall,
        "time_per_iteration_ms": {k: 1e3 * v / n_it for k, v in t.items()},
        "final_load": float(load[-1]),
        "peak_load": float(load.max()),
        "final_displacement": float(disp[-1]),
        "load_label": problem.curve.load_label,
        "displacement_label": problem.curve.disp_label,
    }


def _plots(out: Path, problem: Problem, history, snaps: SnapshotKeeper, scale) -> None:
    disc = problem.disc
    pts, cells = vertex_mesh(disc)
    pts = pts[:, :2]
    cells = cells[0][1]
    last = snaps.last
    u_last = disc.nodal_displacement(last.u)
    scale = scale or auto_scale(pts, u_last)
    disp, load = curve_from_history(problem, history)
    plot_curves(
        out / "load_displacement.png",
        [(problem.name, disp, load)],
        problem.curve.disp_label,
        problem.curve.load_label,
        problem.description,
    )
    plot_fields(
        out / "fields_final.png",
        pts,
        cells,
        u_last,
        [
            ("|u| [m]", np.linalg.norm(u_last, axis=1), "viridis"),
            ("deviatoric strain [-]", disc.cell_average(deviatoric_strain(last.strain)), "magma"),
            (
                "stress norm [kPa]",
                disc.cell_average(stress_norm(last.response.stress)) / 1e3,
                "cividis",
            ),
        ],
        f"{problem.name}, step {last.step}",
        scale,
    )
    shots = [
        (f"step {k}", disc.nodal_displacement(u), disc.cell_average(deviatoric_strain(e)))
        for k, (u, e, _s) in sorted(snaps.snaps.items())
    ]
    if shots:
        plot_snapshots(
            out / "deviatoric_strain_steps.png", pts, cells, shots, "deviatoric strain [-]", scale
        )
