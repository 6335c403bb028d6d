"""Neighbour search: the cell-list half list equals a brute-force search in
strongly sheared cells; wrapped coordinates stay in [0, 1)."""

import numpy as np
import pytest

from mslearn.micro.dem.disk2d.arrays import Pairs
from mslearn.micro.dem.disk2d.neighbours import build_pairs

pytestmark = pytest.mark.property


def _pairs(pi, pj, pn, pfs, pmr):
    cap = pi.shape[0]
    return Pairs(pi, pj, pn, pfs, pmr, np.zeros(cap), np.zeros(cap, np.int8), np.zeros(1, np.int64))


def _brute(s, rad, h, skin):
    out = set()
    n = len(rad)
    ii, jj = np.triu_indices(n)
    for a in range(-3, 4):
        for b in range(-3, 4):
            d = (s[jj] - s[ii] + [a, b]) @ h.T
            close = np.einsum("ij,ij->i", d, d) < (rad[ii] + rad[jj] + skin) ** 2
            self_ = (ii == jj) & ((a < 0) | ((a == 0) & (b <= 0)))
            for q in np.flatnonzero(close & ~self_):
                out.add((int(ii[q]), int(jj[q]), a, b))
    return out


@pytest.mark.parametrize("gamma", [0.0, 0.7, 2.5, -4.0])
def test_cell_list_matches_brute_force_under_shear(gamma):
    rng = np.random.default_rng(0)
    n = 150
    rad = rng.uniform(0.003, 0.007, n)
    L = np.sqrt(np.sum(np.pi * rad**2) / 0.8)
    h = np.array([[L, gamma * L], [0.0, L]]) @ np.array([[1.02, 0.1], [0.0, 0.97]])
    s = rng.uniform(-1.5, 2.5, (n, 2))  # unwrapped coordinates
    skin = 0.001
    pi = np.zeros(40 * n, np.int32)
    pj = np.zeros(40 * n, np.int32)
    pn = np.zeros((40 * n, 2), np.int32)
    pfs = np.zeros(40 * n)
    s_w = s.copy()
    k = build_pairs(s_w, rad, h, skin, _pairs(pi, pj, pn, pfs, pfs.copy()), 0)
    assert k > 0
    assert np.all((s_w >= 0) & (s_w < 1))
    got = {(int(pi[q]), int(pj[q]), int(pn[q, 0]), int(pn[q, 1])) for q in range(k)}
    assert len(got) == k
    assert got == _brute(s_w, rad, h, skin)


def test_history_carried_across_rebuild_and_wrap():
    rng = np.random.default_rng(1)
    n = 80
    rad = rng.uniform(0.003, 0.007, n)
    L = np.sqrt(np.sum(np.pi * rad**2) / 0.8)
    h = np.array([[L, 0.3 * L], [0.0, L]])
    s = rng.uniform(0, 1, (n, 2))
    cap = 40 * n
    pi, pj = np.zeros(cap, np.int32), np.zeros(cap, np.int32)
    pn, pfs = np.zeros((cap, 2), np.int32), np.zeros(cap)
    pmr = np.zeros(cap)
    k = build_pairs(s, rad, h, 0.001, _pairs(pi, pj, pn, pfs, pmr), 0)
    pfs[:k] = np.arange(k) + 1.0
    key = {}
    for q in range(k):
        d = h @ (s[pj[q]] - s[pi[q]] + pn[q])
        key[(int(pi[q]), int(pj[q]), round(d[0], 12), round(d[1], 12))] = pfs[q]
    s += np.array([1.0, -2.0])  # every particle leaves the cell: shifts must follow
    pmr[:k] = -pfs[:k]
    k2 = build_pairs(s, rad, h, 0.001, _pairs(pi, pj, pn, pfs, pmr), k)
    assert k2 == k
    for q in range(k2):
        d = h @ (s[pj[q]] - s[pi[q]] + pn[q])
        assert key[(int(pi[q]), int(pj[q]), round(d[0], 12), round(d[1], 12))] == pfs[q]
        assert pmr[q] == -pfs[q]


def test_no_lost_contacts_after_large_simple_shear(packing100):
    """Shear a packing to gamma = 1.5 (normal stresses held at p0 by the servo;
    isochoric shear of a dense packing drives the pressure up without bound)
    and compare the contacts the engine evaluates with a brute-force search."""
    from mslearn.micro.dem.disk2d.loading import STRAIN, STRESS, LoadOptions, apply_strain, load

    st = packing100.state.copy()
    opts = LoadOptions(max_strain_per_step=2e-5, servo_max_strain_per_step=1e-4, relax=False)
    load(st, [0.0, 0.0, 1.5], opts, mode=(STRESS, STRESS, STRAIN), stress_target=[-1e5, -1e5, 0])
    assert st.strain[0, 2] == pytest.approx(1.5)
    # one more step so pair data are consistent with the current geometry
    apply_strain(st, [0.0, 0.0, 0.0], LoadOptions(relax=False))
    s = st.s.copy()
    s -= np.floor(s)
    h = st.h[0]
    k = int(st.npairs[0])
    engine = set()
    for q in range(k):
        i, j = int(st.pair_i[q]), int(st.pair_j[q])
        d = h @ (st.s[j] - st.s[i] + st.pair_n[q])
        if np.linalg.norm(d) < st.radius[i] + st.radius[j]:
            engine.add((i, j))
    brute = {(i, j) for (i, j, a, b) in _brute(s, st.radius, h, 0.0)}
    assert engine == brute
    assert len(brute) > 100
