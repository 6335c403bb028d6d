"""Synthetic sequence datasets with known truth.

* :func:`dh_triaxial` — seed 002 Sec. 3.2.1: stress-controlled conventional
  triaxial compression of the DH model (Appendix A) integrated explicitly in
  p-q space (its Algorithm 1: d lambda = (f_p dp + f_q dq)/Hp, Eq. A-9), steps
  dp = 0.3 kPa, dq = 0.9 kPa, until eps_q > 0.25 or 2500 steps, for ``n_paths``
  confining pressures increasing linearly (default 450 from 50 kPa to 1 MPa).
  Paths that stop early are padded by holding their last state (zero
  increments, which every strain-driven model also maps to zero stress
  change); ``valid_steps`` records each path's length.
* :func:`strain_paths` / :func:`model_dataset` — strain-driven histories
  (triaxial, isotropic with unloading, extension, plane-strain shear, random
  walks) through any torch model, for calibration with known parameters.
Datasets are tension positive, SI, 3D Voigt unless ``dim=2``.
"""

from __future__ import annotations

import numpy as np
import torch

from mslearn.constitutive.integrate import IntegrationOptions, integrate_path
from mslearn.constitutive.material import params_as_tensors, project
from mslearn.constitutive.models import DeviatoricHardening
from mslearn.constitutive.models.base import Model
from mslearn.constitutive.models.dh import P_ATM
from mslearn.core.voigt import n_voigt
from mslearn.data.sequences import SequenceDataset


def dh_triaxial(
    n_paths: int = 450,
    p_min: float = 50e3,
    p_max: float = 1000e3,
    dp: float = 300.0,
    dq: float = 900.0,
    max_steps: int = 2500,
    eps_q_max: float = 0.25,
    params: dict[str, float] | None = None,
) -> SequenceDataset:
    """DH stress-controlled CTC sequences (paths, steps, 6), tension positive."""
    prm = {**DeviatoricHardening().defaults(), **(params or {})}
    ef, ec, a = prm["eta_f"], prm["eta_c"], prm["A"]
    k0, g0, n = prm["K0"], prm["G0"], prm["n"]
    p0 = np.linspace(p_min, p_max, n_paths)
    p, q = p0.copy(), np.zeros(n_paths)
    ev, eq, eqp = np.zeros(n_paths), np.zeros(n_paths), np.zeros(n_paths)
    active = np.ones(n_paths, bool)
    valid = np.full(n_paths, max_steps)
    strain = np.zeros((n_paths, max_steps, 6))
    stress = np.zeros((n_paths, max_steps, 6))
    for k in range(max_steps):
        eta = ef * eqp / (a + eqp)
        bulk = k0 * P_ATM * (p / P_ATM) ** n
        shear = g0 * P_ATM * (np.maximum(p - q / 3.0, 1e-3 * p) / P_ATM) ** n
        hp = p * ef * a / (a + eqp) ** 2
        dlam = np.maximum((-eta * dp + dq) / hp, 0.0)
        d_ev = dp / bulk + dlam * (ec - eta)
        d_eq = dq / (3.0 * shear) + dlam
        step = active.astype(float)
        p, q = p + step * dp, q + step * dq
        ev, eq, eqp = ev + step * d_ev, eq + step * d_eq, eqp + step * dlam
        # compression positive principal values -> tension-positive Voigt
        strain[:, k, 0] = -(ev / 3.0 + eq)
        strain[:, k, 1] = strain[:, k, 2] = -(ev / 3.0 - eq / 2.0)
        stress[:, k, 0] = -(p + 2.0 * q / 3.0)
        stress[:, k, 1] = stress[:, k, 2] = -(p - q / 3.0)
        done = active & (eq > eps_q_max)
        valid[done] = k + 1
        active &= ~done
        if not active.any():
            strain, stress = strain[:, : k + 1], stress[:, : k + 1]
            break
    attrs = {
        "source": "deviatoric hardening model, stress-controlled conventional triaxial",
        "reference": "seed 002 Sec. 3.2.1, Appendix A",
        "config": {
            "model": "dh",
            "params": prm,
            "dp": dp,
            "dq": dq,
            "max_steps": max_steps,
            "eps_q_max": eps_q_max,
            "p_min": p_min,
            "p_max": p_max,
        },
        "true_params": prm,
        "model": "dh",
        "padding": "paths hold their last state after valid_steps",
    }
    ds = SequenceDataset(strain, stress, np.arange(1, strain.shape[1] + 1.0), p0, attrs)
    ds.attrs["valid_steps"] = valid.tolist()
    return ds


