"""Verification cases of the 3D sphere DEM engine with analytic references (used by
tests and ``mslearn verify``). Each case returns ``{name, value, reference,
tolerance, passed, kind}`` like :mod:`mslearn.verification.dem`; ``value`` and
``reference`` are compared as ``|value - reference| <= tolerance`` unless the
case says otherwise. Every name contains ``3d``."""

from __future__ import annotations

import math

import numpy as np

from mslearn.micro.dem.params import ContactParams, critical_time_step3d, pair_stiffness3d
from mslearn.micro.dem.sphere3d.engine import Diagnostics3D, make_control, run_batch
from mslearn.micro.dem.sphere3d.homogenise import homogenise
from mslearn.micro.dem.sphere3d.loading import LoadOptions, apply_strain, load
from mslearn.micro.dem.sphere3d.neighbours import heights
from mslearn.micro.dem.sphere3d.prepare import PackingOptions3D, prepare_packing3d, random_spheres
from mslearn.micro.dem.sphere3d.probe import build_pair_list, evaluate_contacts
from mslearn.micro.dem.sphere3d.state import SphereState


def _case(name, value, reference, tolerance, passed=None) -> dict:
    value = float(value)
    reference = float(reference)
    if passed is None:
        passed = abs(value - reference) <= tolerance
    return dict(name=name, value=value, reference=reference, tolerance=float(tolerance),
                passed=bool(passed), kind="dem3d")  # fmt: skip


def steps(st: SphereState, n: int) -> Diagnostics3D:
    """n plain DEM steps of every RVE at fixed strain and rotation."""
    c = make_control(st.n_rves, n_load=n, strain_target=st.strain, rotation_target=st.rotation)
    return run_batch(st, c)


def two_spheres(params, x1, v0, v1, r=0.01, dt_frac=0.005, L=None) -> SphereState:
    """Two spheres of radius r in a large cubic periodic cell: sphere 0 at the centre,
    sphere 1 at centre + x1, velocities v0, v1 (3,) [m/s]; dt = dt_frac * critical."""
    L = L or 40 * r
    c = np.full(3, 0.5 * L)
    x = np.array([c, c + np.asarray(x1, float)])
    dt = dt_frac * critical_time_step3d(params, r, r, overlap_ratio=0.05)
    st = SphereState.from_particles(x, np.array([r, r]), np.eye(3) * L, params, dt=dt)
    st.v[0] = v0
    st.v[1] = v1
    return st


def collide(st: SphereState, max_steps: int = 200_000):
    """Step a two-sphere state until the contact closes and opens again.
    Returns (contact duration [s], max overlap [m])."""
    dt = st.dt[0]
    r = st.radius[0] + st.radius[1]
    t_in = t_out = prev = None
    max_ov = 0.0
    for _ in range(max_steps):
        steps(st, 1)
        xx = st.x()
        d = xx[1] - xx[0]
        L = st.h[0, 0, 0]
        d -= L * np.round(d / L)
        gap = float(np.linalg.norm(d)) - r
        t = st.step[0] * dt
        max_ov = max(max_ov, -gap)
        if prev is not None:
            if prev > 0 >= gap and t_in is None:
                t_in = t - dt * gap / (gap - prev)
            if prev <= 0 < gap and t_in is not None:
                t_out = t - dt * gap / (gap - prev)
                break
        prev = gap
    return t_out - t_in, max_ov


