"""A replicated key-value store on the simulator, in four replication modes.

``sync`` / ``async`` primary-backup (log shipping, failover to the most up-to-date backup),
``quorum`` (Dynamo-style N/R/W, clients coordinate) and ``multileader`` (each client writes
to its home leader, which replicates asynchronously); read repair and anti-entropy.
"""

from __future__ import annotations

import math
import numbers
import time
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..errors import check_int, check_real, invalid
from ..rng import Seed, as_generator, spawn
from ..sets import Cluster
from ..sim import Network, Process, Record, Simulator, Trace
from ..sim.latency import Latency, as_latency, buffered
from .pbs import PROFILES, WARS, check_nrw, profile
from .versioning import check_policy

MODES = ("sync", "async", "quorum", "multileader")
FANOUTS = ("all", "quorum")
READ_FROM = ("primary", "any")

#: a key's state on a replica: (causal context = every write id seen, siblings ((wid, ts, value), ...))
Entry = tuple[frozenset[int], tuple[tuple[int, float, int], ...]]
EMPTY: Entry = (frozenset(), ())


# -- configuration -------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoreConfig:
    """Everything a run depends on besides its seed (validated by :func:`make_config`)."""

    mode: str = "quorum"
    n: int = 3
    r: int = 1
    w: int = 1
    clients: int = 4
    write_rate: float = 20.0      # per client, per second
    read_rate: float = 80.0       # per client, per second
    keys: int = 20
    zipf: float = 0.0             # key popularity ∝ 1/(rank)^zipf
    duration_ms: float = 2000.0
    latency: Any = "LNKD-SSD"
    loss: float = 0.0
    policy: str = "lww"
    clock_skew_ms: float = 0.0
    read_repair: bool = False
    anti_entropy_ms: float | None = None
    fanout: str = "all"
    read_from: str = "primary"
    detect_ms: float = 50.0
    timeout_ms: float = 250.0
    heartbeat_ms: float = 20.0    # primary-backup: the primary (re)ships its log this often
    crashes: tuple[tuple[int, float, float | None], ...] = ()
    partitions: tuple[tuple[tuple[tuple[int, ...], ...], float, float | None], ...] = ()
    snapshot_ms: float | None = None
    settle_ms: float = 500.0


def _num(name: str, v: Any, lo: float = 0.0, strict: bool = False, allow_none: bool = False) -> Any:
    if v is None and allow_none:
        return None
    ok = isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(float(v))
    if not ok or (v <= lo if strict else v < lo):
        raise invalid(name, v, f"a finite number {'>' if strict else '≥'} {lo:g}")
    return float(v)


def make_config(**params: Any) -> StoreConfig:
    """Validate user parameters into a :class:`StoreConfig` (InvalidParameterError on bad input)."""
    unknown = set(params) - set(StoreConfig.__dataclass_fields__)
    if unknown:
        raise invalid("parameters", sorted(unknown),
                      f"names among {sorted(StoreConfig.__dataclass_fields__)}")
    c = StoreConfig(**params)
    if c.mode not in MODES:
        raise invalid("mode", c.mode, f"one of {list(MODES)}")
    n, r, w = check_nrw(c.n, c.r, c.w)
    for name in ("clients", "keys"):
        v = getattr(c, name)
        if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
            raise invalid(name, v, "an int ≥ 1")
    for name in ("write_rate", "read_rate", "zipf", "clock_skew_ms", "settle_ms"):
        _num(name, getattr(c, name))
    if not math.isfinite(2.0 * c.clock_skew_ms):  # clocks are drawn on a width of 2·skew
        raise invalid("clock_skew_ms", c.clock_skew_ms, "a finite number ≥ 0 whose double is finite")
    _num("duration_ms", c.duration_ms, strict=True)
    for name in ("detect_ms", "timeout_ms", "heartbeat_ms"):
        _num(name, getattr(c, name), strict=True)
    _num("anti_entropy_ms", c.anti_entropy_ms, strict=True, allow_none=True)
    _num("snapshot_ms", c.snapshot_ms, strict=True, allow_none=True)
    if not (isinstance(c.loss, numbers.Real) and 0 <= c.loss <= 1):
        raise invalid("loss", c.loss, "in [0, 1]")
    check_policy(c.policy)
    if c.fanout not in FANOUTS:
        raise invalid("fanout", c.fanout, f"one of {list(FANOUTS)}")
    if c.read_from not in READ_FROM:
        raise invalid("read_from", c.read_from, f"one of {list(READ_FROM)}")
    for name in ("crashes", "partitions"):
        v = getattr(c, name)
        if isinstance(v, (str, bytes, Mapping)) or not isinstance(v, Iterable):
            raise invalid(name, v, "an iterable of fault tuples")
    crashes = []
    for item in c.crashes:
        if not (isinstance(item, Sequence) and len(item) in (2, 3)):
            raise invalid("crashes", c.crashes, "(node, at[, restart_at]) triples")
        node, at, *rest = item
        back = rest[0] if rest else None
        if not isinstance(node, numbers.Integral) or not 0 <= node < n:
            raise invalid("crashes", c.crashes, f"node ids in 0..{n - 1}")
        at = _num("crash time", at)
        if back is not None and _num("restart time", back) < at:
            raise invalid("crashes", c.crashes, "restart_at ≥ at")
        crashes.append((int(node), at, None if back is None else float(back)))
    parts = []
    for item in c.partitions:
        if not (isinstance(item, Sequence) and len(item) in (2, 3)):
            raise invalid("partitions", c.partitions, "(groups, at[, heal_at]) triples")
        groups, at, *rest = item
        heal = rest[0] if rest else None
        ids = f"groups of replica ids in 0..{n - 1}"
        if isinstance(groups, (str, bytes)) or not isinstance(groups, Iterable):
            raise invalid("partitions", c.partitions, ids)
        gs = tuple(_group(g, c.partitions, ids) for g in groups)
        if any(not 0 <= i < n for g in gs for i in g):
            raise invalid("partitions", c.partitions, ids)
        at = _num("partition time", at)
        if heal is not None and _num("heal time", heal) < at:
            raise invalid("partitions", c.partitions, "heal_at ≥ at")
        parts.append((gs, at, None if heal is None else float(heal)))
    network_law(c.latency)
    return replace(c, n=n, r=r, w=w, crashes=tuple(crashes), partitions=tuple(parts))


