"""Verification cases of the explicit central-difference solver.

* wave speeds: a smooth displacement pulse (a cosine ramp to U, then held) enters one end of
  an undamped laterally confined bar; the time at which the displacement at a probe first
  exceeds U / 2 is ``x / c + t_ramp / 2``, so two probes give the front speed c without the
  start-up offset: 1D bar (nu = 0: c = sqrt(E / rho)), plane-strain P-wave
  (nu = 0.3: c = sqrt((lambda + 2 mu) / rho)) on Q4 and on T6 (HRZ-lumped quadratic
  triangles), and the same on a HEX8 column in 3D;
* bar impact: a bar moving at v0 towards a fixed end; the wall stress is rho c v0 until the
  wave reflected at the free end returns (t < 2 L / c);
* Drucker-Prager strip footing loaded slowly with damping against the implicit
  :class:`StaticSolver` on the same mesh;
* the energy balance of every run above, and the time-step stability limit (h / c on a
  uniform bar; refused above the critical step; diverges there when allowed, bounded
  below it).

Each case returns a :class:`~mslearn.verification.cases.Case`; runs are cached per size, so
that the energy-balance case reuses them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from mslearn.core.errors import MslearnInputError, SolverFailure
from mslearn.fem.discretisation import Discretisation
from mslearn.fem.loading import BoundaryConditions, Dirichlet, TimeFunction
from mslearn.fem.mass import element_masses
from mslearn.fem.meshes import rectangle
from mslearn.fem.meshes3d import box_mesh
from mslearn.fem.solvers.explicit import ExplicitOptions, ExplicitSolver, critical_time_step
from mslearn.fem.solvers.implicit import NewtonOptions, StaticSolver
from mslearn.materials import DruckerPrager, LinearElastic
from mslearn.problems.strip_footing import StripFootingConfig
from mslearn.verification.cases import Case, _case

#: elastic constants and density of the wave cases (c = 158 m/s for nu = 0)
E, RHO = 50e6, 2000.0


# ----------------------------------------------------------------- measurements
def crossing_time(times: np.ndarray, signal: np.ndarray, level: float) -> float:
    """First time [s] at which ``signal`` (n,) sampled at increasing ``times`` (n,) reaches
    ``level`` (from below for level > 0, from above for level < 0), linearly interpolated
    between samples. ValueError if it never does."""
    t, s = np.asarray(times, float), np.asarray(signal, float)
    if level < 0:
        s, level = -s, -level
    hit = np.flatnonzero(s >= level)
    if hit.size == 0:
        raise ValueError(f"the signal never reaches {level:.6g} (max {s.max():.6g})")
    k = int(hit[0])
    if k == 0:
        return float(t[0])
    frac = (level - s[k - 1]) / (s[k] - s[k - 1])
    return float(t[k - 1] + frac * (t[k] - t[k - 1]))


def front_speed(probes: Sequence[float], arrivals: Sequence[float]) -> float:
    """Front speed [m/s]: least-squares slope of probe position (m,) [m] against arrival
    time (m,) [s] (two probes: (x2 - x1) / (t2 - t1)); a constant start-up offset cancels."""
    slope = np.polyfit(np.asarray(arrivals, float), np.asarray(probes, float), 1)[0]
    return float(slope)


def plateau_mean(times: np.ndarray, signal: np.ndarray, t0: float, t1: float) -> float:
    """Time average of ``signal`` over [t0, t1] (trapezoid on the samples inside, with the
    end values interpolated)."""
    t, s = np.asarray(times, float), np.asarray(signal, float)
    if not t[0] <= t0 < t1 <= t[-1]:
        raise ValueError(f"window [{t0:.6g}, {t1:.6g}] is not inside [{t[0]:.6g}, {t[-1]:.6g}]")
    inside = (t > t0) & (t < t1)
    tt = np.concatenate([[t0], t[inside], [t1]])
    ss = np.concatenate([[np.interp(t0, t, s)], s[inside], [np.interp(t1, t, s)]])
    return float(np.sum(0.5 * (ss[1:] + ss[:-1]) * np.diff(tt)) / (t1 - t0))


def smooth_ramp(t_ramp: float, n: int = 17) -> TimeFunction:
    """Table time function 0.5 (1 - cos(pi t / t_ramp)) on pseudo-time [0, t_ramp], 1 after."""
    s = np.linspace(0.0, 1.0, n)
    values = 0.5 * (1.0 - np.cos(np.pi * s))
    times = s * t_ramp
    if t_ramp < 1.0:
        times, values = np.append(times, 1.0), np.append(values, 1.0)
    return TimeFunction("table", tuple(float(v) for v in times), tuple(float(v) for v in values))


def p_wave_speed(young: float, poisson: float, density: float) -> float:
    """sqrt((lambda + 2 mu) / rho) [m/s] (plane strain and 3D alike)."""
    m = young * (1 - poisson) / ((1 + poisson) * (1 - 2 * poisson))
    return float(np.sqrt(m / density))


def energy_error(rows: Sequence[dict], kinetic0: float = 0.0) -> tuple[float, float]:
    """(final, worst) relative energy balance error over output steps,
    |W_ext + K_0 - W_int - K - W_diss| / max(W_ext, K_0) (the energy put in: external work
    and the initial kinetic energy; the scale is the largest over the run), from the steps'
    ``extras``. While power flows in, ``worst`` also holds the solver's O(dt) offset of K
    taken at the half step (about dt / 2 dK/dt); ``final`` is free of it once the input
    stops."""
    scale = max([1e-300, kinetic0] + [abs(r["external_work"]) for r in rows])
    errs = [
        abs(
            r["external_work"]
            + kinetic0
            - r["internal_energy"]
            - r["kinetic_energy"]
            - r["dissipated_energy"]
        )
        / scale
        for r in rows
    ]
    return float(errs[-1]), float(max(errs))


# ----------------------------------------------------------------- runs
@dataclass
class Record:
    """What an observer kept of every output step: physical times (n,) [s], the
    displacement of the probe dofs (n, m) [m], reactions (n,) [N] of one boundary along one
    axis, and the steps' extras."""

    probe_dofs: np.ndarray
    boundary: str | None = None
    axis: int = 0
    times: list[float] = field(default_factory=list)
    probes: list[np.ndarray] = field(default_factory=list)
    reactions: list[float] = field(default_factory=list)
    extras: list[dict] = field(default_factory=list)

    def __call__(self, state) -> None:
        self.times.append(float(state.extras["physical_time"]))
        self.probes.append(state.u[self.probe_dofs].copy())
        if self.boundary is not None:
            self.reactions.append(float(state.forces[self.boundary][self.axis]))
        self.extras.append(dict(state.extras))


