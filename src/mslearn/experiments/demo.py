"""`mslearn demo`: the whole pipeline end to end.

FEM-DEM biaxial runs on the coarse mesh with small RVEs and a few
Gaussian-process confining paths -> dataset -> committee training -> FEM-ML
on the coarse and medium meshes for a held-out confining path -> FEM-DEM of
the same case as the reference -> ``report.md`` with figures and
``report.json``.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from mslearn import __version__
from mslearn.core.errors import SolverFailure
from mslearn.experiments.common import rel_l2
from mslearn.learn.fit import fit_surrogate, plot_learning_curves
from mslearn.learn.training import TrainOptions
from mslearn.paths import gaussian_process_paths
from mslearn.problems.biaxial import biaxial_volumetric_strain
from mslearn.report.fem_plots import auto_scale, draw_field, plot_curves
from mslearn.workflows.femdem import MESHES, fem_dem_config, run_fem_dem
from mslearn.workflows.femml import run_fem_ml
from mslearn.workflows.results import n_output_steps, read_fields, read_history

#: Training budgets are in epochs (early stopping by patience, in epochs too), never in
#: seconds, so the report does not depend on the machine's load. They are at least the
#: epochs the former wall-clock budgets reached on a quiet 2-core machine (full: 440
#: epochs in 120 s on 50 194 training samples; quick: 510 epochs in 20 s on 8 661), so
#: training takes about as long as before there (full ~145 s, quick ~25 s).
SIZES = {
    # small RVEs are noisy: the quick size loosens the residual tolerance accordingly
    "full": {
        "particles": 80,
        "steps": 40,
        "axial_strain": 0.1,
        "paths": 3,
        "meshes": ("coarse", "medium"),
        "max_epochs": 500,
        "patience": 300,
        "relax": 600,
        "strain_per_dem_step": 1e-5,
        # 2e-2 was measured and does not let the medium mesh complete (notes/demo_bvp.md)
        "tol_residual": 1e-2,
        # training paths that also run on the medium mesh (seed 000 Table 3, Cases D / F:
        # data from the mesh FEM-ML runs on); every MEDIUM_STRIDE-th sample of them
        # trains. Off: one such run adds ~5 min to the full demo, not yet measured whole
        # (notes/demo_bvp.md)
        "medium_paths": 0,
    },
    "quick": {
        "particles": 40,
        "steps": 15,
        "axial_strain": 0.05,
        "paths": 2,
        "meshes": ("coarse",),
        "max_epochs": 600,
        "patience": 300,
        "relax": 200,
        "strain_per_dem_step": 2e-5,
        "tol_residual": 2e-2,
        "medium_paths": 0,
    },
}
#: a medium-mesh run has 4x the Gauss points of a coarse one: every 4th of its samples
#: joins the training data, so it adds about one coarse run's worth (training time)
MEDIUM_STRIDE = 4


def _cfg(size: dict, mesh: str, history, material: dict | None = None):
    from mslearn.materials.config import material_config

    data = {
        "problem": {"axial_strain": size["axial_strain"]},
        "material": {
            "n_particles": size["particles"],
            "max_relax_steps": size["relax"],
            "max_strain_per_step": size["strain_per_dem_step"],
        },
        "solver": {"n_steps": size["steps"], "tol_residual": size["tol_residual"]},
    }
    cfg = fem_dem_config(data, mesh, confining_history=history)
    if material is not None:  # the same problem and solver with another material
        cfg.material = material_config(material)
    return cfg


def train_options(size: dict) -> TrainOptions:
    """The committee's training options at ``size``: epoch budgets, no clock."""
    return TrainOptions(max_epochs=size["max_epochs"], patience=size["patience"])


