"""A phenomenological torch model as a FEM material (the MaterialModel seam).

Conversion at the boundary: the FEM speaks tension positive, Voigt 2D
``[11, 22, 12]`` (plane strain, eps_33 = 0) or 3D ``[11, 22, 33, 23, 13, 12]``;
the models work compression positive in 3D. ``trial`` integrates the strain
increment from the committed state with Algorithm 2 and returns, with
``tangent="consistent"``, the consistent (algorithmic) tangent
d sigma_{n+1} / d eps_{n+1} of the sub-stepped update, obtained exactly by
reverse-mode autograd (nv passes); with ``tangent="continuum"`` (default,
cheaper) the continuum elastoplastic tangent D - (D b)(a D)/(a D b + Hp) at
the end state; both are declared ``kind = "tangent"``. ``tangent="elastic"``
returns D^e (kind "secant").
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch

from mslearn.constitutive.integrate import (
    IntegrationOptions,
    PointState,
    continuum_tangent,
    initial_state,
    integrate_increment,
)
from mslearn.constitutive.invariants import PLANE_IDX, elastic_matrix, mean_stress
from mslearn.constitutive.models.base import Model
from mslearn.core.errors import MslearnInputError
from mslearn.materials.base import MaterialFeatures, MaterialResponse, check_strain


def params_as_tensors(model: Model, values: dict[str, float] | None) -> dict[str, torch.Tensor]:
    """Model defaults overridden by ``values``; unknown names are an input error."""
    merged = model.defaults()
    for k, v in (values or {}).items():
        if k not in merged:
            raise MslearnInputError(
                f"parameter {k!r} is not a {model.name} parameter; expected one of {sorted(merged)}"
            )
        merged[k] = float(v)
    return {k: torch.tensor(v, dtype=torch.float64) for k, v in merged.items()}


def embed(x: torch.Tensor) -> torch.Tensor:
    """(n, 3) plane-strain Voigt -> (n, 6) 3D Voigt (zeros elsewhere); 3D unchanged."""
    if x.shape[-1] == 6:
        return x
    z = torch.zeros_like(x[..., 0])
    return torch.stack([x[..., 0], x[..., 1], z, z, z, x[..., 2]], -1)


def project(x6: torch.Tensor, nv: int) -> torch.Tensor:
    """(n, 6) 3D Voigt -> (n, nv): the plane-strain components [11, 22, 12] if nv == 3."""
    return x6[..., list(PLANE_IDX)] if nv == 3 else x6


class TorchMaterial:
    """``n_points`` Gauss points of a :class:`Model` with trial/commit semantics.

    ``params`` overrides the model defaults by name; ``dim`` 2 (plane strain)
    or 3; ``initial_pressure`` p0 > 0 [Pa] sets the isotropic start state
    sigma = -p0 I (tension positive); ``options`` the stress-point
    integration; ``tangent`` the stiffness returned (module docstring).
    Extras of every response: the model's internal variables, "p" (mean
    stress, compression positive [Pa]) and, in 2D, "stress_33".
    """

    def __init__(
        self,
        model: Model,
        params: dict[str, float] | None,
        n_points: int,
        dim: int = 2,
        initial_pressure: float = 100e3,
        options: IntegrationOptions | None = None,
        tangent: Literal["consistent", "continuum", "elastic"] = "continuum",
    ) -> None:
        if initial_pressure <= 0:
            raise MslearnInputError(
                f"initial_pressure is {initial_pressure}; expected > 0 [Pa] "
                f"({model.name} is pressure dependent)"
            )
        self.model, self.dim = model, dim
        stiffness = "secant" if tangent == "elastic" else "tangent"
        self.features = MaterialFeatures(dim, tangent=stiffness, history=True)
        self.n_points, self.n_voigt = int(n_points), self.features.n_voigt
        self.params = params_as_tensors(model, params)
        self.options = options or IntegrationOptions()
        self.tangent = tangent
        self.ctx = model.prepare(self.params)
        p0 = torch.full((self.n_points,), float(initial_pressure), dtype=torch.float64)
        self._state = initial_state(model, self.params, self.ctx, p0)
        self._strain = np.zeros((self.n_points, self.n_voigt))
        self._trial: tuple[PointState, np.ndarray] | None = None

    def _response(self, state: PointState, stiff: np.ndarray, kind) -> MaterialResponse:
        sig = -state.sigma.detach()
        extras = {k: v.detach().numpy().copy() for k, v in state.internal.items()}
        extras["p"] = mean_stress(state.sigma.detach()).numpy().copy()
        if self.dim == 2:
            extras["stress_33"] = sig[:, 2].numpy().copy()
        return MaterialResponse(project(sig, self.n_voigt).numpy().copy(), stiff, kind, extras)

    def trial(self, strain: np.ndarray) -> MaterialResponse:
        """Response to the total strain (n, nv) (tension positive, engineering shear)
        reached from the committed state; the committed state is left unchanged."""
        strain = check_strain(strain, self.n_points, self.n_voigt)
        d = torch.as_tensor(strain - self._strain)
        nv = self.n_voigt
        if self.tangent == "consistent":
            x = d.clone().requires_grad_(True)
            with torch.enable_grad():
                new = integrate_increment(
                    self.model, self.params, self.ctx, self._state, -embed(x), self.options
                )
                out = -project(new.sigma, nv)
                rows = [
                    torch.autograd.grad(out[:, i].sum(), x, retain_graph=i < nv - 1)[0]
                    for i in range(nv)
                ]
            stiff = torch.stack(rows, 1).detach().numpy()
            kind = "tangent"
        else:
            with torch.no_grad():
                new = integrate_increment(
                    self.model, self.params, self.ctx, self._state, -embed(d), self.options
                )
            if self.tangent == "continuum":
                d6 = continuum_tangent(self.model, self.params, self.ctx, new)
                kind = "tangent"
            else:
                bulk, shear = self.model.moduli(self.params, self.ctx, new.internal, new.sigma)
                d6 = elastic_matrix(bulk, shear)
                kind = "secant"
            idx = list(PLANE_IDX) if nv == 3 else list(range(6))
            stiff = d6[:, idx][:, :, idx].detach().numpy()
        new = new.detach()
        self._trial = (new, strain.copy())
        return self._response(new, stiff, kind)

    def commit(self) -> None:
        """Accept the last trial as the committed state (no-op without a trial)."""
        if self._trial is not None:
            self._state, self._strain = self._trial
            self._trial = None

    def state_dict(self) -> dict[str, np.ndarray]:
        """Committed state: "sigma" (compression positive, 3D), "strain", "internal.<name>"."""
        out = {"sigma": self._state.sigma.numpy().copy(), "strain": self._strain.copy()}
        out.update({f"internal.{k}": v.numpy().copy() for k, v in self._state.internal.items()})
        return out

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore a committed state written by :meth:`state_dict`; drops any pending trial."""
        internal = {
            k.split(".", 1)[1]: torch.as_tensor(np.asarray(v).copy())
            for k, v in state.items()
            if k.startswith("internal.")
        }
        self._state = PointState(torch.as_tensor(np.asarray(state["sigma"]).copy()), internal)
        self._strain = np.asarray(state["strain"], float).copy()
        self._trial = None
