"""One strict validation path for every config the CLI reads.

inf / nan, booleans and plain strings in numeric fields, wrong-case units,
unbounded sizes and seeds and empty lists are refused with exit code 2 and one
line naming the file, the field, the (shortened) value and what was expected;
``--smoke`` validates the full-size config first and says what it changed.
"""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from mslearn.calibration.config import CalibrateConfig
from mslearn.cli.main import app
from mslearn.core.errors import MslearnInputError
from mslearn.core.limits import SEED_LIMIT
from mslearn.core.smoke import announce, changes
from mslearn.core.strictmodel import StrictModel, format_validation_error, short
from mslearn.learn.active.config import ActiveLearnConfig, load_active_config
from mslearn.learn.config import TrainConfig
from mslearn.problems.config import validate_config
from mslearn.workflows.campaign import campaign_options
from mslearn.workflows.presets import Presets, fem_ml_config
from mslearn.workflows.train import train_config

#: what no message may show: pydantic class names, pydantic itself, documentation URLs
FORBIDDEN = re.compile(r"[A-Za-z]+Config\b|Section\b|pydantic|https?://|Input should")


def _cli(tmp_path, toml: str, *args: str):
    cfg = tmp_path / "cfg.toml"
    cfg.write_text(toml)
    runner = CliRunner()
    return runner.invoke(app, [*args[:1], str(cfg), *args[1:]], catch_exceptions=False), cfg


def _one_line_error(result, cfg, *needles: str, named: bool = True) -> str:
    """The one-line exit-2 error; ``named``: it names the config file (the commands whose
    workflow passes the file on to the validation)."""
    assert result.exit_code == 2, result.output
    err = result.stderr.strip()
    if err.startswith("campaign "):  # generate's progress bar starts before the validation
        err = "\n".join(ln for ln in err.splitlines() if not ln.startswith("campaign "))
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error: "), err
    if named:
        assert f"invalid config file {str(cfg)!r}" in err, err
    for needle in needles:
        assert needle in err, err
    assert not FORBIDDEN.search(err), err
    assert "Traceback" not in result.output
    return err


# -- through the CLI: every command that reads a config --------------------------------


@pytest.mark.parametrize(
    "toml,field",
    [
        ("[material]\nyoung = inf\n", "material.young: got inf"),
        ("[material]\nyoung = nan\n", "material.young: got nan"),
        ("[material]\nyoung = true\n", "material.young: got True"),
        ('[material]\nyoung = "100 mPa"\n', "material.young: got '100 mPa'"),
        ('[material]\ntype = "drucker_prager"\ncohesion = inf\n', "material.cohesion"),
        ('[material]\ntype = "von_mises"\nhardening = -inf\n', "material.hardening"),
        ("[solver]\ntol_residual = inf\n", "solver.tol_residual"),
        ("[solver]\nn_steps = true\n", "solver.n_steps: got True"),
        ('[solver]\nn_steps = "10"\n', "solver.n_steps: got '10'"),
        ("[solver]\nn_steps = 9223372036854775807\n", "solver.n_steps"),
        ("[output]\nxdmf = 1\n", "output.xdmf: got 1"),
        ("[problem]\nnx = 9223372036854775807\n", "problem.nx"),
        ("[problem]\naxial_strain = nan\n", "problem.axial_strain"),
    ],
)
def test_run_refuses(tmp_path, toml, field):
    r, cfg = _cli(tmp_path, toml, "run", "--smoke", "--out", str(tmp_path / "o"))
    _one_line_error(r, cfg, field, "expected")


def test_fem_dem_refuses_before_any_rve(tmp_path):
    r, cfg = _cli(
        tmp_path, "[material]\nr_max = inf\n", "fem-dem", "--smoke", "--out", str(tmp_path / "o")
    )
    _one_line_error(r, cfg, "material.r_max: got inf", "finite", named=False)
    r, cfg = _cli(
        tmp_path, "[material]\nn_particles = true\n", "fem-dem", "--smoke", "--out", str(tmp_path)
    )
    _one_line_error(r, cfg, "material.n_particles: got True", "integer", named=False)


def test_fem_dem_smoke_validates_the_full_size_first(tmp_path):
    # the smoke size sets 60 disks; the user's 5 is still refused
    r, cfg = _cli(
        tmp_path, "[material]\nn_particles = 5\n", "fem-dem", "--smoke", "--out", str(tmp_path)
    )
    _one_line_error(r, cfg, "material.n_particles: got 5", named=False)


