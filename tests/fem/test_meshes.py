"""Mesh generation and loading keep stdout clean (it carries the --json summary)."""

from mslearn.fem.meshes import quarter_annulus_mesh


def test_gmsh_meshes_print_nothing_on_stdout(capsys):
    mesh = quarter_annulus_mesh(0.1, 0.2, 0.05, order=2)
    assert mesh.p.shape[1] > 0
    assert capsys.readouterr().out == ""
