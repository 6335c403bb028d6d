"""Accuracy of a predicted stress path (seed 001 Sec. 3.2).

* MAE of path j (seed 001 Eq. 3): mean over its points of |y_true - y_pred|.
* Score of path j — seed 001 takes it from Qu et al. (2021a) without a
  formula; our definition: the fraction of the path's points whose absolute
  error is within ``tol`` times the path's largest |y_true|
  (``tol`` = 0.05 by default). It is 1.0 ("full score") when every point is
  within 5 % of the path's peak, and falls as a mispredicted loop or peak
  grows; it is read together with the MAE, as in seed 001 Tables 4-5.

Arrays: y_true, y_pred (n_paths, T); mask (n_paths, T) marks the real points
of padded paths.
"""

from __future__ import annotations

import numpy as np


def _mask(y: np.ndarray, mask) -> np.ndarray:
    return np.ones(y.shape, bool) if mask is None else np.asarray(mask, bool)


def path_mae(y_true, y_pred, mask=None) -> np.ndarray:
    """(n_paths,) seed 001 Eq. 3."""
    y_true, y_pred = np.atleast_2d(y_true), np.atleast_2d(y_pred)
    m = _mask(y_true, mask)
    err = np.where(m, np.abs(y_true - y_pred), 0.0)
    return err.sum(axis=1) / np.maximum(m.sum(axis=1), 1)


def path_score(y_true, y_pred, mask=None, tol: float = 0.05) -> np.ndarray:
    """(n_paths,) fraction of points with |error| <= tol * max|y_true| of the path."""
    y_true, y_pred = np.atleast_2d(y_true), np.atleast_2d(y_pred)
    m = _mask(y_true, mask)
    scale = np.where(m, np.abs(y_true), 0.0).max(axis=1, keepdims=True)
    ok = (np.abs(y_true - y_pred) <= tol * scale) & m
    return ok.sum(axis=1) / np.maximum(m.sum(axis=1), 1)
