"""How smooth is the calibration loss in a parameter? (soft gate vs hard switch, seed 003 Sec. 3.2)

Along a 1D sweep phi_j = phi_true (1 + t), t in [-span, span], we evaluate the
Eq. 17 stress loss and its autograd derivative dL/dphi. The hard switch
(delta_r = 0) makes r_mid only C0 in the state, so dL/dphi jumps wherever a
sub-step changes case (inside / crossing / outside); the Hermite gate makes it
C1. Measure: the *gradient roughness*
    R = sum_i |g_{i+1} - 2 g_i + g_{i-1}| / sum_i |g_{i+1} - g_i|
(1 for a monotone-slope gradient, larger when the gradient zig-zags), and the
number of sign changes of the second difference of g.
"""

from __future__ import annotations

import numpy as np
import torch

from mslearn.calibration.calibrate import Batch, predict, stress_loss
from mslearn.constitutive.integrate import IntegrationOptions
from mslearn.constitutive.material import params_as_tensors
from mslearn.constitutive.models.base import Model
from mslearn.data.sequences import SequenceDataset


def loss_sweep(
    model: Model,
    data: SequenceDataset,
    name: str,
    delta_r: float,
    span: float = 0.05,
    n: int = 81,
    eps_ref: float = 2e-3,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(t, loss, dloss/dphi) along phi_name = true (1 + t)."""
    truth = data.attrs["true_params"]
    batch = Batch.from_dataset(data)
    opts = IntegrationOptions(delta_r=delta_r, eps_ref=eps_ref, substep_rule="linear")
    ts = np.linspace(-span, span, n)
    losses, grads = [], []
    for t in ts:
        prm = params_as_tensors(model, truth)
        v = torch.tensor(truth[name] * (1 + t), dtype=torch.float64, requires_grad=True)
        prm[name] = v
        loss = stress_loss(predict(model, prm, batch, opts), batch.target)
        (g,) = torch.autograd.grad(loss, v)
        losses.append(float(loss.detach()))
        grads.append(float(g))
    return ts, np.array(losses), np.array(grads)


def roughness(g: np.ndarray) -> tuple[float, int]:
    """(R, sign changes of the second difference) of a sampled gradient curve."""
    d1, d2 = np.diff(g), np.diff(g, 2)
    r = float(np.abs(d2).sum() / max(np.abs(d1).sum(), 1e-300))
    return r, int((np.diff(np.sign(d2[np.abs(d2) > 0])) != 0).sum())