def case_linear_impact() -> list[dict]:
    """Head-on impact of two equal spheres, linear law: contact duration
    ``pi sqrt(m* / kn)`` and, with a normal dashpot of ratio beta, restitution
    ``exp(-beta pi / sqrt(1 - beta^2))`` (1 %)."""
    p = ContactParams(local_damping=0.0, friction=0.0)
    r, v = 0.01, 0.1
    out = []
    kn, _ = pair_stiffness3d(p, r, r)
    for beta in (0.0, 0.3):
        st = two_spheres(p.replace(viscous_damping=beta), [2 * r * (1 + 1e-4), 0, 0],
                         [v, 0, 0], [-v, 0, 0])  # fmt: skip
        mstar = st.mass[0] / 2
        dur, _ = collide(st)
        e = (st.v[1, 0] - st.v[0, 0]) / (2 * v)
        if beta == 0.0:
            ref = math.pi * math.sqrt(mstar / kn)
            out.append(_case("dem3d.impact.linear_duration_s", dur, ref, 0.01 * ref))
            out.append(_case("dem3d.impact.linear_restitution_undamped", e, 1.0, 1e-3))
        else:
            ref = math.exp(-beta * math.pi / math.sqrt(1 - beta**2))
            out.append(_case("dem3d.impact.restitution_beta0.3", e, ref, 0.01 * ref))
    return out


def case_hertz() -> list[dict]:
    """Hertz: the force-overlap law of the kernel against ``fn = 4/3 E* sqrt(R) un^1.5``
    (``E* = G / (1 - nu)``, ``R = r1 r2 / (r1 + r2)``) for unequal spheres, and the
    impact of two equal spheres against Hertz theory: ``un_max = (15 m* v^2 /
    (16 E* sqrt(R)))^(2/5)``, duration ``2.9432 un_max / v`` (v the approach speed)."""
    p = ContactParams(law="hertz", shear_modulus=2e8, poisson=0.25, local_damping=0.0,
                      friction=0.0)  # fmt: skip
    estar = p.shear_modulus / (1 - p.poisson)
    r1, r2 = 0.01, 0.006
    R = r1 * r2 / (r1 + r2)
    worst = 0.0
    dirn = np.array([1.0, 2.0, -0.5]) / np.linalg.norm([1.0, 2.0, -0.5])
    for ov in np.geomspace(1e-6, 1e-3, 7):
        c = np.full(3, 0.2)
        x = np.array([c, c + (r1 + r2 - ov) * dirn])
        st = SphereState.from_particles(x, np.array([r1, r2]), np.eye(3) * 0.4, p)
        build_pair_list(st)
        f = evaluate_contacts(st).force[1]
        worst = max(worst, abs(f @ dirn / (4 / 3 * estar * math.sqrt(R) * ov**1.5) - 1.0))
    out = [_case("dem3d.hertz.force_overlap_max_rel_error", worst, 0.0, 1e-9)]
    r, v = 0.01, 0.1
    st = two_spheres(p, [2 * r * (1 + 1e-5), 0, 0], [v / 2, 0, 0], [-v / 2, 0, 0], dt_frac=0.002)
    mstar = st.mass[0] / 2
    dur, max_ov = collide(st)
    un = (15 * mstar * v**2 / (16 * estar * math.sqrt(r / 2))) ** 0.4
    out.append(_case("dem3d.hertz.impact_max_overlap_m", max_ov, un, 0.01 * un))
    out.append(_case("dem3d.hertz.impact_duration_s", dur, 2.9432 * un / v, 0.01 * 2.9432 * un / v))
    return out


def case_coulomb() -> list[dict]:
    """Two spheres pressed at a fixed overlap, one sliding at constant tangential
    velocity in a direction oblique to the axes: the spring grows as kt du until
    ``|fs| = mu fn`` exactly, and then opposes the sliding."""
    p = ContactParams(friction=0.5, local_damping=0.0)
    r, ov = 0.01, 1e-5
    n = np.array([0.0, 0.0, 1.0])
    st = two_spheres(p, (2 * r - ov) * n, [0, 0, 0], [0, 0, 0], L=0.4)
    build_pair_list(st)
    vt = np.array([0.1, 0.2, 0.0])
    st.v[1] = vt
    ratio = 0.0
    for _ in range(400):
        evaluate_contacts(st, full=False, need_k=False)
        ratio = max(ratio, np.linalg.norm(st.pair_fs[0]) / (p.friction * st.pair_fn[0]))
    cosang = -st.pair_fs[0] @ vt / (np.linalg.norm(st.pair_fs[0]) * np.linalg.norm(vt))
    return [
        _case("dem3d.coulomb.max_ft_over_mu_fn", ratio, 1.0, 1e-12),
        _case("dem3d.coulomb.sliding_flag", float(st.pair_flag[0]), 2.0, 0.0),
        _case("dem3d.coulomb.force_opposes_sliding_cos", cosang, 1.0, 1e-9),
    ]


