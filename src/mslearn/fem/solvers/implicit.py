"""Implicit static solver: load stepping with Newton iterations on the material D.

Seed 000 Algorithm 1/2: for each load step, prescribed displacements are
applied, then iterate

    eps = B (u_n + du);  (sigma, D) = material.trial(eps)
    R   = F_ext(t) - F_int(sigma);  K = sum B^T D B w
    K_ff delta = R_f;  du_f += delta

until the relative displacement correction e_u = |delta| / |du| < tol_u
(Algorithm 1) *and* the relative residual |R_f| / max(|F_int|, |F_ext|) <
tol_r. D is whatever the material returns (tangent: quadratic convergence;
secant: linear). On divergence or non-convergence the step is cut in half and
retried from the committed state (trial never changes it), up to
``max_cuts`` times; then :class:`SolverFailure` is raised with step,
iteration and residual. ``iterations`` counts linear solves after the predictor
(= material evaluations per step).
"""

from __future__ import annotations

import logging
import time as _time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from mslearn.core.errors import MaterialUnavailable, MslearnInputError, SolverFailure
from mslearn.core.voigt import axis_name
from mslearn.fem.discretisation import Discretisation
from mslearn.fem.linsolve import SingularStiffness, solve
from mslearn.fem.loading import BoundaryConditions, ResolvedBCs
from mslearn.fem.solvers.state_check import check_finite, check_state
from mslearn.materials.base import MaterialModel, MaterialResponse, require_features


@dataclass(frozen=True)
class NewtonOptions:
    """Load stepping and Newton controls (pseudo-time t in [0, 1])."""

    n_steps: int = 100
    max_iterations: int = 30
    tol_displacement: float = 1e-6
    tol_residual: float = 1e-6
    max_cuts: int = 6
    divergence_factor: float = 1e6
    #: "auto": Aitken (Irons-Tuck) relaxation of the corrections when the material's D
    #: is a secant (linear convergence, e.g. DEM contact stiffness); "aitken"; "none"
    acceleration: str = "auto"
    aitken_bounds: tuple[float, float] = (0.2, 5.0)
    #: accept a step at max_iterations when the residual test passes but e_u stagnates
    #: (noisy materials: DEM stress noise bounds e_u from below); logged as a warning
    accept_on_residual: bool = False

    def __post_init__(self) -> None:
        if self.n_steps < 1 or self.max_iterations < 1 or self.max_cuts < 0:
            raise ValueError(f"invalid NewtonOptions {self}")
        if self.acceleration not in ("auto", "aitken", "none"):
            raise ValueError(f"acceleration {self.acceleration!r}; expected auto, aitken or none")


@dataclass
class StepState:
    """A converged load step, handed to observers.

    u: (n_dof,) displacement [m]; strain: (n_gp, nv); response: the material's
    committed answer; forces: boundary -> (dim,) support reaction on the body
    [N, per unit thickness in plane strain]; displacements: boundary -> (dim,) mean
    displacement [m].
    """

    step: int
    time: float
    u: np.ndarray
    strain: np.ndarray
    response: MaterialResponse
    iterations: int
    cuts: int
    residual: float
    forces: dict[str, np.ndarray]
    displacements: dict[str, np.ndarray]
    timings: dict[str, float]
    #: solver-specific scalars of the step (the explicit solver: time steps, energies)
    extras: dict[str, float] = field(default_factory=dict)


@dataclass
class StaticResult:
    """Summary of a run. ``history`` holds one dict per converged step (incl. step 0)."""

    completed: bool
    steps: int
    total_iterations: int
    final: StepState
    history: list[dict] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    failure: str | None = None


Observer = Callable[[StepState], None]
log = logging.getLogger("mslearn.fem")


