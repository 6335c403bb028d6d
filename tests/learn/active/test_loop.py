"""Interactive labelling, sequence committees and learning curves (seed 001 Sec. 3-4)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.experiments.active_learning import run_experiment
from mslearn.learn.active import labelling
from mslearn.learn.active.config import ActiveLearnConfig, load_active_config
from mslearn.learn.active.labelling import DEMLabeller, DEMLabellerOptions
from mslearn.learn.metrics import path_mae, path_score
from mslearn.learn.surrogates.sequence import GRUCommittee
from mslearn.paths.unload_reload import axial_path, farthest_point_subset, unload_reload_pool

SMALL_DEM = DEMLabellerOptions(particles=40, strain_per_dem_step=4e-5, batch=4)


def test_seed001_pool_has_every_loop_on_the_grid():
    pool = unload_reload_pool(0.003, 0.12)
    u, r = pool.coords.T
    assert len(pool) == 38 * 39 // 2  # u = 2..39 L_s, r = 1..u-1 L_s
    assert (u > r).all() and (r > 0).all() and (u < 0.12).all()
    assert np.isclose(u.max(), 0.117) and np.isclose(r.min(), 0.003)
    p = pool.path(int(np.argmax(u - r)))
    assert p[0] == 0 and np.isclose(p[-1], 0.12)
    steps = np.diff(p)
    assert np.allclose(np.abs(steps), 0.003)
    turns = np.flatnonzero(np.diff(np.sign(steps)))
    assert len(turns) == 2  # one unloading, one reloading


def test_axial_path_passes_through_u_and_r_exactly():
    p = axial_path(0.05, 0.02, 0.1, 0.004)
    assert np.isclose(p, 0.05).any() and np.isclose(p, 0.02).any()
    assert p.argmax() == len(p) - 1


def test_pool_errors_name_the_field():
    with pytest.raises(MslearnInputError, match="interval"):
        unload_reload_pool(0.0)
    with pytest.raises(MslearnInputError, match="eps_max"):
        unload_reload_pool(0.003, 0.005)
    with pytest.raises(MslearnInputError, match="spacing h"):
        unload_reload_pool(0.003, 0.12, h=0.01)


def test_farthest_point_subset_is_spread_out():
    pool = unload_reload_pool(0.003, 0.12)
    pick = farthest_point_subset(pool.coords, 20)
    assert len(set(pick.tolist())) == 20

    def min_gap(ix):
        c = pool.coords[ix]
        d = np.linalg.norm(c[:, None] - c[None], axis=-1)
        return d[np.triu_indices(len(ix), 1)].min()

    rnd = np.random.default_rng(0).choice(len(pool), 20, replace=False)
    assert min_gap(pick) > 2 * min_gap(rnd)


def test_mae_and_score():
    y = np.array([[1.0, 2.0, 4.0, 4.0]])
    assert path_mae(y, y)[0] == 0 and path_score(y, y)[0] == 1
    bad = y + np.array([[0.0, 0.0, 1.0, 1.0]])
    assert np.isclose(path_mae(bad, y)[0], 0.5)
    assert np.isclose(path_score(y, bad, tol=0.05)[0], 0.5)
    mask = np.array([[True, True, False, False]])
    assert path_mae(y, bad, mask)[0] == 0 and path_score(y, bad, mask)[0] == 1


def _history_data(n=24, t=30, seed=0):
    """y = running max of x: a causal, history-dependent target."""
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.normal(0, 0.1, (n, t)), axis=1)
    return x[..., None], np.maximum.accumulate(x, axis=1)[..., None]


@pytest.mark.recovery
def test_gru_committee_learns_a_history_dependent_map_and_round_trips(tmp_path):
    x, y = _history_data()
    c = GRUCommittee(1, 1, hidden=12, members=2, seed=1)
    before = np.abs(c.predict(x) - y).mean()
    hist = c.fit(x, y, iterations=150, lr=2e-2)["loss"]
    after = np.abs(c.predict(x) - y).mean()
    assert hist.shape == (2, 150) and after < 0.2 * before
    p = c.member_predictions(x)
    assert not np.allclose(p[0], p[1])  # members differ by their initialisation
    c2 = GRUCommittee.load(c.save(tmp_path / "gru"))
    assert np.array_equal(c2.member_predictions(x), p)
    hist2 = c2.fit(x, y, iterations=20, lr=1e-3)["loss"]
    assert hist2[:, -1].mean() <= hist[:, -1].mean() * 1.5  # warm start, not a restart


def test_gru_committee_disagrees_more_off_its_training_data():
    x, y = _history_data(n=40)
    c = GRUCommittee(1, 1, hidden=12, members=3, seed=2)
    c.fit(x, y, iterations=150, lr=2e-2)
    far = 4.0 * x  # paths well outside the training range
    sd_in = c.uncertainty(x)[..., 0].mean()
    sd_out = c.uncertainty(far)[..., 0].mean()
    assert sd_out > 2 * sd_in


def test_dem_labeller_drained_loop_with_constant_confinement():
    lab = DEMLabeller(SMALL_DEM)
    paths = [axial_path(0.02, 0.01, 0.03, 0.002), axial_path(0.015, 0.005, 0.03, 0.0025)]
    labels, failures = lab.label(paths)
    assert not failures
    for p, y in zip(paths, labels, strict=True):
        assert len(y["axial_stress"]) == len(p)
        assert np.allclose(y["axial_strain"], p, atol=1e-9)
        s = y["axial_stress"] / SMALL_DEM.p0
        top = int(np.argmax(p[: len(p) // 2 + 3]))
        assert s[top] > 1.3  # sheared above the confinement
        turn = top + int(np.argmin(p[top:]))
        assert s[turn] < s[top] - 0.3  # unloading relieves the axial stress
        lat = y["lateral_stress"][1:] / SMALL_DEM.p0
        assert np.abs(lat - 1).max() < 0.1  # servo-held confining pressure
    again, _ = lab.label(paths[:1])
    assert np.array_equal(again[0]["axial_stress"], labels[0]["axial_stress"])


def test_failing_label_is_retried_then_skipped_and_reported(monkeypatch):
    real = labelling._run_batch
    calls = []

    def flaky(paths, o, step):
        calls.append((len(paths), step))
        if any(np.isclose(p.max(), 0.05) for p in paths):
            raise RuntimeError("DEM failure in path 0 of the batch: unstable")
        return real(paths, o, step)

    monkeypatch.setattr(labelling, "_run_batch", flaky)
    lab = DEMLabeller(SMALL_DEM)
    paths = [axial_path(0.01, 0.005, 0.02, 0.0025), axial_path(0.04, 0.01, 0.05, 0.0025)]
    labels, failures = lab.label(paths)
    assert labels[0] is not None and labels[1] is None
    assert len(failures) == 1 and failures[0].index == 1 and "unstable" in failures[0].reason
    steps = [s for n, s in calls if n == 1]
    assert SMALL_DEM.strain_per_dem_step / 2 in steps  # retried with smaller DEM steps


def test_config_errors_are_clear(tmp_path):
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="members >= 2"):
        ActiveLearnConfig.model_validate({"committee": {"members": 1}})
    with pytest.raises(ValidationError, match=r"\(0, 1\]"):
        ActiveLearnConfig.model_validate({"stop": {"score": 1.5}})
    with pytest.raises(MslearnInputError, match="does not exist"):
        load_active_config(tmp_path / "nope.toml")


QUICK_CASES = {"cases": [1, 2, 3], "seeds": 1}


def _quick(**kw) -> ActiveLearnConfig:
    data = load_active_config(None, quick=True).model_dump()
    data["labeller"].update({"particles": 40})
    data.update(QUICK_CASES)
    for k, v in kw.items():
        if isinstance(v, dict):
            data[k].update(v)
        else:
            data[k] = v
    return ActiveLearnConfig.model_validate(data)


def test_quick_experiment_runs_cases_and_resumes_without_relabelling(tmp_path, monkeypatch):
    cfg = _quick(query={"max_labels": 6})
    s = run_experiment(cfg, tmp_path, progress=False)
    for k in ("labels_used", "test_mae", "random_baseline_mae_at_same_labels",
              "labels_saved_fraction", "rounds"):  # fmt: skip
        assert k in s
    assert s["labels_used"] <= 6 and s["test_mae"] > 0 and s["rounds"]
    assert (tmp_path / "report.md").is_file() and (tmp_path / "learning_curves.png").is_file()
    runs = sorted((tmp_path / "runs").glob("case*_seed0"))
    assert [p.name for p in runs] == ["case1_seed0", "case2_seed0", "case3_seed0"]
    first = [json.loads(x) for x in (runs[2] / "rounds.jsonl").read_text().splitlines()]
    assert [r["labels"] for r in first] == [3, 6]  # random: batch of 3 per round

    # a larger budget continues every run from its last round; paid labels are reused
    n_labels = len(list((tmp_path / "labels").glob("*.npz")))
    counted = []
    real = labelling._run_batch
    monkeypatch.setattr(
        labelling, "_run_batch", lambda p, o, st: counted.append(len(p)) or real(p, o, st)
    )
    s2 = run_experiment(_quick(query={"max_labels": 9}), tmp_path, progress=False)
    again = [json.loads(x) for x in (runs[2] / "rounds.jsonl").read_text().splitlines()]
    assert again[:2] == first and again[-1]["labels"] == 9
    new_labels = len(list((tmp_path / "labels").glob("*.npz"))) - n_labels
    assert sum(counted) == new_labels  # only the new paths went to the DEM
    assert s2["labels_used"] >= s["labels_used"]


def test_label_store_refuses_other_labeller_settings(tmp_path):
    run_experiment(_quick(cases=[3], query={"max_labels": 3}), tmp_path, progress=False)
    with pytest.raises(MslearnInputError, match="label store"):
        run_experiment(_quick(cases=[3], labeller={"p0": 1e5}), tmp_path, progress=False)


def test_cli_active_learn_json(tmp_path):
    from typer.testing import CliRunner

    from mslearn.cli.main import app

    res = CliRunner().invoke(
        app,
        [
            "active-learn",
            "--quick",
            "--quiet",
            "--json",
            "--cases",
            "1,3",
            "--max-labels",
            "6",
            "--out",
            str(tmp_path),
        ],  # fmt: skip
    )
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout.strip().splitlines()[-1])
    assert s["cases"] == [1, 3] and s["labels_used"] <= 6
    args = ["active-learn", "--quick", "--cases", "x", "--out", str(tmp_path)]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2 and "--cases" in res.output


@pytest.mark.recovery
def test_history_mlp_committee_learns_round_trips_and_warm_starts(tmp_path):
    from mslearn.learn.persistence import load_surrogate
    from mslearn.learn.surrogates.sequence import HistoryMLPCommittee

    x, y = _history_data(n=30)
    c = HistoryMLPCommittee(1, 1, hidden=16, members=3, seed=0)
    before = np.abs(c.member_predictions(x) - y).mean()
    hist = c.fit(x, y, iterations=600, lr=1e-2)["loss"]
    p = c.member_predictions(x)
    assert p.shape == (3, 30, 30, 1)
    assert np.abs(p - y).mean() < 0.1 * before  # running max is one of its features
    c2 = load_surrogate(c.save(tmp_path / "h"))
    assert isinstance(c2, HistoryMLPCommittee) and np.array_equal(c2.member_predictions(x), p)
    hist2 = c2.fit(x, y, iterations=10, lr=1e-3)["loss"]
    assert hist2[:, 0].mean() < 2 * hist[:, -1].mean()  # continues, not a restart


def test_quick_experiment_with_the_gru_committee(tmp_path):
    cfg = _quick(cases=[1], committee={"kind": "gru"}, query={"max_labels": 6})
    s = run_experiment(cfg, tmp_path, progress=False)
    assert s["labels_used"] == 6 and np.isfinite(s["test_mae"])
    assert s["random_baseline_mae_at_same_labels"] is None  # no Case 3 asked


def test_pool_without_candidates_is_a_clear_error(tmp_path):
    cfg = _quick(pool={"test_fraction": 0.99})
    with pytest.raises(MslearnInputError, match="no candidates"):
        run_experiment(cfg, tmp_path, progress=False)


def test_loop_skips_and_reports_a_path_the_dem_cannot_label(tmp_path, monkeypatch):
    real = labelling._run_batch
    bad_u = 0.048  # one column of the quick pool

    def flaky(paths, o, step):
        if any(np.isclose(p.max(), 0.06) and np.isclose(p[: len(p) // 2].max(), bad_u)
               for p in paths):  # fmt: skip
            raise RuntimeError("DEM failure in path 0 of the batch: unstable")
        return real(paths, o, step)

    monkeypatch.setattr(labelling, "_run_batch", flaky)
    s = run_experiment(_quick(cases=[3], query={"max_labels": 12}), tmp_path, progress=False)
    text = (tmp_path / "runs/case3_seed0/rounds.jsonl").read_text()
    rounds = [json.loads(x) for x in text.splitlines()]
    failed = [f for r in rounds for f in r["failures"]]
    added = [i for r in rounds for i in r["added"]]
    assert failed and all(np.isclose(f["u"], bad_u) and "unstable" in f["reason"] for f in failed)
    assert not {f["path"] for f in failed} & set(added)  # never trained on, never re-asked
    assert len(set(added)) == len(added) and np.isfinite(s["curves"]["3"]["mae"]).all()


def test_labels_through_worker_processes_equal_serial_labels():
    from dataclasses import replace

    paths = [axial_path(0.01 + 0.002 * k, 0.004, 0.016, 0.002) for k in range(4)]
    serial, _ = DEMLabeller(replace(SMALL_DEM, batch=2)).label(paths)
    procs, fail = DEMLabeller(replace(SMALL_DEM, batch=2, executor="processes")).label(paths)
    assert not fail
    for a, b in zip(serial, procs, strict=True):
        assert np.array_equal(a["axial_stress"], b["axial_stress"])


def test_bench_active_smoke():
    from typer.testing import CliRunner

    from mslearn.cli.main import app

    res = CliRunner().invoke(app, ["bench", "active", "--particles", "40", "--json"])
    assert res.exit_code == 0, res.output
    s = json.loads(res.stdout.strip().splitlines()[-1])
    assert s["pool_paths"] == 741 and s["dem_label_s_per_path"] > 0
    assert s["mlp_query_round_s"] > 0 and s["gru_query_round_over_label"] > 0


def test_quick_stays_tiny_whatever_the_file_asks(tmp_path):
    f = tmp_path / "a.toml"
    f.write_text("[active.labeller]\nparticles = 500\np0 = 1e5\n[active.pool]\ninterval = 0.003\n")
    cfg = load_active_config(f, quick=True)
    assert cfg.labeller.particles == 40 and cfg.pool.interval == 0.008
    assert cfg.labeller.p0 == 1e5  # fields quick does not size are kept
    assert load_active_config(f).labeller.particles == 500


def test_labels_averaged_over_packings_are_the_mean_of_single_packing_labels():
    from dataclasses import replace

    p = [axial_path(0.01, 0.004, 0.016, 0.002)]
    one = [DEMLabeller(replace(SMALL_DEM, packing_seed=s)).label(p)[0][0] for s in (0, 1)]
    two = DEMLabeller(replace(SMALL_DEM, packings=2)).label(p)[0][0]
    for key in ("axial_stress", "lateral_strain"):
        assert np.allclose(two[key], 0.5 * (one[0][key] + one[1][key]), rtol=1e-12, atol=1e-12)
    assert not np.allclose(one[0]["axial_stress"], one[1]["axial_stress"])


def test_stop_rule_ends_a_run_when_the_batch_is_already_predicted_well(tmp_path):
    loose = _quick(cases=[1], stop={"mae": 10.0, "score": 0.01}, query={"max_labels": 9})
    s = run_experiment(loose, tmp_path / "loose", progress=False)
    rounds = [json.loads(x) for x in (tmp_path / "loose/runs/case1_seed0/rounds.jsonl").open()]
    assert [r["stopped"] for r in rounds] == [False, True]  # round 0 trains, round 1 verifies
    assert rounds[-1]["added"] == [] and rounds[-1]["labels"] == 3
    assert s["labels_used"] == 3 + len(rounds[-1]["selected"])  # the verifying batch is paid
    strict = _quick(cases=[1], stop={"mae": 1e-6, "score": 1.0}, query={"max_labels": 9})
    s2 = run_experiment(strict, tmp_path / "strict", progress=False)
    assert s2["labels_used"] == 9  # never satisfied: the budget ends it


def test_round_models_are_saved_in_the_one_surrogate_format(tmp_path):
    from mslearn.learn.active.loop import RunState
    from mslearn.learn.persistence import read_model

    x, y = _history_data(n=6, t=10)
    a = GRUCommittee(1, 1, hidden=4, members=2, seed=0)
    a.fit(x, y, iterations=3)
    rs = RunState(tmp_path / "run")
    rs.append({"round": 0}, {"A": a, "B": None})
    first = a.member_predictions(x)
    a.fit(x, y, iterations=3)
    rs.append({"round": 1}, {"A": a, "B": None})
    record, _ = read_model(rs.round_folder(1) / "A", kind="gru")
    assert record["format"] == "mslearn-surrogate" and record["fitted"]
    latest, round0 = rs.models(), rs.models(0)
    assert latest["B"] is None and rs.has_models(1) and not rs.has_models(2)
    assert np.array_equal(latest["A"].member_predictions(x), a.member_predictions(x))
    assert np.array_equal(round0["A"].member_predictions(x), first)
    old = RunState(tmp_path / "old")  # a run folder of an earlier version
    old.append({"round": 0}, {})
    (old.folder / "models.pt").write_bytes(b"")
    assert old.models() == {}