def _group(g: Any, partitions: Any, expected: str) -> tuple[int, ...]:
    """One side of a partition as a tuple of int ids (range checked by the caller)."""
    if isinstance(g, (str, bytes)) or not isinstance(g, Iterable):
        raise invalid("partitions", partitions, expected)
    out = tuple(g)
    if not all(isinstance(i, numbers.Integral) and not isinstance(i, bool) for i in out):
        raise invalid("partitions", partitions, expected)
    return tuple(int(i) for i in out)


def network_law(latency: Any) -> Latency:
    """The base one-way delay law: a PBS profile's R law, or a sim latency spec."""
    if isinstance(latency, WARS):
        return latency.R
    if isinstance(latency, str):
        if latency not in PROFILES:
            raise invalid("latency", latency, f"one of {list(PROFILES)}, a WARS or a latency spec")
        return profile(latency).R
    return as_latency(latency, "latency")


#: which WARS law delays which message kind (every other message: R)
WARS_KINDS = {"put": "W", "put_ack": "A", "get": "R", "get_resp": "S"}


class WarsNetwork(Network):
    """A :class:`~syncmodel.sim.Network` whose delay depends on the message kind, as in the
    PBS WARS model: writes to replicas ~ W, their acks ~ A, reads ~ R, responses ~ S.

    With ``remote_ms`` > 0 (the WAN profile) every node has a datacenter (``dc``; replica i
    is in datacenter i, a client in its home replica's) and a message between datacenters
    takes ``remote_ms`` more.  (A thin layer over the simulator, which draws one law for all
    messages: it swaps the network's sampler per message.)
    """

    def __init__(self, sim: Simulator, wars: WARS, loss: float = 0.0) -> None:
        super().__init__(sim, latency=wars.R, loss=loss)
        self.remote_ms = float(wars.remote_ms)
        self.dc: list[int] = []
        base = self._draw
        self._kinds: dict[str, Any] = {k: getattr(wars, law).sampler(sim.rng)
                                       for k, law in WARS_KINDS.items()}
        self._kinds[""] = base
        extra = self.remote_ms
        self._remote = {k: (lambda f=f: f() + extra) for k, f in self._kinds.items()}

    def _sampler(self, src: int, dst: int, msg: Any) -> Any:
        kind = msg[0] if isinstance(msg, tuple) and msg and msg[0] in self._kinds else ""
        if self.remote_ms and self.dc[src] != self.dc[dst]:
            return self._remote[kind]
        return self._kinds[kind]

    def send(self, src: int, dst: int, msg: Any) -> None:
        self._draw = self._sampler(src, dst, msg)
        super().send(src, dst, msg)

    def multicast(self, src: int, dsts: Any, msg: Any) -> None:
        if self.remote_ms:
            for d in dsts:
                self.send(src, d, msg)
            return
        self._draw = self._sampler(src, src, msg)
        super().multicast(src, dsts, msg)


