"""Run outputs as solver observers: per-step CSV and an XDMF time series (ParaView).

The XDMF file holds the vertex mesh (midside nodes of Q8/T6/HEX20/HEX27/TET10
are dropped; quad, triangle, hexahedron or tetra cells), point data
``displacement`` (3 components; z = 0 in plane strain) and cell data
(Gauss-point fields averaged per element): ``strain``, ``stress``,
``volumetric_strain``, ``deviatoric_strain``, ``stress_norm`` and every
material extra. The XML index is rewritten every few seconds and on
:meth:`XdmfSeries.flush` (checkpoints) and close.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

import meshio
import numpy as np

from mslearn.core.errors import MslearnInputError
from mslearn.fem.discretisation import Discretisation
from mslearn.fem.measures import deviatoric_strain, stress_norm, volumetric_strain
from mslearn.fem.solvers.implicit import StepState, step_row


class CsvHistory:
    """Appends one row per converged step to ``path`` (flushed every step).

    ``keep_steps=k`` reopens an existing file keeping the rows of steps <= k
    (resume from a checkpoint at step k); the file must hold every step 0..k once,
    with numbers in every field, else :class:`MslearnInputError` (one line: a file
    that stops before the checkpoint cannot give the same history as an
    uninterrupted run).
    """

    def __init__(self, path: Path, keep_steps: int | None = None) -> None:
        self.path = Path(path)
        self._fh = None
        self._writer = None
        if keep_steps is not None:
            rows = read_history_rows(self.path, keep_steps)
            self._fh = open(self.path, "w", newline="")  # noqa: SIM115
            self._writer = csv.DictWriter(self._fh, fieldnames=list(rows[0]))
            self._writer.writeheader()
            self._writer.writerows(rows)
            self._fh.flush()

    def rows(self) -> list[dict]:
        """All rows written so far, as floats."""
        with open(self.path, newline="") as fh:
            return [{k: float(v) for k, v in r.items()} for r in csv.DictReader(fh)]

    def __call__(self, state: StepState) -> None:
        """Write the row of a converged step (the header with the first row)."""
        row = step_row(state)
        if self._writer is None:
            self._fh = open(self.path, "w", newline="")  # noqa: SIM115
            self._writer = csv.DictWriter(self._fh, fieldnames=list(row))
            self._writer.writeheader()
        self._writer.writerow(row)
        self._fh.flush()

    def close(self) -> None:
        """Close the file (no-op if nothing was written)."""
        if self._fh is not None:
            self._fh.close()


def read_history_rows(path: Path, keep_steps: int) -> list[dict[str, str]]:
    """The rows of steps 0..``keep_steps`` of a history CSV, checked (see :class:`CsvHistory`)."""
    path = Path(path)
    if not path.is_file():
        raise MslearnInputError(
            f"cannot resume: {str(path)!r} is missing; the checkpoint is at step {keep_steps}"
        )
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        steps = [int(float(r["step"])) for r in rows]
        for i, r in enumerate(rows):
            if None in r or any(v is None for v in r.values()):
                raise ValueError(f"row {i + 1} has {'more' if None in r else 'fewer'} fields")
            for v in r.values():
                float(v)
    except (OSError, UnicodeDecodeError, csv.Error, KeyError, ValueError, TypeError) as exc:
        what = f"no column {exc}" if isinstance(exc, KeyError) else str(exc).splitlines()[0]
        raise MslearnInputError(
            f"cannot resume: {str(path)!r} is damaged ({what}); expected one row of numbers "
            "per converged step"
        ) from None
    kept = [(s, r) for s, r in zip(steps, rows, strict=True) if s <= keep_steps]
    if [s for s, _ in kept] != list(range(keep_steps + 1)):
        last = max(steps) if steps else None
        if last is None or last < keep_steps:
            shown = "no rows" if last is None else f"rows up to step {last}"
            raise MslearnInputError(
                f"cannot resume: {str(path)!r} has {shown}, the checkpoint is at step "
                f"{keep_steps}; the outputs on disk stop before the checkpoint"
            )
        raise MslearnInputError(
            f"cannot resume: {str(path)!r} does not hold steps 0 to {keep_steps} once each "
            f"(found {len(kept)} rows for them); the outputs on disk do not match the "
            "checkpoint"
        )
    return [r for _, r in kept]


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
    """(points (n_vertices, 3), cells) of the vertex (linear) mesh for meshio.

    Curved quadratic meshes (skfem MeshTri2 / MeshQuad2 / MeshHex2 / MeshTet2) store their
    extra nodes in ``mesh.p`` after the vertices; only the vertices are written, matching
    :meth:`Discretisation.nodal_displacement`. Hexahedra are renumbered from scikit-fem's
    vertex order to VTK's (as scikit-fem's own meshio export does).
    """
    p = disc.mesh.p[:, : disc.mesh.nvertices].T
    if disc.dim == 3:
        t = disc.mesh.t[:8] if disc.etype.family == "hex" else disc.mesh.t[:4]
        if disc.etype.family == "hex":
            return p.copy(), [("hexahedron", t[_SKFEM_TO_VTK_HEX].T.copy())]
        return p.copy(), [("tetra", t.T.copy())]
    pts = np.column_stack([p, np.zeros(len(p))])
    ctype = "quad" if disc.etype.family == "quad" else "triangle"
    return pts, [(ctype, disc.mesh.t.T.copy())]


#: scikit-fem MeshHex1 vertex order -> VTK hexahedron order (skfem.io.meshio HEX_MAPPING)
_SKFEM_TO_VTK_HEX = np.array([0, 3, 6, 2, 1, 5, 7, 4])


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


def read_series(path: Path, n: int) -> list:
    """The first ``n`` entries (time, point data, cell data) of an XDMF series, for a
    resume at step ``n - 1``; one line if the file is missing, damaged or shorter."""
    path = Path(path)
    if not path.is_file():
        raise MslearnInputError(
            f"cannot resume: {str(path)!r} is missing; the checkpoint is at step {n - 1}"
        )
    try:
        with meshio.xdmf.TimeSeriesReader(str(path)) as reader:
            reader.read_points_cells()
            have = reader.num_steps
            if have < n:
                raise MslearnInputError(
                    f"cannot resume: {str(path)!r} has entries up to step {have - 1}, the "
                    f"checkpoint is at step {n - 1}; the outputs on disk stop before the "
                    "checkpoint"
                )
            return [reader.read_data(k) for k in range(n)]
    except MslearnInputError:
        raise
    except Exception as exc:  # noqa: BLE001 (XML, HDF5 and meshio errors)
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MslearnInputError(
            f"cannot resume: {str(path)!r} (or its .h5) is damaged: {first}"
        ) from None


class XdmfSeries:
    """XDMF + HDF5 time series, one entry per converged step; close() finalises it.

    ``keep_steps=k`` rewrites an existing series keeping its first k + 1
    entries (steps 0..k) and continues after them (resume from a checkpoint); a
    series that is missing, damaged or stops before step k is refused in one line.
    """

    def __init__(
        self,
        path: Path,
        disc: Discretisation,
        keep_steps: int | None = None,
        flush_seconds: float = 5.0,
    ) -> None:
        self.disc = disc
        self.flush_seconds = flush_seconds
        self._last_flush = time.monotonic()
        path = Path(path)
        replay = [] if keep_steps is None else read_series(path, keep_steps + 1)
        self._writer = _TimeSeriesWriter(str(path))
        self._writer.__enter__()
        pts, cells = vertex_mesh(disc)
        self._writer.write_points_cells(pts, cells)
        for t, pd, cd in replay:
            self._writer.write_data(t, point_data=pd, cell_data=cd)
        if replay:
            self._writer.flush()

    def __call__(self, state: StepState) -> None:
        """Append the fields of a converged step at time ``state.time``."""
        u = self.disc.nodal_displacement(state.u)
        if u.shape[1] == 2:
            u = np.column_stack([u, np.zeros(len(u))])
        cd = {k: [v] for k, v in cell_fields(self.disc, state).items()}
        self._writer.write_data(
            state.time,
            point_data={"displacement": u},
            cell_data=cd,
        )
        if time.monotonic() - self._last_flush > self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Make the series on disk readable up to the last step written."""
        self._writer.flush()
        self._last_flush = time.monotonic()

    def close(self) -> None:
        """Write the final XML index and close the HDF5 file."""
        self._writer.__exit__(None, None, None)
