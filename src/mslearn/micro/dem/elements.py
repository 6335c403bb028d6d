"""Element tests on one RVE: biaxial drained,
constant volume, constant mean stress, each with unloading-reloading at given
axial strains, and "follow this strain path".

Axis 2 is the axial direction. Records are tension positive (DESIGN.md);
the summary uses compression-positive principal stresses for friction angles:
``sin(phi) = (s1 - s2) / (s1 + s2)`` and the dilatancy angle
``sin(psi) = d eps_v / d gamma`` with ``eps_v = E11 + E22`` (dilation
positive) and ``gamma = eps_a - eps_r`` (``eps_a = -E22``, ``eps_r = -E11``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from mslearn.core.errors import MslearnInputError
from mslearn.micro.dem.disk2d.homogenise import homogenise
from mslearn.micro.dem.disk2d.loading import MEAN_STRESS, STRAIN, STRESS, LoadOptions, load
from mslearn.micro.dem.disk2d.state import DEMState
from mslearn.micro.dem.inertial import QUASI_STATIC_INERTIAL_NUMBER, rve_strain_cap

TestKind = Literal["drained", "constant_volume", "constant_p"]
RECORD_KEYS = (
    "axial_strain", "e11", "e22", "g12", "s11", "s22", "s12", "void_ratio", "coordination",
    "sliding_fraction", "unbalanced", "kinetic_energy", "inertial_number", "steps",
)  # fmt: skip


@dataclass(frozen=True)
class BiaxialOptions:
    """kind: drained (lateral stress held at ``confining``), constant_volume
    (E11 = -E22), constant_p (mean stress held). axial_strain: final
    compressive axial strain; record_every: axial strain between records;
    unload_at: axial strains where an unloading of ``unload_by`` and reloading
    is inserted; confining [Pa, positive]: default the current lateral stress.
    max_inertial_number: the strain per DEM step is the smaller of
    ``max_strain_per_step`` and the one that shears at this inertial number at
    the initial mean stress (quasi-static below 1e-3; micro/dem/inertial.py)."""

    kind: TestKind = "drained"
    axial_strain: float = 0.15
    record_every: float = 1e-3
    max_strain_per_step: float = 1e-5
    unload_at: tuple[float, ...] = ()
    unload_by: float = 0.005
    confining: float | None = None
    relax: bool = False
    unbalanced_tol: float = 1e-4
    max_relax_steps: int = 5000
    servo_factor: float = 5.0
    max_inertial_number: float = QUASI_STATIC_INERTIAL_NUMBER

    def __post_init__(self) -> None:
        if not (0 < self.max_inertial_number <= 1.0):
            raise MslearnInputError(
                f"max_inertial_number = {self.max_inertial_number}: expected 0 < value <= 1"
            )
        if self.kind not in ("drained", "constant_volume", "constant_p"):
            raise MslearnInputError(
                f"kind = {self.kind!r}: expected 'drained', 'constant_volume' or 'constant_p'"
            )
        if not (0 < self.axial_strain < 0.6):
            raise MslearnInputError(f"axial_strain = {self.axial_strain}: expected 0 < value < 0.6")
        if not (0 < self.record_every <= self.axial_strain):
            raise MslearnInputError(
                f"record_every = {self.record_every}: expected 0 < value <= axial_strain"
            )
        for u in self.unload_at:
            if not (0 < u < self.axial_strain):
                raise MslearnInputError(f"unload_at entry {u}: expected 0 < value < axial_strain")


@dataclass
class ElementTestResult:
    """Histories of a DEM element test: strain, stress [Pa] and diagnostics per record."""

    records: dict[str, np.ndarray]
    summary: dict[str, float] = field(default_factory=dict)


def _waypoints(o: BiaxialOptions) -> list[float]:
    pts = [0.0]
    for u in sorted(o.unload_at):
        pts += [u, max(u - o.unload_by, 0.0)]
    pts.append(o.axial_strain)
    return pts


def _record(rec: dict[str, list], st: DEMState, res, steps: int) -> None:
    h = homogenise(st)
    e = st.strain[0]
    s = h.stress[0]
    vals = dict(
        axial_strain=-e[1], e11=e[0], e22=e[1], g12=e[2], s11=s[0], s22=s[1], s12=s[2],
        void_ratio=h.void_ratio[0], coordination=h.coordination[0],
        sliding_fraction=h.sliding_fraction[0],
        unbalanced=np.nan if res is None else res.unbalanced[0],
        kinetic_energy=0.0 if res is None else res.kinetic_energy[0],
        inertial_number=np.nan if res is None else res.inertial_number[0], steps=steps,
    )  # fmt: skip
    for k in RECORD_KEYS:
        rec[k].append(float(vals[k]))


def biaxial_test(state: DEMState, options: BiaxialOptions = BiaxialOptions(), progress=None):
    """Run an element test on a one-RVE ``state`` (a copy is used).

    progress: optional callable(axial_strain) for progress bars."""
    if state.n_rves != 1:
        raise MslearnInputError(f"biaxial_test takes one RVE, got {state.n_rves}")
    o = options
    st = state.copy()
    h0 = homogenise(st)
    s0 = h0.stress[0]
    sc = -s0[0] if o.confining is None else o.confining
    p0 = -0.5 * (s0[0] + s0[1])
    eps = quasi_static_strain_step(st, o.max_strain_per_step, o.max_inertial_number, p0)
    lo = LoadOptions(
        max_strain_per_step=eps,
        relax=o.relax,
        unbalanced_tol=o.unbalanced_tol,
        max_relax_steps=o.max_relax_steps,
        servo_max_strain_per_step=o.servo_factor * eps,
    )
    rec: dict[str, list] = {k: [] for k in RECORD_KEYS}
    _record(rec, st, None, 0)
    steps = 0
    pts = _waypoints(o)
    ea = 0.0
    for a, b in zip(pts[:-1], pts[1:], strict=True):
        n = max(1, int(round(abs(b - a) / o.record_every)))
        dea = (b - a) / n
        for _ in range(n):
            if o.kind == "drained":
                res = load(st, [0.0, -dea, 0.0], lo, mode=(STRESS, STRAIN, STRAIN),
                           stress_target=[-sc, 0.0, 0.0])  # fmt: skip
            elif o.kind == "constant_volume":
                res = load(st, [dea, -dea, 0.0], lo)
            else:
                res = load(st, [0.0, -dea, 0.0], lo, mode=(MEAN_STRESS, STRAIN, STRAIN),
                           stress_target=[-p0, 0.0, 0.0])  # fmt: skip
            steps += int(res.steps_load[0] + res.steps_relax[0])
            ea += dea
            _record(rec, st, res, steps)
            if progress is not None:
                progress(ea)
    records = {k: np.array(v) for k, v in rec.items()}
    summary = summarise(records, o.kind)
    summary.update(strain_per_dem_step=eps, dem_steps_per_unit_strain=1.0 / eps,
                   time_step_s=float(st.dt[0]))  # fmt: skip
    return ElementTestResult(records=records, summary=summary)


def quasi_static_strain_step(
    state: DEMState, max_strain_per_step: float, max_inertial: float, pressure: float
) -> float:
    """The strain per DEM step [-]: ``max_strain_per_step`` or less, so that the shear of
    the first RVE of ``state`` at ``pressure`` [Pa] has an inertial number <= ``max_inertial``."""
    if not pressure > 0:
        return max_strain_per_step
    return min(max_strain_per_step, rve_strain_cap(state, max_inertial, pressure, 2))


def principal_compression(s11, s22, s12):
    """Compression-positive principal stresses (major, minor)."""
    c = -0.5 * (s11 + s22)
    r = np.sqrt(0.25 * (s11 - s22) ** 2 + s12**2)
    return c + r, c - r


def summarise(rec: dict[str, np.ndarray], kind: str) -> dict[str, float]:
    """Peak and critical-state mobilised friction angles, dilatancy, e0."""
    s1, s3 = principal_compression(rec["s11"], rec["s22"], rec["s12"])
    sinphi = np.clip((s1 - s3) / np.maximum(s1 + s3, 1e-300), -1, 1)
    phi = np.degrees(np.arcsin(sinphi))
    ea = rec["axial_strain"]
    # monotonic envelope: records where the axial strain reaches a new maximum
    env = np.concatenate([[True], ea[1:] > np.maximum.accumulate(ea)[:-1] + 1e-15])
    ea_max = ea.max()
    tail = env & (ea >= 0.8 * ea_max)
    ev = (1 + rec["e11"]) * (1 + rec["e22"]) - 0.25 * rec["g12"] ** 2 - 1.0  # area change
    er = -rec["e11"]
    idx = np.flatnonzero(env)
    sinpsi = np.full(len(idx), np.nan)
    w = 3
    for k in range(w, len(idx)):
        a, b = idx[k - w], idx[k]
        dg = (ea[b] - er[b]) - (ea[a] - er[a])
        if dg > 0:
            sinpsi[k] = (ev[b] - ev[a]) / dg
    q = s1 - s3
    ipk = int(np.argmax(np.where(env, phi, -np.inf)))
    out = dict(
        kind=kind,
        initial_void_ratio=float(rec["void_ratio"][0]),
        initial_mean_stress_Pa=float(0.5 * (s1[0] + s3[0])),
        peak_friction_angle_deg=float(phi[ipk]),
        axial_strain_at_peak=float(ea[ipk]),
        peak_deviatoric_stress_Pa=float(np.max(q[env])),
        critical_friction_angle_deg=float(np.mean(phi[tail])),
        critical_void_ratio=float(np.mean(rec["void_ratio"][tail])),
        max_dilatancy_angle_deg=float(np.degrees(np.arcsin(np.clip(np.nanmax(sinpsi), -1, 1))))
        if np.any(np.isfinite(sinpsi))
        else math.nan,
        final_volumetric_strain=float(ev[-1]),
        min_volumetric_strain=float(ev.min()),
        max_lateral_stress_error=float(np.max(np.abs(rec["s11"] / rec["s11"][0] - 1)))
        if kind == "drained"
        else math.nan,
        final_axial_strain=float(ea[-1]),
        max_unbalanced_ratio=float(np.nanmax(rec["unbalanced"])) if len(ea) > 1 else math.nan,
        inertial_number=float(np.nanmedian(rec["inertial_number"])) if len(ea) > 1 else math.nan,
        max_inertial_number=float(np.nanmax(rec["inertial_number"])) if len(ea) > 1 else math.nan,
        dem_steps=int(rec["steps"][-1]),
    )
    return out


def follow_strain_path(
    state: DEMState, increments: np.ndarray, options: LoadOptions = LoadOptions()
) -> ElementTestResult:
    """Apply a sequence of strain increments (m, 3) to every RVE of ``state``
    (in place); records (m + 1, R, ...) of strain, stress, unbalanced ratio."""
    inc = np.asarray(increments, dtype=float)
    if inc.ndim != 2 or inc.shape[1] != 3:
        raise MslearnInputError(f"increments shape {inc.shape}: expected (m, 3)")
    h = homogenise(state)
    strain = [state.strain.copy()]
    stress = [h.stress]
    unb = [np.full(state.n_rves, np.nan)]
    for d in inc:
        r = load(state, d, options)
        strain.append(r.strain)
        stress.append(r.stress)
        unb.append(r.unbalanced)
    return ElementTestResult(
        records=dict(strain=np.array(strain), stress=np.array(stress), unbalanced=np.array(unb))
    )