# -- bookkeeping shared by the processes (the experimenter's notebook, not a node) ---------------
@dataclass
class Ledger:
    """Ground truth of a run: every write and its fate, every read and what it saw."""

    issue: list[float] = field(default_factory=list)       # wid -> issue time
    key: list[int] = field(default_factory=list)           # wid -> key
    ack: dict[int, float] = field(default_factory=dict)    # wid -> ack time (acknowledged writes)
    ack_times: dict[int, list[float]] = field(default_factory=dict)   # key -> ack times, ascending
    ack_wids: dict[int, list[int]] = field(default_factory=dict)      # key -> the writes, same order
    first_apply: dict[int, float] = field(default_factory=dict)
    #: per read: (t0, t1, key, behind, siblings, acked_before, seen, ms since the last ack before t0)
    reads: list[tuple[float, float, int, int, int, int, int, float]] = field(default_factory=list)
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
        if not before:
            self.reads.append((t0, t1, key, 0, siblings, 0, len(seen), math.inf))
            return
        assert times is not None
        behind = before - len(seen.intersection(self.ack_wids[key][:before]))
        self.reads.append((t0, t1, key, behind, siblings, before, len(seen), t0 - times[before - 1]))


def sample_ids(n: int, k: int, uniform: Any) -> list[int]:
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


def _sample_ids(n: int, k: int, uniform: Any) -> list[int]:
    """:func:`sample_ids` without the argument checks, for the simulation's inner loop."""
    ids = list(range(n))
    for i in range(k):
        j = i + int(uniform() * (n - i))
        ids[i], ids[j] = ids[j], ids[i]
    return ids[:k]


# -- state merging -------------------------------------------------------------------------------
def merge_entries(a: Entry, b: Entry) -> Entry:
    """Merge two states of a key: the union of the contexts; a sibling survives if both hold
    it, or if the other side has not seen it (its id is not in the other's context).

    Worked case: a = ({1, 2}, [2]) (write 2 superseded 1), b = ({1}, [1]): merged ({1, 2}, [2]).
    """
    if a is b or a == b:
        return a
    ca, sa = a
    cb, sb = b
    ids_a = {s[0] for s in sa}
    ids_b = {s[0] for s in sb}
    sibs = [s for s in sa if s[0] in ids_b or s[0] not in cb]
    sibs += [s for s in sb if s[0] not in ids_a and s[0] not in ca]
    return (ca | cb, tuple(sorted(sibs)))