@dataclass
class Run:
    """A finished explicit run: the measured value, its reference, the energy balance
    error at the end and the worst over output steps (:func:`energy_error`), a description."""

    value: float
    reference: float
    energy_error: float
    energy_error_worst: float
    detail: str


def bar_discretisation(
    length: float, n_el: int, rows: int = 1, dim: int = 2, element: str = "Q4"
) -> Discretisation:
    """Bar [0, length] along x of n_el x rows squares: Q4, or two T3 / T6 each (2D), or
    HEX8 (3D: rows x rows)."""
    h = length / n_el
    if dim == 2:
        family = "quad" if element.startswith("Q") else "tri"
        return Discretisation(rectangle(length, rows * h, n_el, rows, family), element)
    return Discretisation(box_mesh(length, rows * h, rows * h, n_el, rows, rows, "hex"), "HEX8")


def confined(dim: int) -> list[Dirichlet]:
    """Rollers on the lateral faces: uniaxial strain along x."""
    if dim == 2:
        return [Dirichlet(1, 0.0, boundary=b) for b in ("bottom", "top")]
    return [Dirichlet(1, 0.0, boundary=b) for b in ("front", "back")] + [
        Dirichlet(2, 0.0, boundary=b) for b in ("bottom", "top")
    ]


def node_dofs(disc: Discretisation, xs: Sequence[float]) -> np.ndarray:
    """x dofs (m,) of one node at each abscissa x on the bar axis' lower edge."""
    origin = (0.0,) * (disc.dim - 1)
    return np.array([disc.point_dofs((x, *origin), 0)[0] for x in xs])


