"""System presets: one class per real system (``consensus``, ``leaderless``, ``caches``,
``filesystems``), each holding its settings, their checks and its five answers, over the
shared :class:`SystemModel`; :func:`preset` reads ``data/systems.toml`` and builds one.
"""

from __future__ import annotations

import tomllib
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import (
    InfeasibleError,
    InvalidParameterError,
    check_bool,
    check_choice,
    check_int,
    check_probability,
    check_real,
    invalid,
)
from .results import ConflictingVersions, LostWrites, ReadRepairEffect, answer

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from ..rng import Seed
    from .race import ReadRace

__all__ = ["DATA_FILE", "FRESH_READ_PATHS", "LAG_SHAPES", "READ_PATHS", "SYSTEM_CLASSES", "StreamLag",
           "SystemModel", "load_defaults", "names", "preset"]

DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "systems.toml"

#: the fields every preset has (the rest of a table is system-specific ``params``)
COMMON = ("display", "family", "nodes", "replicas", "read_quorum", "write_quorum", "election",
          "replication", "read_path", "conflict")

#: preset name -> its class (filled in as the system modules define them)
SYSTEM_CLASSES: dict[str, type[SystemModel]] = {}

#: read paths each system offers; the first is its documented default (from the classes)
READ_PATHS: dict[str, tuple[str, ...]] = {}

#: read paths that return the latest acknowledged write while no failover happens
FRESH_READ_PATHS = frozenset({"readindex", "sync", "consistent", "leaseholder", "primary", "owner"})