# -- processes -------------------------------------------------------------------------------------
class Replica(Process):
    """One storage node: a key -> Entry map (durable across crashes), and for primary-backup a log."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.data: dict[int, Entry] = {}
        self.wal: list[tuple[int, int, float, int, frozenset[int]]] = []   # (wid, key, ts, value, ctx)
        self.match: dict[int, int] = {}        # primary: backup -> log length it holds
        self.epoch_seen = 0
        self.pending: dict[int, tuple[int, int]] = {}  # primary (sync): log index -> (client, op)

    # -- local state ----------------------------------------------------------------------------
    def apply(self, key: int, wid: int, ts: float, value: int, ctx: frozenset[int]) -> None:
        """Store write ``wid`` (which saw ``ctx``): it supersedes the siblings in ``ctx``."""
        octx, osibs = self.data.get(key, EMPTY)
        if wid in octx:
            return
        if ctx:
            sibs = (*(s for s in osibs if s[0] not in ctx), (wid, ts, value))
            new = (ctx - octx) | {wid}
            self._set(key, (octx | new, sibs), new)
        else:  # a blind write: concurrent with everything held
            self._set(key, (octx | {wid}, (*osibs, (wid, ts, value))), (wid,))

    def merge_in(self, key: int, other: Entry) -> None:
        old = self.data.get(key, EMPTY)
        merged = merge_entries(old, other)
        if merged is not old:
            self._set(key, merged)

    def _set(self, key: int, entry: Entry, new: Any = None) -> None:
        """Store ``entry`` (resolving concurrent siblings by the policy); ``new``: the write ids
        it adds to the context, if the caller knows them."""
        st = self.store
        ctx, sibs = entry
        if len(sibs) > 1:
            led = st.ledger
            led.conflicted.update(s[0] for s in sibs)
            if st.cfg.policy == "lww":
                win = max(sibs, key=lambda s: (s[1], s[0]))
                for s in sibs:
                    if s is not win:
                        led.lww_dropped.add(s[0])
                        if led.issue[s[0]] > led.issue[win[0]]:
                            led.lww_reordered.add(s[0])
                sibs = (win,)
        if new is None:
            new = ctx - self.data.get(key, EMPTY)[0]
        self.data[key] = (ctx, sibs)
        if not new:
            return
        now = self.sim.now
        first = st.ledger.first_apply
        trace = self.sim.trace.records
        for wid in new:
            if wid not in first:
                first[wid] = now
            if st.log_applies:
                trace.append(_record(now, self.id, "apply", {"wid": wid, "key": key}))

    def entry(self, key: int) -> Entry:
        return self.data.get(key, EMPTY)

    # -- primary-backup log ---------------------------------------------------------------------
    def pb_append(self, key: int, client: int, op: int) -> None:
        """Primary: a read-modify-write of ``key`` (value + 1), appended to the log."""
        st = self.store
        ctx, sibs = self.entry(key)
        value = 1 + max((s[2] for s in sibs), default=0)
        wid = st.ledger.new_write(self.now, key)
        item = (wid, key, self.now + st.skew[self.id], value, ctx)
        self.wal.append(item)
        self.apply(key, wid, item[2], value, ctx)
        idx = len(self.wal)
        st.trace_write(wid, key, self.id)
        if st.cfg.mode == "async" or self._committed(idx):
            st.ack_write(wid, self.now)
            self.send(client, ("put_ack", op, wid))
        else:
            self.pending[idx] = (client, op)
        if st.cfg.mode == "sync":  # async ships its log in batches, every heartbeat_ms
            for b in st.view:
                if b != self.id:
                    self.send(b, ("append", st.epoch, idx - 1, (item,)))

    def _committed(self, idx: int) -> bool:
        st = self.store
        return all(self.match.get(b, 0) >= idx for b in st.view if b != self.id)

    def _advance(self) -> None:
        if not self.pending:
            return
        st = self.store
        for idx in sorted(self.pending):
            if not self._committed(idx):
                break
            client, op = self.pending.pop(idx)
            wid = self.wal[idx - 1][0]
            st.ack_write(wid, self.now)
            self.send(client, ("put_ack", op, wid))

    def adopt(self, log: tuple[Any, ...]) -> None:
        """Backup: replace the log and the state by the primary's (state transfer)."""
        self.wal = list(log)
        self.data = {}
        for wid, key, ts, value, ctx in self.wal:
            self.apply(key, wid, ts, value, ctx)

    def heartbeat(self) -> None:
        st = self.store
        if st.primary != self.id:
            if st.primary is not None and self.epoch_seen < st.epoch:
                self.send(st.primary, ("join",))  # not yet synced with this primary: (re)ask
            return
        for b in st.view:
            if b != self.id and self.match.get(b, 0) < len(self.wal):
                m = self.match.get(b, 0)
                self.send(b, ("append", st.epoch, m, tuple(self.wal[m:])))

    # -- hooks ---------------------------------------------------------------------------------
    def on_start(self) -> None:
        cfg = self.store.cfg
        if cfg.mode in ("sync", "async"):
            self.set_timer(cfg.heartbeat_ms, "hb")
        if cfg.anti_entropy_ms is not None and cfg.mode in ("quorum", "multileader"):
            self.set_timer(float(self.sim.rng.uniform(0, cfg.anti_entropy_ms)), "ae")

    def on_restart(self) -> None:
        self.store.restarted(self.id)
        self.on_start()

    def on_crash(self) -> None:
        self.pending.clear()
        self.store.crashed(self.id)

    def on_timer(self, name: str, data: Any) -> None:
        cfg = self.store.cfg
        if name == "hb":
            self.heartbeat()
            self.set_timer(cfg.heartbeat_ms, "hb")
        elif name == "ae":
            peers = self.store.replica_ids
            others = [p for p in peers if p != self.id]
            if others:
                peer = others[int(self.sim.rng.integers(len(others)))]
                self.send(peer, ("ae", dict(self.data), True))
            assert cfg.anti_entropy_ms is not None
            self.set_timer(cfg.anti_entropy_ms, "ae")

    def on_message(self, src: int, msg: Any) -> None:
        kind = msg[0]
        st = self.store
        if kind == "get":
            self.send(src, ("get_resp", msg[1], self.id, self.entry(msg[2])))
        elif kind == "put":
            _, op, key, wid, ts, value, ctx = msg
            self.apply(key, wid, ts, value, ctx)
            if op is not None:
                self.send(src, ("put_ack", op, wid))
        elif kind == "ml_put":
            _, op, key = msg
            ctx, sibs = self.entry(key)
            value = 1 + max((s[2] for s in sibs), default=0)
            wid = st.ledger.new_write(self.now, key)
            ts = self.now + st.skew[self.id]
            self.apply(key, wid, ts, value, ctx)
            st.trace_write(wid, key, self.id)
            st.ack_write(wid, self.now)
            self.send(src, ("put_ack", op, wid))
            self.net.multicast(self.id, [p for p in st.replica_ids if p != self.id],
                               ("put", None, key, wid, ts, value, ctx))
        elif kind == "pb_put":
            if st.primary == self.id:
                self.pb_append(msg[2], src, msg[1])
        elif kind == "append":
            _, epoch, start, items = msg
            if epoch < st.epoch or st.primary == self.id:
                return
            if epoch > self.epoch_seen:  # not yet synced with this primary: ask for its log
                self.send(src, ("join",))
                return
            if start > len(self.wal):
                self.send(src, ("append_ack", epoch, len(self.wal)))
                return
            for i, item in enumerate(items):
                pos = start + i
                if pos < len(self.wal):
                    continue  # already held (logs of one epoch agree on their prefix)
                self.wal.append(item)
                wid, key, ts, value, ctx = item
                self.apply(key, wid, ts, value, ctx)
            self.send(src, ("append_ack", epoch, len(self.wal)))
        elif kind == "append_ack":
            _, epoch, held = msg
            if st.primary == self.id and epoch == st.epoch:
                self.match[src] = max(self.match.get(src, 0), held)
                self._advance()
        elif kind == "snapshot":
            _, epoch, log = msg
            if epoch >= st.epoch and st.primary != self.id:
                self.epoch_seen = epoch
                self.adopt(log)
                self.send(src, ("append_ack", epoch, len(self.wal)))
        elif kind == "join":
            if st.primary == self.id:
                st.view.add(src)
                self.match[src] = 0
                self.send(src, ("snapshot", st.epoch, tuple(self.wal)))
        elif kind == "repair":
            _, key, entry = msg
            self.merge_in(key, entry)
        elif kind == "ae":
            _, state, reply = msg
            for key, entry in state.items():
                self.merge_in(key, entry)
            if reply:
                self.send(src, ("ae", dict(self.data), False))


