"""Shared loading paths (compression positive, 3D Voigt, float64)."""

from __future__ import annotations

import torch

D = torch.float64


def triaxial_undrained(n_steps: int, eps_a: float) -> torch.Tensor:
    """(1, S, 6) isochoric triaxial compression: eps = (a, -a/2, -a/2)."""
    a = torch.linspace(0, eps_a, n_steps + 1, dtype=D)[1:]
    s = torch.zeros(1, n_steps, 6, dtype=D)
    s[0, :, 0], s[0, :, 1], s[0, :, 2] = a, -a / 2, -a / 2
    return s


def mixed_paths(n_steps: int, eps_max: float = 0.02) -> torch.Tensor:
    """(3, S, 6) three strain paths: undrained TC, drained-like TC with
    compaction, plane-strain shear with rotation and an unload-reload."""
    t = torch.linspace(0, 1, n_steps + 1, dtype=D)[1:]
    s = torch.zeros(3, n_steps, 6, dtype=D)
    a = eps_max * t
    s[0, :, 0], s[0, :, 1], s[0, :, 2] = a, -a / 2, -a / 2
    s[1, :, 0], s[1, :, 1], s[1, :, 2] = a, -0.2 * a, -0.2 * a
    w = eps_max * torch.where(t < 0.6, t, 1.2 - t)  # loading then unloading
    s[2, :, 0], s[2, :, 1], s[2, :, 5] = w, -0.8 * w, 0.5 * w
    return s
