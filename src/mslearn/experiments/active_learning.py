"""`mslearn active-learn`: learning curves of Cases 1-3 over seeds, tables, plots, summary.

Summary keys, all from the mean curves over seeds:

* ``labels_used``   — DEM labels paid by the active-learning run (Case 1, else
  Case 2) until it stopped (the last batch, all predicted within the
  thresholds, counts: it was labelled to verify) or reached the budget;
* ``test_mae``      — its Model A test MAE then [sigma / p0];
* ``random_baseline_mae_at_same_labels`` — Case 3 at the same number of labels
  (linear interpolation of its mean curve);
* ``labels_saved_fraction`` — 1 - n_AL / n_random, where n_random is the
  labels of Case 3's last round and n_AL the fewest labels at which the active
  learning mean curve reaches Case 3's final mean MAE (None: not reached);
  ``labels_saved_fraction_score`` and ``..._worst_mae`` do the same with the
  mean test score and the worst test path's MAE (seed 001 Fig. 8-10 read both);
* ``rounds``        — per round of the active-learning case: labels, test MAE
  mean / std over seeds, selected paths' mean score / MAE, stop flag.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from mslearn.core.errors import MslearnInputError
from mslearn.core.runfolder import RunSpec, claim
from mslearn.learn.active.config import ActiveLearnConfig, load_active_config
from mslearn.learn.active.loop import Experiment, RunState, evaluate, query_scores, run_case
from mslearn.learn.active.queries import select_batch

CASE_NAMES = {
    1: "Case 1: sparse uniform start + active learning",
    2: "Case 2: active learning from nothing",
    3: "Case 3: random sampling",
}


def _one(args) -> list[dict]:
    config, out, case, seed = args
    import torch

    torch.set_num_threads(1)
    return run_case(Experiment.create(config, out), case, seed)


def recs_of(runs, case) -> list[dict]:
    """All round records of ``case`` over its seeds; ``runs``: (case, seed) -> rounds."""
    return [r for (c, _), rr in runs.items() if c == case for r in rr]


def curves(runs: dict[tuple[int, int], list[dict]]) -> dict[int, dict[str, np.ndarray]]:
    """Per case: labels (rounds,), mae / score mean and std over seeds (rounds,).
    Seeds that stopped early hold their last value for the later rounds."""
    out = {}
    for case in sorted({c for c, _ in runs}):
        seeds = [runs[k] for k in sorted(runs) if k[0] == case]
        n = max(len(r) for r in seeds)

        def grid(key, seeds=seeds, n=n):
            return np.array([[r[min(i, len(r) - 1)][key] for i in range(n)] for r in seeds])

        lab, mae, score = grid("labels"), grid("test_mae"), grid("test_score")
        worst = grid("test_mae_max")
        out[case] = {
            "labels": lab.mean(axis=0),
            "mae": mae.mean(axis=0),
            "mae_std": mae.std(axis=0),
            "worst_mae": worst.mean(axis=0),
            "worst_mae_std": worst.std(axis=0),
            "score": score.mean(axis=0),
            "score_std": score.std(axis=0),
        }
    return out


def labels_saved(al: dict, rnd: dict, key: str, lower_is_better: bool) -> float | None:
    """1 - (fewest labels at which the AL mean curve of ``key`` is at least as good as
    the random curve's final value) / (random's final labels); None if never reached."""
    target, n_random = rnd[key][-1], rnd["labels"][-1]
    good = al[key] <= target if lower_is_better else al[key] >= target
    reached = np.flatnonzero(good)
    if not reached.size or n_random <= 0:
        return None
    return float(1 - al["labels"][reached[0]] / n_random)


def summary_keys(cv: dict[int, dict[str, np.ndarray]], runs) -> dict:
    """The summary keys of the module doc from the mean curves ``cv`` (see :func:`curves`)
    and the per-(case, seed) round records ``runs``; keys are None without an AL case."""
    al = 1 if 1 in cv else (2 if 2 in cv else None)
    s: dict = {"labels_used": None, "test_mae": None, "random_baseline_mae_at_same_labels": None,
               "labels_saved_fraction": None, "rounds": []}  # fmt: skip
    if al is None:
        return s
    c = cv[al]
    # labels paid: the training labels plus the verifying batch of a stopped run
    paid = [r[-1]["labels"] + (len(r[-1]["selected"]) if r[-1]["stopped"] else 0)
            for (case, _), r in sorted(runs.items()) if case == al]  # fmt: skip
    s["labels_used"] = float(np.mean(paid))
    s["test_mae"] = float(c["mae"][-1])
    if 3 in cv:
        rnd = cv[3]
        s["random_baseline_mae_at_same_labels"] = float(
            np.interp(s["labels_used"], rnd["labels"], rnd["mae"])
        )
        s["labels_saved_fraction"] = labels_saved(c, rnd, "mae", lower_is_better=True)
        s["labels_saved_fraction_score"] = labels_saved(c, rnd, "score", lower_is_better=False)
        s["labels_saved_fraction_worst_mae"] = labels_saved(c, rnd, "worst_mae", True)
        s["random_final_mae"] = float(rnd["mae"][-1])
        s["random_final_labels"] = float(rnd["labels"][-1])
    seeds = [runs[k] for k in sorted(runs) if k[0] == al]
    for i in range(max(len(r) for r in seeds)):
        recs = [r[i] for r in seeds if i < len(r)]
        sel = [p for r in recs for p in r["selected"] if p["score"] is not None]
        s["rounds"].append({
            "round": i,
            "labels": float(np.mean([r["labels"] for r in recs])),
            "test_mae": float(np.mean([r["test_mae"] for r in recs])),
            "test_mae_std": float(np.std([r["test_mae"] for r in recs])),
            "selected_score": float(np.mean([p["score"] for p in sel])) if sel else None,
            "selected_mae": float(np.mean([p["mae"] for p in sel])) if sel else None,
            "stopped": sum(r["stopped"] for r in recs),
            "seeds": len(recs),
        })  # fmt: skip
    return s


def indicator_check(exp: Experiment, case: int, seed: int, round_: int = 0) -> dict[str, list]:
    """Seed 001 Tables 4-5 with the models after round ``round_`` (0: trained on the
    initial labels, as in the paper) of one run: label the batch of highest and
    the batch of lowest committee std among the paths unlabelled then, and score
    Model A on both (the indicator is useful if the first is worse)."""
    rs = RunState(exp.out / "runs" / f"case{case}_seed{seed}")
    rounds = rs.rounds()
    if len(rounds) <= round_ or not rs.has_models(round_):
        return {}
    models = rs.models(round_)
    if models.get("B") is None or not models["A"].fitted:
        return {}
    used = {i for r in rounds[: round_ + 1] for i in r["added"]}
    used |= {f["path"] for r in rounds for f in r["failures"]}
    free = np.array([i for i in exp.candidates if i not in used], int)
    q = exp.config.query
    if free.size < 2 * q.batch:
        return {}
    std = query_scores(models["B"], exp.pool, free)
    radius = q.radius_factor * exp.config.pool.interval
    out = {}
    for name, score in (("highest_std", std), ("lowest_std", -std)):
        pick = free[select_batch(score, exp.pool.coords[free], q.batch, radius)]
        ok, _ = exp.ensure_labels(pick)
        mae, sc = evaluate(models["A"], exp.arrays(ok), exp.config.stop.score_tol)
        sd = dict(zip(free.tolist(), std.tolist(), strict=True))
        out[name] = [{"u": float(exp.pool.coords[i][0]), "r": float(exp.pool.coords[i][1]),
                      "std": sd[i], "score": float(s), "mae": float(m)}
                     for i, s, m in zip(ok, sc, mae, strict=True)]  # fmt: skip
    return out


@dataclass(frozen=True)
class ActiveLearnRequest:
    """What ``mslearn active-learn`` asks for: a TOML config with an ``[active]`` table
    (defaults if None), the run folder (default runs/active_learn), the smoke size (tiny
    pool and networks) and overrides: ``cases`` ("1,3"), ``seeds``, ``workers`` and
    ``max_labels`` (the label budget per run). Running it again with the same settings
    continues in ``out`` (labels are reused); other settings need ``overwrite``."""

    config: Path | None = None
    out: Path | None = None
    smoke: bool = False
    cases: str | None = None
    seeds: int | None = None
    workers: int | None = None
    max_labels: int | None = None
    progress: bool = True
    overwrite: bool = False

    def resolved(self) -> ActiveLearnConfig:
        """The config file, then the smoke size, then the overrides, validated."""
        data = load_active_config(self.config, quick=self.smoke).model_dump()
        if self.cases is not None:
            try:
                data["cases"] = [int(c) for c in self.cases.split(",") if c.strip()]
            except ValueError:
                raise MslearnInputError(f"--cases {self.cases!r}: expected e.g. 1,2,3") from None
        for key in ("seeds", "workers"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        if self.max_labels is not None:
            data["query"]["max_labels"] = self.max_labels
        return ActiveLearnConfig.model_validate(data)


def active_learn(req: ActiveLearnRequest) -> dict:
    """Run the active-learning experiment as ``mslearn active-learn`` does (with ``out``)."""
    cfg = req.resolved()
    settings = cfg.model_dump(mode="json")
    workers = settings.pop("workers", None)  # where labels are computed, not what they are
    spec = RunSpec(
        "active-learn",
        {"config": settings, "smoke": req.smoke},
        {"config_file": req.config, "workers": workers},
        inputs=tuple(p for p in (req.config,) if p is not None),
    )
    out = claim(req.out, "active_learn", spec, overwrite=req.overwrite, continue_same=True)
    s = run_experiment(cfg, out, progress=req.progress)
    return {**s, "out": str(out), "cases_run": len(cfg.cases), "seeds_run": cfg.seeds}


def run_experiment(config: ActiveLearnConfig, out: Path, progress: bool = True) -> dict:
    """Label the test paths, run every (case, seed), write report.md / report.json / plots."""
    from mslearn.core.progress import step_progress

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(config.model_dump_json(indent=2))
    t0 = time.perf_counter()
    exp = Experiment.create(config, out)
    test_ok, test_fail = exp.ensure_labels(exp.test)
    if test_fail:
        exp.test = np.array(test_ok, int)
    label_test_s = time.perf_counter() - t0
    dem = [(exp.dem_s, exp.dem_paths)]
    jobs = [(c, s) for c in config.cases for s in range(config.seeds)]
    runs: dict[tuple[int, int], list[dict]] = {}
    with step_progress("active learning runs", len(jobs), progress) as update:
        if config.workers > 1 and len(jobs) > 1:
            ctx = get_context("spawn")
            with ProcessPoolExecutor(min(config.workers, len(jobs)), mp_context=ctx) as ex:
                futs = {ex.submit(_one, (config, out, c, s)): (c, s) for c, s in jobs}
                for k, f in enumerate(futs):
                    runs[futs[f]] = f.result()
                    update(k + 1, f"case {futs[f][0]} seed {futs[f][1]}")
        else:
            for k, (c, s) in enumerate(jobs):
                runs[(c, s)] = run_case(exp, c, s)
                update(k + 1, f"case {c} seed {s}: {runs[(c, s)][-1]['labels']} labels")
    cv = curves(runs)
    s = summary_keys(cv, runs)
    al = next((c for c in (1, 2) if c in config.cases), None)
    s["indicator_check"] = indicator_check(exp, al, 0) if al is not None else {}
    for name, rows in s["indicator_check"].items():
        s[f"{name}_mean_mae"] = float(np.mean([r["mae"] for r in rows]))
        s[f"{name}_mean_score"] = float(np.mean([r["score"] for r in rows]))
    ranks = [r.get("test_std_mae_spearman") for r in recs_of(runs, al)]
    ranks = [v for v in ranks if v is not None]
    s["test_std_mae_spearman_mean"] = float(np.mean(ranks)) if ranks else None
    recs = [r for rr in runs.values() for r in rr]
    query = [r["query_s"] / max(r["pool_size"], 1) for r in recs if r["round"] > 0]
    dem += [(r["label_s"], r.get("dem_paths", 0)) for r in recs]
    dem_paths = sum(n for _, n in dem)
    s.update({
        "cases": config.cases, "seeds": config.seeds, "pool_paths": len(exp.pool),
        "test_paths": int(len(exp.test)), "test_label_failures": test_fail,
        "query_round_s": float(np.mean([r["query_s"] for r in recs if r["round"] > 0] or [0])),
        "query_s_per_path": float(np.mean(query)) if query else None,
        "dem_label_s_per_path": sum(t for t, _ in dem) / dem_paths if dem_paths else None,
        "label_test_s": label_test_s, "wall_time_s": time.perf_counter() - t0,
        "curves": {str(c): {k: v.tolist() for k, v in d.items()} for c, d in cv.items()},
    })  # fmt: skip
    (out / "report.json").write_text(json.dumps(s, indent=2))
    write_report(out, config, runs, cv, s, exp)
    return s


def write_report(out: Path, config, runs, cv, s, exp) -> None:
    """report.md (definitions, summary, per-round tables) and the figures."""
    c = config.committee
    net = (
        f"GRU({c.hidden}, {c.setting('layers')} layer(s))"
        if c.kind == "gru"
        else f"MLP({c.setting('layers')} x {c.hidden}) on history features (eps, max eps, phi)"
    )
    lines = [
        "# Active learning of an unloading-reloading stress-strain map (seed 001 Sec. 3-4)",
        "",
        f"Pool: {len(exp.pool)} paths on a (u, r) grid of L_s = {config.pool.interval} up to "
        f"eps_max = {config.pool.eps_max}; {len(exp.test)} held-out test paths; labels from DEM "
        f"({config.labeller.particles}-disk RVE, '{config.labeller.preset}', confining "
        f"{config.labeller.p0 / 1e3:g} kPa). Model B: {config.committee.members} x {net} "
        f"on the axial strain history; Model A: {config.committee.members_a} x {net} on the axial "
        f"and lateral strain histories. Batch {config.query.batch}, "
        f"R = {config.query.radius_factor} L_s, budget {config.query.max_labels} labels, "
        f"{config.seeds} seeds.",
        "",
        "MAE (seed 001 Eq. 3) in units of p0; score = fraction of a path's points with "
        f"|error| <= {config.stop.score_tol} max|sigma_a| of the path (our definition; seed 001 "
        "cites Qu et al. 2021a without a formula).",
        "",
        "| key | value |",
        "| --- | --- |",
    ]
    for k in ("labels_used", "test_mae", "random_baseline_mae_at_same_labels",
              "labels_saved_fraction", "labels_saved_fraction_score",
              "labels_saved_fraction_worst_mae", "random_final_mae", "random_final_labels",
              "test_std_mae_spearman_mean", "highest_std_mean_mae", "lowest_std_mean_mae",
              "query_round_s", "dem_label_s_per_path", "wall_time_s"):  # fmt: skip
        v = s.get(k)
        lines.append(f"| {k} | {v:.4g} |" if isinstance(v, float) else f"| {k} | {v} |")
    titles = {"highest_std": "Table 4 analogue: the batch of highest committee std",
              "lowest_std": "Table 5 analogue: the batch of lowest committee std"}  # fmt: skip
    for name, title in titles.items():
        rows = s.get("indicator_check", {}).get(name)
        if rows:
            head = "| u | r | std | score | MAE |\n| --- | --- | --- | --- | --- |"
            lines += ["", f"{title} (models trained on the initial labels, first seed), "
                      "Model A on the DEM labels", "",
                      head]  # fmt: skip
            lines += [f"| {r['u']:.3f} | {r['r']:.3f} | {r['std']:.3f} | {r['score']:.2f} | "
                      f"{r['mae']:.3f} |" for r in rows]  # fmt: skip
    lines += ["", "![learning curves](learning_curves.png)", "",
              "![selected paths](selected_ur.png)", ""]  # fmt: skip
    for (case, seed), recs in sorted(runs.items()):
        lines += [f"## {CASE_NAMES[case]}, seed {seed}", "",
                  "| round | labels | test MAE | test score | selected (u, r, std, score, MAE) |",
                  "| --- | --- | --- | --- | --- |"]  # fmt: skip
        for r in recs:
            sel = "; ".join(
                f"({p['u']:.3f}, {p['r']:.3f}, {_fmt(p['std'])}, {_fmt(p['score'])}, "
                f"{_fmt(p['mae'])})"
                for p in r["selected"][:10]
            )
            flag = " **stop**" if r["stopped"] else ""
            lines.append(f"| {r['round']}{flag} | {r['labels']} | {r['test_mae']:.4f} | "
                         f"{r['test_score']:.3f} | {sel} |")  # fmt: skip
        lines.append("")
    (out / "report.md").write_text("\n".join(lines))
    plot_curves(out / "learning_curves.png", cv)
    plot_selection(out / "selected_ur.png", runs, exp)


def _fmt(v) -> str:
    return "-" if v is None else f"{v:.3f}"


def plot_curves(path: Path, cv) -> None:
    """Learning curves per case: test MAE [p0], score and worst path MAE vs labelled paths,
    mean +- std over seeds (seed 001 Fig. 8-10)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 3, figsize=(14, 4))
    for case, c in cv.items():
        for a, key in zip(ax, ("mae", "score", "worst_mae"), strict=True):
            a.plot(c["labels"], c[key], "o-", label=CASE_NAMES[case], ms=3)
            a.fill_between(c["labels"], c[key] - c[f"{key}_std"], c[key] + c[f"{key}_std"],
                           alpha=0.2)  # fmt: skip
    ax[0].set_ylabel("test MAE [p0]")
    ax[1].set_ylabel("test score")
    ax[2].set_ylabel("worst test path MAE [p0]")
    for a in ax:
        a.set_xlabel("labelled paths")
        a.grid(alpha=0.3)
    ax[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_selection(path: Path, runs, exp) -> None:
    """Selected (u, r) per round, first seed of each active-learning case (seed 001 Fig. 13)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cases = sorted({c for c, _ in runs})
    fig, ax = plt.subplots(1, len(cases), figsize=(4.2 * len(cases), 4), squeeze=False)
    for a, case in zip(ax[0], cases, strict=True):
        recs = runs[(case, min(s for c, s in runs if c == case))]
        a.scatter(*exp.pool.coords[exp.candidates].T, s=4, c="0.85", label="pool")
        a.scatter(*exp.pool.coords[exp.test].T, s=6, marker="x", c="0.6", label="test")
        cmap = plt.get_cmap("viridis")
        for r in recs:
            if r["added"]:
                xy = exp.pool.coords[r["added"]]
                a.scatter(*xy.T, s=18, color=cmap(r["round"] / max(len(recs) - 1, 1)),
                          label=f"round {r['round']}" if r["round"] < 8 else None)  # fmt: skip
        a.set_title(CASE_NAMES[case], fontsize=8)
        a.set_xlabel("unloading strain u")
        a.set_ylabel("reloading strain r")
        a.legend(fontsize=6, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
