"""`mslearn rve triaxial`: true-triaxial element tests on a 3D sphere RVE."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import numpy as np
import typer
from pydantic import Field, ValidationError

from mslearn.cli.common import (
    DebugOption,
    JsonOption,
    OutOption,
    OverwriteOption,
    handle_errors,
    print_json,
)
from mslearn.core.errors import MslearnInputError
from mslearn.core.limits import MAX_HISTORY_POINTS, MAX_PARTICLES, MAX_RADIUS, Seed
from mslearn.core.progress import STDERR
from mslearn.core.smoke import announce, changes
from mslearn.core.strictmodel import StrictModel, format_validation_error
from mslearn.core.tomlfile import read_toml

#: smoke size: spheres per RVE and driven strain
SMOKE_SPHERES, SMOKE_STRAIN = 150, 0.02


class SphereRVEConfig(StrictModel):
    """3D packing and contact parameters (SI). Defaults: seed 003 Table 9 (900 spheres,
    diameters 5-9 mm, E = 600 MPa, kt/kn 0.8, friction 0.5, local damping 0.1, 2650 kg/m3,
    100 kPa). ``preset`` fills the fields from a named sphere-RVE set
    (``micro.dem.presets.presets3d()``); fields given explicitly override it."""

    preset: str | None = Field(None, description="sphere-RVE parameter set of a seed paper")
    n_particles: int = Field(900, ge=2, le=MAX_PARTICLES)
    r_min: float = Field(0.0025, gt=0, le=MAX_RADIUS)
    r_max: float = Field(0.0045, gt=0, le=MAX_RADIUS)
    p0: float = Field(1.0e5, gt=0, description="consolidation mean stress [Pa]")
    seed: Seed = 0
    law: Literal["linear", "hertz"] = "linear"
    young: float = Field(6.0e8, gt=0)
    stiffness_ratio: float = Field(0.8, gt=0)
    shear_modulus: float = Field(2.3e8, gt=0)
    poisson: float = Field(0.3, gt=-1, lt=0.5)
    friction: float = Field(0.5, ge=0)
    density: float = Field(2650.0, gt=0)
    local_damping: float = Field(0.1, ge=0, lt=1)
    compaction_friction: float = Field(0.0, ge=0)
    rolling_stiffness: float = Field(0.0, ge=0, description="kr = value * kt * R^2; 0: off")
    rolling_friction: float = Field(0.0, ge=0, description="|M| <= value * R * fn")


class TriaxialTestConfig(StrictModel):
    """``[test]``: see ``micro.dem.triaxial.TriaxialOptions``; strains dimensionless,
    compression positive; stresses [Pa], positive in compression."""

    path: Literal["isotropic", "ctc", "ptc", "te", "constant_p"] = "ctc"
    axial_strain: float = Field(0.1, gt=0, lt=0.6)
    record_every: float = Field(1e-3, gt=0)
    confining: float | None = Field(None, gt=0)
    p_final: float = Field(1e6, gt=0)
    b: float = Field(0.5, ge=0, le=1)
    unload_at: list[float] = Field(default_factory=list, max_length=MAX_HISTORY_POINTS)
    unload_by: float = Field(0.005, gt=0)
    max_strain_per_step: float = Field(1e-5, gt=0)
    max_inertial_number: float = Field(1e-3, gt=0, le=1)
    relax: bool = False


class TriaxialConfig(StrictModel):
    """A ``mslearn rve triaxial`` config file: ``[rve]`` and ``[test]`` tables."""

    rve: SphereRVEConfig = Field(default_factory=SphereRVEConfig)
    test: TriaxialTestConfig = Field(default_factory=TriaxialTestConfig)


def load_config(path: Path | None, smoke: bool, test_path: str | None) -> TriaxialConfig:
    """Read and validate the TOML config (None: defaults); ``--path`` and ``--smoke``
    apply on top (a smoke run announces what it changed)."""
    raw = read_toml(path) if path is not None else {}
    rve = raw.get("rve")
    if isinstance(rve, dict) and isinstance(rve.get("preset"), str):
        raw = {**raw, "rve": {**_preset_fields(rve["preset"]), **rve}}
    try:
        cfg = TriaxialConfig.model_validate(raw)
        if test_path is not None:
            cfg = TriaxialConfig.model_validate(
                {**cfg.model_dump(), "test": {**cfg.test.model_dump(), "path": test_path}}
            )
    except ValidationError as exc:
        raise MslearnInputError(format_validation_error(exc, source=path)) from None
    if cfg.rve.r_max < cfg.rve.r_min:
        raise MslearnInputError(
            f"rve.r_max = {cfg.rve.r_max}: below r_min = {cfg.rve.r_min}; expected r_min <= r_max"
        )
    if smoke:
        before = cfg.model_dump()
        cfg.rve.n_particles = min(cfg.rve.n_particles, SMOKE_SPHERES)
        cfg.test.axial_strain = min(cfg.test.axial_strain, SMOKE_STRAIN)
        cfg.test.record_every = min(cfg.test.record_every, cfg.test.axial_strain / 10)
        cfg.test.unload_at = [u for u in cfg.test.unload_at if u < cfg.test.axial_strain]
        announce(changes(before, cfg.model_dump()))
    return cfg


def _preset_fields(name: str) -> dict:
    """The ``[rve]`` fields of a named sphere-RVE preset (one clear line if unknown)."""
    from mslearn.micro.dem.presets import preset3d

    po, cp = preset3d(name)
    keys = ("n_particles", "r_min", "r_max", "p0", "compaction_friction")
    fields = {k: getattr(po, k) for k in keys}
    for k in ("law", "young", "stiffness_ratio", "shear_modulus", "poisson", "friction",
              "density", "local_damping", "rolling_stiffness", "rolling_friction"):  # fmt: skip
        fields[k] = getattr(cp, k)
    return fields


def contact_params(c: SphereRVEConfig):
    """The ContactParams of an ``[rve]`` table."""
    from mslearn.micro.dem.params import ContactParams

    return ContactParams(
        law=c.law, young=c.young, stiffness_ratio=c.stiffness_ratio,
        shear_modulus=c.shear_modulus, poisson=c.poisson, friction=c.friction,
        density=c.density, local_damping=c.local_damping,
        rolling_stiffness=c.rolling_stiffness, rolling_friction=c.rolling_friction,
    )  # fmt: skip


def prepare(c: SphereRVEConfig):
    """Prepare the 3D packing of an ``[rve]`` table."""
    from mslearn.micro.dem.sphere3d import PackingOptions3D, prepare_packing3d

    opts = PackingOptions3D(n_particles=c.n_particles, r_min=c.r_min, r_max=c.r_max, p0=c.p0,
                            seed=c.seed, compaction_friction=c.compaction_friction)  # fmt: skip
    return prepare_packing3d(opts, contact_params(c))


def _plots(rec: dict, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mslearn.micro.dem.triaxial import principal_compression3

    stress = np.stack([rec[k] for k in ("s11", "s22", "s33", "s23", "s13", "s12")], axis=1)
    ps = principal_compression3(stress)
    p, q = ps.mean(axis=1), ps[:, 0] - ps[:, 2]
    ea = 100 * rec["axial_strain"]
    ev = 100 * ((1 + rec["e11"]) * (1 + rec["e22"]) * (1 + rec["e33"]) - 1)
    fig, ax = plt.subplots(2, 1, figsize=(6, 7), sharex=True)
    ax[0].plot(ea, q / 1e3)
    ax[0].set_ylabel("q = s1 - s3 [kPa] (compr. +)")
    ax[1].plot(ea, ev)
    ax[1].set_ylabel("volumetric strain [%] (dilation +)")
    ax[1].set_xlabel("driven strain [%] (compression +)")
    fig.tight_layout()
    fig.savefig(out / "stress_strain.png", dpi=120)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(p / 1e3, q / 1e3)
    ax.set_xlabel("p [kPa] (compression +)")
    ax.set_ylabel("q = s1 - s3 [kPa]")
    fig.tight_layout()
    fig.savefig(out / "stress_path.png", dpi=120)
    plt.close(fig)
    return ["stress_strain.png", "stress_path.png"]


def _write_sequences(rec: dict, p0: float, cfg: TriaxialConfig, path: Path) -> None:
    """The test as a one-path 3D sequence dataset (strain, stress (1, steps, 6))."""
    from mslearn.data.sequences import SequenceDataset, save

    strain = np.stack([rec[k] for k in ("e11", "e22", "e33", "g23", "g13", "g12")], axis=1)
    stress = np.stack([rec[k] for k in ("s11", "s22", "s33", "s23", "s13", "s12")], axis=1)
    attrs = {"source": "mslearn rve triaxial", "path": cfg.test.path,
             "config": cfg.model_dump(mode="json")}  # fmt: skip
    ds = SequenceDataset(strain[None], stress[None], np.arange(strain.shape[0], dtype=float),
                         np.array([p0]), attrs)  # fmt: skip
    save(ds, path)


def triaxial(
    config: Path | None = typer.Argument(
        None, help="TOML config ([rve], [test]); defaults built in"
    ),
    test_path: str | None = typer.Option(
        None, "--path", help="isotropic, ctc, ptc, te or constant_p (overrides [test] path)"
    ),
    out: Path = OutOption,
    json_out: bool = JsonOption,
    smoke: bool = typer.Option(False, "--smoke", help="tiny size (150 spheres, 2 % strain)"),
    overwrite: bool = OverwriteOption,
    debug: bool = DebugOption,
) -> None:
    """Prepare a 3D sphere packing and run a true-triaxial test (CTC, PTC, TE, constant p
    with a b-value, isotropic; cyclic with unload_at); writes curves.csv, sequences.zarr,
    plots, summary.json and the packing."""
    from rich.progress import Progress

    from mslearn.cli.rve import claim_rve_run, write_curves
    from mslearn.micro.dem.triaxial import TriaxialOptions, triaxial_test

    cfg = load_config(config, smoke, test_path)
    t = cfg.test
    opts = TriaxialOptions(**t.model_dump(exclude={"unload_at"}), unload_at=tuple(t.unload_at))
    settings = {"config": cfg.model_dump(mode="json"), "smoke": smoke}
    out = claim_rve_run(out, f"rve_triaxial_{t.path}", "rve triaxial", settings, overwrite, config)
    (out / "config.json").write_text(cfg.model_dump_json(indent=2))
    prep = prepare(cfg.rve)
    if not prep.converged:
        raise MslearnInputError(
            f"the packing did not reach p0 = {cfg.rve.p0:g} Pa (unbalanced ratio "
            f"{prep.unbalanced:.2e}); raise rve.n_particles or check the contact parameters"
        )
    prep.state.save(out / "packing.npz")
    with Progress(transient=True, disable=json_out, console=STDERR) as bar:
        task = bar.add_task(f"{t.path} triaxial", total=t.axial_strain)
        res = triaxial_test(prep.state, opts, progress=lambda e: bar.update(task, completed=e))
    rec = res.records
    write_curves(rec, out / "curves.csv")
    _write_sequences(rec, cfg.rve.p0, cfg, out / "sequences.zarr")
    plots = _plots(rec, out)
    summary = dict(
        res.summary,
        preparation_steps=prep.steps,
        preparation_unbalanced=prep.unbalanced,
        n_particles=cfg.rve.n_particles,
        out=str(out),
        files=["config.json", "packing.npz", "curves.csv", "sequences.zarr", "summary.json",
               *plots],
    )  # fmt: skip
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    if json_out:
        print_json(summary)
        return
    typer.echo(
        f"{t.path}: peak phi {summary['peak_friction_angle_deg']:.1f} deg, critical phi "
        f"{summary['critical_friction_angle_deg']:.1f} deg, volumetric strain "
        f"{summary['volumetric_strain_final']:+.4f}, e0 {summary['e0']:.3f}, inertial number "
        f"{summary['inertial_number']:.1e}; results in {out}"
    )


def register(app: typer.Typer) -> None:
    """Add ``triaxial`` to the ``rve`` group."""
    app.command("triaxial")(handle_errors(triaxial))
