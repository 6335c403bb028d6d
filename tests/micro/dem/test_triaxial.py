"""True-triaxial element tests on a 3D sphere RVE: every path keeps its constraint."""

import json

import numpy as np
import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.micro.dem.params import ContactParams
from mslearn.micro.dem.triaxial import (
    TriaxialOptions,
    _constant_p_targets,
    principal_compression3,
    triaxial_test,
)


@pytest.fixture(scope="module")
def spheres():
    from mslearn.micro.dem.sphere3d import PackingOptions3D, prepare_packing3d

    prep = prepare_packing3d(PackingOptions3D(n_particles=120, seed=1), ContactParams())
    assert prep.converged
    return prep.state


def _run(state, **kw):
    return triaxial_test(state, TriaxialOptions(axial_strain=0.01, record_every=2e-3, **kw))


def test_principal_stresses_are_compression_positive_and_sorted():
    s = np.array([[-3.0, -1.0, -2.0, 0.0, 0.0, 0.0], [-1.0, -1.0, -1.0, 0.0, 0.0, 0.5]])
    p = principal_compression3(s)
    np.testing.assert_allclose(p[0], [3, 2, 1])
    np.testing.assert_allclose(p[1], [1.5, 1, 0.5])  # shear 23 splits s22/s33


def test_constant_p_targets_hold_p_and_b():
    s3, s2 = (-t for t in _constant_p_targets(np.array([0, 0, -2e5, 0, 0, 0]), 1e5, 0.25))
    assert (2e5 + s2 + s3) / 3 == pytest.approx(1e5)
    assert (s2 - s3) / (2e5 - s3) == pytest.approx(0.25)


def test_ctc_holds_both_lateral_stresses(spheres):
    r = _run(spheres, path="ctc")
    rec, s = r.records, r.summary
    p0 = -np.mean([rec["s11"][0], rec["s22"][0], rec["s33"][0]])
    for k in ("s11", "s22"):
        assert np.max(np.abs(-rec[k] / p0 - 1)) < 0.05
    assert -rec["s33"][-1] > 1.3 * p0  # the axial stress rises
    assert 10 < s["peak_friction_angle_deg"] < 45
    assert s["final_axial_strain"] == pytest.approx(0.01)
    assert 0 < s["inertial_number"] <= 1e-3


def test_ptc_holds_the_intermediate_strain(spheres):
    r = _run(spheres, path="ptc")
    assert np.max(np.abs(r.records["e22"])) < 1e-12
    assert np.ptp(r.records["s22"]) > 0  # the held direction carries stress


def test_te_holds_the_axial_stress(spheres):
    r = _run(spheres, path="te")
    rec = r.records
    # the servo lags the two driven directions by ~5-10 % of p on a 120-sphere RVE
    # (affine D_kk over-estimates the stiffness): bounded, not exact
    assert np.max(np.abs(rec["s33"] / rec["s33"][0] - 1)) < 0.15
    assert rec["e11"][-1] == pytest.approx(-0.01) and rec["e22"][-1] == pytest.approx(-0.01)


def test_constant_p_with_b(spheres):
    r = _run(spheres, path="constant_p", b=0.5)
    rec = r.records
    p = -(rec["s11"] + rec["s22"] + rec["s33"]) / 3
    assert np.max(np.abs(p / p[0] - 1)) < 0.1
    assert r.summary["b_value_final"] == pytest.approx(0.5, abs=0.15)


def test_isotropic_reaches_p_final(spheres):
    r = triaxial_test(spheres, TriaxialOptions(path="isotropic", axial_strain=0.01,
                                               record_every=5e-3, p_final=2e5))  # fmt: skip
    assert r.summary["final_mean_stress_Pa"] == pytest.approx(2e5, rel=0.02)
    assert r.summary["volumetric_strain_final"] < 0  # compaction


def test_unload_reload_cycle(spheres):
    r = _run(spheres, path="ctc", unload_at=(0.006,), unload_by=0.003)
    ea = r.records["axial_strain"]
    assert ea.max() == pytest.approx(0.01) and np.any(np.diff(ea) < 0)


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"path": "cyclic"}, "path"),
        ({"b": 1.5}, "b"),
        ({"confining": -1.0}, "confining"),
        ({"max_inertial_number": 0.0}, "max_inertial_number"),
    ],  # fmt: skip
)
def test_bad_options_name_the_field(kw, field):
    with pytest.raises(MslearnInputError, match=field):
        TriaxialOptions(**kw)


def test_cli_triaxial_smoke_json(tmp_path, capsys):
    from mslearn.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(["rve", "triaxial", "--path", "ptc", "--smoke", "--json",
              "--out", str(tmp_path / "run")])  # fmt: skip
    assert exc.value.code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    for key in ("peak_friction_angle_deg", "critical_friction_angle_deg",
                "volumetric_strain_final", "e0", "inertial_number"):  # fmt: skip
        assert np.isfinite(summary[key]), key
    assert summary["path"] == "ptc"
    assert (tmp_path / "run" / "sequences.zarr").is_dir()


def test_cli_triaxial_bad_path_is_one_line(tmp_path, capsys):
    from mslearn.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(["rve", "triaxial", "--path", "sideways", "--smoke", "--out", str(tmp_path / "r")])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "path" in err[0]


def test_cli_preset_fills_the_rve_table(tmp_path):
    from mslearn.cli.rve_triaxial import load_config

    cfg_file = tmp_path / "c.toml"
    cfg_file.write_text('[rve]\npreset = "qu2023_m2_3d_small"\nseed = 3\n')
    cfg = load_config(cfg_file, smoke=False, test_path=None)
    assert cfg.rve.young == 8e8 and cfg.rve.n_particles == 200 and cfg.rve.seed == 3
    cfg_file.write_text('[rve]\npreset = "nope"\n')
    with pytest.raises(MslearnInputError, match="preset"):
        load_config(cfg_file, smoke=False, test_path=None)


def test_stress_controlled_ctc_at_a_lower_confining_pressure(spheres):
    """Consolidation to 50 kPa first; the strain per step is re-capped at the new p."""
    r = _run(spheres, path="ctc", confining=5e4)
    assert r.summary["initial_mean_stress_Pa"] == pytest.approx(5e4, rel=0.03)
    assert r.summary["inertial_number"] <= 1e-3
