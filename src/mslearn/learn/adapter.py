"""Any surrogate committee behind the material seam (seed 000 Algorithm 2 for the MLP).

:class:`CommitteeMaterial` wraps a model that offers the seam part of the
surrogate protocol (``seam_voigt``, ``seam_tangent``, ``initial_state``,
``seam_step``; see :mod:`mslearn.learn.surrogates.protocol`) as a
:class:`~mslearn.materials.base.MaterialModel` of ``n_points`` points:

* ``trial(strain)`` runs one model step from the *committed* state (the MLP's
  phi of the last converged step, a GRU's hidden state, the history features'
  running values) and keeps the resulting state as the trial state; it never
  changes the committed state, so Newton iterations and step cuts may call it
  any number of times;
* ``commit()`` accepts the last trial state; ``state_dict`` / ``load_state_dict``
  checkpoint the committed state (arrays with first axis ``n_points``).

Declared features: the problem's dimension (it must match the model's nv),
small-strain kinematics, tangent "tangent" (autodiff of the network or of the
recurrent step) or "secant" (a learnt D), history True. Extras per point:
"stress_std" (n, nv) committee standard deviation [Pa], "uncertainty" (n,) its
norm over the norm of the mean stress, "out_of_range" (n,) 1.0 where an input
lies outside the training range widened by ``range_tolerance`` of its span.
"""

from __future__ import annotations

import numpy as np

from mslearn.core.errors import MslearnInputError
from mslearn.core.voigt import dim_label
from mslearn.materials.base import MaterialFeatures, MaterialResponse, check_strain


class CommitteeMaterial:
    """A surrogate committee at ``n_points`` material points.

    model: a fitted surrogate offering the seam step; dim: 2 (plane strain) or 3;
    symmetric_d: symmetrise D (None: only for the point MLP, whose learnt DEM
    contact D is symmetric; a tangent by autodiff of a sequence model is kept as
    it is); range_tolerance: fraction of the training span allowed outside it.
    """

    def __init__(
        self,
        model,
        n_points: int,
        dim: int = 2,
        symmetric_d: bool | None = None,
        range_tolerance: float = 0.05,
    ) -> None:
        if dim not in (2, 3):
            raise MslearnInputError(f"dim is {dim!r}; expected 2 (plane strain) or 3")
        nv_model = model.seam_voigt()
        self.features = MaterialFeatures(dim, tangent=model.seam_tangent, history=True)
        nv = self.features.n_voigt
        if nv_model != nv:
            raise MslearnInputError(
                f"the model was trained for {nv_model} stress components "
                f"({'2D' if nv_model == 3 else '3D'}); this problem is {dim_label(dim)} ({nv})"
            )
        self.model, self.n_points, self.n_voigt = model, int(n_points), nv
        self.symmetric_d = model.kind == "mlp" if symmetric_d is None else bool(symmetric_d)
        self._lo, self._hi = self._range(model, range_tolerance)
        self._committed = model.initial_state(self.n_points)
        self._trial: dict[str, np.ndarray] | None = None

    @staticmethod
    def _range(model, tolerance: float) -> tuple[np.ndarray | None, np.ndarray | None]:
        try:
            lo, hi = (np.asarray(a, float) for a in model.training_range())
        except (KeyError, TypeError, ValueError):  # never fitted: nothing to compare with
            return None, None
        span = hi - lo
        return lo - tolerance * span, hi + tolerance * span

    def trial(self, strain: np.ndarray) -> MaterialResponse:
        """Stress (n, nv) [Pa] and D (n, nv, nv) [Pa] of the total strain (n, nv) reached
        from the committed state; extras as in the module docstring."""
        strain = check_strain(strain, self.n_points, self.n_voigt)
        step = self.model.seam_step(strain, self._committed)
        D = step.stiffness
        if self.symmetric_d:
            D = 0.5 * (D + np.swapaxes(D, 1, 2))
        if self._lo is None:
            out = np.zeros(self.n_points)
        else:
            x = step.inputs
            out = ((x < self._lo) | (x > self._hi)).any(axis=1).astype(float)
        norm = np.linalg.norm(step.stress, axis=1)
        extras = {
            "stress_std": step.stress_std,
            "out_of_range": out,
            "uncertainty": np.linalg.norm(step.stress_std, axis=1) / np.maximum(norm, 1e-300),
        }
        self._trial = step.state
        return MaterialResponse(step.stress, D, self.features.tangent, extras)

    def commit(self) -> None:
        """Accept the state of the last trial."""
        if self._trial is None:
            raise RuntimeError("commit() called before trial()")
        self._committed = {k: v.copy() for k, v in self._trial.items()}

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of the committed state arrays (first axis n_points), by the model's names."""
        return {k: v.copy() for k, v in self._committed.items()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore a committed state written by :meth:`state_dict`."""
        missing = sorted(set(self._committed) - set(state))
        if missing:
            raise MslearnInputError(
                f"{self.model.kind} material state lacks {missing}; expected keys "
                f"{sorted(self._committed)}"
            )
        self._committed = {k: np.array(state[k], float) for k in self._committed}
        self._trial = None
