"""Interactive labelling with committee-based active learning (seed 001 Sec. 3-4).

One run = one (case, seed):

* Case 1 — a sparse uniform start (farthest-point subset of the (u, r) plane),
  then active learning;
* Case 2 — active learning from nothing (the first query is made by an
  untrained committee);
* Case 3 — random batches (the passive baseline).

A round (seed 001 Sec. 4.3, steps 1-7): Model B, a committee of GRUs mapping
the axial strain history to the axial stress (inputs known for every
unlabelled path), scores the unlabelled pool by the committee standard
deviation (seed 001 Eq. 1: std over members of sigma_a / p0, mean over the
path's points); a batch of paths is selected with the exclusion radius
R = 1.5 L_s in the (u, r) plane (seed 001 Sec. 3.4); the batch is labelled by
DEM element tests; Model A (inputs: axial and lateral strain, as a
constitutive model; trained on the labels so far) is checked on the batch
(score, MAE: seed 001 Tables 4-5); if every selected path is predicted within
the thresholds the run stops, otherwise the batch joins the training data,
Models A and B are retrained (warm started) and Model A is scored on the
held-out test paths (the learning curve).

Everything a round produces is written as it arrives: labels in the
:class:`~mslearn.learn.active.labelling.LabelStore`, one JSON line per completed
round in ``rounds.jsonl`` and the models of every round, so a stopped run
resumes at the next round. Models are saved in the one surrogate format
(:mod:`mslearn.learn.persistence`), one folder per model and round.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mslearn.core.errors import MslearnInputError
from mslearn.learn.active.config import ActiveLearnConfig
from mslearn.learn.active.labeller import Labeller, make_labeller
from mslearn.learn.active.labelling import LabelStore
from mslearn.learn.active.queries import committee_std, select_batch, select_random
from mslearn.learn.metrics import path_mae, path_score
from mslearn.learn.persistence import load_surrogate
from mslearn.learn.surrogates.sequence import COMMITTEES, Committee
from mslearn.paths.unload_reload import (
    StrainPathPool,
    farthest_point_subset,
    unload_reload_pool,
)

log = logging.getLogger("mslearn.active")


def path_key(pool: StrainPathPool, i: int) -> str:
    """Label-store key of pool path ``i``: its (u, r), spacing h and final strain."""
    u, r = pool.coords[i]
    return f"u{u:.5f}_r{r:.5f}_h{pool.h:.5f}_e{pool.eps_max:.4f}"


@dataclass
class Experiment:
    """What every (case, seed) run shares: the pool, its split, labeller and store."""

    config: ActiveLearnConfig
    out: Path
    pool: StrainPathPool
    test: np.ndarray
    candidates: np.ndarray
    store: LabelStore
    labeller: Labeller | None = None
    dem_s: float = 0.0
    dem_paths: int = 0

    @classmethod
    def create(cls, config: ActiveLearnConfig, out: Path) -> Experiment:
        """Build the pool, draw the held-out test paths and open the label store in ``out``."""
        p = config.pool
        pool = unload_reload_pool(p.interval, p.eps_max, p.h)
        rng = np.random.default_rng(p.test_seed)
        n_test = max(1, int(round(p.test_fraction * len(pool))))
        if len(pool) - n_test < 1:
            raise MslearnInputError(
                f"pool of {len(pool)} paths leaves no candidates after {n_test} test paths"
            )
        test = np.sort(rng.choice(len(pool), n_test, replace=False))
        candidates = np.setdiff1d(np.arange(len(pool)), test)
        store = LabelStore(Path(out) / "labels", config.labeller.options())
        return cls(config, Path(out), pool, test, candidates, store)

    def ensure_labels(self, indices) -> tuple[list[int], list[dict]]:
        """Label ``indices`` (store first, DEM for the rest); returns (labelled, failures)."""
        todo = [int(i) for i in indices if not self.store.has(path_key(self.pool, int(i)))]
        failures: list[dict] = []
        if todo:
            if self.labeller is None:
                cfg = self.config.labeller
                self.labeller = make_labeller(cfg.kind, cfg.options())
            t0 = time.perf_counter()
            labels, failed = self.labeller.label([self.pool.path(i) for i in todo])
            self.dem_s += time.perf_counter() - t0
            self.dem_paths += len(todo)
            for i, lab in zip(todo, labels, strict=True):
                if lab is not None:
                    self.store.put(path_key(self.pool, i), lab)
            for f in failed:
                i = todo[f.index]
                u, r = self.pool.coords[i]
                log.warning("label of path %d (u=%.4f, r=%.4f) failed: %s", i, u, r, f.reason)
                failures.append({"path": i, "u": float(u), "r": float(r), "reason": f.reason})
        ok = [int(i) for i in indices if self.store.has(path_key(self.pool, int(i)))]
        return ok, failures

    def arrays(self, indices) -> dict[str, np.ndarray]:
        """Padded training arrays of labelled paths: xa (n,T,2), xb (n,T,1), y (n,T,1), mask."""
        labs = [self.store.get(path_key(self.pool, int(i))) for i in indices]
        t_max = max(len(lab["axial_strain"]) for lab in labs)
        n = len(labs)
        xa, y = np.zeros((n, t_max, 2)), np.zeros((n, t_max, 1))
        mask = np.zeros((n, t_max), bool)
        p0 = self.config.labeller.p0
        for k, lab in enumerate(labs):
            t = len(lab["axial_strain"])
            ea = self.pool.path(int(indices[k]))
            for j, v in enumerate((ea, lab["lateral_strain"])):
                xa[k, :t, j], xa[k, t:, j] = v, v[-1]
            s = lab["axial_stress"] / p0
            y[k, :t, 0], y[k, t:, 0] = s, s[-1]
            mask[k, :t] = True
        return {"xa": xa, "xb": xa[..., :1].copy(), "y": y, "mask": mask}


def _finite(v) -> float | None:
    return float(v) if np.isfinite(v) else None


def _committee(cfg, n_in: int, members: int, seed: int) -> Committee:
    c = cfg.committee
    return COMMITTEES[c.kind](n_in, 1, c.hidden, c.setting("layers"), members, seed=seed)


def _fit(model: Committee, data: dict, key: str, cfg, seed: int) -> float:
    c = cfg.committee
    iters = c.setting("iterations") if not model.fitted else c.setting("warm_iterations")
    t0 = time.perf_counter()
    if iters:
        model.fit(data[key], data["y"], data["mask"], iters, c.setting("lr"), c.batch_size, seed)
    return time.perf_counter() - t0


def query_scores(model: Committee, pool: StrainPathPool, indices) -> np.ndarray:
    """Seed 001 Eq. 1 per path: member std of sigma_a / p0, mean over the path's points."""
    eps, mask = pool.padded(indices)
    return committee_std(model.member_predictions(eps[..., None]), mask)


