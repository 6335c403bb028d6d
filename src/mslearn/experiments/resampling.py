"""`mslearn al-resample`: pool-based active-learning resampling (seed 000 Sec. 3.4.2,
4.1.1-4.1.2, Table 3 Cases A-F, Fig. 7-11) at a size a small machine can run.

Steps:

1. FEM-DEM biaxial runs (small DEM RVEs) on a *coarse* and a *fine* mesh for
   the same Gaussian-process confining paths (training data), and on both
   meshes for a held-out path (references). Every run is cached in the output
   folder under a key of its resolved config: a rerun reuses it.
2. Four training sets, one committee each, trained identically:
   ``coarse`` (coarse-mesh runs), ``fine`` (fine-mesh runs), ``hybrid``
   (seed 000 Fig. 9: fine-mesh points inside the shear band, coarse-mesh
   points outside it; the band is the ``band_fraction`` of fine-mesh Gauss
   points with the largest equivalent shear strain at the last converged
   step of each run, and a coarse point is "in the band" if its nearest
   fine Gauss point is) and ``active`` (seed 000 Sec. 4.1.2 / Fig. 10: the
   committee pre-trained on the coarse data scores every fine-mesh sample
   by its committee standard deviation, Eq. 18; the top ``fraction``
   (30 %) are added to the coarse data).
3. FEM-ML on both meshes with every committee for the held-out path:
   Cases A-F of Table 3 plus the active-learning cases ``C-AL`` (coarse
   mesh) and ``F-AL`` (fine mesh).

Deviation from seed 000, stated: the paper re-trains *one* pre-trained
network on the enriched set and runs FEM-ML with that single network. Here
every training set gets a fresh committee trained with the same options and
seed, so the cases differ only in their data and FEM-ML still has a
committee (uncertainty maps).
"""

from __future__ import annotations

import json
import math
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from mslearn import __version__
from mslearn.core.errors import MslearnInputError
from mslearn.core.progress import step_progress
from mslearn.experiments.common import cache_key, cached_run, pick_size, rel_l2
from mslearn.learn.active.queries import (
    committee_std,
    equivalent_shear_strain,
    select_random,
    select_top_fraction,
)
from mslearn.learn.features import Arrays, fingerprint
from mslearn.learn.training import TrainOptions
from mslearn.paths import gaussian_process_paths
from mslearn.workflows.femdem import fem_dem_config, run_fem_dem
from mslearn.workflows.femml import run_fem_ml
from mslearn.workflows.results import n_output_steps, read_fields, run_curve

#: the full size's training budget per committee in samples (epochs x rows of the set):
#: what the former 90 s budget gave on a quiet machine (batch 512, 5 members of 2 x 40,
#: float64, one thread: 222 000 training samples per CPU second, measured; 70 % of the
#: rows train), so about 95 s per committee there. On the sets of BENCHMARKS.md that is
#: 526 epochs (coarse, 57 120 rows), 114 (fine, 265 344), 250 (hybrid), 220 (active).
TRAIN_SAMPLES_FULL = 30_000_000

#: experiment sizes; meshes are (label, nx, ny) Q4 meshes of the biaxial specimen.
#: Training budgets never depend on the clock (the results would depend on the machine's
#: load): ``train_samples`` is a budget in samples, epochs x rows of the training set
#: (before its 70/15/15 split), so that every committee gets about the same compute
#: whatever its set's size, as the former 90 s wall-clock budget gave; it is capped by
#: ``max_epochs``, and early stopping by ``patience`` (epochs) still applies. See
#: :func:`epoch_budget`.
SIZES: dict[str, dict] = {
    "full": {
        "particles": 80,
        "steps": 40,
        "axial_strain": 0.1,
        "paths": 2,
        "coarse": ("coarse 2x4", 2, 4),
        "fine": ("medium 4x8", 4, 8),
        "relax": 600,
        "strain_per_dem_step": 1e-5,
        "tol_residual": 1e-2,
        "train_samples": TRAIN_SAMPLES_FULL,
        "max_epochs": 100_000,
        "patience": 300,
        "batch_size": 512,
    },
    "smoke": {
        "particles": 40,
        "steps": 3,
        "axial_strain": 0.01,
        "paths": 1,
        "coarse": ("1x2", 1, 2),
        "fine": ("2x4", 2, 4),
        "relax": 150,
        "strain_per_dem_step": 4e-5,
        "tol_residual": 3e-2,
        "train_samples": None,  # max_epochs alone
        "max_epochs": 40,
        "patience": 20,
        "batch_size": 64,
    },
}

