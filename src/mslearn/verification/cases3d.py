"""3D FEM verification cases: patch tests, manufactured-solution rates, thick sphere (Lame),
homogeneous Drucker-Prager triaxial vs the material point, plane strain vs one element
through the thickness. Each returns a :class:`~mslearn.verification.cases.Case`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import skfem as fe

from mslearn.fem.discretisation import Discretisation
from mslearn.fem.loading import BodyForce, BoundaryConditions, Dirichlet, Pressure, rigid_platen
from mslearn.fem.meshes import rectangle
from mslearn.fem.meshes3d import BOX_FACES, box_mesh, spherical_shell_octant
from mslearn.fem.solvers.implicit import NewtonOptions, StaticSolver
from mslearn.materials import DruckerPrager, LinearElastic
from mslearn.materials.driver import drive_mixed
from mslearn.verification.cases import Case

#: elastic constants of the elastic cases (as the 2D cases)
E, NU = 1e7, 0.3
_KIND = {"HEX8": "hex", "HEX20": "hex", "HEX27": "hex", "TET4": "tet", "TET10": "tet"}


def _case(name, value, reference, tolerance, relative=True, detail="") -> Case:
    """A :class:`Case` whose error is |value - reference| (relative where asked and the
    reference is not 0) against ``tolerance``."""
    err = abs(value - reference) / (abs(reference) if relative and reference else 1.0)
    return Case(
        name, float(value), float(reference), float(tolerance), bool(err <= tolerance), detail,
        float(err),
    )  # fmt: skip


def _elastic_solve(disc: Discretisation, bcs: BoundaryConditions):
    mat = LinearElastic(E, NU, disc.n_gp, dim=3)
    solver = StaticSolver(disc, mat, bcs, NewtonOptions(n_steps=1, tol_residual=1e-10))
    return solver.run().final


# ----------------------------------------------------------------- patch test
def patch_test_3d(element: str, seed: int = 0) -> Case:
    """Linear displacement field prescribed on the faces of a distorted 3x3x3 box.

    Value: max nodal error relative to max |u| and max strain error relative to max
    |strain| (reference 0, tolerance 1e-10).
    """
    mesh = box_mesh(1.0, 1.0, 1.0, 3, 3, 3, _KIND[element], distortion=0.25, seed=seed)
    disc = Discretisation(mesh, element)

    def field(x, y, z):
        return (
            1e-3 * (1.0 + 2.0 * x - 1.5 * y + 0.5 * z),
            1e-3 * (-0.5 + 0.7 * x + 3.0 * y - 1.0 * z),
            1e-3 * (0.2 - 0.4 * x + 0.3 * y + 1.1 * z),
        )

    dirichlet = [
        Dirichlet(c, lambda x, y, z, c=c: field(x, y, z)[c], boundary=b)
        for b in BOX_FACES
        for c in range(3)
    ]
    state = _elastic_solve(disc, BoundaryConditions(dirichlet))
    exact = disc.interpolate_dofs(field)
    err = np.abs(state.u - exact).max() / np.abs(exact).max()
    eps_exact = 1e-3 * np.array([2.0, 3.0, 1.1, -1.0 + 0.3, 0.5 - 0.4, -1.5 + 0.7])
    err_eps = np.abs(state.strain - eps_exact).max() / np.abs(eps_exact).max()
    return _case(
        f"patch_test_3d_{element}",
        max(err, err_eps),
        0.0,
        1e-10,
        relative=False,
        detail=f"distorted 3x3x3 {_KIND[element]} box, relative nodal and strain error",
    )


# ------------------------------------------------------- manufactured solution
def manufactured_3d(young: float = E, poisson: float = NU, a: float = 1e-3):
    """(u_exact, body force) of u_i = a sin(pi x) sin(pi y) sin(pi z) (all i) on the unit cube:
    b = -(mu lap u + (lambda + mu) grad div u) [N/m^3]; u = 0 on every face."""
    lam = young * poisson / ((1 + poisson) * (1 - 2 * poisson))
    mu = young / (2 * (1 + poisson))
    pi = np.pi

    def u_exact(x, y, z):
        s = a * np.sin(pi * x) * np.sin(pi * y) * np.sin(pi * z)
        return s, s, s

    def body(x, y, z):
        sx, sy, sz = np.sin(pi * x), np.sin(pi * y), np.sin(pi * z)
        cx, cy, cz = np.cos(pi * x), np.cos(pi * y), np.cos(pi * z)
        s = sx * sy * sz
        lap = -3.0 * pi**2 * a * s
        gd = (
            a * pi**2 * (-s + cx * cy * sz + cx * sy * cz),
            a * pi**2 * (-s + cx * cy * sz + sx * cy * cz),
            a * pi**2 * (-s + cx * sy * cz + sx * cy * cz),
        )
        return tuple(-(mu * lap + (lam + mu) * g) for g in gd)

    return u_exact, body


def l2_error_3d(disc: Discretisation, u: np.ndarray, exact: Callable) -> tuple[float, float]:
    """(||u_h - u||_L2, ||u||_L2) [m * m^1.5] with a high-order rule."""
    basis = fe.Basis(disc.mesh, disc.basis.elem, intorder=2 * disc.etype.order + 3)
    uh = basis.interpolate(u).value  # (3, nel, nq)
    x = basis.global_coordinates().value
    ue = np.array(exact(x[0], x[1], x[2]))
    w = basis.dx
    return float(np.sqrt((((uh - ue) ** 2).sum(0) * w).sum())), float(
        np.sqrt(((ue**2).sum(0) * w).sum())
    )


def convergence_rate_3d(element: str, levels=(2, 4, 8)) -> Case:
    """L2 rate fitted over the refinements ``levels`` of the manufactured solution on the
    unit cube; reference 2 (HEX8, TET4) or 3 (quadratic), tolerance 0.2."""
    u_exact, body = manufactured_3d()
    hs, errs = [], []
    for n in levels:
        disc = Discretisation(box_mesh(1.0, 1.0, 1.0, n, n, n, _KIND[element]), element)
        fixed = [Dirichlet(c, 0.0, boundary=b) for b in BOX_FACES for c in range(3)]
        state = _elastic_solve(disc, BoundaryConditions(fixed, [BodyForce(body)]))
        e, ref = l2_error_3d(disc, state.u, u_exact)
        hs.append(1.0 / n)
        errs.append(e / ref)
    rate = float(np.polyfit(np.log(hs), np.log(errs), 1)[0])
    expected = 2.0 if element in ("HEX8", "TET4") else 3.0
    return _case(
        f"convergence_rate_3d_{element}",
        rate,
        expected,
        0.2,
        relative=False,
        detail=f"n = {list(levels)}, L2 errors " + ", ".join(f"{x:.2e}" for x in errs),
    )


# ----------------------------------------------------------------- thick sphere
def lame_sphere_u_r(r, a: float, b: float, p: float, young: float = E, poisson: float = NU):
    """Radial displacement [m] of a thick sphere a <= r <= b under internal pressure p:
    u_r = p a^3 / (E (b^3 - a^3)) [(1 - 2 nu) r + (1 + nu) b^3 / (2 r^2)] (Lame)."""
    c = p * a**3 / (young * (b**3 - a**3))
    return c * ((1 - 2 * poisson) * r + (1 + poisson) * b**3 / (2 * r**2))


def lame_sphere_3d(element: str = "HEX27", n_radial: int = 3, n_surface: int = 4) -> Case:
    """Octant of a thick sphere a = 0.1 m, b = 0.2 m under internal pressure 1 MPa,
    symmetry planes x = 0, y = 0, z = 0 (normal displacement fixed).

    HEX27 on a curved (isoparametric) mesh, HEX8 on the mesh with vertices on the spheres.
    Value: max |u_r - exact| / u_r(a) over the nodes of the inner and outer faces
    (reference 0, tolerance 1 %).
    """
    a, b, p = 0.1, 0.2, 1e6
    order = 2 if element == "HEX27" else 1
    disc = Discretisation(spherical_shell_octant(a, b, n_radial, n_surface, order), element)
    bcs = BoundaryConditions(
        [Dirichlet(c, 0.0, boundary=n) for c, n in enumerate(("x0", "y0", "z0"))],
        [Pressure("inner", p)],
    )
    state = _elastic_solve(disc, bcs)
    errs = []
    for name in ("inner", "outer"):
        d = [disc.boundary_dofs(name, c) for c in range(3)]
        x = disc.basis.doflocs[:, d[0]]
        r = np.linalg.norm(x, axis=0)
        u_r = sum(state.u[d[c]] * x[c] for c in range(3)) / r
        errs.append(np.abs(u_r - lame_sphere_u_r(r, a, b, p)).max())
    return _case(
        f"lame_sphere_3d_{element}",
        max(errs) / lame_sphere_u_r(a, a, b, p),
        0.0,
        0.01,
        relative=False,
        detail=f"u_r(a) = {lame_sphere_u_r(a, a, b, p):.4e} m, {disc.n_el} elements",
    )


# ----------------------------------------------------------------- DP triaxial
def dp_homogeneous_triaxial_3d(n_steps: int = 40) -> Case:
    """Smooth-platen 3D triaxial (2x2x2 HEX8 cube) with Drucker-Prager vs one material point.

    Symmetry planes x = 0, y = 0 and the bottom smooth, the top platen smooth and moved down
    to 5 % axial strain, p0 = 100 kPa on the right and back faces and in the initial stress:
    the field is homogeneous. The point is driven with sigma_11 = sigma_22 = -p0 and zero
    shear strains (mixed control). Value: max |sigma_FEM - sigma_point| / max |sigma|
    (reference 0, tolerance 1e-8).
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
        dim=3,
    )
    disc = Discretisation(box_mesh(1.0, 1.0, 1.0, 2, 2, 2), "HEX8")
    mat = DruckerPrager.mohr_coulomb_plane_strain(n_points=disc.n_gp, **params)
    dirichlet = [Dirichlet(0, 0.0, boundary="left"), Dirichlet(1, 0.0, boundary="front")]
    dirichlet += rigid_platen("bottom", 2, 0.0, rough=False, dim=3)
    dirichlet += rigid_platen("top", 2, -strain, rough=False, dim=3)
    bcs = BoundaryConditions(dirichlet, [Pressure("right", p0), Pressure("back", p0)])
    stresses: list[np.ndarray] = []
    opts = NewtonOptions(n_steps=n_steps, tol_residual=1e-12, tol_displacement=1e-12)
    StaticSolver(disc, mat, bcs, opts).run([lambda s: stresses.append(s.response.stress.copy())])
    fem = np.array(stresses)  # (n_steps + 1, n_gp, 6)
    point = DruckerPrager.mohr_coulomb_plane_strain(n_points=1, **params)
    e_t = np.zeros((n_steps, 6))
    e_t[:, 2] = -strain * np.linspace(0, 1, n_steps + 1)[1:]
    s_t = np.zeros((n_steps, 6))
    s_t[:, :2] = -p0
    mask = np.array([True, True, False, False, False, False])
    ref = drive_mixed(point, e_t, s_t, mask, tol=1e-14).stress[:, 0]
    err = np.abs(fem - ref[:, None, :]).max() / np.abs(ref).max()
    return _case(
        "dp_homogeneous_triaxial_3d",
        err,
        0.0,
        1e-8,
        relative=False,
        detail=f"{n_steps} steps, peak |sigma| {np.abs(ref).max():.4e} Pa",
    )


