"""`mslearn rve ...`: prepare DEM RVE packings and run element tests."""

from __future__ import annotations

import csv
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

app = typer.Typer(
    help="DEM RVE: packing preparation and element tests.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


class RVEConfig(StrictModel):
    """Packing and contact parameters (SI). Defaults: seed 000 Table 2 (YADE FEMxDEM)."""

    preset: Literal["guan2023", "wang2026", "qu2023_m1", "qu2023_m2"] | None = Field(
        None, description="seed-paper parameter set; explicit fields override it"
    )
    n_particles: int = Field(500, ge=2, le=MAX_PARTICLES)
    r_min: float = Field(0.003, gt=0, le=MAX_RADIUS)
    r_max: float = Field(0.007, gt=0, le=MAX_RADIUS)
    p0: float = Field(1.0e5, gt=0, description="consolidation mean stress [Pa]")
    seed: Seed = 0
    law: Literal["linear", "hertz"] = "linear"
    young: float = Field(6.0e8, gt=0)
    stiffness_ratio: float = Field(0.8, gt=0)
    shear_modulus: float = Field(2.3e8, gt=0)
    poisson: float = Field(0.3, gt=-1, lt=0.5)
    friction: float = Field(0.5, ge=0)
    density: float = Field(2650.0, gt=0)
    thickness: float = Field(0.1, gt=0)
    local_damping: float = Field(0.1, ge=0, lt=1)
    compaction_friction: float = Field(0.0, ge=0)
    rolling_stiffness: float = Field(0.0, ge=0, description="kr = value * kt * R^2; 0: off")
    rolling_friction: float = Field(0.0, ge=0, description="|M| <= value * R * fn")
    unbalanced_tol: float = Field(1e-4, gt=0)


class TestConfig(StrictModel):
    """``[test]``: the biaxial element test (see ``micro.dem.elements.BiaxialOptions``).

    kind: drained (lateral stress held), constant_volume or constant_p (mean
    stress held); strains are dimensionless, compression positive;
    ``unload_at``: axial strains where an unload-reload by ``unload_by`` is inserted.
    """

    kind: Literal["drained", "constant_volume", "constant_p"] = "drained"
    axial_strain: float = Field(0.15, gt=0, lt=0.6)
    record_every: float = Field(1e-3, gt=0)
    max_strain_per_step: float = Field(1e-5, gt=0)
    max_inertial_number: float = Field(1e-3, gt=0, le=1)
    unload_at: list[float] = Field(default_factory=list, max_length=MAX_HISTORY_POINTS)
    unload_by: float = Field(0.005, gt=0)
    relax: bool = False


class BiaxialConfig(StrictModel):
    """A ``mslearn rve`` config file: the ``[rve]`` packing and the ``[test]`` tables."""

    rve: RVEConfig = Field(default_factory=RVEConfig)
    test: TestConfig = Field(default_factory=TestConfig)


def load_config(path: Path | None, smoke: bool) -> BiaxialConfig:
    """Read and validate a TOML config (None: defaults); a ``[rve] preset`` fills the
    fields not given. ``smoke`` caps the size at 100 disks and 3 % axial strain (after
    validating the full size; what it changed is said on stderr)."""
    raw = read_toml(path)
    rve = raw.get("rve")
    if isinstance(rve, dict) and isinstance(rve.get("preset"), str):
        from mslearn.micro.dem.presets import PRESETS

        if rve["preset"] in PRESETS:
            po, cp = PRESETS[rve["preset"]]
            base = {k: getattr(po, k) for k in ("n_particles", "r_min", "r_max")}
            base.update(
                {k: getattr(cp, k) for k in ("young", "stiffness_ratio", "friction", "density")}
            )
            raw = {**raw, "rve": {**base, **rve}}
    try:
        cfg = BiaxialConfig.model_validate(raw)
    except ValidationError as exc:
        raise MslearnInputError(format_validation_error(exc, source=path)) from None
    if smoke:
        before = cfg.model_dump()
        cfg.rve.n_particles = min(cfg.rve.n_particles, 100)
        cfg.test.axial_strain = min(cfg.test.axial_strain, 0.03)
        cfg.test.unload_at = [u for u in cfg.test.unload_at if u < cfg.test.axial_strain]
        announce(changes(before, cfg.model_dump()))
    return cfg


def _params(c: RVEConfig):
    from mslearn.micro.dem.params import ContactParams

    return ContactParams(
        law=c.law, young=c.young, stiffness_ratio=c.stiffness_ratio,
        shear_modulus=c.shear_modulus, poisson=c.poisson, friction=c.friction,
        density=c.density, thickness=c.thickness, local_damping=c.local_damping,
        rolling_stiffness=c.rolling_stiffness, rolling_friction=c.rolling_friction,
    )  # fmt: skip


def _prepare(c: RVEConfig):
    from mslearn.micro.dem.prepare import PackingOptions, prepare_packing

    return prepare_packing(
        PackingOptions(
            n_particles=c.n_particles, r_min=c.r_min, r_max=c.r_max, p0=c.p0, seed=c.seed,
            compaction_friction=c.compaction_friction, unbalanced_tol=c.unbalanced_tol,
        ),
        _params(c),
    )  # fmt: skip


def _plots(rec: dict, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mslearn.micro.dem.elements import principal_compression

    s1, s3 = principal_compression(rec["s11"], rec["s22"], rec["s12"])
    ea = 100 * rec["axial_strain"]
    ev = 100 * ((1 + rec["e11"]) * (1 + rec["e22"]) - 0.25 * rec["g12"] ** 2 - 1)
    fig, ax = plt.subplots(2, 1, figsize=(6, 7), sharex=True)
    ax[0].plot(ea, (s1 - s3) / 1e3)
    ax[0].set_ylabel("q = s1 - s3 [kPa] (compr. +)")
    ax[1].plot(ea, ev)
    ax[1].set_ylabel("volumetric strain [%] (dilation +)")
    ax[1].set_xlabel("axial strain [%] (compression +)")
    fig.tight_layout()
    fig.savefig(out / "stress_strain.png", dpi=120)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(0.5 * (s1 + s3) / 1e3, 0.5 * (s1 - s3) / 1e3)
    ax.set_xlabel("s = (s1 + s3) / 2 [kPa] (compression +)")
    ax.set_ylabel("t = (s1 - s3) / 2 [kPa]")
    fig.tight_layout()
    fig.savefig(out / "stress_path.png", dpi=120)
    plt.close(fig)
    return ["stress_strain.png", "stress_path.png"]


@app.command()
@handle_errors
def biaxial(
    config: Path | None = typer.Argument(
        None, help="TOML config ([rve], [test]); defaults built in"
    ),
    out: Path = OutOption,
    json_out: bool = JsonOption,
    smoke: bool = typer.Option(False, "--smoke", help="tiny size (100 disks, 3 % strain)"),
    overwrite: bool = OverwriteOption,
    debug: bool = DebugOption,
) -> None:
    """Prepare a packing and run a biaxial element test; writes curves.csv,
    plots, summary.json and the packing."""
    from rich.progress import Progress

    from mslearn.micro.dem.elements import BiaxialOptions, biaxial_test

    cfg = load_config(config, smoke)
    t = cfg.test
    opts = BiaxialOptions(
        kind=t.kind, axial_strain=t.axial_strain, record_every=t.record_every,
        max_strain_per_step=t.max_strain_per_step, unload_at=tuple(t.unload_at),
        unload_by=t.unload_by, relax=t.relax, max_inertial_number=t.max_inertial_number,
    )  # fmt: skip
    settings = {"config": cfg.model_dump(mode="json"), "smoke": smoke}
    out = claim_rve_run(out, "rve_biaxial", "rve biaxial", settings, overwrite, config)
    (out / "config.json").write_text(cfg.model_dump_json(indent=2))
    prep = _prepare(cfg.rve)
    prep.state.save(out / "packing.npz")
    with Progress(transient=True, disable=json_out, console=STDERR) as bar:
        task = bar.add_task(f"{t.kind} biaxial", total=t.axial_strain)
        res = biaxial_test(
            prep.state, opts, progress=lambda ea: bar.update(task, completed=abs(ea))
        )
    rec = res.records
    write_curves(rec, out / "curves.csv")
    plots = _plots(rec, out)
    summary = dict(
        res.summary,
        preparation_steps=prep.steps,
        preparation_unbalanced=prep.unbalanced,
        preparation_converged=prep.converged,
        n_particles=cfg.rve.n_particles,
        out=str(out),
        files=["config.json", "packing.npz", "curves.csv", "summary.json", *plots],
    )
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    if json_out:
        print_json(summary)
    else:
        typer.echo(
            f"peak phi {summary['peak_friction_angle_deg']:.1f} deg, critical phi "
            f"{summary['critical_friction_angle_deg']:.1f} deg, max dilatancy "
            f"{summary['max_dilatancy_angle_deg']:.1f} deg, e0 "
            f"{summary['initial_void_ratio']:.3f}; results in {out}"
        )


@app.command()
@handle_errors
def prepare(
    config: Path | None = typer.Argument(None, help="TOML config ([rve] table used)"),
    out: Path = OutOption,
    json_out: bool = JsonOption,
    smoke: bool = typer.Option(False, "--smoke", help="100 disks"),
    overwrite: bool = OverwriteOption,
    debug: bool = DebugOption,
) -> None:
    """Prepare an isotropically consolidated packing and save it (packing.npz)."""
    cfg = load_config(config, smoke)
    settings = {"config": cfg.model_dump(mode="json"), "smoke": smoke}
    out = claim_rve_run(out, "rve_packing", "rve prepare", settings, overwrite, config)
    prep = _prepare(cfg.rve)
    prep.state.save(out / "packing.npz")
    h = prep.homogenised
    summary = dict(
        mean_stress_Pa=float(-h.mean_stress[0]),
        void_ratio=float(h.void_ratio[0]),
        coordination=float(h.coordination[0]),
        unbalanced=prep.unbalanced,
        converged=prep.converged,
        steps=prep.steps,
        stiffness_Pa=np.round(h.stiffness[0], 1).tolist(),
        out=str(out / "packing.npz"),
    )
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    if json_out:
        print_json(summary)
    else:
        typer.echo(f"packing saved to {out / 'packing.npz'}")


def claim_rve_run(out, default: str, command: str, settings: dict, overwrite: bool, config) -> Path:
    """The run folder of an ``rve`` command (``config``: its input file, or None)."""
    from mslearn.core.runfolder import RunSpec, claim

    spec = RunSpec(command, settings, {"config_file": config}, (config,) if config else ())
    return claim(out, default, spec, overwrite=overwrite)


def write_curves(rec: dict, path: Path) -> None:
    """An element test's records (name -> (m,) array) as a CSV table, one row per record."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        keys = list(rec)
        w.writerow(keys)
        for k in range(len(rec[keys[0]])):
            w.writerow([f"{rec[c][k]:.10g}" for c in keys])


def register(root: typer.Typer) -> None:
    """Add the ``rve`` group (biaxial, prepare, triaxial) to ``root``."""
    from mslearn.cli import rve_triaxial

    rve_triaxial.register(app)
    root.add_typer(app, name="rve")
