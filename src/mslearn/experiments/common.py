"""Helpers every paper study shares: size tables, cached runs, curve errors."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from mslearn.core.errors import MslearnInputError, SolverFailure

T = TypeVar("T")
CACHE_KEY = "cache_key.txt"


def pick_size(sizes: Mapping[str, T], name: str) -> T:
    """``sizes[name]``; an unknown size names the known ones."""
    if name not in sizes:
        raise MslearnInputError(f"size is {name!r}; expected one of {sorted(sizes)}")
    return sizes[name]


def cache_key(obj: Any) -> str:
    """A short stable hash of a JSON-able object (configs, options, fingerprints)."""
    text = json.dumps(obj, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cached_run(folder: Path, key: str, run: Callable[[Path], dict]) -> dict:
    """``run(folder)``'s summary, reused when ``folder`` holds a finished run with the same
    ``key``; otherwise the folder is cleared and run again. A run that stops with a
    :class:`SolverFailure` is kept up to its last converged step (its summary.json).
    The summary gains ``cached`` (True when reused)."""
    folder = Path(folder)
    kf, summary = folder / CACHE_KEY, folder / "summary.json"
    if kf.is_file() and kf.read_text() == key and summary.is_file():
        return {**json.loads(summary.read_text()), "cached": True}
    if folder.exists():
        shutil.rmtree(folder)
    try:
        s = run(folder)
    except SolverFailure:
        s = json.loads(summary.read_text())
    kf.write_text(key)
    return {**s, "cached": False}


def rel_l2(curve: np.ndarray, reference: np.ndarray) -> float:
    """||curve - reference|| / ||reference|| over the entries both have (a stopped run
    is compared up to its last step)."""
    n = min(len(curve), len(reference))
    diff = np.asarray(curve[:n]) - np.asarray(reference[:n])
    return float(np.linalg.norm(diff) / max(np.linalg.norm(reference[:n]), 1e-300))


def timed_run(config, folder: Path) -> dict:
    """``run_bvp(config, folder)`` without a progress bar; its summary with ``failure``
    (None, or the solver's message: the outputs up to the last converged step stay in
    ``folder``) and ``wall_s`` [s]."""
    import time

    from mslearn.workflows.bvp import run_bvp

    t0 = time.perf_counter()
    try:
        s = run_bvp(config, folder, progress=False)
        s["failure"] = None
    except SolverFailure as exc:  # outputs up to the last converged step are written
        s = {"completed": False, "failure": str(exc)}
    s["wall_s"] = time.perf_counter() - t0
    return s
