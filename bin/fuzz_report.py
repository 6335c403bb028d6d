"""The hostile-user table: mutated configs, non-finite fields, damaged files, reused folders.

Usage: python bin/fuzz_report.py [--cases N] [--damage N] [--json]

Runs every case in-process through ``mslearn.cli.main.main`` (the helpers of
tests/cli/fuzzing.py) from a fresh folder under /tmp, deterministically (seeded), and
prints one Markdown row per kind of case: tried, exit 0, clean one-line error (exit 1/2,
one ``error:`` line last, the JSON error object last with --json), traceback or other
broken output, nonsense accepted (exit 0 on a value no field should take: a non-finite
number, a boolean or text for a number, a number for text, an unknown key, a table given
as a value, raw damaged bytes, a damaged input file) and inputs overwritten.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.cli.fuzzing import (  # noqa: E402
    HOSTILE,
    RUN_BASE,
    argv_for,
    catalog,
    check_contract,
    copy_of,
    damage,
    run_cli,
    set_path,
    tree_hash,
    write_config,
)

COMMANDS = ("run", "fem-dem", "train", "fem-ml", "calibrate", "active-learn")


class Tally:
    """Counts of one row of the table."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.counts = dict.fromkeys(
            ("tried", "exit_0", "clean_error", "broken", "nonsense_accepted", "inputs_changed"), 0
        )
        self.examples: list[str] = []

    def add(self, argv: list[str], outcome, nonsense: bool, changed: bool) -> None:
        c = self.counts
        c["tried"] += 1
        try:
            check_contract(outcome, argv)
            ok = True
        except AssertionError:
            ok = False
        if not ok:
            c["broken"] += 1
            self._example("broken", argv, outcome)
        elif outcome.code == 0:
            c["exit_0"] += 1
            if nonsense:
                c["nonsense_accepted"] += 1
                self._example("accepted", argv, outcome)
        else:
            c["clean_error"] += 1
        if changed:
            c["inputs_changed"] += 1
            self._example("input changed", argv, outcome)

    def _example(self, what: str, argv, outcome) -> None:
        if len(self.examples) < 30:
            tail = (outcome.stderr.strip().splitlines() or [""])[-1][:200]
            self.examples.append(f"{what}: mslearn {' '.join(map(str, argv))} -> {tail}")


def default_at(tree: dict, path: tuple):
    node = tree
    for k in path:
        if not isinstance(node, dict) or k not in node:
            return None
        node = node[k]
    return node


def is_nonsense(default, value) -> bool:
    """True when no sane reading of a field with this default takes ``value``."""
    if isinstance(value, float) and not math.isfinite(value):
        return True
    if isinstance(default, dict):
        return not isinstance(value, dict)
    if isinstance(default, bool):
        return not isinstance(value, bool)
    if isinstance(default, int | float):
        if isinstance(value, bool) or isinstance(value, list | dict):
            return True
        if isinstance(value, int | float):
            return False  # finite: physical magnitudes have no upper bounds (notes)
        return isinstance(value, str) and not _numeric_text(value)
    if isinstance(default, str):
        return not isinstance(value, str) or len(value) > 1000
    return False