#: Table 3 of seed 000 plus the active-learning variants of Cases C and F (Sec. 4.1.2)
CASES: dict[str, tuple[str, str]] = {
    "A": ("coarse", "coarse"),
    "B": ("fine", "coarse"),
    "C": ("hybrid", "coarse"),
    "C-AL": ("active", "coarse"),
    "D": ("fine", "fine"),
    "E": ("coarse", "fine"),
    "F": ("hybrid", "fine"),
    "F-AL": ("active", "fine"),
}


SCORES = ("std", "relative", "random")


@dataclass(frozen=True)
class ResampleOptions:
    """Options of :func:`run_resampling`; ``size`` is a key of ``SIZES``.

    ``uncertainty_threshold``: relative committee std above which FEM-ML points
    are reported and mapped (0 < value <= 1).
    """

    size: str = "full"
    fraction: float = 0.3  # top fraction of the fine pool added (seed 000: 30 %)
    band_fraction: float = 0.3  # fine Gauss points counted in the shear band (hybrid set)
    members: int = 5  # seed 000 Sec. 4.1.2: five networks
    seed: int = 0
    #: epochs per committee, replacing the size's sample budget (None: the size's)
    epochs: int | None = None
    #: optional wall-clock cap per committee in seconds (None: none, the default; with
    #: one, the results depend on the machine's load)
    train_s: float | None = None
    uncertainty_threshold: float = 0.1
    #: "std": committee std of the stress (seed 000 Eq. 18, Pa); "relative": the same
    #: divided by the norm of the committee-mean stress (scale-free); "random": the
    #: baseline (the same number of fine samples drawn at random)
    score: str = "std"

    def check(self) -> None:
        """Raise :class:`MslearnInputError` naming the first option out of range."""
        pick_size(SIZES, self.size)
        for name in ("fraction", "band_fraction"):
            v = getattr(self, name)
            if not 0 < v <= 1:
                raise MslearnInputError(f"{name} is {v}; expected 0 < {name} <= 1")
        if self.score not in SCORES:
            raise MslearnInputError(f"score is {self.score!r}; expected one of {SCORES}")
        if self.members < 2:
            raise MslearnInputError(
                f"members is {self.members}; expected >= 2 (a committee of one has no spread)"
            )
        if self.train_s is not None and not self.train_s > 0:
            raise MslearnInputError(f"train_s is {self.train_s}; expected a positive number")
        if self.epochs is not None and (isinstance(self.epochs, bool) or self.epochs < 1):
            raise MslearnInputError(f"epochs is {self.epochs}; expected an integer >= 1")
        if not 0 < self.uncertainty_threshold <= 1:
            raise MslearnInputError(
                f"uncertainty_threshold is {self.uncertainty_threshold}; expected 0 < value <= 1"
            )


# --------------------------------------------------------------------------- data
@dataclass
class Rows:
    """Point-dataset rows with what the selection needs besides features/targets."""

    a: Arrays
    coords: np.ndarray
    step: np.ndarray
    converged: np.ndarray

    def __len__(self) -> int:
        return len(self.a.x)

    def take(self, idx: np.ndarray) -> Rows:
        """The rows at ``idx`` (index array or boolean mask)."""
        a = self.a
        return Rows(
            Arrays(a.x[idx], a.stress[idx], a.stiffness[idx], a.run[idx], a.point[idx]),
            self.coords[idx],
            self.step[idx],
            self.converged[idx],
        )

    @staticmethod
    def concat(parts: list[Rows]) -> Rows:
        """The rows of ``parts`` stacked in order."""

        def cat(f):
            return np.concatenate([f(p) for p in parts])

        return Rows(
            Arrays(
                cat(lambda p: p.a.x),
                cat(lambda p: p.a.stress),
                cat(lambda p: p.a.stiffness),
                cat(lambda p: p.a.run),
                cat(lambda p: p.a.point),
            ),
            cat(lambda p: p.coords),
            cat(lambda p: p.step),
            cat(lambda p: p.converged),
        )


