"""System presets: the documented defaults of each named system as a validated model.

:func:`preset` reads ``data/systems.toml`` (each default with its documentation URL),
applies overrides, derives quorums from them and checks each system's own invariants.
"""

from __future__ import annotations

import math
import numbers
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..errors import InfeasibleError, InvalidParameterError, check_int, invalid

__all__ = ["DATA_FILE", "FRESH_READ_PATHS", "READ_PATHS", "SystemModel", "load_defaults", "names", "preset"]

DATA_FILE = Path(__file__).resolve().parents[2] / "data" / "systems.toml"

#: the fields every preset has (the rest of a table is system-specific ``params``)
COMMON = ("display", "family", "nodes", "replicas", "read_quorum", "write_quorum", "election",
          "replication", "read_path", "conflict")

#: read paths each system offers; the first is its documented default
READ_PATHS: dict[str, tuple[str, ...]] = {
    "etcd": ("readindex", "serializable"),
    "zookeeper": ("local", "sync"),
    "consul": ("default", "consistent", "stale"),
    "cassandra": ("consistency-level",),
    "cockroachdb": ("leaseholder", "follower"),
    "redis": ("primary", "replica"),
    "memcached": ("owner",),
    "hdfs": ("any-replica",),
    "glusterfs": ("any-replica",),
}

#: read paths that return the latest acknowledged write while no failover happens
FRESH_READ_PATHS = frozenset({"readindex", "sync", "consistent", "leaseholder", "primary", "owner"})

CONSISTENCY_LEVELS = ("ONE", "TWO", "THREE", "QUORUM", "ALL")


@dataclass(frozen=True)
class SystemModel:
    """One system as a model: membership, quorums, election, replication, reads, conflicts.

    ``nodes`` servers hold ``replicas`` copies of each datum; a read on the default
    path needs ``read_quorum`` of them to answer and a write ``write_quorum`` to
    acknowledge.  ``election`` names the leader-election scheme ("raft", "zab-fle",
    "sentinel" or "none"), ``replication`` the write path ("consensus", "async",
    "leaderless", "pipeline", "client-sync", "none"), ``read_path`` the default read
    path and ``conflict`` how concurrent writes end ("total-order", "lww",
    "primary-order", "last-writer", "single-writer", "quorum").  ``params`` holds the
    system-specific settings (times in ms) and ``sources`` the documentation URL of
    each default.  Build it with :func:`preset`; it is immutable.
    """

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

    def __getattr__(self, key: str) -> Any:
        # system-specific settings read like fields: preset("etcd").heartbeat_ms
        params = object.__getattribute__(self, "params")
        if key in params:
            return params[key]
        raise AttributeError(f"{type(self).__name__} {self.name!r} has no setting {key!r}")

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
        """Randomized follower timeout range [lo, hi) in ms of a Raft system, else None.

        Raft (etcd, CockroachDB): [T, 2T) with T the election timeout.  Consul: its
        HeartbeatTimeout scaled by ``raft_multiplier`` H, followers start an election
        after a random [H, 2H) of silence.  Worked case: Consul defaults 5 × 1000 ms →
        (5000, 10000).
        """
        if self.election != "raft":
            return None
        if self.name == "consul":
            h = self.params["heartbeat_timeout_ms"] * self.params["raft_multiplier"]
            return (h, 2.0 * h)
        t = float(self.params["election_timeout_ms"])
        return (t, 2.0 * t)

    def leader_heartbeat_ms(self) -> float | None:
        """Leader heartbeat interval (Raft systems) in ms, else None.

        Consul's leader contacts followers well inside its lease; the model uses
        LeaderLeaseTimeout / 2 (500·m / 2 ms).
        """
        if self.election != "raft":
            return None
        if self.name == "consul":
            return 0.5 * self.params["leader_lease_ms"] * self.params["raft_multiplier"]
        return float(self.params["heartbeat_ms"])

    def quorum_system(self) -> Any:
        """The read/write quorums of the default path as a :class:`syncmodel.quorum.QuorumSystem`.

        ``quorum.threshold(replicas, read_quorum, write_quorum)`` over the replicas
        "r0".."r{N−1}": a read quorum meets every write quorum iff R + W > N.  Paths
        with R + W ≤ N (ZooKeeper local reads, Cassandra ONE/ONE, etcd serializable)
        are not quorum systems — a read can miss the latest write with no failure at
        all — and raise InfeasibleError.
        Worked case: etcd (2 of 3 both ways) gives one; ZooKeeper (R = 1, W = 2) raises.
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

        The system serves when its default read and write paths both can:
        consensus and quorum systems need ``max(R, W)`` of the N replicas; Redis
        needs the master, or a replica plus a Sentinel majority to promote it;
        Memcached a key's one server; HDFS any replica of a block (the NameNode,
        a single master unless HA is configured, is left out); GlusterFS
        (quorum "auto") a brick majority, with exactly half enough when it includes
        the first brick.  Nodes are named "r0".. (replicas), "s0".. (sentinels).
        """
        from .. import structure as st

        reps = [f"r{i}" for i in range(self.replicas)]
        if self.name == "redis":
            master, others = st.Node(reps[0]), reps[1:]
            sent = [f"s{i}" for i in range(self.params["sentinels"])]
            if not others:
                return master
            promote = st.any_of(others) * st.choose(self.params["sentinels"] // 2 + 1, sent)
            return master + promote
        if self.name == "glusterfs" and self.params["quorum_type"] == "auto" and self.replicas % 2 == 0:
            half = self.replicas // 2
            first = st.Node(reps[0])
            with_first = first if half == 1 else first * st.choose(half - 1, reps[1:])
            return st.choose(half + 1, reps) + with_first
        k = max(self.read_quorum, self.write_quorum)
        return st.choose(k, reps) if len(reps) > 1 else st.Node(reps[0])

    @property
    def storage_copies(self) -> int:
        """Full data copies kept: the replicas, minus a GlusterFS arbiter (names and metadata only)."""
        return self.replicas - int(bool(self.params.get("arbiter", False)))

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


# ---------------------------------------------------------------------- validation helpers
def _ms(name: str, value: Any, allow_zero: bool = False) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)) or float(value) < 0 or (
            float(value) == 0 and not allow_zero):
        raise invalid(name, value, "a finite time in ms " + ("≥ 0" if allow_zero else "> 0"))
    return float(value)