def _material(disc: Discretisation, poisson: float):
    return LinearElastic(E, poisson, disc.n_gp, dim=disc.dim)


def wave_run(n_el: int, poisson: float, rows: int, dim: int = 2, element: str = "Q4") -> Run:
    """Front speed of a smooth pulse in a confined undamped bar of length 1 m (module doc).

    The ramp lasts 0.25 L / c (long enough for a central-difference energy error
    ~ (omega dt)^2 / 8 well below 1 %); probes at 0.3 L and 0.6 L; the run ends at 0.9 L / c,
    before the wave reflected at the free end reaches the second probe. Output steps about every 3
    critical steps; arrival at U / 2 interpolated between them."""
    length, amp = 1.0, 1e-4
    c = p_wave_speed(E, poisson, RHO)
    disc = bar_discretisation(length, n_el, rows, dim, element)
    duration = 0.9 * length / c
    t_ramp = 0.25 * length / c
    drive = Dirichlet(0, amp, boundary="left", time_function=smooth_ramp(t_ramp / duration))
    bcs = BoundaryConditions([drive, *confined(dim)], observed=["left"])
    probes = (0.3 * length, 0.6 * length)
    rec = Record(node_dofs(disc, probes))
    n_out = max(20, int(n_el * 0.9 / 3))
    opts = ExplicitOptions(
        n_steps=n_out, density=RHO, duration=duration, local_damping=0.0, mass_damping=0.0
    )
    solver = ExplicitSolver(disc, _material(disc, poisson), bcs, opts)
    solver.run([rec])
    t, u = np.array(rec.times), np.array(rec.probes)
    arrivals = [crossing_time(t, u[:, i], 0.5 * amp) for i in range(len(probes))]
    speed = front_speed(probes, arrivals)
    err, worst_e = energy_error(rec.extras)
    detail = (
        f"{disc.n_el} {disc.etype.name}, nu = {poisson}, arrivals {arrivals[0]:.5e} / "
        f"{arrivals[1]:.5e} s at x = {probes[0]} / {probes[1]} m, {n_out} output steps, "
        f"{solver.summary()['explicit_steps']} explicit steps, energy error {err:.2e} "
        f"(worst step {worst_e:.2e})"
    )
    return Run(speed, c, err, worst_e, detail)


