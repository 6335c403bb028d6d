"""Critical time step of the central-difference scheme on a lumped mass.

Central difference is stable for dt <= 2 / omega_max, omega_max^2 the largest
eigenvalue of M^-1 K. The element eigenvalue inequality bounds it by the largest
element value: with K = sum_e K_e and the lumped M = sum_e M_e (each element's share
of the nodal masses), x.K.x <= max_e lambda_e x.M.x, lambda_e = lambda_max(M_e^-1 K_e).
The bound is exact for a uniform 1D bar (omega = 2 c / h, dt = h / c). The stiffness
is the symmetric part of the material's D (tangent or secant).

Cheap per-step check (:class:`StabilityMonitor`): element eigenvalues are computed
exactly once for a reference P_g >= sym(D_ref,g) (eigenvalues clamped from below at
1e-3 of the point's largest so that P is positive definite). For a later D,
sym(D_g) <= r_g P_g with r_g = lambda_max(P^-1/2 sym(D_g) P^-1/2), bounded by the
infinity norm of that matrix; congruence and positive sums keep the order, so
omega_e^2(D) <= max_g r_g omega_e^2(P). A point whose D equals its reference bit for
bit (elastic points) costs one comparison. Elements whose bound rises more than
``tolerance`` above the largest reference value are re-evaluated exactly with the
current D as their new reference. The returned step is 2 / sqrt(max bound): never
above the exact element value, so never above the mesh's critical step. The bound never
falls below an element's largest value so far (r_g >= 1): a softer tangent (plastic
loading, lost DEM contacts) is no wave speed for the elastic unloading that may follow,
so the time step of a run never grows.
"""

from __future__ import annotations

import numpy as np

from mslearn.fem.discretisation import Discretisation

_CLAMP = 1e-3  # reference eigenvalues are clamped at this fraction of the point's largest


def sym(D: np.ndarray) -> np.ndarray:
    """Symmetric part (n, nv, nv) of material matrices D (n, nv, nv)."""
    return 0.5 * (D + np.swapaxes(D, -1, -2))


def element_omega2(
    disc: Discretisation,
    D: np.ndarray,
    dof_mass: np.ndarray,
    elements: np.ndarray | None = None,
) -> np.ndarray:
    """(k,) largest eigenvalue omega^2 [1/s^2] of (K_e, M_e) per element.

    D: (k * n_quad, nv, nv) symmetric material matrices of ``elements`` (all when None);
    dof_mass: (n_el, n_dofe) lumped element masses per local dof.
    """
    idx = np.arange(disc.n_el) if elements is None else elements
    nv, nq = disc.n_voigt, disc.n_quad
    B = disc.B[idx]  # (k, q, nv, ndofe)
    wBt = np.swapaxes(B * disc.weights[idx][:, :, None, None], 2, 3)  # (k, q, ndofe, nv)
    K = np.matmul(wBt, np.matmul(D.reshape(idx.size, nq, nv, nv), B)).sum(axis=1)
    s = 1.0 / np.sqrt(dof_mass[idx])
    S = K * s[:, :, None] * s[:, None, :]
    return np.linalg.eigvalsh(0.5 * (S + np.swapaxes(S, 1, 2)))[:, -1]


def _dof_mass(disc: Discretisation, element_mass: np.ndarray) -> np.ndarray:
    """(n_el, n_dofe) per-dof masses from (n_el, n_en) nodal ones (dof j is node j // dim)."""
    return np.repeat(np.asarray(element_mass, float), disc.dim, axis=1)


def _dt_of(omega2: np.ndarray) -> tuple[float, int]:
    """(2 / sqrt(max omega^2), its element), or (inf, -1) if none is positive."""
    e = int(np.argmax(omega2))
    w2 = float(omega2[e])
    if not (np.isfinite(w2) and w2 > 0):
        return float("inf"), -1
    return 2.0 / np.sqrt(w2), e


def critical_time_step(
    disc: Discretisation, stiffness: np.ndarray, element_mass: np.ndarray
) -> tuple[float, int]:
    """(dt_crit [s], element): 2 / omega_max with omega_max from element eigenvalues
    (K_e, M_e) at the current D (n_gp, nv, nv); element_mass (n_el, n_en) lumped nodal
    masses. An upper bound of the mesh's omega (element eigenvalue inequality), exact for
    a uniform 1D bar; (inf, -1) when no element has a positive eigenvalue."""
    return _dt_of(element_omega2(disc, sym(stiffness), _dof_mass(disc, element_mass)))


