"""FEM-CSUH against FEM-DEM on the biaxial problem (seed 003 Sec. 4.1, Table 6).

1. A small FEM-DEM biaxial run (coarse 2x4 Q4 mesh, small disk RVEs, constant
   confining pressure) with the dataset recorder on, reused from a cache folder
   when one with the same size exists.
2. Its converged Gauss-point stress-strain histories become a sequence dataset
   (one curve per Gauss point, 2D plane strain, tension positive, starting from
   the isotropic confining state) and the model is calibrated on them
   (80/10/10 split of the curves, Eq. 17-18, Adam).
3. The same biaxial BVP (mesh, steps, solver) runs with the model at the
   initial-guess ("original", seed 003 Table 5) and at the calibrated
   parameters, and the top force is compared against FEM-DEM: overall MAE, peak
   error, post-peak error (kN/m, plane strain per metre), wall time.

Outputs in the run folder: ``dataset.npz`` (Gauss-point curves),
``calibration/`` (params.json, history, plots), ``fem_original/``,
``fem_calibrated/``, ``top_force.png``, ``report.md`` and ``report.json``.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from mslearn.core.errors import MslearnInputError, SolverFailure
from mslearn.data.sequences import SequenceDataset, from_point_dataset, save
from mslearn.experiments.common import rel_l2
from mslearn.report.fem_plots import plot_curves
from mslearn.workflows.results import run_curve


@dataclass(frozen=True)
class CompareSize:
    """FEM-DEM run and calibration size."""

    mesh: str = "coarse"
    particles: int = 80
    steps: int = 40
    axial_strain: float = 0.1
    relax: int = 600
    strain_per_dem_step: float = 1e-5
    tol_residual: float = 1e-2
    confining_pressure: float = 100e3
    epochs: int = 40  # Adam (seed 003's optimiser), then LM
    #: optional wall-clock cap on each calibration stage [s]; None (every size): the
    #: budgets are ``epochs`` and ``lm_iter`` alone, so the results do not depend on the
    #: machine's load (40 Adam epochs and 40 LM iterations took 107 s and 82 s on the
    #: shared machine, well inside the 600 s cap this replaced)
    max_seconds: float | None = None
    lm_iter: int = 40  # Levenberg-Marquardt iterations after Adam (0: Adam only)
    seed: int = 0
    bounds: str = "material"  # "table1" (seed 003) | "material" (from the DEM friction angles)
    mask: str = "curve"  # "curve": per-curve loss mask | "trim": drop whole trailing steps
    phi_peak: float = 30.7  # DEM 2D friction angles [deg] (notes/dem.md, 500-disk biaxial)
    phi_cs: float = 20.2

    def femdem_key(self) -> str:
        """Hash of the fields that define the FEM-DEM run (the cache key)."""
        calib = ("epochs", "max_seconds", "seed", "lm_iter", "bounds", "mask", "phi_peak", "phi_cs")
        d = {k: v for k, v in asdict(self).items() if k not in calib}
        return hashlib.sha1(json.dumps(d, sort_keys=True).encode()).hexdigest()[:12]


SIZES = {
    "full": CompareSize(),
    # 1x2 mesh (8 Gauss points), 40-disk RVEs, 6 steps to 2 % axial strain: seconds
    "smoke": CompareSize(
        mesh="smoke",
        particles=40,
        steps=6,
        axial_strain=0.02,
        relax=200,
        strain_per_dem_step=2e-5,
        tol_residual=2e-2,
        epochs=4,
        lm_iter=2,
    ),
}

_MESHES = {"smoke": {"nx": 1, "ny": 2, "element": "Q4"}}


def run_config(size: CompareSize, material: dict | None = None):
    """The FEM-DEM RunConfig of ``size`` (or the same problem and solver with ``material``)."""
    from mslearn.materials.config import material_config
    from mslearn.workflows.femdem import MESHES, fem_dem_config

    meshes = {**MESHES, **_MESHES}
    if size.mesh not in meshes:
        raise MslearnInputError(f"size.mesh = {size.mesh!r}; expected one of {sorted(meshes)}")
    data = {
        "problem": {
            **meshes[size.mesh],
            "axial_strain": size.axial_strain,
            "confining_pressure": size.confining_pressure,
        },
        "material": {
            "n_particles": size.particles,
            "max_relax_steps": size.relax,
            "max_strain_per_step": size.strain_per_dem_step,
        },
        "solver": {"n_steps": size.steps, "tol_residual": size.tol_residual},
    }
    cfg = fem_dem_config(data)
    if material is not None:
        cfg = cfg.model_copy(deep=True)
        cfg.material = material_config(material)
        cfg.output.dataset = False
    return cfg


def femdem_run(size: CompareSize, cache: Path, progress: bool = False) -> tuple[Path, dict]:
    """Run (or reuse) the FEM-DEM reference; returns (run folder, summary)."""
    from mslearn.workflows.femdem import run_fem_dem

    folder = Path(cache) / f"femdem_{size.femdem_key()}"
    done = folder / "compare_done.json"
    if done.exists():
        return folder, json.loads(done.read_text())
    s = run_fem_dem(run_config(size), folder, progress=progress)
    keep = {
        k: s.get(k)
        for k in ("gauss_points", "steps", "iterations", "samples", "wall_time_s", "completed")
    }
    keep["solver_wall_s"] = s.get("solver_wall_s")
    keep["size"] = asdict(size)
    done.write_text(json.dumps(keep, indent=2))
    return folder, keep


def gauss_point_dataset(zarr_path: Path, initial_pressure: float) -> SequenceDataset:
    """Converged rows of a recorder dataset as one curve per Gauss point (n_gp, steps, nv)."""
    return from_point_dataset(zarr_path, initial_pressure)


BOUND_CHOICES = ("table1", "material")
MASK_CHOICES = ("curve", "trim")


def m_plane_strain(phi_deg: float, lode: str = "exponential") -> float:
    """The CSUH/MCC M (triaxial-compression stress ratio) whose plane-strain critical
    state has the 2D friction angle ``phi_deg`` (sin phi = (s1 - s3)/(s1 + s3) of the
    in-plane stresses, as measured on 2D disk RVEs).

    Plane strain with eps_33 = 0 at a critical state: the stress is stationary, so the
    plastic d eps_33 = 0; the flow is radial in the pi-plane, so s_33 (deviatoric) = 0,
    i.e. sigma_33 = (sigma_11 + sigma_22)/2, Lode angle 0. Then p = (s1 + s3)/2,
    q = sqrt(3)/2 (s1 - s3) and q/p = sqrt(3) sin phi must equal M(theta = 0): M itself
    with no Lode dependence, M_ts(0) (the exponential / two-anchor anchor, Table 2)
    otherwise, solved for M by bisection. (The triaxial M = 6 sin phi/(3 - sin phi)
    would apply to 3D sphere RVEs in triaxial compression, not to 2D disks.)"""
    import torch

    from mslearn.constitutive.lode import smp_ratio

    if not 0.0 < phi_deg < 60.0:
        raise MslearnInputError(f"phi = {phi_deg} deg; expected 0 < phi < 60 (2D friction angle)")
    target = math.sqrt(3.0) * math.sin(math.radians(phi_deg))
    if lode == "none":
        return target

    def m0(m: float) -> float:
        return float(smp_ratio(torch.tensor(m, dtype=torch.float64), 0.0))

    lo, hi = 0.05, 2.9
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if m0(mid) < target else (lo, mid)
    return 0.5 * (lo + hi)


def material_bounds(size: CompareSize, model: str, lode: str) -> dict[str, tuple[float, float]]:
    """Bounds for our 2D disk RVEs in place of seed 003 Table 1 (its footing material).

    M: from the DEM friction angles, [M(phi_cs - 5 deg), M(phi_peak + 5 deg)] with
    :func:`m_plane_strain` (the plane-strain equivalent the adapter sees). CSUH m
    (M_c = M exp(-m xi)): [0.1, 10]; Table 1's [0.5, 2.5] is the footing material's and
    our RVEs dilate far more (Gauss points reach ~10 % volumetric expansion). The
    other parameters keep their Table 1 ranges."""
    if size.bounds == "table1":
        return {}
    if size.bounds != "material":
        raise MslearnInputError(f"bounds = {size.bounds!r}; expected one of {BOUND_CHOICES}")
    if not size.phi_cs < size.phi_peak + 1e-12:
        raise MslearnInputError(
            f"phi_cs = {size.phi_cs} deg > phi_peak = {size.phi_peak} deg; expected phi_cs <= "
            f"phi_peak"
        )
    out = {
        "M": (
            m_plane_strain(max(size.phi_cs - 5.0, 1.0), lode),
            m_plane_strain(min(size.phi_peak + 5.0, 55.0), lode),
        )
    }
    if model == "csuh":
        out["m"] = (0.1, 10.0)
    return out


def data_mask(ds: SequenceDataset, p_min: float = 0.1, sin_max: float = 0.95) -> np.ndarray:
    """(paths, steps) loss mask: a curve is used up to (excluding) its first step where
    the RVE stress is not a granular continuum state: 2D mean stress
    -(s11 + s22)/2 < p_min * p0 (contact network lost) or mobilised 2D friction
    sin phi = t/p > sin_max (tension cut-off). Later steps of that curve are masked too
    (its state after that is not a continuum state); the other curves keep every step."""
    s = ds.stress
    p2 = -(s[..., 0] + s[..., 1]) / 2.0
    t = np.hypot((s[..., 0] - s[..., 1]) / 2.0, s[..., -1] if ds.n_voigt == 3 else 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        bad = (p2 < p_min * ds.initial_pressure[:, None]) | ~(t <= sin_max * p2)
    return np.cumsum(bad, axis=1) == 0


def admissible_mask(model, params: dict, ds: SequenceDataset, opts) -> np.ndarray:
    """(paths, steps): the steps before the first one at which the strain-driven model
    with ``params`` is inadmissible (p <= 0 or not finite), per curve."""
    import torch

    from mslearn.calibration.calibrate import Batch
    from mslearn.constitutive.integrate import integrate_path
    from mslearn.constitutive.invariants import mean_stress

    b = Batch.from_dataset(ds)
    prm = {k: torch.tensor(v, dtype=torch.float64) for k, v in params.items()}
    with torch.no_grad():
        sig = integrate_path(model, prm, b.strain, b.p0, opts.integration(), check=False).stress
        ok = torch.isfinite(sig).all(-1) & (mean_stress(sig) > 0)
    return np.cumsum(~ok.numpy(), axis=1) == 0


def admissible_steps(model, params: dict, ds: SequenceDataset, opts) -> int:
    """Leading steps over which the strain-driven model stays admissible (p > 0, finite)
    at every Gauss point with ``params``."""
    import torch

    from mslearn.calibration.calibrate import Batch
    from mslearn.constitutive.integrate import integrate_path
    from mslearn.constitutive.invariants import mean_stress

    b = Batch.from_dataset(ds)
    prm = {k: torch.tensor(v, dtype=torch.float64) for k, v in params.items()}
    with torch.no_grad():
        sig = integrate_path(model, prm, b.strain, b.p0, opts.integration(), check=False).stress
        ok = (torch.isfinite(sig).all(-1) & (mean_stress(sig) > 0)).all(0)
    if bool(ok.all()):
        return int(ok.numel())
    n = int(torch.argmin(ok.to(torch.int64)))
    if n < 2:
        raise MslearnInputError(
            f"the initial {model.name} parameters give an inadmissible stress (p <= 0) at step "
            f"{n} of the FEM-DEM Gauss-point strain histories; nothing to calibrate on"
        )
    return n


def top_force(folder: Path) -> tuple[np.ndarray, np.ndarray]:
    """(axial strain, top force [kN/m]) compression positive, one entry per converged step."""
    return run_curve(folder)


def force_errors(e: np.ndarray, f: np.ndarray, e_ref: np.ndarray, f_ref: np.ndarray) -> dict:
    """Table 6 measures (kN/m) at the reference's axial strains up to the last one both
    curves reach (the model's force is interpolated in axial strain, so step cuts do not
    misalign the curves): overall MAE, peak error |max f - max f_ref| and post-peak MAE
    over the points after the reference's maximum (None when the reference peaks at its
    last compared point). The peak is the maximum of the reference curve."""
    keep = e_ref <= e.max() + 1e-12
    er, g = e_ref[keep], f_ref[keep]
    fi = np.interp(er, e, f)
    k = int(np.argmax(g))
    post = np.abs(fi[k + 1 :] - g[k + 1 :])
    return {
        "mae": float(np.mean(np.abs(fi - g))),
        "peak_error": float(abs(fi.max() - g.max())),
        "post_peak_error": float(post.mean()) if post.size else None,
        "rel_l2": rel_l2(fi, g),
        "peak_strain_ref": float(er[k]),
        "strain_compared": float(er[-1]),
    }


def _fem_run(size, model: str, lode: str, params: dict, folder: Path, progress: bool) -> dict:
    from mslearn.workflows.bvp import run_bvp

    material = {"type": model, "params": params, "lode": lode}
    cfg = run_config(size, material)
    t0 = time.perf_counter()
    try:
        s = run_bvp(cfg, folder, progress=progress)
        s["failure"] = None
    except SolverFailure as exc:  # outputs up to the last converged step are written
        s = {"completed": False, "failure": str(exc)}
    s["wall_s"] = time.perf_counter() - t0
    return s


def compare(
    out: Path,
    size: CompareSize | None = None,
    cache: Path | None = None,
    model: str = "csuh",
    lode: str = "exponential",
    trainable: tuple[str, ...] | None = None,
    progress: bool = False,
    threads: int = 1,
) -> dict:
    """The whole experiment; returns the report dict (also written as report.json/.md).
    Runs with ``threads`` torch threads (restored afterwards)."""
    import torch

    previous = torch.get_num_threads()
    try:
        return _compare(out, size, cache, model, lode, trainable, progress, threads)
    finally:
        torch.set_num_threads(previous)


def masked_dataset(ds: SequenceDataset, mdl, original: dict, opts, mask_kind: str):
    """The Gauss-point curves the loss uses: whole trailing steps dropped ("trim") or a
    per-curve mask from the first inadmissible step on ("curve")."""
    if mask_kind == "trim":
        n_ok = admissible_steps(mdl, original, ds, opts)
        return ds.steps(n_ok) if n_ok < ds.strain.shape[1] else ds
    if mask_kind != "curve":
        raise MslearnInputError(f"mask = {mask_kind!r}; expected one of {MASK_CHOICES}")
    mask = data_mask(ds) & admissible_mask(mdl, original, ds, opts)
    keep = mask.any(0)  # steps no curve uses are not integrated
    n_ok = int(keep.nonzero()[0].max()) + 1 if keep.any() else 0
    if n_ok < 2:
        raise MslearnInputError(
            "every Gauss-point curve is masked from step 1 on (inadmissible RVE stress "
            "or initial-guess model); nothing to calibrate on"
        )
    return replace(ds.steps(n_ok), mask=mask[:, :n_ok])


def _held_out_loss(mdl, params: dict, ds: SequenceDataset, rows, opts) -> float | None:
    """Eq. 17 stress loss of ``params`` on the curves ``rows`` (None if there are none)."""
    import torch

    from mslearn.calibration.calibrate import Batch, predict

    if not rows.size:
        return None
    b = Batch.from_dataset(ds.subset(rows))
    prm = {k: torch.tensor(v, dtype=torch.float64) for k, v in params.items()}
    with torch.no_grad():
        return float(b.loss(predict(mdl, prm, b, opts.integration())))


def lm_stage(mdl, ds, res, trainable, opts, size: CompareSize, out: Path):
    """Levenberg-Marquardt after Adam on the training curves; (params, summary)."""
    from mslearn.calibration.lm import LMOptions, levenberg_marquardt

    lm = levenberg_marquardt(
        mdl,
        ds.subset(res.split["train"]),
        dict(res.params),
        tuple(trainable),
        opts.integration(),
        LMOptions(
            max_iter=size.lm_iter,
            max_seconds=size.max_seconds,
            bounds=opts.bounds,
            tol_rel_change=1e-5,  # on these data the loss creeps by < 1e-5 after ~20 it.
        ),
    )
    info = {
        "iterations": lm.iterations,
        "train_loss": lm.loss,
        "val_loss": _held_out_loss(mdl, lm.params, ds, res.split["val"], opts),
        "test_loss": _held_out_loss(mdl, lm.params, ds, res.split["test"], opts),
        "wall_s": lm.wall_s,
        "loss_history": lm.history["loss"],
    }
    (out / "calibration" / "params_lm.json").write_text(json.dumps(lm.params, indent=2))
    return lm.params, info


def calibrate_stages(mdl, ds, original, trainable, opts, size, out: Path) -> tuple:
    """Adam (seed 003 Eq. 17-18) then optionally LM; (result, params, calibration summary)."""
    from mslearn.calibration.calibrate import calibrate

    t_cal = time.perf_counter()
    res = calibrate(mdl, ds, original, opts, out / "calibration")
    adam_wall = time.perf_counter() - t_cal
    calibrated, lm_info = dict(res.params), None
    if size.lm_iter > 0:  # second stage on the training curves (the same split)
        calibrated, lm_info = lm_stage(mdl, ds, res, trainable, opts, size, out)
    summary = {
        "trainable": list(trainable),
        "initial_loss": float(res.history["loss_sigma"][0]) if res.epochs_run else None,
        "final_loss": res.final_loss,
        "best_loss": res.best_loss,
        "best_epoch": res.best_epoch,
        "test_loss": res.test_loss,
        "epochs_run": res.epochs_run,
        "epochs_per_s": res.epochs_per_s,
        "status": res.status,
        "adam_wall_s": adam_wall,
        "wall_s": time.perf_counter() - t_cal,
        "lm": lm_info,
        "split": {k: v.tolist() for k, v in res.split.items()},
    }
    return calibrated, summary


def _table(runs: dict, ref: dict, ref_dir: Path, out: Path, model: str) -> tuple[list, list]:
    """(rows of the Table 6 analogue, top-force curves) for FEM-DEM and each FEM run."""
    e_ref, f_ref = top_force(ref_dir)
    curves = [("FEM-DEM", e_ref, f_ref)]
    rows = [
        {
            "method": "FEM-DEM",
            "gauss_points": ref["gauss_points"],
            "steps": ref["steps"],
            "wall_s": ref["wall_time_s"],
            "completed": ref["completed"],
        }
    ]
    for name, s in runs.items():
        e, f = top_force(out / f"fem_{name}")
        curves.append((f"FEM-{model.upper()} {name}", e, f))
        rows.append(
            {
                "method": f"FEM-{model.upper()} {name}",
                "gauss_points": ref["gauss_points"],
                "steps": int(s.get("steps", len(f) - 1)),
                "wall_s": s["wall_s"],
                "completed": bool(s.get("completed")),
                **force_errors(e, f, e_ref, f_ref),
            }
        )
    return rows, curves


def _compare(out, size, cache, model, lode, trainable, progress, threads) -> dict:
    import torch

    from mslearn.calibration.calibrate import CalibrationOptions
    from mslearn.calibration.identifiability import CSUH_IDENTIFIABLE
    from mslearn.constitutive.factory import make_model

    size = size or SIZES["full"]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cache = Path(cache) if cache is not None else out / "cache"
    torch.set_num_threads(threads)
    t_all = time.perf_counter()
    ref_dir, ref = femdem_run(size, cache, progress)
    ds = gauss_point_dataset(ref_dir / "dataset.zarr", size.confining_pressure)
    save(ds, out / "dataset.npz")
    mdl = make_model(model, lode)
    if trainable is None:
        # e0 fixes the void-ratio scale, which stress data cannot (identifiability.py)
        # (MCC starts normally consolidated: N does not enter either)
        trainable = CSUH_IDENTIFIABLE if model == "csuh" else ("kappa", "lam", "nu", "M")
    bounds = material_bounds(size, model, lode)
    opts = CalibrationOptions(
        epochs=size.epochs,
        trainable=tuple(trainable),
        max_seconds=size.max_seconds,
        seed=size.seed,
        threads=threads,
        bounds=bounds or None,
    )
    original = {k: float(v) for k, v in mdl.defaults().items()}
    n_all = ds.strain.shape[1]
    ds = masked_dataset(ds, mdl, original, opts, size.mask)
    calibrated, calibration = calibrate_stages(mdl, ds, original, trainable, opts, size, out)
    runs = {
        "original": _fem_run(size, model, lode, original, out / "fem_original", progress),
        "calibrated": _fem_run(size, model, lode, calibrated, out / "fem_calibrated", progress),
    }
    rows, curves = _table(runs, ref, ref_dir, out, model)
    plot_curves(
        out / "top_force.png",
        curves,
        "axial strain [-] (compression +)",
        "top force [kN/m] (compression +)",
        f"biaxial {size.mesh} mesh: FEM-DEM vs FEM-{model.upper()}",
    )
    report = {
        "model": model,
        "lode": lode,
        "size": asdict(size),
        "femdem_folder": str(ref_dir),
        "gauss_points": ds.n_paths,
        "steps": int(ds.strain.shape[1]),
        "steps_recorded": n_all,
        "bounds": {k: list(v) for k, v in (bounds or {}).items()} or "table1",
        "mask": size.mask,
        "rows_in_loss": int(ds.mask.sum()) if ds.mask is not None else int(ds.strain[..., 0].size),
        "rows_total": int(ds.strain[..., 0].size),
        "calibration": calibration,
        "params_original": original,
        "params_calibrated": calibrated,
        "table": rows,
        "wall_time_s": time.perf_counter() - t_all,
    }
    (out / "report.json").write_text(json.dumps(report, indent=2, default=str))
    (out / "report.md").write_text(markdown(report))
    return report


#: the names the 3D chain imports (kept)
_calibrate_stages = calibrate_stages
_masked_dataset = masked_dataset
_lm_stage = lm_stage


def _f(v, fmt=".2f") -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, fmt)


def markdown(report: dict) -> str:
    """``report.md``: the FEM-DEM vs calibrated-model table, calibration and parameters."""
    c = report["calibration"]
    lines = [
        f"# FEM-DEM vs FEM-{report['model'].upper()} (biaxial, seed 003 Table 6 style)",
        "",
        f"{report['gauss_points']} Gauss points x {report['steps']} steps used for the "
        f"calibration (of {report['steps_recorded']} recorded), "
        f"{report.get('rows_in_loss', '-')} of {report.get('rows_total', '-')} "
        f"Gauss-point steps in the loss (mask `{report.get('mask', 'trim')}`: "
        "'curve' drops a curve from its first step with an inadmissible RVE stress or "
        "initial-guess model stress, 'trim' drops trailing steps of every curve); bounds "
        f"{report.get('bounds', 'table1')}; FEM-DEM run `{report['femdem_folder']}`.",
        "",
        "| method | Gauss points | steps | wall time [s] | overall MAE [kN/m] "
        "| peak error [kN/m] | post-peak error [kN/m] | rel. L2 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in report["table"]:
        lines.append(
            f"| {r['method']} | {r['gauss_points']} | {r['steps']} | {_f(r['wall_s'], '.1f')} "
            f"| {_f(r.get('mae'))} | {_f(r.get('peak_error'))} "
            f"| {_f(r.get('post_peak_error'))} | {_f(r.get('rel_l2'), '.3f')} |"
        )
    lines += [
        "",
        f"Calibration ({', '.join(c['trainable'])}): normalised stress loss "
        f"{_f(c['initial_loss'], '.3e')} at the initial guess -> best (validation) "
        f"{_f(c['best_loss'], '.3e')} at epoch {c['best_epoch']}, test "
        f"{_f(c['test_loss'], '.3e')}; {c['epochs_run']} Adam epochs "
        f"({c['status']}), {c['adam_wall_s']:.0f} s."
        + (
            f" Then Levenberg-Marquardt: {c['lm']['iterations']} iterations, training loss "
            f"{_f(c['lm']['train_loss'], '.3e')}, validation {_f(c['lm']['val_loss'], '.3e')}, "
            f"test {_f(c['lm']['test_loss'], '.3e')} ({c['lm']['wall_s']:.0f} s)."
            if c["lm"]
            else ""
        )
        + " Seed 003 reached 1.49e-3 on its footing data.",
        "",
        "| parameter | original | calibrated |",
        "| --- | --- | --- |",
    ]
    for k, v in report["params_original"].items():
        lines.append(f"| {k} | {v:.4g} | {report['params_calibrated'][k]:.4g} |")
    lines += ["", "![top force](top_force.png)", ""]
    return "\n".join(lines)


def size_with(base: str, **over) -> CompareSize:
    """A named size with fields overridden (None values ignored)."""
    if base not in SIZES:
        raise MslearnInputError(f"size {base!r}; expected one of {sorted(SIZES)}")
    return replace(SIZES[base], **{k: v for k, v in over.items() if v is not None})