def test_fem_ml_refuses(tmp_path):
    r, cfg = _cli(
        tmp_path,
        "[problem]\naxial_strain = inf\n",
        "fem-ml",
        "--model",
        str(tmp_path / "no_model"),
        "--smoke",
        "--out",
        str(tmp_path / "o"),
    )
    _one_line_error(r, cfg, "problem.axial_strain: got inf", named=False)


@pytest.mark.parametrize(
    "toml,field",
    [
        ('[train]\nmax_epochs = [1, "x"]\n', "train.max_epochs"),
        ("[train]\nlr = nan\n", "train.lr: got nan"),
        ("[train]\nmembers = true\n", "train.members: got True"),
        ("[train]\nhidden = []\n", "train.hidden: got []"),
        ("[train]\nhidden = [40, 0]\n", "train.hidden[1]: got 0"),
        ("[train]\nseed = -1\n", "train.seed: got -1"),
        (f"[train]\nseed = {SEED_LIMIT}\n", "train.seed"),
        ("[train]\nmembers = 1000000\n", "train.members"),
    ],
)
def test_train_smoke_refuses_invalid_values(tmp_path, toml, field):
    r, cfg = _cli(
        tmp_path, toml, "train", "--data", str(tmp_path / "none.zarr"), "--smoke", "--out",
        str(tmp_path / "o"),
    )  # fmt: skip
    _one_line_error(r, cfg, field, named=False)


@pytest.mark.parametrize(
    "toml,field",
    [
        ("[calibration]\nlr = inf\n", "calibration.lr: got inf"),
        ("[calibration]\nepochs = true\n", "calibration.epochs: got True"),
        ("[calibration]\nscheme = true\n", "calibration.scheme: got True"),
        ("[calibration]\nseed = -1\n", "calibration.seed"),
        ("[calibration]\ntrainable = []\n", "calibration.trainable"),
        ("[init]\nM = nan\n", "init.M: got nan"),
    ],
)
def test_calibrate_refuses(tmp_path, toml, field):
    r, cfg = _cli(tmp_path, toml, "calibrate", "--smoke", "--out", str(tmp_path / "o"))
    _one_line_error(r, cfg, field)


@pytest.mark.parametrize(
    "toml,field",
    [
        ("[active.labeller]\np0 = true\n", "active.labeller.p0: got True"),
        ("[active.labeller]\np0 = inf\n", "active.labeller.p0: got inf"),
        ("[active]\nseeds = 9223372036854775807\n", "active.seeds"),
        ("[active.pool]\ntest_seed = -1\n", "active.pool.test_seed: got -1"),
        ("[active.pool]\ninterval = 1e-9\n", "active.pool.interval"),
        ("[active.labeller]\nparticles = 10000000\n", "active.labeller.particles"),
        ("[active.committee]\nmembers = 100000\n", "active.committee.members"),
        ("[active]\ncases = []\n", "active.cases"),
    ],
)
def test_active_learn_smoke_refuses(tmp_path, toml, field):
    r, cfg = _cli(tmp_path, toml, "active-learn", "--smoke", "--out", str(tmp_path / "o"))
    _one_line_error(r, cfg, field)


@pytest.mark.parametrize(
    "toml,field",
    [
        ("[campaign]\nmeshes = []\n", "campaign.meshes: got []"),
        ('[campaign]\nmeshes = ["coarse", "coarse"]\n', "campaign.meshes"),
        ("[campaign]\nn_paths = 9223372036854775807\n", "campaign.n_paths"),
        ("[campaign]\npath_seed = -1\n", "campaign.path_seed"),
        ("[campaign]\namplitude = inf\n", "campaign.amplitude"),
        ("[material]\nyoung = nan\n", "material.young: got nan"),
    ],
)
def test_generate_refuses_before_any_run(tmp_path, toml, field):
    r, cfg = _cli(tmp_path, toml, "generate", "--smoke", "--out", str(tmp_path / "o"))
    err = _one_line_error(r, cfg, field, named=False)
    assert not (tmp_path / "o" / "campaign.json").exists(), err


@pytest.mark.parametrize("command", ["biaxial", "prepare"])
def test_rve_refuses(tmp_path, command):
    cfg = tmp_path / "cfg.toml"
    cfg.write_text("[rve]\nr_max = inf\n")
    args = ["rve", command, str(cfg), "--smoke", "--out", str(tmp_path / "o")]
    r = CliRunner().invoke(app, args, catch_exceptions=False)
    _one_line_error(r, cfg, "rve.r_max: got inf")


def test_long_values_are_shortened(tmp_path):
    long = "x" * 40_000
    r, cfg = _cli(tmp_path, f'[material]\nyoung = "{long}"\n', "run", "--out", str(tmp_path))
    err = _one_line_error(r, cfg, "material.young: got 'xxx", "...", "Pa, kPa, MPa, GPa")
    assert len(err) < 400


