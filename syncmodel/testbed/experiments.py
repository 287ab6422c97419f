"""Experiments on the real systems, each paired with the model that predicts it.

failover (etcd, ZooKeeper, Redis Sentinel: crash or pause the leader, time the new one),
lost_writes (Redis master killed under a write stream, with or without WAIT 1) and
memcached_loss (one server dies); stale reads live in :mod:`.staleness`.
Each returns one row per trial; every loop is bounded in count and in time.
"""

from __future__ import annotations

import datetime as _dt
import os
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InvalidParameterError, check_choice, check_int, invalid
from ..rng import Seed, as_generator
from .base import FAULTS, Cluster
from .history import History

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["failover", "lost_writes", "memcached_loss", "predicted_failover"]

FAILOVER_SYSTEMS = ("etcd", "zookeeper", "redis")
POLL_S = 0.005
#: set to end every running :func:`failover` after its current trial (``make validate``
#: sets it when interrupted, so that its threads and their clusters stop at once)
STOP = threading.Event()
RAFT_EVENTS = ("campaign", "leader")
RAFT_COUNTS = ("campaigns", "lease_ignored", "votes_rejected")
SENTINEL_EVENTS = ("sdown", "odown", "try_failover", "elected", "selected", "promoted", "switch")


def _cluster(name: str, n: int, settings: dict[str, Any]) -> Cluster:
    from . import cluster

    return cluster(name, n, **settings)


def _settings_text(n: int, settings: dict[str, Any]) -> str:
    return ";".join([f"n={n}"] + [f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                                  for k, v in sorted(settings.items())])


def _base_row(c: Cluster, experiment: str, seed: Seed, fault: str, trial: int) -> dict[str, Any]:
    row: dict[str, Any] = {"system": c.system, "version": c.__dict__.setdefault("_version", c.version()),
                           "experiment": experiment, "n": c.n, "settings": _settings_text(c.n, c.settings),
                           "fault": fault, "trial": trial, "seed": seed if isinstance(seed, int) else None}
    row.update({k: v for k, v in c.settings.items()})
    return row


def _await_new_leader(c: Cluster, old: int, t0: float, time_cap_ms: float,
                      stats: dict[str, float] | None = None) -> int | None:
    """Poll ``c.leader()`` every :data:`POLL_S` until a leader other than ``old`` answers,
    or ``time_cap_ms`` after the monotonic time ``t0``; the new leader, or None at the cap.
    ``stats`` (if given) receives ``polls`` and ``last_query_ms`` (the duration of the
    final ``c.leader()`` call): the observer's own share of the measured time."""
    polls = 0
    while (time.monotonic() - t0) * 1000.0 < time_cap_ms and not STOP.is_set():
        q0 = time.monotonic()
        lead = c.leader()
        polls += 1
        if stats is not None:
            stats["polls"] = polls
            stats["last_query_ms"] = (time.monotonic() - q0) * 1000.0
        if lead is not None and lead != old:
            return int(lead)
        time.sleep(POLL_S)
    return None


def _unix_ms() -> float:
    return time.time() * 1000.0


def _check_name(name: str, allowed: Sequence[str], what: str) -> str:
    if not isinstance(name, str) or name.lower() not in allowed:
        raise InvalidParameterError(f"name must be one of {list(allowed)} for {what}, got {name!r}")
    return name.lower()


