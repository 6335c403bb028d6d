"""Reference elastoplastic laws with return mapping and consistent tangent.

One batched kernel covers Drucker-Prager (optionally non-associated) and
von Mises (Drucker-Prager with eta = eta_bar = 0), with linear isotropic
hardening of the cohesion. Formulation after de Souza Neto, Peric & Owen,
*Computational Methods for Plasticity* (2008), Sec. 8.3.3, written in
Mandel notation, tension positive:

    yield       Phi  = sqrt(J2(s)) + eta * p - xi * c(eps_bar),   p = tr(sigma)/3
    potential   Psi  = sqrt(J2(s)) + eta_bar * p
    hardening   c    = c0 + H * eps_bar,  eps_bar += xi * dgamma

Return mapping (linear in dgamma because hardening is linear):
    smooth cone: dgamma = Phi_trial / (G + K eta eta_bar + xi^2 H)
    apex (if sqrt(J2) - G dgamma < 0): d_eps_v = (p_tr - beta c_n) / (K + alpha beta H),
    with alpha = xi / eta_bar, beta = xi / eta.

The consistent tangent is derived in closed form (see ``_smooth_tangent``) and
tested against central finite differences.

Plane strain runs the 3D law with eps_33 = 0 (sigma_33 as extra "stress_33").
"""

from __future__ import annotations

import numpy as np

from mslearn.materials.base import MaterialFeatures, MaterialResponse, check_strain
from mslearn.materials.elastic import initial_stress_mandel
from mslearn.materials.voigt import (
    I_DEV,
    ONE,
    SQRT2,
    bulk_shear,
    elastic_mandel,
    mandel3_to_stiffness,
    mandel3_to_stress,
    strain_to_mandel3,
)

_TINY = 1e-300


