"""The same five questions asked of every preset, answered the same way.

availability F(S) for node failure probability p; failover downtime after a leader crash
(a distribution); stale-read probability on the default read path; acknowledged writes
lost on failover; conflicting versions under concurrent writes.  :func:`compare` tabulates.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InvalidParameterError, check_int, check_probability, invalid
from ..markov import nines
from ..rng import Seed, as_generator, spawn
from .model import SystemModel, preset

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "QUESTIONS",
    "availability",
    "compare",
    "conflicting_versions",
    "deposed_leader_window",
    "failover_downtime",
    "hinted_handoff_missed",
    "lost_writes",
    "nines",
    "read_repair_effect",
    "stale_read_probability",
]

QUESTIONS = ("availability", "failover downtime", "stale read", "lost writes", "conflicts")


def _model(system: SystemModel | str) -> SystemModel:
    if isinstance(system, SystemModel):
        return system
    if isinstance(system, str):
        return preset(system)
    raise invalid("system", system, "a preset name or a SystemModel")


def _nonneg(name: str, value: Any) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)) or float(value) < 0:
        raise invalid(name, value, "a finite number ≥ 0")
    return float(value) + 0.0  # -0.0 is a valid zero; numpy refuses a negative-signed scale


# ------------------------------------------------------------------ 1. availability
def availability(system: SystemModel | str, p: float, *, rack_p: float = 0.0,
                 method: str = "auto", seed: Seed = None) -> float:
    """F(S) = 1 − P(S): the probability the default read and write paths can both serve.

    Every node is down independently with probability ``p`` (see
    :meth:`SystemModel.structure` for what "can serve" means per system).  With
    ``rack_p`` > 0, racks fail too (probability ``rack_p`` each, taking their nodes
    down): HDFS places the block's replicas by its policy (averaged exactly over
    :func:`~syncmodel.systems.placement.placements`), every other system puts each
    replica in its own rack.  Computed by :func:`syncmodel.failure.fault_tolerance`.
    Worked case: etcd (majority of 3) at p = 0.1: 1 − (3p²(1 − p) + p³) = 0.972.
    """
    from .. import failure

    m = _model(system)
    p = check_probability("p", p)
    rack_p = check_probability("rack_p", rack_p)
    s = m.structure()
    if rack_p == 0.0:
        return float(failure.fault_tolerance(s, p, method=method, seed=seed))
    if m.name == "hdfs":
        from .placement import placements

        per = m.nodes // m.params["racks"]
        total = 0.0
        for nodes, w in placements(m.params["placement"], m.params["racks"], per, m.replicas):
            order = sorted(nodes)
            names = {x: f"r{i}" for i, x in enumerate(order)}
            doms: dict[str, tuple[list[str], float]] = {}
            for x in order:
                doms.setdefault(f"rack{x // per}", ([], rack_p))[0].append(names[x])
            total += w * failure.fault_tolerance(s, p, domains=doms, method=method, seed=seed)
        return float(total)
    doms = {f"rack_{n}": ([n], rack_p) for n in s.nodes}
    return float(failure.fault_tolerance(s, p, domains=doms, method=method, seed=seed))


# ------------------------------------------------------------------ 2. failover downtime
def failover_downtime(system: SystemModel | str, trials: int = 200, seed: Seed = None
                      ) -> np.ndarray:
    """Samples (ms) of the time writes are unavailable after the leader crashes.

    - Raft (etcd, Consul, CockroachDB): ``election.simulate("raft", scenario="crash")``
      with the system's randomized timeout [T, 2T) and heartbeat; CockroachDB also
      waits for the dead leaseholder's lease: downtime = max(election, U(L/2, L)) with
      L = lease_ms (the lease is renewed every L/2).
    - ZooKeeper: a follower drops the leader after syncLimit·tickTime of silence, then
      FLE elects the highest (epoch, zxid, sid) after finalizeWait — simulated as
      ``election.simulate("bully", timeout_ms=(S, S), answer_ms=finalizeWait)``, S =
      syncLimit·tickTime (Bully's highest-live-id-wins is FLE's order with equal logs).
    - Redis Sentinel: down-after-milliseconds, then the Sentinels elect a failover
      leader (a Raft-style vote, each Sentinel asking after U(0, SENTINEL_MAX_DESYNC)),
      simulated with ``election.simulate("raft", n=sentinels, scenario="cold")``.
    - GlusterFS: a client blocks for ``network.ping-timeout`` on a dead brick.
    - Cassandra, Memcached, HDFS: no leader on the data path; the client goes to
      another replica at once (Memcached: the key is lost instead), downtime 0.
    Worked case: etcd's samples lie in about [T − heartbeat, 2T + a few RTT] = [900, ~2050] ms.
    """
    m = _model(system)
    trials = check_int("trials", trials, 1)
    if m.election == "none":
        if m.name == "glusterfs":
            return np.full(trials, float(m.params["ping_timeout_ms"]))
        return np.zeros(trials)
    from .. import election

    if m.election == "raft":
        rng_t = m.election_timeout_range_ms()
        hb = m.leader_heartbeat_ms()
        assert rng_t is not None and hb is not None
        df = election.simulate("raft", n=m.nodes, trials=trials, seed=seed, scenario="crash",
                               timeout_ms=rng_t, heartbeat_ms=hb, time_cap_ms=50 * rng_t[1])
        t = df["time_to_leader_ms"].to_numpy(dtype=float)
        if m.name == "cockroachdb":
            lease = float(m.params["lease_ms"])
            u = as_generator(spawn(seed, 2)[1]).uniform(lease / 2, lease, size=trials)
            t = np.maximum(t, u)
        return t
    if m.election == "zab-fle":
        s = float(m.params["sync_limit"] * m.params["tick_ms"])
        df = election.simulate("bully", n=m.nodes, trials=trials, seed=seed, scenario="crash",
                               timeout_ms=(s, s), heartbeat_ms=m.params["tick_ms"] / 2,
                               answer_ms=m.params["finalize_wait_ms"], time_cap_ms=10 * s)
        return df["time_to_leader_ms"].to_numpy(dtype=float)
    if m.election == "sentinel":
        k = int(m.params["sentinels"])
        desync = float(m.params["max_desync_ms"])
        df = election.simulate("raft", n=k, trials=trials, seed=seed, scenario="cold",
                               timeout_ms=(1.0, desync), heartbeat_ms=0.5,
                               time_cap_ms=m.params["failover_timeout_ms"])
        return float(m.params["down_after_ms"]) + df["time_to_leader_ms"].to_numpy(dtype=float)
    raise InvalidParameterError(f"no failover model for election {m.election!r}")  # pragma: no cover


# ------------------------------------------------------------------ 3. stale reads
def stale_read_probability(system: SystemModel | str, t_ms: float = 0.0, *,
                           latency_ms: float = 1.0, trials: int = 100_000,
                           seed: Seed = None) -> float:
    """P(a read issued t ms after a write is acknowledged returns an older version).

    Default read path, no failure, the client attached to a uniformly chosen server.
    - Paths that read the latest write (ReadIndex, sync, consistent, leaseholder,
      the Redis master, the key's Memcached server) and writes that reach every
      replica before the acknowledgement (HDFS pipeline, GlusterFS AFR): 0.  Consul's
      default (leader-lease) reads are also 0 here: stale only while a deposed
      leader's lease outlives a partition.
    - Follower-local reads: stale iff the server is a follower (probability
      (n − 1)/n) that has not applied the write yet: P = (n − 1)/n · P(D > t) with D
      the apply lag — ZooKeeper local reads: D ~ Exp(mean ``latency_ms``) (the COMMIT
      is one hop behind the acknowledgement), so P = (n − 1)/n · e^(−t/μ), and the
      same for a Redis replica (its stream is one hop behind the master); etcd
      serializable and CockroachDB follower reads: D ~ U(0, heartbeat) (the commit
      index rides on the next append); Consul stale mode: D ~ U(0, 50 ms) ('within
      50 ms of the leader').
    - Cassandra at consistency levels R, W of N replicas: 0 if R + W > N; at t = 0
      the PBS closed form C(N − W, R)/C(N, R) = 1 − ``pbs.k_staleness(N, R, W, 1)``;
      for t > 0, 1 − ``pbs.t_visibility(N, R, W, t)`` (WARS, LNKD-SSD latencies).
    Worked case: Cassandra ONE/ONE, N = 3, t = 0: C(2, 1)/C(3, 1) = 2/3; ZooKeeper,
    3 servers, t = 0: 2/3.
    """
    m = _model(system)
    t = _nonneg("t_ms", t_ms)
    mu = _nonneg("latency_ms", latency_ms)
    trials = check_int("trials", trials, 1)
    if m.fresh_reads or m.replication in ("pipeline", "client-sync") or m.read_path == "default":
        return 0.0
    follower = (m.nodes - 1) / m.nodes
    if m.read_path in ("local", "replica"):  # ZooKeeper without sync(); a Redis replica
        return follower * (math.exp(-t / mu) if mu > 0 else float(t == 0.0))
    if m.read_path in ("serializable", "stale", "follower"):
        if m.name == "consul":
            lag = float(m.params["stale_lag_ms"])
        else:
            lag = float(m.params["heartbeat_ms"])
        return follower * max(0.0, 1.0 - t / lag)
    if m.read_path == "consistency-level":
        from ..sync import pbs

        n, r, w = m.replicas, m.read_quorum, m.write_quorum
        if r + w > n:
            return 0.0
        if t == 0.0:
            return 1.0 - pbs.k_staleness(n, r, w, 1)
        return 1.0 - pbs.t_visibility(n, r, w, t, trials=trials, seed=seed)
    raise InvalidParameterError(f"no stale-read model for read path {m.read_path!r}")  # pragma: no cover


def deposed_leader_window(system: SystemModel | str, trials: int = 200, seed: Seed = None
                          ) -> np.ndarray:
    """Samples (ms) of the time a partitioned old leader still serves reads after a new leader exists.

    Only lease-based leader reads can be stale this way (Consul's default mode): the
    majority side elects a new leader after ``T_new`` (``election.simulate("raft",
    scenario="crash")`` — to the majority a partitioned leader is a silent one), while
    the old leader serves default-mode reads until its lease check fails.  hashicorp/raft
    checks the lease every LeaderLeaseTimeout L, so it steps down at L + U(0, L) after
    its last quorum contact, the moment the partition starts here (times from then).
    Window = max(0, step-down − T_new); a read at the old leader in the window may
    miss writes the new leader accepted.  ReadIndex, consistent,
    leaseholder and sync paths confirm leadership or wait out the lease: all zeros.
    Worked case: Consul defaults (L = 2500 ms < 5000 ms ≤ T_new) give only zeros — the
    docs' 'hard to trigger'; L = HeartbeatTimeout opens a window in some runs.
    """
    m = _model(system)
    trials = check_int("trials", trials, 1)
    if not (m.name == "consul" and m.read_path == "default"):
        return np.zeros(trials)
    from .. import election

    # times from the last quorum contact: a 1 ms heartbeat puts the partition right after it
    rng_t = m.election_timeout_range_ms()
    assert rng_t is not None
    df = election.simulate("raft", n=m.nodes, trials=trials, seed=spawn(seed, 2)[0], scenario="crash",
                           timeout_ms=rng_t, heartbeat_ms=1.0, time_cap_ms=50 * rng_t[1])
    t_new = df["time_to_leader_ms"].to_numpy(dtype=float)
    lease = float(m.params["leader_lease_ms"] * m.params["raft_multiplier"])
    step_down = lease + as_generator(spawn(seed, 2)[1]).uniform(0.0, lease, size=trials)
    return np.maximum(0.0, step_down - t_new)


# ------------------------------------------------------------------ 4. lost writes
def _receipts(rng: np.random.Generator, arrivals: np.ndarray, replicas: int, lag_ms: float
              ) -> np.ndarray:
    """(replicas, writes) receipt times over FIFO streams: cumulative max of arrival + lag."""
    raw = arrivals[None, :] + rng.exponential(lag_ms, size=(replicas, arrivals.size))
    return np.maximum.accumulate(raw, axis=1)


def lost_writes(system: SystemModel | str, writes: int = 1000, rate_per_s: float = 1000.0, *,
                lag_ms: float = 2.0, failed_replicas: int = 0, seed: Seed = None
                ) -> dict[str, Any]:
    """Acknowledged writes lost when the leader (or one server) crashes after a write burst.

    Schedule: ``writes`` writes arrive as a Poisson stream (``rate_per_s``); each
    follower/replica receives them in order, write j after its arrival plus an
    Exp(``lag_ms``) delay (FIFO: receipt = running max).  The leader crashes right
    after the last arrival together with ``failed_replicas`` of the others.
    - Redis (asynchronous): the master acknowledges on arrival; with WAIT k only
      once k replicas hold the write (later ones are not acknowledged).  Sentinel
      promotes the surviving replica with the largest offset; acknowledged writes
      beyond its prefix are lost.  WAIT narrows the loss to writes whose k holders
      all failed.
    - Consensus (etcd, ZooKeeper, Consul, CockroachDB): a write is acknowledged once a
      majority (leader included) holds it; the new leader has the longest log among
      the survivors (Raft's vote rule, FLE's highest zxid).  With a minority failed,
      every acknowledged write survives; a failed majority leaves the cluster
      unavailable (``available`` False), not lossy.
    - Memcached: the crashed server's keys are gone: the lost fraction is its ring
      share (≈ 1/n, :func:`~syncmodel.systems.ring.removal_loss`).
    - Cassandra (commit log), HDFS (pipeline), GlusterFS (quorum writes): a crashed
      node's acknowledged writes are durable or held by the other replicas: 0.
    Returns acknowledged, lost, lost_fraction, available.
    Worked case: Redis with 3 nodes, seed 1, 1000 writes at 1000/s, 2 ms lag: a few
    writes lost; with wait_replicas = 1: none.
    """
    m = _model(system)
    writes = check_int("writes", writes, 1)
    rate = _nonneg("rate_per_s", rate_per_s)
    if rate == 0:
        raise invalid("rate_per_s", rate_per_s, "a rate > 0")
    lag = _nonneg("lag_ms", lag_ms)
    others = m.replicas - 1
    failed = check_int("failed_replicas", failed_replicas, 0)
    if failed > max(others, 0):
        raise invalid("failed_replicas", failed_replicas, f"an int in [0, {max(others, 0)}]")
    rng = as_generator(seed)
    if m.name == "memcached":
        from .ring import removal_loss

        if m.nodes == 1:
            return {"acknowledged": writes, "lost": writes, "lost_fraction": 1.0, "available": False}
        out = removal_loss(m.nodes, vnodes=m.params["vnodes"], keys=writes, seed=rng)
        lost = round(out["lost"] * writes)
        return {"acknowledged": writes, "lost": lost, "lost_fraction": lost / writes,
                "available": True}
    if m.replication not in ("async", "consensus"):
        return {"acknowledged": writes, "lost": 0, "lost_fraction": 0.0, "available": True}
    arrivals = np.cumsum(rng.exponential(1000.0 / rate, size=writes))
    crash = float(arrivals[-1])
    rec = _receipts(rng, arrivals, others, lag) if others else np.empty((0, writes))
    have = rec <= crash  # (others, writes): follower holds write j when the leader dies
    dead = rng.choice(others, size=failed, replace=False) if failed else np.array([], dtype=int)
    alive = np.setdiff1d(np.arange(others), dead)
    if m.replication == "async":
        k = int(m.params.get("wait_replicas", 0))
        acked = np.ones(writes, bool) if k == 0 else (have.sum(axis=0) >= k)
        sentinels_ok = True  # the Sentinels are separate processes; they survive here
    else:
        k = m.write_quorum - 1  # followers needed besides the leader
        acked = have.sum(axis=0) >= k
        sentinels_ok = True
    available = alive.size > 0 and sentinels_ok
    if m.replication == "consensus":
        available = alive.size + 0 >= m.write_quorum  # survivors must form a majority
    if not available:
        return {"acknowledged": int(acked.sum()), "lost": 0, "lost_fraction": 0.0,
                "available": False}
    prefix = have[alive].sum(axis=1)  # FIFO: each replica holds a prefix of the stream
    best = int(prefix.max())
    lost = int(np.sum(acked[best:]))
    n_ack = int(acked.sum())
    return {"acknowledged": n_ack, "lost": lost, "lost_fraction": lost / n_ack if n_ack else 0.0,
            "available": True}


def hinted_handoff_missed(system: SystemModel | str, outage_ms: float) -> float:
    """Fraction of the writes made during a replica's outage that it never receives by hints.

    Cassandra's coordinators store a hint for a down replica and replay it on
    recovery, but only for the first ``max_hint_window`` of the outage; writes after
    that wait for read repair or anti-entropy repair.  With writes spread evenly over
    an outage of length D and hint window H: missed = max(0, 1 − H/D); all of them
    when hinted handoff is off.  Other systems catch a returning replica up from the
    leader's log or the healing daemon: 0.
    Worked case: H = 3 h, D = 6 h → 0.5; D = 1 h → 0.
    """
    m = _model(system)
    d = _nonneg("outage_ms", outage_ms)
    if m.name != "cassandra" or d == 0.0:
        return 0.0
    if not m.params["hinted_handoff"]:
        return 1.0
    return max(0.0, 1.0 - float(m.params["hint_window_ms"]) / d)


def read_repair_effect(system: SystemModel | str = "cassandra", runs: int = 6, seed: Seed = 0, *,
                       outage_ms: tuple[float, float] = (300.0, 900.0), duration_ms: float = 2000.0
                       ) -> dict[str, float]:
    """Fraction of reads that see the latest acknowledged write, without and with read repair.

    Runs the replicated store of :mod:`syncmodel.sync.store` in quorum mode with the
    preset's N, R, W (LWW), the last replica down during ``outage_ms`` (it misses the
    writes made meanwhile; the store replays no hints), LNKD-DISK latencies, ``runs``
    seeded runs per setting on the same child seeds.  Read repair writes the newest
    version back to the stale replicas a read contacted, so the fresh fraction rises.
    Worked case: Cassandra ONE/ONE, 6 runs, seed 0: ≈ 0.94 without, ≈ 0.98 with.
    """
    from ..sync import metrics, store

    m = _model(system)
    if m.replication != "leaderless":
        raise invalid("system", m.name, "a leaderless (quorum) system such as cassandra")
    runs = check_int("runs", runs, 1)
    pair = "a pair (down_at, up_at) of finite times ≥ 0"
    if isinstance(outage_ms, (str, bytes)) or not isinstance(outage_ms, Sequence) or len(outage_ms) != 2:
        raise invalid("outage_ms", outage_ms, pair)
    a, b = (_nonneg("outage_ms", x) for x in outage_ms)
    if b < a:
        raise invalid("outage_ms", outage_ms, "(down_at, up_at) with up_at ≥ down_at")
    seeds = spawn(seed, runs)
    out: dict[str, float] = {}
    for key, flag in (("fresh_without", False), ("fresh_with", True)):
        vals = [metrics.staleness(store.simulate_store("quorum", m.replicas, m.read_quorum, m.write_quorum,
                                                 seed=s, read_repair=flag, policy="lww",
                                                 crashes=[(m.replicas - 1, a, b)],
                                                 duration_ms=_nonneg("duration_ms", duration_ms),
                                                 latency="LNKD-DISK"))
                for s in seeds]
        out[key] = float(np.nanmean(vals))
    return out


# ------------------------------------------------------------------ 5. conflicting versions
def conflicting_versions(system: SystemModel | str, writers: int = 2, *,
                         partitioned: bool = False, seed: Seed = None) -> dict[str, Any]:
    """Concurrent writes of one key by ``writers`` clients: what survives.

    Each write carries a version vector; a system that orders writes (a leader or
    master, a single Memcached server, HDFS's single writer) makes each write
    extend the previous one's vector, so one version remains and none is silently
    discarded.  Cassandra's writes are concurrent (each coordinator stamps its own);
    last-write-wins keeps the latest timestamp and silently drops the others.
    ``partitioned``: the writers are split across a partition — a quorum system
    (consensus, GlusterFS auto quorum) refuses the minority side's write; GlusterFS
    with quorum "none" keeps both (split-brain); Redis's isolated old master
    accepts writes that are discarded when it rejoins as a replica.  Resolution by
    :func:`syncmodel.sync.versioning.resolve`.  Returns versions (kept after
    resolution), siblings (concurrent versions before resolution), discarded
    (acknowledged then silently dropped) and refused (rejected, client told).
    Worked case: Cassandra, 3 writers: 3 siblings, LWW keeps 1, discards 2.
    """
    from ..sync import versioning

    m = _model(system)
    writers = check_int("writers", writers, 1)
    if not isinstance(partitioned, bool):
        raise invalid("partitioned", partitioned, "True or False")
    rng = as_generator(seed)
    stamps = np.sort(rng.uniform(0.0, 1.0, size=writers))
    refused = discarded_extra = 0
    versions: list[tuple[dict[Hashable, int], float, str]]
    if m.conflict == "lww":
        # each write is stamped independently: concurrent vectors
        versions = [({f"c{i}": 1}, float(stamps[i]), f"w{i}") for i in range(writers)]
        policy = "lww"
    elif m.conflict == "quorum" and m.params.get("quorum_type") == "none" and partitioned and writers > 1:
        # each side writes its own bricks: two concurrent histories (split-brain)
        half = writers // 2
        versions = []
        for side, ids in enumerate((range(half), range(half, writers))):
            vec: dict[Hashable, int] = {}
            for i in ids:
                vec = versioning.increment(vec, f"side{side}")
                last = (dict(vec), float(stamps[i]), f"w{i}")
            versions.append(last)
        policy = "siblings"
    else:
        # serialized: a leader/master/server orders the writes, each extends the last
        ordered = list(range(writers))
        if partitioned and writers > 1:
            minority = ordered[: writers // 2]
            ordered = ordered[writers // 2:]
            if m.conflict in ("total-order", "quorum", "single-writer"):
                refused = len(minority)  # no quorum / no lease on the minority side
            elif m.conflict == "primary-order":
                discarded_extra = len(minority)  # the old master's writes vanish on rejoin
        vec = {}
        versions = []
        for i in ordered:
            vec = versioning.increment(vec, "leader")
            versions.append((dict(vec), float(stamps[i]), f"w{i}"))
        policy = "siblings"
    concurrent = versioning.resolve(versions, "siblings")
    kept = versioning.resolve(versions, policy)
    return {"versions": len(kept), "siblings": len(concurrent),
            "discarded": len(concurrent) - len(kept) + discarded_extra, "refused": refused}


# ------------------------------------------------------------------ the table
def compare(systems: Iterable[SystemModel | str] | None = None, p: float = 0.01, *,
            t_ms: float = 0.0, trials: int = 100, writes: int = 1000, seed: Seed = 0,
            rack_p: float = 0.0, failed_replicas: int = 0,
            overrides: Mapping[str, Mapping[str, Any]] | None = None) -> pd.DataFrame:
    """One row per system: the five answers side by side (a pandas DataFrame).

    Columns: system, preset, nodes, replicas, availability (F(S) at ``p``), nines,
    downtime_median_ms, downtime_p99_ms, stale_read (at ``t_ms``), lost_writes,
    lost_fraction, versions, discarded.  System i uses child seed i of ``seed``
    for its simulations, so adding a system does not change the others' numbers.
    ``df.attrs["downtime_ms"]`` keeps each system's downtime samples (by display
    name) for plotting.  ``overrides`` maps a preset name to its overrides.
    """
    import pandas as pd

    from .model import names

    if systems is not None and (isinstance(systems, (str, bytes)) or not isinstance(systems, Iterable)):
        raise invalid("systems", systems, "None or an iterable of preset names and SystemModels")
    items = list(names() if systems is None else systems)
    if not items:
        raise invalid("systems", items, "at least one preset")
    failed_replicas = check_int("failed_replicas", failed_replicas, 0)
    if overrides is not None and not (isinstance(overrides, Mapping) and all(
            isinstance(v, Mapping) and all(isinstance(k, str) for k in v) for v in overrides.values())):
        raise invalid("overrides", overrides, "None or a mapping preset name -> {setting: value}")
    extra = dict(overrides or {})
    seeds = spawn(seed, len(items))
    rows = []
    samples: dict[str, np.ndarray] = {}
    for item, s in zip(items, seeds, strict=True):
        m = _model(item) if not isinstance(item, str) else preset(item, **extra.get(item, {}))
        s_down, s_stale, s_lost, s_conf = spawn(s, 4)
        a = availability(m, p, rack_p=rack_p)
        d = failover_downtime(m, trials=trials, seed=s_down)
        lw = lost_writes(m, writes=writes, seed=s_lost,
                         failed_replicas=min(failed_replicas, max(m.replicas - 1, 0)))
        cv = conflicting_versions(m, writers=2, seed=s_conf)
        samples[m.display] = d
        rows.append({"system": m.display, "preset": m.name, "nodes": m.nodes,
                     "replicas": m.replicas, "availability": a, "nines": nines(a),
                     "downtime_median_ms": float(np.nanmedian(d)),
                     "downtime_p99_ms": float(np.nanpercentile(d, 99)),
                     "stale_read": stale_read_probability(m, t_ms, seed=s_stale),
                     "lost_writes": lw["lost"], "lost_fraction": lw["lost_fraction"],
                     "versions": cv["versions"], "discarded": cv["discarded"]})
    df = pd.DataFrame(rows)
    df.attrs["downtime_ms"] = samples
    return df
