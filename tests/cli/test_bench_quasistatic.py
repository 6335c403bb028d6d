"""`mslearn bench quasi-static` and `bench fem3d` at smoke size: the JSON keys scripts read."""

import json

import pytest

from mslearn.cli.main import main


def _json(argv, capsys) -> dict:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_quasi_static_smoke(capsys):
    d = _json(["bench", "quasi-static", "--smoke", "--json"], capsys)
    s = d["settings"]
    assert set(s) == {"old", "default", "reference"}
    # same step count at the old and the new default; the new one shears 4x slower in time
    assert s["old"]["dem_steps_per_unit_strain"] == s["default"]["dem_steps_per_unit_strain"]
    old, new = s["old"]["inertial_number"], s["default"]["inertial_number"]
    assert old == pytest.approx(4 * new, rel=0.3)
    assert s["reference"]["inertial_number"] < 0.2 * s["default"]["inertial_number"]
    assert d["default_inertial_number"] <= 1e-3
    assert s["reference"]["peak_minus_reference_deg"] == 0.0


def test_fem3d_smoke(capsys):
    d = _json(["bench", "fem3d", "--smoke", "--json"], capsys)
    assert [m["mesh"] for m in d["meshes"]] == ["2x2x4", "4x4x8"]
    for m in d["meshes"]:
        assert m["material_s"] > 0 and m["assembly_s"] > 0 and m["solve_s"] > 0


def test_bench_dem_smoke_has_the_sphere_key(capsys):
    d = _json(["bench", "dem", "--smoke", "--json"], capsys)
    assert d["sphere_steps_per_s_per_core"] > 0 and d["particle_steps_per_s_per_core"] > 0
    assert d["spheres_per_rve"] == 100