def case_oblique_impact(law: str = "linear") -> list[dict]:
    """Oblique impact of two equal spheres (Maw et al. 1976), gross-sliding regime
    (tangential/normal approach speed ``vt / vn > 7 mu``): the tangential impulse is
    ``mu`` times the normal one, so after an elastic impact (e = 1) each sphere
    spins at ``w = 5 mu vn / (2 r)`` and the tangential relative velocity of the
    centres drops by ``2 mu vn`` (1 %)."""
    mu = 0.2
    if law == "linear":
        p = ContactParams(friction=mu, local_damping=0.0)
    else:
        # stiff grains: a short contact, so the normal turns little while sliding
        p = ContactParams(law="hertz", shear_modulus=2e10, friction=mu, local_damping=0.0)
    r, vn, vt = 0.01, 0.1, 0.3
    st = two_spheres(p, [2 * r * (1 + 1e-5), 0, 0], [vn / 2, vt / 2, 0], [-vn / 2, -vt / 2, 0],
                     dt_frac=0.002)  # fmt: skip
    collide(st)
    w_ref = 5 * mu * vn / (2 * r)
    dvt = (st.v[0, 1] - st.v[1, 1]) - vt
    return [
        _case(f"dem3d.oblique.{law}_spin_rad_s", abs(st.w[0, 2]), w_ref, 0.01 * w_ref),
        _case(f"dem3d.oblique.{law}_tangential_velocity_change", dvt, -2 * mu * vn,
              0.01 * 2 * mu * vn),
    ]  # fmt: skip


def packing(n: int = 200, seed: int = 0, **kw) -> SphereState:
    """A prepared n-sphere packing at 100 kPa (``kw``: ContactParams fields)."""
    return prepare_packing3d(PackingOptions3D(n_particles=n, seed=seed), ContactParams(**kw)).state


