"""Conventions shared by every command: errors, --json output, run folders."""

from __future__ import annotations

import errno
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError

from mslearn.core.errors import MslearnInputError, SolverFailure
from mslearn.problems.config import format_validation_error

EXIT_INPUT = 2
EXIT_FAILURE = 1
#: longest error message printed (longer ones are cut)
MESSAGE_CHARS = 800

OutOption = typer.Option(
    None, "--out", help="Run folder (default: a free runs/NAME[-N]); refused if it holds a run."
)
OverwriteOption = typer.Option(
    False, "--overwrite", help="Replace the run already in --out (its files are removed first)."
)
JsonOption = typer.Option(False, "--json", help="Print a one-line JSON summary last.")
SmokeOption = typer.Option(False, "--smoke", help="Tiny built-in size that runs in seconds.")
DebugOption = typer.Option(False, "--debug", help="Show tracebacks.")
MeshOption = typer.Option(
    None, "--mesh", help="Mesh preset of the problem (biaxial: coarse, medium, fine, q8)."
)


def fail(message: str, code: int, as_json: bool = False) -> None:
    """Print ``error: message`` on stderr and exit with ``code`` (2 input, 1 failure);
    with ``as_json`` also ``{"status": "error", "message": ...}`` as the last stdout line."""
    message = " ".join(str(message).split())  # one line
    if len(message) > MESSAGE_CHARS:  # a long value echoed somewhere: never a 40 KB line
        message = message[: MESSAGE_CHARS - 3] + "..."
    typer.echo(f"error: {message}", err=True)
    if as_json:
        print_json({"status": "error", "message": message, "exit_code": code})
    raise typer.Exit(code)


def _wants_json(kwargs: dict) -> bool:
    return bool(kwargs.get("json_") or kwargs.get("json_out"))


def handle_errors(func: Callable) -> Callable:
    """Turn input errors into a one-line message and exit code 2 (tracebacks with --debug)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        debug = kwargs.get("debug", False)
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except (MslearnInputError, ValidationError, FileNotFoundError) as exc:
            if debug:
                raise
            msg = format_validation_error(exc) if isinstance(exc, ValidationError) else str(exc)
            fail(msg, EXIT_INPUT, _wants_json(kwargs))
        except SolverFailure as exc:
            if debug:
                raise
            fail(str(exc), EXIT_FAILURE, _wants_json(kwargs))
        except OSError as exc:
            if debug:
                raise
            from mslearn.workflows.checkpoint import intact_checkpoint

            hint = " (disk full?)" if exc.errno == errno.ENOSPC else ""
            run = next(
                (v for v in (kwargs.get("resume"), kwargs.get("out")) if isinstance(v, str | Path)),
                None,
            )
            target = exc.filename or (f"into {run}" if run else "an output")
            found = intact_checkpoint([exc.filename, run])
            note = ""
            if found is not None:
                folder, step = found
                note = (
                    f"; the last good checkpoint {folder / 'checkpoint.npz'} (step {step}) is "
                    f"intact: continue with --resume {folder}"
                )
            fail(
                f"could not write {target}{hint}: {exc.strerror or exc}{note}",
                EXIT_FAILURE,
                _wants_json(kwargs),
            )

        except Exception as exc:  # a bug: one line, not a traceback (--debug shows it)
            if debug:
                raise
            first = (str(exc).splitlines() or [""])[0][:200]
            fail(
                f"internal error ({type(exc).__name__}: {first}); this is a bug in mslearn, "
                "please report it with the output of the same command with --debug",
                EXIT_FAILURE,
                _wants_json(kwargs),
            )

    return wrapper


def print_json(summary: Any) -> None:
    """The one-line JSON summary, always the last line on stdout."""
    sys.stdout.write(json.dumps(_finite(summary), default=_jsonable, allow_nan=False) + "\n")
    sys.stdout.flush()


def _finite(o):
    """``o`` with every non-finite float (NaN, inf) replaced by None: JSON has no NaN."""
    import math

    import numpy as np

    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_finite(v) for v in o]
    if isinstance(o, np.ndarray):
        return _finite(o.tolist())
    if isinstance(o, float | np.floating) and not math.isfinite(float(o)):
        return None
    return o


def _jsonable(o):
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def claim_out(
    out: Path | None,
    name: str,
    settings: dict[str, Any],
    overwrite: bool = False,
    continue_same: bool = False,
) -> Path:
    """The run folder of command ``name`` (``--out``, else a free runs/<name>[-N]), claimed
    with ``settings`` recorded (see :func:`mslearn.core.runfolder.claim`)."""
    from mslearn.core.runfolder import RunSpec, claim

    spec = RunSpec(name, settings)
    return claim(out, name, spec, overwrite=overwrite, continue_same=continue_same)
