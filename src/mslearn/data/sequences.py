"""Sequence datasets of Gauss-point histories (DESIGN.md "sequence datasets").

Arrays: ``strain (paths, steps, nv)``, ``stress (paths, steps, nv)`` (tension
positive, SI, Voigt 2D [11, 22, 12] plane strain or 3D [11, 22, 33, 23, 13, 12],
engineering shear), ``time (steps,)``, ``initial_pressure (paths,)`` [Pa] (the
isotropic state -p0 I at zero strain each path starts from). Step k holds the
state *after* the k-th increment. Attributes: units, sign convention, Voigt
order, config, version, creation time. Stored as ``.npz`` or as a Zarr group
(a directory), chosen by the file name.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import zarr

from mslearn.core.errors import MslearnInputError
from mslearn.data.store import open_dataset

VOIGT = {3: "[11, 22, 12] plane strain", 6: "[11, 22, 33, 23, 13, 12]"}


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("mslearn")
    except Exception:  # noqa: BLE001 (not installed as a distribution)
        return "unknown"


@dataclass
class SequenceDataset:
    """Gauss-point histories (module docstring), validated on construction.

    strain, stress (paths, steps, nv) tension positive [-, Pa]; time (steps,);
    initial_pressure (paths,) p0 > 0 [Pa]; attrs: provenance and metadata.
    """

    strain: np.ndarray
    stress: np.ndarray
    time: np.ndarray
    initial_pressure: np.ndarray
    attrs: dict = field(default_factory=dict)
    #: optional (paths, steps) bool: which stress rows enter the loss (None: all). A
    #: masked row still drives the strain path; only its stress misfit is ignored.
    mask: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.strain = np.asarray(self.strain, float)
        self.stress = np.asarray(self.stress, float)
        self.time = np.asarray(self.time, float)
        self.initial_pressure = np.asarray(self.initial_pressure, float)
        if self.mask is not None:
            self.mask = np.asarray(self.mask, bool)
        validate(self)

    @property
    def n_paths(self) -> int:
        """Number of paths (curves)."""
        return self.strain.shape[0]

    @property
    def n_voigt(self) -> int:
        """Voigt length: 3 (plane strain) or 6 (3D)."""
        return self.strain.shape[2]

    def subset(self, idx: np.ndarray) -> SequenceDataset:
        """The paths ``idx`` (index array or mask); attrs are shared, not copied."""
        return SequenceDataset(
            self.strain[idx],
            self.stress[idx],
            self.time,
            self.initial_pressure[idx],
            self.attrs,
            None if self.mask is None else self.mask[idx],
        )

    def steps(self, n: int) -> SequenceDataset:
        """The first ``n`` steps of every path."""
        return SequenceDataset(
            self.strain[:, :n],
            self.stress[:, :n],
            self.time[:n],
            self.initial_pressure,
            self.attrs,
            None if self.mask is None else self.mask[:, :n],
        )

    def full_attrs(self) -> dict:
        """``attrs`` on top of the standard ones (units, sign, Voigt order, version, time)."""
        base = {
            "units": {"strain": "-", "stress": "Pa", "time": "-", "initial_pressure": "Pa"},
            "sign_convention": "tension positive",
            "voigt_order": VOIGT[self.n_voigt],
            "shear_strain": "engineering (gamma = 2 eps)",
            "version": _version(),
            "created": _dt.datetime.now(_dt.UTC).isoformat(),
        }
        return {**base, **self.attrs}


def validate(ds: SequenceDataset) -> None:
    """Raise :class:`MslearnInputError` on bad shapes, non-finite values or p0 <= 0."""
    s, t = ds.strain, ds.stress
    if s.ndim != 3 or t.ndim != 3:
        raise MslearnInputError(
            f"dataset: strain and stress must be (paths, steps, nv); got {s.shape} and {t.shape}"
        )
    if s.shape != t.shape:
        raise MslearnInputError(f"dataset: strain {s.shape} and stress {t.shape} differ in shape")
    if s.shape[2] not in VOIGT:
        raise MslearnInputError(
            f"dataset: Voigt size is {s.shape[2]}; expected 3 (2D plane strain [11, 22, 12]) "
            f"or 6 (3D [11, 22, 33, 23, 13, 12])"
        )
    if ds.time.shape != (s.shape[1],):
        raise MslearnInputError(
            f"dataset: time has shape {ds.time.shape}; expected ({s.shape[1]},) (one per step)"
        )
    if ds.initial_pressure.shape != (s.shape[0],):
        raise MslearnInputError(
            f"dataset: initial_pressure has shape {ds.initial_pressure.shape}; "
            f"expected ({s.shape[0]},) (one per path)"
        )
    if ds.mask is not None and ds.mask.shape != s.shape[:2]:
        raise MslearnInputError(
            f"dataset: mask has shape {ds.mask.shape}; expected {s.shape[:2]} (paths, steps)"
        )
    for name, a in (("strain", s), ("stress", t)):
        bad = ~np.isfinite(a).all(-1)
        if bad.any():
            path, step = np.argwhere(bad)[0]
            raise MslearnInputError(
                f"dataset: {int(bad.sum())} of {bad.size} (path, step) rows of {name!r} are "
                f"not finite (NaN or inf), first at path {path}, step {step}; expected finite "
                "values"
            )
    for name, a in (("time", ds.time), ("initial_pressure", ds.initial_pressure)):
        if not np.isfinite(a).all():
            raise MslearnInputError(
                f"dataset: {int((~np.isfinite(a)).sum())} entries of {name!r} are not finite"
            )
    if (ds.initial_pressure <= 0).any():
        gp = int(np.argmax(ds.initial_pressure <= 0))
        raise MslearnInputError(
            f"dataset: initial_pressure[{gp}] = {ds.initial_pressure[gp]}; expected > 0 [Pa]"
        )


#: attribute of sequence Zarr groups written with every chunk stored and NaN fill values
ALL_CHUNKS = "all_chunks_stored"


def save(ds: SequenceDataset, path: str | Path) -> Path:
    """Write ``.npz`` (attrs as JSON in ``attrs``) or a Zarr group (other names)."""
    from mslearn.data.store import WRITE_CONFIG, chunk_codec

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    attrs = ds.full_attrs()
    arrays = {
        "strain": ds.strain,
        "stress": ds.stress,
        "time": ds.time,
        "initial_pressure": ds.initial_pressure,
    }
    if ds.mask is not None:
        arrays["mask"] = ds.mask
    if path.suffix == ".npz":
        np.savez_compressed(path, **arrays, attrs=np.array(json.dumps(attrs, default=str)))
        return path
    root = zarr.open_group(str(path), mode="w")
    with zarr.config.set(WRITE_CONFIG):
        for k, v in arrays.items():
            fill = float("nan") if v.dtype.kind == "f" else None
            root.create_array(k, data=v, fill_value=fill, compressors=chunk_codec())
    root.attrs.update({**json.loads(json.dumps(attrs, default=str)), ALL_CHUNKS: True})
    return path


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _read_npz(path: Path) -> tuple[dict[str, np.ndarray], dict]:
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    attrs = json.loads(str(arrays.pop("attrs"))) if "attrs" in arrays else {}
    return arrays, attrs


def _read_zarr(path: Path) -> tuple[dict[str, np.ndarray], dict]:
    root = zarr.open_group(str(path), mode="r")
    attrs = dict(root.attrs)
    checked = list(root.array_keys()) if attrs.get(ALL_CHUNKS) else ["stress"]
    arrays = {}
    for k in root.array_keys():
        a = root[k]
        if k in checked and a.nchunks_initialized < a.nchunks:
            raise MslearnInputError(
                f"array {k!r} has {a.nchunks - a.nchunks_initialized} of {a.nchunks} chunk "
                "files missing (deleted?); expected every chunk on disk"
            )
        arrays[k] = np.asarray(a[...])
    return arrays, attrs


def _is_point_dataset(path: Path) -> bool:
    """A Zarr group written by the recorder (mslearn.data.schema)."""
    try:
        root = zarr.open_group(str(path), mode="r")
        schema = str(root.attrs.get("schema", ""))
        return schema.startswith("mslearn.point_dataset") or (
            "converged" in root and "point" in root and "step" in root
        )
    except Exception:  # noqa: BLE001 (the full reader reports what is wrong)
        return False


def load(path: str | Path) -> SequenceDataset:
    """Read a dataset written by :func:`save` (or any npz/zarr with the same arrays).

    Every problem is one line naming the file: unreadable metadata or chunks, missing
    chunk files, a missing array, wrong shapes or dtypes, non-finite values.
    """
    path = Path(path)
    if not path.exists():
        raise MslearnInputError(f"dataset {path} does not exist")
    if path.suffix != ".npz" and _is_point_dataset(path):
        return from_point_dataset(path)
    try:
        arrays, attrs = _read_npz(path) if path.suffix == ".npz" else _read_zarr(path)
    except MslearnInputError as exc:
        raise MslearnInputError(f"dataset {path}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 (zip, JSON, zarr and codec errors)
        raise MslearnInputError(
            f"dataset {path} cannot be read (damaged or not a sequence dataset): {_first_line(exc)}"
        ) from None
    if not isinstance(attrs, dict):
        raise MslearnInputError(f"dataset {path}: attrs is not a JSON object")
    for k in ("strain", "stress"):
        if k not in arrays:
            raise MslearnInputError(f"dataset {path}: missing array {k!r}")
    for k, a in arrays.items():
        want = "b" if k == "mask" else "fiu"
        if a.dtype.kind not in want:
            raise MslearnInputError(
                f"dataset {path}: array {k!r} has dtype {a.dtype}; expected "
                f"{'bool' if k == 'mask' else 'numbers'}"
            )
    n, s = arrays["strain"].shape[:2] if arrays["strain"].ndim == 3 else (0, 0)
    p0 = arrays.get("initial_pressure")
    if p0 is None:
        if "initial_pressure" in attrs:
            p0 = np.full(n, float(attrs["initial_pressure"]))
        else:
            raise MslearnInputError(f"dataset {path}: missing array 'initial_pressure' [Pa]")
    time = arrays.get("time", np.arange(1, s + 1, dtype=float))
    try:
        return SequenceDataset(
            arrays["strain"], arrays["stress"], time, p0, attrs, arrays.get("mask")
        )
    except MslearnInputError as exc:
        raise MslearnInputError(f"dataset {path}: {str(exc).removeprefix('dataset: ')}") from None


def recorded_initial_pressure(attrs: dict) -> float | None:
    """p0 [Pa] of the run that recorded a point dataset: the ``initial_pressure``
    attribute, or for older datasets the problem's confining pressure or surcharge."""
    problem = attrs.get("config", {}).get("problem", {}) if isinstance(attrs, dict) else {}
    candidates = [("initial_pressure", attrs.get("initial_pressure"))]
    if isinstance(problem, dict):
        candidates += [(k, problem.get(k)) for k in ("confining_pressure", "surcharge", "pressure")]
    for key, value in candidates:
        if value is None:
            continue
        try:
            return float(value)
        except (TypeError, ValueError):
            raise MslearnInputError(
                f"dataset attribute {key!r} is {value!r}; expected a pressure in Pa"
            ) from None
    return None