def test_wrong_table_type_names_no_class(tmp_path):
    r, cfg = _cli(tmp_path, "solver = 5\n", "run", "--out", str(tmp_path))
    _one_line_error(r, cfg, "solver: got 5", "expected a table")
    r, cfg = _cli(tmp_path, "[problem]\nsmoke = 1\n", "run", "--out", str(tmp_path))
    _one_line_error(r, cfg, "problem.smoke", "unknown field")


def test_run_smoke_says_what_it_changed(tmp_path):
    r, _ = _cli(
        tmp_path, "[solver]\nn_steps = 12\n", "run", "--smoke", "--quiet", "--out",
        str(tmp_path / "o"),
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("--smoke:")]
    assert len(lines) == 1 and "solver.n_steps 12 -> 10" in lines[0], r.stderr
    assert "problem.nx 8 -> 2" in lines[0]


# -- through the validators ------------------------------------------------------------


class _Probe(StrictModel):
    x: float = 1.0
    n: int = 1
    flag: bool = False
    pair: tuple[float, float] = (0.0, 1.0)
    table: dict[str, float] = {}


@pytest.mark.parametrize(
    "data",
    [
        {"x": True},
        {"x": "1e8"},
        {"x": float("inf")},
        {"x": float("nan")},
        {"x": 10**400},
        {"n": True},
        {"n": "3"},
        {"n": 2.5},
        {"flag": 1},
        {"flag": "yes"},
        {"pair": [0, True]},
        {"pair": [0, float("nan")]},
        {"table": {"a": False}},
        {"unknown": 1},
    ],
)
def test_strict_model_refuses(data):
    with pytest.raises(ValidationError) as err:
        _Probe.model_validate(data)
    msg = format_validation_error(err.value, "probe.", source="f.toml")
    assert msg.startswith("invalid config file 'f.toml': probe.") and "\n" not in msg
    assert not FORBIDDEN.search(msg), msg


def test_strict_model_keeps_lax_conversions():
    import numpy as np

    p = _Probe.model_validate({"x": 2, "pair": [1, 2], "n": np.int64(3), "flag": np.bool_(1)})
    assert p.x == 2.0 and isinstance(p.x, float) and p.pair == (1.0, 2.0) and p.n == 3
    assert _Probe.model_validate({"x": np.float64(0.5)}).x == 0.5


@pytest.mark.parametrize(
    "value,pa",
    [("100 kPa", 1e5), ("2 MPa", 2e6), ("1 GPa", 1e9), ("5 Pa", 5.0), ("7", 7.0), (3, 3.0)],
)
def test_units_are_exact(value, pa):
    cfg = validate_config({"material": {"type": "linear_elastic", "young": value}})
    assert cfg.material.young == pytest.approx(pa)


@pytest.mark.parametrize("value", ["100 mPa", "100 KPA", "100 kpa", "100 Mpa", "1 bar", "inf Pa"])
def test_wrong_units_are_refused_listing_the_accepted(value):
    with pytest.raises(MslearnInputError, match="Pa, kPa, MPa, GPa"):
        validate_config({"material": {"type": "linear_elastic", "young": value}})


def test_length_and_angle_units():
    cfg = validate_config({"problem": {"width": "50 cm", "height": "1000 mm"}})
    assert cfg.problem.width == pytest.approx(0.5) and cfg.problem.height == pytest.approx(1.0)
    with pytest.raises(MslearnInputError, match="m, cm, mm"):
        validate_config({"problem": {"width": "50 CM"}})
    cfg = validate_config({"material": {"type": "drucker_prager", "friction_angle": "35 deg"}})
    assert cfg.material.friction_angle == 35.0
    with pytest.raises(MslearnInputError, match="deg, degree, degrees"):
        validate_config({"material": {"type": "drucker_prager", "friction_angle": "35 DEG"}})


def test_bounds_of_counts_and_seeds():
    with pytest.raises(ValidationError):
        TrainConfig.model_validate({"max_epochs": 10**12})
    with pytest.raises(ValidationError):
        ActiveLearnConfig.model_validate({"labeller": {"packing_seed": SEED_LIMIT}})
    assert ActiveLearnConfig.model_validate({"pool": {"test_seed": SEED_LIMIT - 1}})
    with pytest.raises(ValidationError):
        CalibrateConfig.model_validate({"calibration": {"epochs": 10**12}})
    with pytest.raises(MslearnInputError, match="problem.n_theta"):
        validate_config({"problem": {"type": "cavity", "n_theta": 10**6}})
    with pytest.raises(MslearnInputError, match="problem.h"):
        validate_config({"problem": {"type": "retaining_wall", "mesh": "gmsh", "h": 1e-7}})
    with pytest.raises(MslearnInputError, match="execution.workers"):
        validate_config({"execution": {"workers": 10**9}})


