"""Executors: serial (in process), local processes (persistent workers), Dask actors.

Every executor keeps each shard resident in one worker for the whole run.
A worker that dies raises :class:`WorkerLost` (a :class:`SolverFailure`),
naming the shard and the worker. With ``ShardedMaterial(recover=True)`` (the
default of ``[execution]``) the shard is rebuilt on a new worker from its
last committed state, kept by the driver once per committed step, and the
interrupted call is repeated; without it the run stops like any solver
failure: outputs up to the last converged step and the last checkpoint
(``--resume``) stay intact.
"""

from __future__ import annotations

import multiprocessing as mp
import traceback
from concurrent.futures import Future

from mslearn.parallel.shards import ShardSpec, ShardWorker, WorkerLost


# --------------------------------------------------------------------- serial
class _Done:
    def __init__(self, value=None, error=None) -> None:
        self.value, self.error = value, error

    def result(self):
        if self.error is not None:
            raise self.error
        return self.value


class _SerialHandle:
    def __init__(self, spec: ShardSpec) -> None:
        self.worker = ShardWorker(spec)

    def submit(self, method: str, *args):
        try:
            return _Done(getattr(self.worker, method)(*args))
        except Exception as exc:  # re-raised by result()
            return _Done(error=exc)


class SerialExecutor:
    """Every shard in this process, called in turn (the reference for the others)."""

    name = "serial"

    def start(self, specs: list[ShardSpec]) -> list:
        """Build every shard here; one handle per spec."""
        return [_SerialHandle(s) for s in specs]

    def restart(self, index: int, spec: ShardSpec):
        """A freshly built shard ``index``."""
        return _SerialHandle(spec)

    def result(self, future, shard: int):
        """The value of a submitted call (re-raises its exception)."""
        return future.result()

    def close(self) -> None:
        """Nothing to release."""
        return None


# --------------------------------------------------------------------- processes
def _worker_loop(conn, spec: ShardSpec) -> None:
    try:
        worker = ShardWorker(spec)
        conn.send(("ok", None))
    except Exception:
        conn.send(("error", traceback.format_exc()))
        return
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        method, args = msg
        try:
            conn.send(("ok", getattr(worker, method)(*args)))
        except Exception:
            conn.send(("error", traceback.format_exc()))


class _ProcessHandle:
    def __init__(self, ctx, spec: ShardSpec, index: int) -> None:
        self.index = index
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_loop, args=(child, spec), daemon=True)
        self.proc.start()
        child.close()

    def submit(self, method: str, *args):
        # never write to a dead worker: under a default SIGPIPE disposition (e.g. inside
        # pytest-xdist workers) writing to its broken pipe would kill this process
        if not self.proc.is_alive():
            return self
        try:
            self.conn.send((method, args))
        except (BrokenPipeError, OSError):
            pass  # reported by result()
        return self

    def result(self):
        try:
            if not self.proc.is_alive() and not self.conn.poll():
                raise EOFError
            status, value = self.conn.recv()
        except (EOFError, ConnectionResetError, OSError):
            raise WorkerLost(
                f"worker process {self.proc.pid} of shard {self.index} died "
                f"(exit code {self.proc.exitcode})"
            ) from None
        if status == "error":
            raise RuntimeError(f"shard {self.index} failed in its worker:\n{value}")
        return value


class ProcessExecutor:
    """Persistent local worker processes (spawned), one per shard."""

    name = "processes"

    def __init__(self) -> None:
        self.handles: list[_ProcessHandle] = []

    def start(self, specs: list[ShardSpec]) -> list:
        """Spawn one worker per spec and wait until every shard is built."""
        ctx = mp.get_context("spawn")
        self.handles = [_ProcessHandle(ctx, s, i) for i, s in enumerate(specs)]
        for h in self.handles:
            h.result()  # wait for every shard to be built
        return self.handles

    def restart(self, index: int, spec: ShardSpec):
        """A new worker process for shard ``index`` (the old one is gone)."""
        old = self.handles[index]
        if old.proc.is_alive():
            old.proc.kill()
        h = _ProcessHandle(mp.get_context("spawn"), spec, index)
        h.result()
        self.handles[index] = h
        return h

    def result(self, future, shard: int):
        """The reply to a call: WorkerLost if the worker died, RuntimeError if the call raised."""
        return future.result()

    def close(self) -> None:
        """Ask every live worker to stop; kill those still alive after 5 s."""
        for h in self.handles:
            if not h.proc.is_alive():  # no write to a dead worker's pipe (SIGPIPE)
                continue
            try:
                h.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
            h.proc.join(timeout=5)
            if h.proc.is_alive():
                h.proc.kill()