def run_demo(out: Path, quick: bool = False, progress: bool = True) -> dict:
    """Run the pipeline of the module doc into ``out``; return the ``report.json`` dict.

    ``quick``: ``SIZES["quick"]`` (smaller RVEs, fewer steps and paths, half the axial
    strain); the medium-mesh FEM-ML run then has no FEM-DEM reference.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    size = SIZES["quick" if quick else "full"]
    t0 = time.perf_counter()
    paths = gaussian_process_paths(size["paths"] + 1, size["steps"], seed=2024)
    held_out = size["paths"]  # the last path is never used in training

    # 1. FEM-DEM data on the coarse mesh
    data_runs = []
    for i in range(size["paths"]):
        s = _fem_dem(
            _cfg(size, "coarse", paths.history(i)), out / f"fem_dem_train_{i}", i, progress
        )
        data_runs.append({**s, "mesh": "coarse"})
    for i in range(size["medium_paths"]):  # training paths only, never the held-out one
        s = _fem_dem(
            _cfg(size, "medium", paths.history(i)),
            out / f"fem_dem_train_medium_{i}",
            size["paths"] + i,
            progress,
        )
        data_runs.append({**s, "mesh": "medium"})
    from mslearn.data.splits import merge_datasets

    merge_datasets([s["dataset"] for s in data_runs], out / "dataset.zarr")

    # 2. committee training
    t_train = time.perf_counter()
    sur, rep = fit_surrogate(
        training_arrays(data_runs),
        train_options(size),
        mode="joint",
        split_by="point",
    )
    sur.meta["curves"] = rep["curves"]
    model_dir = sur.save(out / "model")
    plot_learning_curves(out / "learning_curves.png", rep["curves"])
    train_wall = time.perf_counter() - t_train

    # 3-4. FEM-ML and the FEM-DEM reference on the held-out path
    cases = {}
    for mesh in size["meshes"]:
        ref = _fem_dem(
            _cfg(size, mesh, paths.history(held_out)), out / f"fem_dem_{mesh}", 100, progress
        )
        ml_cfg = _cfg(
            size,
            mesh,
            paths.history(held_out),
            material={"type": "surrogate", "model": str(model_dir)},
        )
        ml = run_fem_ml(ml_cfg, out / f"fem_ml_{mesh}", progress=progress, raise_on_failure=False)
        cases[mesh] = (ref, ml)
    if quick and "medium" not in cases:  # FEM-ML on the medium mesh, no reference
        ml_cfg = _cfg(
            size,
            "medium",
            paths.history(held_out),
            material={"type": "surrogate", "model": str(model_dir)},
        )
        cases["medium"] = (
            None,
            run_fem_ml(ml_cfg, out / "fem_ml_medium", progress=progress, raise_on_failure=False),
        )

    report = _report(out, cases, rep, size, train_wall, paths, held_out)
    report["fem_dem_training_runs"] = [
        {k: s[k] for k in ("completed", "steps", "failure", "mesh")} for s in data_runs
    ]
    report["wall_time_s"] = time.perf_counter() - t0
    report["version"] = __version__
    report["quick"] = quick
    (out / "report.json").write_text(json.dumps(report, indent=2))
    (out / "report.md").write_text(_markdown(report))
    return report


def training_arrays(runs: list[dict]):
    """The committee's training data: every sample of the coarse runs, every
    ``MEDIUM_STRIDE``-th of the medium ones; ``run`` numbers the runs in order."""
    from mslearn.learn.features import Arrays, load_point_data

    parts = []
    for i, s in enumerate(runs):
        a = load_point_data(s["dataset"])
        rows = slice(None, None, MEDIUM_STRIDE if s["mesh"] == "medium" else 1)
        parts.append((a.x[rows], a.stress[rows], a.stiffness[rows], a.point[rows], i))
    return Arrays(
        np.concatenate([p[0] for p in parts]),
        np.concatenate([p[1] for p in parts]),
        np.concatenate([p[2] for p in parts]),
        np.concatenate([np.full(len(p[0]), p[4]) for p in parts]),
        np.concatenate([p[3] for p in parts]),
    )


def _fem_dem(cfg, folder: Path, run_id: int, progress: bool) -> dict:
    """run_fem_dem; a Newton failure is returned in the summary (``completed`` False,
    ``failure``), as for FEM-ML, with every output up to the last converged step: a
    stopped training run still gives its data, a stopped reference is compared over the
    steps it reached."""
    try:
        return run_fem_dem(cfg, folder, progress=progress, run_id=run_id)
    except SolverFailure:
        if not (folder / "summary.json").is_file():
            raise
        return json.loads((folder / "summary.json").read_text())


def _curves(folder: Path, height: float = 1.0, width: float = 0.5):
    """(axial strain, top force [kN/m], volumetric strain), compression positive."""
    hist = read_history(folder)
    eps_a = -np.array([h["top_uy"] for h in hist]) / height
    force = -np.array([h["top_Fy"] for h in hist]) / 1e3
    ev = -biaxial_volumetric_strain(hist, width, height)
    return eps_a, force, ev


def _report(
    out: Path, cases: dict, rep: dict, size: dict, train_wall: float, paths, held_out: int
) -> dict:
    force_curves, vol_curves, errors, speed, first = [], [], {}, {}, {}
    for mesh, (ref, ml) in cases.items():
        e_ml, f_ml, v_ml = _curves(Path(ml["out"] if "out" in ml else out / f"fem_ml_{mesh}"))
        force_curves.append((f"FEM-ML {mesh}", e_ml, f_ml))
        vol_curves.append((f"FEM-ML {mesh}", e_ml, v_ml))
        if ref is None:
            continue
        e_d, f_d, v_d = _curves(out / f"fem_dem_{mesh}")
        force_curves.append((f"FEM-DEM {mesh}", e_d, f_d))
        vol_curves.append((f"FEM-DEM {mesh}", e_d, v_d))
        errors[mesh] = rel_l2(f_ml, f_d)  # a stopped FEM-ML run: up to its last step
        first[mesh] = (first_step_error(f_ml, f_d), first_step_error(f_ml, f_d, 1))
        per_it_dem = ref["solver_wall_s"] / max(ref["iterations"], 1)
        per_it_ml = ml["solver_wall_s"] / max(ml["iterations"], 1)
        speed[mesh] = {
            "per_iteration": per_it_dem / per_it_ml,
            "total": ref["solver_wall_s"] / max(ml["solver_wall_s"], 1e-12),
            "fem_dem_s_per_iteration": per_it_dem,
            "fem_ml_s_per_iteration": per_it_ml,
            "iterations_fem_dem": ref["iterations"],
            "iterations_fem_ml": ml["iterations"],
        }
    plot_curves(
        out / "top_force.png",
        force_curves,
        "axial strain [-]",
        "top force [kN/m] (compression +)",
        f"Held-out GP path {held_out}",
    )
    plot_curves(
        out / "volumetric_strain.png",
        vol_curves,
        "axial strain [-]",
        "volumetric strain [-] (compression +)",
        f"Held-out GP path {held_out}",
    )
    _contours(out, cases)
    _gp_histories(out, cases)
    main = "coarse"
    ml_all = [ml for _, ml in cases.values()]
    return {
        "speedup_per_iteration": speed[main]["per_iteration"],
        "speedup_total": speed[main]["total"],
        "top_force_rel_error": errors[main],
        "first_step_top_force_rel_error": first[main][0],
        "medium_mesh_completed": bool(cases["medium"][1]["completed"])
        if "medium" in cases
        else False,
        "test_stress_rel_error": rep["metrics"]["test_stress_rel_error"],
        "iterations_fem_dem": speed[main]["iterations_fem_dem"],
        "iterations_fem_ml": speed[main]["iterations_fem_ml"],
        "out_of_range_points": int(max(ml["out_of_range_points"] for ml in ml_all)),
        "per_mesh": {
            m: {
                **speed.get(m, {}),
                "top_force_rel_error": errors.get(m),
                "first_step_top_force_rel_error": first.get(m, (None, None))[0],
                "step_1_top_force_rel_error": first.get(m, (None, None))[1],
                "out_of_range_points": cases[m][1]["out_of_range_points"],
                "out_of_range_first_step": cases[m][1]["out_of_range_first_step"],
                "max_uncertainty": cases[m][1]["max_uncertainty"],
                "fem_ml_completed": cases[m][1]["completed"],
                "fem_ml_steps": cases[m][1]["steps"],
                "fem_ml_failure": cases[m][1]["failure"],
                **(
                    {
                        "fem_dem_completed": cases[m][0]["completed"],
                        "fem_dem_steps": cases[m][0]["steps"],
                        "fem_dem_failure": cases[m][0]["failure"],
                    }
                    if cases[m][0] is not None
                    else {}
                ),
            }
            for m in cases
        },
        "training": {
            **rep["metrics"],
            "wall_time_s": train_wall,
            "epochs": rep["curves"]["joint"]["epochs_run"],
            "stopped_by": rep["curves"]["joint"]["stopped_by"],
        },
        "sizes": {
            "particles_per_rve": size["particles"],
            "steps": size["steps"],
            "axial_strain": size["axial_strain"],
            "training_paths": size["paths"],
            "medium_training_paths": size["medium_paths"],
            "held_out_path": held_out,
            "meshes": {m: MESHES[m] for m in cases},
        },
    }


def first_step_error(f_ml: np.ndarray, f_dem: np.ndarray, step: int = 0) -> float | None:
    """|F_ml - F_dem| / |F_dem| at history row ``step`` of the top-force curves ((steps + 1,)
    [kN/m]); row 0 is the state both runs start from (FEM-DEM: the RVEs at p0; FEM-ML: the
    committee at zero strain and phi). None when either run did not reach ``step``."""
    if len(f_ml) <= step or len(f_dem) <= step:
        return None
    return float(abs(f_ml[step] - f_dem[step]) / max(abs(f_dem[step]), 1e-300))


def _contours(out: Path, cases: dict) -> None:
    import matplotlib.pyplot as plt

    from mslearn.fem.measures import deviatoric_strain

    for mesh, (ref, _ml) in cases.items():
        if ref is None:
            continue
        panels = []
        folders = (("FEM-DEM", out / f"fem_dem_{mesh}"), ("FEM-ML", out / f"fem_ml_{mesh}"))
        step = min(n_output_steps(f) for _, f in folders) - 1  # last step both runs reached
        for label, folder in folders:
            pts, cells, u, cd = read_fields(folder, step)
            panels.append((label, pts, cells, u, cd))
        scale = auto_scale(panels[0][1], panels[0][3])
        fig, axes = plt.subplots(2, 2, figsize=(8, 8))
        umax = max(np.linalg.norm(p[3], axis=1).max() for p in panels)
        gmax = max(deviatoric_strain(p[4]["strain"][0]).max() for p in panels)
        for j, (label, pts, cells, u, cd) in enumerate(panels):
            draw_field(
                axes[0, j],
                pts,
                cells,
                u,
                np.linalg.norm(u, axis=1),
                scale,
                "|u| [m]",
                vmin=0,
                vmax=umax,
            )
            axes[0, j].set_title(f"{label}: displacement, step {step}")
            draw_field(
                axes[1, j],
                pts,
                cells,
                u,
                deviatoric_strain(cd["strain"][0]),
                scale,
                "deviatoric strain [-]",
                "magma",
                0,
                gmax,
            )
            axes[1, j].set_title(f"{label}: shear strain")
        fig.tight_layout()
        fig.savefig(out / f"contours_{mesh}.png", dpi=120)
        plt.close(fig)
        _uncertainty_map(out, mesh, panels[1])


def _uncertainty_map(out: Path, mesh: str, panel) -> None:
    import matplotlib.pyplot as plt

    label, pts, cells, u, cd = panel
    unc = np.load(out / f"fem_ml_{mesh}" / "uncertainty.npy")[-1]  # (n_gp,) last FEM-ML step
    n_q = unc.size // len(cells)
    cell_unc = unc.reshape(len(cells), n_q).mean(axis=1)
    fig, ax = plt.subplots(figsize=(4, 6))
    draw_field(
        ax,
        pts,
        cells,
        u,
        100 * cell_unc,
        auto_scale(pts, u),
        "committee std / |stress| [%]",
        "inferno",
    )
    ax.set_title(f"FEM-ML {mesh}: uncertainty, last step")
    fig.tight_layout()
    fig.savefig(out / f"uncertainty_{mesh}.png", dpi=120)
    plt.close(fig)


def _gp_histories(out: Path, cases: dict) -> None:
    from mslearn.data import open_dataset

    curves = []
    ref, ml = cases["coarse"]
    for label, folder in (("FEM-DEM", out / "fem_dem_coarse"), ("FEM-ML", out / "fem_ml_coarse")):
        ds = folder / "dataset.zarr"
        if not ds.exists():
            continue
        g = open_dataset(ds)
        conv, point = g["converged"][:], g["point"][:]
        strain, stress = g["strain"][:], g["stress"][:]
        for p in (0, 13):
            rows = conv & (point == p)
            if rows.any():
                curves.append((f"{label} GP {p}", -strain[rows, 1], -stress[rows, 1] / 1e3))
    if curves:
        plot_curves(
            out / "gauss_point_histories.png",
            curves,
            "-eps_22 [-]",
            "-sigma_22 [kPa]",
            "Gauss-point histories, coarse mesh",
        )


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def _markdown(r: dict) -> str:
    pm = r["per_mesh"]
    lines = [
        f"# mslearn demo: FEM-DEM -> dataset -> committee -> FEM-ML "
        f"(version {r['version']}{', quick' if r['quick'] else ''})",
        "",
        f"RVEs of {r['sizes']['particles_per_rve']} disks, {r['sizes']['steps']} load steps to "
        f"{100 * r['sizes']['axial_strain']:g} % axial strain, "
        f"{r['sizes']['training_paths']} Gaussian-process confining paths "
        f"for training (coarse mesh), held-out path {r['sizes']['held_out_path']} for the "
        "comparison. Compression positive in the plots.",
        "",
        "| figure | value |",
        "| --- | --- |",
        f"| speed-up per Newton iteration (coarse) | {r['speedup_per_iteration']:.0f}x |",
        f"| speed-up in total (coarse) | {r['speedup_total']:.0f}x |",
        f"| top-force relative L2 error (coarse, held-out path) | "
        f"{100 * r['top_force_rel_error']:.1f} % |",
        f"| top-force relative error at the first step, zero strain (coarse, held-out path) | "
        f"{_pct(r['first_step_top_force_rel_error'])} |",
        f"| FEM-ML on the medium mesh completed all steps | "
        f"{'yes' if r['medium_mesh_completed'] else 'no'} |",
        f"| test stress relative error (point dataset) | "
        f"{100 * r['test_stress_rel_error']:.1f} % |",
        f"| Newton iterations FEM-DEM / FEM-ML (coarse) | {r['iterations_fem_dem']} / "
        f"{r['iterations_fem_ml']} |",
        f"| Gauss points outside the training range | {r['out_of_range_points']} |",
        "",
        "Errors of a FEM-ML run or FEM-DEM reference that stopped early are over the steps "
        "both completed; "
        "speed-ups compare time per Newton iteration and whole-run solver time.",
        "",
        "| mesh | speed-up / iteration | total | top-force error | iterations DEM / ML | "
        "max uncertainty |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for m, d in pm.items():
        if d.get("fem_dem_completed") is False:
            lines.append(
                f"| {m} | FEM-DEM reference stopped after step {d['fem_dem_steps']}: "
                f"{d['fem_dem_failure']} | | | | |"
            )
        if not d["fem_ml_completed"]:
            lines.append(
                f"| {m} | FEM-ML stopped after step {d['fem_ml_steps']}: "
                f"{d['fem_ml_failure']} | | | | |"
            )
        if "per_iteration" in d:
            lines.append(
                f"| {m} | {d['per_iteration']:.0f}x | {d['total']:.0f}x | "
                f"{100 * d['top_force_rel_error']:.1f} % | {d['iterations_fem_dem']} / "
                f"{d['iterations_fem_ml']} | {100 * d['max_uncertainty']:.1f} % |"
            )
        else:
            lines.append(
                f"| {m} | (no FEM-DEM reference in quick mode) | | | | "
                f"{100 * d['max_uncertainty']:.1f} % |"
            )
    lines += [
        "",
        "![top force](top_force.png)",
        "",
        "![volumetric strain](volumetric_strain.png)",
        "",
        "![learning curves](learning_curves.png)",
        "",
    ]
    for m in pm:
        if "per_iteration" in pm[m]:
            lines += [
                f"## {m} mesh",
                "",
                f"![contours](contours_{m}.png)",
                "",
                f"![uncertainty](uncertainty_{m}.png)",
                "",
            ]
    lines += [
        "![Gauss-point histories](gauss_point_histories.png)",
        "",
        f"Training: {r['training']['epochs']} epochs ({r['training']['stopped_by']}), "
        f"{r['training']['wall_time_s']:.0f} s, {r['training']['train_samples']} training "
        "samples.",
        "",
        f"Total wall time {r['wall_time_s']:.0f} s.",
        "",
    ]
    return "\n".join(lines)


__all__ = ["SIZES", "run_demo", "train_options"]