def _record(t: float, node: int, kind: str, data: dict[str, Any]) -> Record:
    return Record(t, node, kind, None, data)


class Client(Process):
    """Issues reads and read-modify-write increments with Poisson arrivals over Zipf keys."""

    def __init__(self, store: Store, home: int) -> None:
        super().__init__()
        self.store = store
        self.home = home
        self.ops: dict[int, dict[str, Any]] = {}
        self.next_op = 0

    def on_start(self) -> None:
        st = self.store
        self.uniform = buffered(self.sim.rng.random)
        self.expo = buffered(self.sim.rng.standard_exponential)
        if st.total_rate > 0:
            self.set_timer(self.expo() / st.total_rate, "op")

    def on_timer(self, name: str, data: Any) -> None:
        st = self.store
        if name == "op":
            if self.now >= st.cfg.duration_ms:
                return
            key = min(bisect_right(st.key_cdf, self.uniform()), st.cfg.keys - 1)
            if self.uniform() * (st.cfg.write_rate + st.cfg.read_rate) < st.cfg.write_rate:
                self.start_write(key)
            else:
                self.start_read(key, internal=False)
            self.set_timer(self.expo() / st.total_rate, "op")
        elif name == "timeout":
            op = self.ops.pop(data, None)
            if op is not None and not op.get("done"):
                self.fail(op)

    # -- operations -------------------------------------------------------------------------------
    def _new(self, **fields: Any) -> int:
        op = self.next_op
        self.next_op += 1
        fields["t0"] = self.now
        fields["timer"] = self.set_timer(self.store.cfg.timeout_ms, "timeout", op)
        self.ops[op] = fields
        return op

    def fail(self, op: dict[str, Any]) -> None:
        led = self.store.ledger
        if op["kind"] == "read" and not op["internal"]:
            led.failed_reads += 1
        elif op["kind"] in ("read", "write", "put"):
            led.failed_writes += 1

    def start_read(self, key: int, internal: bool) -> None:
        st = self.store
        cfg = st.cfg
        op = self._new(kind="read", key=key, internal=internal, got=[], done=False)
        if cfg.mode in ("sync", "async"):
            target = st.primary if cfg.read_from == "primary" else st.replica_ids[
                int(self.uniform() * cfg.n) % cfg.n]
            if target is None:
                return  # no primary: the read times out
            self.ops[op]["need"] = 1
            self.send(target, ("get", op, key))
        elif cfg.mode == "multileader":
            self.ops[op]["need"] = 1
            self.send(self.home, ("get", op, key))
        else:
            self.ops[op]["need"] = cfg.r
            self.net.multicast(self.id, st.pick(cfg.r), ("get", op, key))

    def start_write(self, key: int) -> None:
        st = self.store
        cfg = st.cfg
        if cfg.mode in ("sync", "async"):
            op = self._new(kind="write", key=key)
            if st.primary is not None:
                self.send(st.primary, ("pb_put", op, key))
        elif cfg.mode == "multileader":
            op = self._new(kind="write", key=key)
            self.send(self.home, ("ml_put", op, key))
        else:
            self.start_read(key, internal=True)  # get the context, then put

    def on_message(self, src: int, msg: Any) -> None:
        kind = msg[0]
        if kind == "get_resp":
            _, opid, node, entry = msg
            op = self.ops.get(opid)
            if op is None:
                return
            op["got"].append((node, entry))
            if not op["done"]:
                if len(op["got"]) >= op["need"]:
                    op["done"] = True
                    self.read_quorum(opid, op)
            elif self.store.cfg.read_repair and self.store.cfg.mode == "quorum":
                self.repair(op, node, entry)
        elif kind == "put_ack":
            _, opid, wid = msg
            op = self.ops.get(opid)
            if op is None:
                return
            if op["kind"] == "write":  # primary-backup and multi-leader: one ack
                self.finish(opid, op)
                return
            op["acks"] += 1
            if op["acks"] == op["need"]:
                self.store.ack_write(wid, self.now)
                self.finish(opid, op)

    def finish(self, opid: int, op: dict[str, Any]) -> None:
        self.cancel_timer(op["timer"])
        self.ops.pop(opid, None)

    def read_quorum(self, opid: int, op: dict[str, Any]) -> None:
        st = self.store
        merged: Entry = EMPTY
        for _, entry in op["got"]:
            merged = merge_entries(merged, entry)
        op["merged"] = merged
        if not op["internal"]:
            st.ledger.read_done(op["t0"], self.now, op["key"], merged[0], len(merged[1]))
            if not (st.cfg.read_repair and st.cfg.mode == "quorum"):
                self.finish(opid, op)
            else:
                for node, entry in op["got"]:
                    self.repair(op, node, entry)
            return
        # the get of a read-modify-write: now put value + 1 with the context read
        self.cancel_timer(op["timer"])
        self.ops.pop(opid, None)
        key = op["key"]
        ctx, sibs = merged
        value = 1 + max((s[2] for s in sibs), default=0)
        wid = st.ledger.new_write(self.now, key)
        st.trace_write(wid, key, self.id)
        wop = self._new(kind="put", key=key, acks=0, need=st.cfg.w)
        ts = self.now + st.skew[self.id]
        self.net.multicast(self.id, st.pick(st.cfg.w), ("put", wop, key, wid, ts, value, ctx))

    def repair(self, op: dict[str, Any], node: int, entry: Entry) -> None:
        merged = op["merged"]
        if entry != merged:
            newer = merge_entries(entry, merged)
            if newer != entry:
                self.send(node, ("repair", op["key"], merged))


