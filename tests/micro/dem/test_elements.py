"""Element tests and the `mslearn rve` command (smoke sizes)."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from mslearn.cli.rve import app
from mslearn.core.errors import MslearnInputError
from mslearn.micro.dem.disk2d.loading import LoadOptions
from mslearn.micro.dem.elements import BiaxialOptions, biaxial_test, follow_strain_path
from mslearn.micro.dem.params import ContactParams
from mslearn.micro.dem.prepare import PackingOptions, prepare_packing


@pytest.mark.parametrize("kind", ["drained", "constant_volume", "constant_p"])
def test_biaxial_kinds_keep_their_constraint(packing100, kind):
    o = BiaxialOptions(kind=kind, axial_strain=0.01, unload_at=(0.006,), unload_by=0.002)
    r = biaxial_test(packing100.state, o)
    rec = r.records
    assert rec["axial_strain"].max() == pytest.approx(0.01)
    # the unloading branch is present
    assert np.any(np.diff(rec["axial_strain"]) < 0)
    if kind == "drained":
        np.testing.assert_allclose(rec["s11"], rec["s11"][0], rtol=0.03)
    elif kind == "constant_volume":
        np.testing.assert_allclose(rec["e11"] + rec["e22"], 0.0, atol=1e-15)
    else:
        p = 0.5 * (rec["s11"] + rec["s22"])
        np.testing.assert_allclose(p, p[0], rtol=0.03)
    s = r.summary
    assert s["peak_friction_angle_deg"] > 5
    assert np.isfinite(s["initial_void_ratio"])


def test_follow_strain_path(packing100):
    st = packing100.state.replicate(2)
    inc = np.array([[-1e-3, 0, 0], [0, 0, 1e-3], [1e-3, 0, -1e-3]])
    r = follow_strain_path(st, inc, LoadOptions(relax=False))
    assert r.records["stress"].shape == (4, 2, 3)
    np.testing.assert_allclose(r.records["strain"][-1], [[0, 0, 0]] * 2, atol=1e-15)


def test_bad_options():
    with pytest.raises(MslearnInputError, match="kind"):
        BiaxialOptions(kind="triaxial")
    with pytest.raises(MslearnInputError, match="unload_at"):
        BiaxialOptions(axial_strain=0.01, unload_at=(0.02,))


def test_cli_biaxial_smoke(tmp_path):
    res = CliRunner().invoke(app, ["biaxial", "--smoke", "--out", str(tmp_path), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output.strip().splitlines()[-1])
    for k in ("peak_friction_angle_deg", "critical_friction_angle_deg",
              "max_dilatancy_angle_deg", "initial_void_ratio"):  # fmt: skip
        assert np.isfinite(summary[k])
    for f in ("curves.csv", "summary.json", "stress_strain.png", "stress_path.png"):
        assert (tmp_path / f).exists()


def test_cli_bad_config_names_field(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[rve]\nfriction = -1\n")
    res = CliRunner().invoke(app, ["biaxial", str(cfg), "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert "rve.friction" in res.output and "-1" in res.output


@pytest.mark.slow
def test_physical_sanity_500_disk_drained_biaxial():
    """Reported, not tuned: hardening to a peak, softening, dilation."""
    prep = prepare_packing(PackingOptions(n_particles=500, seed=0), ContactParams())
    r = biaxial_test(prep.state, BiaxialOptions(axial_strain=0.2, record_every=2e-3))
    s = r.summary
    print(json.dumps(s, indent=1))
    assert 20 < s["peak_friction_angle_deg"] < 40
    assert 10 < s["critical_friction_angle_deg"] < s["peak_friction_angle_deg"]
    assert s["final_volumetric_strain"] > 0  # dilation of a dense packing
    assert s["max_dilatancy_angle_deg"] > 0


def test_cli_preset_and_prepare(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[rve]\npreset = "qu2023_m2"\nn_particles = 40\n')
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["prepare", str(cfg), "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.output.strip().splitlines()[-1])
    assert abs(s["mean_stress_Pa"] / 1e5 - 1) < 0.01
    assert (out / "packing.npz").exists()
    res = CliRunner().invoke(app, ["prepare", str(cfg), "--out", str(tmp_path), "--json"])
    assert res.exit_code == 2 and "holds the input" in res.output  # never beside its input
