"""Point-dataset schema and provenance attributes (DESIGN.md, Data).

One row per material evaluation (every Newton iteration, every Gauss point):

| array            | shape       | meaning                                              |
| ---------------- | ----------- | ---------------------------------------------------- |
| strain           | (N, nv)     | total strain of the trial [-], engineering shear     |
| history          | (N, nv)     | phi: sum of |d strain| over *converged* steps (seed 000 Eq. 12) |
| strain_increment | (N, nv)     | trial strain - last converged strain [-]             |
| stress           | (N, nv)     | Cauchy stress [Pa], tension positive                 |
| stiffness        | (N, nv, nv) | material D [Pa] returned with the stress             |
| step             | (N,)        | load (sub)step being solved, 1-based                 |
| iteration        | (N,)        | material evaluation within that step, 0-based        |
| converged        | (N,)        | True for the evaluation that was committed           |
| point            | (N,)        | Gauss point id (element * n_quad + q)                |
| element          | (N,)        | element id                                           |
| coords           | (N, 2)      | Gauss point coordinates [m]                          |
| run              | (N,)        | run id within a campaign                             |

Rows of a step that has no converged row are the evaluations of the step on
which the solver gave up (a failed run): real material answers at trial
strains from the last committed state, like the Newton iterations of a step
that was cut; :func:`mslearn.data.splits.dataset_info` counts them.

Format ``mslearn.point_dataset/2`` (written now) stores every chunk (also
those equal to the fill value), fills float arrays with NaN and integer arrays
with -1 and checksums every chunk (zstd content checksum), so that a deleted or
damaged chunk is detected on reading. Version 1 datasets (fill value 0, empty
chunks not stored, no checksum) are still read.
"""

from __future__ import annotations

import datetime as _dt

from mslearn import __version__

#: Voigt length -> component order, as written in the dataset attributes
VOIGT_ORDER = {3: "[11, 22, 12]", 6: "[11, 22, 33, 23, 13, 12]"}

SCHEMA = "mslearn.point_dataset"
SCHEMA_VERSION = 2

FLOAT_FIELDS = ("strain", "history", "strain_increment", "stress")
INT_FIELDS = ("step", "iteration", "point", "element", "run")
#: fill value of each dtype: what an unwritten region reads as (detectable)
FILL = {"f8": float("nan"), "i8": -1, "bool": False}
#: dtype -> numpy dtype kinds accepted on reading
DTYPE_KINDS = {"f8": "f", "i8": "iu", "bool": "b"}
DTYPE_NAMES = {"f8": "float64", "i8": "integers (int64)", "bool": "bool"}


def field_shapes(nv: int, dim: int = 2) -> dict[str, tuple[tuple[int, ...], str]]:
    """Per-row shape and dtype of every array."""
    out: dict[str, tuple[tuple[int, ...], str]] = {f: ((nv,), "f8") for f in FLOAT_FIELDS}
    out["stiffness"] = ((nv, nv), "f8")
    out.update({f: ((), "i8") for f in INT_FIELDS})
    out["converged"] = ((), "bool")
    out["coords"] = ((dim,), "f8")
    return out


def provenance(nv: int, config: dict | None = None, **extra) -> dict:
    """Attributes every dataset carries."""
    return {
        "schema": f"{SCHEMA}/{SCHEMA_VERSION}",
        "units": {
            "strain": "-",
            "history": "-",
            "strain_increment": "-",
            "stress": "Pa",
            "stiffness": "Pa",
            "coords": "m",
        },
        "sign_convention": "tension positive",
        "voigt_order": VOIGT_ORDER[nv],
        "shear_strain": "engineering (gamma_12 = 2 eps_12)",
        "n_voigt": nv,
        "mslearn_version": __version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "config": config or {},
        **extra,
    }