def load_rows(path: str | Path) -> Rows:
    """Every row (all Newton iterations) of a FEM-DEM point dataset."""
    from mslearn.data.store import open_dataset

    g = open_dataset(path)
    strain, phi = g["strain"][:], g["history"][:]
    return Rows(
        Arrays(
            np.hstack([strain, phi]),
            g["stress"][:],
            g["stiffness"][:],
            g["run"][:],
            g["point"][:],
        ),
        g["coords"][:],
        g["step"][:],
        g["converged"][:].astype(bool),
    )


def shear_band_points(rows: Rows, band_fraction: float) -> np.ndarray:
    """Gauss-point ids of one run in the band: the ``band_fraction`` with the largest
    equivalent shear strain at the last converged step (seed 000 Sec. 4.1.2 indicator)."""
    conv = np.flatnonzero(rows.converged)
    if conv.size == 0:
        raise MslearnInputError("the run has no converged rows: no shear band can be defined")
    last = conv[rows.step[conv] == rows.step[conv].max()]
    gamma = equivalent_shear_strain(rows.a.x[last, : rows.a.nv])
    return np.unique(rows.a.point[last[select_top_fraction(gamma, band_fraction)]])


def point_coords(rows: Rows) -> tuple[np.ndarray, np.ndarray]:
    """(point ids, coords) of the distinct Gauss points of one run."""
    ids, first = np.unique(rows.a.point, return_index=True)
    return ids, rows.coords[first]


def hybrid_rows(coarse: Rows, fine: Rows, band_fraction: float) -> tuple[Rows, dict]:
    """Seed 000 Fig. 9 for one confining path: fine rows in the band + coarse rows outside.

    A coarse Gauss point lies in the band if its nearest fine Gauss point does.
    """
    band = shear_band_points(fine, band_fraction)
    f_ids, f_xy = point_coords(fine)
    in_band_fine = np.isin(f_ids, band)
    c_ids, c_xy = point_coords(coarse)
    nearest = np.argmin(np.linalg.norm(c_xy[:, None, :] - f_xy[None, :, :], axis=2), axis=1)
    c_out = c_ids[~in_band_fine[nearest]]
    keep_f = np.flatnonzero(np.isin(fine.a.point, band))
    keep_c = np.flatnonzero(np.isin(coarse.a.point, c_out))
    info = {
        "fine_band_points": band.tolist(),
        "coarse_points_kept": c_out.tolist(),
        "fine_rows": int(keep_f.size),
        "coarse_rows": int(keep_c.size),
    }
    return Rows.concat([fine.take(keep_f), coarse.take(keep_c)]), info


def member_stress(sur, x: np.ndarray, batch: int = 65_536) -> np.ndarray:
    """Stress predicted by every committee member, (M, N, nv) [Pa], in batches of rows."""
    parts = [sur.member_predictions(x[i : i + batch]) for i in range(0, len(x), batch)]
    return np.concatenate(parts, axis=1) if parts else np.zeros((0, 0, sur.nv))


