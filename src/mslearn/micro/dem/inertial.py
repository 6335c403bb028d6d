"""The inertial number of a sheared granular RVE, and the strain per DEM step that keeps it small.

    I = strain_rate * d_mean * sqrt(density / p)          (GDR MiDi 2004; da Cruz et al. 2005)

``strain_rate`` [1/s] is the largest strain-component rate applied to the cell,
``d_mean`` [m] the mean particle diameter, ``density`` [kg/m3] the solid density
and ``p`` [Pa] the confining (mean) pressure, compression positive. A shear is
quasi-static for I below about 1e-3: the stress no longer depends on the rate.
With a time step ``dt`` the strain per DEM step that gives I is
``I * dt / (d_mean * sqrt(density / p))``.
"""

from __future__ import annotations

import math

import numpy as np

from mslearn.micro.dem.params import P_THICK

#: default bound on the inertial number of every DEM element test and DEM material
QUASI_STATIC_INERTIAL_NUMBER = 1e-3


def inertial_number(strain_rate, mean_diameter, density, pressure):
    """I = strain_rate * d_mean * sqrt(density / p) (broadcasting; p <= 0 gives inf)."""
    p = np.asarray(pressure, dtype=float)
    safe_p = np.where(p > 0, p, 1.0)
    root = np.where(p > 0, np.sqrt(np.asarray(density, float) / safe_p), np.inf)
    return np.abs(np.asarray(strain_rate, float)) * np.asarray(mean_diameter, float) * root


def strain_per_step(inertial: float, dt: float, mean_diameter: float, density: float,
                    pressure: float) -> float:  # fmt: skip
    """Strain per DEM step [-] that shears at the inertial number ``inertial``
    with time step ``dt`` [s] at pressure ``pressure`` [Pa]."""
    return inertial * dt / (mean_diameter * math.sqrt(density / pressure))


def rve_strain_cap(template, inertial: float, pressure: float, dim: int) -> float:
    """Strain per DEM step [-] that shears the first RVE of ``template`` (a disk state in
    2D, a sphere state in 3D) at the inertial number ``inertial`` at ``pressure`` [Pa];
    d_mean and the density come from its radii and masses, dt from its parameters."""
    a, b = int(template.p_off[0]), int(template.p_off[1])
    r, m = template.radius[a:b], template.mass[a:b]
    vol = (4.0 / 3.0) * np.pi * r**3 if dim == 3 else np.pi * r**2 * template.params[0, P_THICK]
    rho = float(m.sum() / vol.sum())
    return strain_per_step(inertial, float(template.dt[0]), float(2 * r.mean()), rho, pressure)