# -- the store --------------------------------------------------------------------------------------
class Store:
    """Replicas ``0..n-1`` and clients ``n..n+clients-1`` on one simulated network."""

    def __init__(self, cfg: StoreConfig, seed: Seed = None, log_applies: bool = True) -> None:
        self.cfg = cfg
        self.log_applies = log_applies
        self.sim = Simulator(seed=seed, trace=Trace())
        rng = self.sim.rng
        self.ledger = Ledger()
        wars = cfg.latency if isinstance(cfg.latency, WARS) else (
            profile(cfg.latency) if isinstance(cfg.latency, str) else None)
        self.net = (WarsNetwork(self.sim, wars, loss=cfg.loss) if wars is not None
                    else Network(self.sim, latency=network_law(cfg.latency), loss=cfg.loss))
        self.replicas: list[Replica] = self.net.add(Replica(self) for _ in range(cfg.n))  # type: ignore[assignment]
        self.clients: list[Client] = self.net.add(  # type: ignore[assignment]
            Client(self, home=i % cfg.n) for i in range(cfg.clients))
        self.replica_ids = tuple(range(cfg.n))
        if isinstance(self.net, WarsNetwork):
            self.net.dc = [*self.replica_ids, *(c.home for c in self.clients)]
        total = cfg.n + cfg.clients
        self.skew = rng.uniform(-cfg.clock_skew_ms, cfg.clock_skew_ms, total).tolist() if cfg.clock_skew_ms \
            else [0.0] * total
        weights = 1.0 / np.arange(1, cfg.keys + 1) ** cfg.zipf
        self.key_cdf: list[float] = (np.cumsum(weights) / weights.sum()).tolist()
        self.total_rate = (cfg.write_rate + cfg.read_rate) / 1000.0  # per ms
        self.primary: int | None = 0 if cfg.mode in ("sync", "async") else None
        self.epoch = 0
        self.view: set[int] = set(self.replica_ids)
        self.snapshots: list[tuple[float, int, int, float]] = []
        self._uniform = buffered(rng.random)

    # -- helpers used by the processes -----------------------------------------------------------
    def pick(self, k: int) -> Sequence[int]:
        """Replicas to contact: all N (fanout "all") or k uniformly random ones ("quorum")."""
        if self.cfg.fanout == "all":
            return self.replica_ids
        return _sample_ids(self.cfg.n, k, self._uniform)

    def trace_write(self, wid: int, key: int, node: int) -> None:
        self.sim.trace.records.append(_record(self.sim.now, node, "write", {"wid": wid, "key": key}))

    def ack_write(self, wid: int, t: float) -> None:
        if wid not in self.ledger.ack:
            self.ledger.acked(wid, t)
            self.sim.trace.records.append(_record(t, -1, "ack", {"wid": wid}))

    # -- failure detection and failover (primary-backup): an oracle with a detection delay -------
    def crashed(self, node: int) -> None:
        if self.cfg.mode in ("sync", "async"):
            self.sim.schedule(self.cfg.detect_ms, self._detect, node)

    def _detect(self, node: int) -> None:
        if self.replicas[node].up:
            return
        if self.view == {node}:  # the last member holds every acknowledged write: wait for it
            if self.primary == node:
                self.primary = None
                self.epoch += 1
            return
        self.view.discard(node)
        if self.primary == node:
            self._elect()
        elif self.primary is not None:
            self.replicas[self.primary]._advance()

    def _elect(self) -> None:
        """Promote the live member of the view with the longest log; every other live replica
        adopts its log (and joins the view)."""
        live = [i for i in sorted(self.view) if self.replicas[i].up]
        self.epoch += 1
        if not live:
            self.primary = None
            return
        new = max(live, key=lambda i: (len(self.replicas[i].wal), -i))
        live = [i for i in self.replica_ids if self.replicas[i].up]
        self.view = set(live)
        self.primary = new
        p = self.replicas[new]
        p.epoch_seen = self.epoch
        p.match = {}
        p.pending.clear()
        self.sim.trace.log(self.sim.now, new, "primary", self.epoch, {"log": len(p.wal)})
        for b in live:
            if b != new:
                p.send(b, ("snapshot", self.epoch, tuple(p.wal)))

    def restarted(self, node: int) -> None:
        if self.cfg.mode not in ("sync", "async"):
            return
        if self.primary is None:  # every replica was down: only a member of the last view may lead
            if node in self.view:
                self._elect()
            return
        if self.primary != node:
            self.replicas[node].send(self.primary, ("join",))

    # -- run ----------------------------------------------------------------------------------------
    def snapshot(self, _: Any = None) -> None:
        c = self.cluster()
        cs, av = c.consistency_set(), c.availability_set()
        ratio = c.consistency_ratio()
        self.snapshots.append((self.sim.now, len(cs), len(av), ratio))
        self.sim.trace.log(self.sim.now, -1, "snapshot", None,
                           {"c": len(cs), "a": len(av), "ratio": ratio})
        if self.cfg.snapshot_ms is not None:
            self.sim.schedule(self.cfg.snapshot_ms, self.snapshot)

    def cluster(self) -> Cluster:
        """The replicas now as a :class:`~syncmodel.sets.Cluster`: facts (key, write id) held."""
        return Cluster({f"n{r.id}": [(k, s[0]) for k, (_, sibs) in r.data.items() for s in sibs]
                        for r in self.replicas},
                       down=[f"n{r.id}" for r in self.replicas if not r.up])

    def run(self) -> SyncRun:
        cfg = self.cfg
        for node, at, back in cfg.crashes:
            self.net.crash(node, at=at, restart_at=back)
        extra = [p.id for p in self.net.procs[cfg.n:]]
        for groups, at, heal in cfg.partitions:
            sides = [set(g) for g in groups]
            for pid in extra:  # a client (or probe) stays on the side of its home replica
                home = getattr(self.net.procs[pid], "home", 0)
                for side in sides:
                    if home in side:
                        side.add(pid)
            self.net.partition(sides, at=at, heal_at=heal)
        self.net.start()
        if cfg.snapshot_ms is not None:
            self.sim.schedule(0.0, self.snapshot)
        t0 = time.perf_counter()
        self.sim.run(until=cfg.duration_ms + cfg.settle_ms)
        wall = time.perf_counter() - t0
        return SyncRun(cfg, self, wall)


