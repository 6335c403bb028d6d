"""Verlet half-list of sphere pairs from a cell list in fractional coordinates.

A pair is ``(i, j, n)`` with ``i <= j`` and an integer image shift ``n`` (3,):
the branch vector is ``d = h (s_j - s_i + n)``. The fractional grid has
``g_a = floor(height_a / cutoff)`` cells along axis a, where ``height_a =
|det h| / |h_b x h_c|`` is the distance between the faces ``s_a = 0`` and
``s_a = 1``. Two points closer than ``cutoff`` then differ by less than
``1 / g_a`` in ``s_a`` whatever the shear of ``h``, so the 27-cell stencil
never loses a pair. When an axis has fewer than 3 cells (small or strongly
sheared cells) every image within the cutoff is searched instead.

Tangential history (``fs``, ``mr``) is carried to the new list by matching
``(i, j, n)`` after the wrap of fractional coordinates into [0, 1).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from mslearn.micro.dem.sphere3d.arrays import BORROWS
from mslearn.micro.dem.sphere3d.mat3 import det3


@njit(cache=True)
def heights(h):
    """(3,) distances between opposite faces of the cell h (3, 3) [m]."""
    a0, a1, a2 = h[:, 0], h[:, 1], h[:, 2]
    out = np.empty(3)
    vol = abs(det3(h))
    for k, (u, w) in enumerate(((a1, a2), (a2, a0), (a0, a1))):
        cx = u[1] * w[2] - u[2] * w[1]
        cy = u[2] * w[0] - u[0] * w[2]
        cz = u[0] * w[1] - u[1] * w[0]
        out[k] = vol / math.sqrt(cx * cx + cy * cy + cz * cz)
    return out


class _PairList(NamedTuple):
    """A pair list being read (the old one, grouped by i: ``start`` (N + 1,)) or written."""

    start: np.ndarray  # (N + 1,) int64 first slot of each i (old list only)
    i: np.ndarray  # (cap,) int32
    j: np.ndarray  # (cap,) int32
    shift: np.ndarray  # (cap, 3) int32
    fs: np.ndarray  # (cap, 3) tangential spring [N]
    mr: np.ndarray  # (cap, 3) rolling moment [N m]


@njit(cache=True, **BORROWS)
def _try_add(i, j, n1, n2, n3, s, rad, h, skin, k, new, old):
    """Append pair (i, j, n) at slot k if within the cutoff, carrying its history
    from ``old``; returns the next slot (counts on beyond the capacity)."""
    d1 = s[j, 0] - s[i, 0] + n1
    d2 = s[j, 1] - s[i, 1] + n2
    d3 = s[j, 2] - s[i, 2] + n3
    x = h[0, 0] * d1 + h[0, 1] * d2 + h[0, 2] * d3
    y = h[1, 0] * d1 + h[1, 1] * d2 + h[1, 2] * d3
    z = h[2, 0] * d1 + h[2, 1] * d2 + h[2, 2] * d3
    rc = rad[i] + rad[j] + skin
    if x * x + y * y + z * z >= rc * rc:
        return k
    if k < new.i.shape[0]:
        new.i[k] = i
        new.j[k] = j
        new.shift[k, 0] = n1
        new.shift[k, 1] = n2
        new.shift[k, 2] = n3
        for a in range(3):
            new.fs[k, a] = 0.0
            new.mr[k, a] = 0.0
        for q in range(old.start[i], old.start[i + 1]):
            if old.j[q] == j and old.shift[q, 0] == n1 and old.shift[q, 1] == n2 \
                    and old.shift[q, 2] == n3:  # fmt: skip
                for a in range(3):
                    new.fs[k, a] = old.fs[q, a]
                    new.mr[k, a] = old.mr[q, a]
                break
    return k + 1


@njit(cache=True)
def _wrap(s):
    """Wrap fractional positions into [0, 1) in place; returns the integer wraps (N, 3)."""
    w = np.zeros((s.shape[0], 3), dtype=np.int32)
    for i in range(s.shape[0]):
        for a in range(3):
            f = math.floor(s[i, a])
            if f != 0:
                w[i, a] = int(f)
                s[i, a] -= f
                if s[i, a] >= 1.0:  # guard against rounding to exactly 1
                    s[i, a] -= 1.0
                    w[i, a] += 1
    return w


@njit(cache=True)
def _old_list(q, npairs, wrap):
    """Shift the old pairs' images to follow the wrap (in place) and copy the list aside."""
    nP = wrap.shape[0]
    start = np.zeros(nP + 1, dtype=np.int64)
    for c in range(npairs):
        a = q.i[c]
        b = q.j[c]
        for ax in range(3):
            q.shift[c, ax] += wrap[b, ax] - wrap[a, ax]
        start[a + 1] += 1
    for i in range(nP):
        start[i + 1] += start[i]
    # the old list is grouped by i (built in ascending i)
    return _PairList(start, q.i[:npairs].copy(), q.j[:npairs].copy(), q.shift[:npairs].copy(),
                     q.fs[:npairs].copy(), q.mr[:npairs].copy())  # fmt: skip