def test_campaign_meshes_must_not_be_empty():
    with pytest.raises(MslearnInputError, match="campaign.meshes: got \\[\\]"):
        campaign_options({"campaign": {"meshes": []}})


def test_train_smoke_validates_then_shrinks_and_never_raises(capsys):
    with pytest.raises(MslearnInputError, match="train.max_epochs"):
        train_config({"train": {"max_epochs": [1, "x"]}}, smoke=True)
    cfg = train_config({"train": {"max_epochs": 10, "patience": 500}}, smoke=True)
    assert cfg.max_epochs == 10 and cfg.patience == 20  # smoke only shrinks
    err = capsys.readouterr().err
    assert err.strip() == "--smoke: patience 500 -> 20"


def test_fem_ml_smoke_says_it_changed_the_users_strain(capsys):
    data = {"problem": {"axial_strain": 0.2}}
    cfg = fem_ml_config(data, "some_model", Presets(smoke=True))
    assert cfg.problem.axial_strain == pytest.approx(0.02)
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("--smoke: ")
    assert "problem.axial_strain 0.2 -> 0.02" in err and "solver.n_steps 100 -> 4" in err
    with pytest.raises(MslearnInputError, match="problem.axial_strain: got 2"):
        fem_ml_config({"problem": {"axial_strain": 2}}, "m", Presets(smoke=True))


def test_active_quick_validates_first_and_announces(tmp_path, capsys):
    f = tmp_path / "a.toml"
    f.write_text("[active.labeller]\nparticles = 5\n")
    with pytest.raises(MslearnInputError, match="active.labeller.particles: got 5"):
        load_active_config(f, quick=True)
    f.write_text("[active.labeller]\nparticles = 500\n")
    cfg = load_active_config(f, quick=True)
    assert cfg.labeller.particles == 40
    err = capsys.readouterr().err
    assert "labeller.particles 500 -> 40" in err and len(err.strip().splitlines()) == 1


def test_changes_and_announce(capsys):
    before = {"solver": {"n_steps": 100}, "problem": {"mesh": "fine", "nx": 8}}
    after = {"solver": {"n_steps": 10}, "problem": {"mesh": "fine", "nx": 2}}
    assert changes(before, after) == ["problem.nx 8 -> 2", "solver.n_steps 100 -> 10"]
    announce([])
    assert capsys.readouterr().err == ""
    announce(changes(before, after))
    assert capsys.readouterr().err == "--smoke: problem.nx 8 -> 2, solver.n_steps 100 -> 10\n"


def test_short():
    assert short("abc") == "'abc'"
    s = short("y" * 1000)
    assert len(s) == 60 and s.endswith("...")


@pytest.mark.parametrize("content", ['{"M": true}', '{"M": NaN}', '{"M": "1.2"}', "[1.2]"])
def test_params_file_values_are_finite_numbers(tmp_path, content):
    from mslearn.materials.config import material_config

    f = tmp_path / "params.json"
    f.write_text(content)
    cfg = material_config({"type": "mcc", "params_file": str(f)})
    with pytest.raises(MslearnInputError, match="material.params_file") as err:
        cfg.resolved_params()
    assert "\n" not in str(err.value)


def test_checks_of_a_whole_table_name_the_field():
    with pytest.raises(ValidationError) as verr:
        CalibrateConfig.model_validate({"init": {"foo": 1.0}})
    assert format_validation_error(verr.value).startswith("invalid config: init: unknown")
    with pytest.raises(ValidationError) as verr:
        ActiveLearnConfig.model_validate({"pool": {"interval": 1e-9}})
    assert format_validation_error(verr.value).startswith(
        "invalid config: pool.interval: got 1e-09"
    )


def test_campaign_unknown_mesh_names_the_campaign_field():
    with pytest.raises(MslearnInputError, match="campaign.meshes: got 'huge'"):
        campaign_options({"campaign": {"meshes": ["coarse", "huge"]}})


def test_a_falsy_table_is_not_read_as_an_empty_one(tmp_path):
    from mslearn.core.errors import MslearnInputError
    from mslearn.problems.config import load_config

    for text in ("material = 0\n", "material = []\n", 'material = ""\n'):
        path = tmp_path / "c.toml"
        path.write_text(text)
        with pytest.raises(MslearnInputError, match="material: got .*; expected a table"):
            load_config(path)
