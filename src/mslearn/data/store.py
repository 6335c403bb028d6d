"""Zarr point datasets: append rows, truncate (for resume), open for reading.

Reading is checked: :func:`open_dataset` refuses, in one line naming the file
and what was expected, a store whose metadata cannot be read, a missing array,
a wrong dtype or shape, arrays of unequal row counts and missing chunk files;
the arrays it hands out refuse, when read, a chunk that cannot be decoded and
non-finite values in float arrays. The checks are vectorised over what is read
(no second pass over the data).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import zarr
from zarr.codecs import ZstdCodec

from mslearn.core.errors import MslearnInputError
from mslearn.core.voigt import dim_of
from mslearn.data.schema import (
    DTYPE_KINDS,
    DTYPE_NAMES,
    FILL,
    SCHEMA,
    SCHEMA_VERSION,
    field_shapes,
    provenance,
)

CHUNK_ROWS = 65536  # rows per Zarr chunk and minimum rows per buffered write
#: every chunk is stored (also one equal to the fill value), so a missing one is damage
WRITE_CONFIG = {"array.write_empty_chunks": True}
#: arrays whose chunks are checked in version-1 datasets (fill value 0, chunks equal
#: to it not stored): their chunks are never all zero in a real dataset
LEGACY_CHUNK_CHECKED = ("strain", "stress", "stiffness")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def chunk_codec() -> ZstdCodec:
    """zstd with a content checksum: a damaged chunk fails to decode instead of reading
    as other numbers."""
    return ZstdCodec(level=0, checksum=True)


class PointDatasetWriter:
    """Appendable Zarr group of point samples (see :mod:`mslearn.data.schema`).

    ``mode="w"`` creates (overwrites) the store; ``mode="a"`` reopens one to
    continue (e.g. after :meth:`truncate` to a checkpointed length; it is checked
    as :func:`open_dataset` does). Rows are buffered in memory and written in
    blocks of at least ``CHUNK_ROWS`` (Zarr appends are expensive); :meth:`flush`
    writes the buffer (call it before a checkpoint and at the end). ``nv`` is the
    Voigt length (3 plane strain, 6 in 3D); ``dim`` the coordinates per row (default:
    the dimension of ``nv``).
    """

    def __init__(
        self,
        path: str | Path,
        nv: int = 3,
        mode: str = "w",
        attrs: dict | None = None,
        dim: int | None = None,
    ) -> None:
        self.path = Path(path)
        self.nv = nv
        dim = dim_of(nv) if dim is None else dim  # coords (rows, dim): 2 in plane strain
        if mode == "a" and self.path.exists():
            existing = open_dataset(self.path)
            if existing.n_voigt != nv:
                raise MslearnInputError(
                    f"dataset {str(self.path)!r} has {existing.n_voigt} stress components; "
                    f"this run writes {nv}"
                )
            self.group = zarr.open_group(str(self.path), mode="a")
            self._names = list(field_shapes(nv, dim))
        else:
            self.group = zarr.open_group(str(self.path), mode="w")
            for name, (shape, dtype) in field_shapes(nv, dim).items():
                self.group.create_array(
                    name,
                    shape=(0, *shape),
                    dtype=dtype,
                    chunks=(CHUNK_ROWS, *shape),
                    fill_value=FILL[dtype],
                    compressors=chunk_codec(),
                )
            self.group.attrs.update(provenance(nv, **(attrs or {})))
            self._names = list(field_shapes(nv, dim))
        self._row_shapes = {k: tuple(self.group[k].shape[1:]) for k in self._names}
        self._buffer: list[dict[str, np.ndarray]] = []
        self._buffered = 0
        self._disk = int(self.group["stress"].shape[0])

    @property
    def n_rows(self) -> int:
        """Rows written, including the ones still buffered."""
        return self._disk + self._buffered

    def append(self, rows: dict[str, np.ndarray]) -> None:
        """Append a block of rows; every schema field must be present with equal length."""
        missing = [k for k in self._names if k not in rows]
        if missing:
            raise ValueError(f"row block lacks fields {missing}")
        n = {len(rows[k]) for k in self._names}
        if len(n) != 1:
            raise ValueError(f"row blocks of unequal length: {n}")
        for k in self._names:
            want = self._row_shapes[k]
            if np.shape(rows[k])[1:] != want:
                raise ValueError(
                    f"row block field {k!r} has rows of shape {np.shape(rows[k])[1:]}; the "
                    f"dataset stores {want}"
                )
        self._buffer.append({k: np.asarray(rows[k]) for k in self._names})
        self._buffered += n.pop()
        if self._buffered >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        """Write buffered rows to the store."""
        if not self._buffer:
            return
        with zarr.config.set(WRITE_CONFIG):
            for name in self._names:
                self.group[name].append(np.concatenate([b[name] for b in self._buffer]))
        self._disk += self._buffered
        self._buffer, self._buffered = [], 0

    def assign(self, name: str, start: int, stop: int, value) -> None:
        """Set rows ``start:stop`` of array ``name`` to ``value``, buffered or on disk."""
        disk = self._disk
        if start < disk:
            with zarr.config.set(WRITE_CONFIG):
                self.group[name][start : min(stop, disk)] = value
        offset = disk
        for block in self._buffer:
            n = len(block[name])
            lo, hi = max(start, offset), min(stop, offset + n)
            if lo < hi:
                block[name] = block[name].copy()  # blocks may share arrays of the caller
                block[name][lo - offset : hi - offset] = value
            offset += n

    def truncate(self, n_rows: int) -> None:
        """Drop rows beyond ``n_rows`` (resume from a checkpoint)."""
        self._buffer, self._buffered = [], 0
        disk = int(self.group["stress"].shape[0])
        if n_rows > disk:
            raise MslearnInputError(
                f"dataset {str(self.path)!r} has {disk} rows; the checkpoint was written "
                f"with {n_rows} (rows were lost: the dataset does not belong to this "
                "checkpoint or was damaged)"
            )
        with zarr.config.set(WRITE_CONFIG):
            for name in self._names:
                arr = self.group[name]
                arr.resize((n_rows, *arr.shape[1:]))
        self._disk = n_rows

    def update_attrs(self, **attrs) -> None:
        """Add or overwrite attributes of the store."""
        self.group.attrs.update(attrs)


# ------------------------------------------------------------------ reading
class CheckedArray:
    """A read-only array of a point dataset: reading it (``a[...]``, ``np.asarray(a)``)
    refuses an undecodable chunk and, for float arrays, non-finite values."""

    def __init__(self, source: str, name: str, array: zarr.Array) -> None:
        self.source, self.name, self.array = source, name, array

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape (rows first)."""
        return tuple(self.array.shape)

    @property
    def dtype(self) -> np.dtype:
        """numpy dtype of the values."""
        return np.dtype(self.array.dtype)

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self.shape)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, sel) -> np.ndarray:
        try:
            out = np.asarray(self.array[sel])
        except Exception as exc:  # noqa: BLE001 (codecs and stores raise many types)
            raise MslearnInputError(
                f"dataset {self.source!r}: array {self.name!r} cannot be read (a damaged "
                f"chunk?): {_first_line(exc)}"
            ) from None
        if out.dtype.kind == "f" and out.size:
            self._check_finite(out, sel)
        return out

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        out = self[...]
        return out if dtype is None else out.astype(dtype)

    def _check_finite(self, values: np.ndarray, sel) -> None:
        if values.ndim == 0:
            bad = ~np.isfinite(values.reshape(1))
        else:
            bad = ~np.isfinite(values.reshape(len(values), -1)).all(axis=1)
        if not bad.any():
            return
        first = int(np.argmax(bad))
        if isinstance(sel, slice) and sel.step in (None, 1):
            first += sel.start or 0
            where = f"first at row {first}"
        elif sel is Ellipsis:
            where = f"first at row {first}"
        else:
            where = f"first at entry {first} of the selection"
        raise MslearnInputError(
            f"dataset {self.source!r}: {int(bad.sum())} of {len(bad)} rows of {self.name!r} "
            f"are not finite (NaN or inf), {where}; expected finite values (a damaged, "
            "unwritten or edited chunk?)"
        )


