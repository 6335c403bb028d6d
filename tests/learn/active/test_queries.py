"""Query strategies of committee-based active learning."""

import numpy as np
import pytest

from mslearn.core.errors import MslearnInputError
from mslearn.learn.active.queries import (
    committee_std,
    equivalent_shear_strain,
    select_batch,
    select_random,
    select_top_fraction,
)


def test_committee_std_ranks_disagreement():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((1, 50, 3))
    spread = np.linspace(0, 1, 50)[None, :, None]
    preds = base + spread * rng.standard_normal((5, 50, 3))
    s = committee_std(preds)
    assert s.shape == (50,)
    assert np.corrcoef(s, spread.ravel())[0, 1] > 0.8
    assert committee_std(np.repeat(base, 3, axis=0)).max() < 1e-15
    with pytest.raises(MslearnInputError, match="members"):
        committee_std(base)


def test_top_fraction():
    s = np.array([0.1, 0.9, 0.5, 0.7, 0.3, 0.2, 0.8, 0.0, 0.4, 0.6])
    np.testing.assert_array_equal(select_top_fraction(s, 0.3), [1, 6, 3])


def test_batch_mode_exclusion_radius_on_a_grid():
    """Seed 001 Fig. 7: on a grid of spacing L_s with R = 1.5 L_s, no two picks are neighbours
    (including diagonals), and the best candidate is always picked first."""
    ls = 0.003
    u, r = np.meshgrid(np.arange(10) * ls, np.arange(10) * ls)
    coords = np.column_stack([u.ravel(), r.ravel()])
    scores = np.exp(-((coords - 0.012) ** 2).sum(1) / 1e-4)  # a hot spot: neighbours score high
    idx = select_batch(scores, coords, 10, 1.5 * ls)
    assert idx[0] == int(np.argmax(scores)) and len(idx) == 10
    d = np.linalg.norm(coords[idx][:, None] - coords[idx][None], axis=2)
    assert d[np.triu_indices(10, 1)].min() > 1.5 * ls
    # without exclusion the batch clusters around the hot spot
    plain = select_batch(scores, coords, 10, 0.0)
    assert (
        np.linalg.norm(coords[plain] - coords[plain[0]], axis=1).max()
        < np.linalg.norm(coords[idx] - coords[idx[0]], axis=1).max()
    )


def test_shear_strain_indicator_and_random():
    e = np.array([[0, 0, 0.0], [1e-3, -1e-3, 0], [0, 0, 4e-3]])
    s = equivalent_shear_strain(e)
    assert s[0] == 0 and s[2] > s[1] > 0
    a = select_random(100, 10, seed=3)
    assert len(set(a)) == 10 and np.array_equal(a, select_random(100, 10, seed=3))


def test_committee_std_ignores_masked_steps():
    rng = np.random.default_rng(0)
    p = rng.normal(size=(3, 2, 5, 1))
    p[:, :, 3:] += rng.normal(scale=100.0, size=(3, 2, 2, 1))  # padding with wild values
    mask = np.zeros((2, 5), bool)
    mask[:, :3] = True
    assert np.allclose(committee_std(p, mask), p[:, :, :3, 0].std(axis=0).mean(axis=1))
