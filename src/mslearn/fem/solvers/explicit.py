"""Explicit dynamic solver: central difference with a lumped mass (seed 003 Eq. 1-4).

Seed 003 Algorithm 1, per time step n -> n+1 (variable steps dt_{n+1/2}):

    M a_n         = F_ext(t_n) - F_int(sigma_n) + F_damp               (Eq. 2)
    v_{n+1/2}     = v_{n-1/2} + (dt_{n-1/2} + dt_{n+1/2}) / 2 a_n       (Eq. 3)
    u_{n+1}       = u_n + dt_{n+1/2} v_{n+1/2}
    sigma_{n+1}   = material.trial(B u_{n+1}); material.commit()       (Eq. 4, Step 8)

The material is called once per step with the step's strain (its increment from the
committed state), trial then commit, so every material behind the seam (reference
laws, DEM RVEs, CSUH/MCC/IME, surrogates) runs under it. Prescribed dofs follow
``bcs.prescribed(t)`` and loads ``bcs.external_force(t)`` at the pseudo-time
t = t_phys / duration, so a ramped displacement is a constant velocity and a ramped
pressure a linear load in time.

Damping (local 0.3 by default: the quasi-static BVPs this project runs; set 0 for wave
propagation):
``local_damping`` alpha: Cundall's local non-viscous damping as in DEM,
f_d = -alpha |F_unbalanced| sign(v) per dof; ``mass_damping`` a [1/s]: f_d = -a M v
(integrated implicitly in v). The time step is ``safety`` x the critical one
(:mod:`mslearn.fem.solvers.explicit_stability`), checked every step; a given
``time_step`` above the critical one is refused unless ``mass_scaling`` scales the
masses of the elements that need it (the added mass is reported).

Energies (history and summary): W_ext (loads and supports), W_int = sum
0.5 (sigma_n + sigma_{n+1}) : d eps w, kinetic K = 0.5 v_n M v_n at integer steps, W_diss of
the damping; the balance error |W_ext - W_int - K - W_diss| / max(|W_ext|, K_0, W_int).
Output (load) steps are those of the implicit solver, t_k = k / n_steps; each is as
many time steps as it needs (``StepState.iterations``).
"""

from __future__ import annotations

import logging
import math
import time as _time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mslearn.core.errors import MslearnInputError, SolverFailure
from mslearn.fem.discretisation import Discretisation
from mslearn.fem.loading import BoundaryConditions, ResolvedBCs
from mslearn.fem.mass import assemble_lumped, element_masses
from mslearn.fem.solvers.explicit_stability import StabilityMonitor, critical_time_step
from mslearn.fem.solvers.implicit import Observer, StaticResult, StepState, evaluate, step_row
from mslearn.fem.solvers.state_check import check_finite, check_state
from mslearn.materials.base import MaterialModel, MaterialResponse, require_features

__all__ = ["ExplicitOptions", "ExplicitSolver", "critical_time_step"]

log = logging.getLogger("mslearn.fem")


@dataclass(frozen=True)
class ExplicitOptions:
    """Central-difference controls.

    n_steps: output (load) steps; density [kg/m3]; duration: physical time of the loading
    [s], None: ``transit_times`` x (domain diagonal / initial P-wave speed); time_step [s]:
    None: ``safety`` x critical, re-evaluated every step; local_damping: Cundall alpha
    in [0, 1); mass_damping [1/s]; mass_scaling: with ``time_step`` above the critical
    step, scale the masses of the elements that need it; check_stability: False runs even
    above the critical step (to see it diverge); blowup_ratio: stop when the kinetic
    plus strain energy exceeds this multiple of the energy put in (|W_ext| + K_0).
    """

    n_steps: int = 100
    density: float = 2000.0
    duration: float | None = None
    transit_times: float = 100.0
    time_step: float | None = None
    safety: float = 0.9
    local_damping: float = 0.3
    mass_damping: float = 0.0
    mass_scaling: bool = False
    check_stability: bool = True
    blowup_ratio: float = 1e3
    max_time_steps: int = 50_000_000

    def __post_init__(self) -> None:
        checks = {
            "n_steps": self.n_steps >= 1,
            "density": math.isfinite(self.density) and self.density > 0,
            "duration": self.duration is None
            or (math.isfinite(self.duration) and self.duration > 0),
            "transit_times": self.transit_times > 0,
            "time_step": self.time_step is None or self.time_step > 0,
            "safety": 0 < self.safety <= 1,
            "local_damping": 0 <= self.local_damping < 1,
            "mass_damping": self.mass_damping >= 0,
            "blowup_ratio": self.blowup_ratio > 1,
        }
        for name, ok in checks.items():
            if not ok:
                raise MslearnInputError(
                    f"solver.{name} = {getattr(self, name)!r} is out of range (see ExplicitOptions)"
                )
        if self.mass_scaling and self.time_step is None:
            raise MslearnInputError("solver.mass_scaling needs a solver.time_step [s] to reach")


