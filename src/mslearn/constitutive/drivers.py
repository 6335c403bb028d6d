"""Element tests for any constitutive model: triaxial (3D) and biaxial (2D plane strain),
drained or undrained, strain- or stress-controlled.

Everything goes through the FEM seam (:class:`TorchMaterial` + the mixed-control
driver of :mod:`mslearn.materials.driver`), so the tests exercise exactly what
a BVP sees. Results are tension positive (SI); ``axial`` is component 11 in 3D
and 22 in 2D (the biaxial specimen is loaded vertically), lateral stresses are
held at -p0 in drained tests; undrained = isochoric (eps_v = 0, the lateral
strains follow the axial one). Stress control prescribes the axial stress
(compression, from -p0 to -(p0 + dq_max)) instead of the axial strain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from mslearn.constitutive.integrate import IntegrationOptions
from mslearn.constitutive.material import TorchMaterial
from mslearn.constitutive.models.base import Model
from mslearn.materials.driver import drive_mixed


@dataclass
class ElementTestResult:
    """Histories of one element test, row 0 the isotropic start state.

    strain, stress: (n_steps + 1, nv) tension positive, Voigt 3D (triaxial) or
    plane strain [11, 22, 12] (biaxial), engineering shear, stress [Pa].
    p, q: (n_steps + 1,) mean stress (with sigma_33 in plane strain) and
    deviatoric stress sigma_axial - sigma_lateral, compression positive [Pa].
    eps_axial, eps_vol: (n_steps + 1,) axial and volumetric strain,
    compression positive.
    """

    strain: np.ndarray
    stress: np.ndarray
    p: np.ndarray
    q: np.ndarray
    eps_axial: np.ndarray
    eps_vol: np.ndarray


def element_test(
    model: Model,
    params: dict[str, float] | None = None,
    p0: float = 100e3,
    test: Literal["triaxial", "biaxial"] = "triaxial",
    drainage: Literal["drained", "undrained"] = "drained",
    control: Literal["strain", "stress"] = "strain",
    target: float = 0.1,
    n_steps: int = 100,
    options: IntegrationOptions | None = None,
) -> ElementTestResult:
    """Run one element test of ``model`` from the isotropic state p0 [Pa] in ``n_steps`` steps.

    ``params`` overrides the model defaults by name. ``target``: final axial
    shortening (strain control) or deviatoric stress increment [Pa] (stress
    control), reached linearly. Undrained tests must be strain controlled
    (a ValueError otherwise). ``options`` defaults to linear sub-stepping with
    eps_ref = 2e-3.
    """
    dim = 3 if test == "triaxial" else 2
    nv = 6 if dim == 3 else 3
    ax = 0 if dim == 3 else 1
    lat = [1, 2] if dim == 3 else [0]
    opts = options or IntegrationOptions(eps_ref=2e-3, substep_rule="linear")
    mat = TorchMaterial(model, params, 1, dim=dim, initial_pressure=p0, options=opts)
    frac = np.linspace(0.0, 1.0, n_steps + 1)[1:]
    et = np.zeros((n_steps, nv))
    st = np.zeros((n_steps, nv))
    mask = np.ones(nv, bool)  # shear stresses held at 0
    st[:, lat] = -p0
    if drainage == "undrained":
        if control == "stress":
            raise ValueError("undrained tests are strain controlled (isochoric)")
        et[:, ax] = -target * frac
        et[:, lat] = (target * frac / len(lat))[:, None]
        mask[[ax, *lat]] = False
    elif control == "strain":
        et[:, ax] = -target * frac
        mask[ax] = False
    else:
        st[:, ax] = -(p0 + target * frac)
    rec = _Recorder(mat)
    res = drive_mixed(rec, et, st, mask)
    eps, sig = res.strain[:, 0], res.stress[:, 0]
    s33 = np.array(rec.stress_33) if dim == 2 else sig[:, 2]
    p = -(sig[:, 0] + sig[:, 1] + s33) / 3.0
    q = -(sig[:, ax] - sig[:, lat[0]])
    ev = -eps[:, :3].sum(1) if dim == 3 else -(eps[:, 0] + eps[:, 1])
    return ElementTestResult(eps, sig, p, q, -eps[:, ax], ev)


class _Recorder:
    """Wraps a TorchMaterial and keeps sigma_33 of every committed step (plane strain)."""

    def __init__(self, mat: TorchMaterial) -> None:
        self.mat, self.n_points, self.n_voigt = mat, mat.n_points, mat.n_voigt
        self.stress_33 = [-float(mat._state.sigma[0, 2])]
        self._last = None

    def trial(self, strain):
        """The wrapped material's trial response (kept to record sigma_33 on commit)."""
        r = self.mat.trial(strain)
        self._last = r
        return r

    def commit(self) -> None:
        """Commit the wrapped material and record its out-of-plane stress sigma_33 [Pa]."""
        self.mat.commit()
        if self._last is not None and "stress_33" in self._last.extras:
            self.stress_33.append(float(self._last.extras["stress_33"][0]))

    def state_dict(self):
        """The wrapped material's committed state."""
        return self.mat.state_dict()

    def load_state_dict(self, state) -> None:
        """Restore the wrapped material's committed state."""
        self.mat.load_state_dict(state)