@dataclass
class SyncRun:
    """A finished run: its config, the store's final state, the trace and the ledger."""

    config: StoreConfig
    store: Store
    wall_s: float

    @property
    def trace(self) -> Trace:
        return self.store.sim.trace

    @property
    def ledger(self) -> Ledger:
        return self.store.ledger

    def summary(self) -> dict[str, float]:
        """Key numbers of the run (see :mod:`syncmodel.sync.metrics`)."""
        from . import metrics

        return metrics.summary(self)


def simulate(mode: str = "quorum", n: int = 3, r: int = 1, w: int = 1, *, seed: Seed = None,
             log_applies: bool = True, **params: Any) -> SyncRun:
    """Run the replicated store once; see :class:`StoreConfig` for the parameters.

    Clients (``clients``, each with Poisson reads at ``read_rate``/s and read-modify-write
    increments at ``write_rate``/s on ``keys`` keys of Zipf(``zipf``) popularity) talk to
    ``n`` replicas for ``duration_ms``; then ``settle_ms`` more with no new operations so
    replication, repair and failover can finish.  ``crashes``: (node, at, restart_at|None);
    ``partitions``: (groups, at, heal_at|None).  A crashed replica keeps its disk.

    Modes: ``sync`` (the primary acknowledges once every backup in the view holds the
    write), ``async`` (at once; backups catch up), ``quorum`` (the client sends to all N
    — or W random ones with ``fanout="quorum"`` — and acknowledges after W acks; reads wait
    for R responses), ``multileader`` (the client's home leader acknowledges and
    replicates).  Conflicts: ``policy`` "lww" (largest timestamp, clocks skewed by up to
    ``clock_skew_ms``) or "siblings".

    Assumptions: a crashed replica keeps its disk (its data and log) and its volatile
    state only is lost; primary-backup failover is decided by an oracle (a configuration
    service) ``detect_ms`` after a crash — never on a partition — which promotes the live
    member of the view with the longest log, and, if every replica is down, waits for a
    member of the last view; writes are read-modify-write increments (value + 1 with the
    context read), so concurrent ones conflict; versions are per-key sets of write ids
    (a dotted causal context) with siblings; messages travel with the network's latency,
    loss and partitions, and an unanswered operation fails after ``timeout_ms``.

    Worked case: ``simulate("sync", 3, seed=1, crashes=[(0, 500, None)])`` fails over to a
    backup and loses no acknowledged write.
    """
    cfg = make_config(mode=mode, n=n, r=r, w=w, **params)
    return Store(cfg, seed=seed, log_applies=log_applies).run()


