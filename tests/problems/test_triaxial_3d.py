"""The triaxial_3d problem (seed 003 Sec. 4.4): build, CTC/PTC conditions, exact elastic
curve, `mslearn run` outputs, dimension checks."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from mslearn.cli.main import app
from mslearn.core.errors import MslearnInputError
from mslearn.fem.solvers.implicit import NewtonOptions, StaticSolver
from mslearn.materials import LinearElastic
from mslearn.problems import PROBLEMS, problem_config
from mslearn.problems.config import validate_config
from mslearn.problems.triaxial_3d import Triaxial3DConfig, triaxial_volumetric_strain
from mslearn.workflows.bvp import curve_from_history, run_bvp

A = 0.05 * 0.05


def test_registered_with_defaults_of_the_paper():
    assert PROBLEMS["triaxial_3d"] is Triaxial3DConfig
    cfg = problem_config({"type": "triaxial_3d"})
    assert (cfg.width_x, cfg.width_y, cfg.height, cfg.axial_strain) == (0.05, 0.05, 0.1, 0.07)
    assert Triaxial3DConfig.mesh_preset("ctc") == {"nx": 8, "ny": 8, "nz": 16, "element": "HEX8"}
    prob = cfg.build()
    assert prob.disc.dim == 3 and prob.disc.n_el == 16 and prob.initial_pressure == 100e3


def test_bad_fields_are_refused():
    with pytest.raises(ValueError, match="HEX8"):
        Triaxial3DConfig(element="Q4")
    with pytest.raises(ValueError, match="path"):
        Triaxial3DConfig(path="xyz")
    with pytest.raises(ValueError, match="at most 200000 cells"):
        Triaxial3DConfig(nx=100, ny=100, nz=100)


@pytest.mark.parametrize("path", ["ctc", "ptc"])
def test_elastic_nu0_top_force_is_exact(path):
    """nu = 0: no lateral strain, so rough ends do not matter and F = A (p0 + E eps)."""
    young, eps = 20e6, 0.01
    prob = Triaxial3DConfig(path=path, axial_strain=eps, element="HEX8").build()
    mat = LinearElastic(young, 0.0, prob.n_points, dim=3, initial_pressure=prob.initial_pressure)
    res = StaticSolver(prob.disc, mat, prob.bcs, NewtonOptions(n_steps=2)).run()
    disp, load = curve_from_history(prob, res.history)
    assert disp == pytest.approx([0.0, eps / 2, eps])
    assert load * 1e3 == pytest.approx(A * (100e3 + young * np.array([0, eps / 2, eps])))
    assert triaxial_volumetric_strain(res.history, 0.05, 0.05, 0.1)[-1] == pytest.approx(-eps)


def test_ptc_holds_y_and_ctc_presses_all_sides():
    young, nu, eps = 20e6, 0.3, 0.01
    out = {}
    for path in ("ctc", "ptc"):
        prob = Triaxial3DConfig(path=path, axial_strain=eps, nx=2, ny=2, nz=2).build()
        mat = LinearElastic(young, nu, prob.n_points, dim=3, initial_pressure=100e3)
        res = StaticSolver(prob.disc, mat, prob.bcs, NewtonOptions(n_steps=1)).run()
        out[path] = res.history[-1]
    ctc, ptc = out["ctc"], out["ptc"]
    assert ptc["front_uy"] == 0.0 and ptc["back_uy"] == 0.0
    assert ctc["back_uy"] > 0 and ctc["right_ux"] > 0  # lateral bulging under compression
    assert ctc["back_uy"] == pytest.approx(ctc["right_ux"], rel=1e-10)  # square section
    # the plane-strain constraint stiffens the specimen; the y supports push inwards
    assert -ptc["top_Fz"] > -ctc["top_Fz"] > 0
    assert ptc["back_Fy"] < -100e3 * 0.05 * 0.1 < 0 < ptc["front_Fy"]


def test_mslearn_run_writes_3d_outputs(tmp_path):
    cfg = validate_config(
        {
            "problem": {"type": "triaxial_3d", "nx": 1, "ny": 1, "nz": 2},
            "material": {"type": "drucker_prager", "young": 50e6, "cohesion": 5e3},
            "solver": {"n_steps": 4},
        }
    )
    s = run_bvp(cfg, tmp_path / "run", progress=False)
    assert s["completed"] and s["steps"] == 4 and s["gauss_points"] == 16
    assert s["final_displacement"] == pytest.approx(0.07)
    assert s["peak_load"] > 0.25  # kN, above p0 A at the start
    for name in ("load_displacement.png", "fields_final.png", "deviatoric_strain_steps.png"):
        assert (tmp_path / "run" / name).stat().st_size > 1000
    assert (tmp_path / "run" / "fields.xdmf").is_file()


def test_a_plane_strain_material_on_the_3d_mesh_is_refused(tmp_path):
    cfg = validate_config({"problem": {"type": "triaxial_3d", "nx": 1, "ny": 1, "nz": 1}})
    mat = LinearElastic(1e7, 0.3, 8, dim=2)
    with pytest.raises(MslearnInputError, match="is plane strain; this problem is 3D"):
        run_bvp(cfg, tmp_path / "r", progress=False, material=mat)


def test_cli_run_smoke_and_one_line_errors(tmp_path):
    runner = CliRunner()
    cfg = tmp_path / "t.toml"
    cfg.write_text('[problem]\ntype = "triaxial_3d"\npath = "ptc"\n[solver]\nn_steps = 3\n')
    r = runner.invoke(app, ["run", str(cfg), "--json", "--quiet", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout.strip().splitlines()[-1])
    assert s["problem"] == "triaxial_3d" and s["completed"] and "PTC" in s["description"]
    cfg.write_text('[problem]\ntype = "triaxial_3d"\nelement = "T6"\n')
    r = runner.invoke(app, ["run", str(cfg), "--quiet", "--out", str(tmp_path / "p")])
    assert r.exit_code == 2 and "element" in r.stderr and "Traceback" not in r.output
