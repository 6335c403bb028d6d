"""Atomic checkpoints of a run: write to a temporary file, then rename.

A checkpoint holds the solver's :meth:`checkpoint_state` (FEM fields, the
committed material state of every Gauss point, the recorder position inside
the material state) and a small JSON metadata record.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from mslearn.core.errors import MslearnInputError

CHECKPOINT = "checkpoint.npz"


def save_checkpoint(folder: Path, state: dict[str, np.ndarray], meta: dict) -> Path:
    """Write ``folder/checkpoint.npz`` atomically; returns its path.

    On failure (disk full, ...) the partial ``checkpoint.npz.tmp`` is removed, the
    previous checkpoint (if any) is untouched, and the OSError names the file.
    """
    folder = Path(folder)
    tmp = folder / (CHECKPOINT + ".tmp")
    final = folder / CHECKPOINT
    try:
        with open(tmp, "wb") as fh:
            np.savez(fh, __meta__=np.array(json.dumps(meta)), **state)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror or str(exc), str(tmp)) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return final


class CheckpointState(dict):
    """The arrays of a checkpoint (name -> array) and the file they came from (``path``),
    which the solver's checks name in their messages."""

    path: str = ""


def load_checkpoint(folder: Path) -> tuple[CheckpointState, dict]:
    """Read ``folder/checkpoint.npz``; a clear error if missing or corrupted."""
    path = Path(folder) / CHECKPOINT
    if not path.is_file():
        raise MslearnInputError(f"no checkpoint in {str(folder)!r} (expected {CHECKPOINT})")
    try:
        with np.load(path, allow_pickle=False) as z:
            state = {k: z[k] for k in z.files if k != "__meta__"}
            meta = json.loads(str(z["__meta__"]))
    except Exception as exc:  # noqa: BLE001 (zip, zlib, format, JSON and key errors)
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MslearnInputError(f"checkpoint {str(path)!r} is corrupted: {first}") from None
    if not isinstance(meta, dict):
        raise MslearnInputError(
            f"checkpoint {str(path)!r} is corrupted: its metadata is not a JSON object"
        )
    state = CheckpointState(state)
    state.path = str(path)
    return state, meta


class CheckpointEvery:
    """Solver observer: checkpoint every ``every`` converged steps.

    ``flush`` objects (outputs with a ``flush()``) are flushed first, so that
    every output on disk reaches at least the checkpointed step.
    """

    def __init__(
        self, solver, folder: Path, every: int, meta: dict | None = None, flush=()
    ) -> None:
        self.solver, self.folder, self.every, self.meta = solver, Path(folder), every, meta or {}
        self.flush = list(flush)

    def __call__(self, state) -> None:
        if state.step > 0 and state.step % self.every == 0:
            for f in self.flush:
                f.flush()
            save_checkpoint(
                self.folder,
                self.solver.checkpoint_state(),
                {**self.meta, "step": int(state.step), "time": float(state.time)},
            )


def checkpoint_step(folder: Path) -> int | None:
    """The step of the readable checkpoint in ``folder`` (only its metadata is read);
    None when there is none or it cannot be read."""
    path = Path(folder) / CHECKPOINT
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            step = json.loads(str(z["__meta__"])).get("step")
    except Exception:  # noqa: BLE001 (a damaged checkpoint is not an intact one)
        return None
    return step if isinstance(step, int) else None


def intact_checkpoint(paths) -> tuple[Path, int] | None:
    """(folder, step) of the first readable checkpoint in ``paths`` (files or folders) or
    in their parents (up to four levels up), for messages after a failed write."""
    seen: set[Path] = set()
    for p in paths:
        if p is None:
            continue
        p = Path(p)
        for folder in [p, *list(p.parents)[:4]]:
            if folder in seen:
                continue
            seen.add(folder)
            step = checkpoint_step(folder)
            if step is not None:
                return folder, step
    return None
