"""syncmodel: data synchronization in distributed systems, modeled and measured.

Set formulas C(S), A(S); failure probability P(S) and fault tolerance F(S);
quorum systems; leader elections and replication on a simulated network;
presets of real systems; parameter sweeps.  Names are imported lazily so that
``import syncmodel`` stays fast and loads neither plotly nor ipywidgets.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import InfeasibleError, InvalidParameterError, SyncModelError

__version__ = "0.1.0"

# name -> module that defines it (functions and classes re-exported lazily)
_LAZY_NAMES: dict[str, str] = {
    "consistency_set": "syncmodel.sets",
    "availability_set": "syncmodel.sets",
    "consistency_ratio": "syncmodel.sets",
    "Cluster": "syncmodel.sets",
    "failure_probability": "syncmodel.failure",
    "fault_tolerance": "syncmodel.failure",
    "failure_probability_mc": "syncmodel.failure",
    "failure_curve": "syncmodel.failure",
    "Domain": "syncmodel.failure",
    "Node": "syncmodel.structure",
    "choose": "syncmodel.structure",
    "hash_election": "syncmodel.election.hashing",
    "QuorumSystem": "syncmodel.quorum",
    "k_staleness": "syncmodel.sync.pbs",
    "t_visibility": "syncmodel.sync.pbs",
    "preset": "syncmodel.systems",
    "SystemModel": "syncmodel.systems",
}
# submodules reachable as attributes: sm.quorum, sm.markov, ...
_SUBMODULES = (
    "errors", "rng", "sets", "structure", "failure", "markov", "quorum", "sim",
    "election", "sync", "systems", "sweep", "viz", "export", "widgets", "figures", "cli",
)

__all__ = [
    "InfeasibleError",
    "InvalidParameterError",
    "SyncModelError",
    "__version__",
    *_LAZY_NAMES,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(_LAZY_NAMES[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"syncmodel.{name}")
    raise AttributeError(f"module 'syncmodel' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_SUBMODULES))
