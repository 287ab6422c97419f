"""Histories and consistency checkers: could a single copy have produced what clients saw?

``load_jepsen`` / ``load_edn`` / ``from_table`` / ``simulate_history`` build a :class:`History`;
``linearizable`` decides linearizability (register or key-value map); ``sequentially_consistent``,
``session_guarantees`` and ``staleness`` judge the weaker models on the same history;
``classify`` runs the simulated store and says which guarantees each configuration keeps.
"""

from __future__ import annotations

from .brute import brute_linearizable
from .formats import load_edn, load_jepsen, read_edn
from .history import FUNCTIONS, TYPES, History, Operation, from_table
from .linear import LinearizabilityResult, linearizable
from .models import MODELS
from .sync_runs import classify, simulate_history
from .weak import (
                   GUARANTEES,
                   SequentialResult,
                   k_staleness_curve,
                   sequentially_consistent,
                   session_guarantees,
                   staleness,
)

__all__ = [
    "FUNCTIONS",
    "GUARANTEES",
    "MODELS",
    "TYPES",
    "History",
    "LinearizabilityResult",
    "Operation",
    "SequentialResult",
    "brute_linearizable",
    "classify",
    "from_table",
    "k_staleness_curve",
    "linearizable",
    "load_edn",
    "load_jepsen",
    "read_edn",
    "sequentially_consistent",
    "session_guarantees",
    "simulate_history",
    "staleness",
]