def active_selection(
    sur, pool: Rows, fraction: float, score: str = "std", seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Seed 000 Sec. 4.1.2 steps 2-4: score the pool (Eq. 18), take the top fraction.

    ``score="relative"`` divides the committee std by the norm of the mean stress;
    ``score="random"`` draws the same number at random (the baseline; scores are still
    the committee std, for the report).
    """
    if len(pool) == 0:
        raise MslearnInputError("the fine-mesh pool is empty: nothing to score")
    if score not in SCORES:
        raise MslearnInputError(f"score is {score!r}; expected one of {SCORES}")
    pred = member_stress(sur, pool.a.x)
    scores = committee_std(pred)
    if score == "relative":
        scores = scores / np.maximum(np.linalg.norm(pred.mean(axis=0), axis=1), 1e-300)
    if score == "random":
        n = len(select_top_fraction(scores, fraction))
        return select_random(len(scores), n, seed), scores
    return select_top_fraction(scores, fraction), scores


# --------------------------------------------------------------------------- caching
def _cached_fem_dem(cfg, folder: Path, progress: bool, run_id: int) -> dict:
    """run_fem_dem, reused when ``folder`` holds a finished run of the same config."""
    key = cache_key({"config": cfg.model_dump(mode="json"), "run_id": run_id})
    return cached_run(folder, key, lambda f: run_fem_dem(cfg, f, progress=progress, run_id=run_id))


def _train(name: str, rows: Rows, opt: TrainOptions, folder: Path, progress: bool):
    """A committee on ``rows`` (cached under ``folder`` by data fingerprint and options)."""
    from mslearn.learn.fit import fit_surrogate
    from mslearn.learn.surrogates.mlp import Surrogate

    a = rows.a
    key = cache_key(
        {"data": fingerprint(a.x, a.stress, a.stiffness, a.run, a.point), **asdict(opt)}
    )
    if (folder / "model.json").is_file():
        meta = json.loads((folder / "model.json").read_text())
        if meta.get("resample_cache_key") == key:
            return Surrogate.load(folder), {**meta["resample_report"], "cached": True}
    t0 = time.perf_counter()  # reported only
    with step_progress(f"train {name}", opt.max_epochs, progress) as update:
        sur, rep = fit_surrogate(
            a,
            opt,
            mode="joint",
            split_by="point",
            progress=lambda e, tr, va: update(e, f"epoch {e} train {tr:.2e} val {va:.2e}"),
        )
    c = rep["curves"]["joint"]
    report = {
        **rep["metrics"],
        "samples": len(a.x),
        "epochs": c["epochs_run"],
        "max_epochs": opt.max_epochs,
        "stopped_by": c["stopped_by"],
        "best_epoch": c["best_epoch"],
        "wall_time_s": time.perf_counter() - t0,
    }
    sur.meta.update({"resample_cache_key": key, "resample_report": report})
    sur.save(folder)
    return sur, {**report, "cached": False}


# --------------------------------------------------------------------------- configs
def _cfg(size: dict, mesh: tuple, history, model: Path | None = None):
    from mslearn.materials.config import material_config

    _, nx, ny = mesh
    data = {
        "problem": {"axial_strain": size["axial_strain"], "nx": nx, "ny": ny, "element": "Q4"},
        "material": {
            "n_particles": size["particles"],
            "max_relax_steps": size["relax"],
            "max_strain_per_step": size["strain_per_dem_step"],
        },
        "solver": {"n_steps": size["steps"], "tol_residual": size["tol_residual"]},
        "output": {"plots": False},
    }
    cfg = fem_dem_config(data, confining_history=history)
    if model is not None:
        cfg.material = material_config({"type": "surrogate", "model": str(model)})
        cfg.output.dataset = False
    return cfg


# --------------------------------------------------------------------------- experiment
def _fem_dem_runs(out: Path, size: dict, paths, progress: bool) -> dict[tuple[str, int], dict]:
    """FEM-DEM of every training path and the held-out one on both meshes (cached)."""
    runs = {}
    for level in ("coarse", "fine"):
        for i in range(size["paths"] + 1):
            run_id = i + (1000 if level == "fine" else 0)
            runs[level, i] = _cached_fem_dem(
                _cfg(size, size[level], paths.history(i)),
                out / "fem_dem" / f"{level}_path{i}",
                progress,
                run_id,
            )
    return runs


def _fem_dem_cost(runs: dict) -> dict:
    keys = ("wall_time_s", "iterations", "samples", "completed", "cached")
    return {f"{lv}_path{i}": {k: s.get(k) for k in keys} for (lv, i), s in runs.items()}


def _training_sets(runs: dict, size: dict, band_fraction: float):
    """(sets, fine rows per path, hybrid info): coarse, fine and hybrid training rows."""
    coarse = [load_rows(runs["coarse", i]["dataset"]) for i in range(size["paths"])]
    fine = [load_rows(runs["fine", i]["dataset"]) for i in range(size["paths"])]
    sets: dict[str, Rows] = {"coarse": Rows.concat(coarse), "fine": Rows.concat(fine)}
    hyb, hyb_info = zip(
        *(hybrid_rows(c, f, band_fraction) for c, f in zip(coarse, fine, strict=True)),
        strict=True,
    )
    sets["hybrid"] = Rows.concat(list(hyb))
    return sets, fine, list(hyb_info)


def _band_mask(fine: list[Rows], hyb_info: list[dict]) -> np.ndarray:
    """(pool rows,) True where a fine-pool row belongs to a Gauss point of the band."""
    return np.concatenate(
        [
            np.isin(f.a.point, info["fine_band_points"])
            for f, info in zip(fine, hyb_info, strict=True)
        ]
    )


SCORE_TEXT = {
    "std": "committee std of the stress (seed 000 Eq. 18), mean over components [Pa]",
    "relative": "committee std of the stress / |committee-mean stress|",
    "random": "random (baseline)",
}


def _selection_summary(opt, pool, chosen, scores, band_mask, wall: float) -> dict:
    return {
        "pool_samples": len(pool),
        "selected": int(chosen.size),
        "fraction": opt.fraction,
        "score": SCORE_TEXT[opt.score],
        "scoring_wall_s": wall,
        "selected_in_band_fraction": float(band_mask[chosen].mean()),
        "pool_in_band_fraction": float(band_mask.mean()),
        "mean_score_selected": float(scores[chosen].mean()),
        "mean_score_pool": float(scores.mean()),
    }


def _fem_ml_case(case: str, folder: Path, cfg, opt, train_report: dict, refs: dict) -> dict:
    """One FEM-ML case of Table 3 against the fine and same-mesh FEM-DEM curves."""
    data, mesh = CASES[case]
    if folder.exists():
        shutil.rmtree(folder)
    s = run_fem_ml(
        cfg,
        folder,
        progress=False,
        raise_on_failure=False,
        uncertainty_threshold=opt.uncertainty_threshold,
    )
    _, f = run_curve(folder)
    _maps(folder, opt.uncertainty_threshold)
    return {
        "training_data": data,
        "fem_ml_mesh": mesh,
        "training_samples": train_report["samples"],
        "test_stress_rel_error": train_report["test_stress_rel_error"],
        "completed": s["completed"],
        "steps_completed": s["steps"],
        "failure": s["failure"],
        "top_force_error_vs_fine_fem_dem": rel_l2(f, refs["fine"][1]),
        "top_force_error_vs_same_mesh_fem_dem": rel_l2(f, refs[mesh][1]),
        "max_uncertainty": s["max_uncertainty"],
        "median_uncertainty_last_step": float(np.median(np.load(folder / "uncertainty.npy")[-1])),
        "uncertainty_exceeded_first_step": s["uncertainty_exceeded_first_step"],
        "solver_wall_s": s["solver_wall_s"],
    }


def _hybrid_summary(hyb_info: list[dict]) -> list[dict]:
    return [
        {k: v for k, v in h.items() if k in ("fine_rows", "coarse_rows")}
        | {
            "fine_band_points": len(h["fine_band_points"]),
            "coarse_points_kept": len(h["coarse_points_kept"]),
        }
        for h in hyb_info
    ]


def epoch_budget(opt: ResampleOptions, size: dict, n_rows: int) -> int:
    """Epochs for a committee on ``n_rows`` rows: ``opt.epochs`` if given, else the size's
    sample budget ``ceil(train_samples / n_rows)`` capped by ``max_epochs`` (the cap alone
    without a sample budget). Deterministic: never a function of time."""
    if opt.epochs is not None:
        return int(opt.epochs)
    budget = size.get("train_samples")
    if budget is None:
        return int(size["max_epochs"])
    return max(1, min(int(size["max_epochs"]), math.ceil(budget / max(int(n_rows), 1))))


def train_options(opt: ResampleOptions, size: dict, n_rows: int) -> TrainOptions:
    """Every committee's training options; only the epoch budget depends on its set."""
    return TrainOptions(
        members=opt.members,
        seed=opt.seed,
        time_limit_s=opt.train_s,
        max_epochs=epoch_budget(opt, size, n_rows),
        patience=size["patience"],
        batch_size=size["batch_size"],
    )


def _committees(out: Path, sets: dict, size: dict, opt, progress: bool):
    """Committees on the coarse, fine and hybrid sets; the coarse one (pre-trained) scores
    the fine pool (seed 000 Sec. 4.1.2) and a committee is trained on coarse + chosen rows.
    Every committee has the same options but its epoch budget (:func:`epoch_budget`).
    Returns (training reports, active model folder, (pool, chosen, scores, scoring wall))."""
    models, reports = {}, {}
    for name in ("coarse", "fine", "hybrid"):
        models[name], reports[name] = _train(
            name,
            sets[name],
            train_options(opt, size, len(sets[name])),
            out / "models" / name,
            progress,
        )
    t_score = time.perf_counter()
    pool = sets["fine"]
    chosen, scores = active_selection(models["coarse"], pool, opt.fraction, opt.score, opt.seed)
    score_wall = time.perf_counter() - t_score
    active_dir = out / "models" / ("active" if opt.score == "std" else f"active-{opt.score}")
    sets["active"] = Rows.concat([sets["coarse"], pool.take(np.sort(chosen))])
    active_opt = train_options(opt, size, len(sets["active"]))
    _, reports["active"] = _train("active", sets["active"], active_opt, active_dir, progress)
    np.save(out / "pool_scores.npy", scores)
    np.save(out / "pool_selected.npy", np.sort(chosen))
    return reports, active_dir, (pool, chosen, scores, score_wall)


def run_resampling(out: Path, options: ResampleOptions | None = None, progress: bool = True):
    """Run the experiment into ``out``; returns the report (also report.json / report.md).

    1. FEM-DEM on both meshes, 2. committees on the coarse, fine, hybrid and active sets
    (the coarse committee scores the fine pool), 3. FEM-ML of the held-out path for
    every case of Table 3, 4. report and figures.
    """
    opt = options or ResampleOptions()
    opt.check()
    size = pick_size(SIZES, opt.size)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    paths = gaussian_process_paths(size["paths"] + 1, size["steps"], seed=2024)
    held_out = size["paths"]
    runs = _fem_dem_runs(out, size, paths, progress)
    timings = {"fem_dem_s": time.perf_counter() - t0}

    t1 = time.perf_counter()
    sets, fine, hyb_info = _training_sets(runs, size, opt.band_fraction)
    train_reports, active_dir, (pool, chosen, scores, score_wall) = _committees(
        out, sets, size, opt, progress
    )
    band_mask = _band_mask(fine, hyb_info)
    selection = _selection_summary(opt, pool, chosen, scores, band_mask, score_wall)
    timings["training_s"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    refs = {lv: out / "fem_dem" / f"{lv}_path{held_out}" for lv in ("coarse", "fine")}
    ref_curves = {lv: run_curve(p) for lv, p in refs.items()}
    cases = {}
    for case, (data, mesh) in CASES.items():
        model_dir = active_dir if data == "active" else out / "models" / data
        cfg = _cfg(size, size[mesh], paths.history(held_out), model_dir)
        cases[case] = _fem_ml_case(
            case, out / "fem_ml" / case, cfg, opt, train_reports[data], ref_curves
        )
        cases[case].update(mesh=size[mesh][0], steps=size["steps"])
    timings["fem_ml_s"] = time.perf_counter() - t2

    report = {
        "version": __version__,
        "size": opt.size,
        "options": asdict(opt),
        "meshes": {
            lv: {"label": m[0], "nx": m[1], "ny": m[2]}
            for lv in ("coarse", "fine")
            for m in [size[lv]]
        },
        "particles_per_rve": size["particles"],
        "steps": size["steps"],
        "axial_strain": size["axial_strain"],
        "training_paths": size["paths"],
        "held_out_path": held_out,
        "cases": cases,
        "coarse_fem_dem_vs_fine_fem_dem": rel_l2(ref_curves["coarse"][1], ref_curves["fine"][1]),
        "training": train_reports,
        "hybrid": _hybrid_summary(hyb_info),
        "active_learning": selection,
        "fem_dem": _fem_dem_cost(runs),
        "timings_s": timings,
    }
    try:
        _figures(out, report, refs, ref_curves, pool, chosen, band_mask)
        report["figures"] = ["top_force.png", "final_shapes.png", "selection.png"]
    except ImportError:  # matplotlib missing: the table is still written
        report["figures"] = []
    report["wall_time_s"] = time.perf_counter() - t0
    (out / "report.json").write_text(json.dumps(report, indent=2))
    (out / "report.md").write_text(markdown(report))
    return report


def _maps(folder: Path, threshold: float) -> None:
    try:
        from mslearn.report.uncertainty_maps import uncertainty_report
    except ImportError:
        return
    if (folder / "uncertainty.npy").is_file():
        uncertainty_report(folder, threshold=threshold)


def summary(report: dict) -> dict:
    """The one-line --json summary."""
    return {
        "cases": {
            k: {
                "top_force_error_vs_fine_fem_dem": v["top_force_error_vs_fine_fem_dem"],
                "training_samples": v["training_samples"],
                "steps_completed": v["steps_completed"],
                "steps": v["steps"],
            }
            for k, v in report["cases"].items()
        },
        "selected_in_band_fraction": report["active_learning"]["selected_in_band_fraction"],
        "coarse_fem_dem_vs_fine_fem_dem": report["coarse_fem_dem_vs_fine_fem_dem"],
        "wall_time_s": report["wall_time_s"],
    }


def markdown(r: dict) -> str:
    """``report.md``: the Table 3 case table, the active-learning selection and training."""
    m = r["meshes"]
    al = r["active_learning"]
    lines = [
        f"# Active-learning resampling, seed 000 Table 3 "
        f"({r['size']} size, mslearn {r['version']})",
        "",
        f"Biaxial test, {r['steps']} steps to {100 * r['axial_strain']:g} % axial strain, "
        f"RVEs of {r['particles_per_rve']} disks; coarse mesh {m['coarse']['label']}, fine mesh "
        f"{m['fine']['label']} (Q4, 4 Gauss points each); {r['training_paths']} Gaussian-process "
        f"confining paths per mesh for training, held-out path {r['held_out_path']} for FEM-ML. "
        "Top-force errors are relative L2 over the steps the FEM-ML run completed. "
        "Training samples: every Newton iteration of the FEM-DEM runs, before the "
        "70/15/15 split. "
        "Every committee: same architecture, options and seed; only the data differ.",
        "",
        "| case | training data | FEM-ML mesh | training samples | test stress error | "
        "steps completed | top-force error vs fine FEM-DEM | vs same-mesh FEM-DEM | "
        "median uncertainty, last step |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for k, c in r["cases"].items():
        lines.append(
            f"| {k} | {c['training_data']} | {c['mesh']} | {c['training_samples']} | "
            f"{100 * c['test_stress_rel_error']:.1f} % | {c['steps_completed']} / {c['steps']} | "
            f"{100 * c['top_force_error_vs_fine_fem_dem']:.1f} % | "
            f"{100 * c['top_force_error_vs_same_mesh_fem_dem']:.1f} % | "
            f"{100 * c['median_uncertainty_last_step']:.1f} % |"
        )
    lines += [
        "",
        f"Coarse FEM-DEM against fine FEM-DEM (mesh effect alone): "
        f"{100 * r['coarse_fem_dem_vs_fine_fem_dem']:.1f} %.",
        "",
        f"Active learning: the committee trained on the coarse data scored {al['pool_samples']} "
        f"fine-mesh samples (score: {al['score']}) in {al['scoring_wall_s']:.2f} s; "
        f"the top {100 * al['fraction']:g} % ({al['selected']}) were added to the coarse data. "
        f"{100 * al['selected_in_band_fraction']:.0f} % of them lie in the shear band "
        f"(band: {100 * r['options']['band_fraction']:g} % of fine Gauss points with the largest "
        f"equivalent shear strain; {100 * al['pool_in_band_fraction']:.0f} % of the pool).",
        "",
        "| training set | samples | epochs | stopped by | test stress error | wall [s] |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for k, t in r["training"].items():
        lines.append(
            f"| {k} | {t['samples']} | {t['epochs']} | {t['stopped_by']} | "
            f"{100 * t['test_stress_rel_error']:.1f} % | {t['wall_time_s']:.0f} |"
        )
    lines += [""]
    for f in r.get("figures", []):
        lines += [f"![{f[:-4]}]({f})", ""]
    lines += [
        "Uncertainty maps of every FEM-ML run: `fem_ml/<case>/uncertainty_maps.png`.",
        "",
        f"Timings: FEM-DEM {r['timings_s']['fem_dem_s']:.0f} s (cached runs count 0), training "
        f"{r['timings_s']['training_s']:.0f} s, FEM-ML {r['timings_s']['fem_ml_s']:.0f} s; "
        f"total {r['wall_time_s']:.0f} s.",
        "",
    ]
    return "\n".join(lines)


def _figures(out: Path, r: dict, refs, ref_curves, pool: Rows, chosen, band_mask) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mslearn.report.fem_plots import auto_scale, draw_field

    # top-force curves, one panel per FEM-ML mesh
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, lv in zip(axes, ("coarse", "fine"), strict=True):
        for rl, style in (("coarse", "k--"), ("fine", "k-")):
            e, f = ref_curves[rl]
            ax.plot(e, f, style, lw=2, label=f"FEM-DEM {r['meshes'][rl]['label']}")
        for case, c in r["cases"].items():
            if c["fem_ml_mesh"] != lv:
                continue
            e, f = run_curve(out / "fem_ml" / case)
            ax.plot(e, f, marker=".", ms=3, label=f"{case}: {c['training_data']} data")
        ax.set_title(f"FEM-ML on the {r['meshes'][lv]['label']} mesh")
        ax.set_xlabel("axial strain [-] (compression +)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("top force [kN/m] (compression +)")
    fig.tight_layout()
    fig.savefig(out / "top_force.png", dpi=120)
    plt.close(fig)

    # final deformed shapes, equivalent shear strain
    from mslearn.fem.measures import deviatoric_strain

    rows = {
        lv: [(f"FEM-DEM {r['meshes'][lv]['label']}", refs[lv])]
        + [
            (f"{k} ({c['training_data']})", out / "fem_ml" / k)
            for k, c in r["cases"].items()
            if c["fem_ml_mesh"] == lv
        ]
        for lv in ("coarse", "fine")
    }
    ncol = max(len(v) for v in rows.values())
    fig, axes = plt.subplots(2, ncol, figsize=(2.6 * ncol, 8), squeeze=False)
    for i, (_lv, panels) in enumerate(rows.items()):
        data = []
        for label, folder in panels:
            step = n_output_steps(folder) - 1
            pts, cells, u, cd = read_fields(folder, step)
            data.append(
                (f"{label}\nstep {step}", pts, cells, u, deviatoric_strain(cd["strain"][0]))
            )
        gmax = max(float(d[4].max()) for d in data)
        scale = auto_scale(data[0][1], data[0][3])
        for j, (label, pts, cells, u, g) in enumerate(data):
            draw_field(axes[i, j], pts, cells, u, g, scale, "shear strain [-]", "magma", 0, gmax)
            axes[i, j].set_title(label, fontsize=8)
        for j in range(len(data), ncol):
            axes[i, j].axis("off")
    fig.suptitle("Final deformed shapes (equivalent shear strain, same scale per row)")
    fig.tight_layout()
    fig.savefig(out / "final_shapes.png", dpi=110)
    plt.close(fig)

    # where the selection comes from: band (hybrid) against active learning (seed 000 Fig. 9-10)
    fine_run0 = pool.a.run == pool.a.run.min()
    ids, xy = point_coords(pool.take(np.flatnonzero(fine_run0)))
    sel = np.zeros(len(pool), bool)
    sel[chosen] = True
    frac = np.array([sel[fine_run0 & (pool.a.point == p)].mean() for p in ids])
    inband = np.array([band_mask[fine_run0 & (pool.a.point == p)].any() for p in ids])
    fig, axes = plt.subplots(1, 2, figsize=(8, 5.5))
    axes[0].scatter(xy[:, 0], xy[:, 1], c=np.where(inband, "C3", "C0"), s=25)
    axes[0].set_title("hybrid: shear band (red) of\nthe fine mesh, training path 0", fontsize=9)
    sc = axes[1].scatter(xy[:, 0], xy[:, 1], c=100 * frac, cmap="inferno", s=25)
    plt.colorbar(sc, ax=axes[1], label="samples selected [%]")
    axes[1].set_title(
        f"active learning: top {100 * r['options']['fraction']:g} %\nby committee std", fontsize=9
    )
    for ax in axes:
        ax.set_aspect("equal")
        ax.set_xlabel("x [m]")
        ax.set_ylabel("y [m]")
    fig.tight_layout()
    fig.savefig(out / "selection.png", dpi=120)
    plt.close(fig)


__all__ = [
    "CASES",
    "SIZES",
    "ResampleOptions",
    "active_selection",
    "epoch_budget",
    "hybrid_rows",
    "run_resampling",
    "train_options",
]
