"""Read-write quorum systems: construction, intersection, resilience, availability, load, capacity.

A :class:`QuorumSystem` pairs two structure expressions, reads and writes, in
which every read quorum meets every write quorum; strategies (LP-optimal,
f-resilient) live in :mod:`syncmodel.quorum.strategy`.
"""

from __future__ import annotations

from .build import KINDS, flexible, grid, majority, of_kind, system, threshold, weighted
from .search import search
from .strategy import Strategy, canonicalize
from .system import QuorumSystem
from .trees import MAX_BITMASK_NODES

__all__ = [
    "KINDS",
    "MAX_BITMASK_NODES",
    "QuorumSystem",
    "Strategy",
    "canonicalize",
    "flexible",
    "grid",
    "majority",
    "of_kind",
    "search",
    "system",
    "threshold",
    "weighted",
]
