"""The in-memory stores: Redis (asynchronous master → replicas, Sentinel failover, WAIT)
and Memcached (no replication: a key lives on the one server the client hashes it to).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import check_int, invalid
from .model import StreamLag, SystemModel, check_fault, ms

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from ..rng import Seed
    from .race import ReadRace

__all__ = ["Memcached", "Redis"]


class Redis(SystemModel):
    """Redis with Sentinel: the master acknowledges at once (or after WAIT k replicas) and
    streams to its replicas; Sentinels promote the replica with the largest offset."""

    key = "redis"
    read_paths = ("primary", "replica")
    minority_writes = "discarded"  # the isolated old master's writes vanish when it rejoins

    @classmethod
    def derive(cls, params: dict[str, Any], nodes: int, replicas: int, read_path: str,
               read_q: int, write_q: int) -> tuple[int, int]:
        params["sentinels"] = check_int("sentinels", params["sentinels"], 1)
        params["sentinel_quorum"] = check_int("sentinel_quorum", params["sentinel_quorum"], 1,
                                              params["sentinels"])
        params["wait_replicas"] = check_int("wait_replicas", params["wait_replicas"], 0, replicas - 1)
        for key in ("down_after_ms", "failover_timeout_ms", "max_desync_ms"):
            params[key] = ms(key, params[key])
        return 1, 1 + params["wait_replicas"]

    def structure(self) -> Any:
        """Serves with the master, or with a replica plus a Sentinel majority to promote it
        (replicas "r0".., sentinels "s0")."""
        from .. import structure as st

        reps = [f"r{i}" for i in range(self.replicas)]
        master, others = st.Node(reps[0]), reps[1:]
        sent = [f"s{i}" for i in range(self.params["sentinels"])]
        if not others:
            return master
        promote = st.any_of(others) * st.choose(self.params["sentinels"] // 2 + 1, sent)
        return master + promote

    def failover_downtime(self, trials: int = 200, *, seed: Seed = None, fault: str = "silent"
                          ) -> np.ndarray:
        """Time until a Sentinel majority names the promoted replica: Sentinel's timer-driven
        steps, :func:`~syncmodel.systems.sentinel_timers.sentinel_failover` (PING → +sdown
        after down-after-milliseconds D → +odown → vote → SLAVEOF NO ONE → the next 1 s INFO
        sees the promotion → forced hello), each at a tick of a timer whose period is redrawn
        as 1000/hz ms, hz ∈ {10, …, 19}.  A crash differs from a pause: the broken link makes
        the next tick send a PING at once, a silent or paused master is caught only by the
        next periodic PING (every min(D, 1 s)), so "silent" and "pause" are slower by up to
        one PING period; the leader's configuration writes (``CONFIG_FLUSH_MS``) delay its
        ticks after +try-failover.  Measured on Redis 7.0 (D = 500 ms,
        data/measured/redis_failover.csv, ``server_ms``): medians within 1–3 %, see notebook 08.
        Worked case: D = 500 ms, 3 Sentinels, quorum 2, crash: median ≈ 1.75 s, pause ≈ 2.0 s.
        """
        from ..rng import check_seed
        from .sentinel_timers import sentinel_failover

        trials = check_int("trials", trials, 1)
        check_seed(seed)
        fault = check_fault(fault)
        return sentinel_failover(float(self.params["down_after_ms"]), sentinels=int(self.params["sentinels"]),
                                 quorum=int(self.params["sentinel_quorum"]),
                                 fault="crash" if fault == "crash" else "pause", trials=trials, seed=seed)

    def _stale_read(self, t: float, race: ReadRace, trials: int, seed: Seed) -> float:
        """A replica read: the race of :class:`~syncmodel.systems.race.ReadRace`.

        Mechanism (Redis 7.0): the master executes the command, appends it to the
        replication stream (call() → propagate → replicationFeedSlaves) and writes the
        client's reply and the replicas' stream from the same event-loop pass
        (beforeSleep → handleClientsWithPendingWrites): the replica receives the write one
        hop after the reply leaves and applies it in memory at once.  The read is stale iff
        that hop exceeds t plus the client's round trip ``rtt_ms``; one event loop serves the
        stream before a read that arrived after it, so a replica slow to run is not stale.
        Measured on Redis 7.0 on loopback (data/measured/redis_stale_reads.csv): the
        replica's keyspace notification came ≤ 0.05 ms after the acknowledgement in 90 % of
        writes (99 %: 0.24 ms), a client round trip takes ~0.3 ms — 0 of 1080 replica reads
        stale, at every t, where the old model (the client at the replica at once) said
        (2/3)·1 at t = 0.  Worked case: ℓ = 1 ms, default turnaround, t = 0:
        (2/3)·(1/4) = 1/6."""
        return self._follower_race_stale(t, race)

    def _lost_writes(self, writes: int, rate: float, lag: StreamLag, failed: int,
                     rng: np.random.Generator) -> dict[str, Any]:
        """The master acknowledges on arrival; with WAIT k only once k replicas hold the
        write (later ones are not acknowledged).  Sentinel promotes the surviving replica
        with the largest offset; acknowledged writes beyond its prefix are lost.  WAIT
        narrows the loss to writes whose k holders all failed.  (The Sentinels are separate
        processes; they survive here.)
        Worked case: 3 nodes, seed 1, 1000 writes at 1000/s, 2 ms lag: a few writes lost;
        with wait_replicas = 1: none.

        >>> from syncmodel.systems import preset
        >>> plain, wait = preset("redis"), preset("redis", wait_replicas=1)
        >>> plain.lost_writes(seed=1).lost > 0, wait.lost_writes(seed=1).lost
        (True, 0)
        """
        return self._leader_crash_loss(writes, rate, lag, failed, rng,
                                       holders=int(self.params.get("wait_replicas", 0)), survivors=1)


class Memcached(SystemModel):
    """Memcached: one copy per key, on the server the client's consistent hash picks."""

    key = "memcached"
    read_paths = ("owner",)
    minority_writes = None

    @classmethod
    def derive(cls, params: dict[str, Any], nodes: int, replicas: int, read_path: str,
               read_q: int, write_q: int) -> tuple[int, int]:
        if replicas != 1:
            raise invalid("replicas", replicas, "1 (Memcached does not replicate)")
        params["vnodes"] = check_int("vnodes", params["vnodes"], 1)
        return 1, 1

    def _lost_writes(self, writes: int, rate: float, lag: StreamLag, failed: int,
                     rng: np.random.Generator) -> dict[str, Any]:
        """The crashed server's keys are gone: the lost fraction is its ring share (≈ 1/n,
        :func:`~syncmodel.systems.ring.removal_loss`); one server: everything, unavailable."""
        from .ring import removal_loss

        if self.nodes == 1:
            return {"acknowledged": writes, "lost": writes, "lost_fraction": 1.0, "available": False}
        out = removal_loss(self.nodes, vnodes=self.params["vnodes"], keys=writes, seed=rng)
        lost = round(out["lost"] * writes)
        return {"acknowledged": writes, "lost": lost, "lost_fraction": lost / writes, "available": True}
