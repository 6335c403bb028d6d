"""3D FEM building blocks: elements, B operators, meshes and faces, loads, outputs, solver."""

import meshio
import numpy as np
import pytest
import skfem as fe
from pydantic import TypeAdapter, ValidationError
from skfem.helpers import sym_grad

from mslearn.core.errors import MslearnInputError
from mslearn.fem.discretisation import Discretisation
from mslearn.fem.elements import ElementName, ElementName3D, element_type
from mslearn.fem.loading import BodyForce, BoundaryConditions, Dirichlet, Pressure, rigid_platen
from mslearn.fem.measures import deviatoric_strain, stress_norm, volumetric_strain
from mslearn.fem.meshes import rectangle
from mslearn.fem.meshes3d import BOX_FACES, box_mesh, gmsh_box_mesh, spherical_shell_octant
from mslearn.fem.output import XdmfSeries, vertex_mesh
from mslearn.fem.solvers.implicit import NewtonOptions, StaticSolver
from mslearn.materials import DruckerPrager, LinearElastic

ELEMENTS_3D = ["HEX8", "HEX20", "HEX27", "TET4", "TET10"]
KIND = {"HEX8": "hex", "HEX20": "hex", "HEX27": "hex", "TET4": "tet", "TET10": "tet"}
N_QUAD = {"HEX8": 8, "HEX20": 27, "HEX27": 27, "TET4": 1, "TET10": 4}


@pytest.mark.parametrize("element", ELEMENTS_3D)
def test_element_table_gauss_points_and_volume(element):
    disc = Discretisation(box_mesh(1.0, 2.0, 3.0, 2, 2, 3, KIND[element]), element)
    assert disc.dim == 3 and disc.n_voigt == 6 and disc.n_quad == N_QUAD[element]
    assert disc.B.shape == (disc.n_el, disc.n_quad, 6, disc.n_dofe)
    assert disc.gauss_xy.shape == (disc.n_gp, 3)
    assert disc.weights.sum() == pytest.approx(6.0, rel=1e-13)


def test_mesh_family_mismatch_and_config_names():
    with pytest.raises(MslearnInputError, match="HEX8 needs a hex mesh; got a tet mesh"):
        Discretisation(box_mesh(1, 1, 1, 1, 1, 1, "tet"), "HEX8")
    with pytest.raises(MslearnInputError, match="Q4 needs a quad mesh; got a hex mesh"):
        Discretisation(box_mesh(1, 1, 1, 1, 1, 1), "Q4")
    assert TypeAdapter(ElementName3D).validate_python("hex27") == "HEX27"
    with pytest.raises(ValidationError, match="HEX8"):
        TypeAdapter(ElementName3D).validate_python("Q4")
    with pytest.raises(ValidationError):  # 2D problems keep 2D elements only
        TypeAdapter(ElementName).validate_python("HEX8")
    assert element_type("tet10").dim == 3 and element_type("Q8").dim == 2


@pytest.mark.parametrize("element", ["HEX8", "HEX27", "TET10"])
def test_assembly_matches_scikit_fem_in_voigt_order(element):
    """K = sum B^T D B w against scikit-fem's own forms with Voigt [11, 22, 33, 23, 13, 12]."""
    disc = Discretisation(box_mesh(1.0, 1.0, 2.0, 1, 2, 2, KIND[element], distortion=0.2), element)
    rng = np.random.default_rng(0)
    D = rng.standard_normal((disc.n_gp, 6, 6))
    Dq = D.reshape(disc.n_el, disc.n_quad, 6, 6).transpose(2, 3, 0, 1)
    pairs = [(0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)]

    @fe.BilinearForm
    def form(u, v, w):
        eu, ev = sym_grad(u), sym_grad(v)
        ue = [eu[a, b] * (1 if a == b else 2) for a, b in pairs]
        ve = [ev[a, b] * (1 if a == b else 2) for a, b in pairs]
        return sum(ve[i] * w["D"][i, j] * ue[j] for i in range(6) for j in range(6))

    Kref = form.assemble(disc.basis, D=Dq).toarray()
    np.testing.assert_allclose(disc.stiffness(D).toarray(), Kref, atol=1e-12 * abs(Kref).max())
    u = rng.standard_normal(disc.n_dof)
    s = rng.standard_normal((disc.n_gp, 6))
    # internal force is the transpose of the strain operator: s . B u = F(s) . u
    lhs = np.sum(disc.strain(u) * s * disc.weights.reshape(-1, 1))
    assert lhs == pytest.approx(disc.internal_force(s) @ u, rel=1e-12)


