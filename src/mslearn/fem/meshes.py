"""Meshes with named boundaries: structured rectangles and gmsh-built geometries.

Every mesh is a scikit-fem mesh whose ``boundaries`` map names to facet sets.
gmsh geometries name their boundaries with physical groups. 3D meshes (boxes,
spherical-shell sectors, gmsh volumes) are in :mod:`mslearn.fem.meshes3d`;
:func:`distort` and :func:`load_mesh` serve both dimensions.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import skfem as fe

from mslearn.core.errors import MslearnInputError


def _positive(**values: float) -> None:
    for name, v in values.items():
        if not v > 0:
            raise MslearnInputError(f"{name} is {v}; expected a positive number")


def rectangle(
    width: float,
    height: float,
    nx: int,
    ny: int,
    family: str = "quad",
    x0: float = 0.0,
    y0: float = 0.0,
) -> fe.Mesh:
    """Structured nx x ny mesh of [x0, x0+width] x [y0, y0+height].

    ``family`` "quad" (Q4/Q8) or "tri" (T3/T6, each quad split in two).
    Boundaries: left, right, bottom, top.
    """
    _positive(width=width, height=height, nx=nx, ny=ny)
    xs = np.linspace(x0, x0 + width, int(nx) + 1)
    ys = np.linspace(y0, y0 + height, int(ny) + 1)
    cls = fe.MeshQuad if family == "quad" else fe.MeshTri
    m = cls.init_tensor(xs, ys)
    return with_box_boundaries(m, x0, x0 + width, y0, y0 + height)


def with_box_boundaries(m: fe.Mesh, x0: float, x1: float, y0: float, y1: float) -> fe.Mesh:
    """``m`` with facet sets left / right / bottom / top of the box [x0, x1] x [y0, y1]."""
    tol = 1e-9 * max(x1 - x0, y1 - y0)
    return m.with_boundaries(
        {
            "left": lambda x: np.abs(x[0] - x0) < tol,
            "right": lambda x: np.abs(x[0] - x1) < tol,
            "bottom": lambda x: np.abs(x[1] - y0) < tol,
            "top": lambda x: np.abs(x[1] - y1) < tol,
        }
    )


def distort(m: fe.Mesh, amount: float = 0.2, seed: int = 0) -> fe.Mesh:
    """Move interior vertices randomly by up to ``amount`` x the smallest edge length
    (2D or 3D linear meshes)."""
    rng = np.random.default_rng(seed)
    p = m.p.copy()
    dim = p.shape[0]
    interior = np.setdiff1d(np.arange(p.shape[1]), m.boundary_nodes())
    edges = m.facets if dim == 2 else m.edges
    h = np.min(np.linalg.norm(p[:, edges[0]] - p[:, edges[1]], axis=0))
    p[:, interior] += amount * h * rng.uniform(-1, 1, (dim, interior.size))
    out = type(m)(p, m.t)
    return out.with_boundaries({k: _facet_filter(m, v) for k, v in (m.boundaries or {}).items()})


def _facet_filter(m: fe.Mesh, facets: np.ndarray) -> Callable:
    """A with_boundaries() selector reproducing a facet set by its midpoints."""
    mids = m.p[:, m.facets[:, facets]].mean(axis=1)

    def select(x: np.ndarray) -> np.ndarray:
        if x.shape[0] == 3:
            return np.isin(_point_keys(x), _point_keys(mids))
        d = np.min(np.hypot(x[0][:, None] - mids[0], x[1][:, None] - mids[1]), axis=1)
        return d < 1e-12

    return select


def _point_keys(x: np.ndarray) -> np.ndarray:
    """(n,) complex keys of 3D points (3, n) rounded to 12 decimals, for exact set lookup."""
    r = np.round(np.asarray(x, float), 12) + 0.0  # + 0.0: -0.0 -> 0.0
    return np.ascontiguousarray(r.T).view(np.dtype((np.void, 24))).ravel()


def load_mesh(path: str | Path) -> fe.Mesh:
    """Load a mesh file (gmsh .msh, any meshio format) with named boundaries."""
    path = Path(path)
    if not path.is_file():
        raise MslearnInputError(f"mesh file {str(path)!r} does not exist")
    try:
        return _load_quietly(path)
    except Exception as exc:  # meshio raises many types
        raise MslearnInputError(f"mesh file {str(path)!r} could not be read: {exc}") from exc


def _load_quietly(path: Path) -> fe.Mesh:
    """``fe.Mesh.load`` with meshio's stray prints sent to stderr (stdout is for --json)."""
    with contextlib.redirect_stdout(sys.stderr):
        return fe.Mesh.load(str(path))