def impact_run(n_el: int, v0: float = 1.0) -> Run:
    """Wall stress of a bar (1 m, nu = 0, confined) moving at v0 [m/s] onto its fixed left
    end: the reaction / height averaged over t in [0.25, 1.75] L / c against rho c v0."""
    length = 1.0
    c = p_wave_speed(E, 0.0, RHO)
    disc = bar_discretisation(length, n_el)
    height = length / n_el
    bcs = BoundaryConditions([Dirichlet(0, 0.0, boundary="left"), *confined(2)], observed=["left"])
    rec = Record(node_dofs(disc, (0.0,)), boundary="left", axis=0)
    duration = 1.9 * length / c
    opts = ExplicitOptions(
        n_steps=max(40, n_el // 2),
        density=RHO,
        duration=duration,
        local_damping=0.0,
        mass_damping=0.0,
    )
    solver = ExplicitSolver(disc, _material(disc, 0.0), bcs, opts)
    v = np.zeros(disc.n_dof)
    x_dofs = np.flatnonzero(disc.dof_component == 0)
    v[x_dofs] = -v0
    v[solver.bcs.fixed_dofs] = 0.0
    solver.velocity = v
    kinetic0 = 0.5 * float(np.sum(solver.mass * v * v))
    solver.run([rec])
    t = np.array(rec.times)
    stress = np.abs(np.array(rec.reactions)) / height
    mean = plateau_mean(t, stress, 0.25 * length / c, 1.75 * length / c)
    err, worst_e = energy_error(rec.extras, kinetic0)
    detail = (
        f"{n_el} Q4, v0 = {v0} m/s, plateau [0.25, 1.75] L/c, "
        f"min/max {stress[t > 0.25 * length / c].min():.4e}/{stress.max():.4e} Pa, "
        f"energy error {err:.2e} (worst step {worst_e:.2e}; of K0 = {kinetic0:.4e} J)"
    )
    return Run(mean, RHO * c * v0, err, worst_e, detail)


#: strip footing sizes (smoke, full): mesh, output steps, transit times
FOOTING = {
    True: {"h_edge": 0.3, "h_far": 1.0, "n_steps": 20, "transit_times": 40.0},
    False: {"h_edge": 0.1, "h_far": 0.5, "n_steps": 20, "transit_times": 60.0},
}
#: Cundall local damping of the footing run (the solver's default)
FOOTING_DAMPING = 0.3
FOOTING_SETTLEMENT = 0.12


def _footing_material(n_points: int) -> DruckerPrager:
    """Drucker-Prager matched to Mohr-Coulomb: E 20 MPa, nu 0.3, c 5 kPa, phi 30 deg,
    psi 10 deg, no hardening, consolidated at p0 = 100 kPa. (psi = 0 with this settlement
    nears collapse: the implicit reference then depends on its step size, and Newton fails
    with 80 steps.)"""
    return DruckerPrager.mohr_coulomb_plane_strain(
        20e6,
        0.3,
        5e3,
        np.radians(30.0),
        n_points,
        dilatancy_angle=np.radians(10.0),
        initial_pressure=100e3,
    )


def footing_run(smoke: bool, transit_times: float | None = None) -> Run:
    """Drucker-Prager rough strip footing (4 x 2 m half domain, b = 0.3 m, surcharge
    100 kPa, T3), settlement 0.12 m (s / B = 0.2: the secant stiffness falls to 0.67
    (smoke) or 0.51 of the initial one), explicit with local damping 0.3 over 40 (smoke) or 60
    transit times against the implicit solver on the same mesh and output steps. Value:
    ||F_ex - F_im||_2 / ||F_im||_2 of the footing force increments F - F(0) over output
    steps 2 to n (the first step holds the start-up transient). ``transit_times``
    overrides the size's (a fast, dynamic loading for tests)."""
    size = dict(FOOTING[smoke])
    if transit_times is not None:
        size["transit_times"] = transit_times
    cfg = StripFootingConfig(
        element="T3", h_edge=size["h_edge"], h_far=size["h_far"], settlement=FOOTING_SETTLEMENT
    )
    problem = cfg.build()
    disc, bcs = problem.disc, problem.bcs
    implicit = StaticSolver(
        disc, _footing_material(disc.n_gp), bcs, NewtonOptions(n_steps=size["n_steps"])
    ).run()
    f_im = np.array([r["footing_Fy"] for r in implicit.history])
    opts = ExplicitOptions(
        n_steps=size["n_steps"],
        density=RHO,
        transit_times=size["transit_times"],
        local_damping=FOOTING_DAMPING,
    )
    explicit = ExplicitSolver(disc, _footing_material(disc.n_gp), bcs, opts)
    result = explicit.run()
    f_ex = np.array([r["footing_Fy"] for r in result.history])
    d_im, d_ex = (f_im - f_im[0])[2:], (f_ex - f_ex[0])[2:]
    secant = (f_im[-1] - f_im[0]) / (size["n_steps"] * (f_im[1] - f_im[0]))
    value = float(np.linalg.norm(d_ex - d_im) / np.linalg.norm(d_im))
    worst = float(np.max(np.abs(d_ex - d_im)) / np.max(np.abs(d_im)))
    err, worst_e = energy_error(result.history)
    s = explicit.summary()
    detail = (
        f"{disc.n_el} T3, {size['n_steps']} output steps, transit_times "
        f"{size['transit_times']}, local damping {FOOTING_DAMPING}, {s['explicit_steps']} "
        f"explicit steps, secant / initial stiffness {secant:.2f}, "
        f"max error {worst:.2e} (of max |dF|), "
        f"energy error {err:.2e} (worst step {worst_e:.2e})"
    )
    return Run(value, 0.0, err, worst_e, detail)


# ----------------------------------------------------------------- stability
def _stability_bar(n_el: int = 20):
    """A 1D bar (nu = 0, confined) pushed at its left end, its critical time step [s] as the
    solver computes it, and h / c."""
    disc = bar_discretisation(1.0, n_el)
    mat = _material(disc, 0.0)
    d = mat.trial(np.zeros((disc.n_gp, disc.n_voigt))).stiffness
    dt_crit, _ = critical_time_step(disc, d, element_masses(disc, RHO))
    bcs = BoundaryConditions([Dirichlet(0, 1e-4, boundary="left"), *confined(2)], observed=["left"])
    return disc, bcs, float(dt_crit), (1.0 / n_el) / p_wave_speed(E, 0.0, RHO)


def _numbers(text: str) -> list[float]:
    return [float(m) for m in re.findall(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", text)]


def critical_step_bar() -> Case:
    """The solver's critical step of a uniform 1D bar of Q4 (nu = 0, confined) against h / c
    (exact for lumped-mass linear elements; tolerance 1e-9)."""
    _, _, dt_crit, h_over_c = _stability_bar()
    return _case("explicit_critical_step_bar", dt_crit, h_over_c, 1e-9, detail="20 Q4")


def unstable_step_refused() -> Case:
    """time_step = 1.1 x critical without mass scaling: refused with a
    :class:`MslearnInputError` whose message names both steps (to 0.1 %). Value 1 if so."""
    disc, bcs, dt_crit, _ = _stability_bar()
    dt = 1.1 * dt_crit
    opts = ExplicitOptions(n_steps=2, density=RHO, duration=20 * dt, time_step=dt)
    message = "not refused"
    try:
        ExplicitSolver(disc, _material(disc, 0.0), bcs, opts).run()
    except MslearnInputError as exc:
        message = str(exc)
    nums = _numbers(message)

    def named(x: float) -> bool:
        return any(abs(n - x) <= 1e-3 * x for n in nums)

    ok = named(dt) and named(dt_crit)
    return _case(
        "explicit_unstable_step_refused",
        1.0 if ok else 0.0,
        1.0,
        0.0,
        detail=f"dt {dt:.4e} s, dt_crit {dt_crit:.4e} s: {message}",
    )


def _kinetic_growth(disc, bcs, dt: float, n_dt: int) -> tuple[float, str]:
    """max K / max(W_ext) over a run of n_dt steps of dt with check_stability=False, or
    inf on a SolverFailure (blow-up detected), and what happened."""
    opts = ExplicitOptions(
        n_steps=n_dt // 5,
        density=RHO,
        duration=n_dt * dt,
        time_step=dt,
        check_stability=False,
        local_damping=0.0,
    )
    rec = Record(node_dofs(disc, (0.0,)))
    try:
        ExplicitSolver(disc, _material(disc, 0.0), bcs, opts).run([rec])
    except SolverFailure as exc:
        return float("inf"), f"SolverFailure: {exc}"
    k = max(r["kinetic_energy"] for r in rec.extras)
    w = max(max(abs(r["external_work"]) for r in rec.extras), 1e-300)
    return k / w, f"max K / max W_ext = {k / w:.3e}"


def unstable_step_diverges(n_dt: int = 200) -> Case:
    """With check_stability=False, 1.1 x the critical step diverges (kinetic energy above
    1e3 x the external work, or a SolverFailure for blow-up) while 0.9 x stays bounded
    (K <= 1.01 W_ext). Value 1 if both."""
    disc, bcs, dt_crit, h_over_c = _stability_bar()
    above, what_above = _kinetic_growth(disc, bcs, 1.1 * dt_crit, n_dt)
    below, what_below = _kinetic_growth(disc, bcs, 0.9 * dt_crit, n_dt)
    ok = above > 1e3 and below <= 1.01
    return _case(
        "explicit_unstable_step_diverges",
        1.0 if ok else 0.0,
        1.0,
        0.0,
        detail=(
            f"dt_crit {dt_crit:.4e} s (h/c {h_over_c:.4e} s), {n_dt} steps; 1.1x: "
            f"{what_above}; 0.9x: {what_below}"
        ),
    )


# ----------------------------------------------------------------- cases
#: wave sizes (smoke, full): elements along the bar (2D, 3D); the worst output step's
#: energy error falls as 1 / n (the kinetic energy is taken at the half step), and these
#: sizes keep it below 1 % at smoke size too
WAVE = {True: (240, 200), False: (400, 240)}


@functools.cache
def _runs(name: str, smoke: bool) -> Run:
    n2, n3 = WAVE[smoke]
    if name == "bar":
        return wave_run(n2, 0.0, 1)
    if name == "p_wave":
        return wave_run(n2, 0.3, 4)
    if name == "p_wave_t6":
        return wave_run(n3, 0.3, 2, element="T6")
    if name == "hex8":
        return wave_run(n3, 0.3, 1, dim=3)
    if name == "impact":
        return impact_run(n2)
    return footing_run(smoke)


_CASES = {
    "bar": ("explicit_wave_speed_bar_1d", 0.01),
    "p_wave": ("explicit_p_wave_plane_strain", 0.01),
    "p_wave_t6": ("explicit_p_wave_plane_strain_T6", 0.01),
    "impact": ("explicit_bar_impact_rigid_wall", 0.02),
    "footing": ("explicit_dp_strip_footing_vs_implicit", 0.02),
    "hex8": ("explicit_wave_speed_hex8_3d", 0.01),
}


def run_case(name: str, smoke: bool) -> Case:
    """The case of one cached run (a key of ``_CASES``: ``bar``, ``p_wave``, ``p_wave_t6``,
    ``impact``, ``footing``, ``hex8``)."""
    run, (title, tol) = _runs(name, smoke), _CASES[name]
    relative = run.reference != 0.0
    return _case(title, run.value, run.reference, tol, relative=relative, detail=run.detail)


def energy_balance(smoke: bool) -> Case:
    """Worst energy balance error over every run above and every output step of each
    (reference 0, tolerance 1 %); the detail lists each run's final and worst-step error."""
    runs = {name: _runs(name, smoke) for name in _CASES}
    worst = max(runs, key=lambda k: runs[k].energy_error_worst)
    detail = ", ".join(
        f"{k} {r.energy_error:.2e} (worst step {r.energy_error_worst:.2e})" for k, r in runs.items()
    )
    return _case(
        "explicit_energy_balance",
        runs[worst].energy_error_worst,
        0.0,
        0.01,
        relative=False,
        detail=f"final (worst step): {detail}; worst run: {worst}",
    )


def explicit_cases(smoke: bool) -> list[tuple[str, Callable[[], Case]]]:
    """(name, case) of every explicit-solver verification case at smoke or full size."""
    out: list[tuple[str, Callable[[], Case]]] = [
        (title, lambda n=name: run_case(n, smoke)) for name, (title, _) in _CASES.items()
    ]
    out.append(("explicit_energy_balance", lambda: energy_balance(smoke)))
    out.append(("explicit_critical_step_bar", critical_step_bar))
    out.append(("explicit_unstable_step_refused", unstable_step_refused))
    out.append(("explicit_unstable_step_diverges", unstable_step_diverges))
    return out
