"""Gaussian-process confining paths (seed 000 Eq. 16-17)."""

import numpy as np
import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.paths import gaussian_process_paths
from mslearn.problems import BiaxialConfig


def test_paths_start_at_p0_stay_compressive_and_are_seeded():
    g = gaussian_process_paths(50, 100, p0=100e3, seed=3)
    assert g.pressure.shape == (50, 101) and g.time[0] == 0 and g.time[-1] == 1
    np.testing.assert_array_equal(g.pressure[:, 0], 100e3)
    assert (g.pressure > 0).all()
    assert np.all((g.v_c >= 1) & (g.v_c <= 5))
    np.testing.assert_array_equal(g.pressure, gaussian_process_paths(50, 100, seed=3).pressure)
    assert not np.array_equal(g.pressure, gaussian_process_paths(50, 100, seed=4).pressure)


def test_larger_vc_gives_more_curvature():
    lo = gaussian_process_paths(300, 100, v_c=(1, 1), amplitude=0.3, seed=0)
    hi = gaussian_process_paths(300, 100, v_c=(5, 5), amplitude=0.3, seed=0)

    def curvature(p):
        return np.abs(np.diff(np.log(p[:, 1:]), 2, axis=1)).mean()

    assert curvature(hi.pressure) > 1.5 * curvature(lo.pressure)


def test_path_drives_the_biaxial_confining_pressure():
    g = gaussian_process_paths(1, 10, seed=1)
    cfg = BiaxialConfig(nx=1, ny=1, element="Q4", confining_history=g.history(0))
    prob = cfg.build()
    p_left = prob.bcs.loads[0]
    for t, p in zip(g.time, g.pressure[0], strict=True):
        assert p_left.at(t) == pytest.approx(p)


def test_bad_path_parameters():
    with pytest.raises(MslearnInputError, match="v_c"):
        gaussian_process_paths(v_c=(0, 1))
    with pytest.raises(MslearnInputError, match="n_paths"):
        gaussian_process_paths(n_paths=0)