def p_wave_speed(D: np.ndarray, density: float) -> float:
    """Largest normal stiffness over Gauss points, as a P-wave speed sqrt(D_ii / rho) [m/s]."""
    dim = 2 if D.shape[-1] == 3 else 3
    diag = np.einsum("gii->gi", D)[:, :dim]
    return float(np.sqrt(max(float(diag.max()), 0.0) / density))


class ExplicitSolver:
    """Central-difference solver for one discretisation, material and set of boundary
    conditions; the interface of :class:`~mslearn.fem.solvers.implicit.StaticSolver`."""

    kind = "explicit"

    def __init__(
        self,
        disc: Discretisation,
        material: MaterialModel,
        bcs: BoundaryConditions,
        options: ExplicitOptions | None = None,
    ) -> None:
        if material.n_points != disc.n_gp:
            raise ValueError(
                f"material has {material.n_points} points; the mesh has {disc.n_gp} Gauss points"
            )
        require_features(material, "explicit solver", disc.dim, "small_strain", False)
        self.disc, self.material, self.options = disc, material, options or ExplicitOptions()
        self.bcs = ResolvedBCs.build(bcs, disc)
        names = bcs.observed if bcs.observed is not None else disc.boundary_names()
        self._observed = {
            n: tuple(disc.boundary_dofs(n, c) for c in range(disc.dim)) for n in names
        }
        self.element_mass = element_masses(disc, self.options.density)
        self._base_mass = self.element_mass.copy()
        self.mass = assemble_lumped(disc, self.element_mass)
        self._monitor = StabilityMonitor(disc, self.element_mass)
        self.u = np.zeros(disc.n_dof)
        self.velocity = np.zeros(disc.n_dof)  # v_{n-1/2}; settable before run()
        self.time = 0.0  # pseudo-time of the last output step
        self.t_phys = 0.0
        self.step = 0
        self.duration = self.options.duration
        self.timings = {"material": 0.0, "assembly": 0.0, "solve": 0.0, "stability": 0.0}
        self._energy = np.zeros(4)  # W_ext, W_int, W_diss, K_0
        self._dt_prev = 0.0
        self._stats = {"steps": 0, "dt_max": 0.0, "dt_crit_min": np.inf, "err_max": 0.0,
                       "ke_ratio_max": 0.0}  # fmt: skip
        self._started = False
        self._restored: tuple[np.ndarray, np.ndarray, str] | None = None
        self._accel = np.zeros(disc.n_dof)

    # ---------------------------------------------------------------- helpers
    def _evaluate(self, u: np.ndarray) -> tuple[np.ndarray, MaterialResponse, np.ndarray]:
        return evaluate(self.disc, self.material, u, self.timings)

    def _stiffness(self, resp: MaterialResponse) -> np.ndarray:
        D = resp.stiffness
        if D is None:
            raise MslearnInputError(
                f"explicit solver: material {type(self.material).__name__} returns no "
                "stiffness; the stable time step needs a wave speed from its D"
            )
        return np.asarray(D)

    def _critical(self, D: np.ndarray) -> tuple[float, int]:
        t0 = _time.perf_counter()
        out = self._monitor.update(D)
        self.timings["stability"] += _time.perf_counter() - t0
        return out

    def _pseudo(self, t_phys: float) -> float:
        return min(t_phys / self.duration, 1.0)

    def _apply_mass_scaling(self, D: np.ndarray, target: float) -> None:
        """Scale the masses of elements whose own critical step is below target / safety."""
        need = target / self.options.safety
        dt_e = self._monitor.element_time_steps(D)
        factor = np.maximum((need / dt_e) ** 2, 1.0)
        self.element_mass = self._base_mass * factor[:, None]
        self.mass = assemble_lumped(self.disc, self.element_mass)
        self._monitor.set_masses(self.element_mass)

    def _time_step(self, D: np.ndarray, step: int) -> tuple[float, float]:
        """(dt allowed, dt_crit) at stiffness D; refuses or fails an unstable given step."""
        dt_crit, element = self._critical(D)
        self._stats["dt_crit_min"] = min(self._stats["dt_crit_min"], dt_crit)
        given = self.options.time_step
        if given is None:
            return self.options.safety * dt_crit, dt_crit
        if given > dt_crit and self.options.mass_scaling:
            self._apply_mass_scaling(D, given)
            dt_crit, element = self._critical(D)
        if given > dt_crit and self.options.check_stability:
            msg = (
                f"solver.time_step = {given:.4g} s is above the critical time step "
                f"{dt_crit:.4g} s (element {element}, step {step}); give a smaller time_step, "
                "leave it out (safety x critical) or set mass_scaling = true"
            )
            if step == 0:
                raise MslearnInputError(msg)
            raise SolverFailure(msg + " (the material stiffened)")
        return given, dt_crit

    def _boundary_summary(self, u, fint, fext, accel):
        reac = fint - fext
        fixed = self.bcs.fixed_dofs
        reac[fixed] += self.mass[fixed] * accel[fixed]
        forces = {n: np.array([reac[d].sum() for d in dofs]) for n, dofs in self._observed.items()}
        disp = {n: np.array([u[d].mean() for d in dofs]) for n, dofs in self._observed.items()}
        return forces, disp

    def _kinetic(self) -> float:
        """K_n = 0.5 v_n M v_n at the integer step, v_n = v_{n-1/2} + dt/2 a_n on free dofs
        (the half-step velocity alone lags the work by dt/2 dK/dt while energy flows in)."""
        v = self.velocity.copy()
        if self._dt_prev > 0:
            free = self.bcs.free_dofs
            a = (self._fext - self._fint)[free] / self.mass[free]
            v[free] += 0.5 * self._dt_prev * a
        return 0.5 * float(v @ (self.mass * v))

    def _pending_support_work(self) -> float:
        """Support work over the last half step (t_{n-1/2}, t_n], not yet booked: the
        supports' work is booked around each t_n once a_n is known."""
        if self._dt_prev <= 0:
            return 0.0
        fixed = self.bcs.fixed_dofs
        force = (self._fint - self._fext)[fixed] + self.mass[fixed] * self._accel[fixed]
        return float(force @ (0.5 * self._dt_prev * self.velocity[fixed]))

    def _energies(self) -> dict[str, float]:
        w_ext, w_int, w_diss, k0 = (float(x) for x in self._energy)
        w_ext += self._pending_support_work()
        kin = self._kinetic()
        ref = max(abs(w_ext), abs(w_int), k0, 1e-300)
        err = abs(w_ext + k0 - w_int - kin - w_diss) / ref
        return {
            "kinetic_energy": kin,
            "internal_energy": w_int,
            "external_work": w_ext,
            "dissipated_energy": w_diss,
            "energy_error": err,
        }

    # ---------------------------------------------------------------- driver
    def _start(self) -> None:
        """The committed material answer at the current u (a fresh solver evaluates the
        material; a restored one takes the checkpointed stress and D), f_int, the duration
        and the first time step."""
        if self._restored is None:
            self._strain, resp, self._fint = self._evaluate(self.u)
        else:
            stress, D, kind = self._restored
            resp = MaterialResponse(stress, D, kind, {})
            self._strain = self.disc.strain(self.u)
            self._fint = self.disc.internal_force(stress)
            self._restored = None
        self._resp = resp
        D = self._stiffness(resp)
        if self.duration is None:
            c = p_wave_speed(D, self.options.density)
            if not c > 0:
                raise MslearnInputError(
                    "explicit solver: no duration given and the material's stiffness gives "
                    "no wave speed; set solver.duration [s]"
                )
            p = self.disc.mesh.p
            diagonal = float(np.linalg.norm(p.max(axis=1) - p.min(axis=1)))
            self.duration = self.options.transit_times * diagonal / c
        self._dt_next, self._dt_crit = self._time_step(D, self.step)
        self._fext = self.bcs.external_force(self._pseudo(self.t_phys))
        if self.step == 0:
            self._energy[3] = self._kinetic()
        self._started = True

    def initial_state(self) -> StepState:
        """Step 0: the material at the current u (zero for a fresh solver)."""
        self._start()
        return self._state(0, 0, np.zeros(self.disc.n_dof))

    def _state(self, k: int, n_sub: int, accel: np.ndarray) -> StepState:
        forces, disp = self._boundary_summary(self.u, self._fint, self._fext, accel)
        free = self.bcs.free_dofs
        ref = max(np.linalg.norm(self._fint), np.linalg.norm(self._fext), 1e-300)
        res = float(np.linalg.norm((self._fext - self._fint)[free]) / ref)
        extras = {
            "physical_time": self.t_phys,
            "time_step": float(self._dt_prev or self._dt_next),
            "critical_time_step": float(self._dt_crit),
            **self._energies(),
        }
        return StepState(
            k, float(self.time), self.u.copy(), self._strain, self._resp, n_sub, 0, res,
            forces, disp, {}, extras,
        )  # fmt: skip

    def _advance(self, dt: float) -> np.ndarray:
        """One central-difference step of dt from (u_n, v_{n-1/2}); returns a_n (n_dof,)."""
        opt, free, fixed = self.options, self.bcs.free_dofs, self.bcs.fixed_dofs
        t0 = _time.perf_counter()
        m = self.mass
        h = 0.5 * (self._dt_prev + dt) if self._dt_prev > 0 else 0.5 * dt
        force = self._fext - self._fint
        v_old = self.velocity.copy()
        damp = np.zeros_like(force)
        if opt.local_damping > 0:
            damp[free] = -opt.local_damping * np.abs(force[free]) * np.sign(v_old[free])
        v = v_old.copy()
        c = opt.mass_damping
        v[free] = ((1 - 0.5 * c * h) * v_old[free] + h * (force + damp)[free] / m[free]) / (
            1 + 0.5 * c * h
        )
        if c > 0:
            damp[free] -= c * m[free] * 0.5 * (v[free] + v_old[free])
        t_new = self.t_phys + dt
        u_new = self.u.copy()
        u_new[free] += dt * v[free]
        u_new[fixed] = self.bcs.prescribed(self._pseudo(t_new))[fixed]
        v[fixed] = (u_new[fixed] - self.u[fixed]) / dt
        accel = (v - v_old) / h
        # work of loads, supports and damping at t_n over the half steps around it
        du_mid = 0.5 * (self._dt_prev * v_old + dt * v)
        support = np.zeros_like(force)
        support[fixed] = m[fixed] * accel[fixed] - force[fixed]
        self._energy[0] += float(support @ du_mid)
        self.timings["solve"] += _time.perf_counter() - t0
        strain, resp, fint = self._evaluate(u_new)
        self.material.commit()
        fext_new = self.bcs.external_force(self._pseudo(t_new))
        du = u_new - self.u
        self._energy[0] += 0.5 * float((self._fext + fext_new) @ du)
        self._energy[1] += 0.5 * float((self._fint + fint) @ du)
        self._energy[2] -= float(damp @ du_mid)
        self.u, self.velocity, self.t_phys, self._dt_prev = u_new, v, t_new, dt
        self._strain, self._resp, self._fint, self._fext = strain, resp, fint, fext_new
        self._accel = accel
        return accel

    def _check_blowup(self, k: int) -> None:
        e = self._energies()
        kin = e["kinetic_energy"]
        # energy put in (work and the initial kinetic energy) against what the body holds:
        # an unstable scheme creates both kinetic and strain energy from nothing
        ref = abs(e["external_work"]) + float(self._energy[3])
        held = kin + abs(e["internal_energy"])
        finite = np.isfinite(held) and np.all(np.isfinite(self._resp.stress))
        if finite and (ref <= 0 or held <= self.options.blowup_ratio * ref):
            return
        speed = np.abs(self.velocity[self.disc.element_dofs]).max(axis=1)
        element = int(np.nanargmax(np.where(np.isfinite(speed), speed, np.inf)))
        raise SolverFailure(
            f"explicit run blew up in load step {k} at t = {self.t_phys:.6g} s (time step "
            f"{self._stats['steps']}): kinetic energy {kin:.3e} J against {ref:.3e} J of work; "
            f"fastest element {element}"
        )

    def _interval(self, k: int) -> tuple[int, np.ndarray]:
        """Advance to output step k; (time steps taken, last acceleration)."""
        t_end = k / self.options.n_steps * self.duration
        n_sub, accel = 0, np.zeros(self.disc.n_dof)
        while self.t_phys < t_end * (1 - 1e-12):
            remaining = t_end - self.t_phys
            dt = remaining / math.ceil(remaining / self._dt_next * (1 - 1e-12))
            accel = self._advance(dt)
            n_sub += 1
            self._stats["steps"] += 1
            self._stats["dt_max"] = max(self._stats["dt_max"], dt)
            if self._stats["steps"] > self.options.max_time_steps:
                raise SolverFailure(
                    f"explicit run: more than {self.options.max_time_steps} time steps by "
                    f"load step {k}; shorten solver.duration or use mass scaling"
                )
            self._dt_next, self._dt_crit = self._time_step(self._stiffness(self._resp), k)
            if self.options.check_stability and dt > self._dt_crit * (1 + 1e-9):
                # the material stiffened during this step: the next ones are shorter
                log.info("step %d: dt %.3e above the new critical %.3e", k, dt, self._dt_crit)
            if n_sub % 64 == 0:
                self._check_blowup(k)
        self.t_phys = t_end  # remove round-off
        self._check_blowup(k)
        return n_sub, accel

    def run(self, observers: Sequence[Observer] = (), progress=None) -> StaticResult:
        """Run the load steps after ``self.step``; observers get every output step.

        A fresh solver starts with step 0; a restored one continues after its step. On a
        blow-up a :class:`SolverFailure` names the step, the time and the element, after
        the observers have seen every good output step.
        """
        history = []
        if not self._started:
            if self.step == 0:
                state = self.initial_state()
                history.append(step_row(state))
                for ob in observers:
                    ob(state)
            else:
                self._start()
        state = None
        for k in range(self.step + 1, self.options.n_steps + 1):
            t_step0 = dict(self.timings)
            n_sub, accel = self._interval(k)
            self.time, self.step = k / self.options.n_steps, k
            state = self._state(k, n_sub, accel)
            state.timings.update({key: self.timings[key] - t_step0[key] for key in self.timings})
            e = state.extras
            self._stats["err_max"] = max(self._stats["err_max"], e["energy_error"])
            ratio = e["kinetic_energy"] / max(abs(e["internal_energy"]), 1e-300)
            self._stats["ke_ratio_max"] = max(self._stats["ke_ratio_max"], ratio)
            history.append(step_row(state))
            for ob in observers:
                ob(state)
            if progress is not None:
                progress(k, self.options.n_steps, state)
        total = int(sum(h["iterations"] for h in history))
        return StaticResult(True, self.options.n_steps, total, state, history, dict(self.timings))

    def summary(self) -> dict:
        """Energy balance, time steps and the quasi-static measure of the run so far."""
        e = self._energies() if self._started else {"energy_error": 0.0}
        added = self.element_mass.sum() / self._base_mass.sum() - 1.0
        return {
            "energy_balance_error": float(e["energy_error"]),
            "energy_balance_error_max": float(max(self._stats["err_max"], e["energy_error"])),
            "time_step": float(self._stats["dt_max"] or getattr(self, "_dt_next", 0.0)),
            "critical_time_step": float(self._stats["dt_crit_min"]),
            "explicit_steps": int(self._stats["steps"]),
            "duration": float(self.duration or 0.0),
            "kinetic_to_internal_max": float(self._stats["ke_ratio_max"]),
            "mass_added_fraction": float(added),
            "stability_evaluations": int(self._monitor.evaluations),
        }

    # ---------------------------------------------------------------- checkpoints
    def checkpoint_state(self) -> dict[str, np.ndarray]:
        """Everything needed to continue exactly from the last output step.

        Keys: "explicit" (marker), "u", "velocity" (v_{n-1/2}), "acceleration", "time",
        "physical_time", "step", "duration", "dt_prev", "energy", "stats", "element_mass" and
        "material/<name>" for each entry of the material's state_dict().
        """
        s = self._stats
        out = {
            "explicit": np.array(1),
            "u": self.u.copy(),
            "velocity": self.velocity.copy(),
            "acceleration": self._accel.copy(),
            "time": np.array(self.time),
            "physical_time": np.array(self.t_phys),
            "step": np.array(self.step),
            "duration": np.array(float(self.duration or 0.0)),
            "dt_prev": np.array(self._dt_prev),
            "energy": self._energy.copy(),
            "stats": np.array([s["steps"], s["dt_max"], s["dt_crit_min"], s["err_max"],
                               s["ke_ratio_max"]]),  # fmt: skip
            "element_mass": self.element_mass.copy(),
            "stress": np.array(self._resp.stress, float) if self._started else
            np.zeros((self.disc.n_gp, self.disc.n_voigt)),
            "stiffness": np.array(self._resp.stiffness, float) if self._started else
            np.zeros((self.disc.n_gp, self.disc.n_voigt, self.disc.n_voigt)),
            "tangent_kind": np.array(self._resp.kind if self._started else "tangent"),
            **{f"stability/{k}": v for k, v in self._monitor.state_dict().items()},
        }  # fmt: skip
        for key, value in self.material.state_dict().items():
            out[f"material/{key}"] = np.asarray(value)
        return out

    def restore_state(self, state: dict[str, np.ndarray]) -> None:
        """Inverse of :meth:`checkpoint_state`; an implicit run's checkpoint is refused."""
        path = getattr(state, "path", "")
        where = f"checkpoint {path!r}" if path else "checkpoint"
        if "explicit" not in state:
            raise MslearnInputError(
                f"{where} was written by the implicit solver; this run is explicit "
                "([solver] type = 'explicit') and cannot continue from it"
            )
        try:
            self._check_checkpoint(state)
        except MslearnInputError as exc:
            msg = str(exc).removeprefix("checkpoint ")
            raise MslearnInputError(f"{where}: {msg}") from None
        self.u = np.array(state["u"], float)
        self.velocity = np.array(state["velocity"], float)
        self._accel = np.array(state["acceleration"], float)
        self.time, self.t_phys = float(state["time"]), float(state["physical_time"])
        self.step, self.duration = int(state["step"]), float(state["duration"])
        self._dt_prev = float(state["dt_prev"])
        self._energy = np.array(state["energy"], float)
        st = np.array(state["stats"], float)
        self._stats = {"steps": int(st[0]), "dt_max": st[1], "dt_crit_min": st[2],
                       "err_max": st[3], "ke_ratio_max": st[4]}  # fmt: skip
        self.element_mass = np.array(state["element_mass"], float)
        self.mass = assemble_lumped(self.disc, self.element_mass)
        self._monitor.load_state_dict(
            {k.split("/", 1)[1]: v for k, v in state.items() if k.startswith("stability/")},
            self.element_mass,
        )
        self._restored = (
            np.array(state["stress"], float),
            np.array(state["stiffness"], float),
            str(np.asarray(state["tangent_kind"])),
        )
        self.material.load_state_dict(
            {k.split("/", 1)[1]: np.array(v) for k, v in state.items() if k.startswith("material/")}
        )
        self._started = False

    def _check_checkpoint(self, state) -> None:
        ref = self.checkpoint_state()
        solver = {k for k in ref if not k.startswith(("material/", "stability/"))}
        check_state(state, ref, solver, self.disc.n_gp)
        check_finite(state, ("u", "velocity", "time", "physical_time", "energy"))
        step, n = int(state["step"]), self.options.n_steps
        if not 0 <= step <= n:
            raise MslearnInputError(f"checkpoint is at step {step}; this run has steps 0 to {n}")
