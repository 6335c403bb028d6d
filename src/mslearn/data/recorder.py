"""The recorder on the material seam: every trial of every Gauss point becomes a row.

:class:`RecordingMaterial` wraps any :class:`MaterialModel`; the FEM sees an
ordinary material. Each trial goes to the writer as it is made (flagged not
converged); a commit flags the last trial converged. So the trials of a failed
attempt before a step cut are in the dataset (not converged), and so are the
trials of a step on which the solver gives up: material evaluations are
expensive (DEM labels) and each is a true answer of the material at a trial
strain from the committed state. Rows of a step that has no converged row are
those of the failed step (:func:`mslearn.data.splits.dataset_info` counts them).

A trial whose strain, stress or stiffness is not finite (a diverging material)
has no usable label: its rows are not written, and the dataset attribute
``nonfinite_rows_dropped`` counts them, so that every stored value is finite
and a non-finite value on reading means damage.

The history variable phi (seed 000 Eq. 12) is accumulated over committed
increments only, as DESIGN.md prescribes.
"""

from __future__ import annotations

import logging

import numpy as np

from mslearn.data.store import PointDatasetWriter
from mslearn.materials.base import MaterialModel, MaterialResponse

log = logging.getLogger("mslearn.data")


class RecordingMaterial:
    """A :class:`MaterialModel` that records every trial of ``material`` into ``writer``.

    ``coords`` (n_points, dim) are the Gauss-point coordinates [m]; point ``i``
    belongs to element ``i // n_quad``; ``run_id`` tags the rows of this run.
    Rows follow :mod:`mslearn.data.schema`; ``phi`` (n_points, nv) is the
    history variable of seed 000 Eq. 12 (sum of |d strain| over committed steps).
    """

    def __init__(
        self,
        material: MaterialModel,
        writer: PointDatasetWriter,
        coords: np.ndarray,
        n_quad: int,
        run_id: int = 0,
    ) -> None:
        self.material = material
        self.writer = writer
        self.n_points = material.n_points
        self.features = material.features
        self.n_voigt = material.n_voigt
        self.run_id = run_id
        self.coords = np.asarray(coords, float)
        self.point_ids = np.arange(self.n_points)
        self.element_ids = self.point_ids // n_quad
        self.phi = np.zeros((self.n_points, self.n_voigt))
        self.strain_committed = np.zeros((self.n_points, self.n_voigt))
        self.step = 1
        self.dropped = int(writer.group.attrs.get("nonfinite_rows_dropped", 0))
        self._iteration = 0
        self._last_rows: tuple[int, int] | None = None  # writer rows of the last trial
        self._last_strain: np.ndarray | None = None

    # --------------------------------------------------------------- protocol
    def trial(self, strain: np.ndarray) -> MaterialResponse:
        """The inner material's response; the trial is written as one row per point."""
        resp = self.material.trial(strain)
        n = self.n_points
        self._last_strain = np.array(strain, float)
        rows = {
            "strain": self._last_strain,
            "history": self.phi.copy(),
            "strain_increment": self._last_strain - self.strain_committed,
            "stress": np.array(resp.stress, float),
            "stiffness": np.array(resp.stiffness, float),
            "step": np.full(n, self.step),
            "iteration": np.full(n, self._iteration),
            "converged": np.zeros(n, bool),
            "point": self.point_ids,
            "element": self.element_ids,
            "coords": self.coords,
            "run": np.full(n, self.run_id),
        }
        rows = self._finite_rows(rows)
        start = self.writer.n_rows
        self.writer.append(rows)
        self._last_rows = (start, self.writer.n_rows)
        self._iteration += 1
        return resp

    def _finite_rows(self, rows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """``rows`` without the points whose strain, stress or stiffness is not finite."""
        n = self.n_points
        ok = np.ones(n, bool)
        for name in ("strain", "stress", "stiffness"):
            ok &= np.isfinite(rows[name].reshape(n, -1)).all(axis=1)
        if ok.all():
            return rows
        bad = int(n - ok.sum())
        self.dropped += bad
        self.writer.update_attrs(nonfinite_rows_dropped=self.dropped)
        log.warning(
            "step %d, evaluation %d: %d of %d points returned a non-finite strain, stress or "
            "stiffness; their rows are not recorded",
            self.step,
            self._iteration,
            bad,
            n,
        )
        return {k: v[ok] for k, v in rows.items()}

    def commit(self) -> None:
        """Commit the inner material and flag the last trial's rows converged.

        phi grows by |committed strain increment|.
        """
        self.material.commit()
        if self._last_rows is not None:
            self.writer.assign("converged", *self._last_rows, True)
            self.phi += np.abs(self._last_strain - self.strain_committed)
            self.strain_committed = self._last_strain
        self._last_rows = None
        self._iteration = 0
        self.step += 1

    def state_dict(self) -> dict[str, np.ndarray]:
        """Inner material state plus the recorder's; flushes the dataset first."""
        self.writer.flush()
        out = {f"inner/{k}": v for k, v in self.material.state_dict().items()}
        out.update(
            {
                "recorder/phi": self.phi.copy(),
                "recorder/strain_committed": self.strain_committed.copy(),
                "recorder/step": np.array(self.step),
                "recorder/rows": np.array(self.writer.n_rows),
            }
        )
        return out

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore, and truncate the dataset to the rows written at checkpoint time."""
        self.material.load_state_dict(
            {k.split("/", 1)[1]: v for k, v in state.items() if k.startswith("inner/")}
        )
        self.phi = np.array(state["recorder/phi"], float)
        self.strain_committed = np.array(state["recorder/strain_committed"], float)
        self.step = int(state["recorder/step"])
        self.writer.truncate(int(state["recorder/rows"]))
        self._last_rows = None
        self._iteration = 0
