"""FEM verification cases: patch test, convergence rates, Lame cylinder, Prandtl, DP biaxial,
Rankine earth pressures behind a retaining wall, thick-cylinder cavity expansion."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import skfem as fe

from mslearn.fem.discretisation import Discretisation
from mslearn.fem.loading import BodyForce, BoundaryConditions, Dirichlet, Pressure
from mslearn.fem.meshes import distort, quarter_annulus_mesh, rectangle, strip_footing_mesh
from mslearn.fem.solvers.implicit import NewtonOptions, StaticSolver
from mslearn.materials import DruckerPrager, LinearElastic, tresca_plane_strain, von_mises
from mslearn.materials.driver import drive_mixed
from mslearn.problems import CavityConfig, RetainingWallConfig
from mslearn.workflows.bvp import curve_from_history


@dataclass
class Case:
    """One verification result: measured ``value``, analytic ``reference``, the ``error``
    compared with ``tolerance`` (relative to the reference, or absolute where the
    reference is 0) and whether it passed."""

    name: str
    value: float
    reference: float
    tolerance: float
    passed: bool
    detail: str = ""
    error: float | None = None

    def as_dict(self) -> dict:
        """The fields as a JSON-ready dict (``mslearn verify --json``)."""
        return asdict(self)


def _case(name, value, reference, tolerance, relative=True, detail="") -> Case:
    err = abs(value - reference) / (abs(reference) if relative and reference else 1.0)
    return Case(
        name,
        float(value),
        float(reference),
        float(tolerance),
        bool(err <= tolerance),
        detail,
        float(err),
    )


E, NU = 1e7, 0.3


def _elastic_solve(disc: Discretisation, bcs: BoundaryConditions, young=E, poisson=NU):
    mat = LinearElastic(young, poisson, disc.n_gp)
    solver = StaticSolver(disc, mat, bcs, NewtonOptions(n_steps=1, tol_residual=1e-10))
    return solver.run().final


# ----------------------------------------------------------------- patch test
def patch_test(element: str, seed: int = 0) -> Case:
    """Linear displacement field prescribed on the boundary of a distorted mesh.

    Value: max nodal error of interior dofs relative to max |u| (reference 0, tol 1e-10).
    """
    family = "quad" if element.startswith("Q") else "tri"
    mesh = distort(rectangle(1.0, 1.0, 4, 4, family), 0.25, seed)

    def field(x, y):
        return 1e-3 * (1.0 + 2.0 * x - 1.5 * y), 1e-3 * (-0.5 + 0.7 * x + 3.0 * y)

    disc = Discretisation(mesh, element)
    dirichlet = [
        Dirichlet(c, lambda x, y, c=c: field(x, y)[c], boundary=b)
        for b in ("left", "right", "bottom", "top")
        for c in (0, 1)
    ]
    state = _elastic_solve(disc, BoundaryConditions(dirichlet))
    exact = disc.interpolate_dofs(field)
    err = np.abs(state.u - exact).max() / np.abs(exact).max()
    eps_exact = np.array([2e-3, 3e-3, (-1.5 + 0.7) * 1e-3])
    err_eps = np.abs(state.strain - eps_exact).max() / np.abs(eps_exact).max()
    return _case(
        f"patch_test_{element}",
        max(err, err_eps),
        0.0,
        1e-10,
        relative=False,
        detail="distorted 4x4 mesh, relative nodal and strain error",
    )


# ------------------------------------------------------- manufactured solution
def _manufactured():
    lam = E * NU / ((1 + NU) * (1 - 2 * NU))
    mu = E / (2 * (1 + NU))
    a, pi = 1e-3, np.pi

    def u_exact(x, y):
        s = a * np.sin(pi * x) * np.sin(pi * y)
        return s, s

    def body(x, y):
        s = np.sin(pi * x) * np.sin(pi * y)
        cc = np.cos(pi * x) * np.cos(pi * y)
        f = -a * (mu * (-2 * pi**2 * s) + (lam + mu) * pi**2 * (cc - s))
        return f, f

    return u_exact, body


def l2_error(disc: Discretisation, u: np.ndarray, exact: Callable) -> tuple[float, float]:
    """(||u_h - u||_L2, ||u||_L2) with a high-order rule."""
    basis = fe.Basis(disc.mesh, disc.basis.elem, intorder=2 * disc.etype.order + 4)
    uh = basis.interpolate(u).value  # (2, nel, nq)
    x = basis.global_coordinates().value
    ue = np.array(exact(x[0], x[1]))
    w = basis.dx
    return float(np.sqrt(((uh - ue) ** 2).sum(0).__mul__(w).sum())), float(
        np.sqrt((ue**2).sum(0).__mul__(w).sum())
    )


def convergence_rate(element: str, levels=(4, 8, 16, 32)) -> Case:
    """L2 rate fitted over 4 refinements of u = a sin(pi x) sin(pi y) (1, 1) on the unit square."""
    family = "quad" if element.startswith("Q") else "tri"
    u_exact, body = _manufactured()
    hs, errs = [], []
    for n in levels:
        disc = Discretisation(rectangle(1.0, 1.0, n, n, family), element)
        dirichlet = [
            Dirichlet(c, 0.0, boundary=b)
            for b in ("left", "right", "bottom", "top")
            for c in (0, 1)
        ]
        state = _elastic_solve(disc, BoundaryConditions(dirichlet, [BodyForce(body)]))
        e, ref = l2_error(disc, state.u, u_exact)
        hs.append(1.0 / n)
        errs.append(e / ref)
    rate = float(np.polyfit(np.log(hs), np.log(errs), 1)[0])
    expected = 2.0 if element in ("Q4", "T3") else 3.0
    return _case(
        f"convergence_rate_{element}",
        rate,
        expected,
        0.15,
        relative=False,
        detail="L2 errors " + ", ".join(f"{x:.2e}" for x in errs),
    )


# ----------------------------------------------------------------- Lame
def lame_cylinder(element: str = "T6", h: float = 0.01) -> Case:
    """Quarter annulus a = 0.1 m, b = 0.2 m, internal pressure 1 MPa, plane strain.

    u_r(r) = (1 + nu)/E [(1 - 2 nu) A r + B / r], A = p a^2/(b^2 - a^2), B = A b^2.
    Value: max |u_r - exact| / u_r(a) over boundary nodes of inner and outer arcs.
    """
    a, b, p = 0.1, 0.2, 1e6
    order = 2 if element == "T6" else 1
    mesh = quarter_annulus_mesh(a, b, h, order=order, quads=element.startswith("Q"))
    disc = Discretisation(mesh, element)
    bcs = BoundaryConditions(
        [Dirichlet(1, 0.0, boundary="bottom"), Dirichlet(0, 0.0, boundary="left")],
        [Pressure("inner", p)],
    )
    state = _elastic_solve(disc, bcs)
    A = p * a * a / (b * b - a * a)
    B = A * b * b

    def ur(r):
        return (1 + NU) / E * ((1 - 2 * NU) * A * r + B / r)

    errs = []
    for name in ("inner", "outer"):
        dx, dy = disc.boundary_dofs(name, 0), disc.boundary_dofs(name, 1)
        x, y = disc.basis.doflocs[:, dx]
        r = np.hypot(x, y)
        u_r = (state.u[dx] * x + state.u[dy] * y) / r
        errs.append(np.abs(u_r - ur(r)).max())
    value = max(errs) / ur(a)
    return _case(
        f"lame_cylinder_{element}",
        value,
        0.0,
        0.01,
        relative=False,
        detail=f"u_r(a) = {ur(a):.4e} m, {disc.n_el} elements",
    )


# ----------------------------------------------------------------- Prandtl
def prandtl_bearing_capacity(
    element: str = "T6",
    h_edge: float = 0.01,
    n_steps: int = 40,
    settlement: float = 0.05,
) -> Case:
    """Rigid rough strip footing (B = 1 m) on weightless Tresca soil, c_u = 10 kPa.

    Value: limit pressure / c_u, reference 2 + pi (Prandtl), tolerance 5 %.
    """
    c, b = 10e3, 0.5
    mesh = strip_footing_mesh(5.0, b, 5.0, 0.5, h_edge, quads=element.startswith("Q"))
    disc = Discretisation(mesh, element)
    mat = tresca_plane_strain(1e7, 0.3, c, disc.n_gp)
    dirichlet = [
        Dirichlet(0, 0.0, boundary="left"),
        Dirichlet(0, 0.0, boundary="right"),
        Dirichlet(0, 0.0, boundary="bottom"),
        Dirichlet(1, 0.0, boundary="bottom"),
        Dirichlet(1, -settlement, boundary="footing"),
        Dirichlet(0, 0.0, boundary="footing"),
    ]
    solver = StaticSolver(
        disc,
        mat,
        BoundaryConditions(dirichlet, observed=["footing"]),
        NewtonOptions(n_steps=n_steps, max_iterations=40),
    )
    res = solver.run()
    q = -res.history[-1]["footing_Fy"] / b
    return _case(
        f"prandtl_{element}",
        q / c,
        2.0 + np.pi,
        0.05,
        detail=f"{disc.n_el} elements, {res.total_iterations} Newton iterations",
    )


# ----------------------------------------------------------------- DP biaxial
def dp_homogeneous_biaxial(n_steps: int = 40) -> Case:
    """Smooth-platen biaxial test with Drucker-Prager vs the single material point.

    Same axial strain increments; the point driver holds sigma_11 = -p0 by
    mixed control. Value: max |sigma_FEM - sigma_point| / max |sigma|.
    """
    p0, strain = 100e3, 0.05
    params = dict(
        young=50e6,
        poisson=0.3,
        cohesion=5e3,
        friction_angle=np.radians(30),
        dilatancy_angle=np.radians(10),
        hardening=2e6,
        initial_pressure=p0,
    )
    disc = Discretisation(rectangle(0.5, 1.0, 2, 4, "quad"), "Q4")
    mat = DruckerPrager.mohr_coulomb_plane_strain(n_points=disc.n_gp, **params)
    bcs = BoundaryConditions(
        [
            Dirichlet(1, 0.0, boundary="bottom"),
            Dirichlet(1, -strain, boundary="top"),
            Dirichlet(0, 0.0, point=(0.0, 0.0)),
        ],
        [Pressure("left", p0), Pressure("right", p0)],
    )
    stresses = []
    solver = StaticSolver(
        disc, mat, bcs, NewtonOptions(n_steps=n_steps, tol_residual=1e-12, tol_displacement=1e-12)
    )
    solver.run([lambda s: stresses.append(s.response.stress.copy())])
    fem = np.array(stresses)  # (n_steps + 1, n_gp, 3)
    point = DruckerPrager.mohr_coulomb_plane_strain(n_points=1, **params)
    eps22 = -strain * np.linspace(0, 1, n_steps + 1)[1:]
    e_t = np.zeros((n_steps, 3))
    e_t[:, 1] = eps22
    s_t = np.zeros((n_steps, 3))
    s_t[:, 0] = -p0
    ref = drive_mixed(point, e_t, s_t, np.array([True, False, True]), tol=1e-14).stress[:, 0]
    err = np.abs(fem - ref[:, None, :]).max() / np.abs(ref).max()
    return _case(
        "dp_homogeneous_biaxial",
        err,
        0.0,
        1e-8,
        relative=False,
        detail=f"{n_steps} steps, peak |sigma| {np.abs(ref).max():.4e} Pa",
    )


# ----------------------------------------------------------------- Rankine
def rankine_wall(mode: str = "active", smoke: bool = False, n_steps: int = 20) -> Case:
    """Rankine earth-pressure coefficient behind a smooth translating wall (K_a or K_p).

    The ``retaining_wall`` problem (seed 000 / seed 003 Sec. 4.2 family): backfill 2 m x 1 m,
    the wall the whole right edge, smooth wall and base, weightless cohesionless soil
    under a surcharge q = 100 kPa, consolidated to p0 = q (K0 = 1). Weightless soil keeps
    the Rankine state homogeneous (sigma_v = -q everywhere), so the wall force is exactly
    K q H with no gravity stress field that isotropic initial states could not start from.
    Drucker-Prager matched to Mohr-Coulomb in plane strain (de Souza Neto Eq. 8.89),
    phi = 30 deg, associated flow (the match is exact at the plane-strain limit state,
    where the out-of-plane plastic strain rate vanishes). The wall moves 0.5 % of the width
    away from the backfill (active) or 2.5 % into it (passive).
    Value: thrust / (q H) at the last step; reference K_a = (1 - sin phi) / (1 + sin phi)
    or K_p = 1 / K_a (Rankine); tolerance 5 %.
    """
    q, phi, width = 100e3, np.radians(30.0), 2.0
    mesh = (
        {"mesh": "structured", "nx": 2, "ny": 2, "element": "Q4"}
        if smoke
        else {"mesh": "gmsh", "h": 0.2, "element": "T6"}
    )
    cfg = RetainingWallConfig(
        width=width,
        height=1.0,
        wall_height=1.0,
        mode=mode,
        wall="smooth",
        base="smooth",
        wall_displacement=(0.005 if mode == "active" else 0.025) * width,
        surcharge=q,
        **mesh,
    )
    problem = cfg.build()
    mat = DruckerPrager.mohr_coulomb_plane_strain(
        50e6, 0.3, 0.0, phi, problem.n_points, initial_pressure=problem.initial_pressure
    )
    res = StaticSolver(problem.disc, mat, problem.bcs, NewtonOptions(n_steps=n_steps)).run()
    _, load = curve_from_history(problem, res.history)
    k_a = (1 - np.sin(phi)) / (1 + np.sin(phi))
    return _case(
        f"rankine_{mode}_drucker_prager",
        load[-1] * 1e3 / (q * cfg.wall_height),
        k_a if mode == "active" else 1 / k_a,
        0.05,
        detail=f"phi 30 deg, {problem.disc.n_el} {problem.disc.etype.name} elements, "
        f"{res.total_iterations} Newton iterations",
    )


# ----------------------------------------------------------------- thick cylinder
@dataclass(frozen=True)
class ThickCylinder:
    """An elastic-perfectly plastic thick cylinder (plane strain) expanded from inside.

    Radii a, b [m], in-situ (outer) pressure p0 [Pa], E [Pa], nu, shear strength c [Pa]
    (Tresca c; von Mises sigma_y = sqrt(3) c), final cavity expansion u_a / a.
    """

    law: str  # "tresca" or "von_mises"
    element: str
    a: float = 0.1
    b: float = 0.2
    p0: float = 0.0
    young: float = 1e7
    poisson: float = 0.3
    c: float = 10e3
    expansion: float = 0.03

    def lame_slope(self) -> float:
        """Elastic dp / d(u_a / a) [Pa]: E (b^2 - a^2) / ((1 + nu) ((1 - 2 nu) a^2 + b^2))."""
        a2, b2, nu = self.a**2, self.b**2, self.poisson
        return self.young * (b2 - a2) / ((1 + nu) * ((1 - 2 * nu) * a2 + b2))

    def limit(self) -> float:
        """Fully plastic pressure rise p - p0 = 2 c ln(b / a) [Pa] (|s_r - s_theta| = 2 c)."""
        return 2.0 * self.c * np.log(self.b / self.a)


def _expand(cyl: ThickCylinder, n_radial: int, n_theta: int, n_steps: int = 30):
    """Run the ``cavity`` problem on ``cyl``: (pressure rise [Pa], u_a / a, first step elastic)."""
    problem = CavityConfig(
        inner_radius=cyl.a,
        outer_radius=cyl.b,
        in_situ_pressure=cyl.p0,
        cavity_displacement=cyl.expansion * cyl.a,
        element=cyl.element,
        n_radial=n_radial,
        n_theta=n_theta,
    ).build()
    n, p0 = problem.n_points, problem.initial_pressure
    if cyl.law == "tresca":
        mat = tresca_plane_strain(cyl.young, cyl.poisson, cyl.c, n, initial_pressure=p0)
    else:
        sy = np.sqrt(3.0) * cyl.c
        mat = von_mises(cyl.young, cyl.poisson, sy, n, initial_pressure=p0)
    yielded: list[float] = []
    solver = StaticSolver(
        problem.disc, mat, problem.bcs, NewtonOptions(n_steps=n_steps, max_iterations=40)
    )
    res = solver.run([lambda s: yielded.append(float(s.response.extras["yielding"].max()))])
    expansion, load = curve_from_history(problem, res.history)
    return (load * 1e3 - cyl.p0), expansion, yielded[1] == 0.0, problem.disc.n_el


def cavity_lame_slope(element: str = "T6", smoke: bool = False) -> Case:
    """Elastic pressure-expansion slope of the Tresca thick cylinder (a = 0.1 m, b = 0.2 m).

    Value: (p_1 - p0) / (u_a / a)_1 of the first (elastic) step [Pa]; reference Lame's
    E (b^2 - a^2) / ((1 + nu)((1 - 2 nu) a^2 + b^2)); tolerance 2 %.
    """
    cyl = ThickCylinder("tresca", element)
    dp, ex, elastic, n_el = _expand(cyl, *((4, 3) if smoke else (8, 6)))
    c = _case(
        f"cavity_lame_slope_{element}",
        dp[1] / ex[1],
        cyl.lame_slope(),
        0.02,
        detail=f"{n_el} elements, first step {'elastic' if elastic else 'YIELDED'}",
    )
    c.passed = c.passed and elastic
    return c


def cavity_limit_pressure(law: str = "tresca", element: str = "T6", smoke: bool = False) -> Case:
    """Fully plastic cavity pressure of the thick cylinder, plane strain (Tresca / von Mises).

    Tresca: a = 0.1 m, b = 0.2 m, c = 10 kPa, no in-situ pressure. von Mises: b = 0.3 m,
    sigma_y = 100 kPa (c = sigma_y / sqrt(3)), E = 100 MPa, in-situ p0 = 50 kPa on the outer
    arc and in the initial stress. Value: p - p0 at u_a / a = 3 % (5 %) [Pa]; reference
    2 c ln(b / a); tolerance 2 %.
    """
    if law == "tresca":
        cyl = ThickCylinder("tresca", element)
    else:
        c = 100e3 / np.sqrt(3.0)
        cyl = ThickCylinder("von_mises", element, b=0.3, p0=50e3, young=1e8, c=c, expansion=0.05)
    dp, _ex, _el, n_el = _expand(cyl, *((4, 3) if smoke else (8, 6)))
    return _case(
        f"cavity_limit_{law}_{element}",
        dp[-1],
        cyl.limit(),
        0.02,
        detail=f"b/a = {cyl.b / cyl.a:g}, {n_el} elements",
    )


def fem_cases(smoke: bool = False) -> list[Case]:
    """All FEM verification cases; ``smoke`` uses coarser Lame, Prandtl, wall and cavity meshes."""
    cases = [patch_test(el) for el in ("Q4", "Q8", "T3", "T6")]
    cases += [convergence_rate(el) for el in ("Q4", "Q8", "T3", "T6")]
    cases.append(lame_cylinder("T6", h=0.02 if smoke else 0.01))
    cases.append(prandtl_bearing_capacity(h_edge=0.02 if smoke else 0.01))
    cases.append(dp_homogeneous_biaxial())
    cases += [rankine_wall(mode, smoke) for mode in ("active", "passive")]
    cases.append(cavity_lame_slope("T6", smoke))
    cases.append(cavity_limit_pressure("tresca", "T6", smoke))
    cases.append(cavity_limit_pressure("von_mises", "Q8R", smoke))
    return cases