def strain_paths(n_paths: int, n_steps: int, eps_max: float, seed: int = 0) -> torch.Tensor:
    """(n, S, 6) compression-positive strain histories cycling through five families:
    undrained TC, drained-like TC, isotropic loading-unloading, extension,
    plane-strain shear; each scaled by a seeded random factor in [0.5, 1]."""
    rng = np.random.default_rng(seed)
    t = torch.linspace(0, 1, n_steps + 1, dtype=torch.float64)[1:]
    out = torch.zeros(n_paths, n_steps, 6, dtype=torch.float64)
    for i in range(n_paths):
        a = eps_max * float(rng.uniform(0.5, 1.0)) * t
        fam = i % 5
        if fam == 0:
            out[i, :, 0], out[i, :, 1], out[i, :, 2] = a, -a / 2, -a / 2
        elif fam == 1:
            out[i, :, 0], out[i, :, 1], out[i, :, 2] = a, -0.3 * a, -0.3 * a
        elif fam == 2:
            w = 0.5 * torch.where(t < 0.5, a, a[-1] - a)
            out[i, :, 0] = out[i, :, 1] = out[i, :, 2] = w
        elif fam == 3:
            out[i, :, 0], out[i, :, 1], out[i, :, 2] = a / 4, a / 4, -a / 2
        else:
            out[i, :, 0], out[i, :, 1], out[i, :, 5] = a, -0.8 * a, 0.5 * a
    return out


def model_dataset(
    model: Model,
    params: dict[str, float] | None = None,
    n_paths: int = 10,
    n_steps: int = 30,
    eps_max: float = 0.1,
    pressures: tuple[float, ...] = (80e3, 200e3),
    seed: int = 0,
    options: IntegrationOptions | None = None,
    dim: int = 3,
) -> SequenceDataset:
    """Strain-driven histories through ``model`` with known ``params`` (recorded as
    ``true_params``); initial pressures cycle through ``pressures``."""
    prm = params_as_tensors(model, params)
    strain = strain_paths(n_paths, n_steps, eps_max, seed)
    if dim == 2:  # plane strain: keep only the in-plane families, zero eps_33
        strain[:, :, 2:5] = 0.0
    p0 = torch.tensor([pressures[i % len(pressures)] for i in range(n_paths)], dtype=torch.float64)
    opts = options or IntegrationOptions(eps_ref=2e-3, substep_rule="linear")
    with torch.no_grad():
        sig = integrate_path(model, prm, strain, p0, opts).stress
    nv = n_voigt(dim)
    attrs = {
        "model": model.name,
        "true_params": {k: float(v) for k, v in prm.items()},
        "config": {"n_paths": n_paths, "n_steps": n_steps, "eps_max": eps_max, "seed": seed},
    }
    return SequenceDataset(
        -project(strain, nv).numpy(),
        -project(sig, nv).numpy(),
        np.arange(1, n_steps + 1.0),
        p0.numpy(),
        attrs,
    )


def main() -> None:
    """``python -m mslearn.calibration.synthetic OUT [--paths 450]``: write the DH dataset."""
    import argparse

    from mslearn.data.sequences import save

    ap = argparse.ArgumentParser(description="DH stress-controlled triaxial dataset (seed 002)")
    ap.add_argument("out", help="output .npz or Zarr directory")
    ap.add_argument("--paths", type=int, default=450)
    ap.add_argument("--p-min", type=float, default=50e3)
    ap.add_argument("--p-max", type=float, default=1000e3)
    a = ap.parse_args()
    ds = dh_triaxial(a.paths, a.p_min, a.p_max)
    print(save(ds, a.out), ds.strain.shape)


if __name__ == "__main__":
    main()
