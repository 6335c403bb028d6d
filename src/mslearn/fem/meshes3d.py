"""3D meshes with named faces: structured boxes, spherical-shell octants, gmsh boxes.

Face names of a box [x0, x0 + lx] x [y0, y0 + ly] x [z0, z0 + lz] (the convention of
every 3D problem): ``left`` / ``right`` (x = x0 / x0 + lx), ``front`` / ``back``
(y = y0 / y0 + ly), ``bottom`` / ``top`` (z = z0 / z0 + lz). z is the vertical (axial)
axis.
"""

from __future__ import annotations

import numpy as np
import skfem as fe

from mslearn.core.errors import MslearnInputError
from mslearn.fem.meshes import distort, gmsh_build

BOX_FACES = ("left", "right", "front", "back", "bottom", "top")


def _positive(**values: float) -> None:
    for name, v in values.items():
        if not v > 0:
            raise MslearnInputError(f"{name} is {v}; expected a positive number")


def box_mesh(
    lx: float,
    ly: float,
    lz: float,
    nx: int,
    ny: int,
    nz: int,
    kind: str = "hex",
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0),
    distortion: float = 0.0,
    seed: int = 0,
) -> fe.Mesh:
    """Structured nx x ny x nz box [m] of hexahedra (``kind`` "hex": HEX8/HEX20/HEX27) or
    tetrahedra ("tet": TET4/TET10, scikit-fem's split of each cell).

    Faces named as in the module doc. ``distortion`` > 0 moves interior vertices randomly
    by up to that fraction of the smallest edge (``seed``), for patch tests.
    """
    _positive(lx=lx, ly=ly, lz=lz, nx=nx, ny=ny, nz=nz)
    if kind not in ("hex", "tet"):
        raise MslearnInputError(f"mesh kind is {kind!r}; expected 'hex' or 'tet'")
    x0, y0, z0 = (float(v) for v in origin)
    xs = np.linspace(x0, x0 + lx, int(nx) + 1)
    ys = np.linspace(y0, y0 + ly, int(ny) + 1)
    zs = np.linspace(z0, z0 + lz, int(nz) + 1)
    cls = fe.MeshHex if kind == "hex" else fe.MeshTet
    m = with_box_faces(cls.init_tensor(xs, ys, zs), (x0, y0, z0), (x0 + lx, y0 + ly, z0 + lz))
    return distort(m, distortion, seed) if distortion > 0 else m


def with_box_faces(m: fe.Mesh, lo: tuple[float, ...], hi: tuple[float, ...]) -> fe.Mesh:
    """``m`` with the six face sets of the box [lo, hi] named as in the module doc."""
    tol = 1e-9 * max(h - low for h, low in zip(hi, lo, strict=True))
    named = {}
    for axis, (lo_name, hi_name) in enumerate((("left", "right"), ("front", "back"))):
        named[lo_name] = _plane(axis, lo[axis], tol)
        named[hi_name] = _plane(axis, hi[axis], tol)
    named["bottom"] = _plane(2, lo[2], tol)
    named["top"] = _plane(2, hi[2], tol)
    return m.with_boundaries(named)


def _plane(axis: int, value: float, tol: float):
    return lambda x: np.abs(x[axis] - value) < tol


# ----------------------------------------------------------------- spherical shell
def _octant_reference(n_radial: int, n_surface: int, kind: str) -> fe.Mesh:
    """The reference shell 1 <= max(x, y, z) <= 2 of the positive octant as three
    structured patches (one per cube face x = 1, y = 1, z = 1), merged.

    Each patch is the box (rho, s, t) in [1, 2] x [0, 1]^2 mapped by rho * q(s, t), with
    the parameter order chosen so the Jacobian (rho^2) is positive.
    """
    if kind != "hex":
        raise MslearnInputError(f"spherical shell mesh kind is {kind!r}; expected 'hex'")
    rho = np.linspace(1.0, 2.0, int(n_radial) + 1)
    st = np.linspace(0.0, 1.0, int(n_surface) + 1)
    one = fe.MeshHex.init_tensor(rho, st, st)
    r, a, b = one.p
    patches = (
        np.vstack([r, r * a, r * b]),  # face x = 1: (rho, y, z)
        np.vstack([r * b, r, r * a]),  # face y = 1: params (rho, z, x)
        np.vstack([r * a, r * b, r]),  # face z = 1: params (rho, x, y)
    )
    p = np.hstack(patches)
    t = np.hstack([one.t + k * one.nvertices for k in range(3)])
    keys = np.round(p.T, 12) + 0.0
    uniq, inverse = np.unique(keys, axis=0, return_inverse=True)
    return fe.MeshHex(np.ascontiguousarray(uniq.T), inverse.ravel()[t])


