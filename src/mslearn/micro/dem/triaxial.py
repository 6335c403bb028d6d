"""True-triaxial element tests on one 3D sphere RVE (seed 001 Sec. 3.1, seed 002 Sec. 3.2,
seed 003 Sec. 4.4).

Axis 3 (z) is the axial direction. Records are tension positive (DESIGN.md); the
summary uses compression-positive principal stresses s1 >= s2 >= s3 for the mobilised
friction angle ``sin(phi) = (s1 - s3) / (s1 + s3)``, the intermediate-stress ratio
``b = (s2 - s3) / (s1 - s3)`` and the Lode angle. Paths (``path``):

* ``isotropic``: the three normal stresses raised together from p0 to ``p_final``;
* ``ctc``: conventional triaxial compression, axial strain driven, both lateral
  stresses held at ``confining``;
* ``ptc``: plane-strain compression, axial strain driven, e22 held at zero, s11 held;
* ``te``: triaxial extension, both lateral strains driven in compression, the axial
  stress held (s1 = s2 lateral, b = 1);
* ``constant_p``: axial strain driven, the two lateral stresses servoed so that the mean
  stress stays at p0 and the intermediate-stress ratio at ``b`` (0: compression
  meridian, 1: extension; seed 001's constant-p paths with a chosen Lode angle).

``confining`` other than the packing's p0 first consolidates isotropically to it (the
stress-controlled CTC at 25-1000 kPa of seed 002). ``unload_at`` inserts unload-reload
cycles of ``unload_by`` (cyclic versions). Strain per DEM step is capped at the
inertial number ``max_inertial_number`` (micro/dem/inertial.py), as in 2D.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from mslearn.core.errors import MslearnInputError
from mslearn.micro.dem.inertial import QUASI_STATIC_INERTIAL_NUMBER, rve_strain_cap
from mslearn.micro.dem.sphere3d.homogenise import homogenise
from mslearn.micro.dem.sphere3d.loading import STRAIN, STRESS, LoadOptions, load
from mslearn.micro.dem.sphere3d.state import SphereState

TriaxialPath = Literal["isotropic", "ctc", "ptc", "te", "constant_p"]
PATHS = ("isotropic", "ctc", "ptc", "te", "constant_p")
RECORD_KEYS = (
    "axial_strain", "e11", "e22", "e33", "g23", "g13", "g12",
    "s11", "s22", "s33", "s23", "s13", "s12", "void_ratio", "coordination",
    "sliding_fraction", "unbalanced", "inertial_number", "steps",
)  # fmt: skip


@dataclass(frozen=True)
class TriaxialOptions:
    """A true-triaxial test (see the module docstring for ``path``).

    axial_strain: final compressive axial strain (te: lateral strain); record_every:
    strain between records; confining [Pa, positive]: lateral stress (default: the
    packing's mean stress); p_final [Pa]: end pressure of the isotropic path; b: the
    intermediate-stress ratio of the constant-p path; unload_at / unload_by: cycles;
    max_strain_per_step and max_inertial_number bound the strain per DEM step; relax:
    relax to ``unbalanced_tol`` after each record increment; servo_factor: lateral
    servo strain per step over the axial one."""

    path: TriaxialPath = "ctc"
    axial_strain: float = 0.1
    record_every: float = 1e-3
    confining: float | None = None
    p_final: float = 1e6
    b: float = 0.5
    unload_at: tuple[float, ...] = ()
    unload_by: float = 0.005
    max_strain_per_step: float = 1e-5
    max_inertial_number: float = QUASI_STATIC_INERTIAL_NUMBER
    relax: bool = False
    unbalanced_tol: float = 1e-4
    max_relax_steps: int = 5000
    servo_factor: float = 5.0

    def __post_init__(self) -> None:
        if self.path not in PATHS:
            raise MslearnInputError(f"path = {self.path!r}: expected one of {list(PATHS)}")
        if not (0 < self.axial_strain < 0.6):
            raise MslearnInputError(f"axial_strain = {self.axial_strain}: expected 0 < value < 0.6")
        if not (0 < self.record_every <= self.axial_strain):
            raise MslearnInputError(
                f"record_every = {self.record_every}: expected 0 < value <= axial_strain"
            )
        if self.confining is not None and not self.confining > 0:
            raise MslearnInputError(f"confining = {self.confining}: expected a positive [Pa]")
        if not 0 <= self.b <= 1:
            raise MslearnInputError(f"b = {self.b}: expected 0 <= b <= 1")
        if not 0 < self.max_inertial_number <= 1:
            raise MslearnInputError(
                f"max_inertial_number = {self.max_inertial_number}: expected 0 < value <= 1"
            )
        for u in self.unload_at:
            if not 0 < u < self.axial_strain:
                raise MslearnInputError(f"unload_at entry {u}: expected 0 < value < axial_strain")


@dataclass
class TriaxialResult:
    """Histories (one entry per record) and the summary of a true-triaxial test."""

    records: dict[str, np.ndarray]
    summary: dict[str, float | str] = field(default_factory=dict)


def principal_compression3(stress: np.ndarray) -> np.ndarray:
    """(m, 3) compression-positive principal stresses, descending, of Voigt stress (m, 6)."""
    s = np.asarray(stress, float)
    t = np.empty(s.shape[:-1] + (3, 3))
    for (i, j), k in zip(((0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)), range(6), strict=True):
        t[..., i, j] = t[..., j, i] = -s[..., k]
    return np.linalg.eigvalsh(t)[..., ::-1]


def quasi_static_strain_step(st: SphereState, o: TriaxialOptions, pressure: float) -> float:
    """Strain per DEM step: ``max_strain_per_step`` capped so I <= max_inertial_number at p."""
    if not pressure > 0:
        return o.max_strain_per_step
    return min(o.max_strain_per_step, rve_strain_cap(st, o.max_inertial_number, pressure, 3))


def _record(rec: dict[str, list], st: SphereState, res, steps: int, axial: float) -> None:
    h = homogenise(st)
    e, s = st.strain[0], h.stress[0]
    ex = {} if res is None else res.extras()
    vals = dict(
        axial_strain=axial, e11=e[0], e22=e[1], e33=e[2], g23=e[3], g13=e[4], g12=e[5],
        s11=s[0], s22=s[1], s33=s[2], s23=s[3], s13=s[4], s12=s[5],
        void_ratio=h.void_ratio[0], coordination=h.coordination[0],
        sliding_fraction=h.sliding_fraction[0],
        unbalanced=ex.get("unbalanced_ratio", [np.nan])[0],
        inertial_number=ex.get("inertial_number", [np.nan])[0], steps=steps,
    )  # fmt: skip
    for k in RECORD_KEYS:
        rec[k].append(float(vals[k]))


def _waypoints(o: TriaxialOptions) -> list[float]:
    pts = [0.0]
    for u in sorted(o.unload_at):
        pts += [u, max(u - o.unload_by, 0.0)]
    return pts + [o.axial_strain]


def _constant_p_targets(sig: np.ndarray, p0: float, b: float) -> tuple[float, float]:
    """Lateral stresses (s11, s22) [Pa, tension positive] that keep p = p0 and the
    intermediate-stress ratio b with the current axial compression -s33 as s1."""
    s1 = -sig[2]
    s3 = (3.0 * p0 - s1 * (1.0 + b)) / (2.0 - b)
    s2 = s3 + b * (s1 - s3)
    return -s3, -s2


#: strain between updates of the constant-p lateral stress targets
TARGET_UPDATE_STRAIN = 1e-4


def _increment(st, o: TriaxialOptions, lo: LoadOptions, d: float, sc: float, p0: float):
    """One record increment ``d`` of the driving strain (compression positive);
    returns the last load result and the DEM steps taken."""
    if o.path == "ctc":
        res = load(st, [0, 0, -d, 0, 0, 0], lo, mode=(STRESS, STRESS) + (STRAIN,) * 4,
                   stress_target=[-sc, -sc, 0, 0, 0, 0])  # fmt: skip
    elif o.path == "ptc":
        res = load(st, [0, 0, -d, 0, 0, 0], lo, mode=(STRESS,) + (STRAIN,) * 5,
                   stress_target=[-sc, 0, 0, 0, 0, 0])  # fmt: skip
    elif o.path == "te":
        res = load(st, [-d, -d, 0, 0, 0, 0], lo, mode=(STRAIN, STRAIN, STRESS) + (STRAIN,) * 3,
                   stress_target=[0, 0, -sc, 0, 0, 0])  # fmt: skip
    else:
        return _constant_p_increment(st, o, lo, d, p0)
    return res, int(res.steps_load[0] + res.steps_relax[0])


def _constant_p_increment(st, o: TriaxialOptions, lo: LoadOptions, d: float, p0: float):
    """Axial increment ``d`` in sub-increments of at most TARGET_UPDATE_STRAIN, the lateral
    stress targets re-set before each from the current axial stress (p and b held)."""
    n = max(1, math.ceil(abs(d) / TARGET_UPDATE_STRAIN))
    steps, res = 0, None
    for _ in range(n):
        t11, t22 = _constant_p_targets(homogenise(st).stress[0], p0, o.b)
        res = load(st, [0, 0, -d / n, 0, 0, 0], lo, mode=(STRESS, STRESS) + (STRAIN,) * 4,
                   stress_target=[t11, t22, 0, 0, 0, 0])  # fmt: skip
        steps += int(res.steps_load[0] + res.steps_relax[0])
    return res, steps


def _consolidate(st, lo: LoadOptions, pressure: float):
    """Isotropic stress-controlled consolidation of the RVE to ``pressure`` [Pa]."""
    return load(st, np.zeros(6), lo, mode=(STRESS,) * 3 + (STRAIN,) * 3,
                stress_target=[-pressure] * 3 + [0.0] * 3)  # fmt: skip


def triaxial_test(state: SphereState, options: TriaxialOptions = TriaxialOptions(),
                  progress=None) -> TriaxialResult:  # fmt: skip
    """Run a true-triaxial test on a one-RVE ``state`` (a copy is used).

    progress: optional callable(driven strain) for progress bars."""
    if state.n_rves != 1:
        raise MslearnInputError(f"triaxial_test takes one RVE, got {state.n_rves}")
    o = options
    st = state.copy()
    p0 = float(-homogenise(st).stress[0, :3].mean())
    rec: dict[str, list] = {k: [] for k in RECORD_KEYS}
    steps = 0
    sc = p0 if o.confining is None else o.confining
    if o.path != "isotropic" and abs(sc - p0) > 0.01 * p0:
        eps = quasi_static_strain_step(st, o, min(p0, sc))
        res = _consolidate(st, LoadOptions(max_strain_per_step=eps, relax=True,
                                           servo_max_strain_per_step=o.servo_factor * eps),
                           sc)  # fmt: skip
        steps += int(res.steps_load[0] + res.steps_relax[0])
        p0 = float(-res.stress[0, :3].mean())
    eps = quasi_static_strain_step(st, o, p0)  # at the pressure the shear starts from
    lo = LoadOptions(max_strain_per_step=eps, relax=o.relax, unbalanced_tol=o.unbalanced_tol,
                     max_relax_steps=o.max_relax_steps,
                     servo_max_strain_per_step=o.servo_factor * eps)  # fmt: skip
    _record(rec, st, None, steps, 0.0)
    if o.path == "isotropic":
        _isotropic(st, o, lo, rec, steps, p0, progress)
    else:
        _drive_path(st, o, lo, rec, steps, sc, p0, progress)
    records = {k: np.array(v) for k, v in rec.items()}
    summary = summarise(records, o.path)
    summary.update(strain_per_dem_step=eps, dem_steps_per_unit_strain=1.0 / eps,
                   time_step_s=float(st.dt[0]))  # fmt: skip
    return TriaxialResult(records=records, summary=summary)


def _drive_path(st, o, lo, rec, steps, sc, p0, progress) -> None:
    pts = _waypoints(o)
    ea = 0.0
    for a, b in zip(pts[:-1], pts[1:], strict=True):
        n = max(1, int(round(abs(b - a) / o.record_every)))
        d = (b - a) / n
        for _ in range(n):
            res, taken = _increment(st, o, lo, d, sc, p0)
            steps += taken
            ea += d
            _record(rec, st, res, steps, ea)
            if progress is not None:
                progress(ea)


def _isotropic(st, o, lo, rec, steps, p0, progress) -> None:
    n = max(1, int(round(o.axial_strain / o.record_every)))
    relax = LoadOptions(max_strain_per_step=lo.max_strain_per_step, relax=True,
                        unbalanced_tol=o.unbalanced_tol, max_relax_steps=o.max_relax_steps,
                        servo_max_strain_per_step=lo.servo_max_strain_per_step)  # fmt: skip
    for k, p in enumerate(np.geomspace(p0, o.p_final, n + 1)[1:], start=1):
        res = _consolidate(st, relax, float(p))
        steps += int(res.steps_load[0] + res.steps_relax[0])
        _record(rec, st, res, steps, float(-st.strain[0, 2]))
        if progress is not None:
            progress(o.axial_strain * k / n)


def summarise(rec: dict[str, np.ndarray], path: str) -> dict[str, float | str]:
    """Peak and critical (last 20 % of the driven strain) friction angles, b, Lode angle,
    volumetric strain, e0 and the inertial number of a triaxial record."""
    stress = np.stack([rec[k] for k in ("s11", "s22", "s33", "s23", "s13", "s12")], axis=1)
    ps = principal_compression3(stress)
    s1, s2, s3 = ps[:, 0], ps[:, 1], ps[:, 2]
    phi = np.degrees(np.arcsin(np.clip((s1 - s3) / np.maximum(s1 + s3, 1e-300), -1, 1)))
    ea = rec["axial_strain"]
    env = np.concatenate([[True], ea[1:] > np.maximum.accumulate(ea)[:-1] + 1e-15])
    tail = env & (ea >= 0.8 * ea.max()) if ea.max() > 0 else env
    ev = (1 + rec["e11"]) * (1 + rec["e22"]) * (1 + rec["e33"]) - 1.0  # dilation positive
    with np.errstate(invalid="ignore", divide="ignore"):
        bval = np.where(s1 - s3 > 1e-9 * (s1 + s3), (s2 - s3) / (s1 - s3), np.nan)
    ipk = int(np.argmax(np.where(env, phi, -np.inf)))
    q = s1 - s3
    n = len(ea)
    return dict(
        path=path,
        e0=float(rec["void_ratio"][0]),
        initial_mean_stress_Pa=float(ps[0].mean()),
        peak_friction_angle_deg=float(phi[ipk]),
        axial_strain_at_peak=float(ea[ipk]),
        peak_deviatoric_stress_Pa=float(np.max(q[env])),
        critical_friction_angle_deg=float(np.mean(phi[tail])),
        critical_void_ratio=float(np.mean(rec["void_ratio"][tail])),
        b_value_final=float(bval[-1]) if np.isfinite(bval[-1]) else math.nan,
        lode_angle_final_deg=_lode_deg(ps[-1]),
        volumetric_strain_final=float(ev[-1]),
        min_volumetric_strain=float(ev.min()),
        final_mean_stress_Pa=float(ps[-1].mean()),
        final_axial_strain=float(ea[-1]),
        max_unbalanced_ratio=float(np.nanmax(rec["unbalanced"])) if n > 1 else math.nan,
        inertial_number=float(np.nanmedian(rec["inertial_number"])) if n > 1 else math.nan,
        max_inertial_number=float(np.nanmax(rec["inertial_number"])) if n > 1 else math.nan,
        dem_steps=int(rec["steps"][-1]),
    )


def _lode_deg(p: np.ndarray) -> float:
    """Lode angle [deg] of compression-positive principal stresses (s1 >= s2 >= s3):
    tan(theta) = (2 s2 - s1 - s3) / (sqrt(3) (s1 - s3)); -30 compression, +30 extension."""
    s1, s2, s3 = p
    if s1 - s3 <= 1e-12 * abs(s1 + s3):
        return math.nan
    return float(np.degrees(np.arctan((2 * s2 - s1 - s3) / (math.sqrt(3) * (s1 - s3)))))
