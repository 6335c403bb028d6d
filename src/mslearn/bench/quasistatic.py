"""How quasi-static the DEM element tests are: friction angles against the inertial number.

The same prepared packings (seeds ``seed .. seed + packings - 1``) are sheared in a
drained biaxial test under three settings:

* ``old``: the former default, time step 0.2 of the critical estimate and 1e-5 strain
  per DEM step;
* ``default``: today's defaults (``PackingOptions.dt_safety`` and the strain per step
  of ``BiaxialOptions``, capped at the inertial number ``max_inertial_number``);
* ``reference``: the default time step and ten times fewer strain per step (a shear
  ten times slower than the default), the held-out "slow" answer.

Per setting: the inertial number I = rate d_mean sqrt(rho / p), DEM steps per unit
strain, the peak, critical (last 20 % of the strain) and post-peak (second half)
friction angles (mean and standard deviation over packings) and their mean paired
difference from the reference with its standard error.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mslearn.core.progress import step_progress
from mslearn.micro.dem.elements import BiaxialOptions, biaxial_test, principal_compression
from mslearn.micro.dem.params import P_DT, ContactParams, critical_time_step
from mslearn.micro.dem.prepare import PackingOptions, prepare_packing

_ANGLES = ("peak_friction_angle_deg", "critical_friction_angle_deg",
           "post_peak_friction_angle_deg")  # fmt: skip


@dataclass(frozen=True)
class QuasiStaticOptions:
    """Disks per packing, packings, axial strain of each test and the first seed."""

    n_particles: int = 500
    packings: int = 6
    axial_strain: float = 0.25
    seed: int = 100


def _settings(dt_default: float, eps_default: float) -> dict[str, tuple[float, float | None]]:
    """name -> (time step as a fraction of critical, strain per DEM step or None)."""
    return {
        "old": (0.2, 1e-5),
        "default": (dt_default, None),
        "reference": (dt_default, 0.1 * eps_default),
    }


def _shear(state, frac: float, eps: float | None, axial: float) -> dict[str, float]:
    """One drained test at time step ``frac`` of critical and ``eps`` strain per step
    (None: the default strain per step with its inertial-number cap)."""
    st = state.copy()
    params = ContactParams()
    st.params[:, P_DT] = frac * critical_time_step(params, st.radius.min(), st.radius.max())
    opts = BiaxialOptions(axial_strain=axial)
    if eps is not None:
        opts = BiaxialOptions(axial_strain=axial, max_strain_per_step=eps, max_inertial_number=1)
    res = biaxial_test(st, opts)
    s = res.summary
    out = {k: s[k] for k in ("peak_friction_angle_deg", "critical_friction_angle_deg",
                             "inertial_number", "dem_steps_per_unit_strain")}  # fmt: skip
    out["post_peak_friction_angle_deg"] = _post_peak(res.records)
    return out


def _post_peak(rec: dict[str, np.ndarray]) -> float:
    """Mean mobilised friction angle [deg] over the second half of the axial strain
    (a wider window than the summary's last 20 %, so less noisy on small RVEs)."""
    s1, s3 = principal_compression(rec["s11"], rec["s22"], rec["s12"])
    phi = np.degrees(np.arcsin(np.clip((s1 - s3) / (s1 + s3), -1, 1)))
    ea = rec["axial_strain"]
    return float(phi[ea >= 0.5 * ea.max()].mean())


def run_benchmark(o: QuasiStaticOptions = QuasiStaticOptions(), progress: bool = True) -> dict:
    """Shear every packing under every setting; the summary dict (see the module)."""
    dt_default = PackingOptions().dt_safety
    eps_default = BiaxialOptions().max_strain_per_step
    settings = _settings(dt_default, eps_default)
    rows: dict[str, list[dict]] = {k: [] for k in settings}
    total = o.packings * len(settings)
    with step_progress("quasi-static shears", total, progress) as update:
        for i in range(o.packings):
            opts = PackingOptions(n_particles=o.n_particles, seed=o.seed + i)
            state = prepare_packing(opts, ContactParams()).state
            for name, (frac, eps) in settings.items():
                rows[name].append(_shear(state, frac, eps, o.axial_strain))
                update(sum(map(len, rows.values())), f"packing {i + 1}, {name}")
    out: dict = {"packings": o.packings, "n_particles": o.n_particles,
                 "axial_strain": o.axial_strain, "settings": {}}  # fmt: skip
    ref = {k: np.array([r[k] for r in rows["reference"]]) for k in rows["reference"][0]}
    for name, (frac, _eps) in settings.items():
        a = {k: np.array([r[k] for r in rows[name]]) for k in rows[name][0]}
        out["settings"][name] = {
            "dt_over_critical": frac,
            "strain_per_dem_step": float(np.mean(1.0 / a["dem_steps_per_unit_strain"])),
            "dem_steps_per_unit_strain": float(a["dem_steps_per_unit_strain"].mean()),
            "inertial_number": float(a["inertial_number"].mean()),
            **{f"{k}_mean": float(a[k].mean()) for k in _ANGLES},
            **{f"{k}_std": float(a[k].std(ddof=1)) if o.packings > 1 else 0.0 for k in _ANGLES},
        }  # fmt: skip
        for k, short in (("peak_friction_angle_deg", "peak"),
                         ("critical_friction_angle_deg", "critical"),
                         ("post_peak_friction_angle_deg", "post_peak")):  # fmt: skip
            diff = a[k] - ref[k]
            se = float(diff.std(ddof=1) / np.sqrt(diff.size)) if diff.size > 1 else 0.0
            out["settings"][name][f"{short}_minus_reference_deg"] = float(diff.mean())
            out["settings"][name][f"{short}_minus_reference_se_deg"] = se
    out["default_inertial_number"] = out["settings"]["default"]["inertial_number"]
    return out
