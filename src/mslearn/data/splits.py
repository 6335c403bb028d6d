"""Deterministic train/validation/test splits and dataset merging.

Splits group samples so that no trajectory leaks across splits: ``by="point"``
keeps every sample of one Gauss point of one run together (key = (run,
point)); ``by="run"`` keeps whole runs together. Groups are shuffled with a
seeded generator and cut 70/15/15 (default) by group count. Indices are
stored in the dataset under ``splits/<by>/{train,val,test}``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import zarr

from mslearn.core.errors import MslearnInputError
from mslearn.data.store import CHUNK_ROWS, WRITE_CONFIG, chunk_codec, open_dataset

SPLIT_NAMES = ("train", "val", "test")


def split_indices(
    run: np.ndarray,
    point: np.ndarray,
    by: str = "point",
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Sample indices per split (sorted), grouping by (run, point) or by run."""
    if by not in ("point", "run"):
        raise MslearnInputError(f"split by {by!r}; expected 'point' or 'run'")
    if len(fractions) != 3 or min(fractions) < 0 or abs(sum(fractions) - 1) > 1e-9:
        raise MslearnInputError(f"split fractions {fractions}; expected three >= 0 summing to 1")
    key = run.astype(np.int64) * (int(point.max()) + 1) + point if by == "point" else run
    groups, inverse = np.unique(key, return_inverse=True)
    order = np.random.default_rng(seed).permutation(groups.size)
    n_train = int(round(fractions[0] * groups.size))
    n_val = int(round(fractions[1] * groups.size))
    which = np.empty(groups.size, np.int64)
    which[order[:n_train]] = 0
    which[order[n_train : n_train + n_val]] = 1
    which[order[n_train + n_val :]] = 2
    sample_split = which[inverse]
    return {name: np.flatnonzero(sample_split == i) for i, name in enumerate(SPLIT_NAMES)}


def write_split(
    path: str | Path, by: str = "point", seed: int = 0, fractions=(0.7, 0.15, 0.15)
) -> dict[str, int]:
    """Compute a split and store its indices in the dataset; returns split sizes."""
    ds = open_dataset(path)
    idx = split_indices(ds["run"][:], ds["point"][:], by, tuple(fractions), seed)
    g = zarr.open_group(str(path), mode="a")
    sg = g.require_group(f"splits/{by}")
    with zarr.config.set(WRITE_CONFIG):
        for name, ind in idx.items():
            if name in sg:
                del sg[name]
            sg.create_array(
                name,
                data=ind,
                chunks=(max(CHUNK_ROWS, 1),),
                fill_value=-1,
                compressors=chunk_codec(),
            )
    sg.attrs.update({"seed": seed, "fractions": list(fractions), "by": by})
    return {k: int(v.size) for k, v in idx.items()}


def merge_datasets(inputs: list[str | Path], out: str | Path) -> int:
    """Concatenate point datasets (same Voigt size) into ``out``; runs are renumbered.

    Returns the number of samples. Provenance of each input is kept in the
    ``sources`` attribute.
    """
    from mslearn.data.store import PointDatasetWriter

    groups = [open_dataset(p) for p in inputs]
    nv = {int(g.attrs.get("n_voigt", g["stress"].shape[1])) for g in groups}
    if len(nv) != 1:
        raise MslearnInputError(f"cannot merge datasets with different Voigt sizes {sorted(nv)}")
    dims = {int(g["coords"].shape[1]) for g in groups}
    if len(dims) != 1:
        raise MslearnInputError(
            f"cannot merge datasets with different coordinate dimensions {sorted(dims)}"
        )
    writer = PointDatasetWriter(
        out,
        nv.pop(),
        mode="w",
        dim=dims.pop(),
        attrs={
            "sources": [
                {"path": str(p), **dict(g.attrs)} for p, g in zip(inputs, groups, strict=True)
            ]
        },
    )
    offset = 0
    for g in groups:
        rows = {k: g[k][:] for k in g.array_keys()}
        runs = rows["run"]
        rows["run"] = runs + offset
        offset += int(runs.max()) + 1 if runs.size else 0
        writer.append(rows)
    writer.flush()
    return writer.n_rows


def uncommitted_rows(run: np.ndarray, step: np.ndarray, converged: np.ndarray) -> np.ndarray:
    """Mask of the rows of a (run, step) that has no converged row: the evaluations of the
    step on which a run's solver gave up (recorded, never committed)."""
    if run.size == 0:
        return np.zeros(0, bool)
    key = run.astype(np.int64) * (int(step.max()) + 1) + step.astype(np.int64)
    return ~np.isin(key, np.unique(key[converged.astype(bool)]))


def dataset_info(path: str | Path) -> dict:
    """Summary of a dataset: samples, runs, points, steps, converged fraction, ranges, bytes,
    the rows of failed steps (``uncommitted_rows``) and the non-finite evaluations that were
    not recorded (``nonfinite_rows_dropped``)."""
    g = open_dataset(path)
    n = int(g["stress"].shape[0])
    run, point = g["run"][:], g["point"][:]
    converged = g["converged"][:]
    stress, strain = g["stress"][:], g["strain"][:]
    nbytes = sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())
    splits = {}
    if "splits" in g:
        try:
            for by in g["splits"].group_keys():
                sg = g["splits"][by]
                splits[by] = {k: int(sg[k].shape[0]) for k in sg.array_keys()}
        except Exception as exc:  # noqa: BLE001 (junk metadata of a split array)
            raise MslearnInputError(
                f"dataset {str(path)!r}: the stored splits cannot be read: "
                f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
            ) from None
    return {
        "path": str(path),
        "samples": n,
        "runs": int(np.unique(run).size) if n else 0,
        "trajectories": int(np.unique(np.stack([run, point]), axis=1).shape[1]) if n else 0,
        "converged_fraction": float(converged.mean()) if n else 0.0,
        "uncommitted_rows": int(uncommitted_rows(run, g["step"][:], converged).sum()),
        "nonfinite_rows_dropped": int(g.attrs.get("nonfinite_rows_dropped", 0)),
        "stress_min_pa": stress.min(axis=0).tolist() if n else [],
        "stress_max_pa": stress.max(axis=0).tolist() if n else [],
        "strain_min": strain.min(axis=0).tolist() if n else [],
        "strain_max": strain.max(axis=0).tolist() if n else [],
        "bytes": int(nbytes),
        "bytes_per_sample": nbytes / n if n else 0.0,
        "voigt_order": g.attrs.get("voigt_order"),
        "sign_convention": g.attrs.get("sign_convention"),
        "mslearn_version": g.attrs.get("mslearn_version"),
        "splits": splits,
    }
