"""Histories and consistency checkers: could a single copy have produced what clients saw?

``load_jepsen`` / ``load_edn`` / ``from_table`` / ``from_sync_run`` build a :class:`History`;
``linearizable`` decides linearizability (register or key-value map); ``sequentially_consistent``,
``session_guarantees`` and ``staleness`` judge the weaker models on the same history.
"""

from __future__ import annotations

from .brute import brute_linearizable
from .formats import load_edn, load_jepsen, read_edn
from .history import FUNCTIONS, TYPES, History, Operation, from_table
from .linear import LinearizabilityResult, linearizable
from .models import MODELS

__all__ = [
    "FUNCTIONS",
    "MODELS",
    "TYPES",
    "History",
    "LinearizabilityResult",
    "Operation",
    "brute_linearizable",
    "from_table",
    "linearizable",
    "load_edn",
    "load_jepsen",
    "read_edn",
]
