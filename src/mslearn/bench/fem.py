"""Cost of one Newton iteration of the implicit FEM: material, assembly, solve.

Q4 biaxial meshes (seed 000's 2x4 ... and larger), Drucker-Prager material in a
plastic state. Each phase is timed separately over repeated iterations and
the median is reported:

* material  — ``material.trial(strain)`` for all Gauss points
* assembly  — strain B u, internal force B^T sigma and stiffness B^T D B (CSR)
* solve     — sparse LU factorisation and solve of the reduced system
  (:func:`mslearn.fem.linsolve.solve`)
"""

from __future__ import annotations

import time

import numpy as np

from mslearn.fem.linsolve import solve
from mslearn.materials import DruckerPrager
from mslearn.problems.biaxial import BiaxialConfig

DEFAULT_MESHES = ((2, 4), (4, 8), (8, 16), (16, 32), (32, 64), (64, 128))


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def bench_newton_iteration(nx: int, ny: int, element: str = "Q4", repeats: int = 20) -> dict:
    """Median wall time [ms] per phase of one Newton iteration on an nx x ny biaxial mesh."""
    prob = BiaxialConfig(nx=nx, ny=ny, element=element).build()
    disc = prob.disc
    mat = DruckerPrager.mohr_coulomb_plane_strain(
        60e6,
        0.3,
        2e3,
        np.radians(30),
        disc.n_gp,
        dilatancy_angle=np.radians(5),
        initial_pressure=1e5,
    )
    # a plastic, non-uniform state: a smooth displacement field with 1 % axial strain
    u = disc.interpolate_dofs(lambda x, y: (2e-3 * x * y, -1e-2 * y * (1 + 0.1 * x)))
    free = np.setdiff1d(np.arange(disc.n_dof), disc.boundary_dofs("bottom"))
    strain = disc.strain(u)
    resp = mat.trial(strain)
    K = disc.stiffness(resp.stiffness, free)  # builds the cached pattern

    def assembly():
        e = disc.strain(u)
        disc.internal_force(resp.stress)
        disc.stiffness(resp.stiffness, free)
        return e

    rhs = np.ones(free.size)
    reps = max(3, repeats if disc.n_dof < 20000 else repeats // 4)
    t_mat = _median_time(lambda: mat.trial(strain), reps)
    t_asm = _median_time(assembly, reps)
    t_sol = _median_time(lambda: solve(K, rhs), reps)
    return {
        "mesh": f"{nx}x{ny}",
        "element": element,
        "elements": int(disc.n_el),
        "gauss_points": int(disc.n_gp),
        "dofs": int(disc.n_dof),
        "yielding_fraction": float(resp.extras["yielding"].mean()),
        "material_ms": 1e3 * t_mat,
        "assembly_ms": 1e3 * t_asm,
        "solve_ms": 1e3 * t_sol,
        "assembly_plus_solve_ms": 1e3 * (t_asm + t_sol),
        "iteration_ms": 1e3 * (t_mat + t_asm + t_sol),
    }


def bench_fem(meshes=DEFAULT_MESHES, element: str = "Q4", repeats: int = 20) -> list[dict]:
    """:func:`bench_newton_iteration` on each (nx, ny) biaxial mesh; one row per mesh."""
    return [bench_newton_iteration(nx, ny, element, repeats) for nx, ny in meshes]


def bench_orderings(meshes=((8, 16), (32, 64), (64, 128)), repeats: int = 5) -> list[dict]:
    """Side-by-side LU solve times [ms]: scipy's default (COLAMD) vs the ordering we use."""
    import scipy.sparse.linalg as spla

    from mslearn.materials import LinearElastic

    rows = []
    for nx, ny in meshes:
        disc = BiaxialConfig(nx=nx, ny=ny, element="Q4").build().disc
        mat = LinearElastic(6e7, 0.3, disc.n_gp)
        free = np.setdiff1d(np.arange(disc.n_dof), disc.boundary_dofs("bottom"))
        K = disc.stiffness(mat.trial(np.zeros((disc.n_gp, 3))).stiffness, free).tocsc()
        b = np.ones(free.size)
        t_default = _median_time(lambda K=K, b=b: spla.spsolve(K, b), repeats)
        t_ours = _median_time(lambda K=K, b=b: solve(K, b), repeats)
        rows.append(
            {
                "mesh": f"{nx}x{ny}",
                "dofs": int(free.size),
                "colamd_ms": 1e3 * t_default,
                "mmd_at_plus_a_ms": 1e3 * t_ours,
                "speedup": t_default / t_ours,
            }
        )
    return rows
