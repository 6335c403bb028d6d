"""Seed 003 figures: loading-space overlap (Figs. 17, 23, 27), principal-direction
mismatch (Fig. 18), side-by-side shear-strain contours (Figs. 19, 22, 26).

Overlap measure (our definition; the paper shows the clouds only). Two point clouds A
(the calibration data: strip-footing Gauss-point states) and B (a BVP's Gauss-point
states) in one 2D plane (e.g. eps_11 against sigma_11, or p against q) are binned on
a common ``bins`` x ``bins`` grid spanning the union of both clouds. With occ(X) the
set of occupied cells,

* coverage = |occ(A) & occ(B)| / |occ(B)|: the share of the BVP's occupied loading
  space that the calibration data also visits (1: fully covered, 0: disjoint);
* jaccard = |occ(A) & occ(B)| / |occ(A) | occ(B)|.

Principal directions (2D, Voigt [11, 22, 12], engineering shear for strain): the
angle of the major (algebraically largest) principal axis from x_1,
theta = atan2(2 t_12, t_11 - t_22) / 2 with t_12 the tensor shear; the mismatch
theta_eps - theta_sig is wrapped to [-90, 90) deg. Equivalent strain
eps_e = sqrt(2/3 e:e), e the strain deviator (plane strain: eps_33 = 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from mslearn.core.errors import MslearnInputError  # noqa: E402

COMPONENTS_2D = ("11", "22", "12")


def overlap(a: np.ndarray, b: np.ndarray, bins: int = 20) -> dict:
    """Coverage and Jaccard overlap (module doc) of clouds ``a`` (n, 2) and ``b`` (m, 2);
    non-finite rows are dropped. A degenerate axis (zero range) gets one bin."""
    a = np.asarray(a, dtype=float).reshape(-1, 2)
    b = np.asarray(b, dtype=float).reshape(-1, 2)
    a = a[np.isfinite(a).all(1)]
    b = b[np.isfinite(b).all(1)]
    if not len(a) or not len(b):
        raise MslearnInputError(
            f"overlap: clouds of {len(a)} and {len(b)} points; expected both > 0"
        )
    both = np.vstack([a, b])
    lo, hi = both.min(0), both.max(0)
    span = np.where(hi > lo, hi - lo, 1.0)

    def cells(x: np.ndarray) -> set:
        idx = np.clip(((x - lo) / span * bins).astype(int), 0, bins - 1)
        idx[:, hi <= lo] = 0
        return set(map(tuple, idx))

    ca, cb = cells(a), cells(b)
    inter = len(ca & cb)
    return {"coverage": inter / len(cb), "jaccard": inter / len(ca | cb), "bins": bins}


def principal_angle(t: np.ndarray, engineering: bool) -> np.ndarray:
    """Major principal direction [deg, in (-90, 90]] of 2D Voigt tensors (..., 3)."""
    t = np.asarray(t, dtype=float)
    shear = t[..., 2] / 2.0 if engineering else t[..., 2]
    return np.degrees(0.5 * np.arctan2(2.0 * shear, t[..., 0] - t[..., 1]))


def wrap_angle(d: np.ndarray) -> np.ndarray:
    """Angles [deg] wrapped to [-90, 90) (principal axes are lines: 180 deg periodic)."""
    return (np.asarray(d, dtype=float) + 90.0) % 180.0 - 90.0


def equivalent_strain(eps: np.ndarray) -> np.ndarray:
    """sqrt(2/3 e:e) of 2D plane-strain Voigt strains (..., 3), engineering shear."""
    e = np.asarray(eps, dtype=float)
    ev = (e[..., 0] + e[..., 1]) / 3.0
    d11, d22, d33 = e[..., 0] - ev, e[..., 1] - ev, -ev
    return np.sqrt(2.0 / 3.0 * (d11**2 + d22**2 + d33**2 + 2.0 * (e[..., 2] / 2.0) ** 2))


def mismatch(eps: np.ndarray, sig: np.ndarray, sig0: np.ndarray | None = None,
             tol: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(equivalent strain, theta_eps - theta_sig [deg]) of paired 2D states (..., 3),
    flattened; states whose strain or stress deviator (the stress after subtracting
    ``sig0``, e.g. the initial state) is below ``tol`` times its largest are dropped
    (their principal direction is undefined)."""
    eps = np.asarray(eps, dtype=float).reshape(-1, 3)
    sig = np.asarray(sig, dtype=float).reshape(-1, 3)
    if sig0 is not None:
        sig = sig - np.asarray(sig0, dtype=float).reshape(-1, 3)
    r_e = np.hypot((eps[:, 0] - eps[:, 1]) / 2.0, eps[:, 2] / 2.0)
    r_s = np.hypot((sig[:, 0] - sig[:, 1]) / 2.0, sig[:, 2])
    keep = (r_e > tol * max(r_e.max(initial=0.0), 1e-300)) & (
        r_s > tol * max(r_s.max(initial=0.0), 1e-300)
    )
    d = wrap_angle(principal_angle(eps[keep], True) - principal_angle(sig[keep], False))
    return equivalent_strain(eps[keep]), d


