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
from mslearn.data.store import load_arrays

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
    if ds.initial_pressure.shape != (s.shape[0],):
        raise MslearnInputError(
            f"dataset: initial_pressure has shape {ds.initial_pressure.shape}; "
            f"expected ({s.shape[0]},) (one per path)"
        )
    if ds.mask is not None and ds.mask.shape != s.shape[:2]:
        raise MslearnInputError(
            f"dataset: mask has shape {ds.mask.shape}; expected {s.shape[:2]} (paths, steps)"
        )
    bad = ~(np.isfinite(s).all(-1) & np.isfinite(t).all(-1))
    if bad.any():
        gp, step = np.argwhere(bad)[0]
        raise MslearnInputError(f"dataset: non-finite value at Gauss point {gp}, step {step}")
    if (ds.initial_pressure <= 0).any():
        gp = int(np.argmax(ds.initial_pressure <= 0))
        raise MslearnInputError(
            f"dataset: initial_pressure[{gp}] = {ds.initial_pressure[gp]}; expected > 0 [Pa]"
        )


def save(ds: SequenceDataset, path: str | Path) -> Path:
    """Write ``.npz`` (attrs as JSON in ``attrs``) or a Zarr group (other names)."""
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
    import zarr

    root = zarr.open_group(str(path), mode="w")
    for k, v in arrays.items():
        root.create_array(k, data=v) if hasattr(root, "create_array") else root.array(k, v)
    root.attrs.update(json.loads(json.dumps(attrs, default=str)))
    return path


def load(path: str | Path) -> SequenceDataset:
    """Read a dataset written by :func:`save` (or any npz/zarr with the same arrays)."""
    path = Path(path)
    if not path.exists():
        raise MslearnInputError(f"dataset {path} does not exist")
    try:
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                arrays = {k: z[k] for k in z.files}
            attrs = json.loads(str(arrays.pop("attrs"))) if "attrs" in arrays else {}
        else:
            root = zarr.open_group(str(path), mode="r")
            arrays = {k: np.asarray(root[k]) for k in root.array_keys()}
            attrs = dict(root.attrs)
    except (OSError, ValueError) as exc:
        raise MslearnInputError(f"dataset {path}: {exc}") from exc
    for k in ("strain", "stress"):
        if k not in arrays:
            raise MslearnInputError(f"dataset {path}: missing array {k!r}")
    if arrays["strain"].ndim == 2 and {"point", "step", "converged"} <= set(arrays):
        return from_point_dataset(path)
    n, s = arrays["strain"].shape[:2] if arrays["strain"].ndim == 3 else (0, 0)
    p0 = arrays.get("initial_pressure")
    if p0 is None:
        if "initial_pressure" in attrs:
            p0 = np.full(n, float(attrs["initial_pressure"]))
        else:
            raise MslearnInputError(f"dataset {path}: missing array 'initial_pressure' [Pa]")
    time = arrays.get("time", np.arange(1, s + 1, dtype=float))
    return SequenceDataset(arrays["strain"], arrays["stress"], time, p0, attrs, arrays.get("mask"))


def recorded_initial_pressure(attrs: dict) -> float | None:
    """p0 [Pa] of the run that recorded a point dataset: the ``initial_pressure``
    attribute, or for older datasets the problem's confining pressure or surcharge."""
    if "initial_pressure" in attrs:
        return float(attrs["initial_pressure"])
    problem = attrs.get("config", {}).get("problem", {})
    for key in ("confining_pressure", "surcharge", "pressure"):
        if key in problem:
            return float(problem[key])
    return None


def from_point_dataset(path: str | Path, initial_pressure: float | None = None) -> SequenceDataset:
    """Converged rows of a recorder (point) dataset as one curve per Gauss point.

    Returns strain and stress (n_gp, steps, nv) over the steps every Gauss point has
    converged rows for (a run that failed part-way is used up to its last committed
    step); ``initial_pressure`` p0 [Pa] defaults to the one recorded with the run.
    """
    path = Path(path)
    a = load_arrays(path, ["converged", "point", "step", "strain", "stress"])
    p0 = initial_pressure or recorded_initial_pressure(dict(zarr.open_group(str(path)).attrs))
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
