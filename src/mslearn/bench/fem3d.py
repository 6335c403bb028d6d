"""Cost of one Newton iteration of the implicit FEM in 3D: material, assembly, solve.

The ``triaxial_3d`` problem (seed 003 Sec. 4.4 prism, CTC) on nx x ny x nz HEX8 meshes,
Drucker-Prager in a plastic, non-uniform state (a smooth displacement field with 1 %
axial shortening). Each phase is timed over ``repeats`` repetitions and the median
[s] is reported, as :mod:`mslearn.bench.fem` does in 2D:

* material  — ``material.trial(strain)`` at every Gauss point
* assembly  — strain B u, internal force B^T sigma and stiffness B^T D B (CSR, reduced)
* solve     — sparse LU factorisation and solve of the reduced system
  (:func:`mslearn.fem.linsolve.solve`)
"""

from __future__ import annotations

import time

import numpy as np

from mslearn.fem.linsolve import solve
from mslearn.materials import DruckerPrager
from mslearn.problems.triaxial_3d import Triaxial3DConfig

DEFAULT_SIZES = ((2, 2, 4), (4, 4, 8), (8, 8, 16), (16, 16, 32))


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def newton_cost_one(nx: int, ny: int, nz: int, repeats: int = 3) -> dict:
    """Median seconds per phase of one Newton iteration on an nx x ny x nz HEX8 prism, with
    the mesh sizes (elements, Gauss points, free dofs, stiffness non-zeros)."""
    prob = Triaxial3DConfig(nx=nx, ny=ny, nz=nz, element="HEX8").build()
    disc = prob.disc
    mat = DruckerPrager.mohr_coulomb_plane_strain(
        60e6, 0.3, 2e3, np.radians(30), disc.n_gp, np.radians(5), dim=3, initial_pressure=1e5
    )
    h = 0.1
    u = disc.interpolate_dofs(
        lambda x, y, z: (2e-3 * x * z / h, 1e-3 * y * z / h, -1e-2 * z * (1 + 5 * x))
    )
    free = np.setdiff1d(
        np.arange(disc.n_dof), np.concatenate([disc.boundary_dofs(f) for f in ("bottom", "top")])
    )
    strain = disc.strain(u)
    resp = mat.trial(strain)
    K = disc.stiffness(resp.stiffness, free)  # builds the cached pattern
    rhs = disc.internal_force(resp.stress)[free]

    def assembly():
        disc.strain(u)
        disc.internal_force(resp.stress)
        disc.stiffness(resp.stiffness, free)

    return {
        "mesh": f"{nx}x{ny}x{nz}",
        "elements": int(disc.n_el),
        "gauss_points": int(disc.n_gp),
        "free_dofs": int(free.size),
        "nnz": int(K.nnz),
        "yielding_fraction": float(resp.extras["yielding"].mean()),
        "material_s": _median_time(lambda: mat.trial(strain), repeats),
        "assembly_s": _median_time(assembly, repeats),
        "solve_s": _median_time(lambda: solve(K, rhs), repeats),
    }


def newton_cost_3d(sizes=DEFAULT_SIZES, repeats: int = 3) -> list[dict]:
    """:func:`newton_cost_one` for every (nx, ny, nz) of ``sizes``: one dict per size with
    ``material_s``, ``assembly_s`` and ``solve_s`` [s per Newton iteration]."""
    return [newton_cost_one(*s, repeats=repeats) for s in sizes]


def format_table(rows: list[dict]) -> str:
    """A markdown table of :func:`newton_cost_3d` rows (times in ms)."""
    head = "| mesh | elements | Gauss pts | free dofs | material ms | assembly ms | solve ms |"
    lines = [head, "|" + " --- |" * 7]
    for r in rows:
        lines.append(
            f"| {r['mesh']} | {r['elements']} | {r['gauss_points']} | {r['free_dofs']} | "
            f"{1e3 * r['material_s']:.1f} | {1e3 * r['assembly_s']:.1f} | "
            f"{1e3 * r['solve_s']:.1f} |"
        )
    return "\n".join(lines)
