"""SphereState: a batch of R periodic sphere RVEs as flat arrays (a single RVE is R = 1).

Spheres of RVE r occupy rows ``p_off[r]:p_off[r+1]`` of the particle arrays;
its pair list occupies ``c_off[r]:c_off[r] + npairs[r]`` of the pair arrays
(capacity ``c_off[r+1] - c_off[r]``). Copy/restore is O(spheres + pairs); the
arrays hold the complete dynamic state (the last cell increment ``dh``, the
pair order and the tangential springs), so a saved and reloaded state
continues bit for bit like the original.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from mslearn.core.errors import MslearnInputError
from mslearn.micro.dem.params import (
    P_DT,
    P_SKIN,
    ContactParams,
    critical_time_step3d,
    sphere_inertia,
    sphere_mass,
)
from mslearn.micro.dem.sphere3d.arrays import Batch, Cells, Pairs, Particles

PAIR_CAPACITY_PER_PARTICLE = 12

_PART = ("s", "v", "w", "radius", "mass", "inertia", "disp")
_PAIR = ("pair_i", "pair_j", "pair_n", "pair_fs", "pair_mr", "pair_fn", "pair_flag")
_PER = ("npairs", "h", "h_ref", "dh", "h_build", "strain", "rotation", "step", "params")


@dataclass
class SphereState:
    """Complete state of R sphere RVEs (P spheres in all, C pair slots in all).

    s (P, 3) fractional positions; v (P, 3) fluctuation velocity [m/s];
    w (P, 3) fluctuation angular velocity [rad/s]; radius [m], mass
    ``4/3 pi rho r^3`` [kg], inertia ``2/5 m r^2`` [kg m^2] (P,); disp (P, 3)
    fluctuation displacement since the last neighbour build [m];
    pair_i, pair_j (C,) int32 local indices; pair_n (C, 3) int32 image shift;
    pair_fs (C, 3) tangential spring force on j [N]; pair_mr (C, 3) rolling
    moment on j [N m]; pair_fn (C,) elastic normal force [N]; pair_flag (C,)
    int8 (0 open, 1 stuck, 2 sliding); npairs (R,) int64; p_off, c_off
    (R + 1,) int64; h, h_ref, dh, h_build (R, 3, 3) cell (edges as columns,
    ``x = h s``), reference cell, last increment, cell at the last build (NaN:
    rebuild); strain (R, 6) Voigt small strain w.r.t. h_ref (engineering
    shear, order 11 22 33 23 13 12); rotation (R, 3) rigid rotation vector
    [rad]; step (R,) step counter; params (R, N_PARAMS) kernel rows.
    """

    s: np.ndarray
    v: np.ndarray
    w: np.ndarray
    radius: np.ndarray
    mass: np.ndarray
    inertia: np.ndarray
    disp: np.ndarray
    pair_i: np.ndarray
    pair_j: np.ndarray
    pair_n: np.ndarray
    pair_fs: np.ndarray
    pair_mr: np.ndarray
    pair_fn: np.ndarray
    pair_flag: np.ndarray
    npairs: np.ndarray
    p_off: np.ndarray
    c_off: np.ndarray
    h: np.ndarray
    h_ref: np.ndarray
    dh: np.ndarray
    h_build: np.ndarray
    strain: np.ndarray
    rotation: np.ndarray
    step: np.ndarray
    params: np.ndarray

    # ------------------------------------------------------------------ build
    @classmethod
    def from_particles(
        cls,
        x: np.ndarray,
        radius: np.ndarray,
        h: np.ndarray,
        params: ContactParams,
        dt: float | None = None,
        dt_safety: float = 0.8,
        skin_ratio: float = 0.3,
    ) -> SphereState:
        """One RVE from real positions x (N, 3) [m], radii (N,) [m], cell h (3, 3).

        dt defaults to ``dt_safety * critical_time_step3d``; a dt above the
        critical estimate raises. The Verlet skin is ``skin_ratio * mean radius``."""
        x = np.asarray(x, dtype=float)
        radius = np.asarray(radius, dtype=float)
        h = np.asarray(h, dtype=float)
        if x.ndim != 2 or x.shape[1] != 3 or radius.shape != (x.shape[0],):
            raise MslearnInputError(
                f"positions {x.shape} / radii {radius.shape}: expected (N, 3) / (N,)"
            )
        if not np.all(np.isfinite(radius)) or np.any(radius <= 0):
            bad = int(np.argmin(np.where(np.isfinite(radius), radius, -np.inf)))
            raise MslearnInputError(f"radius[{bad}] = {radius[bad]!r}: expected a positive number")
        if h.shape != (3, 3) or not np.all(np.isfinite(h)) or abs(np.linalg.det(h)) <= 0:
            raise MslearnInputError(f"cell h = {h.tolist()}: expected a non-singular 3x3 matrix")
        dtc = critical_time_step3d(params, float(radius.min()), float(radius.max()))
        if dt is None:
            dt = dt_safety * dtc
        if not (math.isfinite(dt) and 0 < dt <= dtc):
            raise MslearnInputError(
                f"time step dt = {dt!r} s: expected 0 < dt <= critical time step {dtc:.3e} s"
            )
        n = x.shape[0]
        mass = sphere_mass(params, radius)
        cap = max(PAIR_CAPACITY_PER_PARTICLE * n, 64)
        return cls(
            s=np.linalg.solve(h, x.T).T.copy(),
            v=np.zeros((n, 3)),
            w=np.zeros((n, 3)),
            radius=radius.copy(),
            mass=mass,
            inertia=sphere_inertia(mass, radius),
            disp=np.zeros((n, 3)),
            pair_i=np.zeros(cap, np.int32),
            pair_j=np.zeros(cap, np.int32),
            pair_n=np.zeros((cap, 3), np.int32),
            pair_fs=np.zeros((cap, 3)),
            pair_mr=np.zeros((cap, 3)),
            pair_fn=np.zeros(cap),
            pair_flag=np.zeros(cap, np.int8),
            npairs=np.zeros(1, np.int64),
            p_off=np.array([0, n], np.int64),
            c_off=np.array([0, cap], np.int64),
            h=h[None].copy(),
            h_ref=h[None].copy(),
            dh=np.zeros((1, 3, 3)),
            h_build=np.full((1, 3, 3), np.nan),
            strain=np.zeros((1, 6)),
            rotation=np.zeros((1, 3)),
            step=np.zeros(1),
            params=params.row(dt, skin_ratio * float(radius.mean()))[None].copy(),
        )

    # ------------------------------------------------------------- structure
    @property
    def n_rves(self) -> int:
        """Number of RVEs R in the batch."""
        return int(self.p_off.shape[0] - 1)

    @property
    def n_particles(self) -> np.ndarray:
        """(R,) spheres per RVE."""
        return np.diff(self.p_off)

    @property
    def dt(self) -> np.ndarray:
        """(R,) time step per RVE [s]."""
        return self.params[:, P_DT]

    @property
    def skin(self) -> np.ndarray:
        """(R,) Verlet skin per RVE [m]."""
        return self.params[:, P_SKIN]

    def x(self, r: int = 0) -> np.ndarray:
        """Real positions (n_r, 3) [m] of RVE r."""
        a, b = self.p_off[r], self.p_off[r + 1]
        return self.s[a:b] @ self.h[r].T

    def volume(self) -> np.ndarray:
        """(R,) cell volumes |det h| [m^3]."""
        return np.abs(np.linalg.det(self.h))

    def kernel_arrays(self) -> Batch:
        """The state's arrays (not copies) as the typed views the kernels take."""
        return Batch(
            Particles(self.s, self.v, self.w, self.radius, self.mass, self.inertia, self.disp),
            Pairs(self.pair_i, self.pair_j, self.pair_n, self.pair_fs, self.pair_mr,
                  self.pair_fn, self.pair_flag, self.npairs),
            Cells(self.h, self.h_ref, self.dh, self.h_build, self.strain, self.rotation,
                  self.step),
            self.params, self.p_off, self.c_off,
        )  # fmt: skip

    def copy(self) -> SphereState:
        """A deep copy (every array copied), O(P + C)."""
        return SphereState(**{f.name: getattr(self, f.name).copy() for f in fields(self)})

    def restore(self, other: SphereState) -> None:
        """Copy ``other`` into self in place (same layout), O(P + C)."""
        for f in fields(self):
            dst = getattr(self, f.name)
            src = getattr(other, f.name)
            if dst.shape == src.shape:
                dst[...] = src
            else:
                setattr(self, f.name, src.copy())

    def arrays(self) -> dict[str, np.ndarray]:
        """The state's arrays by field name (not copies)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def save(self, path: str | Path) -> None:
        """Write every array to an ``.npz`` file (:meth:`load` reads it back bit for bit)."""
        np.savez(path, **self.arrays())

    @classmethod
    def load(cls, path: str | Path) -> SphereState:
        """Read a state written by :meth:`save`."""
        with np.load(path) as z:
            d = {k: z[k] for k in z.files}
        missing = [f.name for f in fields(cls) if f.name not in d]
        if missing:
            raise MslearnInputError(f"sphere state file {path}: arrays missing: {missing}")
        return cls(**{f.name: np.array(d[f.name]) for f in fields(cls)})

    # ---------------------------------------------------------------- batches
    def select(self, idx) -> SphereState:
        """RVE(s) ``idx`` (an int or a sequence of ints) as a new state (a copy)."""
        ids = [int(idx)] if np.ndim(idx) == 0 else [int(k) for k in idx]
        for k in ids:
            if not 0 <= k < self.n_rves:
                raise MslearnInputError(f"RVE index {k}: expected 0 <= index < {self.n_rves}")
        return SphereState.stack([self], indices=ids)

    @staticmethod
    def stack(states: list[SphereState], indices: list[int] | None = None) -> SphereState:
        """Concatenate RVEs of several states (all RVEs, or ``indices`` of a
        single source state) into one batch; sizes may differ."""
        items = [(st, r) for st in states for r in (range(st.n_rves) if indices is None
                                                     else indices)]  # fmt: skip
        pa, ca = [0], [0]
        for st, r in items:
            pa.append(pa[-1] + int(st.p_off[r + 1] - st.p_off[r]))
            ca.append(ca[-1] + int(st.c_off[r + 1] - st.c_off[r]))
        out: dict[str, np.ndarray] = {}
        for name in _PART:
            out[name] = np.concatenate(
                [getattr(st, name)[st.p_off[r] : st.p_off[r + 1]] for st, r in items]
            )
        for name in _PAIR:
            out[name] = np.concatenate(
                [getattr(st, name)[st.c_off[r] : st.c_off[r + 1]] for st, r in items]
            )
        for name in _PER:
            out[name] = np.stack([getattr(st, name)[r] for st, r in items])
        out["p_off"] = np.array(pa, np.int64)
        out["c_off"] = np.array(ca, np.int64)
        return SphereState(**out)

    def replicate(self, n: int) -> SphereState:
        """A batch of n identical copies of this (one-RVE or batch) state."""
        if n < 1:
            raise MslearnInputError(f"replicate n = {n}: expected n >= 1")
        return SphereState.stack([self] * n)

    def with_capacity(self, per_particle: int) -> SphereState:
        """A copy whose pair capacity is ``per_particle * n`` for every RVE."""
        new_c = [0]
        for r in range(self.n_rves):
            n = int(self.p_off[r + 1] - self.p_off[r])
            new_c.append(new_c[-1] + max(per_particle * n, int(self.npairs[r]), 64))
        out = self.copy()
        for name in _PAIR:
            old = getattr(self, name)
            arr = np.zeros((new_c[-1],) + old.shape[1:], old.dtype)
            for r in range(self.n_rves):
                k = int(self.npairs[r])
                arr[new_c[r] : new_c[r] + k] = old[self.c_off[r] : self.c_off[r] + k]
            setattr(out, name, arr)
        out.c_off = np.array(new_c, np.int64)
        return out

    def set_params(self, params: ContactParams, r: int | None = None) -> None:
        """Replace contact parameters (e.g. restore friction after compaction),
        keeping dt and skin; r = None: every RVE."""
        for k in range(self.n_rves) if r is None else [r]:
            rad = self.radius[self.p_off[k] : self.p_off[k + 1]]
            dt = float(self.params[k, P_DT])
            dtc = critical_time_step3d(params, float(rad.min()), float(rad.max()))
            if dt > dtc:
                raise MslearnInputError(
                    f"RVE {k}: time step {dt:.3e} s exceeds the critical step {dtc:.3e} s "
                    "of the new contact parameters"
                )
            self.params[k] = params.row(dt, float(self.params[k, P_SKIN]))
