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
from mslearn.core.errors import SolverFailure
from mslearn.core.progress import step_progress
from mslearn.core.voigt import axis_name
from mslearn.fem.measures import deviatoric_strain, stress_norm
from mslearn.fem.output import CsvHistory, XdmfSeries, vertex_mesh
from mslearn.fem.solvers.implicit import StaticSolver, StepState, step_row
from mslearn.problems.base import Problem
from mslearn.problems.config import RunConfig
from mslearn.report.fem_plots import auto_scale, plot_curves, plot_fields, plot_snapshots

log = logging.getLogger("mslearn.run")


class SnapshotKeeper:
    """Keeps (step, u, strain, stress) for evenly spaced steps to plot later.

    After a resume only the steps run since are kept (earlier snapshots are in
    the XDMF series).
    """

    def __init__(self, n_steps: int, n_snapshots: int) -> None:
        self.wanted = set(np.linspace(0, n_steps, n_snapshots + 1).round().astype(int)[1:])
        self.snaps: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.last: StepState | None = None

    def __call__(self, state: StepState) -> None:
        self.last = state
        if state.step in self.wanted:
            self.snaps[state.step] = (state.u, state.strain, state.response.stress)


def _file_logger(path: Path, append: bool = False) -> logging.Handler:
    h = logging.FileHandler(path, mode="a" if append else "w")
    h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logging.getLogger("mslearn").addHandler(h)
    logging.getLogger("mslearn").setLevel(logging.INFO)
    return h


