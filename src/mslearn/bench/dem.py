"""DEM throughput benchmark: particle-steps and contact updates per second per
core for batches of RVEs, linear and Hertz, on 1 and more threads.

The workload is strain-controlled shear of consolidated packings (the cell
deforms, the Verlet list is rebuilt, contacts open and close), without
relaxation, measured after a warm-up call that compiles the kernels.
Per-core figures divide wall time by the thread count; on a shared machine
``particle_steps_per_cpu_s`` (work over process CPU time) and the recorded
load average tell whether the wall figures were disturbed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numba
import numpy as np

from mslearn.micro.dem.disk2d.engine import Diagnostics, make_control, run_batch
from mslearn.micro.dem.disk2d.state import DEMState
from mslearn.micro.dem.params import ContactParams
from mslearn.micro.dem.prepare import PackingOptions, prepare_packing


@dataclass(frozen=True)
class BenchOptions:
    """Disks per RVE, batch sizes, thread counts and laws measured; DEM steps per
    measurement and repeats (the best is kept); packing seed."""

    n_particles: int = 500
    rves: tuple[int, ...] = (1, 64)
    threads: tuple[int, ...] = (1, 2)
    laws: tuple[str, ...] = ("linear", "hertz")
    steps: int = 2000
    repeats: int = 3
    seed: int = 0


def _packing(law: str, n: int, seed: int) -> DEMState:
    p = ContactParams() if law == "linear" else ContactParams(law="hertz")
    return prepare_packing(PackingOptions(n_particles=n, seed=seed), p).state


def _run(state: DEMState, steps: int) -> tuple[float, float, Diagnostics]:
    # shear at 1e-5 per step plus a small compression: contacts change
    etgt = state.strain + np.array([-0.2e-5, 0.0, 1e-5]) * steps
    ctrl = make_control(state.n_rves, strain_target=etgt, n_load=steps, n_relax=0)
    t0 = time.perf_counter()
    c0 = time.process_time()
    d = run_batch(state, ctrl)
    return time.perf_counter() - t0, time.process_time() - c0, d


def load_average() -> float:
    """The 1-minute load average (NaN where /proc/loadavg does not exist)."""
    try:
        return float(open("/proc/loadavg").read().split()[0])
    except OSError:  # pragma: no cover - not Linux
        return float("nan")


def run_benchmark(options: BenchOptions = BenchOptions()) -> dict:
    """Measure every (law, RVEs, threads) configuration; returns the best one's
    figures (particle-steps/s/core, contact updates/s/core, ...) and
    ``configurations``, the list of all of them (wall and CPU-time figures,
    load average)."""
    o = options
    max_threads = numba.config.NUMBA_NUM_THREADS
    configs = []
    for law in o.laws:
        base = _packing(law, o.n_particles, o.seed)
        for R in o.rves:
            for th in o.threads:
                if th > max_threads:
                    continue
                numba.set_num_threads(th)
                batch = base.replicate(R)
                _run(batch.copy(), 20)  # warm-up / compile
                best = best_cpu = np.inf
                pairs = contacts = builds = 0.0
                for _ in range(o.repeats):
                    st = batch.copy()
                    pairs0 = float(st.npairs.sum())
                    t, cpu, d = _run(st, o.steps)
                    best_cpu = min(best_cpu, cpu)
                    if t < best:
                        best = t
                        pairs = 0.5 * (pairs0 + float(st.npairs.sum()))
                        contacts = float(d.n_contacts.sum())
                        builds = float(d.n_builds.mean())
                ps = R * o.n_particles * o.steps / best
                configs.append(
                    dict(
                        contact_law=law,
                        rves=R,
                        particles_per_rve=o.n_particles,
                        threads=th,
                        steps=o.steps,
                        seconds=best,
                        particle_steps_per_s=ps,
                        particle_steps_per_s_per_core=ps / th,
                        contact_updates_per_s_per_core=contacts * o.steps / best / th,
                        pair_updates_per_s_per_core=pairs * o.steps / best / th,
                        contacts_per_rve=contacts / R,
                        pairs_per_rve=pairs / R,
                        neighbour_builds_per_rve=builds,
                        step_time_us_per_rve=best / o.steps / R * 1e6 * th,
                        cpu_seconds=best_cpu,
                        particle_steps_per_cpu_s=R * o.n_particles * o.steps / best_cpu,
                        load_average_1min=load_average(),
                    )
                )
    numba.set_num_threads(max_threads)
    best_cfg = max(configs, key=lambda c: c["particle_steps_per_s_per_core"])
    summary = {
        k: best_cfg[k]
        for k in (
            "particle_steps_per_s_per_core",
            "contact_updates_per_s_per_core",
            "threads",
            "rves",
            "particles_per_rve",
            "contact_law",
        )
    }
    summary["configurations"] = configs
    summary["numba_threads_available"] = max_threads
    return summary
