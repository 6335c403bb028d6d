"""A Dask worker killed mid-run: a one-line WorkerLost (a SolverFailure) naming the worker
and `recover_workers = true`, outputs up to the last converged step; recovered with it on."""

import json
import os
import signal

import numpy as np
import pytest

from mslearn.core.errors import SolverFailure
from mslearn.micro.dem.config import DEMMaterialConfig
from mslearn.parallel import ShardedMaterial
from mslearn.parallel.executors import WorkerLost, make_executor
from mslearn.problems.config import RunConfig
from mslearn.workflows.bvp import run_bvp


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("MSLEARN_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


CFG = DEMMaterialConfig(n_particles=40, max_relax_steps=200, packings=3)


def _kill_worker(client, address: str | None = None) -> str:
    """SIGKILL one worker process of ``client`` (``address`` or the last); its address."""
    pids = client.run(os.getpid)
    address = address or sorted(pids)[-1]
    os.kill(pids[address], signal.SIGKILL)
    return address


@pytest.mark.slow  # a LocalCluster; the run_bvp failure test stays in the default suite
def test_killed_dask_worker_without_recovery_is_one_line_naming_the_worker():
    ex = make_executor("dask", 2)
    mat = ShardedMaterial(CFG, 4, ex, 2, 2, 1e5, recover=False)
    try:
        e1 = np.tile([0.0, -1e-3, 0.0], (4, 1))
        mat.trial(e1)
        mat.commit()
        address = _kill_worker(ex.client, ex.handles[1].worker)
        for _ in range(2):  # and again at once (a Newton step cut): never distributed's error
            with pytest.raises(WorkerLost) as err:
                mat.trial(e1 * 2)
            msg = str(err.value)
            assert isinstance(err.value, SolverFailure)
            assert "\n" not in msg
            assert f"Dask worker {address} holding shard 1" in msg
            assert "recover_workers = true would have rebuilt" in msg
    finally:
        mat.close()


def _biaxial(execution: dict) -> RunConfig:
    return RunConfig.model_validate(
        {
            "problem": {"nx": 1, "ny": 2, "element": "Q4", "axial_strain": 0.01},
            "material": {"type": "dem", "n_particles": 40, "max_relax_steps": 200, "packings": 3},
            "solver": {"n_steps": 3, "tol_displacement": 5e-3, "tol_residual": 2e-2},
            "output": {"xdmf": False, "plots": False, "dataset": False},
            "execution": {"executor": "dask", "workers": 2, **execution},
        }
    )


class _KillAfterStep:
    """Observer: kills one Dask worker once step ``step`` has converged."""

    def __init__(self, step: int) -> None:
        self.step, self.killed = step, None

    def __call__(self, state) -> None:
        from distributed import default_client

        if self.killed is None and state.step == self.step:
            self.killed = _kill_worker(default_client())


def test_run_bvp_with_a_killed_dask_worker_writes_outputs_and_names_the_fix(tmp_path):
    kill = _KillAfterStep(1)
    with pytest.raises(SolverFailure) as err:
        run_bvp(_biaxial({"recover_workers": False}), tmp_path, progress=False, observers=[kill])
    msg = str(err.value)
    assert kill.killed is not None and f"Dask worker {kill.killed}" in msg
    assert "recover_workers = true" in msg and "\n" not in msg
    assert "step cuts" not in msg  # a lost worker is not retried with smaller steps
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert not summary["completed"] and summary["steps"] == 1
    assert "recover_workers = true" in summary["failure"]
    assert len((tmp_path / "history.csv").read_text().splitlines()) == 3  # header, steps 0-1


@pytest.mark.slow  # a LocalCluster; the run_bvp failure test stays in the default suite
def test_run_bvp_recovers_a_killed_dask_worker_with_the_same_numbers(tmp_path):
    ref = run_bvp(_biaxial({"executor": "serial"}), tmp_path / "serial", progress=False)
    kill = _KillAfterStep(1)
    got = run_bvp(
        _biaxial({"recover_workers": True}), tmp_path / "dask", progress=False, observers=[kill]
    )
    assert kill.killed is not None and got["completed"] and got["steps"] == 3
    assert (tmp_path / "dask" / "history.csv").read_text() == (
        tmp_path / "serial" / "history.csv"
    ).read_text()
    assert ref["completed"]