def case_energy(st: SphereState, n_steps: int = 10_000, ke_ratio: float = 0.1,
                dt_frac: float = 0.25) -> list[dict]:  # fmt: skip
    """Undamped frictionless packing in a fixed cell with random velocities (kinetic
    energy ``ke_ratio`` times the elastic one): largest relative deviation of
    kinetic + elastic energy over n_steps at ``dt_frac`` times the packing's dt."""
    st = st.copy()
    st.set_params(ContactParams(friction=0.0, local_damping=0.0))
    st.params[:, 7] *= dt_frac
    rng = np.random.default_rng(1)
    st.v[:] = rng.normal(0, 1.0, st.v.shape)
    st.w[:] = 0.0
    st.pair_fs[:] = 0.0
    pe = steps(st.copy(), 1).elastic_energy[0]
    st.v *= math.sqrt(ke_ratio * pe / (0.5 * np.sum(st.mass[:, None] * st.v**2)))
    es = []
    for _ in range(n_steps // 100):
        d = steps(st, 100)
        es.append(d.kinetic_energy[0] + d.elastic_energy[0])
    es = np.array(es)
    drift = np.max(np.abs(es - es[0])) / es[0]
    return [_case(f"dem3d.energy.relative_drift_{n_steps}_steps", drift, 0.0, 1e-3)]


def case_preparation(st: SphereState, p0: float = 1e5) -> list[dict]:
    """The prepared packing is at p0 (1 %) with a near-symmetric stress."""
    h = homogenise(st)
    pm = -h.mean_stress[0]
    return [
        _case("dem3d.prep.mean_stress_Pa", pm, p0, 0.01 * p0),
        _case("dem3d.prep.stress_asymmetry_over_p", h.stress_asym[0] / pm, 0.0, 1e-2),
    ]


def rotation(rv) -> np.ndarray:
    """Rotation matrix of the rotation vector rv (3,) [rad] (Rodrigues)."""
    rv = np.asarray(rv, float)
    th = np.linalg.norm(rv)
    k = rv / th
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + math.sin(th) * K + (1 - math.cos(th)) * K @ K


def voigt_to_tensor(s) -> np.ndarray:
    """(3, 3) tensor of a stress Voigt row [11 22 33 23 13 12]."""
    return np.array([[s[0], s[5], s[4]], [s[5], s[1], s[3]], [s[4], s[3], s[2]]])


def case_objectivity(st: SphereState, rv=(0.1, 0.2, -0.25)) -> list[dict]:
    """A rigid rotation of the cell (no strain) rotates the stress: ``R S R^T``."""
    st = st.copy()
    S0 = voigt_to_tensor(homogenise(st).stress[0])
    res = apply_strain(st, np.zeros(6), LoadOptions(max_strain_per_step=1e-4, relax=False),
                       d_rotation=np.asarray(rv))  # fmt: skip
    R = rotation(rv)
    err = np.abs(voigt_to_tensor(res.stress[0]) - R @ S0 @ R.T).max()
    p = -np.trace(S0) / 3
    return [_case("dem3d.objectivity.rotated_stress_error_over_p", err / p, 0.0, 1e-2)]


def case_stiffness_properties(st: SphereState) -> list[dict]:
    """The affine stiffness D is major symmetric and positive semi-definite."""
    D = homogenise(st).stiffness[0]
    asym = np.abs(D - D.T).max() / np.abs(D).max()
    emin = np.linalg.eigvalsh(0.5 * (D + D.T)).min() / np.abs(D).max()
    return [
        _case("dem3d.D.major_symmetry", asym, 0.0, 1e-12),
        _case("dem3d.D.min_eigenvalue_over_max", emin, 0.0, 0.0, passed=emin >= -1e-12),
    ]


def cubic_lattice(m: int = 4, r: float = 0.005, squeeze: float = 1e-3, params=None):
    """Simple-cubic lattice of m^3 spheres, every contact overlapping by squeeze * 2r."""
    a = 2 * r * (1 - squeeze)
    g = (np.arange(m) + 0.5) * a
    x = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1).reshape(-1, 3)
    return SphereState.from_particles(x, np.full(m**3, r), np.eye(3) * m * a,
                                      params or ContactParams())  # fmt: skip


def case_cubic_stiffness() -> list[dict]:
    """D of a simple-cubic lattice (spacing a) against the analytic affine stiffness
    ``diag(kn/a, kn/a, kn/a, kt/(2a), kt/(2a), kt/(2a))`` (engineering shear), for
    the linear law and for Hertz (tangent kn)."""
    out = []
    r, squeeze = 0.005, 1e-3
    for p in (ContactParams(), ContactParams(law="hertz")):
        st = cubic_lattice(r=r, squeeze=squeeze, params=p)
        apply_strain(st, np.zeros(6), LoadOptions(relax=False))
        D = homogenise(st).stiffness[0]
        a = 2 * r * (1 - squeeze)
        kn, kt = pair_stiffness3d(p, r, r, overlap=2 * r * squeeze)
        ref = np.diag([kn / a] * 3 + [kt / (2 * a)] * 3)
        err = np.abs(D - ref).max() / np.abs(ref).max()
        out.append(_case(f"dem3d.D.simple_cubic_affine_rel_error_{p.law}", err, 0.0, 1e-9))
    return out


