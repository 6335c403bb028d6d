"""Run outputs as solver observers: per-step CSV and an XDMF time series (ParaView).

The XDMF file holds the vertex mesh (midside nodes of Q8/T6 are dropped),
point data ``displacement`` and cell data (Gauss-point fields averaged per
element): ``strain``, ``stress``, ``volumetric_strain``, ``deviatoric_strain``,
``stress_norm`` and every material extra.
"""

from __future__ import annotations

import csv
from pathlib import Path

import meshio
import numpy as np

from mslearn.fem.discretisation import Discretisation
from mslearn.fem.measures import deviatoric_strain, stress_norm, volumetric_strain
from mslearn.fem.static import StepState, _summary


class CsvHistory:
    """Appends one row per converged step to ``path`` (flushed every step)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fh = None
        self._writer = None

    def __call__(self, state: StepState) -> None:
        row = _summary(state)
        if self._writer is None:
            self._fh = open(self.path, "w", newline="")  # noqa: SIM115
            self._writer = csv.DictWriter(self._fh, fieldnames=list(row))
            self._writer.writeheader()
        self._writer.writerow(row)
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


def cell_fields(disc: Discretisation, state: StepState) -> dict[str, np.ndarray]:
    """Cell-averaged fields of a step: name -> (n_el,) or (n_el, k)."""
    gp = {
        "strain": state.strain,
        "stress": state.response.stress,
        "volumetric_strain": volumetric_strain(state.strain),
        "deviatoric_strain": deviatoric_strain(state.strain),
        "stress_norm": stress_norm(state.response.stress),
    }
    for name, value in state.response.extras.items():
        value = np.asarray(value)
        if value.shape[:1] == (disc.n_gp,) and value.ndim <= 2:
            gp[name] = value.astype(float)
    return {k: disc.cell_average(v) for k, v in gp.items()}


def vertex_mesh(disc: Discretisation) -> tuple[np.ndarray, list]:
    """(points (n, 3), cells) of the vertex mesh for meshio."""
    p = disc.mesh.p.T
    pts = np.column_stack([p, np.zeros(len(p))])
    ctype = "quad" if disc.etype.family == "quad" else "triangle"
    return pts, [(ctype, disc.mesh.t.T.copy())]


class _TimeSeriesWriter(meshio.xdmf.TimeSeriesWriter):
    """meshio's writer puts the .h5 in the working directory; put it beside the .xdmf."""

    def __enter__(self):
        import h5py

        self.h5_filename = str(self.filename.with_suffix(".h5"))
        self.h5_file = h5py.File(self.h5_filename, "w")
        return self

    def flush(self) -> None:
        """Write the XML so far and flush HDF5: a killed run keeps a readable series."""
        meshio.xdmf.time_series.write_xml(self.filename, self.xdmf_file)
        self.h5_file.flush()


class XdmfSeries:
    """XDMF + HDF5 time series, one entry per converged step; close() finalises it."""

    def __init__(self, path: Path, disc: Discretisation) -> None:
        self.disc = disc
        self._writer = _TimeSeriesWriter(str(path))
        self._writer.__enter__()
        pts, cells = vertex_mesh(disc)
        self._writer.write_points_cells(pts, cells)

    def __call__(self, state: StepState) -> None:
        u = self.disc.nodal_displacement(state.u)
        cd = {k: [v] for k, v in cell_fields(self.disc, state).items()}
        self._writer.write_data(
            state.time,
            point_data={"displacement": np.column_stack([u, np.zeros(len(u))])},
            cell_data=cd,
        )
        self._writer.flush()

    def close(self) -> None:
        self._writer.__exit__(None, None, None)
