"""A GRU committee trained on strain -> stress sequences drives an implicit FEM run.

Truth: Drucker-Prager with hardening (plane strain, p0 = 100 kPa) in a biaxial test.
The committee learns the law from random strain paths only (never from the FEM),
is saved, loaded through ``[material] type = "surrogate"`` and run in the same
biaxial FEM; its Newton iterations use the autodiff tangent of the GRU step.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mslearn.fem.solvers.implicit import NewtonOptions, StaticSolver
from mslearn.learn.surrogates import GRUCommittee
from mslearn.materials.config import material_config
from mslearn.problems import BiaxialConfig
from tests.learn.surrogates.kinds import LAW, P0, drive, strain_paths

pytestmark = pytest.mark.recovery

STEPS, AXIAL = 20, 0.01


def _run(problem, material):
    solver = StaticSolver(problem.disc, material, problem.bcs, NewtonOptions(n_steps=STEPS))
    res = solver.run()
    return res, np.array([h["top_Fy"] for h in res.history]), solver.checkpoint_state()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    torch.set_num_threads(1)
    problem = BiaxialConfig(
        nx=1, ny=2, element="Q4", axial_strain=AXIAL, confining_pressure=P0
    ).build()
    ref = _run(problem, material_config(LAW).build(problem.n_points, 2, P0))
    x = strain_paths(96, STEPS, AXIAL, seed=0)  # the FEM's load steps, random directions
    model = GRUCommittee(3, 3, hidden=24, layers=1, members=3, seed=0, dtype="float64")
    model.fit(x, drive(x), iterations=400, lr=1e-2)
    folder = model.save(tmp_path_factory.mktemp("gru") / "model")
    mat = material_config({"type": "surrogate", "model": str(folder)}).build(problem.n_points, 2)
    return ref, _run(problem, mat), mat


def test_the_gru_fem_run_converges_like_a_consistent_tangent(runs):
    _, (res, _, state), mat = runs
    assert res.completed and res.steps == STEPS
    assert mat.features.tangent == "tangent" and mat.model.recurrent
    assert all(h["cuts"] == 0 for h in res.history)
    assert max(h["iterations"] for h in res.history) <= 6
    assert state["material/hidden"].shape == (8, 3, 1, 24)  # hidden state checkpointed


def test_the_gru_fem_run_recovers_the_reference_law(runs):
    (ref, f_ref, _), (res, f_gru, _), _ = runs
    inc = np.diff(f_ref)
    assert abs(inc[-1]) < 0.7 * abs(inc[0])  # the reference yields: history matters
    assert np.linalg.norm(f_gru - f_ref) / np.linalg.norm(f_ref) < 0.05
    s_ref, s_gru = ref.final.response.stress, res.final.response.stress
    assert np.linalg.norm(s_gru - s_ref) / np.linalg.norm(s_ref) < 0.05
    assert (res.final.response.extras["stress_std"] > 0).all()