class PointDataset:
    """A checked, read-only point dataset (see :func:`open_dataset`); indexes like a Zarr
    group: ``ds["stress"]`` is a :class:`CheckedArray`, ``ds["splits"]`` a subgroup."""

    def __init__(self, path: Path, group: zarr.Group, arrays: dict[str, zarr.Array]) -> None:
        self.path, self.group = path, group
        self._arrays = {k: CheckedArray(str(path), k, a) for k, a in arrays.items()}

    @property
    def attrs(self):
        """The store's attributes (provenance)."""
        return self.group.attrs

    @property
    def n_rows(self) -> int:
        """Number of rows (evaluations)."""
        return self._arrays["stress"].shape[0]

    @property
    def n_voigt(self) -> int:
        """Voigt length of the stress: 3 (plane strain) or 6 (3D)."""
        return self._arrays["stress"].shape[1]

    def array_keys(self) -> Iterator[str]:
        """Names of the schema arrays."""
        return iter(self._arrays)

    def group_keys(self) -> Iterator[str]:
        """Names of the subgroups (e.g. ``splits``)."""
        try:
            return iter(list(self.group.group_keys()))
        except Exception as exc:  # noqa: BLE001
            raise MslearnInputError(
                f"dataset {str(self.path)!r}: a subgroup has unreadable metadata: "
                f"{_first_line(exc)}"
            ) from None

    def __contains__(self, name: str) -> bool:
        if name in self._arrays:
            return True
        try:
            return name in self.group
        except Exception:  # noqa: BLE001 (an unreadable member is not usable)
            return False

    def __getitem__(self, name: str):
        if name in self._arrays:
            return self._arrays[name]
        try:
            return self.group[name]
        except KeyError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise MslearnInputError(
                f"dataset {str(self.path)!r}: {name!r} has unreadable metadata: {_first_line(exc)}"
            ) from None