class StaticSolver:
    """Newton solver for one discretisation, material and set of boundary conditions."""

    def __init__(
        self,
        disc: Discretisation,
        material: MaterialModel,
        bcs: BoundaryConditions,
        options: NewtonOptions | None = None,
    ) -> None:
        if material.n_points != disc.n_gp:
            raise ValueError(
                f"material has {material.n_points} points; the mesh has {disc.n_gp} Gauss points"
            )
        require_features(material, "implicit solver", disc.dim, "small_strain")
        self.disc, self.material, self.options = disc, material, options or NewtonOptions()
        self.bcs = ResolvedBCs.build(bcs, disc)
        names = bcs.observed if bcs.observed is not None else disc.boundary_names()
        self._observed = {
            n: tuple(disc.boundary_dofs(n, c) for c in range(disc.dim)) for n in names
        }
        self.u = np.zeros(disc.n_dof)
        self.time = 0.0
        self.step = 0  # last converged (output) step
        self.timings = {"material": 0.0, "assembly": 0.0, "solve": 0.0}

    # ---------------------------------------------------------------- helpers
    def _evaluate(self, u: np.ndarray) -> tuple[np.ndarray, MaterialResponse, np.ndarray]:
        return evaluate(self.disc, self.material, u, self.timings)

    def _boundary_summary(self, u, fint, fext):
        reac = fint - fext
        forces = {n: np.array([reac[d].sum() for d in dofs]) for n, dofs in self._observed.items()}
        disp = {n: np.array([u[d].mean() for d in dofs]) for n, dofs in self._observed.items()}
        return forces, disp

    def _solve(self, D: np.ndarray, rhs_f: np.ndarray) -> np.ndarray:
        t0 = _time.perf_counter()
        K = self.disc.stiffness(D, self.bcs.free_dofs)
        t1 = _time.perf_counter()
        delta = solve(K, rhs_f)
        self.timings["assembly"] += t1 - t0
        self.timings["solve"] += _time.perf_counter() - t1
        return delta

    def _attempt(self, t_new: float):
        """Newton iterations towards t_new from the committed state.

        Predictor (seed 000 Algorithm 1, before the loop): the prescribed
        increment du_d enters through the committed stiffness,
        K_ff du_f = F_ext,f - F_int,f - K_fd du_d; then corrector iterations.
        Returns (converged, du, strain, response, fint, fext, iterations, residual).
        """
        opt, free, fixed = self.options, self.bcs.free_dofs, self.bcs.fixed_dofs
        du = np.zeros_like(self.u)
        du[fixed] = self.bcs.prescribed(t_new)[fixed] - self.u[fixed]
        fext = self.bcs.external_force(t_new)
        D_c, fint_c = self._committed
        lift = self.disc.internal_force(np.einsum("gij,gj->gi", D_c, self.disc.strain(du)))
        du[free] = self._solve(D_c, (fext - fint_c - lift)[free])
        e_u, res0, res = 1.0, None, np.inf
        omega, prev = 1.0, None
        for it in range(1, opt.max_iterations + 1):
            strain, resp, fint = self._evaluate(self.u + du)
            r_f = (fext - fint)[free]
            ref = max(np.linalg.norm(fint), np.linalg.norm(fext), 1e-300)
            res = float(np.linalg.norm(r_f) / ref)
            log.debug("t %.6g it %d residual %.3e e_u %.3e", t_new, it, res, e_u)
            if not np.isfinite(res):
                return False, du, strain, resp, fint, fext, it, res
            if res < opt.tol_residual and (e_u < opt.tol_displacement or res < 1e-12):
                return True, du, strain, resp, fint, fext, it, res
            res0 = res if res0 is None else res0
            if it == opt.max_iterations and opt.accept_on_residual and res < opt.tol_residual:
                log.warning(
                    "t %.6g: accepted on the residual (%.2e) after %d iterations; "
                    "e_u stagnated at %.2e",
                    t_new,
                    res,
                    it,
                    e_u,
                )
                return True, du, strain, resp, fint, fext, it, res
            if it == opt.max_iterations or res > opt.divergence_factor * max(res0, 1e-8):
                return False, du, strain, resp, fint, fext, it, res
            delta = self._solve(resp.stiffness, r_f)
            if opt.acceleration == "aitken" or (
                opt.acceleration == "auto" and resp.kind == "secant"
            ):
                # Irons-Tuck (Aitken) dynamic relaxation: omega_k = -omega_{k-1} *
                # d_{k-1}.(d_k - d_{k-1}) / |d_k - d_{k-1}|^2 (Kuettler & Wall 2008)
                if prev is not None:
                    diff = delta - prev
                    den = float(diff @ diff)
                    if den > 0:
                        omega = float(
                            np.clip(-omega * float(prev @ diff) / den, *opt.aitken_bounds)
                        )
                prev = delta
                delta = omega * delta
            du[free] += delta
            e_u = float(np.linalg.norm(delta) / max(np.linalg.norm(du), 1e-300))
        raise AssertionError("unreachable")

    # ---------------------------------------------------------------- driver
    def initial_state(self) -> StepState:
        """Step 0: the material evaluated at the current u (zero for a fresh solver).

        Its stiffness and internal force become the committed ones the first
        load step starts from.
        """
        strain, resp, fint = self._evaluate(self.u)
        self._committed = (resp.stiffness, fint)
        fext = self.bcs.external_force(0.0)
        forces, disp = self._boundary_summary(self.u, fint, fext)
        ref = max(np.linalg.norm(fint), np.linalg.norm(fext), 1e-300)
        res = float(np.linalg.norm((fext - fint)[self.bcs.free_dofs]) / ref)
        return StepState(0, 0.0, self.u.copy(), strain, resp, 0, 0, res, forces, disp, {})

    # ---------------------------------------------------------------- checkpoints
    def checkpoint_state(self) -> dict[str, np.ndarray]:
        """Everything needed to continue exactly from the last converged step.

        Keys: "u", "time", "step", "committed_stiffness", "committed_fint" and
        "material/<name>" for each entry of the material's state_dict().
        """
        D, fint = self._committed
        out = {
            "u": self.u.copy(),
            "time": np.array(self.time),
            "step": np.array(self.step),
            "committed_stiffness": D.copy(),
            "committed_fint": fint.copy(),
        }
        for key, value in self.material.state_dict().items():
            out[f"material/{key}"] = np.asarray(value)
        return out

    def restore_state(self, state: dict[str, np.ndarray]) -> None:
        """Inverse of :meth:`checkpoint_state`.

        The checkpoint is checked first against this solver and its material (names,
        dtypes and shapes, see :mod:`mslearn.fem.solvers.state_check`; finite fields;
        a step of this run with its time): a mismatch is one :class:`MslearnInputError`
        line naming the array (and the file, when ``state`` has a ``path``).
        """
        try:
            self._check_checkpoint(state)
        except MslearnInputError as exc:
            path = getattr(state, "path", "")
            if not path:
                raise
            msg = str(exc).removeprefix("checkpoint ")
            raise MslearnInputError(f"checkpoint {path!r}: {msg}") from None
        self.u = np.array(state["u"], float)
        self.time = float(state["time"])
        self.step = int(state["step"])
        self._committed = (
            np.array(state["committed_stiffness"]),
            np.array(state["committed_fint"]),
        )
        self.material.load_state_dict(
            {k.split("/", 1)[1]: np.array(v) for k, v in state.items() if k.startswith("material/")}
        )

    def _check_checkpoint(self, state: dict[str, np.ndarray]) -> None:
        nv = self.material.n_voigt
        solver = {
            "u": np.zeros(self.disc.n_dof),
            "time": np.array(0.0),
            "step": np.array(0),
            "committed_stiffness": np.zeros((self.disc.n_gp, nv, nv)),
            "committed_fint": np.zeros(self.disc.n_dof),
        }
        material = {f"material/{k}": np.asarray(v) for k, v in self.material.state_dict().items()}
        check_state(state, {**solver, **material}, set(solver), self.disc.n_gp)
        check_finite(state, ("u", "time", "committed_stiffness", "committed_fint"))
        step, n = int(state["step"]), self.options.n_steps
        if not 0 <= step <= n:
            raise MslearnInputError(f"checkpoint is at step {step}; this run has steps 0 to {n}")
        t_step = np.linspace(0.0, 1.0, n + 1)[step]
        if abs(float(state["time"]) - t_step) > 1e-9:
            raise MslearnInputError(
                f"checkpoint time {float(state['time']):.6g} does not match its step {step} "
                f"(t = {t_step:.6g} of {n} steps)"
            )

    def run(self, observers: Sequence[Observer] = (), progress=None) -> StaticResult:
        """Run the load steps after ``self.step``; observers get every converged step.

        A fresh solver starts with step 0 (the initial state); a restored one
        (:meth:`restore_state`) continues after its step. ``progress(step,
        n_steps, state)`` is called after each step if given. On failure after
        ``max_cuts`` cuts a :class:`SolverFailure` is raised after the
        observers have seen every converged step.
        """
        opt = self.options
        history, state = [], None
        if self.step == 0:
            state = self.initial_state()
            history.append(step_row(state))
            for ob in observers:
                ob(state)
        targets = np.linspace(0.0, 1.0, opt.n_steps + 1)
        total_it = 0
        for k in range(self.step + 1, opt.n_steps + 1):
            t_target = targets[k]
            dt = t_target - self.time
            cuts, it_step = 0, 0
            t_step0 = dict(self.timings)
            while self.time < t_target - 1e-14:
                t_try = min(self.time + dt, t_target)
                material_error = None
                try:
                    ok, du, strain, resp, fint, fext, its, res = self._attempt(t_try)
                except MaterialUnavailable:
                    raise  # nothing a smaller step could change
                except (SolverFailure, SingularStiffness) as exc:  # unstable RVE, K singular
                    ok, its, res, material_error = False, 0, float("nan"), exc
                it_step += its
                if ok:
                    self.material.commit()
                    self._committed = (resp.stiffness, fint)
                    self.u = self.u + du
                    self.time = t_try
                    continue
                cuts += 1
                if cuts > opt.max_cuts and material_error is not None:
                    raise SolverFailure(
                        f"step {k} (t = {t_try:.6g}) after {cuts - 1} step cuts: {material_error}"
                    ) from material_error
                if cuts > opt.max_cuts:
                    msg = (
                        f"Newton failed at step {k} (t = {t_try:.6g}) after {cuts - 1} step "
                        f"cuts: iteration {its}, relative residual {res:.3e}"
                    )
                    raise SolverFailure(msg)
                dt *= 0.5
            total_it += it_step
            self.step = k
            forces, disp = self._boundary_summary(self.u, fint, fext)
            timings = {key: self.timings[key] - t_step0[key] for key in self.timings}
            state = StepState(
                k,
                float(t_target),
                self.u.copy(),
                strain,
                resp,
                it_step,
                cuts,
                res,
                forces,
                disp,
                timings,
            )
            history.append(step_row(state))
            for ob in observers:
                ob(state)
            if progress is not None:
                progress(k, opt.n_steps, state)
        return StaticResult(True, opt.n_steps, total_it, state, history, dict(self.timings))


