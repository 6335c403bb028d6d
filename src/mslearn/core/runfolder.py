"""Run folders are never silently reused: claim one, record what made it, check resumes.

Every command that writes a run folder calls :func:`claim` first. A folder is free
when it does not exist or is empty; one that holds another run is refused with one
line (what is there, and ``--overwrite`` or another folder as the ways out), and
``--overwrite`` removes the old run's files first so that nothing of it is mixed in.
The folder gets ``run.json``: the command, the settings it was given (compared on
resume and on continuation) and informational entries (input paths, version, date).

Commands that continue by running again (a campaign skips finished runs; active
learning reuses its labels) pass ``continue_same=True``: the same command with the
same settings continues in the folder, other settings are refused by name.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mslearn.core.errors import MslearnInputError

#: the run record written into every claimed folder
RECORD = "run.json"
#: files that only mslearn runs write: a folder holding one of them is a run folder
RUN_MARKERS = (
    RECORD,
    "config.json",
    "summary.json",
    "metrics.json",
    "model.json",
    "report.json",
    "campaign.json",
    "checkpoint.npz",
    "params.json",
)
#: where runs go when no --out is given
RUNS_ROOT = Path("runs")


@dataclass(frozen=True)
class RunSpec:
    """What made a run: ``command`` (e.g. "fem-dem"), ``settings`` (compared on resume
    and continuation; JSON-able), ``info`` (recorded only, e.g. input paths) and
    ``inputs`` (paths the run reads, which its folder must never hold)."""

    command: str
    settings: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    inputs: tuple[Path, ...] = ()


def claim(
    out: Path | None,
    default: str,
    spec: RunSpec,
    overwrite: bool = False,
    continue_same: bool = False,
) -> Path:
    """The run folder for ``spec``, created, with its ``run.json`` written.

    ``out`` None: runs/<default>, or runs/<default>-2, -3, ... (the first that is free, or,
    with ``continue_same``, that holds the same run). An ``out`` that holds another run
    raises :class:`MslearnInputError` unless ``overwrite`` (its files are removed first).
    """
    if out is None:
        out = _default_folder(default, spec, continue_same)
    out = Path(out)
    _refuse_inputs_inside(out, spec.inputs, overwrite)
    if out.exists() and not out.is_dir():
        raise MslearnInputError(f"--out {str(out)!r} is a file; expected a folder for the run")
    if _is_occupied(out):
        if continue_same and not overwrite and _same_run(out, spec):
            return out
        if not overwrite:
            raise MslearnInputError(_occupied_message(out, spec, continue_same))
        _empty_run_folder(out)
    out.mkdir(parents=True, exist_ok=True)
    write_record(out, spec)
    return out


def check_resume(folder: Path, command: str, given: dict[str, Any]) -> dict[str, Any]:
    """The run record of ``folder`` after checking that ``command`` made it and that every
    setting in ``given`` (those given again on the command line; None means not given)
    equals the recorded one; anything else raises :class:`MslearnInputError` by name."""
    folder = Path(folder)
    if not folder.is_dir():
        raise MslearnInputError(f"--resume {str(folder)!r}: no such run folder")
    record = read_record(folder)
    if record is None:
        raise MslearnInputError(
            f"--resume {str(folder)!r}: no run record ({RECORD}); only a folder made by "
            f"`mslearn {command}` can be resumed"
        )
    if record["command"] != command:
        raise MslearnInputError(
            f"--resume {str(folder)!r}: the run was made by `mslearn {record['command']}`, "
            f"not `mslearn {command}`; resume it with that command"
        )
    wanted = {k: v for k, v in given.items() if v is not None}
    recorded = {k: record["settings"].get(k) for k in wanted}
    changed = settings_diff(recorded, wanted)
    if changed:
        raise MslearnInputError(
            f"--resume {str(folder)!r} continues with the settings the run started with, and "
            f"these differ: {'; '.join(changed)}; drop them, or start a new run"
        )
    return record


def read_record(folder: Path) -> dict[str, Any] | None:
    """The ``run.json`` of ``folder`` (None if it has none); a damaged one is an error."""
    path = Path(folder) / RECORD
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, OSError) as exc:
        raise MslearnInputError(f"run record {str(path)!r} is damaged: {exc}") from None
    ok = (
        isinstance(record, dict)
        and isinstance(record.get("command"), str)
        and isinstance(record.get("settings"), dict)
    )
    if not ok:
        raise MslearnInputError(
            f"run record {str(path)!r} is damaged: expected an object with 'command' and 'settings'"
        )
    return record


def write_record(folder: Path, spec: RunSpec) -> None:
    """Write ``folder/run.json`` for ``spec`` (settings must be JSON-able)."""
    from mslearn import __version__

    record = {
        "command": spec.command,
        "settings": _jsonable(spec.settings),
        "settings_sha256": fingerprint(spec.settings),
        "info": _jsonable(spec.info),
        "mslearn": __version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    tmp = Path(folder) / (RECORD + ".tmp")
    tmp.write_text(json.dumps(record, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, Path(folder) / RECORD)


def fingerprint(settings: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of ``settings``."""
    text = json.dumps(_jsonable(settings), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def settings_diff(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """'key old -> new' for every leaf (dotted path) that differs between two settings."""
    from mslearn.core.smoke import changes

    return changes(_jsonable(old), _jsonable(new))


def _default_folder(default: str, spec: RunSpec, continue_same: bool) -> Path:
    base = RUNS_ROOT / default
    for k in range(1, 10_000):
        cand = base if k == 1 else base.with_name(f"{base.name}-{k}")
        if not _is_occupied(cand) and not (cand.exists() and not cand.is_dir()):
            return cand
        if continue_same and cand.is_dir() and _same_run(cand, spec):
            return cand
    raise MslearnInputError(f"no free run folder {str(base)}-N below 10000; give --out")


def _is_occupied(folder: Path) -> bool:
    return folder.is_dir() and any(folder.iterdir())


def _same_run(folder: Path, spec: RunSpec) -> bool:
    record = read_record(folder)
    return (
        record is not None
        and record["command"] == spec.command
        and not settings_diff(record["settings"], _jsonable(spec.settings))
    )


def _occupied_message(folder: Path, spec: RunSpec, continue_same: bool) -> str:
    record = read_record(folder)
    where = f"--out {str(folder)!r}"
    if record is None:
        what = "holds other files" if not _looks_like_run(folder) else "holds an earlier run"
    elif continue_same and record["command"] == spec.command:
        diff = settings_diff(record["settings"], _jsonable(spec.settings))
        shown = "; ".join(diff[:5]) + ("; ..." if len(diff) > 5 else "")
        what = f"holds a `mslearn {spec.command}` run with other settings ({shown})"
    else:
        when = record.get("created", "?")
        what = f"holds a `mslearn {record['command']}` run (started {when})"
    return f"{where} {what}; use --overwrite to replace it, or choose another folder"


def _looks_like_run(folder: Path) -> bool:
    return any((folder / m).exists() for m in RUN_MARKERS)


def _empty_run_folder(folder: Path) -> None:
    """Remove every file of the run in ``folder`` (only a folder that holds a run)."""
    here = Path.cwd().resolve()
    target = folder.resolve()
    if target == here or target in here.parents or target == Path.home().resolve():
        raise MslearnInputError(
            f"--overwrite {str(folder)!r}: refusing to empty the current folder, one above it "
            "or the home folder; choose a run folder"
        )
    if not _looks_like_run(folder):
        raise MslearnInputError(
            f"--out {str(folder)!r} holds files that no mslearn run wrote; --overwrite only "
            "replaces run folders, so choose another folder"
        )
    for entry in folder.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _refuse_inputs_inside(out: Path, inputs: Iterable[Path], overwrite: bool) -> None:
    target = out.resolve()
    for path in inputs:
        if path is None:
            continue
        p = Path(path).resolve()
        if p == target or target in p.parents:
            how = "--overwrite would delete it" if overwrite else "outputs must not touch inputs"
            raise MslearnInputError(
                f"--out {str(out)!r} holds the input {str(path)!r} ({how}); choose another folder"
            )
        if p in target.parents:
            raise MslearnInputError(
                f"--out {str(out)!r} lies inside the input {str(path)!r} (outputs must not touch "
                "inputs); choose another folder"
            )


def _jsonable(value: Any) -> Any:
    """``value`` as plain JSON types (Paths as strings, tuples as lists)."""
    return json.loads(json.dumps(value, default=str))


def refuse_out_with_resume(out: Path | None, resume: Path | None) -> None:
    """A resumed run stays in its own folder: ``--out`` elsewhere is an error."""
    if out is not None and resume is not None and Path(out).resolve() != Path(resume).resolve():
        raise MslearnInputError(
            f"--out {str(out)!r} with --resume {str(resume)!r}: a resumed run continues in its "
            "own folder; drop --out"
        )


def config_settings(path: Path | None) -> dict[str, Any]:
    """The settings a TOML config file contributes: its parsed tables ({} for None)."""
    from mslearn.core.tomlfile import read_toml

    return read_toml(path)