# ------------------------------------------------------------------ failover
def failover(name: str, trials: int, fault: str = "crash", seed: Seed = None, *, n: int = 3,
             time_cap_ms: float = 30_000.0, heal_timeout_s: float = 60.0, budget_s: float | None = None,
             **settings: Any) -> pd.DataFrame:
    """Leader failover time: fault the leader, time until another member leads (``failover_ms``).

    Per trial: wait until healthy (and, for Redis, 2 × failover-timeout after the last
    failover: Sentinel refuses an earlier one), wait a seeded uniform 50–300 ms (so the fault falls at a
    random phase of the heartbeats), apply ``fault`` ("crash" = SIGKILL, "pause" = SIGSTOP)
    to the leader at ``fault_unix_ms``, poll every 5 ms until a different member leads
    (``leader_unix_ms``; etcd: every live member that answers names it; ZooKeeper: a server reports
    Mode: leader; Redis: a Sentinel majority names it and it answers ROLE master), then
    heal (restart / SIGCONT).  Redis rows also time Sentinel's steps from its logs
    (``sdown_ms`` … ``switch_ms``, see :meth:`RedisCluster.sentinel_events`), ZooKeeper rows
    its election's (``looking_ms`` … ``quorum_ms``, :meth:`ZooKeeperCluster.election_events`), etcd
    rows its raft log's (``campaign_ms``, ``leader_ms``, ``campaigns``, ``lease_ignored``,
    ``votes_rejected``, :meth:`EtcdCluster.raft_events`).  ``server_ms`` is the end of the
    failover as the servers' own logs time it (etcd: "became leader"; ZooKeeper: the new leader
    has a synced quorum; Sentinel: a majority of the Sentinels switched to the new master),
    free of the polling observer; ``observer_ms`` = ``failover_ms`` − ``server_ms`` is the
    observer's share (``polls``, ``poll_cycle_ms``, ``last_query_ms``; ``load_1m`` is the
    machine's load average at the end of the trial).  A trial that
    sees no new leader within ``time_cap_ms`` is a row with ``timed_out`` True and
    ``failover_ms`` NaN.  ``budget_s`` stops early (fewer rows, at least one) once that much
    wall time is spent.  One cluster serves all trials.
    """
    import pandas as pd

    name = _check_name(name, FAILOVER_SYSTEMS, "failover")
    trials = check_int("trials", trials, 1)
    if fault not in FAULTS:
        raise invalid("fault", fault, f"one of {list(FAULTS)}")
    rng = as_generator(seed)
    rows = []
    start = last = time.monotonic()
    with _cluster(name, n, settings) as c:
        for trial in range(trials):
            if (budget_s is not None and trial > 0 and time.monotonic() - start > budget_s) or STOP.is_set():
                break
            c.wait_healthy(heal_timeout_s)
            time.sleep(max(0.0, last + c.trial_gap_s() - time.monotonic()) + float(rng.uniform(0.05, 0.3)))
            old = c.leader()
            if old is None:
                c.wait_healthy(heal_timeout_s)
                old = c.leader()
            assert old is not None
            row = _base_row(c, "failover", seed, fault, trial)
            t0 = time.monotonic()
            row["fault_unix_ms"] = _unix_ms()
            c.fault(fault, old)
            obs: dict[str, float] = {}
            new = _await_new_leader(c, old, t0, time_cap_ms, obs)
            t1 = last = time.monotonic()
            polls = max(1.0, obs.get("polls", 1.0))
            row.update({"polls": int(polls), "poll_cycle_ms": (t1 - t0) * 1000.0 / polls,
                        "last_query_ms": obs.get("last_query_ms", float("nan")),
                        "load_1m": os.getloadavg()[0]})
            row.update({"old_leader": old, "new_leader": new if new is not None else -1,
                        "timed_out": new is None,
                        "failover_ms": (t1 - t0) * 1000.0 if new is not None else float("nan"),
                        "leader_unix_ms": row["fault_unix_ms"] + (t1 - t0) * 1000.0 if new is not None
                        else float("nan")})
            if hasattr(c, "sentinel_events"):
                ev = c.sentinel_events(row["fault_unix_ms"])
                row.update({f"{k}_ms": ev.get(k, float("nan")) for k in SENTINEL_EVENTS})
                row["server_ms"] = ev.get("switch_majority", float("nan"))
            if hasattr(c, "election_events"):
                ev = c.election_events(row["fault_unix_ms"])
                row.update({"looking_ms": ev.get("looking", float("nan")),
                            "decided_ms": ev.get("decided", float("nan")),
                            "fle_ms": ev.get("fle_ms", float("nan")),
                            "quorum_ms": ev.get("quorum", float("nan")),
                            "notification_timeouts": ev.get("notification_timeouts", 0.0),
                            "connect_retries": ev.get("connect_retries", 0.0)})
                row["server_ms"] = row["quorum_ms"]
            if hasattr(c, "raft_events"):
                ev = c.raft_events(row["fault_unix_ms"])
                row.update({f"{k}_ms": ev.get(k, float("nan")) for k in RAFT_EVENTS})
                row.update({k: ev.get(k, 0.0) for k in RAFT_COUNTS})
                row["server_ms"] = row["leader_ms"]
            row["observer_ms"] = row["failover_ms"] - row.get("server_ms", float("nan"))
            rows.append(row)
            c.heal(fault, old)
        c.wait_healthy(heal_timeout_s)
    df = pd.DataFrame(rows)
    df.attrs["date"] = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    return df