def test_shear_strain_lands_in_its_voigt_slot():
    """u = (0, 0, g y): gamma_23 = g only; u = (g z, 0, 0): gamma_13 = g only."""
    disc = Discretisation(box_mesh(1, 1, 1, 2, 2, 2), "HEX8")
    e = disc.strain(disc.interpolate_dofs(lambda x, y, z: (0 * x, 0 * x, 0.01 * y)))
    np.testing.assert_allclose(e, np.tile([0, 0, 0, 0.01, 0, 0], (disc.n_gp, 1)), atol=1e-15)
    e = disc.strain(disc.interpolate_dofs(lambda x, y, z: (0.01 * z, 0 * x, 0 * x)))
    np.testing.assert_allclose(e, np.tile([0, 0, 0, 0, 0.01, 0], (disc.n_gp, 1)), atol=1e-15)


def test_box_faces_dofs_and_unknown_face():
    disc = Discretisation(box_mesh(1, 2, 3, 2, 3, 4), "HEX8")
    assert disc.boundary_names() == sorted(BOX_FACES)
    top = disc.boundary_dofs("top", 2)
    assert top.size == 3 * 4 and np.allclose(disc.basis.doflocs[2, top], 3.0)
    assert disc.boundary_dofs("left").size == 3 * 4 * 5
    assert set(disc.dof_component[disc.boundary_dofs("back", 1)]) == {1}
    assert disc.point_dofs((1.0, 2.0, 3.0)).size == 3
    with pytest.raises(MslearnInputError, match=r"known boundaries: \['back', 'bottom'"):
        disc.boundary_dofs("side")
    with pytest.raises(MslearnInputError, match="expected 0, 1 or 2"):
        Dirichlet(3, 0.0, boundary="top").dofs(disc)
    with pytest.raises(MslearnInputError, match="expected 3"):
        disc.point_dofs((0.0, 0.0))


@pytest.mark.parametrize("kind", ["hex", "tet"])
def test_pressure_and_body_force_resultants(kind):
    """A unit pressure on a face pushes with its area; a body force with the volume."""
    disc = Discretisation(box_mesh(1.0, 2.0, 3.0, 2, 2, 2, kind, distortion=0.2), "TET10"
                          if kind == "tet" else "HEX20")  # fmt: skip
    comp = disc.dof_component
    f = Pressure("right", 1.0).unit_load(disc)  # x = 1 face, area 6, normal +x
    assert [f[comp == c].sum() for c in range(3)] == pytest.approx([-6.0, 0, 0], abs=1e-12)
    f = Pressure("top", 1.0).unit_load(disc)
    assert f[comp == 2].sum() == pytest.approx(-2.0, rel=1e-12)
    b = BodyForce(lambda x, y, z: (0 * x, 0 * x, -9.81 + 0 * x)).unit_load(disc)
    assert b[comp == 2].sum() == pytest.approx(-9.81 * 6.0, rel=1e-12)


def test_pressure_on_a_curved_sphere_face():
    """The inner face of the shell octant: resultant of a unit pressure = area / 4 per axis
    (the outward normal of the body is -e_r there: the pressure pushes outwards)."""
    m = spherical_shell_octant(1.0, 2.0, 1, 6, order=2)
    disc = Discretisation(m, "HEX27")
    f = Pressure("inner", 1.0).unit_load(disc)
    for c in range(3):  # integral of n_c over the octant of the unit sphere: pi / 4
        assert f[disc.dof_component == c].sum() == pytest.approx(np.pi / 4, rel=1e-4)
    assert disc.weights.sum() == pytest.approx(7.0 / 6.0 * np.pi, rel=1e-4)


def test_rigid_platens():
    rough = rigid_platen("top", 2, -0.1, rough=True, dim=3)
    assert [d.component for d in rough] == [2, 0, 1] and rough[0].value == -0.1
    assert [d.component for d in rigid_platen("top", 1, 0.0, rough=False, dim=3)] == [1]


def test_measures_3d():
    e = np.array([[1e-3, 1e-3, 1e-3, 0, 0, 0], [0, 0, 0, 2e-3, 0, 0]])
    assert volumetric_strain(e) == pytest.approx([3e-3, 0])
    # pure engineering shear gamma: eps_eq = gamma / sqrt(3)
    assert deviatoric_strain(e) == pytest.approx([0, 2e-3 / np.sqrt(3)])
    assert stress_norm(np.array([[1.0, 0, 0, 0, 0, 1.0]])) == pytest.approx([np.sqrt(3)])


