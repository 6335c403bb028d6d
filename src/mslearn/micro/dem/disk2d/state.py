"""DEMState: a batch of R periodic RVEs as flat arrays (a single RVE is R = 1).

Particles of RVE r occupy rows ``p_off[r]:p_off[r+1]`` of the particle arrays;
its pair list occupies ``c_off[r]:c_off[r] + npairs[r]`` of the pair arrays
(capacity ``c_off[r+1] - c_off[r]``). Copy/restore is O(particles + pairs);
the arrays hold the *complete* dynamic state (including the last cell
increment ``dh`` and the pair order), so a saved and reloaded state continues
bit for bit like the original.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from mslearn.core.errors import MslearnInputError
from mslearn.micro.dem.disk2d.arrays import Batch, Cells, Pairs, Particles
from mslearn.micro.dem.params import (
    N_PARAMS,
    P_DT,
    P_SKIN,
    P_THICK,
    ContactParams,
    critical_time_step,
)

PAIR_CAPACITY_PER_PARTICLE = 8


@dataclass
class DEMState:
    """Complete state of R RVEs (P particles in all, C pair slots in all).

    s (P, 2) fractional positions; v (P, 2) fluctuation velocity [m/s];
    omega (P,) fluctuation spin [rad/s]; theta (P,) rotation [rad];
    radius, mass [kg], inertia [kg m^2] (P,); disp (P, 2) fluctuation
    displacement since the last neighbour build [m];
    pair_i, pair_j (C,) int32 local indices; pair_n (C, 2) int32 image shift;
    pair_fs (C,) tangential force [N]; pair_mr (C,) rolling moment [N m];
    pair_fn (C,) elastic normal force [N];
    pair_flag (C,) int8 (0 open, 1 stuck, 2 sliding); npairs (R,) int64;
    p_off, c_off (R + 1,) int64; h, h_ref, dh, h_build (R, 2, 2) cell,
    reference cell, last increment, cell at last build (NaN: rebuild);
    strain (R, 3) Voigt small strain w.r.t. h_ref (engineering shear);
    rotation (R,) rigid rotation [rad]; step (R,) step counter (float);
    params (R, N_PARAMS) kernel parameter rows (see params.py).
    """

    s: np.ndarray
    v: np.ndarray
    omega: np.ndarray
    theta: np.ndarray
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
    ) -> DEMState:
        """One RVE from real positions x (N, 2) [m], radii (N,) [m], cell h (2, 2).

        dt defaults to ``dt_safety * critical_time_step``; a dt above the
        critical one raises. The Verlet skin is ``skin_ratio * mean radius``.
        """
        x = np.asarray(x, dtype=float)
        radius = np.asarray(radius, dtype=float)
        h = np.asarray(h, dtype=float)
        if x.ndim != 2 or x.shape[1] != 2 or radius.shape != (x.shape[0],):
            raise MslearnInputError(
                f"positions {x.shape} / radii {radius.shape}: expected (N, 2) / (N,)"
            )
        if not np.all(np.isfinite(radius)) or np.any(radius <= 0):
            bad = int(np.argmin(np.where(np.isfinite(radius), radius, -np.inf)))
            raise MslearnInputError(f"radius[{bad}] = {radius[bad]!r}: expected a positive number")
        if h.shape != (2, 2) or not np.all(np.isfinite(h)) or abs(np.linalg.det(h)) <= 0:
            raise MslearnInputError(f"cell h = {h.tolist()}: expected a non-singular 2x2 matrix")
        rmin, rmax = float(radius.min()), float(radius.max())
        dtc = critical_time_step(params, rmin, rmax)
        if dt is None:
            dt = dt_safety * dtc
        if not (math.isfinite(dt) and 0 < dt <= dtc):
            raise MslearnInputError(
                f"time step dt = {dt!r} s: expected 0 < dt <= critical time step {dtc:.3e} s"
            )
        n = x.shape[0]
        s = np.linalg.solve(h, x.T).T
        mass = params.density * math.pi * radius**2 * params.thickness
        cap = max(PAIR_CAPACITY_PER_PARTICLE * n, 64)
        nan22 = np.full((1, 2, 2), np.nan)
        return cls(
            s=s.copy(),
            v=np.zeros((n, 2)),
            omega=np.zeros(n),
            theta=np.zeros(n),
            radius=radius.copy(),
            mass=mass,
            inertia=0.5 * mass * radius**2,
            disp=np.zeros((n, 2)),
            pair_i=np.zeros(cap, np.int32),
            pair_j=np.zeros(cap, np.int32),
            pair_n=np.zeros((cap, 2), np.int32),
            pair_fs=np.zeros(cap),
            pair_mr=np.zeros(cap),
            pair_fn=np.zeros(cap),
            pair_flag=np.zeros(cap, np.int8),
            npairs=np.zeros(1, np.int64),
            p_off=np.array([0, n], np.int64),
            c_off=np.array([0, cap], np.int64),
            h=h[None].copy(),
            h_ref=h[None].copy(),
            dh=np.zeros((1, 2, 2)),
            h_build=nan22,
            strain=np.zeros((1, 3)),
            rotation=np.zeros(1),
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
        """(R,) particles per RVE."""
        return np.diff(self.p_off)

    @property
    def dt(self) -> np.ndarray:
        """(R,) time step per RVE [s]."""
        return self.params[:, P_DT]

    @property
    def mean_diameter(self) -> np.ndarray:
        """(R,) mean disk diameter per RVE [m]."""
        return 2.0 * np.add.reduceat(self.radius, self.p_off[:-1]) / self.n_particles

    @property
    def density(self) -> np.ndarray:
        """(R,) solid density per RVE [kg/m3]: total mass over total disk volume."""
        vol = np.pi * self.radius**2 * np.repeat(self.params[:, P_THICK], self.n_particles)
        starts = self.p_off[:-1]
        return np.add.reduceat(self.mass, starts) / np.add.reduceat(vol, starts)

    @property
    def skin(self) -> np.ndarray:
        """(R,) Verlet skin per RVE [m]."""
        return self.params[:, P_SKIN]

    def x(self, r: int = 0) -> np.ndarray:
        """Real positions (n_r, 2) [m] of RVE r."""
        a, b = self.p_off[r], self.p_off[r + 1]
        return self.s[a:b] @ self.h[r].T

    def kernel_arrays(self) -> Batch:
        """The state's arrays (not copies) as the typed views the kernels take."""
        return Batch(
            Particles(self.s, self.v, self.omega, self.theta, self.radius, self.mass,
                      self.inertia, self.disp),
            Pairs(self.pair_i, self.pair_j, self.pair_n, self.pair_fs, self.pair_mr,
                  self.pair_fn, self.pair_flag, self.npairs),
            Cells(self.h, self.h_ref, self.dh, self.h_build, self.strain, self.rotation,
                  self.step),
            self.params, self.p_off, self.c_off,
        )  # fmt: skip

    def copy(self) -> DEMState:
        """A deep copy (every array copied), O(P + C)."""
        return DEMState(**{f.name: getattr(self, f.name).copy() for f in fields(self)})

    def restore(self, other: DEMState) -> None:
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
    def load(cls, path: str | Path) -> DEMState:
        """Read a state written by :meth:`save`."""
        with np.load(path) as z:
            return cls.from_arrays({k: z[k] for k in z.files})

    @classmethod
    def from_arrays(cls, d: dict[str, np.ndarray]) -> DEMState:
        """From named arrays; states saved before rolling resistance existed
        (no ``pair_mr``, 12 parameter columns) are upgraded with zeros."""
        d = dict(d)
        if "pair_mr" not in d and "pair_fs" in d:
            d["pair_mr"] = np.zeros_like(d["pair_fs"])
        prm = np.asarray(d.get("params", np.zeros((0, N_PARAMS))))
        if prm.ndim == 2 and prm.shape[1] < N_PARAMS:
            d["params"] = np.pad(prm, ((0, 0), (0, N_PARAMS - prm.shape[1])))
        missing = [f.name for f in fields(cls) if f.name not in d]
        if missing:
            raise MslearnInputError(f"DEM state arrays missing: {missing}")
        return cls(**{f.name: np.array(d[f.name]) for f in fields(cls)})

    # ---------------------------------------------------------------- batches
    def select(self, r: int) -> DEMState:
        """RVE r as a one-RVE state (a copy)."""
        return DEMState.stack([self], indices=[r])

    @staticmethod
    def stack(states: list[DEMState], indices: list[int] | None = None) -> DEMState:
        """Concatenate RVEs of several states (all RVEs, or ``indices`` of a
        single source state) into one batch; sizes may differ."""
        items = []
        for st in states:
            rs = range(st.n_rves) if indices is None else indices
            for r in rs:
                items.append((st, r))
        pa, ca = [0], [0]
        for st, r in items:
            pa.append(pa[-1] + int(st.p_off[r + 1] - st.p_off[r]))
            ca.append(ca[-1] + int(st.c_off[r + 1] - st.c_off[r]))
        out: dict[str, np.ndarray] = {}
        part = ["s", "v", "omega", "theta", "radius", "mass", "inertia", "disp"]
        pair = ["pair_i", "pair_j", "pair_n", "pair_fs", "pair_mr", "pair_fn", "pair_flag"]
        per = ["npairs", "h", "h_ref", "dh", "h_build", "strain", "rotation", "step", "params"]
        for name in part:
            out[name] = np.concatenate(
                [getattr(st, name)[st.p_off[r] : st.p_off[r + 1]] for st, r in items]
            )
        for name in pair:
            out[name] = np.concatenate(
                [getattr(st, name)[st.c_off[r] : st.c_off[r + 1]] for st, r in items]
            )
        for name in per:
            out[name] = np.stack([getattr(st, name)[r] for st, r in items])
        out["p_off"] = np.array(pa, np.int64)
        out["c_off"] = np.array(ca, np.int64)
        return DEMState(**out)

    def replicate(self, n: int) -> DEMState:
        """A batch of n identical copies of this (one-RVE or batch) state."""
        if n < 1:
            raise MslearnInputError(f"replicate n = {n}: expected n >= 1")
        return DEMState.stack([self] * n)

    def with_capacity(self, per_particle: int) -> DEMState:
        """A copy whose pair capacity is ``per_particle * n`` for every RVE."""
        new_c = [0]
        for r in range(self.n_rves):
            n = int(self.p_off[r + 1] - self.p_off[r])
            new_c.append(new_c[-1] + max(per_particle * n, int(self.npairs[r]), 64))
        out = self.copy()
        C = new_c[-1]
        for name in ["pair_i", "pair_j", "pair_n", "pair_fs", "pair_mr", "pair_fn", "pair_flag"]:
            old = getattr(self, name)
            arr = np.zeros((C,) + old.shape[1:], old.dtype)
            for r in range(self.n_rves):
                k = int(self.npairs[r])
                arr[new_c[r] : new_c[r] + k] = old[self.c_off[r] : self.c_off[r] + k]
            setattr(out, name, arr)
        out.c_off = np.array(new_c, np.int64)
        return out

    def set_params(self, params: ContactParams, r: int | None = None) -> None:
        """Replace contact parameters (e.g. restore friction after compaction),
        keeping dt and skin; r = None: every RVE."""
        rows = range(self.n_rves) if r is None else [r]
        for k in rows:
            rad = self.radius[self.p_off[k] : self.p_off[k + 1]]
            dt = float(self.params[k, P_DT])
            dtc = critical_time_step(params, float(rad.min()), float(rad.max()))
            if dt > dtc:
                raise MslearnInputError(
                    f"RVE {k}: time step {dt:.3e} s exceeds the critical step {dtc:.3e} s "
                    "of the new contact parameters"
                )
            self.params[k] = params.row(dt, float(self.params[k, P_SKIN]))
        assert self.params.shape[1] == N_PARAMS