def gmsh_build(build: Callable[[object], None], order: int, quads: bool, dim: int = 2) -> fe.Mesh:
    """Run a gmsh geometry builder, mesh it in ``dim`` D and load it into scikit-fem.

    ``build(gmsh)`` adds the geometry and its named physical groups (boundaries: curves in
    2D, surfaces in 3D). gmsh missing: one :class:`MslearnInputError` line.
    """
    try:
        import gmsh
    except ImportError as exc:  # the wheel or its shared libraries
        raise MslearnInputError(
            f"gmsh meshes need the gmsh Python package, which could not be imported ({exc}); "
            "install gmsh or use a structured mesh"
        ) from None
    return _gmsh_run(gmsh, build, order, quads, dim)


def _gmsh_run(gmsh, build, order: int, quads: bool, dim: int) -> fe.Mesh:
    """gmsh session: geometry, options, mesh generation, write and load."""
    gmsh.initialize(interruptible=False)
    try:
        gmsh.option.setNumber("General.Terminal", 0)
        gmsh.model.add("mslearn")
        build(gmsh)
        gmsh.model.geo.synchronize()
        if quads:
            gmsh.option.setNumber("Mesh.RecombineAll", 1)
            gmsh.option.setNumber("Mesh.Algorithm", 8)
            gmsh.option.setNumber("Mesh.RecombinationAlgorithm", 1)
        gmsh.model.mesh.generate(dim)
        if order == 2:
            gmsh.model.mesh.setOrder(2)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "mesh.msh"
            gmsh.write(str(path))
            return _load_quietly(path)
    finally:
        gmsh.finalize()


def strip_footing_mesh(
    half_width: float,
    footing_half_width: float,
    depth: float,
    h_far: float,
    h_edge: float,
    quads: bool = False,
) -> fe.Mesh:
    """Half domain [0, half_width] x [-depth, 0] under a footing on [0, b] at the top.

    Boundaries: left (symmetry), right, bottom, footing (0 <= x <= b, y = 0),
    surface (b <= x, y = 0). Element size h_edge at the footing edge, h_far elsewhere.
    """
    _positive(
        half_width=half_width,
        footing_half_width=footing_half_width,
        depth=depth,
        h_far=h_far,
        h_edge=h_edge,
    )
    if footing_half_width >= half_width:
        raise MslearnInputError(
            f"footing half width {footing_half_width} must be smaller than the domain "
            f"half width {half_width}"
        )
    W, D, b = half_width, depth, footing_half_width

    def build(gmsh):
        g = gmsh.model.geo
        pts = [
            g.addPoint(0, -D, 0, h_far),
            g.addPoint(W, -D, 0, h_far),
            g.addPoint(W, 0, 0, h_far),
            g.addPoint(b, 0, 0, h_edge),
            g.addPoint(0, 0, 0, 2 * h_edge),
        ]
        lines = [g.addLine(pts[i], pts[(i + 1) % 5]) for i in range(5)]
        s = g.addPlaneSurface([g.addCurveLoop(lines)])
        g.synchronize()
        for name, ln in zip(["bottom", "right", "surface", "footing", "left"], lines, strict=True):
            gmsh.model.addPhysicalGroup(1, [ln], name=name)
        gmsh.model.addPhysicalGroup(2, [s], name="soil")

    return gmsh_build(build, 1, quads)


def curved_quadratic(m: fe.MeshTri1, project: Callable[[np.ndarray], np.ndarray]) -> fe.Mesh:
    """MeshTri2 from a MeshTri1: edge midpoints moved by ``project`` (2, n) -> (2, n).

    Used for isoparametric T6 on curved boundaries (``project`` maps boundary
    midpoints onto the exact curve and leaves others alone). Boundaries are kept.
    """
    mids = m.p[:, m.facets].mean(axis=1)
    m2 = fe.MeshTri2(np.hstack([m.p, project(mids)]), m.t)
    return m2.with_boundaries({k: _facet_filter(m, v) for k, v in m.boundaries.items()})


