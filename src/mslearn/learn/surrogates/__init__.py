"""Surrogate kinds behind one protocol and one save format.

Importing this package registers the built-in kinds: "mlp" (point committee on
strain and phi, seed 000), "gru" (sequence committee, seed 001 / 002) and
"history_mlp" (MLP committee on history features). :func:`load_surrogate`
reads any of them from a saved folder.
"""

from mslearn.learn.persistence import SURROGATES, load_surrogate, register_surrogate
from mslearn.learn.surrogates.gru import GRUCommittee
from mslearn.learn.surrogates.history import HistoryMLPCommittee
from mslearn.learn.surrogates.mlp import MLPCommittee
from mslearn.learn.surrogates.protocol import CommitteeSurrogate, SeamStep, SurrogateModel

__all__ = [
    "SURROGATES",
    "CommitteeSurrogate",
    "GRUCommittee",
    "HistoryMLPCommittee",
    "MLPCommittee",
    "SeamStep",
    "SurrogateModel",
    "load_surrogate",
    "register_surrogate",
]
