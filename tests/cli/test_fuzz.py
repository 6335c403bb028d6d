"""The config and file fuzzer: hostile configs, bad options and damaged files, every command.

A few hundred derandomised cases run in the default suite; ``-m slow`` runs thousands.
Each case must exit 0 with a valid JSON summary, or exit 1 or 2 with one ``error:`` line
and the JSON error object; never a traceback, a hang or a changed input (see fuzzing.py).
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli.fuzzing import (
    RUN_BASE,
    argv_for,
    catalog,
    check_contract,
    copy_of,
    damage,
    mutations,
    run_cli,
    tree_hash,
    write_config,
)

_COUNTER = itertools.count()


def _settings(n: int):
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@pytest.fixture(scope="module")
def artefacts(work):
    """A FEM-DEM dataset, a trained model and a checkpointed run, made once by the CLI."""
    femdem = work / "femdem"
    r = run_cli(["fem-dem", "--smoke", "--quiet", "--json", "--out", str(femdem)])
    assert r.code == 0, r.stderr
    model = work / "model"
    r = run_cli(
        ["train", "--data", str(femdem / "dataset.zarr"), "--smoke", "--json", "--out", str(model)]
    )
    assert r.code == 0, r.stderr
    stopped = work / "stopped"
    cfg = write_config(work / "stopped.toml", RUN_BASE)
    argv = ["run", str(cfg), "--quiet", "--json", "--checkpoint-every", "2", "--out", str(stopped)]
    assert run_cli(argv).code == 0
    return {"dataset": femdem / "dataset.zarr", "model": model, "stopped": stopped}


def fuzz_configs(command: str, work, art, config) -> None:
    """One hostile config for ``command``: the contract holds and the inputs are unchanged."""
    k = next(_COUNTER)
    cfg = write_config(work / f"{command}-{k}.toml", config)
    inputs = [cfg, art["dataset"], art["model"]]
    before = [tree_hash(p) for p in inputs]
    argv = argv_for(command, cfg, work / f"out-{command}-{k}", art)
    check_contract(run_cli(argv), argv)
    assert [tree_hash(p) for p in inputs] == before, f"an input changed: {argv}"


#: (command, examples in the default suite): cheap commands get more cases
DEFAULT_EXAMPLES = {
    "run": 70,
    "calibrate": 35,
    "train": 35,
    "fem-ml": 30,
    "fem-dem": 20,
    "active-learn": 15,
    "generate": 12,
}
SLOW_FACTOR = 8


def _config_test(command: str, n: int):
    base, keys, _ = catalog(command)

    @_settings(n)
    @given(config=mutations(base, keys))
    def test(work, artefacts, config):
        fuzz_configs(command, work, artefacts, config)

    return test


@pytest.mark.parametrize("command", list(DEFAULT_EXAMPLES))
def test_hostile_configs(command, work, artefacts):
    _config_test(command, DEFAULT_EXAMPLES[command])(work, artefacts)


@pytest.mark.slow
@pytest.mark.parametrize("command", list(DEFAULT_EXAMPLES))
def test_hostile_configs_thousands(command, work, artefacts):
    _config_test(command, DEFAULT_EXAMPLES[command] * SLOW_FACTOR)(work, artefacts)


BAD_OPTIONS = [
    ["run", "--checkpoint-every", "-1"],
    ["generate", "--jobs", "0"],
    ["generate", "--jobs", "-4"],
    ["fem-dem", "--gp-path", "-1"],
    ["fem-dem", "--mesh", "nowhere"],
    ["fem-dem", "--workers", "0"],
    ["fem-dem", "--executor", "cloud"],
    ["fem-ml", "--model", "/no/such/model"],
    ["train", "--data", "/no/such.zarr"],
    ["run", "--resume", "/no/such/run"],
    ["run", "--no-such-option"],
    ["active-learn", "--seeds", "9223372036854775807"],
    ["active-learn", "--cases", "1,x"],
    ["calibrate", "--data", "/no/such.npz"],
    ["study", "resampling", "--members", "0"],
]


@pytest.mark.parametrize("argv", BAD_OPTIONS, ids=lambda a: " ".join(a))
def test_bad_options_are_one_line_errors(argv, work):
    argv = [*argv, "--json", "--out", str(work / f"opt-{next(_COUNTER)}")]
    if argv[0] in ("run", "fem-dem", "fem-ml", "active-learn"):
        argv.append("--quiet")
    r = run_cli(argv)
    check_contract(r, argv)
    assert r.code == 2, argv


DAMAGE = ["flip", "truncate", "empty", "delete", "garbage"]


def _damaged_file_test(n: int):
    @_settings(n)
    @given(
        what=st.sampled_from(["dataset", "model", "stopped"]),
        how=st.sampled_from(DAMAGE),
        seed=st.integers(0, 10**6),
    )
    def test(work, artefacts, what, how, seed):
        k = next(_COUNTER)
        victim = copy_of(artefacts[what], work / f"damaged-{k}-{artefacts[what].name}")
        damage(victim, how, seed)
        out = str(work / f"dout-{k}")
        argv = {
            "dataset": ["train", "--data", str(victim), "--smoke", "--out", out],
            "model": ["fem-ml", "--model", str(victim), "--smoke", "--quiet", "--out", out],
            "stopped": ["run", "--resume", str(victim), "--quiet"],
        }[what] + ["--json"]
        before = tree_hash(victim) if what != "stopped" else None
        check_contract(run_cli(argv), argv)
        if before is not None:
            assert tree_hash(victim) == before, f"an input changed: {argv}"

    return test


def test_damaged_files(work, artefacts):
    _damaged_file_test(60)(work, artefacts)


@pytest.mark.slow
def test_damaged_files_thousands(work, artefacts):
    _damaged_file_test(1500)(work, artefacts)
