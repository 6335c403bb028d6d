"""Throughput of the 3D sphere DEM engine: sphere-steps per second per core for
batches of prepared RVEs under strain-controlled shear (no relaxation), after a
warm-up call that compiles the kernels.

Per-core figures divide wall time by the thread count; on a shared machine
``sphere_steps_per_cpu_s`` (work over process CPU time) and the load average
tell whether the wall figures were disturbed.
"""

from __future__ import annotations

import time

import numba
import numpy as np

from mslearn.bench.dem import load_average
from mslearn.micro.dem.params import ContactParams
from mslearn.micro.dem.sphere3d.engine import make_control, run_batch
from mslearn.micro.dem.sphere3d.prepare import PackingOptions3D, prepare_packing3d
from mslearn.micro.dem.sphere3d.state import SphereState


def bench_packing(n_spheres: int = 900, seed: int = 0, law: str = "linear") -> SphereState:
    """A prepared packing of seed 003 Table 9 spheres (diameters 5-9 mm) at 100 kPa."""
    p = ContactParams() if law == "linear" else ContactParams(law="hertz")
    opts = PackingOptions3D(n_particles=n_spheres, seed=seed, unbalanced_tol=1e-2)
    return prepare_packing3d(opts, p).state


def _run(state: SphereState, steps: int):
    # shear at 1e-5 per step plus a small compression: contacts open and close
    rate = np.array([0.0, 0.0, -0.2e-5, 0.0, 0.0, 1e-5])
    ctrl = make_control(state.n_rves, strain_target=state.strain + rate * steps, n_load=steps)
    t0 = time.perf_counter()
    c0 = time.process_time()
    d = run_batch(state, ctrl)
    return time.perf_counter() - t0, time.process_time() - c0, d


def sphere_throughput(
    n_spheres: int = 900,
    rves: tuple[int, ...] = (1, 8),
    threads: tuple[int, ...] = (1, 2),
    steps: int = 1000,
    repeats: int = 2,
    law: str = "linear",
    seed: int = 0,
    state: SphereState | None = None,
) -> dict:
    """Measure sphere-steps/s/core for every (RVEs, threads) configuration.

    Returns ``sphere_steps_per_s_per_core`` (the largest batch on one thread),
    ``best_sphere_steps_per_s_per_core`` and ``table``: one dict per
    configuration (seconds, sphere-steps/s and per core, contacts and pairs
    per RVE, neighbour builds, CPU-time figure, load average). ``state``: a
    prepared one-RVE packing to use instead of preparing one."""
    base = state if state is not None else bench_packing(n_spheres, seed, law)
    n = int(base.n_particles[0])
    max_threads = numba.config.NUMBA_NUM_THREADS
    table = []
    for R in rves:
        batch = base.replicate(R)
        for th in threads:
            if th > max_threads:
                continue
            numba.set_num_threads(th)
            _run(batch.copy(), 10)  # warm-up / compile
            best = best_cpu = np.inf
            diag = None
            for _ in range(repeats):
                st = batch.copy()
                t, cpu, d = _run(st, steps)
                best_cpu = min(best_cpu, cpu)
                if t < best:
                    best, diag = t, d
            ps = R * n * steps / best
            table.append(dict(
                rves=R, threads=th, spheres_per_rve=n, steps=steps, seconds=best,
                sphere_steps_per_s=ps, sphere_steps_per_s_per_core=ps / th,
                contacts_per_rve=float(diag.n_contacts.mean()),
                pairs_per_rve=float(batch.npairs.mean()),
                neighbour_builds_per_rve=float(diag.n_builds.mean()),
                step_time_us_per_rve=best / steps / R * 1e6 * th,
                sphere_steps_per_cpu_s=R * n * steps / best_cpu,
                load_average_1min=load_average(),
            ))  # fmt: skip
    numba.set_num_threads(max_threads)
    one = [c for c in table if c["threads"] == 1]
    head = max(one, key=lambda c: c["rves"]) if one else table[0]
    return {
        "sphere_steps_per_s_per_core": head["sphere_steps_per_s_per_core"],
        "best_sphere_steps_per_s_per_core": max(c["sphere_steps_per_s_per_core"] for c in table),
        "contact_law": law,
        "spheres_per_rve": n,
        "numba_threads_available": max_threads,
        "table": table,
    }