class DruckerPrager:
    """Batched Drucker-Prager / von Mises material with linear hardening.

    Parameters (SI): ``young`` [Pa], ``poisson``, ``cohesion`` c0 [Pa],
    ``eta``, ``eta_bar`` (flow), ``xi`` (dimensionless, de Souza Neto 8.3.3),
    ``hardening`` H [Pa], ``dim`` 2 (plane strain) or 3, ``initial_pressure``
    p0 [Pa] (compression positive), giving sigma_0 = -p0 I.

    Use the constructors :meth:`mohr_coulomb_plane_strain`, :func:`von_mises`
    and :func:`tresca_plane_strain` rather than raw eta/xi.

    State: committed strain (n, nv), Mandel stress (n, 6) and equivalent
    plastic strain eps_bar (n,).
    Extras: "stress_33" (2D), "eq_plastic_strain", "yielding" (0/1).
    """

    def __init__(
        self,
        young: float,
        poisson: float,
        cohesion: float,
        eta: float,
        xi: float,
        n_points: int,
        eta_bar: float | None = None,
        hardening: float = 0.0,
        dim: int = 2,
        initial_pressure: float = 0.0,
    ) -> None:
        for name, value, ok in (
            ("young", young, young > 0),
            ("poisson", poisson, -1.0 < poisson < 0.5),
            ("cohesion", cohesion, cohesion >= 0),
            ("eta", eta, eta >= 0),
            ("xi", xi, xi > 0),
        ):
            if not ok:
                raise ValueError(f"{name} is {value}; out of its admissible range")
        self.bulk, self.shear = bulk_shear(young, poisson)
        self.young, self.poisson = float(young), float(poisson)
        self.cohesion, self.eta, self.xi = float(cohesion), float(eta), float(xi)
        self.eta_bar = self.eta if eta_bar is None else float(eta_bar)
        self.hardening, self.dim = float(hardening), dim
        self.n_points = int(n_points)
        self.features = MaterialFeatures(dim, tangent="tangent", history=True)
        self.n_voigt = self.features.n_voigt
        self._c = elastic_mandel(self.bulk, self.shear)
        self._strain = np.zeros((self.n_points, self.n_voigt))
        self._stress = initial_stress_mandel(self.n_points, initial_pressure)
        self._eps_bar = np.zeros(self.n_points)
        self._trial: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    # ------------------------------------------------------------ constructors
    @classmethod
    def mohr_coulomb_plane_strain(
        cls,
        young: float,
        poisson: float,
        cohesion: float,
        friction_angle: float,
        n_points: int,
        dilatancy_angle: float | None = None,
        **kw,
    ) -> DruckerPrager:
        """Drucker-Prager matched to Mohr-Coulomb (c, phi [rad]) in plane strain.

        de Souza Neto Eq. 8.89: eta = 3 tan(phi) / sqrt(9 + 12 tan^2 phi),
        xi = 3 / sqrt(9 + 12 tan^2 phi) (exact match of plane-strain collapse
        loads under associated flow); eta_bar from the dilatancy angle psi in
        the same way (default psi = phi, associated).
        """
        t = np.tan(friction_angle)
        tp = np.tan(friction_angle if dilatancy_angle is None else dilatancy_angle)
        eta = 3.0 * t / np.sqrt(9.0 + 12.0 * t * t)
        xi = 3.0 / np.sqrt(9.0 + 12.0 * t * t)
        eta_bar = 3.0 * tp / np.sqrt(9.0 + 12.0 * tp * tp)
        return cls(young, poisson, cohesion, eta, xi, n_points, eta_bar=eta_bar, **kw)

    # ------------------------------------------------------------ protocol
    def trial(self, strain: np.ndarray) -> MaterialResponse:
        """Return-mapped stress (n, nv) [Pa] and consistent tangent for total strain (n, nv)."""
        strain = check_strain(strain, self.n_points, self.n_voigt)
        d_eps = strain_to_mandel3(strain - self._strain)
        sig, eps_bar, d_m, yielding = self._return_map(self._stress + d_eps @ self._c)
        self._trial = (strain, sig, eps_bar)
        extras = {"eq_plastic_strain": eps_bar, "yielding": yielding.astype(float)}
        if self.dim == 2:
            extras["stress_33"] = sig[:, 2].copy()
        return MaterialResponse(
            mandel3_to_stress(sig, self.n_voigt),
            mandel3_to_stiffness(d_m, self.n_voigt),
            "tangent",
            extras,
        )

    def commit(self) -> None:
        """Accept the last trial; a RuntimeError if there was none."""
        if self._trial is None:
            raise RuntimeError("commit() called before trial()")
        self._strain, self._stress, self._eps_bar = (a.copy() for a in self._trial)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Committed "strain" (Voigt), "stress_mandel" (n, 6) and "eq_plastic_strain" (n,)."""
        return {
            "strain": self._strain.copy(),
            "stress_mandel": self._stress.copy(),
            "eq_plastic_strain": self._eps_bar.copy(),
        }

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore a committed state written by :meth:`state_dict`; drops any pending trial."""
        self._strain = np.array(state["strain"], float)
        self._stress = np.array(state["stress_mandel"], float)
        self._eps_bar = np.array(state["eq_plastic_strain"], float)
        self._trial = None

    # ------------------------------------------------------------ kernel
    def _return_map(
        self, sig_tr: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Return mapping of trial stresses (n, 6) -> (stress, eps_bar, D_mandel, yielding)."""
        G, K, H = self.shear, self.bulk, self.hardening
        eta, eta_b, xi = self.eta, self.eta_bar, self.xi
        p_tr = sig_tr[:, :3].mean(axis=1)
        s_tr = sig_tr @ I_DEV
        s_norm = np.linalg.norm(s_tr, axis=1)
        j_tr = s_norm / SQRT2  # sqrt(J2)
        c_n = self.cohesion + H * self._eps_bar
        phi_tr = j_tr + eta * p_tr - xi * c_n
        tol = 1e-12 * max(self.cohesion, G * 1e-6, 1.0)
        plastic = phi_tr > tol

        sig = sig_tr.copy()
        eps_bar = self._eps_bar.copy()
        d_m = np.broadcast_to(self._c, (self.n_points, 6, 6)).copy()
        if not plastic.any():
            return sig, eps_bar, d_m, plastic

        a = G + K * eta * eta_b + xi * xi * H
        dgam = phi_tr / a
        # von Mises (eta = 0) never needs the apex: j_tr - G dgam = xi c >= 0 analytically
        apex = plastic & (j_tr - G * dgam < 0.0) & (eta > 0.0) & (eta_b > 0.0)
        smooth = plastic & ~apex

        if smooth.any():
            i = smooth
            n_dir = s_tr[i] / np.maximum(s_norm[i], _TINY)[:, None]
            dg = dgam[i]
            sig[i] = (
                s_tr[i] * (1.0 - G * dg / j_tr[i])[:, None]
                + (p_tr[i] - K * eta_b * dg)[:, None] * ONE
            )
            eps_bar[i] += xi * dg
            d_m[i] = self._smooth_tangent(n_dir, dg, j_tr[i], a)
        if apex.any():
            i = apex
            alpha, beta = xi / eta_b, xi / eta
            den = K + alpha * beta * H
            d_ev = (p_tr[i] - beta * c_n[i]) / den
            sig[i] = (p_tr[i] - K * d_ev)[:, None] * ONE
            eps_bar[i] += alpha * d_ev
            d_m[i] = K * (1.0 - K / den) * np.outer(ONE, ONE)
        return sig, eps_bar, d_m, plastic

    def _smooth_tangent(
        self, n_dir: np.ndarray, dg: np.ndarray, j_tr: np.ndarray, a: float
    ) -> np.ndarray:
        """Consistent tangent (m, 6, 6) for the smooth-cone return (derived by hand).

        D = 2G(1 - G dg/J) I_dev + 2G^2 (dg/J - 1/A) n x n
            - sqrt2 G K (eta n x 1 + eta_bar 1 x n) / A + K (1 - K eta eta_bar / A) 1 x 1
        with J = sqrt(J2_trial), n = s_trial/|s_trial| and A = G + K eta eta_bar + xi^2 H.
        """
        G, K, eta, eta_b = self.shear, self.bulk, self.eta, self.eta_bar
        nn = n_dir[:, :, None] * n_dir[:, None, :]
        n1 = n_dir[:, :, None] * ONE[None, None, :]
        one_n = ONE[None, :, None] * n_dir[:, None, :]
        r = dg / j_tr
        return (
            2.0 * G * (1.0 - G * r)[:, None, None] * I_DEV
            + (2.0 * G * G * (r - 1.0 / a))[:, None, None] * nn
            - SQRT2 * G * K / a * (eta * n1 + eta_b * one_n)
            + K * (1.0 - K * eta * eta_b / a) * np.outer(ONE, ONE)
        )


def von_mises(
    young: float,
    poisson: float,
    yield_stress: float,
    n_points: int,
    hardening: float = 0.0,
    **kw,
) -> DruckerPrager:
    """J2 plasticity: sqrt(3 J2) <= sigma_y + H' eps_bar_p (uniaxial yield stress sigma_y [Pa]).

    Written as Drucker-Prager with eta = eta_bar = 0, xi = 1/sqrt(3) and
    cohesion = sigma_y; then eps_bar is the usual sqrt(2/3 eps_p:eps_p) and
    ``hardening`` H' is the uniaxial (isotropic) hardening modulus.
    """
    return DruckerPrager(
        young,
        poisson,
        yield_stress,
        0.0,
        1.0 / np.sqrt(3.0),
        n_points,
        eta_bar=0.0,
        hardening=hardening,
        **kw,
    )


def tresca_plane_strain(
    young: float, poisson: float, cohesion: float, n_points: int, **kw
) -> DruckerPrager:
    """Undrained (Tresca) clay with shear strength c_u [Pa], for plane strain.

    Under plane strain and incompressible plastic flow, von Mises with
    sigma_y = sqrt(3) c_u has the same in-plane yield condition as Tresca
    (max shear stress = c_u), so the Prandtl limit load (2 + pi) c_u holds.
    """
    return von_mises(young, poisson, np.sqrt(3.0) * cohesion, n_points, **kw)
