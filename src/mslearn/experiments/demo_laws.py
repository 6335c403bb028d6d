"""`mslearn demo --laws`: the FEM with reference elastoplastic laws (no learning).

Biaxial compression (seed 000 Sec. 4.1 meshes 2x4, 4x8, 8x16 Q4 and seed 002's
8x16 Q8 with rough ends) and a rigid strip footing (seed 003 Sec. 3.1
geometry), all with the reference Drucker-Prager material matched to
Mohr-Coulomb, plus the verification suite. Writes ``report.md`` (figures and
tables), ``report.json`` and one run folder per BVP.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from mslearn import __version__
from mslearn.problems.biaxial import biaxial_volumetric_strain
from mslearn.problems.config import RunConfig, validate_config
from mslearn.report.fem_plots import plot_curves
from mslearn.workflows.bvp import run_bvp
from mslearn.workflows.results import read_history


def run_demo(
    out: Path, quick: bool = False, progress: bool = True, verify: Callable | None = None
) -> dict:
    """Run the BVPs and verification suite of the module doc into ``out``; return the report.

    ``quick``: fewer load steps, the 2x4 and 4x8 Q4 biaxial meshes only, a coarser T3
    footing mesh, only the ``patch`` verification cases, no XDMF. ``verify``: the
    verification runner (the verification registry's ``run_all``, passed in by the
    caller: studies sit beside verification, not above it); None reports no cases.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    n_steps = 25 if quick else 100
    meshes = (
        [(2, 4, "Q4"), (4, 8, "Q4")]
        if quick
        else [(2, 4, "Q4"), (4, 8, "Q4"), (8, 16, "Q4"), (8, 16, "Q8")]
    )
    material = {
        "type": "drucker_prager",
        "young": 60e6,
        "poisson": 0.3,
        "cohesion": 2e3,
        "friction_angle": 30.0,
        "dilatancy_angle": 5.0,
        "hardening": 0.0,
    }
    runs, force_curves, vol_curves = [], [], []
    for nx, ny, el in meshes:
        name = f"biaxial_{nx}x{ny}_{el}"
        cfg = validate_config(
            {
                "problem": {"type": "biaxial", "nx": nx, "ny": ny, "element": el},
                "material": material,
                "solver": {"n_steps": n_steps},
                "output": {"xdmf": not quick},
            }
        )
        s = run_bvp(cfg, out / name, progress=progress)
        hist = read_history(out / name)
        eps_a = -np.array([h["top_uy"] for h in hist]) / cfg.problem.height
        force_curves.append((name, eps_a, -np.array([h["top_Fy"] for h in hist]) / 1e3))
        ev = biaxial_volumetric_strain(hist, cfg.problem.width, cfg.problem.height)
        vol_curves.append((name, eps_a, -ev))
        runs.append({"name": name, **s})
    plot_curves(
        out / "biaxial_top_force.png",
        force_curves,
        "axial strain [-]",
        "top force [kN/m] (compression +)",
        "Biaxial compression, Drucker-Prager",
    )
    plot_curves(
        out / "biaxial_volumetric_strain.png",
        vol_curves,
        "axial strain [-]",
        "volumetric strain [-] (compression +)",
        "Biaxial compression, Drucker-Prager",
    )
    footing_cfg = RunConfig.model_validate(
        {
            "problem": {
                "type": "strip_footing",
                "element": "T3" if quick else "T6",
                "h_edge": 0.1 if quick else 0.05,
                "settlement": 0.15,
            },
            "material": material,
            "solver": {"n_steps": 20 if quick else 60},
            "output": {"xdmf": not quick},
        }
    )
    s = run_bvp(footing_cfg, out / "strip_footing", progress=progress)
    runs.append({"name": "strip_footing", **s})
    cases = verify(smoke=True, only="" if not quick else "patch") if verify is not None else []
    wall = time.perf_counter() - t0
    report = {
        "version": __version__,
        "quick": quick,
        "wall_time_s": wall,
        "runs": runs,
        "verification": cases,
        "verification_passed": all(c["passed"] for c in cases),
    }
    (out / "report.json").write_text(json.dumps(report, indent=2))
    (out / "report.md").write_text(_markdown(report))
    return report


def _markdown(rep: dict) -> str:
    lines = [
        f"# mslearn demo report (version {rep['version']}{', quick' if rep['quick'] else ''})",
        "",
        "Reference elastoplastic material (Drucker-Prager matched to Mohr-Coulomb in plane "
        "strain: E = 60 MPa, nu = 0.3, c = 2 kPa, phi = 30 deg, psi = 5 deg), specimens "
        "consolidated to p0 = 100 kPa. Compression positive in the plots.",
        "",
        "## Biaxial compression (seed 000 meshes; seed 002 Q8 rough ends)",
        "",
        "![top force](biaxial_top_force.png)",
        "",
        "![volumetric strain](biaxial_volumetric_strain.png)",
        "",
        "| run | elements | Gauss points | steps | Newton iterations | wall [s] | "
        "final load | completed |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rep["runs"]:
        lines.append(
            f"| {r['name']} | {r['elements']} | {r['gauss_points']} | {r['steps']} | "
            f"{r['iterations']} | {r['wall_time_s']:.2f} | {r['final_load']:.1f} | "
            f"{r['completed']} |"
        )
    last_biax = [r for r in rep["runs"] if r["name"].startswith("biaxial")][-1]["name"]
    lines += [
        "",
        f"Fields of {last_biax} at the last step:",
        "",
        f"![fields]({last_biax}/fields_final.png)",
        "",
        f"![deviatoric strain]({last_biax}/deviatoric_strain_steps.png)",
        "",
        "## Strip footing (seed 003 Sec. 3.1 geometry)",
        "",
        "![footing curve](strip_footing/load_displacement.png)",
        "",
        "![footing fields](strip_footing/fields_final.png)",
        "",
        "## Verification (`mslearn verify`)",
        "",
        "| case | value | reference | tolerance | passed |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in rep["verification"]:
        lines.append(
            f"| {c['name']} | {c['value']:.4g} | {c['reference']:.4g} | "
            f"{c['tolerance']:.3g} | {c['passed']} |"
        )
    lines += ["", f"Total wall time: {rep['wall_time_s']:.1f} s", ""]
    return "\n".join(lines)
