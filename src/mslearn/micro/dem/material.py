"""DEMMaterial: one periodic DEM RVE per Gauss point behind the material seam.

Seed 000 Algorithm 1: every Newton iteration applies the step's *total*
strain increment (trial strain - committed strain) to the *committed* RVE
states (never to accumulated trial states), and ``commit()`` accepts the
RVEs of the last trial. Copies are O(particles) array copies (DEMState
.restore); all RVEs of the batch advance in one numba call.

Stiffness: ``kind="secant"`` — the affine contact stiffness of seed 000
Eq. 11 (Kruyt-Rothenburg, an upper bound: it ignores particle rearrangement),
as Guo and Zhao's FEM-DEM. Option ``tangent="perturbation"``: D by forward
differences of the homogenised stress, three extra RVE loadings per trial
(4x the DEM cost), declared ``kind="tangent"``.

Extras per Gauss point: unbalanced_ratio, void_ratio, coordination,
sliding_fraction, dem_steps, kinetic_energy, inertial_number, converged
(relaxation reached the tolerance).

The engine follows the templates: disk states (DEMState, plane strain, Voigt 3)
or sphere states (SphereState, 3D, Voigt 6); both engines share the signatures
``load(state, d_strain, options)``, ``copy``, ``restore``, ``stack``, ``select``.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

import numpy as np

from mslearn.core.errors import MslearnInputError, SolverFailure
from mslearn.materials.base import MaterialFeatures, MaterialResponse, check_strain
from mslearn.micro.dem.disk2d.engine import DEMFailure
from mslearn.micro.dem.disk2d.loading import LoadOptions, load
from mslearn.micro.dem.disk2d.state import DEMState
from mslearn.micro.dem.params import ContactParams
from mslearn.micro.dem.prepare import PackingOptions, prepare_packing
from mslearn.micro.dem.sphere3d.loading import load as load3d
from mslearn.micro.dem.sphere3d.prepare import PackingOptions3D, prepare_packing3d
from mslearn.micro.dem.sphere3d.state import SphereState


def cache_dir() -> Path:
    """Where prepared packings are cached: $MSLEARN_CACHE or ~/.cache/mslearn."""
    return Path(os.environ.get("MSLEARN_CACHE", Path.home() / ".cache" / "mslearn"))


def prepared_packings(
    packing: PackingOptions | PackingOptions3D,
    params: ContactParams,
    count: int = 1,
    use_cache: bool = True,
) -> list[DEMState] | list[SphereState]:
    """``count`` independently prepared one-RVE packings (seeds seed, seed+1, ...), cached;
    disks for PackingOptions, spheres for PackingOptions3D."""
    spheres = isinstance(packing, PackingOptions3D)
    state_cls, prepare = (
        (SphereState, prepare_packing3d) if spheres else (DEMState, prepare_packing)
    )
    out = []
    for i in range(count):
        opts = type(packing)(**{**asdict(packing), "seed": packing.seed + i})
        what = [asdict(opts), asdict(params)] + (["spheres"] if spheres else [])
        key = hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()
        path = cache_dir() / "packings" / f"{key[:20]}.npz"
        if use_cache and path.is_file():
            out.append(state_cls.load(path))
            continue
        res = prepare(opts, params)
        if not res.converged:
            raise MslearnInputError(
                f"packing {i} (seed {opts.seed}) did not reach p0 = {opts.p0} Pa within "
                f"{opts.max_steps} steps (unbalanced ratio {res.unbalanced:.2e})"
            )
        if use_cache:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp.npz")
            res.state.save(tmp)
            os.replace(tmp, path)
        out.append(res.state)
    return out


class DEMMaterial:
    """A batch of ``n_points`` RVEs, cloned from ``templates`` (cycled if several).

    ``point_offset``: global index of the first point (a shard of a larger
    batch gets the same RVEs as the serial batch).
    templates: prepared one-RVE states (consolidated; zero strain): DEMState (2D disks,
    plane strain) or SphereState (3D spheres).
    options: DEM loading options (strain per DEM step, relaxation, tolerance).
    tangent: "contact" (Eq. 11, secant) or "perturbation" (forward differences).
    """

    def __init__(
        self,
        templates: list[DEMState] | list[SphereState],
        n_points: int,
        options: LoadOptions | None = None,
        tangent: str = "contact",
        perturbation: float = 1e-5,
        point_offset: int = 0,
    ) -> None:
        if not templates:
            raise MslearnInputError("DEMMaterial needs at least one prepared packing")
        if tangent not in ("contact", "perturbation"):
            raise MslearnInputError(f"tangent {tangent!r}; expected 'contact' or 'perturbation'")
        self.n_points = int(n_points)
        spheres = isinstance(templates[0], SphereState)
        if any(isinstance(t, SphereState) != spheres for t in templates):
            raise MslearnInputError("DEMMaterial: templates mix disk (2D) and sphere (3D) states")
        self._state_cls = SphereState if spheres else DEMState
        self._load = load3d if spheres else load
        # disks are plane strain, spheres 3D; perturbation gives a finite-difference tangent
        self.features = MaterialFeatures(
            3 if spheres else 2,
            tangent="tangent" if tangent == "perturbation" else "secant",
            history=True,
        )
        self.n_voigt = self.features.n_voigt
        self.point_offset = int(point_offset)
        self.options = options or LoadOptions()
        self.tangent, self.h = tangent, float(perturbation)
        one = [t if t.n_rves == 1 else t.select(0) for t in templates]
        self._committed = self._state_cls.stack(
            [one[(point_offset + i) % len(one)] for i in range(self.n_points)]
        )
        self._work = self._committed.copy()
        self._strain = np.zeros((self.n_points, self.n_voigt))
        self._trial_strain: np.ndarray | None = None

    @property
    def bytes_per_rve(self) -> float:
        """Memory of one committed RVE state [bytes] (the work copy doubles it)."""
        return sum(a.nbytes for a in self._committed.arrays().values()) / self.n_points

    def _load_from_committed(self, d_strain: np.ndarray):
        self._work.restore(self._committed)
        try:
            return self._load(self._work, d_strain, self.options)
        except DEMFailure as exc:
            raise SolverFailure(
                f"the RVE at Gauss point {self.point_offset + exc.rve} went unstable "
                f"(DEM step {exc.step}): {exc}"
            ) from exc

    def trial(self, strain: np.ndarray) -> MaterialResponse:
        """Load every RVE from its committed state to the total strain (n, nv): stress
        [Pa], the contact (secant) or perturbation (tangent) D, extras (unbalanced ratio)."""
        strain = check_strain(strain, self.n_points, self.n_voigt)
        d = strain - self._strain
        if self.tangent == "perturbation":
            cols = []
            for j in range(self.n_voigt):
                dj = d.copy()
                dj[:, j] += self.h
                cols.append(self._load_from_committed(dj).stress)
        res = self._load_from_committed(d)
        extras = res.extras()
        if self.tangent == "perturbation":
            D = np.stack([(c - res.stress) / self.h for c in cols], axis=2)
            kind = "tangent"
        else:
            D, kind = res.stiffness, "secant"
        self._trial_strain = strain
        return MaterialResponse(res.stress, D, kind, extras)

    def commit(self) -> None:
        """Accept the last trial: the loaded RVEs become the committed ones."""
        if self._trial_strain is None:
            raise RuntimeError("commit() called before trial()")
        self._committed.restore(self._work)
        self._strain = self._trial_strain.copy()

    def state_dict(self) -> dict[str, np.ndarray]:
        """The committed RVE arrays and strain, for checkpoints."""
        out = {f"rve/{k}": v.copy() for k, v in self._committed.arrays().items()}
        out["strain"] = self._strain.copy()
        return out

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore committed RVEs written by :meth:`state_dict`."""
        arrays = {k.split("/", 1)[1]: np.array(v) for k, v in state.items() if k.startswith("rve/")}
        if self._state_cls is SphereState:
            self._committed = SphereState(**arrays)
        else:
            self._committed = DEMState.from_arrays(arrays)
        self._work = self._committed.copy()
        self._strain = np.array(state["strain"], float)
        self._trial_strain = None
