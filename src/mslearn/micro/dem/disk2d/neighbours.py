"""Verlet half-list of particle pairs from a cell list in fractional coordinates.

A pair is ``(i, j, n)`` with ``i <= j`` and an integer image shift ``n`` (2,):
the branch vector is ``d = h (s_j - s_i + n)``. The fractional grid has
``n_a = floor(height_a / cutoff)`` cells along axis a, where ``height_a`` is
the distance between the cell faces ``s_a = 0`` and ``s_a = 1``
(``|det h| / |other edge|``). Two points closer than ``cutoff`` then differ by
at most ``1 / n_a`` in ``s_a`` whatever the shear of ``h``, so the 3x3 stencil
never loses a pair. When a grid axis has fewer than 3 cells (tiny or extremely
sheared cells) an all-pairs search over every image within the cutoff is used.

Tangential history (``fs``) is carried to the new list by matching
``(i, j, n)`` after the wrap of fractional coordinates into [0, 1).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from mslearn.micro.dem.disk2d.arrays import BORROWS


@njit(cache=True, **BORROWS)
def _heights(h):
    area = abs(h[0, 0] * h[1, 1] - h[0, 1] * h[1, 0])
    l1 = math.sqrt(h[0, 0] ** 2 + h[1, 0] ** 2)
    l2 = math.sqrt(h[0, 1] ** 2 + h[1, 1] ** 2)
    return area / l2, area / l1  # height along s1, along s2


class _PairList(NamedTuple):
    """A pair list being read (the old one, grouped by i: ``start`` (N + 1,)) or written."""

    start: np.ndarray  # (N + 1,) int64 first slot of each i (old list only)
    i: np.ndarray  # (cap,) int32
    j: np.ndarray  # (cap,) int32
    shift: np.ndarray  # (cap, 2) int32
    fs: np.ndarray  # (cap,) tangential spring [N]
    mr: np.ndarray  # (cap,) rolling moment [N m]


@njit(cache=True, **BORROWS)
def _try_add(i, j, n1, n2, s, rad, h, skin, k, new, old):
    """Append pair (i, j, n) at slot k if within the cutoff, carrying its history
    from ``old``; returns the next slot (counts on beyond the capacity)."""
    d1 = s[j, 0] - s[i, 0] + n1
    d2 = s[j, 1] - s[i, 1] + n2
    x = h[0, 0] * d1 + h[0, 1] * d2
    y = h[1, 0] * d1 + h[1, 1] * d2
    rc = rad[i] + rad[j] + skin
    if x * x + y * y >= rc * rc:
        return k
    if k < new.i.shape[0]:
        new.i[k] = i
        new.j[k] = j
        new.shift[k, 0] = n1
        new.shift[k, 1] = n2
        f = 0.0
        m = 0.0
        for q in range(old.start[i], old.start[i + 1]):
            if old.j[q] == j and old.shift[q, 0] == n1 and old.shift[q, 1] == n2:
                f = old.fs[q]
                m = old.mr[q]
                break
        new.fs[k] = f
        new.mr[k] = m
    return k + 1


@njit(cache=True)
def _wrap(s):
    """Wrap fractional positions into [0, 1) in place; returns the integer wraps (N, 2)."""
    nP = s.shape[0]
    w = np.zeros((nP, 2), dtype=np.int32)
    for i in range(nP):
        for a in range(2):
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
        q.shift[c, 0] += wrap[b, 0] - wrap[a, 0]
        q.shift[c, 1] += wrap[b, 1] - wrap[a, 1]
        start[a + 1] += 1
    for i in range(nP):
        start[i + 1] += start[i]
    # the old list is grouped by i (built in ascending i)
    return _PairList(start, q.i[:npairs].copy(), q.j[:npairs].copy(), q.shift[:npairs].copy(),
                     q.fs[:npairs].copy(), q.mr[:npairs].copy())  # fmt: skip


@njit(cache=True)
def _cell_list_search(s, rad, h, skin, g1, g2, new, old):
    """Half list from a (g1, g2) grid in fractional coordinates (3 x 3 stencil)."""
    nP = s.shape[0]
    head = -np.ones(g1 * g2, dtype=np.int64)
    nxt = -np.ones(nP, dtype=np.int64)
    cx = np.empty(nP, dtype=np.int64)
    cy = np.empty(nP, dtype=np.int64)
    for i in range(nP - 1, -1, -1):
        a = min(int(s[i, 0] * g1), g1 - 1)
        b = min(int(s[i, 1] * g2), g2 - 1)
        cx[i] = a
        cy[i] = b
        c = a * g2 + b
        nxt[i] = head[c]
        head[c] = i
    k = 0
    for i in range(nP):
        for da in range(-1, 2):
            a = cx[i] + da
            n1 = 0
            if a < 0:
                a += g1
                n1 = -1
            elif a >= g1:
                a -= g1
                n1 = 1
            for db in range(-1, 2):
                b = cy[i] + db
                n2 = 0
                if b < 0:
                    b += g2
                    n2 = -1
                elif b >= g2:
                    b -= g2
                    n2 = 1
                j = head[a * g2 + b]
                while j >= 0:
                    if j > i:
                        k = _try_add(i, j, n1, n2, s, rad, h, skin, k, new, old)
                    j = nxt[j]
    return k


@njit(cache=True, **BORROWS)
def _all_images_search(s, rad, h, skin, m1, m2, new, old):
    """Half list over every image within (m1, m2) cell shifts (tiny or sheared cells)."""
    nP = s.shape[0]
    k = 0
    for i in range(nP):
        for j in range(i, nP):
            for n1 in range(-m1, m1 + 1):
                for n2 in range(-m2, m2 + 1):
                    if i == j and (n1 < 0 or (n1 == 0 and n2 <= 0)):
                        continue
                    k = _try_add(i, j, n1, n2, s, rad, h, skin, k, new, old)
    return k


@njit(cache=True)
def build_pairs(s, rad, h, skin, q, npairs):
    """Rebuild the pair list of one RVE in place.

    s: (N, 2) fractional positions (wrapped into [0, 1) here); rad: (N,) [m];
    h: (2, 2) cell [m]; skin [m]; q: the RVE's
    :class:`~mslearn.micro.dem.disk2d.arrays.Pairs` (i, j, shift, fs, mr of
    capacity ``cap`` are rewritten; fn, flag, count are not touched);
    npairs: current count. Returns the new count, or -needed when ``cap`` is
    too small (list and positions then unchanged apart from the wrap, which
    is consistent).
    """
    nP = s.shape[0]
    cap = q.i.shape[0]
    old = _old_list(q, npairs, _wrap(s))
    new = _PairList(old.start, np.empty(cap, dtype=np.int32), np.empty(cap, dtype=np.int32),
                    np.empty((cap, 2), dtype=np.int32), np.empty(cap), np.empty(cap))  # fmt: skip
    rmax = 0.0
    for i in range(nP):
        rmax = max(rmax, rad[i])
    cutoff = 2.0 * rmax + skin
    ht1, ht2 = _heights(h)
    g1 = int(ht1 / cutoff)
    g2 = int(ht2 / cutoff)
    if g1 >= 3 and g2 >= 3:
        k = _cell_list_search(s, rad, h, skin, g1, g2, new, old)
    else:
        m1 = int(math.ceil(cutoff / ht1)) + 1
        m2 = int(math.ceil(cutoff / ht2)) + 1
        k = _all_images_search(s, rad, h, skin, m1, m2, new, old)
    if k > cap:
        return -k  # the old list stays (its shifts already follow the wrapped s)
    for c in range(k):
        q.i[c] = new.i[c]
        q.j[c] = new.j[c]
        q.shift[c, 0] = new.shift[c, 0]
        q.shift[c, 1] = new.shift[c, 1]
        q.fs[c] = new.fs[c]
        q.mr[c] = new.mr[c]
    return k
