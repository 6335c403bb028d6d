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

import numpy as np
from numba import njit


@njit(cache=True)
def _heights(h):
    area = abs(h[0, 0] * h[1, 1] - h[0, 1] * h[1, 0])
    l1 = math.sqrt(h[0, 0] ** 2 + h[1, 0] ** 2)
    l2 = math.sqrt(h[0, 1] ** 2 + h[1, 1] ** 2)
    return area / l2, area / l1  # height along s1, along s2


@njit(cache=True)
def _try_add(
    i, j, n1, n2, s, rad, h, skin, k, cap, ni, nj, nn, nfs, nmr, old_start, oi_j, on, ofs, omr
):  # fmt: skip
    d1 = s[j, 0] - s[i, 0] + n1
    d2 = s[j, 1] - s[i, 1] + n2
    x = h[0, 0] * d1 + h[0, 1] * d2
    y = h[1, 0] * d1 + h[1, 1] * d2
    rc = rad[i] + rad[j] + skin
    if x * x + y * y >= rc * rc:
        return k
    if k < cap:
        ni[k] = i
        nj[k] = j
        nn[k, 0] = n1
        nn[k, 1] = n2
        f = 0.0
        m = 0.0
        for q in range(old_start[i], old_start[i + 1]):
            if oi_j[q] == j and on[q, 0] == n1 and on[q, 1] == n2:
                f = ofs[q]
                m = omr[q]
                break
        nfs[k] = f
        nmr[k] = m
    return k + 1


@njit(cache=True)
def build_pairs(s, rad, h, skin, pi, pj, pn, pfs, pmr, npairs):
    """Rebuild the pair list of one RVE in place.

    s: (N, 2) fractional positions (wrapped into [0, 1) here); rad: (N,);
    h: (2, 2) cell; skin [m]; pi, pj: (cap,) int32; pn: (cap, 2) int32;
    pfs, pmr: (cap,) tangential force and rolling moment histories;
    npairs: current count.
    Returns the new count, or -needed when ``cap`` is too small (list and
    positions then unchanged apart from the wrap, which is consistent).
    """
    nP = s.shape[0]
    cap = pi.shape[0]
    # wrap positions, keep old pairs consistent
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
    old_start = np.zeros(nP + 1, dtype=np.int64)
    for q in range(npairs):
        a = pi[q]
        b = pj[q]
        pn[q, 0] += w[b, 0] - w[a, 0]
        pn[q, 1] += w[b, 1] - w[a, 1]
        old_start[a + 1] += 1
    for i in range(nP):
        old_start[i + 1] += old_start[i]
    # old list is grouped by i (built in ascending i); copy it aside
    oj = pj[:npairs].copy()
    on = pn[:npairs].copy()
    ofs = pfs[:npairs].copy()
    omr = pmr[:npairs].copy()
    ni = np.empty(cap, dtype=np.int32)
    nj = np.empty(cap, dtype=np.int32)
    nn = np.empty((cap, 2), dtype=np.int32)
    nfs = np.empty(cap)
    nmr = np.empty(cap)

    rmax = 0.0
    for i in range(nP):
        rmax = max(rmax, rad[i])
    cutoff = 2.0 * rmax + skin
    ht1, ht2 = _heights(h)
    g1 = int(ht1 / cutoff)
    g2 = int(ht2 / cutoff)
    k = 0
    if g1 >= 3 and g2 >= 3:
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
                            k = _try_add(
                                i, j, n1, n2, s, rad, h, skin, k, cap, ni, nj, nn, nfs, nmr,
                                old_start, oj, on, ofs, omr,
                            )  # fmt: skip
                        j = nxt[j]
    else:
        m1 = int(math.ceil(cutoff / ht1)) + 1
        m2 = int(math.ceil(cutoff / ht2)) + 1
        for i in range(nP):
            for j in range(i, nP):
                for n1 in range(-m1, m1 + 1):
                    for n2 in range(-m2, m2 + 1):
                        if i == j and (n1 < 0 or (n1 == 0 and n2 <= 0)):
                            continue
                        k = _try_add(
                            i, j, n1, n2, s, rad, h, skin, k, cap, ni, nj, nn, nfs, nmr,
                            old_start, oj, on, ofs, omr,
                        )  # fmt: skip
    if k > cap:
        # restore old pair list (shifts already consistent with wrapped s)
        return -k
    for q in range(k):
        pi[q] = ni[q]
        pj[q] = nj[q]
        pn[q, 0] = nn[q, 0]
        pn[q, 1] = nn[q, 1]
        pfs[q] = nfs[q]
        pmr[q] = nmr[q]
    return k
