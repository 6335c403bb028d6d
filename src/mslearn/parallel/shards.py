"""Sharded material: one MaterialModel over many workers, same numbers as serial.

Each shard is built in its worker from a picklable :class:`ShardSpec` (the
material config and the global point range), so heavy state (DEM RVEs) is
never shipped; per Newton iteration only the shard's strain slice travels
out, and stress (n, nv), D (n, nv, nv) and the extras travel back. All shards
are submitted before any result is awaited, so workers compute concurrently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mslearn.materials.base import MaterialResponse


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
        return self.config.build_shard(self.start, self.stop, self.dim, self.initial_pressure)


class ShardWorker:
    """The worker-side object holding one shard (also used as a Dask actor)."""

    def __init__(self, spec: ShardSpec) -> None:
        self.material = spec.build()

    def trial(self, strain: np.ndarray):
        r = self.material.trial(strain)
        return r.stress, r.stiffness, r.kind, dict(r.extras)

    def commit(self) -> None:
        self.material.commit()

    def state_dict(self) -> dict[str, np.ndarray]:
        return self.material.state_dict()

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        self.material.load_state_dict(state)

    def ping(self) -> int:
        return self.material.n_points


class ShardedMaterial:
    """A MaterialModel whose points live in shards handled by an executor.

    ``executor`` provides ``start(specs) -> handles`` where each handle has
    ``submit(method, *args) -> future`` (``future.result()`` blocks) and
    ``close()``.
    """

    def __init__(
        self,
        config,
        n_points: int,
        executor,
        n_shards: int,
        dim: int = 2,
        initial_pressure: float = 0.0,
    ) -> None:
        self.n_points = int(n_points)
        self.n_voigt = 3 if dim == 2 else 6
        self.ranges = shard_ranges(self.n_points, n_shards)
        specs = [ShardSpec(config, a, b, dim, initial_pressure) for a, b in self.ranges]
        self.executor = executor
        self.handles = executor.start(specs)

    def _all(self, method: str, args_per_shard=None) -> list:
        futures = [
            h.submit(method, *(args_per_shard[i] if args_per_shard else ()))
            for i, h in enumerate(self.handles)
        ]
        return [self.executor.result(f, i) for i, f in enumerate(futures)]

    def trial(self, strain: np.ndarray) -> MaterialResponse:
        parts = self._all("trial", [(strain[a:b],) for a, b in self.ranges])
        stress = np.concatenate([p[0] for p in parts])
        stiff = np.concatenate([p[1] for p in parts])
        kinds = {p[2] for p in parts}
        extras = {k: np.concatenate([p[3][k] for p in parts]) for k in parts[0][3]}
        return MaterialResponse(stress, stiff, kinds.pop() if len(kinds) == 1 else "secant", extras)

    def commit(self) -> None:
        self._all("commit")

    def state_dict(self) -> dict[str, np.ndarray]:
        out = {}
        for i, sd in enumerate(self._all("state_dict")):
            out.update({f"shard{i}/{k}": v for k, v in sd.items()})
        return out

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        per = [{} for _ in self.handles]
        for k, v in state.items():
            i, name = k.split("/", 1)
            per[int(i.removeprefix("shard"))][name] = v
        self._all("load_state_dict", [(p,) for p in per])

    def close(self) -> None:
        self.executor.close()
