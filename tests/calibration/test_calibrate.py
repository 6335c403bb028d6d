"""Calibration: parameter recovery, identifiability, Eq. 17-18, bad input, NaN stop, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from mslearn.calibration.calibrate import (
    CalibrationOptions,
    bound_penalty,
    calibrate,
    gamma_schedule,
    split_indices,
)
from mslearn.calibration.identifiability import (
    CSUH_IDENTIFIABLE,
    CSUH_PRACTICAL,
    csuh_start,
    sensitivity,
)
from mslearn.calibration.synthetic import dh_triaxial, model_dataset, strain_paths
from mslearn.cli.main import app
from mslearn.constitutive.lode import LodeOptions
from mslearn.constitutive.material import params_as_tensors
from mslearn.constitutive.models import CSUH
from mslearn.core.errors import MslearnInputError
from mslearn.data.sequences import SequenceDataset, load, save

D = torch.float64


def _start(truth, names, offset=0.3):
    init = dict(truth)
    for i, k in enumerate(names):
        init[k] = truth[k] * (1 + offset * (-1) ** i)
    return init


def test_recovery_smoke_kappa_nu_m():
    """Three parameters that act on distinct response features (bulk stiffness
    on the isotropic unload, shear stiffness, critical-state ratio) from 30 % away."""
    model = CSUH(LodeOptions("none"))
    opts = CalibrationOptions(
        epochs=200, eps_ref=5e-3, trainable=("kappa", "nu", "M"), split=(1.0, 0.0, 0.0)
    )
    ds = model_dataset(model, n_paths=5, n_steps=10, eps_max=0.08, options=opts.integration())
    truth = ds.attrs["true_params"]
    names = opts.trainable
    res = calibrate(model, ds, _start(truth, names), opts)
    errs = {k: abs(res.params[k] / truth[k] - 1) for k in names}
    assert max(errs.values()) < 0.05, errs
    assert res.history["loss"][res.best_epoch] < 1e-2 * res.history["loss"][0]


@pytest.mark.slow
def test_recovery_practically_identifiable_csuh_parameters():
    """kappa, lambda, nu, M from 30 % away (N, Z, m, e0 held: see identifiability.py for
    why they are not practically identifiable from these paths). Measured: 400 epochs,
    68 s, every parameter within 1e-4."""
    model = CSUH(LodeOptions("none"))
    opts = CalibrationOptions(
        epochs=400, eps_ref=5e-3, trainable=CSUH_PRACTICAL, split=(1.0, 0.0, 0.0)
    )
    ds = model_dataset(model, n_paths=10, n_steps=15, eps_max=0.15, options=opts.integration())
    truth = ds.attrs["true_params"]
    start = csuh_start(truth, 0.3)
    res = calibrate(model, ds, {**truth, **{k: start[k] for k in CSUH_PRACTICAL}}, opts)
    errs = {k: abs(res.params[k] / truth[k] - 1) for k in CSUH_PRACTICAL}
    assert max(errs.values()) < 0.05, errs


def _lm_recovery(lode: str, n_paths: int, n_steps: int, noise: float, adam_epochs: int = 0):
    """Data from known CSUH parameters (5 strain-path families: undrained and drained-like
    triaxial compression, isotropic load-unload, extension, plane-strain shear with
    rotation; p0 = 80 / 200 kPa, so the state xi_0 and p_s enter), start 30 % away
    (CSUH_START_SIGNS), optional Adam stage, then Levenberg-Marquardt."""
    from mslearn.calibration.lm import LMOptions, levenberg_marquardt

    model = CSUH(LodeOptions(lode))
    opts = CalibrationOptions(
        epochs=max(adam_epochs, 1), eps_ref=5e-3, trainable=CSUH_IDENTIFIABLE, split=(1, 0, 0)
    )
    ds = model_dataset(
        model, n_paths=n_paths, n_steps=n_steps, eps_max=0.15, options=opts.integration()
    )
    rms = np.sqrt((ds.stress**2).mean())
    ds.stress = ds.stress + noise * rms * np.random.default_rng(0).standard_normal(ds.stress.shape)
    truth = ds.attrs["true_params"]
    start = csuh_start(truth, 0.3)
    if adam_epochs:
        start = calibrate(model, ds, start, opts).params
    res = levenberg_marquardt(
        model, ds, start, CSUH_IDENTIFIABLE, opts.integration(), LMOptions(max_iter=40)
    )
    errs = {k: abs(res.params[k] / truth[k] - 1) for k in CSUH_IDENTIFIABLE}
    return res, errs


def test_recovery_all_seven_identifiable_csuh_parameters_lm():
    """All seven structurally identifiable CSUH parameters (e0 is not: the void-ratio
    scale invariance below) from 30 % away, noise-free data, Levenberg-Marquardt in
    log-parameters. Measured: ~11 iterations, every error ~1e-6, J's singular values
    span 1.4e3 (full rank: identifiable; Adam alone needs >> 1000 epochs along the weak
    p_s and M_c directions)."""
    res, errs = _lm_recovery("none", n_paths=5, n_steps=10, noise=0.0)
    assert max(errs.values()) < 1e-4, errs  # noise-free: essentially exact
    assert res.loss < 1e-12
    sv = res.singular_values
    assert sv[-1] > 1e-4 * sv[0]  # full rank: every one of the seven is identifiable


@pytest.mark.slow
def test_recovery_seven_parameters_scheme3_with_noise():
    """Scheme 3's exponential M(theta), 1 % Gaussian stress noise, Adam (50 epochs) then
    LM: every identifiable parameter within 5 %, and the Cramer-Rao bound at the optimum
    says why (largest predicted std, m, ~2 %). Measured (loaded 2-core machine): ~60 s;
    errors <= 4 %."""
    from mslearn.calibration.identifiability import relative_std

    res, errs = _lm_recovery("exponential", n_paths=10, n_steps=15, noise=0.01, adam_epochs=50)
    assert max(errs.values()) < 0.05, errs
    std = dict(zip(CSUH_IDENTIFIABLE, relative_std(res.jacobian, 0.01), strict=True))
    assert max(std.values()) < 0.05, std
    assert max(std, key=std.get) in ("m", "lam", "N", "Z")  # the weak directions


def test_identifiability_e0_is_an_exact_null_direction():
    """With e0 free the log-sensitivity matrix has a null direction (the void-ratio
    scale invariance); without e0 it has full rank."""
    model = CSUH(LodeOptions("none"))
    prm = params_as_tensors(model, None)
    strain = strain_paths(5, 10, 0.08)
    p0 = torch.full((5,), 100e3, dtype=D)
    s_all, vt, names = sensitivity(model, prm, strain, p0)
    assert s_all[-1] < 1e-6 * s_all[0]
    null = dict(zip(names, vt[-1], strict=True))
    assert abs(null["nu"]) < 1e-3 and abs(null["M"]) < 1e-3 and abs(null["e0"]) > 0.3
    s_id, _, _ = sensitivity(model, prm, strain, p0, CSUH_IDENTIFIABLE)
    assert s_id[-1] > 1e-4 * s_id[0]


def test_loss_terms_schedule_and_split():
    b = {"M": (0.8, 2.0), "nu": (0.1, 0.5)}
    pen = bound_penalty({"M": torch.tensor(2.3, dtype=D), "nu": torch.tensor(0.3, dtype=D)}, b)
    assert float(pen) == pytest.approx((0.3 / 1.2) ** 2)
    assert gamma_schedule(0, 100, 0.1, 0.01) == pytest.approx(0.1)
    assert gamma_schedule(100, 100, 0.1, 0.01) == pytest.approx(0.01)
    assert gamma_schedule(50, 100, 0.1, 0.01) == pytest.approx(0.1 * 0.1**0.5)
    sp = split_indices(100, (0.8, 0.1, 0.1), 0)
    assert [len(sp[k]) for k in ("train", "val", "test")] == [80, 10, 10]
    assert len(np.unique(np.concatenate(list(sp.values())))) == 100


def test_bad_inputs_are_named():
    model = CSUH(LodeOptions("none"))
    ds = model_dataset(model, n_paths=2, n_steps=3, eps_max=0.01)
    with pytest.raises(MslearnInputError, match=r"M = 2.5 is outside .*\[0.8, 2.0\]"):
        calibrate(model, ds, {"M": 2.5}, CalibrationOptions(epochs=1))
    with pytest.raises(MslearnInputError, match="Voigt size is 4"):
        SequenceDataset(np.zeros((2, 3, 4)), np.zeros((2, 3, 4)), np.arange(3), np.ones(2))


class _PoisonedCSUH(CSUH):
    """CSUH whose elasticity turns NaN once M exceeds 1.3 (a NaN source on demand)."""

    def moduli(self, params, ctx, internal, sig):
        bulk, shear = super().moduli(params, ctx, internal, sig)
        bad = torch.where(params["M"] > 1.3, torch.nan, 0.0)
        return bulk + bad, shear


def test_nan_gradients_stop_with_last_good_parameters(tmp_path):
    model = _PoisonedCSUH(LodeOptions("none"))
    ds = model_dataset(CSUH(LodeOptions("none")), {"M": 1.45}, n_paths=2, n_steps=4)
    opts = CalibrationOptions(epochs=60, trainable=("M",), split=(1.0, 0.0, 0.0))
    res = calibrate(model, ds, {"M": 1.27}, opts, out_dir=tmp_path)
    assert res.status == "nan_stop" and res.epochs_run < 60
    good = json.loads((tmp_path / "last_good_params.json").read_text())
    assert 1.27 < good["M"] <= 1.3


def test_dh_synthetic_dataset_shape_and_attrs(tmp_path):
    ds = dh_triaxial(n_paths=6, p_min=50e3, p_max=300e3)
    assert ds.strain.shape[0] == 6 and ds.n_voigt == 6
    valid = ds.attrs["valid_steps"]
    assert all(v <= 2500 for v in valid) and valid == sorted(valid)
    eq = -2.0 / 3.0 * (ds.strain[:, -1, 0] - ds.strain[:, -1, 1])
    assert np.all(eq > 0.25)  # each path ran until eps_q > 0.25
    path = save(ds, tmp_path / "dh.npz")
    back = load(path)
    assert back.attrs["sign_convention"] == "tension positive"
    np.testing.assert_array_equal(back.stress, ds.stress)


def test_cli_smoke_json(tmp_path):
    r = CliRunner().invoke(app, ["calibrate", "--smoke", "--json", "--out", str(tmp_path / "run")])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    for key in ("final_loss", "best_epoch", "params", "epochs_per_s", "recovered_rel_error"):
        assert key in summary
    assert (tmp_path / "run" / "loss.png").exists()


def test_cli_bad_config_names_field(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[calibration]\nepochs = -3\n")
    r = CliRunner().invoke(app, ["calibrate", str(cfg), "--smoke"])
    assert r.exit_code == 2
    assert "epochs" in r.output and "-3" in r.output


def test_inadmissible_start_names_dataset_gauss_point_and_step():
    from mslearn.constitutive.models import DeviatoricHardening

    model = DeviatoricHardening()
    strain = np.zeros((3, 4, 6))
    strain[2, :, :3] = np.linspace(0.05, 0.5, 4)[:, None]  # large isotropic extension
    ds = SequenceDataset(strain, -1e5 * np.ones((3, 4, 6)), np.arange(4), np.full(3, 1e5))
    with pytest.raises(MslearnInputError, match=r"Gauss point 2, step \d"):
        calibrate(model, ds, None, CalibrationOptions(epochs=1))


def test_schemes_select_lode_treatment_and_gate():
    from mslearn.calibration.config import CalibrateConfig

    for scheme, lode, gate in ((1, "ts", 0.0), (2, "ts", 0.03), (3, "exponential", 0.03)):
        cfg = CalibrateConfig.model_validate({"calibration": {"scheme": scheme}})
        assert cfg.lode_and_gate() == (lode, gate)
        assert cfg.options().delta_r == gate


def test_lm_rejects_bad_start_and_unknown_names():
    from mslearn.calibration.lm import levenberg_marquardt

    model = CSUH(LodeOptions("none"))
    ds = model_dataset(model, n_paths=2, n_steps=3, eps_max=0.01)
    integ = CalibrationOptions().integration()
    with pytest.raises(MslearnInputError, match=r"M = 2.5 is outside .*\[0.8, 2.0\]"):
        levenberg_marquardt(model, ds, {"M": 2.5}, ("M",), integ)
    with pytest.raises(MslearnInputError, match="'bogus' is not a csuh parameter"):
        levenberg_marquardt(model, ds, {}, ("bogus",), integ)
