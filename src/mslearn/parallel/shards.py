"""Sharded material: one MaterialModel over many workers, same numbers as serial.

Each shard is built in its worker from a picklable :class:`ShardSpec` (the
material config and the global point range), so heavy state (DEM RVEs) is
never shipped; per Newton iteration only the shard's strain slice travels
out, and stress (n, nv), D (n, nv, nv) and the extras travel back. All shards
are submitted before any result is awaited, so workers compute concurrently.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from mslearn.core.errors import MaterialUnavailable
from mslearn.core.voigt import n_voigt
from mslearn.materials.base import MaterialResponse

log = logging.getLogger("mslearn.parallel")


class WorkerLost(MaterialUnavailable):
    """A worker holding a shard died or became unreachable."""


def shard_ranges(n_points: int, n_shards: int) -> list[tuple[int, int]]:
    """Contiguous, balanced [start, stop) ranges covering 0..n_points."""
    n_shards = max(1, min(n_shards, n_points))
    edges = np.linspace(0, n_points, n_shards + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


@dataclass(frozen=True)
class ShardSpec:
    """How a worker builds its shard: material config, global point range, problem data."""

    config: Any  # a MaterialConfig (pydantic, picklable)
    start: int
    stop: int
    dim: int = 2
    initial_pressure: float = 0.0

    def build(self):
        """The material of points [start, stop) (``config.build_shard``)."""
        return self.config.build_shard(self.start, self.stop, self.dim, self.initial_pressure)


class ShardWorker:
    """The worker-side object holding one shard (also used as a Dask actor)."""

    def __init__(self, spec: ShardSpec) -> None:
        self.material = spec.build()

    def trial(self, strain: np.ndarray):
        """(stress, stiffness, kind, extras) of the shard for its strain slice (n, nv)."""
        r = self.material.trial(strain)
        return r.stress, r.stiffness, r.kind, dict(r.extras)

    def commit(self) -> None:
        """Commit the shard's last trial."""
        self.material.commit()

    def commit_and_state(self) -> dict[str, np.ndarray]:
        """Commit, then return the committed state (one round trip, for recovery)."""
        self.material.commit()
        return self.material.state_dict()

    def state_dict(self) -> dict[str, np.ndarray]:
        """The shard material's committed state."""
        return self.material.state_dict()

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore the shard material's committed state."""
        self.material.load_state_dict(state)

    def features(self):
        """The shard material's MaterialFeatures."""
        return self.material.features

    def ping(self) -> int:
        """Number of points of the shard (a liveness check)."""
        return self.material.n_points


class ShardedMaterial:
    """A MaterialModel whose points live in shards handled by an executor.

    ``executor`` provides ``start(specs) -> handles``, ``restart(index, spec)
    -> handle``, ``result(future, index)`` and ``close()``; each handle has
    ``submit(method, *args) -> future``.

    ``recover=True`` keeps every shard's last committed state in this process
    (fetched once per committed step, never per Newton iteration); a shard
    whose worker dies is rebuilt on a new worker from that state and the
    interrupted call is repeated, so the run continues with the same numbers.
    Without it a lost worker raises :class:`WorkerLost` (a SolverFailure: the run
    stops with its outputs up to the last converged step), and every later call
    raises it again at once instead of computing the other shards in vain.
    """

    def __init__(
        self,
        config,
        n_points: int,
        executor,
        n_shards: int,
        dim: int = 2,
        initial_pressure: float = 0.0,
        recover: bool = False,
    ) -> None:
        self.n_points = int(n_points)
        self.n_voigt = n_voigt(dim)
        self.ranges = shard_ranges(self.n_points, n_shards)
        self.specs = [ShardSpec(config, a, b, dim, initial_pressure) for a, b in self.ranges]
        self.executor = executor
        self.handles = executor.start(self.specs)
        self.recover = recover
        self.recoveries = 0
        self._lost: str | None = None  # the WorkerLost message once a shard is gone
        self._last_trial: list[tuple | None] = [None] * len(self.handles)
        self._committed = self._all("state_dict") if recover else None
        self.features = self._all("features")[0]

    def _rebuild(self, i: int) -> None:
        log.warning(
            "worker of shard %d (points %d-%d) died: rebuilding it on a new worker "
            "from the last committed state",
            i,
            self.ranges[i][0],
            self.ranges[i][1] - 1,
        )
        self.handles[i] = self.executor.restart(i, self.specs[i])
        self.executor.result(self.handles[i].submit("load_state_dict", self._committed[i]), i)
        self.recoveries += 1

    def _redo(self, i: int, method: str, args: tuple):
        """Repeat ``method`` on a rebuilt shard (a commit re-runs the last trial first)."""
        self._rebuild(i)
        h = self.handles[i]
        if method in ("commit", "commit_and_state") and self._last_trial[i] is not None:
            self.executor.result(h.submit("trial", *self._last_trial[i]), i)
        return self.executor.result(h.submit(method, *args), i)

    def _unrecovered(self, i: int, exc: WorkerLost) -> WorkerLost:
        a, b = self.ranges[i]
        self._lost = (
            f"{exc}: its points {a}-{b - 1} are gone and [execution] recover_workers is "
            "false; recover_workers = true would have rebuilt the shard on a new worker "
            "from the last committed step (a checkpointed run also continues with --resume)"
        )
        return WorkerLost(self._lost)

    def _all(self, method: str, args_per_shard=None) -> list:
        if self._lost is not None:
            raise WorkerLost(self._lost)
        args = [args_per_shard[i] if args_per_shard else () for i in range(len(self.handles))]
        futures = [h.submit(method, *args[i]) for i, h in enumerate(self.handles)]
        out, lost = [], None
        for i, f in enumerate(futures):
            try:
                out.append(self.executor.result(f, i))
            except WorkerLost as exc:
                if not self.recover or self._committed is None:
                    lost = lost or self._unrecovered(i, exc)
                    continue  # collect the other shards' replies: no call left in flight
                out.append(self._redo(i, method, args[i]))
        if lost is not None:
            raise lost
        return out

    def trial(self, strain: np.ndarray) -> MaterialResponse:
        """Response of all shards to the total strain (n_points, nv), concatenated.

        The stiffness kind is the shards' common one, "secant" if they differ.
        """
        args = [(strain[a:b],) for a, b in self.ranges]
        self._last_trial = args
        parts = self._all("trial", args)
        stress = np.concatenate([p[0] for p in parts])
        stiff = np.concatenate([p[1] for p in parts])
        kinds = {p[2] for p in parts}
        extras = {k: np.concatenate([p[3][k] for p in parts]) for k in parts[0][3]}
        return MaterialResponse(stress, stiff, kinds.pop() if len(kinds) == 1 else "secant", extras)

    def commit(self) -> None:
        """Commit every shard (and, with ``recover``, keep their committed states here)."""
        if self.recover:
            self._committed = self._all("commit_and_state")
        else:
            self._all("commit")

    def state_dict(self) -> dict[str, np.ndarray]:
        """Every shard's state, keys prefixed ``shard<i>/``."""
        out = {}
        for i, sd in enumerate(self._all("state_dict")):
            out.update({f"shard{i}/{k}": v for k, v in sd.items()})
        return out

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore a state written by :meth:`state_dict` (same shard layout)."""
        per = [{} for _ in self.handles]
        for k, v in state.items():
            i, name = k.split("/", 1)
            per[int(i.removeprefix("shard"))][name] = v
        self._all("load_state_dict", [(p,) for p in per])
        if self.recover:
            self._committed = per

    def close(self) -> None:
        """Shut the executor down."""
        self.executor.close()