# --------------------------------------------------------------------- dask
class DaskExecutor:
    """Dask distributed actors: a scheduler address, or a LocalCluster of n workers."""

    name = "dask"

    def __init__(
        self, scheduler: str | None = None, n_workers: int = 2, timeout: float = 5.0
    ) -> None:
        from distributed import Client, LocalCluster

        from mslearn.core.errors import MslearnInputError

        self._cluster = None
        self.handles: list[_DaskHandle] = []
        self.poll_s = 1.0  # how often a waiting call checks whether its worker is lost
        try:
            if scheduler:
                self.client = Client(scheduler, timeout=timeout)
            else:
                self._cluster = LocalCluster(
                    n_workers=n_workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
                self.client = Client(self._cluster)
        except (OSError, TimeoutError) as exc:
            raise MslearnInputError(f"Dask scheduler {scheduler!r} is unreachable: {exc}") from None

    def start(self, specs: list[ShardSpec]) -> list:
        """One :class:`ShardWorker` actor per spec, spread round-robin over the workers."""
        workers = list(self.client.scheduler_info()["workers"])
        futures = [
            self.client.submit(
                ShardWorker, spec, actor=True, workers=[workers[i % len(workers)]], pure=False
            )
            for i, spec in enumerate(specs)
        ]
        self.handles = [_DaskHandle(f.result()) for f in futures]
        return list(self.handles)

    def restart(self, index: int, spec: ShardSpec):
        """A new actor for shard ``index`` on any live worker."""
        actor = self.client.submit(ShardWorker, spec, actor=True, pure=False).result()
        self.handles[index] = _DaskHandle(actor)
        return self.handles[index]

    def result(self, future, shard: int):
        """The actor's reply; :class:`WorkerLost` naming the worker if it is lost.

        Waits in slices of ``poll_s`` and checks between them whether the scheduler has
        declared the actor's worker lost, so that a call to a worker whose machine
        vanished without closing its connection ends then instead of hanging on it.
        """
        handle = self.handles[shard]
        if isinstance(future, _LostCall):
            raise handle.lost_error(shard, future.reason)
        while True:
            try:
                return future.result(timeout=self.poll_s)
            except TimeoutError:
                if handle.lost():
                    raise handle.lost_error(shard, "the scheduler declared it lost") from None
            except OSError as exc:  # "Unable to contact Actor's worker"
                raise handle.lost_error(shard, str(exc)) from None
            except RuntimeError as exc:
                if _ACTOR_LOST not in str(exc):
                    raise  # the shard's own error, raised in its worker
                raise handle.lost_error(shard, str(exc)) from None

    def close(self) -> None:
        """Close the client and the LocalCluster this executor started, if any."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


#: distributed's RuntimeError text for a call to (or through) an actor whose worker died
_ACTOR_LOST = "Worker holding Actor was lost"


class _LostCall:
    """A call that could not even be submitted: the actor's worker is already lost."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


class _DaskHandle:
    def __init__(self, actor) -> None:
        self.actor = actor
        self.worker = str(getattr(actor, "_address", "?"))

    def lost(self) -> bool:
        """Whether the scheduler has declared the actor's worker lost."""
        f = getattr(self.actor, "_future", None)
        return f is not None and f.status not in ("finished", "pending")

    def lost_error(self, shard: int, reason: str) -> WorkerLost:
        reason = " ".join(reason.split())  # one line
        return WorkerLost(f"Dask worker {self.worker} holding shard {shard} was lost ({reason})")

    def submit(self, method: str, *args):
        try:
            return getattr(self.actor, method)(*args)
        except RuntimeError as exc:
            if _ACTOR_LOST not in str(exc):
                raise
            return _LostCall(str(exc))


def make_executor(kind: str = "serial", workers: int = 2, scheduler: str | None = None):
    """The executor ``kind``: "serial", "processes" or "dask".

    For Dask, ``scheduler`` is an address to connect to; without one a
    LocalCluster of ``workers`` single-threaded processes is started.
    """
    from mslearn.core.errors import MslearnInputError

    if kind == "serial":
        return SerialExecutor()
    if kind == "processes":
        return ProcessExecutor()
    if kind == "dask":
        return DaskExecutor(scheduler, workers)
    raise MslearnInputError(f"executor {kind!r}; expected serial, processes or dask")


__all__ = [
    "DaskExecutor",
    "Future",
    "ProcessExecutor",
    "SerialExecutor",
    "WorkerLost",
    "make_executor",
]
