"""The same questions asked of any preset, as functions of a preset name or a model: each
delegates to the system's class (:mod:`.consensus`, :mod:`.leaderless`, :mod:`.caches`,
:mod:`.filesystems`), where the answer, its assumptions and its worked case live.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import invalid
from .model import SystemModel, preset
from .results import ConflictingVersions, LostWrites, ReadRepairEffect

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from ..rng import Seed

__all__ = ["QUESTIONS", "availability", "conflicting_versions", "deposed_leader_window",
           "failover_downtime", "hinted_handoff_missed", "lost_writes", "model", "read_repair_effect",
           "stale_read_probability"]

#: the five questions every system answers (:func:`~syncmodel.systems.compare` tabulates them)
QUESTIONS = ("availability", "failover downtime", "stale read", "lost writes", "conflicts")


def model(system: SystemModel | str) -> SystemModel:
    """``system`` itself if it is a model, else the preset of that name."""
    if isinstance(system, SystemModel):
        return system
    if isinstance(system, str):
        return preset(system)
    raise invalid("system", system, "a preset name or a SystemModel")


def availability(system: SystemModel | str, p: float, *, rack_p: float = 0.0,
                 method: str = "auto", seed: Seed = None) -> float:
    """F(S) = 1 − P(S) of ``system`` for node-down probability ``p`` (:meth:`SystemModel.availability`).

    >>> round(availability("etcd", 0.1), 6)
    0.972
    """
    return model(system).availability(p, rack_p=rack_p, method=method, seed=seed)


def failover_downtime(system: SystemModel | str, trials: int = 200, seed: Seed = None, *,
                      fault: str = "silent") -> np.ndarray:
    """Samples (ms) of write unavailability after the leader fails (the system's
    ``failover_downtime``: Raft, ZAB/FLE, Sentinel, GlusterFS ping timeout, or 0).
    ``fault``: "silent" (default; a host crash or partition), "pause" (a hung process) or
    "crash" (a process killed on a live host: its connections close at once)."""
    return model(system).failover_downtime(trials, seed=seed, fault=fault)


def stale_read_probability(system: SystemModel | str, t_ms: float = 0.0, *, latency_ms: float = 1.0,
                           rtt_ms: float | None = None, stall_probability: float = 0.0,
                           stall_ms: float = 0.0, trials: int = 100_000, seed: Seed = None) -> float:
    """P(a read ``t_ms`` after an acknowledged write returns an older version), default
    read path, no failure (the system's ``stale_read_probability``).  ``latency_ms``: one
    hop; ``rtt_ms``: the client's round trip (None: two hops); ``stall_probability`` and
    ``stall_ms``: a follower still busy when the commit reaches it
    (:class:`~syncmodel.systems.race.ReadRace`).

    >>> round(stale_read_probability("cassandra"), 12), stale_read_probability("etcd")
    (0.666666666667, 0.0)
    """
    return model(system).stale_read_probability(t_ms, latency_ms=latency_ms, rtt_ms=rtt_ms,
                                                 stall_probability=stall_probability, stall_ms=stall_ms,
                                                 trials=trials, seed=seed)


def deposed_leader_window(system: SystemModel | str, trials: int = 200, seed: Seed = None) -> np.ndarray:
    """Samples (ms) of the time a partitioned old leader still serves reads after a new
    leader exists (non-zero only for Consul's default lease reads)."""
    return model(system).deposed_leader_window(trials, seed=seed)


def lost_writes(system: SystemModel | str, writes: int = 1000, rate_per_s: float = 1000.0, *,
                lag_ms: float = 2.0, failed_replicas: int = 0, lag_shape: str = "exponential",
                crash_after_ms: float = 0.0, seed: Seed = None) -> LostWrites:
    """Acknowledged writes lost when the leader crashes after a write burst: a
    :class:`~syncmodel.systems.results.LostWrites` with acknowledged, lost, lost_fraction,
    available (the system's ``lost_writes``; ``lag_shape`` "exponential" or "constant", the
    leader dying ``crash_after_ms`` after the last write).

    >>> res = lost_writes("etcd", 100, seed=1)
    >>> res.lost, res.available, res.system, res.seed
    (0, True, 'etcd', 1)
    """
    return model(system).lost_writes(writes, rate_per_s, lag_ms=lag_ms, failed_replicas=failed_replicas,
                                     lag_shape=lag_shape, crash_after_ms=crash_after_ms, seed=seed)


def hinted_handoff_missed(system: SystemModel | str, outage_ms: float) -> float:
    """Fraction of an outage's writes a replica never receives by hints (Cassandra; else 0).

    >>> hinted_handoff_missed("cassandra", 6 * 3600e3)
    0.5
    """
    return model(system).hinted_handoff_missed(outage_ms)


def read_repair_effect(system: SystemModel | str = "cassandra", runs: int = 6, *, seed: Seed = None,
                       outage_ms: tuple[float, float] = (300.0, 900.0), duration_ms: float = 2000.0
                       ) -> ReadRepairEffect:
    """Fresh-read fraction without and with read repair on the simulated store (leaderless
    systems; :meth:`SystemModel.read_repair_effect`), a
    :class:`~syncmodel.systems.results.ReadRepairEffect`."""
    return model(system).read_repair_effect(runs, seed=seed, outage_ms=outage_ms, duration_ms=duration_ms)


def conflicting_versions(system: SystemModel | str, writers: int = 2, *, partitioned: bool = False,
                         seed: Seed = None) -> ConflictingVersions:
    """Concurrent writes of one key by ``writers`` clients: versions kept, siblings,
    discarded, refused (the system's ``conflicting_versions``), a
    :class:`~syncmodel.systems.results.ConflictingVersions`.

    Worked case: Cassandra resolves 3 concurrent writes by last-write-wins: 3 siblings,
    1 version kept, 2 discarded.

    >>> res = conflicting_versions("cassandra", 3, seed=1)
    >>> res.versions, res.siblings, res.discarded, res.refused
    (1, 3, 2, 0)
    """
    return model(system).conflicting_versions(writers, partitioned=partitioned, seed=seed)