def predicted_failover(name: str, trials: int = 2000, seed: Seed = 0, *, n: int = 3,
                       fault: str = "crash", **settings: Any) -> np.ndarray:
    """Model samples (ms) of :func:`syncmodel.systems.failover_downtime` for the testbed's settings.

    etcd: preset("etcd", nodes=n, heartbeat_ms, election_timeout_ms); ZooKeeper:
    preset("zookeeper", nodes=n, tick_ms, sync_limit, init_limit); Redis: preset("redis",
    nodes=n, replicas=n, down_after_ms, failover_timeout_ms, sentinels, sentinel_quorum).
    ``fault`` ("crash" or "pause") is passed on when the model distinguishes the two.
    """
    from .. import systems

    name = _check_name(name, FAILOVER_SYSTEMS, "failover")
    from . import SYSTEMS

    full = {**SYSTEMS[name].settings_known, **settings}
    fault = check_choice("fault", fault, FAULTS)
    m = systems.preset(name, **_overrides(name, n, full))
    import inspect

    extra = {"fault": fault} if "fault" in inspect.signature(systems.failover_downtime).parameters else {}
    return np.asarray(systems.failover_downtime(m, trials=trials, seed=seed, **extra), dtype=float)


_MODEL_KEYS = ("heartbeat_ms", "election_timeout_ms", "tick_ms", "sync_limit", "init_limit", "down_after_ms",
               "failover_timeout_ms", "sentinels", "sentinel_quorum")
_INT_KEYS = ("sync_limit", "init_limit", "sentinels", "sentinel_quorum")


def _overrides(name: str, n: int, settings: dict[str, Any]) -> dict[str, Any]:
    """Preset overrides for a testbed cluster of ``n`` members with ``settings``."""
    over: dict[str, Any] = {"nodes": n}
    if name == "redis":
        over["replicas"] = n
    for k, v in settings.items():
        if k in _MODEL_KEYS:
            over[k] = int(v) if k in _INT_KEYS else float(v)
    return over


# ------------------------------------------------------------------ lost writes
def lost_writes(trials: int = 10, seed: Seed = None, *, wait_replicas: int = 0, lag_ms: float = 0.0,
                writes: int = 200, n: int = 3, down_after_ms: float = 500.0,
                failover_timeout_ms: float = 1000.0, time_cap_ms: float = 20_000.0,
                budget_s: float | None = None) -> pd.DataFrame:
    """Acknowledged Redis writes lost when the master is SIGKILLed right after a write stream.

    Per trial (a fresh cluster each, so every trial starts from the same state): one client
    SETs ``writes`` keys in order on the master; with ``wait_replicas`` = 1 a write counts as
    acknowledged only when ``WAIT 1 100`` returns ≥ 1.  With ``lag_ms`` > 0 every replica's
    stream passes a :class:`~syncmodel.testbed.proxy.DelayProxy` delaying it by ``lag_ms``
    (what the proxy holds when the master dies is dropped).  The master is SIGKILLed right
    after the last acknowledgement (``after ~ U(0, 1) ms`` jitter, seeded; ``kill_after_ms``
    the measured time from the last acknowledgement to the SIGKILL); once the Sentinels
    promote a replica, every acknowledged key is read back from it: ``lost`` = acknowledged
    keys it lacks; ``rate_per_s`` the measured write rate; ``in_flight`` = acknowledged writes
    whose acknowledgement came within ``lag_ms`` before the kill (those the delaying proxy still
    held, if the master's stream left with each reply).  ``budget_s`` stops early (at least one
    trial) once that much wall time is spent.  History: ``df.attrs["history"]``.
    """
    import pandas as pd

    trials = check_int("trials", trials, 1, 1000)
    writes = check_int("writes", writes, 1, 100_000)
    wait_replicas = check_int("wait_replicas", wait_replicas, 0, n - 1)
    if budget_s is not None and not (budget_s > 0 and np.isfinite(budget_s)):
        raise invalid("budget_s", budget_s, "a finite time > 0 or None")
    rng = as_generator(seed)
    start = time.monotonic()
    hist = History()
    rows = []
    settings = {"down_after_ms": down_after_ms, "failover_timeout_ms": failover_timeout_ms,
                "replica_delay_ms": lag_ms}
    for trial in range(trials):
        if budget_s is not None and trial > 0 and time.monotonic() - start > budget_s:
            break
        hist.trial = trial
        with _cluster("redis", n, settings) as c:
            from .redis import RedisCluster

            assert isinstance(c, RedisCluster)
            old = c.leader()
            assert old is not None
            m = c.conn(old)
            row = _base_row(c, "lost_writes", seed, "crash", trial)  # (asks the version: before the stream)
            acked: list[str] = []
            ack_at: list[float] = []
            t_start = time.monotonic()
            for j in range(writes):
                key = f"t{trial}:k{j}"
                op = hist.invoke(0, "write", key, j)
                try:
                    m.set(key, j)
                    if wait_replicas:
                        got = int(m.execute_command("WAIT", wait_replicas, 100))
                        if got < wait_replicas:
                            hist.complete(op, "info")
                            continue
                    hist.complete(op, "ok")
                    acked.append(key)
                    ack_at.append(time.monotonic())
                except Exception:
                    hist.complete(op, "info")
            stream_s = time.monotonic() - t_start
            time.sleep(float(rng.uniform(0.0, 0.001)))
            t0 = time.monotonic()
            c.crash(old)
            kill_after_ms = (t0 - ack_at[-1]) * 1000.0 if ack_at else float("nan")
            in_flight = sum(t > t0 - lag_ms / 1000.0 for t in ack_at)
            new = _await_new_leader(c, old, t0, time_cap_ms)
            lost = None
            if new is not None:
                nm = c.conn(new)
                vals: list[Any] = []
                for k in range(0, len(acked), 500):
                    vals += nm.mget(acked[k:k + 500])
                lost = sum(v is None for v in vals)
                for key, v in zip(acked, vals, strict=True):
                    op = hist.invoke(1, "read", key)
                    hist.complete(op, "ok", v)
            row.update({"wait_replicas": wait_replicas, "lag_ms": lag_ms, "writes": writes,
                        "kill_after_ms": kill_after_ms, "in_flight": in_flight,
                        "rate_per_s": writes / stream_s if stream_s > 0 else float("nan"),
                        "acknowledged": len(acked), "lost": lost if lost is not None else -1,
                        "lost_fraction": (lost / len(acked)) if lost is not None and acked else float("nan"),
                        "timed_out": new is None,
                        "failover_ms": (time.monotonic() - t0) * 1000.0 if new is not None else float("nan")})
            rows.append(row)
    df = pd.DataFrame(rows)
    df.attrs["history"] = hist.to_frame()
    return df