def quarter_annulus_mesh(
    inner: float,
    outer: float,
    h: float,
    order: int = 2,
    quads: bool = False,
    h_outer: float | None = None,
) -> fe.Mesh:
    """Quarter annulus inner <= r <= outer, 0 <= theta <= pi/2 (gmsh; curved MeshTri2 if order 2).

    Element size ``h`` [m] at the inner arc and ``h_outer`` [m] (default ``h``) at the outer
    arc, graded in between. Boundaries: inner, outer, bottom (y = 0), left (x = 0).
    """
    h_out = h if h_outer is None else h_outer
    _positive(inner=inner, outer=outer, h=h, h_outer=h_out)
    if inner >= outer:
        raise MslearnInputError(f"inner radius {inner} must be smaller than outer {outer}")

    def build(gmsh):
        g = gmsh.model.geo
        c = g.addPoint(0, 0, 0, h)
        a1, a2 = g.addPoint(inner, 0, 0, h), g.addPoint(outer, 0, 0, h_out)
        b2, b1 = g.addPoint(0, outer, 0, h_out), g.addPoint(0, inner, 0, h)
        lb = g.addLine(a1, a2)
        lo = g.addCircleArc(a2, c, b2)
        ll = g.addLine(b2, b1)
        li = g.addCircleArc(b1, c, a1)
        s = g.addPlaneSurface([g.addCurveLoop([lb, lo, ll, li])])
        g.synchronize()
        for name, ln in (("bottom", lb), ("outer", lo), ("left", ll), ("inner", li)):
            gmsh.model.addPhysicalGroup(1, [ln], name=name)
        gmsh.model.addPhysicalGroup(2, [s], name="body")

    m = gmsh_build(build, 1, quads)
    if order == 1 or quads:
        return m

    def onto_arcs(x: np.ndarray) -> np.ndarray:
        r = np.hypot(x[0], x[1])
        out = x.copy()
        for radius, size in ((inner, h), (outer, h_out)):
            on = np.abs(r - radius) < 0.25 * size
            out[:, on] *= radius / r[on]
        return out

    return curved_quadratic(m, onto_arcs)


def _wall_boundaries(m: fe.Mesh, width: float, height: float, wall_height: float) -> fe.Mesh:
    """Name the facets of a backfill [0, width] x [0, height] with a wall on the right."""
    tol = 1e-9 * max(width, height)
    y_toe = height - wall_height
    named = {
        "left": lambda x: np.abs(x[0]) < tol,
        "bottom": lambda x: np.abs(x[1]) < tol,
        "top": lambda x: np.abs(x[1] - height) < tol,
        "wall": lambda x: (np.abs(x[0] - width) < tol) & (x[1] > y_toe),
    }
    if wall_height < height:
        named["foundation"] = lambda x: (np.abs(x[0] - width) < tol) & (x[1] < y_toe)
    return m.with_boundaries(named)


def _check_wall(width: float, height: float, wall_height: float) -> None:
    _positive(width=width, height=height, wall_height=wall_height)
    if wall_height > height * (1 + 1e-12):
        raise MslearnInputError(
            f"wall_height is {wall_height}; expected at most the backfill height {height}"
        )


def retaining_wall_mesh(
    width: float,
    height: float,
    wall_height: float,
    nx: int,
    ny: int,
    family: str = "quad",
) -> fe.Mesh:
    """Structured backfill [0, width] x [0, height] [m] retained by a wall on the right.

    ``ny`` element rows over the height, split so that the wall toe
    (x = width, y = height - wall_height) is a node. ``family`` "quad" or "tri".
    Boundaries: left (far side), bottom (base), top (backfill surface), wall
    (x = width, y >= toe) and, if wall_height < height, foundation (x = width, y < toe).
    """
    _check_wall(width, height, wall_height)
    _positive(nx=nx, ny=ny)
    y_toe = height - wall_height
    if wall_height < height * (1 - 1e-12):
        if ny < 2:
            raise MslearnInputError(f"ny is {ny}; a wall shorter than the backfill needs ny >= 2")
        n_wall = min(max(1, round(ny * wall_height / height)), ny - 1)
        ys = np.concatenate(
            [np.linspace(0.0, y_toe, ny - n_wall + 1), np.linspace(y_toe, height, n_wall + 1)[1:]]
        )
    else:
        ys = np.linspace(0.0, height, int(ny) + 1)
    xs = np.linspace(0.0, width, int(nx) + 1)
    cls = fe.MeshQuad if family == "quad" else fe.MeshTri
    return _wall_boundaries(cls.init_tensor(xs, ys), width, height, wall_height)