def curve_from_history(problem: Problem, history: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """(displacement, load) of the problem's load-displacement curve, compression positive."""
    c = problem.curve
    comp = axis_name(c.component)
    disp = -np.array([h[f"{c.boundary}_u{comp}"] for h in history]) / c.disp_scale
    load = -np.array([h[f"{c.boundary}_F{comp}"] for h in history]) / c.load_scale
    return disp, load


def run_bvp(
    config: RunConfig,
    out: Path,
    config_file: Path | None = None,
    progress: bool = True,
    material=None,
    checkpoint_every: int = 0,
    resume: bool = False,
    run_id: int = 0,
    observers=(),
) -> dict:
    """Run ``config`` into folder ``out``; return the summary (also in summary.json).

    ``observers``: extra solver observers (called with every converged step).

    ``material`` overrides the configured one (any MaterialModel).
    ``checkpoint_every`` N > 0 writes an atomic checkpoint every N steps;
    ``resume`` continues from ``out``'s checkpoint (its config.json is used)
    and gives the same results as an uninterrupted run. Raises SolverFailure
    after writing every output up to the last converged step.
    """
    from mslearn.workflows.checkpoint import CheckpointEvery, load_checkpoint

    out = Path(out)
    ckpt, sharded = None, None
    if resume:
        ckpt, meta = load_checkpoint(out)
        config = RunConfig.model_validate(json.loads((out / "config.json").read_text()))
        checkpoint_every = checkpoint_every or int(meta.get("checkpoint_every", 0))
    out.mkdir(parents=True, exist_ok=True)
    handler = _file_logger(out / "run.log", append=resume)
    try:
        if config_file is not None and not resume:
            shutil.copy(config_file, out / Path(config_file).name)
        if not resume:
            (out / "config.json").write_text(json.dumps(config.model_dump(mode="json"), indent=2))
        t_start = time.perf_counter()
        problem = config.problem.build()
        sharded = None
        if material is None and config.execution.executor != "serial":
            from mslearn.parallel import ShardedMaterial
            from mslearn.parallel.executors import make_executor

            ex = config.execution
            sharded = ShardedMaterial(
                config.material,
                problem.n_points,
                make_executor(ex.executor, ex.workers, ex.scheduler),
                ex.shards or ex.workers,
                problem.disc.dim,
                problem.initial_pressure,
                recover=ex.recover_workers and ex.executor != "serial",
            )
            material = sharded
        if material is None:
            material = config.material.build(
                problem.n_points, problem.disc.dim, problem.initial_pressure
            )
        material_name = (
            type(material).__name__
            if sharded is None
            else f"{config.material.type_name} via {config.execution.executor}"
        )
        if config.output.dataset:
            from mslearn.data import PointDatasetWriter, RecordingMaterial

            writer = PointDatasetWriter(
                out / "dataset.zarr",
                material.n_voigt,
                mode="a" if resume else "w",
                attrs={
                    "config": config.model_dump(mode="json"),
                    "problem": problem.name,
                    "material": material_name,
                },
            )
            material = RecordingMaterial(
                material, writer, problem.disc.gauss_xy, problem.disc.n_quad, run_id
            )
        log.info(
            "mslearn %s: %s; material %s; %d Gauss points%s",
            __version__,
            problem.description,
            material_name,
            problem.n_points,
            " (resumed)" if resume else "",
        )
        opts = config.solver.options()
        solver = StaticSolver(problem.disc, material, problem.bcs, opts)
        keep = None
        if ckpt is not None:
            solver.restore_state(ckpt)
            keep = solver.step
            log.info("resuming after step %d", keep)
        csv = CsvHistory(out / "history.csv", keep_steps=keep)
        history: list[dict] = csv.rows() if keep is not None else []
        snaps = SnapshotKeeper(opts.n_steps, config.output.plot_steps)
        observers = [csv, snaps, lambda s: history.append(step_row(s)), *observers]
        xdmf = None
        if config.output.xdmf:
            xdmf = XdmfSeries(out / "fields.xdmf", problem.disc, keep_steps=keep)
            observers.append(xdmf)
        if checkpoint_every > 0:
            observers.append(
                CheckpointEvery(
                    solver,
                    out,
                    checkpoint_every,
                    {"checkpoint_every": checkpoint_every},
                    flush=[xdmf] if xdmf is not None else [],
                )
            )
        failure = None
        with step_progress(problem.name, opts.n_steps, progress) as update:
            update(solver.step)
            t_loop = time.perf_counter()
            try:
                solver.run(
                    observers,
                    progress=lambda k, n, s: update(
                        k, f"it {s.iterations:2d} cuts {s.cuts} res {s.residual:.1e}"
                    ),
                )
            except SolverFailure as exc:
                failure = str(exc)
                log.error(failure)
            finally:
                loop_wall = time.perf_counter() - t_loop
                csv.close()
                if xdmf is not None:
                    xdmf.close()
                if config.output.dataset:
                    material.writer.flush()
        total_it = int(sum(h["iterations"] for h in history))
        wall = time.perf_counter() - t_start
        if config.output.plots and snaps.last is not None:
            _plots(out, problem, history, snaps, config.output.deformation_scale)
        summary = _summary(problem, material_name, history, solver, total_it, wall, failure)
        summary["solver_wall_s"] = loop_wall
        summary["timings_s"] = dict(solver.timings)
        summary["material_time_fraction"] = solver.timings["material"] / max(loop_wall, 1e-12)
        if config.output.dataset:
            summary["dataset"] = str(out / "dataset.zarr")
            summary["samples"] = material.writer.n_rows
        (out / "summary.json").write_text(json.dumps(summary, indent=2))
        log.info("done in %.2f s: %s", wall, "completed" if failure is None else failure)
        if failure is not None:
            raise SolverFailure(failure + f" (outputs up to the last converged step are in {out})")
        return summary
    finally:
        if sharded is not None:
            sharded.close()
        logging.getLogger("mslearn").removeHandler(handler)
        handler.close()


def _summary(problem, material_name, history, solver, total_it, wall, failure) -> dict:
    disp, load = curve_from_history(problem, history)
    t = solver.timings
    n_it = max(total_it, 1)
    return {
        "problem": problem.name,
        "description": problem.description,
        "material": material_name,
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
