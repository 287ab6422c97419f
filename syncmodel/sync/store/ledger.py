"""The experimenter's notebook of a store run (not a node): every write and its fate, every
read and what it saw — the ground truth the metrics are computed from.
"""

from __future__ import annotations

import math
import numbers
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ...errors import check_int, invalid

__all__ = ["Ledger", "ReadRecord", "Snapshot", "sample_ids"]


class ReadRecord(NamedTuple):
    """One completed client read issued at ``t0`` and answered at ``t1`` (ms) on ``key``:
    ``behind`` writes acknowledged before ``t0`` it missed, ``siblings`` in its answer,
    ``acked_before`` writes acknowledged before ``t0``, ``seen`` (size of the context it
    returned), ``since_ack_ms`` since the key's last acknowledged write (inf if none)."""

    t0: float
    t1: float
    key: int
    behind: int
    siblings: int
    acked_before: int
    seen: int
    since_ack_ms: float


class Snapshot(NamedTuple):
    """|C(S)|, |A(S)| and the consistency ratio of the replicas at ``time_ms``."""

    time_ms: float
    c: int
    a: int
    ratio: float


@dataclass
class Ledger:
    """Ground truth of a run: every write and its fate, every read and what it saw."""

    issue: list[float] = field(default_factory=list)       # wid -> issue time
    key: list[int] = field(default_factory=list)           # wid -> key
    ack: dict[int, float] = field(default_factory=dict)    # wid -> ack time (acknowledged writes)
    ack_times: dict[int, list[float]] = field(default_factory=dict)   # key -> ack times, ascending
    ack_wids: dict[int, list[int]] = field(default_factory=dict)      # key -> the writes, same order
    first_apply: dict[int, float] = field(default_factory=dict)
    reads: list[ReadRecord] = field(default_factory=list)
    failed_writes: int = 0
    failed_reads: int = 0
    conflicted: set[int] = field(default_factory=set)
    lww_dropped: set[int] = field(default_factory=set)
    lww_reordered: set[int] = field(default_factory=set)

    def new_write(self, t: float, key: int) -> int:
        self.issue.append(t)
        self.key.append(key)
        return len(self.issue) - 1

    def acked(self, wid: int, t: float) -> None:
        if wid not in self.ack:
            self.ack[wid] = t
            key = self.key[wid]
            self.ack_times.setdefault(key, []).append(t)
            self.ack_wids.setdefault(key, []).append(wid)

    def read_done(self, t0: float, t1: float, key: int, seen: frozenset[int], siblings: int) -> None:
        """Record a read issued at t0: stale iff it missed a write acknowledged before t0."""
        times = self.ack_times.get(key)
        before = bisect_right(times, t0) if times else 0
        if not times or not before:
            self.reads.append(ReadRecord(t0, t1, key, 0, siblings, 0, len(seen), math.inf))
            return
        behind = before - len(seen.intersection(self.ack_wids[key][:before]))
        self.reads.append(ReadRecord(t0, t1, key, behind, siblings, before, len(seen),
                                     t0 - times[before - 1]))


def sample_ids(n: int, k: int, uniform: Callable[[], float]) -> list[int]:
    """k distinct ids of 0..n-1, uniformly at random (partial Fisher–Yates on uniform draws
    from ``uniform()``, a zero-argument callable returning floats in [0, 1))."""
    n = check_int("n", n, 0)
    k = check_int("k", k, 0, n)
    if not callable(uniform):
        raise invalid("uniform", uniform, "a zero-argument callable returning floats in [0, 1)")

    def checked() -> float:
        u = uniform()
        if not (isinstance(u, numbers.Real) and 0.0 <= float(u) < 1.0):
            raise invalid("uniform", uniform, f"a callable returning floats in [0, 1) (it returned {u!r})")
        return float(u)

    return _sample_ids(n, k, checked)


def _sample_ids(n: int, k: int, uniform: Callable[[], Any]) -> list[int]:
    """:func:`sample_ids` without the argument checks, for the simulation's inner loop."""
    ids = list(range(n))
    for i in range(k):
        j = i + int(uniform() * (n - i))
        ids[i], ids[j] = ids[j], ids[i]
    return ids[:k]