# ------------------------------------------------- plane strain vs one element thick
def plane_strain_vs_3d(n_steps: int = 20, thickness: float = 0.1) -> Case:
    """A rough-platen Drucker-Prager biaxial test (0.5 x 1 m, 2x4 Q4, p0 = 100 kPa, 5 %
    axial strain) against its 3D version: 2x4x1 HEX8 of ``thickness`` [m] with u_z = 0
    everywhere (plane strain). Gauss points are matched by their (x, y) coordinates.

    Value: the largest of the relative differences of displacements, stresses (in-plane and
    sigma_33 against the 2D extra "stress_33") and top reaction per unit thickness
    (reference 0, tolerance 1e-8).
    """
    p0, strain, w, h = 100e3, 0.05, 0.5, 1.0
    params = dict(
        young=50e6,
        poisson=0.3,
        cohesion=5e3,
        friction_angle=np.radians(30),
        dilatancy_angle=np.radians(10),
        hardening=1e6,
        initial_pressure=p0,
    )
    opts = NewtonOptions(n_steps=n_steps, tol_residual=1e-12, tol_displacement=1e-12)
    d2 = Discretisation(rectangle(w, h, 2, 4, "quad"), "Q4")
    bc2 = [Dirichlet(c, 0.0, boundary="bottom") for c in range(2)]
    bc2 += rigid_platen("top", 1, -strain * h, rough=True, dim=2)
    loads2 = [Pressure("left", p0), Pressure("right", p0)]
    mat2 = DruckerPrager.mohr_coulomb_plane_strain(n_points=d2.n_gp, dim=2, **params)
    r2 = StaticSolver(d2, mat2, BoundaryConditions(bc2, loads2), opts).run().final
    d3 = Discretisation(box_mesh(w, h, thickness, 2, 4, 1), "HEX8")
    bc3 = [Dirichlet(c, 0.0, boundary="front") for c in range(3)]
    bc3 += rigid_platen("back", 1, -strain * h, rough=True, dim=3)
    bc3 += [Dirichlet(2, 0.0, boundary=b) for b in ("left", "right", "bottom", "top")]
    loads3 = [Pressure("left", p0), Pressure("right", p0)]
    mat3 = DruckerPrager.mohr_coulomb_plane_strain(n_points=d3.n_gp, dim=3, **params)
    r3 = StaticSolver(d3, mat3, BoundaryConditions(bc3, loads3), opts).run().final
    # 3D "front"/"back" are the 2D bottom/top (y faces of the 3D box)
    xy2 = d2.basis.doflocs
    u2 = np.stack([r2.u[d2.dof_component == c] for c in range(2)], axis=1)
    loc3 = d3.basis.doflocs
    order2 = _sorted(xy2[:, d2.dof_component == 0])
    u3 = np.stack([r3.u[d3.dof_component == c] for c in range(3)], axis=1)
    xyz3 = loc3[:, d3.dof_component == 0]
    err_u = []
    for z in np.unique(xyz3[2]):
        on = np.isclose(xyz3[2], z)
        o3 = _sorted(xyz3[:2, on])
        diff = u3[on][o3][:, :2] - u2[order2]
        err_u.append(np.abs(diff).max() / np.abs(u2).max())
        err_u.append(np.abs(u3[on][:, 2]).max() / np.abs(u2).max())
    g2 = _sorted(d2.gauss_xy.T)
    s2 = r2.response.stress[g2]
    s33 = np.asarray(r2.response.extras["stress_33"])[g2]
    s2_full = np.column_stack([s2[:, 0], s2[:, 1], s33, s2[:, 2]])
    err_s = []
    for zq in np.unique(np.round(d3.gauss_xy[:, 2], 12)):
        on = np.isclose(d3.gauss_xy[:, 2], zq)
        g3 = _sorted(d3.gauss_xy[on][:, :2].T)
        s3 = r3.response.stress[on][g3][:, [0, 1, 2, 5]]
        err_s.append(np.abs(s3 - s2_full).max() / np.abs(s2_full).max())
    f2 = r2.forces["top"][1]
    f3 = r3.forces["back"][1] / thickness
    err_f = abs(f3 - f2) / abs(f2)
    value = max(max(err_u), max(err_s), err_f)
    return _case(
        "plane_strain_vs_3d",
        value,
        0.0,
        1e-8,
        relative=False,
        detail=f"u {max(err_u):.1e}, stress {max(err_s):.1e}, top force {err_f:.1e}; "
        f"{n_steps} steps",
    )