# ------------------------------------------------------------------ memcached
def memcached_loss(trials: int = 10, seed: Seed = None, *, n: int = 4, keys: int = 2000,
                   vnodes: int = 160) -> pd.DataFrame:
    """Keys lost when one Memcached server dies, beside 1/n and the dead server's ring share.

    Per trial: flush every server, set ``keys`` keys through the consistent-hashing client
    (:class:`~syncmodel.testbed.memcached.MemcachedPool`), SIGKILL a server chosen by the seed,
    read every key back: ``lost_fraction`` = misses / keys.  ``arc_share`` is that server's
    exact ring share (HashRing.shares, the model's expectation) and ``one_over_n`` = 1/n;
    ``owned_fraction`` is the fraction of this trial's keys the ring put on it.  Restarted after.
    """
    import pandas as pd

    trials = check_int("trials", trials, 1)
    keys = check_int("keys", keys, 1, 200_000)
    rng = as_generator(seed)
    rows = []
    with _cluster("memcached", n, {"vnodes": vnodes}) as c:
        from .memcached import MemcachedPool

        assert isinstance(c, MemcachedPool)
        shares = c.ring.shares()
        for trial in range(trials):
            c.wait_healthy(15.0)
            for i in range(c.n):
                c._conn(i).flush_all()
            names = [f"t{trial}-{int(rng.integers(1 << 62))}-{j}" for j in range(keys)]
            stored = sum(c.set(k, "1") for k in names)
            victim = int(rng.integers(c.n))
            owned = sum(c.owner(k) == victim for k in names)
            c.crash(victim)
            missing = sum(c.get(k) is None for k in names)
            row = _base_row(c, "key_loss", seed, "crash", trial)
            row.update({"killed": victim, "keys": keys, "stored": stored, "lost": missing,
                        "lost_fraction": missing / keys, "owned_fraction": owned / keys,
                        "arc_share": float(shares[victim]), "one_over_n": 1.0 / c.n})
            rows.append(row)
            c.restart(victim)
            c._clients.pop(victim, None)
    return pd.DataFrame(rows)