def test_xdmf_3d_cells_are_vtk_ordered(tmp_path):
    disc = Discretisation(box_mesh(1, 1, 1, 2, 1, 1), "HEX8")
    pts, cells = vertex_mesh(disc)
    hexes = cells[0][1]
    # VTK hexahedron: bottom quad 0-1-2-3 counter-clockwise seen from above, top 4-7 above it
    a, b, d, top = (pts[hexes[:, k]] for k in (0, 1, 3, 4))
    vol = np.einsum("ij,ij->i", np.cross(b - a, d - a), top - a)
    assert np.all(vol > 0)
    mat = LinearElastic(1e7, 0.3, disc.n_gp, dim=3)
    bcs = BoundaryConditions(rigid_platen("bottom", 2) + rigid_platen("top", 2, -0.01))
    series = XdmfSeries(tmp_path / "f.xdmf", disc)
    StaticSolver(disc, mat, bcs, NewtonOptions(n_steps=2)).run([series])
    series.close()
    with meshio.xdmf.TimeSeriesReader(str(tmp_path / "f.xdmf")) as reader:
        points, read_cells = reader.read_points_cells()
        _, pd, cd = reader.read_data(2)
    assert read_cells[0].type == "hexahedron" and pd["displacement"].shape == (points.shape[0], 3)
    assert cd["stress"][0].shape == (disc.n_el, 6)
    assert pd["displacement"][:, 2].min() == pytest.approx(-0.01)


def test_gmsh_box_faces():
    pytest.importorskip("gmsh")
    m = gmsh_box_mesh(1.0, 1.0, 2.0, 0.5)
    disc = Discretisation(m, "TET4")
    assert set(BOX_FACES) <= set(disc.boundary_names())
    assert disc.weights.sum() == pytest.approx(2.0, rel=1e-12)
    assert np.allclose(disc.basis.doflocs[1, disc.boundary_dofs("back", 1)], 1.0)


def _dp_cube(n_steps=6):
    disc = Discretisation(box_mesh(1, 1, 1, 2, 2, 2), "HEX8")
    mat = DruckerPrager.mohr_coulomb_plane_strain(
        50e6, 0.3, 5e3, np.radians(30), disc.n_gp, np.radians(5), dim=3, initial_pressure=1e5
    )
    dirichlet = [Dirichlet(c, 0.0, boundary="bottom") for c in range(3)]
    dirichlet += rigid_platen("top", 2, -0.03, rough=True, dim=3)
    loads = [Pressure(f, 1e5) for f in ("left", "right", "front", "back")]
    return StaticSolver(disc, mat, BoundaryConditions(dirichlet, loads), NewtonOptions(n_steps))


def test_reactions_balance_and_checkpoint_resume_in_3d():
    full = _dp_cube()
    res = full.run()
    f = res.final.forces
    # equilibrium of the whole body: the support reactions balance the lateral pressures
    total = f["top"] + f["bottom"]
    assert np.abs(total).max() < 1e-8 * np.abs(f["top"]).max()
    assert f["top"][2] < -1e5  # compression of the top platen (reaction on the body)
    assert res.total_iterations <= 6 * 8
    first, saved = _dp_cube(), {}
    first.run(observers=[lambda s: s.step == 3 and saved.update(first.checkpoint_state())])
    resumed = _dp_cube()
    resumed.restore_state(saved)
    assert resumed.step == 3
    out = resumed.run()
    np.testing.assert_array_equal(out.final.u, res.final.u)


def test_material_dimension_must_match_the_mesh():
    disc = Discretisation(box_mesh(1, 1, 1, 1, 1, 1), "HEX8")
    with pytest.raises(MslearnInputError, match="is plane strain; this problem is 3D"):
        StaticSolver(disc, LinearElastic(1e7, 0.3, disc.n_gp, dim=2), BoundaryConditions())
    d2 = Discretisation(rectangle(1, 1, 1, 1), "Q4")
    with pytest.raises(MslearnInputError, match="is 3D; this problem is plane strain"):
        StaticSolver(d2, LinearElastic(1e7, 0.3, d2.n_gp, dim=3), BoundaryConditions())