def _choice(name: str, value: Any, options: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in options:
        raise invalid(name, value, f"one of {list(options)}")
    return value


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise invalid(name, value, "True or False")
    return value


def _level(level: str, rf: int) -> int:
    return {"ONE": 1, "TWO": 2, "THREE": 3, "QUORUM": rf // 2 + 1, "ALL": rf}[level]


def preset(name: str, **overrides: Any) -> SystemModel:
    """The model of system ``name`` with its documented defaults, optionally overridden.

    ``overrides`` may set ``nodes``, ``replicas``, ``read_path`` and any
    system-specific setting of the data file (e.g. ``heartbeat_ms``,
    ``consistency_read="QUORUM"``, ``wait_replicas=1``, ``quorum_type="none"``);
    quorums are derived, not set: consensus systems use a majority of ``nodes``,
    Cassandra its consistency levels, GlusterFS its quorum type.  Invariants are
    checked: at least one node, replicas ≤ nodes, a majority-based ensemble of
    2f+1 ≥ 1, timeouts > 0 with heartbeat < election timeout, quorum counts within
    the replicas, a Sentinel quorum ≤ the Sentinels, WAIT ≤ the replicas, an
    arbiter only on replica 3.

    Worked case: ``preset("etcd", nodes=5)`` has write quorum 3 and tolerates 2
    failures; ``preset("etcd", nodes=0)`` and ``preset("cassandra", replicas=7)``
    (above its 6 nodes) raise InvalidParameterError; ``preset("mongodb")`` lists
    the known names.
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
    return _build(name, cfg, sources, set(overrides))


def _build(name: str, cfg: dict[str, Any], sources: dict[str, str], changed: set[str]) -> SystemModel:
    nodes = check_int("nodes", cfg["nodes"], 1)
    read_path = _choice("read_path", cfg["read_path"], READ_PATHS[name])
    params = {k: v for k, v in cfg.items() if k not in COMMON}
    family = cfg["family"]
    replicas = cfg["replicas"]

    if family == "consensus" and name != "cockroachdb":
        # one replica per member; ensemble of 2f+1 (an even size adds no tolerance)
        if "replicas" in changed and replicas != nodes:
            raise invalid("replicas", replicas, f"equal to nodes = {nodes} (every member holds the data)")
        replicas = nodes
    replicas = check_int("replicas", replicas, 1)
    if replicas > nodes:
        raise invalid("replicas", replicas, f"at most nodes = {nodes}")
    majority = replicas // 2 + 1
    read_q, write_q = int(cfg["read_quorum"]), int(cfg["write_quorum"])

    if family == "consensus":
        write_q = majority
        if name == "etcd":
            read_q = majority if read_path == "readindex" else 1
        elif name == "zookeeper":
            read_q = 1 if read_path == "local" else majority  # sync() goes through the leader
        elif name == "consul":
            read_q = majority if read_path == "consistent" else 1
        else:
            read_q = 1
    if name in ("etcd", "cockroachdb"):
        for key in ("heartbeat_ms", "election_timeout_ms"):
            params[key] = _ms(key, params[key])
        if params["heartbeat_ms"] >= params["election_timeout_ms"]:
            raise invalid("heartbeat_ms", params["heartbeat_ms"],
                          f"below election_timeout_ms = {params['election_timeout_ms']}")
    if name == "consul":
        params["raft_multiplier"] = check_int("raft_multiplier", params["raft_multiplier"], 1, 10)
        for key in ("heartbeat_timeout_ms", "election_timeout_ms", "leader_lease_ms"):
            params[key] = _ms(key, params[key])
        if params["leader_lease_ms"] > params["heartbeat_timeout_ms"]:
            # hashicorp/raft refuses a lease longer than the heartbeat timeout
            raise invalid("leader_lease_ms", params["leader_lease_ms"],
                          f"≤ heartbeat_timeout_ms = {params['heartbeat_timeout_ms']}")
        params["stale_lag_ms"] = _ms("stale_lag_ms", params["stale_lag_ms"])
    if name == "cockroachdb":
        params["lease_ms"] = _ms("lease_ms", params["lease_ms"])
    if name == "zookeeper":
        params["tick_ms"] = _ms("tick_ms", params["tick_ms"])
        params["init_limit"] = check_int("init_limit", params["init_limit"], 1)
        params["sync_limit"] = check_int("sync_limit", params["sync_limit"], 1)
        params["finalize_wait_ms"] = _ms("finalize_wait_ms", params["finalize_wait_ms"])
    if name == "cassandra":
        levels = {}
        for key in ("consistency_read", "consistency_write"):
            levels[key] = _choice(key, params[key], CONSISTENCY_LEVELS)
            if _level(levels[key], replicas) > replicas:
                raise invalid(key, levels[key], f"a level needing ≤ replicas = {replicas} replies")
        read_q = _level(levels["consistency_read"], replicas)
        write_q = _level(levels["consistency_write"], replicas)
        params["hint_window_ms"] = _ms("hint_window_ms", params["hint_window_ms"], allow_zero=True)
        params["read_repair"] = _bool("read_repair", params["read_repair"])
        params["hinted_handoff"] = _bool("hinted_handoff", params["hinted_handoff"])
    if name == "redis":
        params["sentinels"] = check_int("sentinels", params["sentinels"], 1)
        params["sentinel_quorum"] = check_int("sentinel_quorum", params["sentinel_quorum"], 1,
                                         params["sentinels"])
        params["wait_replicas"] = check_int("wait_replicas", params["wait_replicas"], 0, replicas - 1)
        for key in ("down_after_ms", "failover_timeout_ms", "max_desync_ms"):
            params[key] = _ms(key, params[key])
        read_q, write_q = 1, 1 + params["wait_replicas"]
    if name == "memcached":
        if replicas != 1:
            raise invalid("replicas", replicas, "1 (Memcached does not replicate)")
        params["vnodes"] = check_int("vnodes", params["vnodes"], 1)
        read_q = write_q = 1
    if name == "hdfs":
        racks = params["racks"] = check_int("racks", params["racks"], 1, nodes)
        if nodes % racks:
            raise invalid("racks", racks, f"a divisor of nodes = {nodes} (equal racks)")
        params["placement"] = _choice("placement", params["placement"],
                                      ("rack-aware", "random", "rack-fault-tolerant"))
        per_rack = nodes // racks
        if params["placement"] == "rack-aware" and replicas >= 2 and racks < 2:
            raise invalid("racks", racks, "≥ 2 for rack-aware placement")
        if params["placement"] == "rack-aware" and replicas >= 3 and per_rack < 2:
            raise invalid("nodes", nodes, "≥ 2 nodes per rack for rack-aware placement")
        if params["placement"] == "rack-fault-tolerant" and replicas >= 2 and racks < 2:
            raise invalid("racks", racks, "≥ 2 for rack-fault-tolerant placement")
        read_q, write_q = 1, 1
    if name == "glusterfs":
        qt = params["quorum_type"] = _choice("quorum_type", params["quorum_type"], ("auto", "none"))
        params["arbiter"] = _bool("arbiter", params["arbiter"])
        if params["arbiter"] and replicas != 3:
            raise invalid("arbiter", True,
                          f"False when replicas = {replicas} (arbiter volumes are replica 3)")
        if replicas != nodes:
            raise invalid("replicas", replicas, f"equal to nodes = {nodes} (one brick per server)")
        params["ping_timeout_ms"] = _ms("ping_timeout_ms", params["ping_timeout_ms"], allow_zero=True)
        read_q = 1
        write_q = (replicas + 1) // 2 if qt == "auto" else 1
        if qt == "auto" and replicas % 2:
            write_q = majority
    if not 1 <= read_q <= replicas or not 1 <= write_q <= replicas:  # pragma: no cover - derived
        raise invalid("replicas", replicas, f"≥ the quorums ({read_q}, {write_q})")
    return SystemModel(name=name, display=cfg["display"], family=family, nodes=nodes,
                       replicas=replicas, read_quorum=read_q, write_quorum=write_q,
                       election=cfg["election"], replication=cfg["replication"],
                       read_path=read_path, conflict=cfg["conflict"],
                       params=MappingProxyType(params), sources=MappingProxyType(sources))