def from_point_dataset(path: str | Path, initial_pressure: float | None = None) -> SequenceDataset:
    """Converged rows of a recorder (point) dataset as one curve per Gauss point.

    Returns strain and stress (n_gp, steps, nv) over the steps every Gauss point has
    converged rows for (a run that failed part-way is used up to its last committed
    step); ``initial_pressure`` p0 [Pa] defaults to the one recorded with the run.
    """
    path = Path(path)
    ds = open_dataset(path)
    a = {k: ds[k][:] for k in ("converged", "point", "step", "strain", "stress")}
    p0 = initial_pressure or recorded_initial_pressure(dict(ds.attrs))
    if p0 is None:
        raise MslearnInputError(
            f"dataset {path}: no recorded initial pressure; give initial_pressure [Pa]"
        )
    conv = a["converged"].astype(bool)
    if not conv.any():
        raise MslearnInputError(f"dataset {path}: no converged rows")
    point, step = a["point"][conv], a["step"][conv]
    points, steps = np.unique(point), np.unique(step)
    shape = (points.size, steps.size, a["strain"].shape[1])
    eps, sig = np.full(shape, np.nan), np.full(shape, np.nan)
    ip, js = np.searchsorted(points, point), np.searchsorted(steps, step)
    eps[ip, js], sig[ip, js] = a["strain"][conv], a["stress"][conv]  # last row of a step wins
    complete = np.isfinite(eps).all(axis=(0, 2)) & np.isfinite(sig).all(axis=(0, 2))
    n_ok = int(np.argmin(complete)) if not complete.all() else steps.size
    if n_ok == 0:
        raise MslearnInputError(f"dataset {path}: step {steps[0]} is missing Gauss points")
    return SequenceDataset(
        eps[:, :n_ok],
        sig[:, :n_ok],
        steps[:n_ok].astype(float),
        np.full(points.size, float(p0)),
        {"source": str(path), "points": points.tolist()},
    )