def evaluate(model: Committee, data: dict, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Model A's per-path MAE and score (members averaged per path)."""
    pred = model.member_predictions(data["xa"])[..., 0]  # (M, n, T)
    mae = np.mean([path_mae(data["y"][..., 0], p, data["mask"]) for p in pred], axis=0)
    score = np.mean([path_score(data["y"][..., 0], p, data["mask"], tol) for p in pred], axis=0)
    return mae, score


def indicator_quality(model_b: Committee, exp: Experiment, mae_test: np.ndarray) -> dict:
    """Does Model B's disagreement find Model A's worst test paths without the truth?
    (seed 001 Table 3): Spearman rank correlation of committee std and actual MAE
    over the test paths, and how many of the 10 highest-std paths are among the
    10 worst predicted."""
    from scipy.stats import spearmanr

    std = query_scores(model_b, exp.pool, exp.test)
    k = min(10, len(std))
    top_std = set(np.argsort(-std)[:k].tolist())
    top_mae = set(np.argsort(-mae_test)[:k].tolist())
    rho = spearmanr(std, mae_test).statistic if len(std) > 2 else float("nan")
    return {"test_std_mae_spearman": _finite(rho), "test_top10_overlap": len(top_std & top_mae)}


class RunState:
    """rounds.jsonl and the models of every round of one (case, seed) run.

    The models after round k are saved in the one surrogate format under
    ``models/round<k>/A`` and ``.../B`` (B absent for Case 3); a round folder is
    written whole in a temporary folder and renamed into place before its line
    is appended to rounds.jsonl, so the last recorded round always has its models.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.rounds_file = self.folder / "rounds.jsonl"

    def rounds(self) -> list[dict]:
        """The records of the completed rounds (a torn last line is dropped)."""
        if not self.rounds_file.is_file():
            return []
        out = []
        for line in self.rounds_file.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:  # a torn last line of a killed run: redo that round
                break
        return out

    def round_folder(self, round_: int) -> Path:
        """Folder of the models after round ``round_``."""
        return self.folder / "models" / f"round{round_}"

    def has_models(self, round_: int) -> bool:
        """True if the models after round ``round_`` were saved."""
        return (self.round_folder(round_) / "A" / "model.json").is_file()

    def append(self, record: dict, models: dict[str, Committee | None]) -> None:
        """Save the round's models, then append its record."""
        final = self.round_folder(record["round"])
        tmp = final.parent / f".{final.name}.tmp"
        for f in (tmp, final):
            if f.exists():
                shutil.rmtree(f)
        tmp.mkdir(parents=True)
        for name, m in models.items():
            if m is not None:
                m.save(tmp / name)
        os.replace(tmp, final)
        with open(self.rounds_file, "a") as f:
            f.write(json.dumps(record) + "\n")

    def models(self, round_: int | None = None) -> dict[str, Committee | None]:
        """The models after round ``round_`` (default: the last recorded round); {} if none.

        Run folders of earlier versions (one models.pt) are not read: such a run
        starts over, its DEM labels kept."""
        if round_ is None:
            rounds = self.rounds()
            if not rounds:
                return {}
            round_ = rounds[-1]["round"]
        if not self.has_models(round_):
            if (self.folder / "models.pt").is_file():
                log.warning("%s: models.pt of an earlier version is not read", self.folder)
            return {}
        folder = self.round_folder(round_)
        return {k: load_surrogate(folder / k) if (folder / k).is_dir() else None for k in "AB"}


def _query(exp: Experiment, case: int, seed: int, k: int, free: np.ndarray, size: int, model_b):
    """Round ``k``'s picks among ``free`` (indices into it) and their scores (NaN unscored):
    Case 1's uniform start, Case 3's random batch, else Model B's batch (seed 001 Sec. 3.4)."""
    q = exp.config.query
    std = np.full(free.size, np.nan)
    if k == 0 and case == 1:
        pick = farthest_point_subset(exp.pool.coords[free], min(q.initial, q.max_labels))
    elif case == 3:
        pick = select_random(free.size, size, seed=seed * 10_007 + k)
    else:
        std = query_scores(model_b, exp.pool, free)
        radius = q.radius_factor * exp.config.pool.interval
        pick = select_batch(std, exp.pool.coords[free], size, radius)
    return pick, std


def _check_batch(exp: Experiment, model_a, case: int, chosen, pick, std, ok) -> tuple[list, bool]:
    """Model A on the labelled batch ``ok``: one record per path, and whether every path
    is predicted within the stop thresholds (seed 001 Tables 4-5)."""
    stop = exp.config.stop
    if not ok:
        return [], False
    mae_new, score_new = evaluate(model_a, exp.arrays(ok), stop.score_tol)
    pos = {int(c): j for j, c in enumerate(chosen)}
    selected = []
    for j, i in enumerate(ok):
        u, r = exp.pool.coords[i]
        sd = _finite(std[pick[pos[i]]])
        # an untrained Model A (Case 1's start, Case 2's first batch) checks nothing
        sc = float(score_new[j]) if model_a.fitted else None
        ma = float(mae_new[j]) if model_a.fitted else None
        selected.append(
            {"path": i, "u": float(u), "r": float(r), "std": sd, "score": sc, "mae": ma}
        )
    satisfied = bool(
        model_a.fitted
        and case in (1, 2)
        and stop.enabled
        and (score_new >= stop.score).all()
        and (mae_new <= stop.mae).all()
    )
    return selected, satisfied


def _start(
    exp: Experiment, case: int, seed: int
) -> tuple[RunState, list[dict], Committee, Committee | None]:
    """The run's state, its completed rounds and Models A / B (saved ones, or new)."""
    cfg = exp.config
    rs = RunState(exp.out / "runs" / f"case{case}_seed{seed}")
    rounds = rs.rounds()
    models = rs.models() if rounds else {}
    if rounds and len(models) == 0:  # models lost: start this run over (labels are kept)
        rs.rounds_file.unlink()
        rounds = []
    model_a = models.get("A") or _committee(cfg, 2, cfg.committee.members_a, seed + 100)
    model_b = models.get("B") or (
        _committee(cfg, 1, cfg.committee.members, seed) if case in (1, 2) else None
    )
    return rs, rounds, model_a, model_b


def run_case(exp: Experiment, case: int, seed: int, progress=None) -> list[dict]:
    """Run (or resume) one learning curve; returns its round records."""
    cfg = exp.config
    q, stop = cfg.query, cfg.stop
    rs, rounds, model_a, model_b = _start(exp, case, seed)
    labelled: list[int] = [i for r in rounds for i in r["added"]]
    unlabelable: set[int] = {f["path"] for r in rounds for f in r["failures"]}
    test_data = exp.arrays(exp.test)
    while True:
        k = len(rounds)
        if rounds and (rounds[-1]["stopped"] or len(labelled) >= q.max_labels):
            break
        taken = set(labelled) | unlabelable
        free = np.array([i for i in exp.candidates if i not in taken], int)
        if free.size == 0:
            break
        t0 = time.perf_counter()
        size = min(q.batch, q.max_labels - len(labelled))
        pick, std = _query(exp, case, seed, k, free, size, model_b)
        query_s = time.perf_counter() - t0
        chosen = free[pick]
        dem0 = (exp.dem_s, exp.dem_paths)
        ok, failures = exp.ensure_labels(chosen)
        label_s, dem_paths = exp.dem_s - dem0[0], exp.dem_paths - dem0[1]
        unlabelable |= {f["path"] for f in failures}
        selected, satisfied = _check_batch(exp, model_a, case, chosen, pick, std, ok)
        train_s = 0.0
        if not satisfied and ok:
            labelled += ok
            data = exp.arrays(labelled)
            train_s += _fit(model_a, data, "xa", cfg, seed)
            if model_b is not None:
                train_s += _fit(model_b, data, "xb", cfg, seed)
        mae_t, score_t = evaluate(model_a, test_data, stop.score_tol)
        rank = indicator_quality(model_b, exp, mae_t) if model_b is not None else {}
        record = {
            "case": case, "seed": seed, "round": k, "labels": len(labelled),
            "added": [] if satisfied else ok, "selected": selected, "failures": failures,
            "test_mae": float(mae_t.mean()), "test_mae_max": float(mae_t.max()),
            "test_score": float(score_t.mean()), "stopped": satisfied,
            "query_s": query_s, "label_s": label_s, "dem_paths": dem_paths, "train_s": train_s,
            "pool_size": int(free.size), **rank,
        }  # fmt: skip
        rs.append(record, {"A": model_a, "B": model_b})
        rounds.append(record)
        if progress is not None:
            progress(record)
    return rounds
