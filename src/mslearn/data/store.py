"""Zarr point datasets: append rows, truncate (for resume), open for reading."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import zarr

from mslearn.core.errors import MslearnInputError
from mslearn.data.schema import field_shapes, provenance

CHUNK_ROWS = 65536  # rows per Zarr chunk and minimum rows per buffered write


class PointDatasetWriter:
    """Appendable Zarr group of point samples (see :mod:`mslearn.data.schema`).

    ``mode="w"`` creates (overwrites) the store; ``mode="a"`` reopens one to
    continue (e.g. after :meth:`truncate` to a checkpointed length). Rows are
    buffered in memory and written in blocks of at least ``CHUNK_ROWS`` (Zarr
    appends are expensive); :meth:`flush` writes the buffer (call it before a
    checkpoint and at the end).
    """

    def __init__(
        self,
        path: str | Path,
        nv: int = 3,
        mode: str = "w",
        attrs: dict | None = None,
        dim: int = 2,
    ) -> None:
        self.path = Path(path)
        self.nv = nv
        if mode == "a" and self.path.exists():
            self.group = zarr.open_group(str(self.path), mode="a")
        else:
            self.group = zarr.open_group(str(self.path), mode="w")
            for name, (shape, dtype) in field_shapes(nv, dim).items():
                self.group.create_array(
                    name, shape=(0, *shape), dtype=dtype, chunks=(CHUNK_ROWS, *shape)
                )
            self.group.attrs.update(provenance(nv, **(attrs or {})))
        self._names = list(self.group.array_keys())
        self._buffer: list[dict[str, np.ndarray]] = []
        self._buffered = 0

    @property
    def n_rows(self) -> int:
        """Rows written, including the ones still buffered."""
        return int(self.group["stress"].shape[0]) + self._buffered

    def append(self, rows: dict[str, np.ndarray]) -> None:
        """Append a block of rows; every schema field must be present with equal length."""
        n = {len(rows[k]) for k in self._names}
        if len(n) != 1:
            raise ValueError(f"row blocks of unequal length: {n}")
        self._buffer.append({k: np.asarray(rows[k]) for k in self._names})
        self._buffered += n.pop()
        if self._buffered >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write buffered rows to the store."""
        if not self._buffer:
            return
        for name in self._names:
            self.group[name].append(np.concatenate([b[name] for b in self._buffer]))
        self._buffer, self._buffered = [], 0

    def truncate(self, n_rows: int) -> None:
        """Drop rows beyond ``n_rows`` (resume from a checkpoint)."""
        self._buffer, self._buffered = [], 0
        for name in self.group.array_keys():
            arr = self.group[name]
            arr.resize((n_rows, *arr.shape[1:]))

    def update_attrs(self, **attrs) -> None:
        """Add or overwrite attributes of the store."""
        self.group.attrs.update(attrs)


def open_dataset(path: str | Path) -> zarr.Group:
    """Open a point dataset read-only; a clear error if it is missing or not one."""
    path = Path(path)
    if not path.exists():
        raise MslearnInputError(f"dataset {str(path)!r} does not exist")
    try:
        group = zarr.open_group(str(path), mode="r")
    except Exception as exc:  # zarr raises several types
        raise MslearnInputError(f"{str(path)!r} is not a Zarr dataset: {exc}") from None
    if "stress" not in group:
        raise MslearnInputError(f"{str(path)!r} has no 'stress' array: not a point dataset")
    return group


def load_arrays(path: str | Path, names=None) -> dict[str, np.ndarray]:
    """Read arrays of a point dataset (all when ``names`` is None; absent names are skipped)."""
    g = open_dataset(path)
    names = names or list(g.array_keys())
    return {n: g[n][:] for n in names if n in g}
