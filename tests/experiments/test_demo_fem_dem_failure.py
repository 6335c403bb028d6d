"""A FEM-DEM run of the demo that stops (Newton) is reported, not fatal: its summary
with ``completed`` False comes back and its outputs up to the last step are used."""

import json

import pytest

from mslearn.core.errors import SolverFailure
from mslearn.experiments import demo


def test_a_stopped_fem_dem_run_returns_its_summary(tmp_path, monkeypatch):
    def stopped(cfg, folder, progress=True, run_id=0):
        folder.mkdir(parents=True)
        summary = {"completed": False, "steps": 35, "failure": "Newton failed at step 36"}
        (folder / "summary.json").write_text(json.dumps(summary))
        raise SolverFailure("Newton failed at step 36 (outputs up to the last converged step)")

    monkeypatch.setattr(demo, "run_fem_dem", stopped)
    s = demo._fem_dem(None, tmp_path / "ref", 100, False)
    assert s == {"completed": False, "steps": 35, "failure": "Newton failed at step 36"}


def test_a_fem_dem_failure_without_outputs_is_raised(tmp_path, monkeypatch):
    def broken(cfg, folder, progress=True, run_id=0):
        raise SolverFailure("no outputs")

    monkeypatch.setattr(demo, "run_fem_dem", broken)
    with pytest.raises(SolverFailure, match="no outputs"):
        demo._fem_dem(None, tmp_path / "ref", 100, False)
