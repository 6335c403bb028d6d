"""Surrogate kinds behind one protocol and one save format.

The built-in kinds: "mlp" (point committee on strain and phi, seed 000;
:mod:`.mlp`), "gru" (sequence committee, seed 001 / 002; :mod:`.gru`) and
"history_mlp" (MLP committee on history features; :mod:`.history`).
:func:`load_surrogate` reads any of them from a saved folder. The names below
are imported on first use, so that importing one submodule does not import
every kind.
"""

from importlib import import_module

_EXPORTS = {
    "SURROGATES": "mslearn.learn.persistence",
    "load_surrogate": "mslearn.learn.persistence",
    "register_surrogate": "mslearn.learn.persistence",
    "CommitteeSurrogate": "mslearn.learn.surrogates.protocol",
    "SeamStep": "mslearn.learn.surrogates.protocol",
    "SurrogateModel": "mslearn.learn.surrogates.protocol",
    "GRUCommittee": "mslearn.learn.surrogates.gru",
    "HistoryMLPCommittee": "mslearn.learn.surrogates.history",
    "MLPCommittee": "mslearn.learn.surrogates.mlp",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    """Import an exported name from its module on first access."""
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