def _numeric_text(text: str) -> bool:
    """A number, possibly with a unit ("1e3", "100 kPa"): what unit-typed fields take."""
    import re

    return re.match(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*[A-Za-z]*\s*$", text) is not None


def one_config(
    tally: Tally, command: str, config, nonsense: bool, work: Path, art: dict, k, what=""
):
    cfg = write_config(work / f"{command}-{k}.toml", config)
    inputs = [cfg, art["dataset"], art["model"]]
    before = [tree_hash(p) for p in inputs]
    argv = argv_for(command, cfg, work / f"out-{command}-{k}", art)
    outcome = run_cli(argv)
    tally.add([*argv, what], outcome, nonsense, [tree_hash(p) for p in inputs] != before)


def mutated_configs(n: int, work: Path, art: dict, rng: random.Random) -> Tally:
    tally = Tally("mutated configs (run, fem-dem, train, fem-ml, calibrate, active-learn)")
    for command in COMMANDS:
        base, keys, defaults = catalog(command)
        for k in range(n):
            kind = rng.random()
            if kind < 0.08:
                raw = rng.choice(
                    [b"[solver\n", b"# caf\xe9\n", b"\x00\x01", b"a = ", b"[[material]]\n"]
                )
                one_config(tally, command, raw, True, work, art, f"m{k}")
                continue
            path = rng.choice(keys)
            if kind < 0.16:
                config, nonsense = set_path(base, (*path[:-1], "no_such_key"), 1), True
                what = f"(unknown key {'.'.join((*path[:-1], 'no_such_key'))})"
            else:
                value = rng.choice(HOSTILE)
                config = set_path(base, path, value)
                nonsense = is_nonsense(default_at(defaults, path), value)
                what = f"({'.'.join(path)} = {str(value)[:40]!r})"
            one_config(tally, command, config, nonsense, work, art, f"m{k}", what)
    return tally


def non_finite(work: Path, art: dict) -> Tally:
    tally = Tally("`inf` / `-inf` / `nan` in every numeric field (run, fem-dem)")
    for command in ("run", "fem-dem"):
        base, keys, defaults = catalog(command)
        numeric = [
            p for p in keys
            if isinstance(default_at(defaults, p), int | float)
            and not isinstance(default_at(defaults, p), bool)
        ]  # fmt: skip
        for k, path in enumerate(numeric):
            for value in (math.inf, -math.inf, math.nan):
                one_config(
                    tally, command, set_path(base, path, value), True, work, art, f"n{k}{value}"
                )
    return tally


def damaged(what: str, n: int, work: Path, art: dict, rng: random.Random) -> Tally:
    names = {
        "dataset": "damaged datasets for `train`",
        "model": "damaged model folders for `fem-ml`",
        "stopped": "damaged checkpoints / run folders for `--resume`",
    }
    tally = Tally(names[what])
    read = {
        "model": ("model.json", "weights.pt"),
        "stopped": ("checkpoint.npz", "config.json", "run.json", "history.csv"),
    }
    for k in range(n):
        victim = copy_of(art[what], work / f"dmg-{what}-{k}")
        files = [p for p in victim.rglob("*") if p.is_file()]
        if what in read:
            files = [p for p in files if p.name in read[what]]
        target = rng.choice(sorted(files))
        how = rng.choice(["flip", "truncate", "empty", "delete", "garbage"])
        damage(target, how, rng.randrange(10**6))
        out = work / f"dmg-out-{what}-{k}"
        argv = {
            "dataset": ["train", "--data", str(victim), "--smoke", "--out", str(out)],
            "model": ["fem-ml", "--model", str(victim), "--smoke", "--quiet", "--out", str(out)],
            "stopped": ["run", "--resume", str(victim), "--quiet"],
        }[what] + ["--json"]
        before = tree_hash(victim) if what != "stopped" else None
        outcome = run_cli(argv)
        changed = before is not None and tree_hash(victim) != before
        tally.add([*argv, f"({how} {target.relative_to(victim)})"], outcome, True, changed)
    return tally


def reused_folders(work: Path, art: dict) -> Tally:
    """Commands sent into folders that hold other runs or their own inputs."""
    tally = Tally("reused `--out` folders and inputs inside them")
    femdem = art["femdem"]
    data = femdem / "dataset.zarr"
    cases = [
        ["run", "--smoke", "--quiet", "--out", str(femdem)],
        ["fem-dem", "--smoke", "--quiet", "--out", str(femdem)],
        ["train", "--data", str(data), "--smoke", "--out", str(femdem)],
        ["train", "--data", str(data), "--smoke", "--out", str(femdem), "--overwrite"],
        ["fem-ml", "--model", str(art["model"]), "--smoke", "--quiet", "--out", str(art["model"])],
        ["calibrate", "--data", str(data), "--smoke", "--out", str(femdem)],
        ["data", "merge", str(data), "--out", str(data)],
        ["run", "--resume", str(femdem), "--quiet"],
        ["fem-dem", "--resume", str(femdem), "--mesh", "medium", "--quiet"],
        ["fem-dem", "--resume", str(femdem), "--workers", "3", "--quiet"],
    ]
    for argv in cases:
        argv = [*argv, "--json"]
        before = tree_hash(femdem), tree_hash(art["model"])
        outcome = run_cli(argv)
        changed = (tree_hash(femdem), tree_hash(art["model"])) != before
        tally.add(argv, outcome, outcome.code == 0, changed)
    return tally


def artefacts(work: Path) -> dict:
    femdem = work / "femdem"
    run_cli(["fem-dem", "--smoke", "--quiet", "--checkpoint-every", "2", "--out", str(femdem)])
    model = work / "model"
    run_cli(["train", "--data", str(femdem / "dataset.zarr"), "--smoke", "--out", str(model)])
    stopped = work / "stopped"
    cfg = write_config(work / "stopped.toml", RUN_BASE)
    run_cli(["run", str(cfg), "--quiet", "--checkpoint-every", "2", "--out", str(stopped)])
    return {
        "femdem": femdem,
        "dataset": femdem / "dataset.zarr",
        "model": model,
        "stopped": stopped,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=200, help="mutated configs per command")
    ap.add_argument("--damage", type=int, default=150, help="damaged copies per file kind")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    with tempfile.TemporaryDirectory(prefix="mslearn_fuzz_") as tmp:
        work = Path(tmp)
        art = artefacts(work)
        rows = [
            mutated_configs(a.cases, work, art, rng),
            non_finite(work, art),
            damaged("dataset", a.damage, work, art, rng),
            damaged("model", a.damage, work, art, rng),
            damaged("stopped", a.damage, work, art, rng),
            reused_folders(work, art),
        ]
    if a.json:
        print(json.dumps([{"row": r.name, **r.counts, "examples": r.examples} for r in rows]))
        return
    print(
        "| test | tried | exit 0 | clean one-line error | traceback or broken output | "
        "nonsense accepted | inputs overwritten |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        c = r.counts
        print(
            f"| {r.name} | {c['tried']} | {c['exit_0']} | {c['clean_error']} | {c['broken']} "
            f"| {c['nonsense_accepted']} | {c['inputs_changed']} |"
        )
    for r in rows:
        for e in r.examples:
            print(f"- {r.name}: {e}")


if __name__ == "__main__":
    main()
