"""The recorder on the material seam: every trial of every Gauss point becomes a row.

:class:`RecordingMaterial` wraps any :class:`MaterialModel`; the FEM sees an
ordinary material. Trials of a step are buffered and written when the step is
committed (the last trial flagged ``converged``); trials of a failed attempt
(before a step cut) are written with the next commit, flagged not converged.
The history variable phi (seed 000 Eq. 12) is accumulated over committed
increments only, as DESIGN.md prescribes.
"""

from __future__ import annotations

import numpy as np

from mslearn.data.store import PointDatasetWriter
from mslearn.materials.base import MaterialModel, MaterialResponse


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
        self._buffer: list[dict[str, np.ndarray]] = []
        self._last_strain: np.ndarray | None = None

    # --------------------------------------------------------------- protocol
    def trial(self, strain: np.ndarray) -> MaterialResponse:
        """The inner material's response; the trial is buffered as one row per point."""
        resp = self.material.trial(strain)
        n = self.n_points
        self._last_strain = np.array(strain, float)
        self._buffer.append(
            {
                "strain": self._last_strain,
                "history": self.phi.copy(),
                "strain_increment": self._last_strain - self.strain_committed,
                "stress": np.array(resp.stress, float),
                "stiffness": np.array(resp.stiffness, float),
                "step": np.full(n, self.step),
                "iteration": np.full(n, len(self._buffer)),
                "converged": np.zeros(n, bool),
                "point": self.point_ids,
                "element": self.element_ids,
                "coords": self.coords,
                "run": np.full(n, self.run_id),
            }
        )
        return resp

    def commit(self) -> None:
        """Commit the inner material and write the step's buffered rows.

        The last trial is flagged converged; phi grows by |committed strain increment|.
        """
        self.material.commit()
        if self._buffer:
            self._buffer[-1]["converged"] = np.ones(self.n_points, bool)
            self.writer.append(
                {k: np.concatenate([b[k] for b in self._buffer]) for k in self._buffer[0]}
            )
            self.phi += np.abs(self._last_strain - self.strain_committed)
            self.strain_committed = self._last_strain
        self._buffer = []
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
        self._buffer = []