def p_q(sig: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """In-plane p = -(s11 + s22)/2 and t = sqrt(((s11 - s22)/2)^2 + s12^2) [Pa] of 2D
    Voigt stresses (..., 3), compression positive (the 2D disk-RVE measures)."""
    s = np.asarray(sig, dtype=float)
    return -(s[..., 0] + s[..., 1]) / 2.0, np.hypot((s[..., 0] - s[..., 1]) / 2.0, s[..., 2])


def plot_overlap(path: Path, train: tuple, bvp: tuple, title: str, bins: int = 20) -> dict:
    """Fig. 17-style panels: (eps_i, sigma_i) for i = 11, 22, 12 and (p, t), calibration
    clouds ``train`` = (strain, stress) against the BVP's ``bvp`` (each (..., 3));
    returns the overlap of every panel (module doc)."""
    (ea, sa), (eb, sb) = ((np.reshape(e, (-1, 3)), np.reshape(s, (-1, 3))) for e, s in (train, bvp))
    panels = [(f"eps_{c}", f"sigma_{c} [kPa]", ea[:, i], sa[:, i] / 1e3, eb[:, i], sb[:, i] / 1e3)
              for i, c in enumerate(COMPONENTS_2D)]  # fmt: skip
    pa, ta = p_q(sa)
    pb, tb = p_q(sb)
    panels.append(("p [kPa]", "t [kPa]", pa / 1e3, ta / 1e3, pb / 1e3, tb / 1e3))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.0 * len(panels), 3.6))
    out = {}
    for ax, (xl, yl, xa, ya, xb, yb) in zip(axes, panels, strict=True):
        ov = overlap(np.c_[xa, ya], np.c_[xb, yb], bins)
        out[f"{xl.split()[0]}-{yl.split()[0]}"] = ov
        ax.scatter(xa, ya, s=4, alpha=0.4, label="strip footing (calibration)")
        ax.scatter(xb, yb, s=4, alpha=0.4, label="BVP")
        ax.set_xlabel(xl)
        ax.set_ylabel(yl)
        ax.set_title(f"coverage {ov['coverage']:.2f}, Jaccard {ov['jaccard']:.2f}", fontsize=9)
    axes[0].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return out


def plot_mismatch(path: Path, series: Sequence[tuple[str, np.ndarray, np.ndarray]],
                  title: str) -> dict:  # fmt: skip
    """Fig. 18: theta_eps - theta_sig against eps_e, one panel per (label, eps_e, angle);
    returns per label the mean |angle| and its standard deviation [deg]."""
    fig, axes = plt.subplots(1, len(series), figsize=(4.0 * len(series), 3.4), squeeze=False)
    stats = {}
    for ax, (label, ee, d) in zip(axes[0], series, strict=True):
        ax.scatter(ee, d, s=5, alpha=0.5)
        ax.set_xlabel("equivalent strain eps_e [-]")
        ax.set_ylabel("theta_eps - theta_sigma [deg]")
        ax.set_ylim(-90, 90)
        stats[label] = {
            "n": int(d.size),
            "mean_abs_deg": float(np.mean(np.abs(d))) if d.size else None,
            "std_deg": float(np.std(d)) if d.size else None,
        }
        ax.set_title(label, fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return stats


def plot_contours(path: Path, panels: Sequence[tuple], label: str = "deviatoric strain [-]",
                  title: str = "") -> None:  # fmt: skip
    """Side-by-side cell fields (e.g. the deviatoric (shear) strain) of several runs, one
    colour scale for all: ``panels`` = (title, points (n, 2), cells, u (n, 2), values
    (n_cells,)), drawn on the deformed meshes (true scale)."""
    from mslearn.report.fem_plots import draw_field

    if not panels:
        raise MslearnInputError("plot_contours: no panels; expected at least one run")
    vmax = max(float(np.nanmax(p[4])) for p in panels)
    fig, axes = plt.subplots(1, len(panels), figsize=(3.8 * len(panels), 3.6), squeeze=False)
    for ax, (name, pts, cells, u, v) in zip(axes[0], panels, strict=True):
        draw_field(ax, pts, cells, u, v, 1.0, label, "viridis", 0.0, vmax)
        ax.set_title(name, fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