class StabilityMonitor:
    """Exact element omega^2 for a reference D and the cheap per-step bound (module doc).

    ``update(D)`` -> (dt_crit, element) every step; ``evaluations`` counts the elements
    evaluated exactly (a full evaluation adds n_el).
    """

    def __init__(
        self, disc: Discretisation, element_mass: np.ndarray, tolerance: float = 0.02
    ) -> None:
        self.disc, self.tolerance = disc, float(tolerance)
        nv = disc.n_voigt
        self._ref = np.zeros((disc.n_gp, nv, nv))
        self._W = np.zeros((disc.n_gp, nv, nv))
        self.omega2 = np.zeros(disc.n_el)
        self._floor = 0.0
        self._ready = False
        self.evaluations = 0
        self.set_masses(element_mass)

    def set_masses(self, element_mass: np.ndarray) -> None:
        """New element nodal masses (n_el, n_en); the next update evaluates every element."""
        self._dof_mass = _dof_mass(self.disc, element_mass)
        self._ready = False

    def element_time_steps(self, D: np.ndarray) -> np.ndarray:
        """(n_el,) exact element critical steps 2 / omega_e [s] at D (inf where omega_e <= 0)."""
        w2 = element_omega2(self.disc, sym(D), self._dof_mass)
        self.evaluations += self.disc.n_el
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(w2 > 0, 2.0 / np.sqrt(np.maximum(w2, 1e-300)), np.inf)

    # ------------------------------------------------------------ reference
    def reset(self, D: np.ndarray) -> tuple[float, int]:
        """Exact element values with D (n_gp, nv, nv) as every point's reference."""
        self._ref = np.array(D, dtype=float, copy=True)
        lam, vec = np.linalg.eigh(sym(self._ref))
        self._floor = _CLAMP * max(float(lam[:, -1].max()), 0.0)
        P = self._set_points(np.arange(self.disc.n_gp), lam, vec)
        self.omega2 = element_omega2(self.disc, P, self._dof_mass)
        self.evaluations += self.disc.n_el
        self._ready = True
        return _dt_of(self.omega2)

    def _set_points(self, g: np.ndarray, lam: np.ndarray, vec: np.ndarray) -> np.ndarray:
        """Clamped reference P (len(g), nv, nv) of points g; stores P^-1/2 for them."""
        floor = np.maximum(np.maximum(_CLAMP * lam[:, -1:], self._floor), 1e-300)
        lc = np.maximum(lam, floor)
        vt = np.swapaxes(vec, 1, 2)
        self._W[g] = np.matmul(vec / np.sqrt(lc)[:, None, :], vt)
        return np.matmul(vec * lc[:, None, :], vt)

    # ------------------------------------------------------------ per step
    def update(self, D: np.ndarray) -> tuple[float, int]:
        """(dt_crit [s], element) for D (n_gp, nv, nv): the exact element values at the
        first call (and after new masses), the cheap bound afterwards."""
        D = np.asarray(D, float)
        if not self._ready:
            return self.reset(D)
        changed = np.flatnonzero(np.any(D != self._ref, axis=(1, 2)))
        if changed.size == 0:
            return _dt_of(self.omega2)
        W = self._W[changed]
        A = np.matmul(np.matmul(W, sym(D[changed])), W)
        r = np.ones(self.disc.n_gp)
        r[changed] = np.abs(A).sum(axis=2).max(axis=1)
        # never below the reference: a softer tangent (plastic loading) is no wave speed for
        # the elastic unloading that may follow, so the step never grows
        bound = np.maximum(r.reshape(self.disc.n_el, -1).max(axis=1), 1.0) * self.omega2
        top = float(self.omega2.max()) * (1.0 + self.tolerance)
        bad = np.flatnonzero(bound > top)
        if bad.size:
            bound[bad] = self._update(bad, D)
        return _dt_of(bound)

    def _update(self, elements: np.ndarray, D: np.ndarray) -> np.ndarray:
        """Exact omega^2 (k,) of ``elements`` with D as their new reference."""
        nq = self.disc.n_quad
        g = (elements[:, None] * nq + np.arange(nq)).ravel()
        self._ref[g] = D[g]
        lam, vec = np.linalg.eigh(sym(self._ref[g]))
        P = self._set_points(g, lam, vec)
        w2 = np.maximum(
            element_omega2(self.disc, P, self._dof_mass, elements), self.omega2[elements]
        )
        self.omega2[elements] = w2
        self.evaluations += elements.size
        return w2

    # ------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, np.ndarray]:
        """Reference D, P^-1/2 and omega^2 (fixed shapes), floor, ready flag, evaluations."""
        return {
            "reference": self._ref.copy(),
            "inverse_root": self._W.copy(),
            "omega2": self.omega2.copy(),
            "floor": np.array(self._floor),
            "ready": np.array(self._ready),
            "evaluations": np.array(self.evaluations),
        }

    def load_state_dict(self, state: dict[str, np.ndarray], element_mass: np.ndarray) -> None:
        """Inverse of :meth:`state_dict`, with the run's (possibly scaled) element masses."""
        self._dof_mass = _dof_mass(self.disc, element_mass)
        self._ref = np.array(state["reference"], float)
        self._W = np.array(state["inverse_root"], float)
        self.omega2 = np.array(state["omega2"], float)
        self._floor = float(state["floor"])
        self._ready = bool(state["ready"])
        self.evaluations = int(state["evaluations"])
