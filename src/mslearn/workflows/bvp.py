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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mslearn import __version__
from mslearn.core.errors import MslearnInputError, SolverFailure
from mslearn.core.progress import step_progress
from mslearn.core.runfolder import (
    RunSpec,
    check_resume,
    claim,
    config_settings,
    file_sha256,
    refuse_out_with_resume,
)
from mslearn.core.voigt import axis_name
from mslearn.data import PointDatasetWriter, RecordingMaterial
from mslearn.fem.measures import deviatoric_strain, stress_norm
from mslearn.fem.output import CsvHistory, XdmfSeries, vertex_mesh
from mslearn.fem.solvers.implicit import StaticSolver, StepState, step_row
from mslearn.parallel import ShardedMaterial
from mslearn.parallel.executors import make_executor
from mslearn.problems.base import Problem
from mslearn.problems.config import RunConfig, load_config, validate_config
from mslearn.report.fem_plots import auto_scale, plot_curves, plot_fields, plot_snapshots
from mslearn.report.fem_plots3d import plot_run_3d
from mslearn.workflows.checkpoint import CheckpointEvery, load_checkpoint
from mslearn.workflows.watch import RangeWatch

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


def _resume_config(out: Path, checkpoint_every: int) -> tuple[RunConfig, dict, int]:
    """(config, checkpoint state, checkpoint interval) of a stopped run in ``out``."""
    ckpt, meta = load_checkpoint(out)
    path = out / "config.json"
    if not path.is_file():
        raise MslearnInputError(f"--resume {str(out)!r}: config.json is missing")
    if meta.get("config_sha256") not in (None, file_sha256(path)):
        raise MslearnInputError(
            f"--resume {str(out)!r}: config.json was changed after the run started (its "
            "sha256 differs from the checkpoint's); a resumed run keeps its config"
        )
    try:
        config = validate_config(json.loads(path.read_text(encoding="utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MslearnInputError(f"--resume {str(out)!r}: config.json is damaged: {exc}") from None
    return config, ckpt, checkpoint_every or int(meta.get("checkpoint_every", 0))


def _write_config(out: Path, config: RunConfig, config_file: Path | None) -> None:
    if config_file is not None:
        shutil.copy(config_file, out / Path(config_file).name)
    (out / "config.json").write_text(json.dumps(config.model_dump(mode="json"), indent=2))


def build_material(config: RunConfig, problem: Problem):
    """(material, name, sharded or None): the configured material at every Gauss point,
    sharded over workers when ``[execution]`` asks for it."""
    ex = config.execution
    if ex.executor == "serial":
        material = config.material.build(
            problem.n_points, problem.disc.dim, problem.initial_pressure
        )
        return material, config.material.type_name, None
    sharded = ShardedMaterial(
        config.material,
        problem.n_points,
        make_executor(ex.executor, ex.workers, ex.scheduler),
        ex.shards or ex.workers,
        problem.disc.dim,
        problem.initial_pressure,
        recover=ex.recover_workers,
    )
    return sharded, f"{config.material.type_name} via {ex.executor}", sharded


def with_recorder(material, config: RunConfig, problem: Problem, out: Path, **kw):
    """The material wrapped by the dataset recorder (``out/dataset.zarr``).

    kw: ``resume`` (append), ``run_id``, ``material_name`` (an attribute of the dataset).
    """
    writer = PointDatasetWriter(
        out / "dataset.zarr",
        material.n_voigt,
        mode="a" if kw.get("resume") else "w",
        attrs={
            "config": config.model_dump(mode="json"),
            "problem": problem.name,
            "initial_pressure": float(problem.initial_pressure),
            "material": kw.get("material_name", type(material).__name__),
        },
    )
    return RecordingMaterial(
        material, writer, problem.disc.gauss_xy, problem.disc.n_quad, kw.get("run_id", 0)
    )


class RunOutputs:
    """The observers that write a run folder: history.csv, fields.xdmf, plot snapshots,
    the in-memory history and checkpoints."""

    def __init__(self, out: Path, problem: Problem, config: RunConfig, keep: int | None):
        self.csv = CsvHistory(out / "history.csv", keep_steps=keep)
        self.history: list[dict] = self.csv.rows() if keep is not None else []
        self.snaps = SnapshotKeeper(config.solver.n_steps, config.output.plot_steps)
        self.xdmf = None
        if config.output.xdmf:
            self.xdmf = XdmfSeries(out / "fields.xdmf", problem.disc, keep_steps=keep)

    def observers(self, solver, out: Path, checkpoint_every: int) -> list:
        """The step observers (history CSV, plot snapshots, in-memory history, XDMF), plus
        a checkpoint of ``solver`` into ``out`` every ``checkpoint_every`` steps (0: none)."""
        obs = [self.csv, self.snaps, lambda s: self.history.append(step_row(s))]
        if self.xdmf is not None:
            obs.append(self.xdmf)
        if checkpoint_every > 0:
            flush = [self.xdmf] if self.xdmf is not None else []
            meta = {"checkpoint_every": checkpoint_every}
            if (out / "config.json").is_file():
                meta["config_sha256"] = file_sha256(out / "config.json")
            obs.append(CheckpointEvery(solver, out, checkpoint_every, meta, flush=flush))
        return obs

    def close(self) -> None:
        """Close the history CSV and the XDMF series."""
        self.csv.close()
        if self.xdmf is not None:
            self.xdmf.close()


def make_solver(problem: Problem, material, config: RunConfig):
    """The solver ``[solver] type`` names, for ``problem`` with ``material``: the implicit
    Newton solver or the explicit central-difference one (same interface)."""
    if config.solver.type == "explicit":
        from mslearn.fem.solvers.explicit import ExplicitSolver

        opts = config.solver.explicit_options()
        return ExplicitSolver(problem.disc, material, problem.bcs, opts)
    return StaticSolver(problem.disc, material, problem.bcs, config.solver.options())


def _step_label(state: StepState) -> str:
    """The progress-bar text of one output step (Newton iterations, or explicit steps)."""
    extras = state.extras
    if "time_step" in extras:
        return (
            f"steps {state.iterations:4d} dt {extras['time_step']:.1e} "
            f"energy err {extras.get('energy_error', float('nan')):.1e}"
        )
    return f"it {state.iterations:2d} cuts {state.cuts} res {state.residual:.1e}"


def _solve(solver, name: str, observers: list, progress: bool):
    """Run the solver with a progress bar; (failure message or None, loop wall time [s])."""
    with step_progress(name, solver.options.n_steps, progress) as update:
        update(solver.step)
        t_loop = time.perf_counter()
        try:
            solver.run(observers, progress=lambda k, n, s: update(k, _step_label(s)))
            failure = None
        except SolverFailure as exc:
            failure = str(exc)
            log.error(failure)
        return failure, time.perf_counter() - t_loop


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
    watch: RangeWatch | None = None,
) -> dict:
    """Run ``config`` into folder ``out``; return the summary (also in summary.json).

    ``material`` overrides the configured one (any MaterialModel); ``observers``: extra
    solver observers (called with every converged step); ``watch``: the uncertainty /
    training-range watch (a default one records any learnt material's uncertainty).
    ``checkpoint_every`` N > 0 writes an atomic checkpoint every N steps; ``resume``
    continues from ``out``'s checkpoint (its config.json is used) and gives the same
    results as an uninterrupted run. Raises SolverFailure after writing every output up
    to the last converged step.
    """
    out = Path(out)
    ckpt = None
    if resume:
        config, ckpt, checkpoint_every = _resume_config(out, checkpoint_every)
    out.mkdir(parents=True, exist_ok=True)
    handler = _file_logger(out / "run.log", append=resume)
    sharded = None
    try:
        if not resume:
            _write_config(out, config, config_file)
        t_start = time.perf_counter()
        problem = config.problem.build()
        if material is None:
            material, name, sharded = build_material(config, problem)
        else:
            name = type(material).__name__
        if config.output.dataset:
            material = with_recorder(
                material, config, problem, out, resume=resume, run_id=run_id, material_name=name
            )
        _log_start(problem, name, resume)
        solver = make_solver(problem, material, config)
        if ckpt is not None:
            solver.restore_state(ckpt)
            log.info("resuming after step %d", solver.step)
        outputs = RunOutputs(out, problem, config, solver.step if ckpt is not None else None)
        report_watch = watch is not None
        watch = watch or RangeWatch()
        obs = [*outputs.observers(solver, out, checkpoint_every), watch, *observers]
        try:
            failure, loop_wall = _solve(solver, problem.name, obs, progress)
        finally:
            outputs.close()
            if config.output.dataset:
                material.writer.flush()
        if config.output.plots and outputs.snaps.last is not None:
            _plots(out, problem, outputs.history, outputs.snaps, config.output.deformation_scale)
        summary = _summary(problem, name, outputs.history, solver, failure)
        if hasattr(solver, "summary"):  # the explicit solver: energy balance, time steps
            summary.update(solver=config.solver.type, **solver.summary())
        else:
            summary.update(solver=config.solver.type)
        wall = time.perf_counter() - t_start
        summary.update(_timings(solver, summary["iterations"], loop_wall, wall))
        if config.output.dataset:
            summary.update(dataset=str(out / "dataset.zarr"), samples=material.writer.n_rows)
        if watch.active or report_watch:
            summary.update(watch.summary())
            watch.save(out)
        (out / "summary.json").write_text(json.dumps(summary, indent=2))
        log.info("done in %.2f s: %s", summary["wall_time_s"], failure or "completed")
        if failure is not None:
            raise SolverFailure(failure + f" (outputs up to the last converged step are in {out})")
        return summary
    finally:
        if sharded is not None:
            sharded.close()
        logging.getLogger("mslearn").removeHandler(handler)
        handler.close()


def _log_start(problem: Problem, material_name: str, resume: bool) -> None:
    log.info(
        "mslearn %s: %s; material %s; %d Gauss points%s",
        __version__,
        problem.description,
        material_name,
        problem.n_points,
        " (resumed)" if resume else "",
    )


def _timings(solver: StaticSolver, iterations: int, loop_wall: float, wall: float) -> dict:
    t = solver.timings
    n_it = max(iterations, 1)
    return {
        "wall_time_s": wall,
        "solver_wall_s": loop_wall,
        "timings_s": dict(t),
        "time_per_iteration_ms": {k: 1e3 * v / n_it for k, v in t.items()},
        "material_time_fraction": t["material"] / max(loop_wall, 1e-12),
    }


def _summary(problem: Problem, material_name: str, history: list[dict], solver, failure):
    disp, load = curve_from_history(problem, history)
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
        "iterations": int(sum(h["iterations"] for h in history)),
        "final_load": float(load[-1]),
        "peak_load": float(load.max()),
        "final_displacement": float(disp[-1]),
        "load_label": problem.curve.load_label,
        "displacement_label": problem.curve.disp_label,
    }


def _plots(out: Path, problem: Problem, history, snaps: SnapshotKeeper, scale) -> None:
    disc = problem.disc
    if disc.dim == 3:
        curve = curve_from_history(problem, history)
        plot_run_3d(out, problem, curve, snaps.last, snaps.snaps, scale)
        return
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


@dataclass(frozen=True)
class RunOptions:
    """What ``mslearn run`` asks for.

    config: TOML run config (built-in defaults if None); out: run folder (default
    runs/<problem type>); smoke: the problem's tiny size and at most 10 steps; resume:
    a stopped run's folder; checkpoint_every: atomic checkpoint every N steps;
    overwrite: replace the run already in ``out`` (else it is refused).
    """

    config: Path | None = None
    out: Path | None = None
    smoke: bool = False
    progress: bool = True
    checkpoint_every: int = 0
    resume: Path | None = None
    overwrite: bool = False


def smoke_config(cfg: RunConfig, max_steps: int = 10) -> RunConfig:
    """``cfg`` (validated at full size) at its problem's tiny built-in size with at most
    ``max_steps`` load steps; one line on stderr says which values the smoke size changed."""
    from mslearn.core.smoke import announce, changes

    data = cfg.model_dump()
    data["problem"].update(type(cfg.problem).smoke_overrides())
    data["solver"]["n_steps"] = min(cfg.solver.n_steps, max_steps)
    small = validate_config(data)
    announce(changes(cfg.model_dump(), small.model_dump()))
    return small


def run(opts: RunOptions) -> dict:
    """Run (or resume) a BVP as ``mslearn run`` does; the summary has ``out``."""
    if opts.resume is not None:
        given = {"config": config_settings(opts.config) if opts.config else None}
        check_resume(opts.resume, "run", {**given, "smoke": opts.smoke or None})
        refuse_out_with_resume(opts.out, opts.resume)
        s = run_bvp(
            None,
            opts.resume,
            progress=opts.progress,
            checkpoint_every=opts.checkpoint_every,
            resume=True,
        )
        return {**s, "out": str(opts.resume)}
    cfg = load_config(opts.config)
    if opts.smoke:
        cfg = smoke_config(cfg)
    spec = RunSpec(
        "run",
        {"config": config_settings(opts.config), "smoke": opts.smoke},
        info={"config_file": opts.config},
        inputs=(opts.config,),
    )
    out = claim(opts.out, cfg.problem.type, spec, overwrite=opts.overwrite)
    s = run_bvp(
        cfg,
        out,
        config_file=opts.config,
        progress=opts.progress,
        checkpoint_every=opts.checkpoint_every,
    )
    return {**s, "out": str(out)}