def _schema_version(source: str, attrs: dict) -> int:
    """1 for datasets without a schema attribute (written before it existed)."""
    schema = attrs.get("schema")
    if schema is None:
        return 1
    m = re.fullmatch(rf"{re.escape(SCHEMA)}/(\d+)", str(schema))
    if m is None:
        raise MslearnInputError(
            f"dataset {source!r} has schema {schema!r}; expected '{SCHEMA}/<version>' "
            "(not a point dataset)"
        )
    version = int(m.group(1))
    if version > SCHEMA_VERSION:
        raise MslearnInputError(
            f"dataset {source!r} has schema version {version}, written by a newer mslearn; "
            f"this mslearn reads versions 1 to {SCHEMA_VERSION}: upgrade mslearn"
        )
    return version


def _open_arrays(source: str, group: zarr.Group) -> dict[str, zarr.Array]:
    expected = field_shapes(3)
    arrays, missing = {}, []
    for name in expected:
        try:
            node = group[name]
        except KeyError:
            missing.append(name)
            continue
        except Exception as exc:  # noqa: BLE001 (junk metadata: JSON, codec, type errors)
            raise MslearnInputError(
                f"dataset {source!r}: array {name!r} has unreadable metadata (zarr.json / "
                f".zarray edited or damaged?): {_first_line(exc)}"
            ) from None
        if not isinstance(node, zarr.Array):
            raise MslearnInputError(f"dataset {source!r}: {name!r} is a group; expected an array")
        arrays[name] = node
    if missing:
        hint = " (not a point dataset?)" if "stress" in missing else ""
        raise MslearnInputError(
            f"dataset {source!r} lacks the arrays {missing}{hint}; a point dataset has "
            f"{', '.join(expected)}"
        )
    return arrays


