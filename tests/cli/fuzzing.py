"""Hostile configs and damaged files for the CLI fuzzer, and the one contract it checks.

Every case runs a real command in-process through ``mslearn.cli.main.main`` (as a user's
shell would, minus the interpreter start-up) and must end in exit 0 with a valid JSON
summary last, or in exit 1 or 2 with exactly one ``error:`` line last on stderr and the
JSON error object last on stdout; never a traceback, never a hang, never a changed input.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from mslearn.cli.main import main

#: values that a careless or hostile user puts into a config field
HOSTILE = [
    math.inf, -math.inf, math.nan, True, False, 0, -1, 1, 2, 0.5, -0.5, 1e-300, 1e300,
    2**63 - 1, -(2**63), 10**9, "", "abc", "100 mPa", "100 kPa", "5 mm", "1e3", "x" * 3000,
    [], [1, "x"], [0.1, 0.2], {"a": 1}, {},
]  # fmt: skip
#: integers at the edges of every type and bound: each is either small (a quick run) or
#: beyond every size bound (refused); mid-size valid values would be long, valid runs
EDGE_INTS = [
    -(2**64), -(2**63) - 1, -(2**31), -2, -1, 0, 1, 2, 3, 2**31 - 1, 2**31, 2**32, 2**53 + 1,
    2**63 - 1, 2**63, 2**70,
]  # fmt: skip
#: seconds a single case may take before it counts as a hang
CASE_TIMEOUT_S = 300


@dataclass
class Outcome:
    """What a command did: exit code, stdout, stderr."""

    code: int
    stdout: str
    stderr: str


class Hang(Exception):
    """A case ran past :data:`CASE_TIMEOUT_S`."""


def run_cli(argv: list[str], timeout_s: int = CASE_TIMEOUT_S) -> Outcome:
    """Run ``mslearn argv`` in-process and capture its exit code and output."""
    out, err = io.StringIO(), io.StringIO()

    def _alarm(*_):
        raise Hang(f"mslearn {' '.join(argv)} ran past {timeout_s} s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout_s)
    code = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(argv)
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except Exception:  # escaped the CLI: what a user would see as a traceback
                import traceback

                code = 1
                err.write(traceback.format_exc())
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    return Outcome(code, out.getvalue(), err.getvalue())


#: the small run config that `run` cases mutate (2 x 2 Q4, 5 steps, no plots)
RUN_BASE = {
    "problem": {"type": "biaxial", "nx": 2, "ny": 2, "element": "Q4"},
    "material": {"type": "drucker_prager", "cohesion": "5 kPa"},
    "solver": {"n_steps": 5},
    "output": {"plots": False, "xdmf": False},
}


def catalog(command: str) -> tuple[dict, list[tuple], dict]:
    """(base config, key paths to mutate, defaults tree) of a command, from its defaults."""
    from mslearn.calibration.config import CalibrateConfig
    from mslearn.learn.active.config import ActiveLearnConfig
    from mslearn.learn.config import TrainConfig
    from mslearn.problems.config import load_config
    from mslearn.workflows.campaign import CampaignConfig
    from mslearn.workflows.presets import fem_dem_config

    run = load_config(None).model_dump(mode="json")
    if command == "run":
        return RUN_BASE, leaf_paths(run), run
    if command == "generate":
        campaign = {"campaign": CampaignConfig().model_dump(mode="json")}
        base = {"campaign": {"n_paths": 1, "meshes": ["coarse"]}}
        return base, leaf_paths(campaign) + leaf_paths(run), {**run, **campaign}
    defaults = {
        "fem-dem": lambda: fem_dem_config(None).model_dump(mode="json"),
        "fem-ml": lambda: fem_dem_config(None).model_dump(mode="json"),
        "train": lambda: {"train": TrainConfig().model_dump(mode="json")},
        "calibrate": lambda: CalibrateConfig().model_dump(mode="json"),
        "active-learn": lambda: {"active": ActiveLearnConfig().model_dump(mode="json")},
    }[command]()
    return {}, leaf_paths(defaults), defaults


def argv_for(command: str, cfg: Path, out: Path, art: dict) -> list[str]:
    """The command line of a config case (``art``: the dataset and model it may read)."""
    extra = {
        "run": ["--quiet"],
        "fem-dem": ["--smoke", "--quiet"],
        "fem-ml": ["--smoke", "--quiet", "--model", str(art["model"])],
        "train": ["--smoke", "--data", str(art["dataset"])],
        "calibrate": ["--smoke"],
        "active-learn": ["--smoke", "--quiet"],
        "generate": ["--smoke"],
    }[command]
    return [command, str(cfg), *extra, "--json", "--out", str(out)]


def check_contract(r: Outcome, argv: list[str]) -> None:
    """Exit 0 with a JSON object last, or exit 1/2 with one error line (and JSON) last."""
    shown = f"mslearn {' '.join(argv)}\nexit {r.code}\nstdout:\n{r.stdout[-1500:]}"
    shown += f"\nstderr:\n{r.stderr[-3000:]}"
    assert "Traceback" not in r.stdout + r.stderr, shown
    assert "internal error" not in r.stderr, shown  # the CLI's net for bugs
    assert r.code in (0, 1, 2), shown
    last = (
        json.loads(r.stdout.strip().splitlines()[-1], parse_constant=_no_nan)
        if r.stdout.strip()
        else None
    )
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error: ")]
    if r.code == 0:
        assert isinstance(last, dict | list) and not errors, shown
        return
    assert errors == lines[-1:] and len(errors[0]) < 1000, shown
    assert isinstance(last, dict) and last.get("status") == "error", shown


def _no_nan(name: str):
    raise AssertionError(f"JSON output holds {name}")


def tree_hash(path: Path) -> str:
    """sha256 over every file below ``path`` (names and bytes)."""
    path = Path(path)
    h = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for f in files:
        h.update(str(f.relative_to(path.parent)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def leaf_paths(tree: dict[str, Any], prefix: tuple = ()) -> list[tuple]:
    """Every key path of a nested config dict, tables and leaves."""
    out = []
    for k, v in tree.items():
        out.append((*prefix, k))
        if isinstance(v, dict):
            out += leaf_paths(v, (*prefix, k))
    return out


def set_path(tree: dict, path: tuple, value: Any) -> dict:
    """A copy of ``tree`` with ``path`` set to ``value`` (tables created as needed)."""
    out = json.loads(json.dumps(tree))
    node = out
    for k in path[:-1]:
        if not isinstance(node.get(k), dict):
            node[k] = {}
        node = node[k]
    node[path[-1]] = value
    return out


def mutations(base: dict, catalog: list[tuple]) -> st.SearchStrategy[dict | bytes]:
    """Configs that differ from ``base`` in one hostile way, or raw damaged bytes."""
    paths = st.sampled_from(catalog)
    leaf = st.builds(lambda p, v: set_path(base, p, v), paths, st.sampled_from(HOSTILE))
    unknown = st.builds(lambda p: set_path(base, (*p[:-1], "no_such_key"), 1), paths)
    floats = st.builds(
        lambda p, v: set_path(base, p, v), paths, st.floats(allow_nan=True, allow_infinity=True)
    )
    ints = st.builds(lambda p, v: set_path(base, p, v), paths, st.sampled_from(EDGE_INTS))
    text = st.builds(lambda p, v: set_path(base, p, v), paths, st.text(max_size=40))
    raw = st.sampled_from(
        [b"[solver\n", b"# caf\xe9\n", b"\x00\x01\x02", b"a = ", b"[[material]]\n"]
    )
    return st.one_of(leaf, leaf, leaf, unknown, floats, ints, text, raw)


def write_config(path: Path, config: dict | bytes) -> Path:
    """Write ``config`` as TOML (or the raw bytes) to ``path``."""
    path.write_bytes(config if isinstance(config, bytes) else dump_toml(config).encode())
    return path


def dump_toml(tree: dict) -> str:
    """A TOML document for a nested dict (top-level tables, inline tables below them)."""
    scalars = [f"{_key(k)} = {_value(v)}" for k, v in tree.items() if not isinstance(v, dict)]
    tables = [
        f"[{_key(k)}]\n" + "".join(f"{_key(kk)} = {_value(vv)}\n" for kk, vv in v.items())
        for k, v in tree.items()
        if isinstance(v, dict)
    ]
    return "\n".join(scalars) + "\n" + "\n".join(tables)


def _key(k: str) -> str:
    return json.dumps(str(k))


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v) if -(2**63) <= v < 2**63 else json.dumps(str(v))  # TOML ints are 64-bit
    if isinstance(v, float):
        return (
            "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
        )
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    if v is None:
        return '""'
    raise TypeError(type(v))


def damage(path: Path, how: str, seed: int) -> None:
    """Damage a file or folder in place: flip bytes, truncate, delete or empty one file."""
    import random

    rng = random.Random(seed)
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    target = rng.choice(files)
    data = target.read_bytes()
    if how == "flip" and data:
        b = bytearray(data)
        for _ in range(max(1, len(b) // 200)):
            b[rng.randrange(len(b))] ^= 0xFF
        target.write_bytes(bytes(b))
    elif how == "truncate":
        target.write_bytes(data[: rng.randrange(max(len(data), 1))])
    elif how == "empty":
        target.write_bytes(b"")
    elif how == "delete":
        target.unlink()
    elif how == "garbage":
        target.write_bytes(b"{not json or anything" * rng.randint(1, 5))


def copy_of(src: Path, dst: Path) -> Path:
    """A fresh copy of a file or folder at ``dst`` (any old one removed)."""
    if dst.exists():
        shutil.rmtree(dst) if dst.is_dir() else dst.unlink()
    if src.is_dir():
        shutil.copytree(src, dst)
    else:
        shutil.copy(src, dst)
    return dst