@dataclass(frozen=True)
class SystemModel:
    """One system as a model: membership, quorums, election, replication, reads, conflicts,
    and the same five questions answered for it (:meth:`availability`,
    :meth:`failover_downtime`, :meth:`stale_read_probability`, :meth:`lost_writes`,
    :meth:`conflicting_versions`).

    ``nodes`` servers hold ``replicas`` copies of each datum; a read on the default
    path needs ``read_quorum`` of them to answer and a write ``write_quorum`` to
    acknowledge.  ``election`` names the leader-election scheme ("raft", "zab-fle",
    "sentinel" or "none"), ``replication`` the write path ("consensus", "async",
    "leaderless", "pipeline", "client-sync", "none"), ``read_path`` the default read
    path and ``conflict`` how concurrent writes end ("total-order", "lww",
    "primary-order", "last-writer", "single-writer", "quorum").  ``params`` holds the
    system-specific settings (times in ms) and ``sources`` the documentation URL of
    each default.  Build it with :func:`preset`; it is immutable.  Each system is a
    subclass (e.g. :class:`~syncmodel.systems.consensus.Etcd`) that overrides what
    differs: its settings' checks (:meth:`derive`) and its answers.
    """

    #: the preset this class models (its table in the data file); "" for abstract classes
    key: ClassVar[str] = ""
    #: the read paths the system offers; the first is its documented default
    read_paths: ClassVar[tuple[str, ...]] = ()

    name: str
    display: str
    family: str
    nodes: int
    replicas: int
    read_quorum: int
    write_quorum: int
    election: str
    replication: str
    read_path: str
    conflict: str
    params: Mapping[str, Any] = field(default_factory=dict, hash=False)
    sources: Mapping[str, str] = field(default_factory=dict, hash=False)

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        if cls.key:
            SYSTEM_CLASSES[cls.key] = cls
            READ_PATHS[cls.key] = cls.read_paths

    def __getattr__(self, key: str) -> Any:
        # system-specific settings read like fields: preset("etcd").heartbeat_ms
        params = object.__getattribute__(self, "params")
        if key in params:
            return params[key]
        raise AttributeError(f"{type(self).__name__} {self.name!r} has no setting {key!r}")

    # ------------------------------------------------------------------ building
    @classmethod
    def from_settings(cls, name: str, cfg: Mapping[str, Any], sources: Mapping[str, str],
                      changed: set[str]) -> SystemModel:
        """Check the merged settings ``cfg`` (defaults + overrides, ``changed`` names the
        overridden ones) and derive the quorums: :meth:`replicas_for`, then :meth:`derive`."""
        nodes = check_int("nodes", cfg["nodes"], 1)
        read_path = choice("read_path", cfg["read_path"], cls.read_paths)
        params = {k: v for k, v in cfg.items() if k not in COMMON}
        replicas = check_int("replicas", cls.replicas_for(cfg["replicas"], nodes, changed), 1)
        if replicas > nodes:
            raise invalid("replicas", replicas, f"at most nodes = {nodes}")
        read_q, write_q = cls.derive(params, nodes, replicas, read_path,
                                     int(cfg["read_quorum"]), int(cfg["write_quorum"]))
        if not 1 <= read_q <= replicas or not 1 <= write_q <= replicas:  # pragma: no cover - derived
            raise invalid("replicas", replicas, f"≥ the quorums ({read_q}, {write_q})")
        return cls(name=name, display=cfg["display"], family=cfg["family"], nodes=nodes,
                   replicas=replicas, read_quorum=read_q, write_quorum=write_q,
                   election=cfg["election"], replication=cfg["replication"],
                   read_path=read_path, conflict=cfg["conflict"],
                   params=MappingProxyType(params), sources=MappingProxyType(dict(sources)))

    @classmethod
    def replicas_for(cls, replicas: Any, nodes: int, changed: set[str]) -> Any:
        """The replica count given the settings (default: as set)."""
        return replicas

    @classmethod
    def derive(cls, params: dict[str, Any], nodes: int, replicas: int, read_path: str,
               read_q: int, write_q: int) -> tuple[int, int]:
        """Check the system-specific ``params`` (normalising them in place) and return the
        default path's (read quorum, write quorum) (default: as in the data file)."""
        return read_q, write_q

    # ------------------------------------------------------------------ derived facts
    @property
    def fresh_reads(self) -> bool:
        """True when the default read path returns the latest acknowledged write.

        Linearizable for the consensus paths (ReadIndex, sync, consistent,
        leaseholder); for Redis and Memcached only while no failover happens (one
        copy answers every read).
        """
        return self.read_path in FRESH_READ_PATHS

    @property
    def tolerated_failures(self) -> int:
        """Replica failures the default read *and* write paths survive: N − max(R, W)."""
        return self.replicas - max(self.read_quorum, self.write_quorum)

    def election_timeout_range_ms(self) -> tuple[float, float] | None:
        """Randomized follower timeout range [lo, hi) in ms of a Raft system, else None."""
        return None

    def leader_heartbeat_ms(self) -> float | None:
        """Leader heartbeat interval (Raft systems) in ms, else None."""
        return None

    def quorum_system(self) -> Any:
        """The read/write quorums of the default path as a :class:`syncmodel.quorum.QuorumSystem`.

        ``quorum.threshold(replicas, read_quorum, write_quorum)`` over the replicas
        "r0".."r{N−1}": a read quorum meets every write quorum iff R + W > N.  Paths
        with R + W ≤ N (ZooKeeper local reads, Cassandra ONE/ONE, etcd serializable)
        are not quorum systems — a read can miss the latest write with no failure at
        all — and raise InfeasibleError.
        Worked case: etcd (2 of 3 both ways) gives one; ZooKeeper (R = 1, W = 2) raises.

        >>> preset("etcd").quorum_system()
        QuorumSystem(reads=choose(2, [r0, r1, r2]), writes=choose(2, [r0, r1, r2]))
        """
        from .. import quorum

        if self.read_quorum + self.write_quorum <= self.replicas:
            raise InfeasibleError(
                f"{self.name} reads {self.read_quorum} and writes {self.write_quorum} of "
                f"{self.replicas} replicas on its {self.read_path!r} path: R + W ≤ N, reads need "
                "not meet writes, so there is no quorum system")
        return quorum.threshold([f"r{i}" for i in range(self.replicas)], self.read_quorum,
                                self.write_quorum)

    def structure(self) -> Any:
        """The structure expression F(S) is taken over (see :mod:`syncmodel.structure`).

        The system serves when its default read and write paths both can: by default
        ``max(R, W)`` of the N replicas "r0".. (consensus and quorum systems, Memcached's
        one server, HDFS's any replica of a block — the NameNode, a single master unless
        HA is configured, is left out); Redis and GlusterFS say otherwise.
        """
        from .. import structure as st

        reps = [f"r{i}" for i in range(self.replicas)]
        k = max(self.read_quorum, self.write_quorum)
        return st.choose(k, reps) if len(reps) > 1 else st.Node(reps[0])

    @property
    def storage_copies(self) -> int:
        """Full data copies kept (default: the replicas)."""
        return self.replicas

    def summary(self) -> dict[str, Any]:
        """A flat dict of the model (one table row)."""
        row: dict[str, Any] = {"system": self.display, "preset": self.name, "family": self.family,
                               "nodes": self.nodes, "replicas": self.replicas,
                               "read_quorum": self.read_quorum, "write_quorum": self.write_quorum,
                               "tolerated_failures": self.tolerated_failures,
                               "storage_copies": self.storage_copies,
                               "election": self.election, "replication": self.replication,
                               "read_path": self.read_path, "conflict": self.conflict,
                               "fresh_reads": self.fresh_reads}
        return row

    # ------------------------------------------------------------------ 1. availability
    def availability(self, p: float, *, rack_p: float = 0.0, method: str = "auto",
                     seed: Seed = None) -> float:
        """F(S) = 1 − P(S): the probability the default read and write paths can both serve.

        Every node is down independently with probability ``p`` (see :meth:`structure`
        for what "can serve" means).  With ``rack_p`` > 0, racks fail too (probability
        ``rack_p`` each, taking their nodes down): each replica in its own rack, unless
        the system places them otherwise (HDFS).  Computed by
        :func:`syncmodel.failure.fault_tolerance`.
        Worked case: etcd (majority of 3) at p = 0.1: 1 − (3p²(1 − p) + p³) = 0.972.

        >>> from syncmodel.systems import preset
        >>> round(preset('etcd').availability(0.1), 12)
        0.972
        """
        from .. import failure
        from ..rng import check_seed

        p = check_probability("p", p)
        rack_p = check_probability("rack_p", rack_p)
        check_seed(seed)
        s = self.structure()
        if rack_p == 0.0:
            return float(failure.fault_tolerance(s, p, method=method, seed=seed))
        return self._rack_availability(s, p, rack_p, method, seed)

    def _rack_availability(self, s: Any, p: float, rack_p: float, method: str, seed: Seed) -> float:
        from .. import failure

        doms = {f"rack_{n}": ([n], rack_p) for n in s.nodes}
        return float(failure.fault_tolerance(s, p, domains=doms, method=method, seed=seed))

    # ------------------------------------------------------------------ 2. failover downtime
    def failover_downtime(self, trials: int = 200, *, seed: Seed = None, fault: str = "silent"
                          ) -> np.ndarray:
        """Samples (ms) of the time writes are unavailable after the leader (or a server)
        fails.  ``fault`` (see :data:`FAULTS`): "silent" (default: it stops answering and
        nothing tells the others — a host crash, power loss, a partition) or "pause" (the
        same, a hung process), or "crash" (its process dies on a live host, whose kernel
        closes its connections at once).  Only systems that watch their connections
        (ZooKeeper) tell "crash" apart.  Default: no leader on the data path, the client goes
        to another replica at once (Memcached: the key is lost instead), downtime 0."""
        import numpy as np

        from ..rng import check_seed

        trials = check_int("trials", trials, 1)
        check_seed(seed)
        check_fault(fault)
        return np.zeros(trials)

    # ------------------------------------------------------------------ 3. stale reads
    def stale_read_probability(self, t_ms: float = 0.0, *, latency_ms: float = 1.0,
                               rtt_ms: float | None = None, stall_probability: float = 0.0,
                               stall_ms: float = 0.0, trials: int = 100_000, seed: Seed = None) -> float:
        """P(a read issued t ms after a write is acknowledged returns an older version).

        Default read path, no failure, the client attached to a uniformly chosen server.
        Paths that read the latest write (ReadIndex, sync, consistent, leaseholder, the
        Redis master, the key's Memcached server): 0.  Otherwise the system's own model
        (:meth:`_stale_read`).  Follower reads that trail the acknowledgement by one hop
        (etcd serializable, ZooKeeper local, Redis replica) are a race
        (:class:`~syncmodel.systems.race.ReadRace`): stale iff the server is a follower
        (probability (n − 1)/n) whose apply lag D = Exp(``latency_ms``) hop, plus with
        probability ``stall_probability`` an Exp(``stall_ms``) stall, exceeds t plus the
        client's turnaround (``rtt_ms``; None: two Exp(``latency_ms``) hops).
        """
        from ..rng import check_seed
        from .race import ReadRace

        t = nonneg("t_ms", t_ms)
        race = ReadRace(latency_ms, rtt_ms, stall_probability, stall_ms)
        trials = check_int("trials", trials, 1)
        check_seed(seed)
        if self.fresh_reads:
            return 0.0
        return self._stale_read(t, race, trials, seed)

    def _stale_read(self, t: float, race: ReadRace, trials: int, seed: Seed) -> float:
        raise InvalidParameterError(  # pragma: no cover - every non-fresh path has a model
            f"no stale-read model for read path {self.read_path!r}")

    @property
    def _follower_share(self) -> float:
        """The probability that a uniformly chosen server is a follower: (n − 1)/n."""
        return (self.nodes - 1) / self.nodes

    def _follower_race_stale(self, t: float, race: ReadRace) -> float:
        """Follower reads one hop behind the acknowledgement: (n − 1)/n · ``race.stale(t)``."""
        return self._follower_share * race.stale(t)

    def deposed_leader_window(self, trials: int = 200, *, seed: Seed = None) -> np.ndarray:
        """Samples (ms) of the time a partitioned old leader still serves reads after a new
        leader exists.  Only lease-based leader reads can be stale this way (Consul's
        default mode); ReadIndex, consistent, leaseholder and sync paths confirm leadership
        or wait out the lease: all zeros (the default)."""
        import numpy as np

        from ..rng import check_seed

        trials = check_int("trials", trials, 1)
        check_seed(seed)
        return np.zeros(trials)

    # ------------------------------------------------------------------ 4. lost writes
    @answer(LostWrites)
    def lost_writes(self, writes: int = 1000, rate_per_s: float = 1000.0, *, lag_ms: float = 2.0,
                    failed_replicas: int = 0, lag_shape: str = "exponential", crash_after_ms: float = 0.0,
                    seed: Seed = None) -> dict[str, Any]:
        """Acknowledged writes lost when the leader (or one server) crashes after a write burst.

        Schedule: ``writes`` writes arrive as a Poisson stream (``rate_per_s``); each
        follower/replica receives them in order over its stream (:class:`StreamLag`):
        ``lag_shape`` "exponential" — write j after its arrival plus an Exp(``lag_ms``)
        delay, FIFO (receipt = running max), or "constant" — every write exactly ``lag_ms``
        after its arrival (one TCP stream with a steady delay: what a delaying proxy or a
        long link gives).  The leader crashes ``crash_after_ms`` after the last arrival
        together with ``failed_replicas`` of the others.  What is lost is the system's own
        model (:meth:`_lost_writes`); by default (Cassandra's commit log, HDFS's pipeline,
        GlusterFS's quorum writes) a crashed node's acknowledged writes are durable or held
        by the other replicas: 0.
        Worked case (Redis, asynchronous, constant lag w = lag − crash_after > 0): the
        writes in flight at the crash are the last one plus those that arrived in the w
        before it — a Poisson(rate·w) count on a long stream: E[lost] = 1 + rate·w, e.g.
        5000/s, 5 ms, crash 1 ms after: 21.  (Exponential lag loses more: a median of ~70 of
        200 writes at 4700/s, 5 ms.)
        Returns a :class:`~syncmodel.systems.results.LostWrites` (acknowledged, lost,
        lost_fraction, available; with the call's parameters and seed).
        """
        from ..rng import as_generator

        writes = check_int("writes", writes, 1)
        rate = nonneg("rate_per_s", rate_per_s)
        if rate == 0:
            raise invalid("rate_per_s", rate_per_s, "a rate > 0")
        stream = StreamLag(lag_ms, lag_shape, crash_after_ms)
        others = self.replicas - 1
        failed = check_int("failed_replicas", failed_replicas, 0)
        if failed > max(others, 0):
            raise invalid("failed_replicas", failed_replicas, f"an int in [0, {max(others, 0)}]")
        return self._lost_writes(writes, rate, stream, failed, as_generator(seed))

    def _lost_writes(self, writes: int, rate: float, lag: StreamLag, failed: int,
                     rng: np.random.Generator) -> dict[str, Any]:
        return {"acknowledged": writes, "lost": 0, "lost_fraction": 0.0, "available": True}

    def _leader_crash_loss(self, writes: int, rate: float, lag: StreamLag, failed: int,
                           rng: np.random.Generator, *, holders: int, survivors: int) -> dict[str, Any]:
        """Log shipping cut by a leader crash: a write is acknowledged once ``holders``
        followers hold it; the cluster is available after the crash when ≥ ``survivors``
        followers live, and the survivor with the longest prefix takes over — acknowledged
        writes beyond its prefix are lost."""
        import numpy as np

        others = self.replicas - 1
        arrivals = np.cumsum(rng.exponential(1000.0 / rate, size=writes))
        crash = float(arrivals[-1]) + lag.crash_after_ms
        rec = lag.receipts(rng, arrivals, others) if others else np.empty((0, writes))
        have = rec <= crash  # (others, writes): follower holds write j when the leader dies
        dead = rng.choice(others, size=failed, replace=False) if failed else np.array([], dtype=int)
        alive = np.setdiff1d(np.arange(others), dead)
        acked = have.sum(axis=0) >= holders
        if alive.size < survivors:
            return {"acknowledged": int(acked.sum()), "lost": 0, "lost_fraction": 0.0,
                    "available": False}
        prefix = have[alive].sum(axis=1)  # FIFO: each replica holds a prefix of the stream
        best = int(prefix.max())
        lost = int(np.sum(acked[best:]))
        n_ack = int(acked.sum())
        return {"acknowledged": n_ack, "lost": lost, "lost_fraction": lost / n_ack if n_ack else 0.0,
                "available": True}

    def hinted_handoff_missed(self, outage_ms: float) -> float:
        """Fraction of the writes made during a replica's outage that it never receives by
        hints.  Default: the system catches a returning replica up from the leader's log or
        the healing daemon: 0."""
        nonneg("outage_ms", outage_ms)
        return 0.0

    @answer(ReadRepairEffect)
    def read_repair_effect(self, runs: int = 6, *, seed: Seed = None,
                           outage_ms: tuple[float, float] = (300.0, 900.0),
                           duration_ms: float = 2000.0) -> dict[str, float]:
        """Fraction of reads that see the latest acknowledged write, without and with read repair.

        Runs the replicated store of :mod:`syncmodel.sync.store` in quorum mode with the
        system's N, R, W (LWW), the last replica down during ``outage_ms`` (it misses the
        writes made meanwhile; the store replays no hints), LNKD-DISK latencies, ``runs``
        seeded runs per setting on the same child seeds.  Read repair writes the newest
        version back to the stale replicas a read contacted, so the fresh fraction rises.
        Only for a leaderless (quorum) system.  Returns a
        :class:`~syncmodel.systems.results.ReadRepairEffect` (fresh_without, fresh_with).
        Worked case: Cassandra ONE/ONE, 6 runs, seed 0: ≈ 0.94 without, ≈ 0.98 with.
        """
        import numpy as np

        from ..rng import spawn
        from ..sync import metrics, store

        if self.replication != "leaderless":
            raise invalid("system", self.name, "a leaderless (quorum) system such as cassandra")
        runs = check_int("runs", runs, 1)
        pair = "a pair (down_at, up_at) of finite times ≥ 0"
        if isinstance(outage_ms, (str, bytes)) or not isinstance(outage_ms, Sequence) or len(outage_ms) != 2:
            raise invalid("outage_ms", outage_ms, pair)
        a, b = (nonneg("outage_ms", x) for x in outage_ms)
        if b < a:
            raise invalid("outage_ms", outage_ms, "(down_at, up_at) with up_at ≥ down_at")
        duration = nonneg("duration_ms", duration_ms)
        seeds = spawn(seed, runs)
        out: dict[str, float] = {}
        for key, flag in (("fresh_without", False), ("fresh_with", True)):
            vals = [metrics.k_staleness(store.simulate_store(
                "quorum", self.replicas, self.read_quorum, self.write_quorum, seed=s, read_repair=flag,
                policy="lww", crashes=[(self.replicas - 1, a, b)], duration_ms=duration,
                latency="LNKD-DISK")) for s in seeds]
            out[key] = float(np.nanmean(vals))
        return out

    # ------------------------------------------------------------------ 5. conflicting versions
    @answer(ConflictingVersions)
    def conflicting_versions(self, writers: int = 2, *, partitioned: bool = False,
                             seed: Seed = None) -> dict[str, Any]:
        """Concurrent writes of one key by ``writers`` clients: what survives.

        Each write carries a version vector.  By default the system orders writes (a
        leader or master, a single Memcached server, HDFS's single writer): each write
        extends the previous one's vector, so one version remains and none is silently
        discarded.  ``partitioned``: the writers are split across a partition and the
        minority side's writes meet the system's :attr:`minority_writes` ("refused": a
        quorum or lease refuses them, the client is told; "discarded": accepted, then
        dropped on rejoin; None: accepted).  Resolution by
        :func:`syncmodel.sync.versioning.resolve`.  Returns a
        :class:`~syncmodel.systems.results.ConflictingVersions`: versions (kept after
        resolution), siblings (concurrent versions before resolution), discarded
        (acknowledged then silently dropped) and refused (rejected, client told).
        """
        from ..rng import as_generator

        writers = check_int("writers", writers, 1)
        check_bool("partitioned", partitioned)
        rng = as_generator(seed)
        stamps = [float(x) for x in sorted(rng.uniform(0.0, 1.0, size=writers))]
        return self._conflicts(writers, partitioned, stamps)

    #: what happens to the minority side's writes in a partition (see :meth:`conflicting_versions`)
    minority_writes: ClassVar[str | None] = "refused"

    def _conflicts(self, writers: int, partitioned: bool, stamps: list[float]) -> dict[str, Any]:
        """Serialized writes: a leader/master/server orders them, each extends the last."""
        from ..sync import versioning

        refused = discarded_extra = 0
        ordered = list(range(writers))
        if partitioned and writers > 1:
            minority = ordered[: writers // 2]
            ordered = ordered[writers // 2:]
            if self.minority_writes == "refused":
                refused = len(minority)  # no quorum / no lease on the minority side
            elif self.minority_writes == "discarded":
                discarded_extra = len(minority)  # the old master's writes vanish on rejoin
        vec: dict[Hashable, int] = {}
        versions = []
        for i in ordered:
            vec = versioning.increment(vec, "leader")
            versions.append((dict(vec), stamps[i], f"w{i}"))
        return _resolved(versions, "siblings", discarded_extra, refused)


def _resolved(versions: list[tuple[dict[Hashable, int], float, str]], policy: str, discarded_extra: int,
              refused: int) -> dict[str, Any]:
    from ..sync import versioning

    concurrent = versioning.resolve(versions, "siblings")
    kept = versioning.resolve(versions, policy)
    return {"versions": len(kept), "siblings": len(concurrent),
            "discarded": len(concurrent) - len(kept) + discarded_extra, "refused": refused}


#: the shapes of a replication stream's delay (:class:`StreamLag`)
LAG_SHAPES = ("exponential", "constant")


@dataclass(frozen=True)
class StreamLag:
    """How far each replica's stream trails the leader, and when the leader dies.

    ``mean_ms``: the mean delay from a write's arrival at the leader to its receipt at a
    replica; ``shape``: "exponential" (each write its own Exp(mean) delay; the stream is FIFO,
    so receipt j = max over i ≤ j of arrival_i + delay_i — the running max grows with the
    stream's length, about mean × ln(writes in one lag)) or "constant" (receipt = arrival +
    mean: one TCP stream with a steady delay); ``crash_after_ms``: the leader dies that long
    after the last write arrived.
    Worked case: constant 5 ms lag, writes every 0.2 ms, crash at the last arrival: the
    writes of the last 5 ms — 25 of them — are not yet at any replica.

    >>> import numpy as np
    >>> lag = StreamLag(5.0, "constant")
    >>> arrivals = np.arange(1, 201) * 0.2
    >>> int((lag.receipts(np.random.default_rng(0), arrivals, 1)[0] > arrivals[-1]).sum())
    25
    """

    mean_ms: float = 2.0
    shape: str = "exponential"
    crash_after_ms: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean_ms", nonneg("lag_ms", self.mean_ms))
        check_choice("lag_shape", self.shape, LAG_SHAPES)
        object.__setattr__(self, "crash_after_ms", nonneg("crash_after_ms", self.crash_after_ms))

    def receipts(self, rng: np.random.Generator, arrivals: np.ndarray, replicas: int) -> np.ndarray:
        """(replicas, writes) receipt times of the writes that arrived at ``arrivals``."""
        import numpy as np

        if self.shape == "constant":
            return np.broadcast_to(arrivals[None, :] + self.mean_ms, (replicas, arrivals.size)).copy()
        raw = arrivals[None, :] + rng.exponential(self.mean_ms, size=(replicas, arrivals.size))
        return np.maximum.accumulate(raw, axis=1)


#: how the failed leader fails, for :meth:`SystemModel.failover_downtime`
FAULTS = ("silent", "crash", "pause")


def check_fault(fault: Any) -> str:
    """``fault`` if it is one of :data:`FAULTS`, else InvalidParameterError naming them."""
    return check_choice("fault", fault, FAULTS)


# ---------------------------------------------------------------------- loading
@lru_cache(maxsize=1)
def load_defaults() -> Mapping[str, Mapping[str, Any]]:
    """The preset tables of ``data/systems.toml`` (read once)."""
    with DATA_FILE.open("rb") as fh:
        raw = tomllib.load(fh)
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in raw.items()})


