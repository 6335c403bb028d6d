"""The inertial number of a sheared granular packing (GDR MiDi 2004).

``I = strain_rate d_mean sqrt(rho / p)``. The shared definition in
:mod:`mslearn.micro.dem.inertial` is used where it exists; the fallback below
is the same formula.
"""

from __future__ import annotations

import numpy as np

try:
    from mslearn.micro.dem.inertial import inertial_number
except ImportError:  # pragma: no cover - the shared module is absent

    def inertial_number(strain_rate, mean_diameter, density, pressure):
        """I = strain_rate [1/s] * d_mean [m] * sqrt(density [kg/m3] / p [Pa])
        (broadcasting; p <= 0 gives inf)."""
        p = np.asarray(pressure, dtype=float)
        safe_p = np.where(p > 0, p, 1.0)
        root = np.where(p > 0, np.sqrt(np.asarray(density, float) / safe_p), np.inf)
        return np.abs(np.asarray(strain_rate, float)) * np.asarray(mean_diameter, float) * root


__all__ = ["inertial_number"]