def spherical_shell_octant(
    inner: float,
    outer: float,
    n_radial: int,
    n_surface: int,
    order: int = 1,
    kind: str = "hex",
) -> fe.Mesh:
    """Hexahedral mesh of the octant x, y, z >= 0 of the shell inner <= r <= outer [m].

    Three structured patches of ``n_surface`` x ``n_surface`` cells over the sphere
    (cube-sphere map: the point rho q of the reference shell goes to radius
    inner + (outer - inner)(rho - 1) along q / |q|) and ``n_radial`` cells through the
    wall: no degenerate (pole) cells. ``order`` 2 gives a MeshHex2 whose 27 nodes are the
    mapped nodes of the straight reference cells, so faces are curved (isoparametric
    HEX27); order 1 a MeshHex1 with vertices on the spheres (HEX8, HEX20).
    Boundaries: inner, outer, x0 (x = 0), y0 (y = 0), z0 (z = 0).
    """
    _positive(inner=inner, outer=outer, n_radial=n_radial, n_surface=n_surface)
    if inner >= outer:
        raise MslearnInputError(f"inner radius {inner} must be smaller than outer {outer}")
    base = _octant_reference(n_radial, n_surface, kind)
    tol = 1e-9
    named = {
        "inner": base.facets_satisfying(lambda x: np.abs(x.max(axis=0) - 1.0) < tol, True),
        "outer": base.facets_satisfying(lambda x: np.abs(x.max(axis=0) - 2.0) < tol, True),
        "x0": base.facets_satisfying(lambda x: np.abs(x[0]) < tol, True),
        "y0": base.facets_satisfying(lambda x: np.abs(x[1]) < tol, True),
        "z0": base.facets_satisfying(lambda x: np.abs(x[2]) < tol, True),
    }
    ref = fe.MeshHex2.from_mesh(base) if order == 2 else base
    q = ref.doflocs
    rho = q.max(axis=0)
    radius = inner + (outer - inner) * (rho - 1.0)
    x = q / np.linalg.norm(q, axis=0) * radius
    x[np.abs(q) < 1e-12] = 0.0  # symmetry planes stay exactly planar
    m = type(ref)(x, ref.t)
    if not np.array_equal(m.facets, base.facets):
        raise RuntimeError("spherical_shell_octant: facet numbering changed under the map")
    return m.with_boundaries(named)


# ----------------------------------------------------------------- gmsh
def gmsh_box_mesh(lx: float, ly: float, lz: float, h: float, order: int = 1) -> fe.Mesh:
    """Unstructured tetrahedral (gmsh) box [0, lx] x [0, ly] x [0, lz] [m], element size h.

    Faces are named physical surfaces (module doc), read back through meshio; ``order`` 1
    (TET4) only: scikit-fem does not read named faces of quadratic gmsh meshes. gmsh
    missing: one :class:`MslearnInputError` line.
    """
    _positive(lx=lx, ly=ly, lz=lz, h=h)
    if order != 1:
        raise MslearnInputError(f"gmsh box order is {order}; expected 1")
    centres = {
        "left": (0.0, ly / 2, lz / 2),
        "right": (lx, ly / 2, lz / 2),
        "front": (lx / 2, 0.0, lz / 2),
        "back": (lx / 2, ly, lz / 2),
        "bottom": (lx / 2, ly / 2, 0.0),
        "top": (lx / 2, ly / 2, lz),
    }

    def build(gmsh):
        vol = gmsh.model.occ.addBox(0, 0, 0, lx, ly, lz)
        gmsh.model.occ.synchronize()
        gmsh.option.setNumber("Mesh.MeshSizeMin", h)
        gmsh.option.setNumber("Mesh.MeshSizeMax", h)
        surfaces = [tag for _, tag in gmsh.model.getBoundary([(3, vol)], oriented=False)]
        for name, c in centres.items():
            tag = min(
                surfaces,
                key=lambda s: np.linalg.norm(np.subtract(gmsh.model.occ.getCenterOfMass(2, s), c)),
            )
            gmsh.model.addPhysicalGroup(2, [tag], name=name)
        gmsh.model.addPhysicalGroup(3, [vol], name="body")

    return gmsh_build(build, order, False, dim=3)
