"""Sequence committees by their active-learning names (``[committee] kind`` of
`mslearn active-learn`): "gru" -> :class:`GRUCommittee` (seed 001 Table 2),
"mlp" -> :class:`HistoryMLPCommittee` (history features, seed 000 Eq. 12).

The classes live in :mod:`mslearn.learn.surrogates.gru` and
:mod:`mslearn.learn.surrogates.history`; this module keeps the names it had.
"""

from __future__ import annotations

from mslearn.learn.surrogates.gru import GRUCommittee
from mslearn.learn.surrogates.history import HistoryMLPCommittee, history_features

Committee = GRUCommittee | HistoryMLPCommittee
#: active-learning config name -> committee class
COMMITTEES = {"gru": GRUCommittee, "mlp": HistoryMLPCommittee}

__all__ = ["COMMITTEES", "Committee", "GRUCommittee", "HistoryMLPCommittee", "history_features"]