def _check_layout(source: str, arrays: dict[str, zarr.Array], attrs: dict) -> None:
    """dtypes, per-row shapes, Voigt size and equal row counts."""
    stress, coords = arrays["stress"], arrays["coords"]
    if len(stress.shape) != 2 or stress.shape[1] not in (3, 6):
        raise MslearnInputError(
            f"dataset {source!r}: stress has shape {stress.shape}; expected (rows, 3) for "
            "2D plane strain or (rows, 6) for 3D"
        )
    nv = stress.shape[1]
    declared = attrs.get("n_voigt", nv)
    if declared != nv:
        raise MslearnInputError(
            f"dataset {source!r}: attribute n_voigt is {declared!r} but stress has {nv} components"
        )
    dim = coords.shape[1] if len(coords.shape) == 2 and coords.shape[1] in (2, 3) else 2
    for name, (shape, dtype) in field_shapes(nv, dim).items():
        a = arrays[name]
        if np.dtype(a.dtype).kind not in DTYPE_KINDS[dtype]:
            raise MslearnInputError(
                f"dataset {source!r}: array {name!r} has dtype {a.dtype}; expected "
                f"{DTYPE_NAMES[dtype]}"
            )
        if tuple(a.shape[1:]) != shape or len(a.shape) != 1 + len(shape):
            want = ", ".join(["rows", *map(str, shape)])
            raise MslearnInputError(
                f"dataset {source!r}: array {name!r} has shape {tuple(a.shape)}; expected ({want})"
            )
    rows = {name: int(a.shape[0]) for name, a in arrays.items()}
    if len(set(rows.values())) > 1:
        n = int(np.median(list(rows.values())))
        odd = {k: v for k, v in rows.items() if v != n}
        raise MslearnInputError(
            f"dataset {source!r}: arrays have unequal row counts {odd} (the others have {n}); "
            "expected one row per evaluation in every array"
        )


def _check_chunks(source: str, arrays: dict[str, zarr.Array], version: int) -> None:
    """Every chunk file is on disk (version 1: the arrays whose chunks are never empty)."""
    names = list(arrays) if version >= 2 else LEGACY_CHUNK_CHECKED
    for name in names:
        a = arrays[name]
        try:
            total, stored = a.nchunks, a.nchunks_initialized
        except Exception as exc:  # noqa: BLE001
            raise MslearnInputError(
                f"dataset {source!r}: array {name!r} cannot be listed: {_first_line(exc)}"
            ) from None
        if stored < total:
            raise MslearnInputError(
                f"dataset {source!r}: array {name!r} has {total - stored} of {total} chunk "
                "files missing (deleted?); expected every chunk on disk"
            )


def open_dataset(path: str | Path) -> PointDataset:
    """Open a point dataset read-only, checked (module docstring); one-line errors."""
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise MslearnInputError(f"dataset {source!r} does not exist")
    if not path.is_dir():
        raise MslearnInputError(f"{source!r} is not a Zarr dataset (expected a directory)")
    try:
        group = zarr.open_group(source, mode="r")
        attrs = dict(group.attrs)
    except Exception as exc:  # noqa: BLE001 (zarr raises several types)
        raise MslearnInputError(
            f"{source!r} is not a Zarr dataset (its group metadata cannot be read): "
            f"{_first_line(exc)}"
        ) from None
    version = _schema_version(source, attrs)
    arrays = _open_arrays(source, group)
    _check_layout(source, arrays, attrs)
    _check_chunks(source, arrays, version)
    return PointDataset(path, group, arrays)


def verify_dataset(path: str | Path) -> int:
    """Open and read every array of a point dataset once (every chunk decoded, checksums
    and finiteness checked), also those a reader will not use; returns the row count."""
    g = open_dataset(path)
    rows = 0
    for name in g.array_keys():
        rows = len(g[name][:])
    return rows


def load_arrays(path: str | Path, names=None) -> dict[str, np.ndarray]:
    """Read arrays of a point dataset (all when ``names`` is None; absent names are skipped)."""
    g = open_dataset(path)
    names = names or list(g.array_keys())
    return {n: g[n][:] for n in names if n in g}
