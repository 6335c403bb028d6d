"""Gradients through a whole integrated path vs central finite differences (float64)."""

from __future__ import annotations

import pytest
import torch

from mslearn.constitutive.integrate import IntegrationOptions, integrate_path
from mslearn.constitutive.lode import LodeOptions
from mslearn.constitutive.material import params_as_tensors
from mslearn.constitutive.models import CSUH, DeviatoricHardening, EnhancedIME, ModifiedCamClay

from .helpers import D, mixed_paths

P0 = torch.tensor([80e3, 100e3, 150e3], dtype=D)
OPTS = IntegrationOptions(delta_r=0.03, eps_ref=2e-3, substep_rule="linear")


def _loss(model, prm, path, weights):
    res = integrate_path(model, prm, path, P0, OPTS)
    return (res.stress * weights).sum() / 1e5


@pytest.mark.parametrize(
    "model, overrides",
    [
        (ModifiedCamClay(), None),
        (ModifiedCamClay(initial_state="void"), {"N": 1.45}),
        (CSUH(LodeOptions("exponential")), None),
        (CSUH(LodeOptions("none")), None),
        (CSUH(LodeOptions("ts")), None),
        (DeviatoricHardening(), None),
        (EnhancedIME(), None),
    ],
    ids=["mcc", "mcc-void", "csuh-exp", "csuh-none", "csuh-ts", "dh", "ime"],
)
def test_path_gradient_matches_central_differences(model, overrides):
    """Every parameter; unused ones (N in NC MCC) must have zero FD slope too."""
    path = mixed_paths(12, 0.02)
    weights = torch.linspace(0.5, 1.5, path.numel(), dtype=D).reshape(path.shape)
    base = params_as_tensors(model, overrides)
    prm = {k: v.clone().requires_grad_(True) for k, v in base.items()}
    loss = _loss(model, prm, path, weights)
    grads = torch.autograd.grad(loss, list(prm.values()), allow_unused=True)
    for (name, v0), g in zip(base.items(), grads, strict=True):
        h = 1e-6 * abs(float(v0))
        with torch.no_grad():
            up = _loss(model, {**base, name: v0 + h}, path, weights)
            dn = _loss(model, {**base, name: v0 - h}, path, weights)
        fd = float(up - dn) / (2 * h)
        g = 0.0 if g is None else float(g)
        scale = max(abs(fd), 1e-8 * float(loss.detach().abs()))
        assert abs(g - fd) <= 1e-6 * scale, (name, g, fd)
