"""The interface every phenomenological model implements (pure functions of tensors).

A model is a stateless object holding its *options*; parameters arrive as a
dict name -> tensor (0-d, or (n,) per point) so the same code runs forward,
inside the FEM and under autograd for calibration. Internal variables are a
dict name -> (n,) tensor. Stress is compression positive, 3D Voigt, Pa.

The integrator (:mod:`mslearn.constitutive.integrate`) needs, at a stress
point: the elastic moduli, the yield value f, the flow direction
b = dg/dsigma (from :meth:`potential` by autograd, with ``aux`` quantities
frozen) and the plastic modulus Hp = -(df/dkappa)(dkappa/dlambda), so that
d lambda = a:D:d eps / (a:D:b + Hp) (seed 003 Eq. 37).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

Params = dict[str, torch.Tensor]
Internal = dict[str, torch.Tensor]


@dataclass(frozen=True)
class ParamSpec:
    """Name, default value, physical bounds [lower, upper] (used by the Eq. 17 penalty)."""

    name: str
    default: float
    lower: float
    upper: float
    unit: str = "-"


class Model:
    """Base class; see the module docstring for the contract."""

    name: str = "model"
    specs: tuple[ParamSpec, ...] = ()
    associated: bool = False

    # -- parameters -------------------------------------------------------------
    @property
    def param_names(self) -> tuple[str, ...]:
        """Parameter names in :attr:`specs` order."""
        return tuple(s.name for s in self.specs)

    def defaults(self) -> dict[str, float]:
        """Default value of every parameter, by name."""
        return {s.name: s.default for s in self.specs}

    def bounds(self) -> dict[str, tuple[float, float]]:
        """Physical bounds (lower, upper) of every parameter, by name."""
        return {s.name: (s.lower, s.upper) for s in self.specs}

    def prepare(self, params: Params) -> dict:
        """Derived constants computed once per call (e.g. c_p, p_s, Lode shape)."""
        return {}

    # -- state ------------------------------------------------------------------
    def init_internal(self, params: Params, ctx: dict, p0: torch.Tensor) -> Internal:
        """Internal variables (n,) each at the isotropic start sigma = p0 I, p0 (n,) [Pa]."""
        raise NotImplementedError

    def advance_elastic(self, params: Params, internal: Internal, deps: torch.Tensor) -> Internal:
        """Internal variables after an elastic strain increment (e.g. void ratio)."""
        return internal

    # -- constitutive functions ---------------------------------------------------
    def moduli(self, params: Params, ctx: dict, internal: Internal, sig: torch.Tensor):
        """(K, G) [Pa], each (n,)."""
        raise NotImplementedError

    def yield_fn(self, params: Params, ctx: dict, internal: Internal, sig: torch.Tensor):
        """Yield function f (n,) at stress ``sig`` (n, 6); f <= 0 is elastic."""
        raise NotImplementedError

    def flow_aux(self, params: Params, ctx: dict, internal: Internal, sig: torch.Tensor) -> dict:
        """Quantities held fixed when differentiating g w.r.t. stress."""
        return {}

    def potential(self, params, ctx, internal, sig, aux) -> torch.Tensor:
        """Plastic potential g (n,); defaults to f (associated flow)."""
        return self.yield_fn(params, ctx, internal, sig)

    def plastic_modulus(self, params, ctx, internal, sig, b, aux) -> torch.Tensor:
        """Hp (n,) in d lambda = a:D:d eps / (a:D:b + Hp), b = dg/dsigma (n, 6)."""
        raise NotImplementedError

    def grads(self, params, ctx, internal, sig, aux):
        """Closed-form (df/dsigma, dg/dsigma), or None to use autograd on f and g."""
        return None

    def update_internal(self, params, ctx, internal, sig, deps, dlam, b, aux) -> Internal:
        """Internal variables at the end of a sub-increment (deps: total increment)."""
        raise NotImplementedError