def _sorted(xy: np.ndarray) -> np.ndarray:
    """Indices sorting points (2, n) by x, then y (rounded to 1e-10 m: equal up to round-off)."""
    r = np.round(xy, 10)
    return np.lexsort((r[1], r[0]))


def fem3d_cases(smoke: bool = False) -> list[tuple[str, Callable[[], Case]]]:
    """(name, case) of every 3D verification case; ``smoke``: coarser rate and sphere meshes."""
    out: list[tuple[str, Callable[[], Case]]] = []
    for el in ("HEX8", "HEX20", "HEX27", "TET4", "TET10"):
        out.append((f"patch_test_3d_{el}", lambda el=el: patch_test_3d(el)))
    for el in ("HEX8", "TET4", "HEX27", "TET10"):
        levels = (2, 4, 6) if smoke and el in ("HEX27", "TET10") else (4, 6, 8)
        out.append(
            (f"convergence_rate_3d_{el}", lambda el=el, lv=levels: convergence_rate_3d(el, lv))
        )
    sphere = (2, 3) if smoke else (3, 4)
    out.append(("lame_sphere_3d_HEX27", lambda: lame_sphere_3d("HEX27", *sphere)))
    out.append(("dp_homogeneous_triaxial_3d", dp_homogeneous_triaxial_3d))
    out.append(("plane_strain_vs_3d", plane_strain_vs_3d))
    return out
