"""Executors: serial, local processes and a Dask LocalCluster give the same numbers."""

import numpy as np
import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.fem.solvers.implicit import NewtonOptions, StaticSolver
from mslearn.micro.dem.config import DEMMaterialConfig
from mslearn.parallel import ShardedMaterial, shard_ranges
from mslearn.parallel.executors import WorkerLost, make_executor
from mslearn.problems import BiaxialConfig


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("MSLEARN_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


CFG = DEMMaterialConfig(n_particles=40, max_relax_steps=200, packings=3)


def _run(material, prob):
    opts = NewtonOptions(n_steps=2, tol_displacement=5e-3, tol_residual=2e-2)
    res = StaticSolver(prob.disc, material, prob.bcs, opts).run()
    return np.array([h["top_Fy"] for h in res.history]), res.final.response.stress


def test_shard_ranges_cover_all_points():
    r = shard_ranges(10, 3)
    assert r[0][0] == 0 and r[-1][1] == 10 and all(a < b for a, b in r)
    assert shard_ranges(2, 5) == [(0, 1), (1, 2)]


@pytest.mark.parametrize("kind", ["serial", "processes", "dask"])
def test_executors_reproduce_serial_numbers(kind):
    prob = BiaxialConfig(nx=1, ny=2, element="Q4", axial_strain=0.01).build()
    ref = _run(CFG.build(prob.n_points, 2, 1e5), prob)
    mat = ShardedMaterial(CFG, prob.n_points, make_executor(kind, 2), 2, 2, 1e5)
    try:
        out = _run(mat, prob)
        state = mat.state_dict()
        mat.load_state_dict(state)
    finally:
        mat.close()
    np.testing.assert_array_equal(out[0], ref[0])
    np.testing.assert_array_equal(out[1], ref[1])


def test_dead_worker_is_named_and_stops_the_run():
    mat = ShardedMaterial(CFG, 4, make_executor("processes", 2), 2, 2, 1e5)
    try:
        mat.trial(np.zeros((4, 3)))
        mat.handles[1].proc.kill()
        mat.handles[1].proc.join()
        with pytest.raises(WorkerLost, match="shard 1 died.*--resume"):
            mat.trial(np.zeros((4, 3)))
    finally:
        mat.close()


def test_unreachable_scheduler_is_a_clear_error():
    with pytest.raises(MslearnInputError, match="unreachable"):
        make_executor("dask", scheduler="tcp://127.0.0.1:9")


def test_lost_worker_is_rebuilt_from_the_committed_state_with_the_same_numbers():
    e1 = np.tile([0.0, -1e-3, 0.0], (4, 1))
    e2 = np.tile([2e-4, -2e-3, 1e-4], (4, 1))
    ref = CFG.build(4, 2, 1e5)
    ref.trial(e1)
    ref.commit()
    expected = ref.trial(e2).stress
    mat = ShardedMaterial(CFG, 4, make_executor("processes", 2), 2, 2, 1e5, recover=True)
    try:
        mat.trial(e1)
        mat.commit()
        mat.trial(e2)
        mat.handles[1].proc.kill()
        mat.handles[1].proc.join()
        got = mat.trial(e2).stress  # shard 1 rebuilt on a new worker, the trial repeated
        assert mat.recoveries == 1
        np.testing.assert_array_equal(got, expected)
        mat.handles[0].proc.kill()
        mat.handles[0].proc.join()
        mat.commit()  # a commit on a lost shard re-runs its last trial first
        assert mat.recoveries == 2
        ref.commit()
        np.testing.assert_array_equal(mat.trial(e2 * 1.5).stress, ref.trial(e2 * 1.5).stress)
    finally:
        mat.close()