def random_faults(n: int, duration_ms: float, crashes: int = 1, partitions: int = 0,
                  permanent: int = 0, seed: Seed = None, down_ms: tuple[float, float] = (50.0, 400.0)
                  ) -> dict[str, Any]:
    """A random fault schedule: ``crashes`` crash-restart events on distinct replicas (of which
    ``permanent`` never restart), ``partitions`` partitions of a random minority that heal.

    Returns ``{"crashes": [...], "partitions": [...]}`` for :func:`simulate`.
    """
    for name, v in (("n", n), ("crashes", crashes), ("partitions", partitions), ("permanent", permanent)):
        if not isinstance(v, numbers.Integral) or v < 0:
            raise invalid(name, v, "an int ≥ 0")
    duration_ms = check_real("duration_ms", duration_ms, 0.0)
    if not (isinstance(down_ms, Sequence) and not isinstance(down_ms, (str, bytes)) and len(down_ms) == 2):
        raise invalid("down_ms", down_ms, "a pair (lo, hi) of finite numbers with 0 ≤ lo ≤ hi")
    lo = check_real("down_ms", down_ms[0], 0.0)
    hi = check_real("down_ms", down_ms[1], lo)
    if not math.isfinite(hi - lo):
        raise invalid("down_ms", down_ms, "a pair (lo, hi) whose width hi − lo is finite")
    down_ms = (lo, hi)
    if crashes > n:
        raise invalid("crashes", crashes, f"≤ n = {n}")
    if permanent > crashes:
        raise invalid("permanent", permanent, f"≤ crashes = {crashes}")
    rng = as_generator(seed)
    nodes = rng.permutation(n)[:crashes].tolist()
    out_c: list[tuple[int, float, float | None]] = []
    for i, node in enumerate(nodes):
        at = float(rng.uniform(0.1, 0.8) * duration_ms)
        back = None if i < permanent else at + float(rng.uniform(*down_ms))
        out_c.append((int(node), at, back))
    out_p = []
    for _ in range(partitions):
        k = int(rng.integers(1, max(2, (n + 1) // 2)))
        minority = rng.permutation(n)[:k].tolist()
        rest = [i for i in range(n) if i not in minority]
        at = float(rng.uniform(0.1, 0.7) * duration_ms)
        out_p.append(((tuple(minority), tuple(rest)), at, at + float(rng.uniform(*down_ms))))
    return {"crashes": out_c, "partitions": out_p}


def replicate(n_runs: int, seed: Seed = None, **params: Any) -> list[SyncRun]:
    """``n_runs`` independent runs with child seeds of ``seed``."""
    return [simulate(seed=s, **params) for s in spawn(seed, n_runs)]

