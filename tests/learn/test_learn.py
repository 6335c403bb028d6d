"""Committees, training, saved point surrogates and the SurrogateMaterial."""

import json

import numpy as np
import pytest
import torch

from mslearn.core.errors import MslearnInputError
from mslearn.learn.features import Arrays
from mslearn.learn.fit import fit_surrogate
from mslearn.learn.surrogates.committee import CommitteeMLP
from mslearn.learn.surrogates.mlp import Surrogate, SurrogateMaterial
from mslearn.learn.training import TrainOptions, train_committee
from mslearn.materials import LinearElastic


@pytest.mark.property
def test_stacked_committee_equals_independent_networks():
    net = CommitteeMLP(6, 4, (8, 8), members=3, seed=1)
    x = torch.randn(11, 6, dtype=torch.float64)
    out = net(x)
    for m in range(3):
        h = x
        for i, (w, b) in enumerate(zip(net.weights, net.biases, strict=True)):
            h = h @ w[m] + b[m]
            if i < 2:
                h = torch.relu(h)
        torch.testing.assert_close(out[m], h)
    assert not torch.allclose(out[0], out[1])  # members differ by initialisation


@pytest.mark.recovery
def test_committee_training_recovers_a_smooth_function():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (600, 2))
    y = np.column_stack([np.sin(2 * x[:, 0]) + x[:, 1] ** 2])
    opt = TrainOptions(
        hidden=(32, 32), members=3, max_epochs=300, patience=300, lr=3e-3, batch_size=64
    )
    res = train_committee(x[:400], y[:400], x[400:], y[400:], opt)
    with torch.no_grad():
        pred = res.model(torch.as_tensor(x[400:])).mean(0).numpy()
    rel = np.linalg.norm(pred - y[400:]) / np.linalg.norm(y[400:])
    assert rel < 0.1, rel
    assert len(res.best_epoch) == 3 and all(e > 0 for e in res.best_epoch)


def _elastic_arrays(n=3000, seed=0):
    """Samples of a linear elastic material: stress = -p0 + C eps, D = C (exact truth)."""
    rng = np.random.default_rng(seed)
    mat = LinearElastic(50e6, 0.3, n, initial_pressure=1e5)
    eps = rng.uniform(-2e-3, 2e-3, (n, 3))
    r = mat.trial(eps)
    phi = np.abs(eps) * rng.uniform(1, 3, (n, 3))
    return Arrays(
        np.hstack([eps, phi]), r.stress, r.stiffness, rng.integers(0, 4, n), rng.integers(0, 64, n)
    ), mat


@pytest.mark.recovery
@pytest.mark.parametrize("mode", ["joint", "separate", "autodiff"])
def test_fit_save_load_and_material(tmp_path, mode):
    a, elastic = _elastic_arrays()
    sur, rep = fit_surrogate(
        a,
        TrainOptions(hidden=(32, 32), members=3, max_epochs=150, patience=150, lr=3e-3),
        mode=mode,
    )
    assert rep["metrics"]["test_stress_rel_error"] < 0.02
    sur.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    for key in (
        "architecture",
        "normalisers",
        "features",
        "data_fingerprint",
        "metrics",
        "mslearn_version",
        "training_ranges",
        "format_version",
    ):
        assert key in meta, key
    assert meta["kind"] == "mlp" and meta["architecture"]["mode"] == mode
    loaded = Surrogate.load(tmp_path / "m")
    x = a.x[:50]
    for u, v in zip(sur.respond(x), loaded.respond(x), strict=True):
        np.testing.assert_allclose(u, v)
    mat = SurrogateMaterial(loaded, 5)
    eps = np.tile([1e-3, -1e-3, 5e-4], (5, 1))
    r = mat.trial(eps)
    np.testing.assert_allclose(
        r.stress, elastic.trial(np.tile(eps[0], (elastic.n_points, 1))).stress[:5], rtol=0.05
    )
    if mode == "autodiff":
        assert r.kind == "tangent"
        # autodiff D is d(stress)/d(strain) of the network: check against central differences
        h = 1e-6
        fd = np.stack(
            [
                (
                    mat.trial(eps + h * np.eye(3)[j]).stress
                    - mat.trial(eps - h * np.eye(3)[j]).stress
                )
                / (2 * h)
                for j in range(3)
            ],
            axis=2,
        )
        raw = loaded.respond(np.hstack([eps, np.zeros((5, 3))]))[1]
        np.testing.assert_allclose(raw, fd, rtol=1e-5, atol=1e-6 * np.abs(fd).max())
    np.testing.assert_allclose(r.stiffness, np.swapaxes(r.stiffness, 1, 2))  # symmetrised
    assert r.extras["uncertainty"].shape == (5,) and (r.extras["out_of_range"] == 0).all()
    mat.trial(eps)
    mat.commit()
    np.testing.assert_allclose(mat.state_dict()["phi"], np.abs(eps))
    far = mat.trial(eps * 100)
    assert (far.extras["out_of_range"] == 1).all()


def test_model_errors_name_the_problem(tmp_path):
    with pytest.raises(MslearnInputError, match="not found"):
        Surrogate.load(tmp_path / "nothing")
    a, _ = _elastic_arrays(500)
    sur, _ = fit_surrogate(a, TrainOptions(hidden=(8,), members=2, max_epochs=5), mode="joint")
    sur.save(tmp_path / "m")
    with pytest.raises(MslearnInputError, match="trained for 3 stress components.*3D"):
        SurrogateMaterial(Surrogate.load(tmp_path / "m"), 4, dim=3)
    (tmp_path / "m" / "weights.pt").write_bytes(b"not a torch file")
    with pytest.raises(MslearnInputError, match="corrupted"):
        Surrogate.load(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text())
    meta["features"] = "strain+void_ratio"
    (tmp_path / "m" / "model.json").write_text(json.dumps(meta))
    sur.save(tmp_path / "m2")
    (tmp_path / "m2" / "model.json").write_text(json.dumps(meta))
    with pytest.raises(MslearnInputError, match="features"):
        Surrogate.load(tmp_path / "m2")


def test_range_watch_warns_and_stops_at_the_uncertainty_threshold():
    from types import SimpleNamespace

    from mslearn.core.errors import SolverFailure
    from mslearn.workflows.femml import RangeWatch

    def state(step, unc, out):
        resp = SimpleNamespace(
            kind="secant", extras={"uncertainty": np.array(unc), "out_of_range": np.array(out)}
        )
        return SimpleNamespace(step=step, response=resp)

    w = RangeWatch(threshold=0.1)
    w(state(1, [0.01, 0.02], [0, 0]))
    w(state(2, [0.3, 0.02], [0, 1]))
    assert w.exceeded_first_step == 2 and w.exceeded_points == {0}
    assert w.first_step == 2 and w.points == {1} and w.max_uncertainty == 0.3
    stop = RangeWatch(threshold=0.1, stop=True)
    with pytest.raises(SolverFailure, match="step 3: committee uncertainty above 0.1"):
        stop(state(3, [0.5, 0.0], [0, 0]))


@pytest.mark.property
def test_large_batch_path_equals_batched_path():
    net = CommitteeMLP(6, 12, (16, 16), members=4, seed=2)
    x = torch.randn(CommitteeMLP.LOOP_BATCH + 5, 6, dtype=torch.float64)
    with torch.no_grad():
        big = net(x)
        small = torch.cat([net(x[i : i + 1000]) for i in range(0, len(x), 1000)], dim=1)
    torch.testing.assert_close(big, small)
