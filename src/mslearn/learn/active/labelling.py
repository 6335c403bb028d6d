"""Labelling axial strain paths with DEM RVE element tests (seed 001 Sec. 4.3 step 6).

Every path is imposed on a copy of one prepared packing as a drained biaxial
test: the axial strain E22 follows the path (compression positive in the
path, tension positive in the RVE), the lateral stress s11 is held at the
confining pressure p0 (stress-controlled), E12 = 0. All paths of a batch
advance together in one numba call (shorter paths are padded with zero
increments). Labels are (compression positive):

* ``axial_stress`` sigma_a = -s22, ``lateral_strain`` eps_l = -E11, both (T,);
* stresses are reported in Pa; the learning code divides by p0.

``packings`` > 1: every path is run on that many independently prepared
packings (seeds packing_seed, packing_seed + 1, ...) and the label is their
mean — an ensemble average that damps the stick-slip fluctuations of a small
RVE like a larger RVE would (the label noise falls roughly as 1 / sqrt(k)).

Faults: a batch whose DEM run fails is re-run path by path; a path that fails
is retried with half the strain per DEM step, then skipped and reported
(``LabelFailure``). Batches go to a serial loop or to spawned processes
(``executor="processes"``).

:class:`LabelStore` writes each label to disk as it arrives (atomic npz per
path) so a stopped loop never pays for a label twice.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from mslearn.core.errors import MslearnInputError
from mslearn.learn.active.labeller import LabelFailure, register_labeller


@dataclass(frozen=True)
class DEMLabellerOptions:
    """preset: RVE parameter set (mslearn.micro.dem.presets); particles: disks per RVE;
    p0 [Pa]: consolidation and confining pressure (seed 001 Sec. 4.4: 200 kPa);
    strain_per_dem_step: axial strain per DEM step (quasi-static loading);
    batch: paths per DEM call; retries: re-runs of a failing path."""

    preset: str = "guan2023"
    particles: int = 500
    p0: float = 2.0e5
    packing_seed: int = 0
    packings: int = 1
    strain_per_dem_step: float = 1e-5
    batch: int = 10
    retries: int = 1
    executor: str = "serial"
    workers: int = 2

    def __post_init__(self) -> None:
        if self.particles < 10:
            raise MslearnInputError(f"labeller particles = {self.particles}: expected >= 10")
        if not self.p0 > 0:
            raise MslearnInputError(f"labeller p0 = {self.p0}: expected a positive pressure [Pa]")
        if not 0 < self.strain_per_dem_step <= 1e-3:
            raise MslearnInputError(
                f"labeller strain_per_dem_step = {self.strain_per_dem_step}: expected (0, 1e-3]"
            )
        if self.packings < 1:
            raise MslearnInputError(f"labeller packings = {self.packings}: expected >= 1")
        if self.batch < 1 or self.retries < 0 or self.workers < 1:
            raise MslearnInputError(
                f"labeller batch = {self.batch}, retries = {self.retries}, workers = "
                f"{self.workers}: expected batch >= 1, retries >= 0, workers >= 1"
            )
        if self.executor not in ("serial", "processes"):
            raise MslearnInputError(
                f"labeller executor = {self.executor!r}: expected 'serial' or 'processes'"
            )


def _templates(o: DEMLabellerOptions):
    """The ``o.packings`` prepared one-RVE packings (cached on disk)."""
    from mslearn.micro.dem.material import prepared_packings
    from mslearn.micro.dem.presets import preset

    packing, params = preset(o.preset)
    packing = replace(packing, n_particles=o.particles, p0=o.p0, seed=o.packing_seed)
    return prepared_packings(packing, params, o.packings)


def _run_batch(paths: list[np.ndarray], o: DEMLabellerOptions, strain_per_step: float) -> dict:
    """DEM-label ``paths`` together; raises on a DEM failure or a non-finite stress."""
    from mslearn.micro.dem.disk2d.engine import DEMFailure
    from mslearn.micro.dem.disk2d.loading import STRAIN, STRESS, LoadOptions, load
    from mslearn.micro.dem.disk2d.state import DEMState

    k_pack = o.packings
    templates = _templates(o)
    st = DEMState.stack([t for _ in paths for t in templates])  # path-major
    t_max = max(len(p) for p in paths)
    inc = np.zeros((len(paths) * k_pack, t_max - 1))
    for k, p in enumerate(paths):
        inc[k * k_pack : (k + 1) * k_pack, : len(p) - 1] = np.diff(p)
    lo = LoadOptions(
        max_strain_per_step=strain_per_step,
        relax=False,
        servo_max_strain_per_step=5 * strain_per_step,
    )
    from mslearn.micro.dem.disk2d.homogenise import homogenise

    s0 = homogenise(st).stress
    stress, strain = [s0.copy()], [st.strain.copy()]
    for t in range(t_max - 1):
        d = np.zeros((st.n_rves, 3))
        d[:, 1] = -inc[:, t]
        try:
            r = load(st, d, lo, mode=(STRESS, STRAIN, STRAIN), stress_target=[-o.p0, 0.0, 0.0])
        except DEMFailure as exc:
            bad = exc.rve // k_pack if exc.rve >= 0 else exc.rve
            raise RuntimeError(f"DEM failure in path {bad} of the batch: {exc}") from exc
        if not np.isfinite(r.stress).all():
            bad = int(np.flatnonzero(~np.isfinite(r.stress).all(axis=1))[0]) // k_pack
            raise RuntimeError(f"non-finite stress in path {bad} of the batch at point {t + 1}")
        stress.append(r.stress.copy())
        strain.append(r.strain.copy())
    # (T, paths, packings, 3) -> mean over the packings
    stress = np.array(stress).reshape(t_max, len(paths), k_pack, 3).mean(axis=2)
    strain = np.array(strain).reshape(t_max, len(paths), k_pack, 3).mean(axis=2)
    return {
        "axial_stress": [-stress[: len(p), k, 1] for k, p in enumerate(paths)],
        "lateral_stress": [-stress[: len(p), k, 0] for k, p in enumerate(paths)],
        "lateral_strain": [-strain[: len(p), k, 0] for k, p in enumerate(paths)],
        "axial_strain": [-strain[: len(p), k, 1] for k, p in enumerate(paths)],
    }


def _label_chunk(args) -> tuple[list[dict | None], list[tuple[int, str]]]:
    """Worker entry: label a chunk with fallback path by path and retries."""
    paths, o = args
    try:
        out = _run_batch(paths, o, o.strain_per_dem_step)
        return [{k: v[i] for k, v in out.items()} for i in range(len(paths))], []
    except Exception as batch_exc:  # noqa: BLE001 - isolate the failing path below
        first = str(batch_exc)
    labels: list[dict | None] = []
    failures: list[tuple[int, str]] = []
    for i, p in enumerate(paths):
        step, reason = o.strain_per_dem_step, first
        for _attempt in range(o.retries + 1):
            try:
                out = _run_batch([p], o, step)
                labels.append({k: v[0] for k, v in out.items()})
                break
            except Exception as exc:  # noqa: BLE001 - reported, never lost silently
                reason = str(exc)
                step *= 0.5
        else:
            labels.append(None)
            failures.append((i, reason))
    return labels, failures


class DEMLabeller:
    """The DEM :class:`~mslearn.learn.active.labeller.Labeller`: drained biaxial element
    tests on copies of prepared packings; label(paths) -> (labels, failures)."""

    def __init__(self, options: DEMLabellerOptions = DEMLabellerOptions()) -> None:
        self.options = options
        _templates(options)  # prepare (and cache) the packings once, up front

    def label(self, paths: list[np.ndarray]) -> tuple[list[dict | None], list[LabelFailure]]:
        """DEM element tests along axial strain paths (T_i,); labels[i] holds (T_i,) arrays
        (axial / lateral strain, axial / lateral stress [Pa]) or None where it failed."""
        o = self.options
        chunks = [paths[i : i + o.batch] for i in range(0, len(paths), o.batch)]
        if o.executor == "processes" and len(chunks) > 1:
            with ProcessPoolExecutor(o.workers, mp_context=get_context("spawn")) as ex:
                results = list(ex.map(_label_chunk, [(c, o) for c in chunks]))
        else:
            results = [_label_chunk((c, o)) for c in chunks]
        labels: list[dict | None] = []
        failures: list[LabelFailure] = []
        for c, (lab, fail) in enumerate(results):
            base = c * o.batch
            labels += lab
            failures += [LabelFailure(base + i, why) for i, why in fail]
        return labels, failures


register_labeller("dem", DEMLabeller)


class LabelStore:
    """Labels on disk, one atomic ``<key>.npz`` per path, plus the labeller options."""

    def __init__(self, root: Path, options: DEMLabellerOptions) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        meta = self.root / "labeller.json"
        mine = asdict(options)
        for k in ("executor", "workers", "batch"):
            mine.pop(k)
        if meta.is_file():
            defaults = {k: v for k, v in asdict(DEMLabellerOptions()).items() if k in mine}
            theirs = {**defaults, **json.loads(meta.read_text())}  # fields added later: defaults
            if theirs != mine:
                raise MslearnInputError(
                    f"label store {self.root} was written with labeller {theirs}; this run asks "
                    f"for {mine}: use another --out or the same labeller settings"
                )
        else:
            meta.write_text(json.dumps(mine, indent=2))

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.npz"

    def has(self, key: str) -> bool:
        """True if a label for ``key`` is stored."""
        return self._path(key).is_file()

    def get(self, key: str) -> dict[str, np.ndarray]:
        """The stored label arrays of ``key``."""
        with np.load(self._path(key)) as z:
            return {k: z[k] for k in z.files}

    def put(self, key: str, label: dict[str, np.ndarray]) -> None:
        """Store a label atomically (temporary file, then rename)."""
        tmp = self.root / f".{key}.tmp.npz"
        np.savez(tmp, **label)
        os.replace(tmp, self._path(key))

    def keys(self) -> list[str]:
        """Keys of every stored label, sorted."""
        return sorted(p.stem for p in self.root.glob("*.npz") if not p.name.startswith("."))
