"""The problem registry: every boundary value problem registers its config class here.

A BVP is one module: a :class:`ProblemConfig` subclass (its TOML ``[problem]`` fields,
``build() -> Problem`` with mesh, boundary conditions and curve) that calls
:func:`register_problem` on itself. Commands look problems up by ``type``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from mslearn.core.errors import MslearnInputError
from mslearn.core.limits import MAX_MESH_DIVISIONS
from mslearn.core.strictmodel import StrictModel, short
from mslearn.problems.base import Problem


class ProblemConfig(StrictModel):
    """Base of every ``[problem]`` table.

    Class attributes a problem sets:

    * ``type_name``: its ``type`` in TOML;
    * ``smoke``: field overrides giving a tiny size that runs in seconds with a reference law;
    * ``micro_smoke``: overrides for a tiny run with a micro model (DEM RVEs) at every
      Gauss point (defaults to ``smoke``);
    * ``micro_defaults``: overrides for a full run with a micro model at every Gauss point
      (``mslearn fem-dem`` on this problem);
    * ``mesh_presets``: named meshes (``--mesh NAME``), each a dict of field overrides;
    * ``history_field``: the field that takes a (t, value / value_0) load history, which
      Gaussian-process paths drive (``--gp-path``, campaigns); None if there is none.
    """

    type: str
    type_name: ClassVar[str] = ""
    smoke: ClassVar[dict[str, Any]] = {}
    micro_smoke: ClassVar[dict[str, Any] | None] = None
    micro_defaults: ClassVar[dict[str, Any]] = {}
    mesh_presets: ClassVar[dict[str, dict[str, Any]]] = {}
    history_field: ClassVar[str | None] = None

    def build(self) -> Problem:
        """The discretisation, boundary conditions and load-displacement curve."""
        raise NotImplementedError

    @classmethod
    def smoke_overrides(cls, micro: bool = False) -> dict[str, Any]:
        """Field overrides of the tiny built-in size (``micro``: for micro-model runs)."""
        if micro and cls.micro_smoke is not None:
            return dict(cls.micro_smoke)
        return dict(cls.smoke)

    @classmethod
    def mesh_preset(cls, name: str) -> dict[str, Any]:
        """Field overrides of the named mesh; an unknown name lists the known ones."""
        if name not in cls.mesh_presets:
            known = sorted(cls.mesh_presets) or "none"
            raise MslearnInputError(
                f"--mesh {name!r}: problem {cls.type_name!r} has mesh presets {known}"
            )
        return dict(cls.mesh_presets[name])

    @classmethod
    def with_history(cls, history: tuple[tuple[float, float], ...]) -> dict[str, Any]:
        """Field overrides that apply a (t, value / value_0) load history."""
        if cls.history_field is None:
            raise MslearnInputError(
                f"problem {cls.type_name!r} takes no load history (Gaussian-process paths "
                "drive the biaxial confining pressure)"
            )
        return {cls.history_field: history}


def check_element_sizes(extent: float, **sizes: float | None) -> None:
    """Refuse gmsh element sizes finer than ``extent / MAX_MESH_DIVISIONS`` (such meshes
    exhaust memory before the run starts); ``sizes`` are problem fields by name."""
    smallest = extent / MAX_MESH_DIVISIONS
    for name, h in sizes.items():
        if h is not None and h < smallest:
            raise ValueError(
                f"problem.{name}: got {h:g}; expected an element size >= {smallest:g} m "
                f"(the domain extent {extent:g} m / {MAX_MESH_DIVISIONS})"
            )


PROBLEMS: dict[str, type[ProblemConfig]] = {}


def register_problem(cls: type[ProblemConfig]) -> type[ProblemConfig]:
    """Register a problem config class under its ``type_name`` (usable as a decorator)."""
    if not cls.type_name:
        raise ValueError(f"{cls.__name__} has no type_name")
    PROBLEMS[cls.type_name] = cls
    return cls


def problem_config(data: dict[str, Any] | ProblemConfig, default: str = "biaxial") -> ProblemConfig:
    """Validate a ``[problem]`` table; an unknown ``type`` names the known ones."""
    if isinstance(data, ProblemConfig):
        return data
    if not isinstance(data, dict):
        raise MslearnInputError(
            f"problem: got {short(data)}; expected a table with a 'type' and the problem's fields"
        )
    kind = data.get("type", default)
    if not isinstance(kind, str) or kind not in PROBLEMS:
        raise MslearnInputError(
            f"problem.type: unknown problem {short(kind)}; expected one of {sorted(PROBLEMS)}"
        )
    return PROBLEMS[kind].model_validate({**data, "type": kind})