def names() -> list[str]:
    """The preset names, in the order of the data file (the article's order).

    >>> names()[:3]
    ['etcd', 'zookeeper', 'consul']
    """
    return list(load_defaults())


def preset(name: str, **overrides: Any) -> SystemModel:
    """The model of system ``name`` with its documented defaults, optionally overridden.

    ``overrides`` may set ``nodes``, ``replicas``, ``read_path`` and any
    system-specific setting of the data file (e.g. ``heartbeat_ms``,
    ``consistency_read="QUORUM"``, ``wait_replicas=1``, ``quorum_type="none"``);
    quorums are derived, not set: consensus systems use a majority of ``nodes``,
    Cassandra its consistency levels, GlusterFS its quorum type.  Invariants are
    checked by the system's class: at least one node, replicas ≤ nodes, a
    majority-based ensemble of 2f+1 ≥ 1, timeouts > 0 with heartbeat < election
    timeout, quorum counts within the replicas, a Sentinel quorum ≤ the Sentinels,
    WAIT ≤ the replicas, an arbiter only on replica 3.

    Worked case: ``preset("etcd", nodes=5)`` has write quorum 3 and tolerates 2
    failures; ``preset("etcd", nodes=0)`` and ``preset("cassandra", replicas=7)``
    (above its 6 nodes) raise InvalidParameterError; ``preset("mongodb")`` lists
    the known names.

    >>> m = preset("etcd", nodes=5)
    >>> type(m).__name__, m.write_quorum, m.tolerated_failures
    ('Etcd', 3, 2)
    """
    table = load_defaults()
    if not isinstance(name, str) or name.lower() not in table:
        raise InvalidParameterError(f"name must be one of {names()}, got {name!r}")
    name = name.lower()
    base = dict(table[name])
    sources = dict(base.pop("sources", {}))
    allowed = sorted(set(base) - {"display", "family", "election", "replication", "conflict",
                                  "read_quorum", "write_quorum"})
    for key in overrides:
        if key not in allowed:
            raise InvalidParameterError(
                f"override {key!r} is not a setting of {name}; settable: {allowed}")
    cfg = {**base, **overrides}
    return SYSTEM_CLASSES[name].from_settings(name, cfg, sources, set(overrides))


# ---------------------------------------------------------------------- validation helpers
def nonneg(name: str, value: Any) -> float:
    """``value`` as a finite float ≥ 0 (−0.0 becomes 0.0: numpy refuses a negative-signed scale)."""
    return check_real(name, value, 0.0) + 0.0


def ms(name: str, value: Any, allow_zero: bool = False) -> float:
    """A setting that is a time in ms: finite, > 0 (≥ 0 with ``allow_zero``)."""
    return check_real(name, value, 0.0, lo_open=not allow_zero)


def choice(name: str, value: Any, options: tuple[str, ...]) -> str:
    """A setting that is one of ``options`` (:func:`~syncmodel.errors.check_choice`)."""
    return check_choice(name, value, options)


def flag(name: str, value: Any) -> bool:
    """A setting that is True or False (:func:`~syncmodel.errors.check_bool`)."""
    return check_bool(name, value)
