"""Atomic checkpoints of a run: write to a temporary file, then rename.

A checkpoint holds the solver's :meth:`checkpoint_state` (FEM fields, the
committed material state of every Gauss point, the recorder position inside
the material state) and a small JSON metadata record.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from mslearn.core.errors import MslearnInputError

CHECKPOINT = "checkpoint.npz"


def save_checkpoint(folder: Path, state: dict[str, np.ndarray], meta: dict) -> Path:
    """Write ``folder/checkpoint.npz`` atomically; returns its path."""
    folder = Path(folder)
    tmp = folder / (CHECKPOINT + ".tmp")
    with open(tmp, "wb") as fh:
        np.savez(fh, __meta__=np.array(json.dumps(meta)), **state)
        fh.flush()
        os.fsync(fh.fileno())
    final = folder / CHECKPOINT
    os.replace(tmp, final)
    return final


def load_checkpoint(folder: Path) -> tuple[dict[str, np.ndarray], dict]:
    """Read ``folder/checkpoint.npz``; a clear error if missing or corrupted."""
    path = Path(folder) / CHECKPOINT
    if not path.is_file():
        raise MslearnInputError(f"no checkpoint in {str(folder)!r} (expected {CHECKPOINT})")
    try:
        with np.load(path, allow_pickle=False) as z:
            state = {k: z[k] for k in z.files if k != "__meta__"}
            meta = json.loads(str(z["__meta__"]))
    except (zipfile.BadZipFile, ValueError, KeyError, OSError, EOFError) as exc:
        raise MslearnInputError(f"checkpoint {str(path)!r} is corrupted: {exc}") from None
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