def evaluate(disc: Discretisation, material, u: np.ndarray, timings: dict[str, float]):
    """(strain (n_gp, nv), response, f_int (n_dof,)) of a trial at displacement u (n_dof,);
    the material and assembly times are added to ``timings``."""
    strain = disc.strain(u)
    t0 = _time.perf_counter()
    resp = material.trial(strain)
    t1 = _time.perf_counter()
    fint = disc.internal_force(resp.stress)
    timings["material"] += t1 - t0
    timings["assembly"] += _time.perf_counter() - t1
    return strain, resp, fint


def step_row(state: StepState) -> dict:
    """One history row: step, time, iterations, cuts, residual, ``<boundary>_F<axis>`` [N]
    and ``<boundary>_u<axis>`` [m] for every observed boundary and axis, then the step's
    ``extras``."""
    out = {
        "step": state.step,
        "time": state.time,
        "iterations": state.iterations,
        "cuts": state.cuts,
        "residual": state.residual,
    }
    for name, f in state.forces.items():
        out.update({f"{name}_F{axis_name(c)}": float(v) for c, v in enumerate(f)})
    for name, d in state.displacements.items():
        out.update({f"{name}_u{axis_name(c)}": float(v) for c, v in enumerate(d)})
    out.update(state.extras)
    return out
