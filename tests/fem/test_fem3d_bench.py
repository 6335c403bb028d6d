"""The 3D Newton cost benchmark returns one row per size with its phases (not a timed test)."""

from mslearn.bench.fem3d import format_table, newton_cost_3d


def test_newton_cost_3d_rows():
    rows = newton_cost_3d(((1, 1, 2), (2, 2, 2)), repeats=1)
    assert [r["mesh"] for r in rows] == ["1x1x2", "2x2x2"]
    assert rows[1]["elements"] == 8 and rows[1]["gauss_points"] == 64
    assert rows[1]["free_dofs"] == 3 * 27 - 2 * 3 * 9  # bottom and top faces prescribed
    for r in rows:
        assert min(r["material_s"], r["assembly_s"], r["solve_s"]) > 0
        assert 0 < r["yielding_fraction"] <= 1  # a plastic state is timed
    assert format_table(rows).count("\n") == 3
