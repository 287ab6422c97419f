"""Cassandra: leaderless (Dynamo-style) replication at tunable consistency levels, last-
write-wins on timestamps, hinted handoff for a down replica, read repair.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import invalid
from .model import SystemModel, _resolved, choice, flag, ms, nonneg

if TYPE_CHECKING:  # pragma: no cover
    from ..rng import Seed
    from .race import ReadRace

__all__ = ["CONSISTENCY_LEVELS", "Cassandra"]

CONSISTENCY_LEVELS = ("ONE", "TWO", "THREE", "QUORUM", "ALL")


def level_replies(level: str, rf: int) -> int:
    """Replies a consistency level needs of ``rf`` replicas."""
    return {"ONE": 1, "TWO": 2, "THREE": 3, "QUORUM": rf // 2 + 1, "ALL": rf}[level]


class Cassandra(SystemModel):
    """Cassandra: the coordinator sends every write to all N replicas and acknowledges after
    W (``consistency_write``); a read waits for R (``consistency_read``); concurrent writes
    resolve by the latest timestamp (LWW)."""

    key = "cassandra"
    read_paths = ("consistency-level",)
    minority_writes = None

    @classmethod
    def derive(cls, params: dict[str, Any], nodes: int, replicas: int, read_path: str,
               read_q: int, write_q: int) -> tuple[int, int]:
        levels = {}
        for key in ("consistency_read", "consistency_write"):
            levels[key] = choice(key, params[key], CONSISTENCY_LEVELS)
            if level_replies(levels[key], replicas) > replicas:
                raise invalid(key, levels[key], f"a level needing ≤ replicas = {replicas} replies")
        params["hint_window_ms"] = ms("hint_window_ms", params["hint_window_ms"], allow_zero=True)
        params["read_repair"] = flag("read_repair", params["read_repair"])
        params["hinted_handoff"] = flag("hinted_handoff", params["hinted_handoff"])
        return (level_replies(levels["consistency_read"], replicas),
                level_replies(levels["consistency_write"], replicas))

    def _stale_read(self, t: float, race: ReadRace, trials: int, seed: Seed) -> float:
        """At consistency levels R, W of N replicas: 0 if R + W > N; at t = 0 the PBS closed
        form C(N − W, R)/C(N, R) = 1 − ``pbs.k_staleness(N, R, W, 1)``; for t > 0,
        1 − ``pbs.t_visibility(N, R, W, t)`` (WARS, LNKD-SSD latencies).
        Worked case: ONE/ONE, N = 3, t = 0: C(2, 1)/C(3, 1) = 2/3."""
        from ..sync import pbs

        n, r, w = self.replicas, self.read_quorum, self.write_quorum
        if r + w > n:
            return 0.0
        if t == 0.0:
            return 1.0 - pbs.k_staleness(n, r, w, 1)
        return 1.0 - pbs.t_visibility(n, r, w, t, trials=trials, seed=seed)

    def hinted_handoff_missed(self, outage_ms: float) -> float:
        """Coordinators store a hint for a down replica and replay it on recovery, but only
        for the first ``max_hint_window`` of the outage; writes after that wait for read
        repair or anti-entropy repair.  With writes spread evenly over an outage of length D
        and hint window H: missed = max(0, 1 − H/D); all of them when hinted handoff is off.
        Worked case: H = 3 h, D = 6 h → 0.5; D = 1 h → 0.

        >>> from syncmodel.systems import preset
        >>> c = preset('cassandra')
        >>> c.hinted_handoff_missed(6 * 3600e3), c.hinted_handoff_missed(3600e3)
        (0.5, 0.0)
        """
        d = nonneg("outage_ms", outage_ms)
        if d == 0.0:
            return 0.0
        if not self.params["hinted_handoff"]:
            return 1.0
        return max(0.0, 1.0 - float(self.params["hint_window_ms"]) / d)

    def _conflicts(self, writers: int, partitioned: bool, stamps: list[float]) -> dict[str, Any]:
        """Each coordinator stamps its own write: the vectors are concurrent; last-write-wins
        keeps the latest timestamp and silently drops the others.
        Worked case: 3 writers: 3 siblings, LWW keeps 1, discards 2."""
        versions = [({f"c{i}": 1}, stamps[i], f"w{i}") for i in range(writers)]
        return _resolved(versions, "lww", 0, 0)  # type: ignore[arg-type]