def brute_force_pairs(st: SphereState, m: int = 3) -> set:
    """Every (i, j, n) with i <= j, |h (s_j - s_i + n)| < r_i + r_j + skin (numpy,
    image shifts |n_a| <= m), the s wrapped into [0, 1) first."""
    s = st.s - np.floor(st.s)
    h = st.h[0]
    rc = st.radius[:, None] + st.radius[None, :] + st.skin[0]
    out = set()
    rng = range(-m, m + 1)
    for n in [(a, b, c) for a in rng for b in rng for c in rng]:
        d = (s[None, :, :] - s[:, None, :] + np.array(n)) @ h.T
        hit = np.argwhere(np.einsum("ijk,ijk->ij", d, d) < rc**2)
        for i, j in hit:
            if i < j or (i == j and n > (0, 0, 0)):
                out.add((int(i), int(j), n))
    return out


def engine_pairs(st: SphereState) -> set:
    """The (i, j, n) of the engine's rebuilt pair list."""
    k = build_pair_list(st)
    return {(int(st.pair_i[c]), int(st.pair_j[c]), tuple(int(a) for a in st.pair_n[c]))
            for c in range(k)}  # fmt: skip


def case_neighbours(n: int = 400, fraction: float = 0.1, shears=(0.0, 0.5, 1.0, 1.5),
                    seed: int = 3) -> list[dict]:  # fmt: skip
    """The pair search equals a brute-force search over periodic images for random
    spheres in cells sheared by ``gamma_12 = g``, ``gamma_13 = g / 2`` up to 1.5
    (the cell-list path while every axis has >= 3 grid cells, the all-images path
    beyond): missing plus extra pairs (0), and the grid sizes seen."""
    x, rad, L = random_spheres(n, 0.0025, 0.0045, fraction, seed)
    base = SphereState.from_particles(x, rad, np.eye(3) * L, ContactParams())
    worst = 0
    for g in shears:
        t = base.copy()
        F = np.eye(3)
        F[0, 1] = g
        F[0, 2] = 0.5 * g
        t.h[0] = F @ base.h[0]
        m = int(math.ceil((2 * rad.max() + t.skin[0]) / heights(t.h[0]).min())) + 1
        worst = max(worst, len(engine_pairs(t) ^ brute_force_pairs(t, m)))
    return [_case("dem3d.neighbours.mismatched_pairs_shear_1.5", worst, 0, 0)]


def case_mixed_servo(st: SphereState) -> list[dict]:
    """Drained triaxial step: axial strain on 33, lateral stresses held by the servo."""
    st = st.copy()
    s0 = homogenise(st).stress[0]
    res = load(st, [0, 0, -1e-3, 0, 0, 0], LoadOptions(relax=True, max_relax_steps=30_000),
               mode=(1, 1, 0, 1, 1, 1), stress_target=[s0[0], s0[1], 0, 0, 0, 0])  # fmt: skip
    return [
        _case("dem3d.servo.lateral_stress_11_Pa", res.stress[0, 0], s0[0], 0.01 * abs(s0[0])),
        _case("dem3d.servo.lateral_stress_22_Pa", res.stress[0, 1], s0[1], 0.01 * abs(s0[1])),
    ]


def run_cases(smoke: bool = True) -> list[dict]:
    """All 3D DEM verification cases; ``smoke`` uses a 100-sphere packing and a
    shorter energy run (2 000 steps instead of 10 000)."""
    out: list[dict] = []
    out += case_linear_impact()
    out += case_hertz()
    out += case_coulomb()
    out += case_oblique_impact("linear")
    out += case_oblique_impact("hertz")
    out += case_cubic_stiffness()
    out += case_neighbours()
    st = packing(100 if smoke else 300)
    out += case_preparation(st)
    out += case_stiffness_properties(st)
    out += case_objectivity(st)
    out += case_mixed_servo(st)
    out += case_energy(st, 2_000 if smoke else 10_000)
    return out
