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

OutOption = typer.Option(None, "--out", help="Run folder (config copy, log, outputs).")
JsonOption = typer.Option(False, "--json", help="Print a one-line JSON summary last.")
SmokeOption = typer.Option(False, "--smoke", help="Tiny built-in size that runs in seconds.")
DebugOption = typer.Option(False, "--debug", help="Show tracebacks.")
MeshOption = typer.Option(
    None, "--mesh", help="Mesh preset of the problem (biaxial: coarse, medium, fine, q8)."
)


def fail(message: str, code: int) -> None:
    """Print ``error: message`` on stderr and exit with ``code``."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


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
            fail(msg, EXIT_INPUT)
        except SolverFailure as exc:
            if debug:
                raise
            fail(str(exc), EXIT_FAILURE)
        except OSError as exc:
            if debug:
                raise
            hint = " (disk full?)" if exc.errno == errno.ENOSPC else ""
            fail(
                f"could not write {exc.filename or 'output'}{hint}: {exc.strerror or exc}; "
                "checkpoints are written atomically, the last good one is intact",
                EXIT_FAILURE,
            )

    return wrapper


def print_json(summary: Any) -> None:
    """The one-line JSON summary, always the last line on stdout."""
    sys.stdout.write(json.dumps(summary, default=_jsonable) + "\n")
    sys.stdout.flush()


def _jsonable(o):
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"{type(o).__name__} is not JSON serialisable")


def default_out(out: Path | None, name: str) -> Path:
    """The --out folder, else ``runs/<name>``."""
    return out if out is not None else Path("runs") / name