@njit(cache=True, **BORROWS)
def _wrap_index(a, g):
    """(cell index in [0, g), image shift) of a neighbour cell index a."""
    if a < 0:
        return a + g, -1
    if a >= g:
        return a - g, 1
    return a, 0


@njit(cache=True)
def _cell_list_search(s, rad, h, skin, g, new, old):
    """Half list from a (g0, g1, g2) grid in fractional coordinates (27-cell stencil)."""
    nP = s.shape[0]
    head = -np.ones(g[0] * g[1] * g[2], dtype=np.int64)
    nxt = -np.ones(nP, dtype=np.int64)
    cell = np.empty((nP, 3), dtype=np.int64)
    for i in range(nP - 1, -1, -1):
        for a in range(3):
            cell[i, a] = min(int(s[i, a] * g[a]), g[a] - 1)
        c = (cell[i, 0] * g[1] + cell[i, 1]) * g[2] + cell[i, 2]
        nxt[i] = head[c]
        head[c] = i
    k = 0
    for i in range(nP):
        for da in range(-1, 2):
            a, n1 = _wrap_index(cell[i, 0] + da, g[0])
            for db in range(-1, 2):
                b, n2 = _wrap_index(cell[i, 1] + db, g[1])
                for dc in range(-1, 2):
                    cc, n3 = _wrap_index(cell[i, 2] + dc, g[2])
                    j = head[(a * g[1] + b) * g[2] + cc]
                    while j >= 0:
                        if j > i:
                            k = _try_add(i, j, n1, n2, n3, s, rad, h, skin, k, new, old)
                        j = nxt[j]
    return k


@njit(cache=True, **BORROWS)
def _all_images_search(s, rad, h, skin, m, new, old):
    """Half list over every image within (m0, m1, m2) cell shifts (small or sheared cells)."""
    nP = s.shape[0]
    k = 0
    for i in range(nP):
        for j in range(i, nP):
            for n1 in range(-m[0], m[0] + 1):
                for n2 in range(-m[1], m[1] + 1):
                    for n3 in range(-m[2], m[2] + 1):
                        if i == j and (n1 < 0 or (n1 == 0 and (n2 < 0 or (n2 == 0 and n3 <= 0)))):
                            continue
                        k = _try_add(i, j, n1, n2, n3, s, rad, h, skin, k, new, old)
    return k


@njit(cache=True)
def build_pairs(s, rad, h, skin, q, npairs):
    """Rebuild the pair list of one RVE in place.

    s: (N, 3) fractional positions (wrapped into [0, 1) here); rad: (N,) [m];
    h: (3, 3) cell [m]; skin [m]; q: the RVE's
    :class:`~mslearn.micro.dem.sphere3d.arrays.Pairs` (i, j, shift, fs, mr
    rewritten; fn, flag, count untouched); npairs: current count. Returns the
    new count, or -needed when the capacity is too small (list and positions
    then unchanged apart from the wrap, which is consistent)."""
    cap = q.i.shape[0]
    old = _old_list(q, npairs, _wrap(s))
    new = _PairList(old.start, np.empty(cap, dtype=np.int32), np.empty(cap, dtype=np.int32),
                    np.empty((cap, 3), dtype=np.int32), np.empty((cap, 3)),
                    np.empty((cap, 3)))  # fmt: skip
    rmax = 0.0
    for i in range(s.shape[0]):
        rmax = max(rmax, rad[i])
    cutoff = 2.0 * rmax + skin
    ht = heights(h)
    g = np.empty(3, dtype=np.int64)
    m = np.empty(3, dtype=np.int64)
    for a in range(3):
        g[a] = int(ht[a] / cutoff)
        m[a] = int(math.ceil(cutoff / ht[a])) + 1
    if g.min() >= 3:
        k = _cell_list_search(s, rad, h, skin, g, new, old)
    else:
        k = _all_images_search(s, rad, h, skin, m, new, old)
    if k > cap:
        return -k  # the old list stays (its shifts already follow the wrapped s)
    for c in range(k):
        q.i[c] = new.i[c]
        q.j[c] = new.j[c]
        for a in range(3):
            q.shift[c, a] = new.shift[c, a]
            q.fs[c, a] = new.fs[c, a]
            q.mr[c, a] = new.mr[c, a]
    return k