def retaining_wall_gmsh(
    width: float,
    height: float,
    wall_height: float,
    h: float,
    h_wall: float | None = None,
    quads: bool = False,
) -> fe.Mesh:
    """Unstructured (gmsh) backfill [0, width] x [0, height] [m] with a wall on the right.

    Element size ``h`` [m], ``h_wall`` [m] (default ``h``) at the wall's toe and top.
    Boundaries as :func:`retaining_wall_mesh`.
    """
    _check_wall(width, height, wall_height)
    hw = h if h_wall is None else h_wall
    _positive(h=h, h_wall=hw)
    y_toe = height - wall_height
    partial = wall_height < height * (1 - 1e-12)

    def build(gmsh):
        """The backfill outline (toe corner if the wall is partial) and physical groups."""
        g = gmsh.model.geo
        corners = [(0, 0, h), (width, 0, hw if not partial else h)]
        corners += [(width, y_toe, hw)] if partial else []
        corners += [(width, height, hw), (0, height, h)]
        pts = [g.addPoint(x, y, 0, size) for x, y, size in corners]
        lines = [g.addLine(pts[i], pts[(i + 1) % len(pts)]) for i in range(len(pts))]
        s = g.addPlaneSurface([g.addCurveLoop(lines)])
        g.synchronize()
        names = ["bottom"] + (["foundation"] if partial else []) + ["wall", "top", "left"]
        for name, ln in zip(names, lines, strict=True):
            gmsh.model.addPhysicalGroup(1, [ln], name=name)
        gmsh.model.addPhysicalGroup(2, [s], name="backfill")

    return gmsh_build(build, 1, quads)


def polar_annulus_mesh(
    inner: float,
    outer: float,
    n_radial: int,
    n_theta: int,
    spacing: str = "log",
    family: str = "quad",
    order: int = 1,
) -> fe.Mesh:
    """Structured quarter annulus inner <= r <= outer [m], 0 <= theta <= pi/2.

    ``n_radial`` x ``n_theta`` cells in (r, theta); ``spacing`` "log" (r_i = a (b/a)^(i/n),
    cells of constant aspect ratio: fine at the cavity) or "uniform". ``family`` "quad" or
    "tri" (each cell split in two). ``order`` 1: straight-sided cells (MeshQuad1 /
    MeshTri1); 2: MeshQuad2 / MeshTri2 whose nodes are the polar map of a quadratic
    reference mesh, so the arcs are curved (isoparametric Q8, Q8R and T6).
    Boundaries: inner, outer, bottom (y = 0), left (x = 0).
    """
    _positive(inner=inner, outer=outer, n_radial=n_radial, n_theta=n_theta)
    if inner >= outer:
        raise MslearnInputError(f"inner radius {inner} must be smaller than outer {outer}")
    if spacing not in ("log", "uniform"):
        raise MslearnInputError(f"spacing is {spacing!r}; expected 'log' or 'uniform'")
    s = np.linspace(0.0, 1.0, int(n_radial) + 1)
    rs = inner * (outer / inner) ** s if spacing == "log" else inner + (outer - inner) * s
    ths = np.linspace(0.0, 0.5 * np.pi, int(n_theta) + 1)
    cls = fe.MeshQuad if family == "quad" else fe.MeshTri
    base = cls.init_tensor(rs, ths)
    tol = 1e-9 * outer
    named = {
        "inner": base.facets_satisfying(lambda x: np.abs(x[0] - inner) < tol, True),
        "outer": base.facets_satisfying(lambda x: np.abs(x[0] - outer) < tol, True),
        "bottom": base.facets_satisfying(lambda x: np.abs(x[1]) < 1e-12, True),
        "left": base.facets_satisfying(lambda x: np.abs(x[1] - 0.5 * np.pi) < 1e-12, True),
    }
    ref = base
    if order == 2:
        ref = (fe.MeshQuad2 if family == "quad" else fe.MeshTri2).from_mesh(base)
    r, th = ref.doflocs
    xy = np.vstack([r * np.cos(th), r * np.sin(th)])
    xy[0, np.abs(th - 0.5 * np.pi) < 1e-12] = 0.0
    m = type(ref)(xy, ref.t)
    if not np.array_equal(m.facets, base.facets):
        raise RuntimeError("polar_annulus_mesh: facet numbering changed under the polar map")
    return m.with_boundaries(named)


def facets_away_from(m: fe.Mesh, facets: np.ndarray, point: tuple[float, float]) -> np.ndarray:
    """The facets of ``facets`` (index array) with no vertex at ``point`` (x, y) [m].

    Used to leave a corner node out of a boundary whose reaction measures a load when
    another support also holds that node (its reaction would mix both).
    """
    ends = m.p[:, m.facets[:, facets]]  # (2, 2, n) vertex coordinates
    tol = 1e-9 * float(np.ptp(m.p, axis=1).max())
    at = np.any((np.abs(ends[0] - point[0]) < tol) & (np.abs(ends[1] - point[1]) < tol), axis=0)
    return np.asarray(facets)[~at]
