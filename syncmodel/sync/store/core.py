"""The shared core of every replication mode: a replica's versioned key-value state, a client's
Poisson workload and operation bookkeeping, and the store that wires them to one simulated
network.  Each mode (``primary_backup``, ``quorum``, ``multileader``) subclasses these three.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ...errors import invalid
from ...rng import Seed
from ...sets import Cluster
from ...sim import Network, Process, Record, Simulator, Trace
from ...sim.latency import buffered
from ..pbs import WARS, profile
from ..versioning import EMPTY, Entry, Sibling, merge_entries, new
from .config import StoreConfig, network_law
from .ledger import Ledger, Snapshot, _sample_ids
from .messages import AntiEntropy, Get, GetResp, Put, PutAck, Repair
from .network import WarsNetwork
from .result import SyncRun

__all__ = ["Client", "Op", "Replica", "Store"]

Handler = Callable[[Any, int, Any], None]


def _record(t: float, node: int, kind: str, data: dict[str, Any]) -> Record:
    return Record(t, node, kind, None, data)


# -- replicas ---------------------------------------------------------------------------------------
class Replica(Process):
    """One storage node: a key -> :class:`~syncmodel.sync.versioning.Entry` map (durable across
    crashes).  Answers reads, applies writes, merges repairs and anti-entropy exchanges; a
    mode adds its own messages to :attr:`handlers` (message type -> method)."""

    handlers: ClassVar[dict[type, Handler]] = {}

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.data: dict[int, Entry] = {}

    # -- local state ----------------------------------------------------------------------------
    def apply(self, key: int, wid: int, ts: float, value: int, ctx: frozenset[int]) -> None:
        """Store write ``wid`` (which saw ``ctx``): it supersedes the siblings in ``ctx``."""
        octx, osibs = self.data.get(key, EMPTY)
        if wid in octx:
            return
        sib = new(Sibling, (wid, ts, value))
        if ctx:
            sibs = (*(s for s in osibs if s.wid not in ctx), sib)
            added = (ctx - octx) | {wid}
            self._set(key, new(Entry, (octx | added, sibs)), added)
        else:  # a blind write: concurrent with everything held
            self._set(key, new(Entry, (octx | {wid}, (*osibs, sib))), (wid,))

    def merge_in(self, key: int, other: Entry) -> None:
        old = self.data.get(key, EMPTY)
        merged = merge_entries(old, other)
        if merged is not old:
            self._set(key, merged)

    def _set(self, key: int, entry: Entry, added: Any = None) -> None:
        """Store ``entry`` (resolving concurrent siblings by the policy); ``added``: the write
        ids it adds to the context, if the caller knows them."""
        st = self.store
        ctx, sibs = entry
        if len(sibs) > 1:
            led = st.ledger
            led.conflicted.update(s.wid for s in sibs)
            if st.cfg.policy == "lww":
                win = max(sibs, key=lambda s: (s.ts, s.wid))
                for s in sibs:
                    if s is not win:
                        led.lww_dropped.add(s.wid)
                        if led.issue[s.wid] > led.issue[win.wid]:
                            led.lww_reordered.add(s.wid)
                sibs = (win,)
        if added is None:
            added = ctx - self.data.get(key, EMPTY).context
        self.data[key] = new(Entry, (ctx, sibs))
        if not added:
            return
        now = self.sim.now
        first = st.ledger.first_apply
        trace = self.sim.trace.records
        for wid in added:
            if wid not in first:
                first[wid] = now
            if st.log_applies:
                trace.append(_record(now, self.id, "apply", {"wid": wid, "key": key}))

    def entry(self, key: int) -> Entry:
        return self.data.get(key, EMPTY)

    def next_value(self, key: int) -> tuple[frozenset[int], int]:
        """The context held for ``key`` and the value a read-modify-write increment stores."""
        ctx, sibs = self.entry(key)
        return ctx, 1 + max((s.value for s in sibs), default=0)

    # -- hooks ---------------------------------------------------------------------------------
    def on_start(self) -> None:
        cfg = self.store.cfg
        if cfg.anti_entropy_ms is not None:
            self.set_timer(float(self.sim.rng.uniform(0, cfg.anti_entropy_ms)), "ae")

    def on_restart(self) -> None:
        self.store.restarted(self.id)
        self.on_start()

    def on_crash(self) -> None:
        self.store.crashed(self.id)

    def on_timer(self, name: str, data: Any) -> None:
        if name == "ae":
            cfg = self.store.cfg
            others = [p for p in self.store.replica_ids if p != self.id]
            if others:
                peer = others[int(self.sim.rng.integers(len(others)))]
                self.send(peer, AntiEntropy(dict(self.data), True))
            assert cfg.anti_entropy_ms is not None
            self.set_timer(cfg.anti_entropy_ms, "ae")

    def on_message(self, src: int, msg: Any) -> None:
        handler = self.handlers.get(type(msg))
        if handler is not None:
            handler(self, src, msg)

    # -- messages every mode understands --------------------------------------------------------
    def on_get(self, src: int, msg: Get) -> None:
        self.send(src, GetResp(msg.op, self.id, self.entry(msg.key)))

    def on_put(self, src: int, msg: Put) -> None:
        self.apply(msg.key, msg.wid, msg.ts, msg.value, msg.ctx)
        if msg.op is not None:
            self.send(src, PutAck(msg.op, msg.wid))

    def on_repair(self, src: int, msg: Repair) -> None:
        self.merge_in(msg.key, msg.entry)

    def on_anti_entropy(self, src: int, msg: AntiEntropy) -> None:
        for key, entry in msg.state.items():
            self.merge_in(key, entry)
        if msg.reply:
            self.send(src, AntiEntropy(dict(self.data), False))


Replica.handlers = {Get: Replica.on_get, Put: Replica.on_put, Repair: Replica.on_repair,
                    AntiEntropy: Replica.on_anti_entropy}


# -- clients ------------------------------------------------------------------------------------------
@dataclass(eq=False, slots=True)
class Op:
    """A client operation in flight: a ``read`` (``internal``: the get of a read-modify-write),
    a one-message ``write`` (primary-backup, multi-leader) or a quorum ``put``."""

    kind: str
    key: int
    t0: float
    timer: int = -1
    internal: bool = False
    need: int = 0
    acks: int = 0
    done: bool = False
    got: list[tuple[int, Entry]] = field(default_factory=list)
    merged: Entry = EMPTY


class Client(Process):
    """Issues reads and read-modify-write increments with Poisson arrivals over Zipf keys; a
    mode says where a read or a write goes (:meth:`start_read`, :meth:`start_write`)."""

    def __init__(self, store: Store, home: int) -> None:
        super().__init__()
        self.store = store
        self.home = home
        self.ops: dict[int, Op] = {}
        self.next_op = 0

    def on_start(self) -> None:
        st = self.store
        self.uniform = buffered(self.sim.rng.random)
        self.expo = buffered(self.sim.rng.standard_exponential)
        if st.ops_per_ms > 0:
            self.set_timer(self.expo() / st.ops_per_ms, "op")

    def on_timer(self, name: str, data: Any) -> None:
        st = self.store
        if name == "op":
            cfg = st.cfg
            if self.now >= cfg.duration_ms:
                return
            key = min(bisect_right(st.key_cdf, self.uniform()), cfg.keys - 1)
            if self.uniform() * (cfg.write_rate_per_s + cfg.read_rate_per_s) < cfg.write_rate_per_s:
                self.start_write(key)
            else:
                self.start_read(key, internal=False)
            self.set_timer(self.expo() / st.ops_per_ms, "op")
        elif name == "timeout":
            op = self.ops.pop(data, None)
            if op is not None and not op.done:
                self.fail(op)

    # -- operations -------------------------------------------------------------------------------
    def start_read(self, key: int, internal: bool) -> None:  # pragma: no cover - every mode overrides
        raise NotImplementedError

    def start_write(self, key: int) -> None:  # pragma: no cover - every mode overrides
        raise NotImplementedError

    def _new(self, kind: str, key: int, internal: bool = False) -> int:
        op = self.next_op
        self.next_op += 1
        o = Op(kind, key, self.now, internal=internal)
        o.timer = self.set_timer(self.store.cfg.timeout_ms, "timeout", op)
        self.ops[op] = o
        return op

    def fail(self, op: Op) -> None:
        led = self.store.ledger
        if op.kind == "read" and not op.internal:
            led.failed_reads += 1
        else:
            led.failed_writes += 1

    def finish(self, opid: int, op: Op) -> None:
        self.cancel_timer(op.timer)
        self.ops.pop(opid, None)

    def on_message(self, src: int, msg: Any) -> None:
        if type(msg) is GetResp:
            op = self.ops.get(msg.op)
            if op is None:
                return
            op.got.append((msg.node, msg.entry))
            if not op.done:
                if len(op.got) >= op.need:
                    op.done = True
                    self.read_complete(msg.op, op)
            else:
                self.late_response(op, msg.node, msg.entry)
        elif type(msg) is PutAck:
            op = self.ops.get(msg.op)
            if op is None:
                return
            if op.kind == "write":  # primary-backup and multi-leader: one ack
                self.finish(msg.op, op)
                return
            op.acks += 1
            if op.acks == op.need:
                self.store.ack_write(msg.wid, self.now)
                self.finish(msg.op, op)

    def read_complete(self, opid: int, op: Op) -> None:
        """Enough responses: merge them; a client read is recorded in the ledger."""
        merged: Entry = EMPTY
        for _, entry in op.got:
            merged = merge_entries(merged, entry)
        op.merged = merged
        if not op.internal:
            self.store.ledger.read_done(op.t0, self.now, op.key, merged.context, len(merged.siblings))
        self.after_read(opid, op)

    def after_read(self, opid: int, op: Op) -> None:
        """What follows a completed read (default: nothing, the operation ends)."""
        self.finish(opid, op)

    def late_response(self, op: Op, node: int, entry: Entry) -> None:
        """A response after the read completed (default: ignored)."""


# -- the store ----------------------------------------------------------------------------------------
class Store:
    """Replicas ``0..n-1`` and clients ``n..n+clients-1`` on one simulated network.

    ``Store(cfg, seed)`` builds the subclass of ``cfg.mode`` (see :data:`MODE_CLASSES`);
    each subclass names its replica and client classes.
    """

    #: the mode names a subclass implements (filled in by the subclasses)
    modes: ClassVar[tuple[str, ...]] = ()
    replica_class: ClassVar[type[Replica]] = Replica
    client_class: ClassVar[type[Client]] = Client

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        for mode in cls.modes:
            MODE_CLASSES[mode] = cls

    def __new__(cls, cfg: StoreConfig, seed: Seed = None, log_applies: bool = True) -> Store:
        if not isinstance(cfg, StoreConfig):
            raise invalid("cfg", cfg, "a StoreConfig")
        if cls is Store:
            cls = MODE_CLASSES[cfg.mode]
        return super().__new__(cls)

    def __init__(self, cfg: StoreConfig, seed: Seed = None, log_applies: bool = True) -> None:
        self.cfg = cfg
        self.seed = seed
        self.log_applies = log_applies
        self.sim = Simulator(seed=seed, trace=Trace())
        rng = self.sim.rng
        self.ledger = Ledger()
        wars = cfg.latency if isinstance(cfg.latency, WARS) else (
            profile(cfg.latency) if isinstance(cfg.latency, str) else None)
        self.net = (WarsNetwork(self.sim, wars, loss=cfg.loss) if wars is not None
                    else Network(self.sim, latency=network_law(cfg.latency), loss=cfg.loss))
        self.replicas: list[Replica] = self.net.add(  # type: ignore[assignment]
            self.replica_class(self) for _ in range(cfg.n))
        self.clients: list[Client] = self.net.add(  # type: ignore[assignment]
            self.client_class(self, home=i % cfg.n) for i in range(cfg.clients))
        self.replica_ids = tuple(range(cfg.n))
        if isinstance(self.net, WarsNetwork):
            self.net.dc = [*self.replica_ids, *(c.home for c in self.clients)]
        total = cfg.n + cfg.clients
        self.skew = rng.uniform(-cfg.clock_skew_ms, cfg.clock_skew_ms, total).tolist() if cfg.clock_skew_ms \
            else [0.0] * total
        weights = 1.0 / np.arange(1, cfg.keys + 1) ** cfg.zipf
        self.key_cdf: list[float] = (np.cumsum(weights) / weights.sum()).tolist()
        self.ops_per_ms = (cfg.write_rate_per_s + cfg.read_rate_per_s) / 1000.0  # per ms
        #: the replica that serves (primary-backup), None in the other modes or when none does
        self.primary: int | None = None
        self.snapshots: list[Snapshot] = []
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

    def crashed(self, node: int) -> None:
        """Replica ``node`` crashed (a mode with failover reacts)."""

    def restarted(self, node: int) -> None:
        """Replica ``node`` restarted (a mode with failover reacts)."""

    # -- run ----------------------------------------------------------------------------------------
    def snapshot(self, _: Any = None) -> None:
        c = self.cluster()
        cs, av = c.consistency_set(), c.availability_set()
        ratio = c.consistency_ratio()
        self.snapshots.append(Snapshot(self.sim.now, len(cs), len(av), ratio))
        self.sim.trace.log(self.sim.now, -1, "snapshot", None,
                           {"c": len(cs), "a": len(av), "ratio": ratio})
        if self.cfg.snapshot_ms is not None:
            self.sim.schedule(self.cfg.snapshot_ms, self.snapshot)

    def cluster(self) -> Cluster:
        """The replicas now as a :class:`~syncmodel.sets.Cluster`: facts (key, write id) held."""
        return Cluster({f"n{r.id}": [(k, s.wid) for k, (_, sibs) in r.data.items() for s in sibs]
                        for r in self.replicas},
                       down=[f"n{r.id}" for r in self.replicas if not r.up])

    def run(self) -> SyncRun:
        cfg = self.cfg
        for node, at, back in cfg.crashes:
            self.net.crash(node, at_ms=at, restart_at_ms=back)
        extra = [p.id for p in self.net.procs[cfg.n:]]
        for groups, at, heal in cfg.partitions:
            sides = [set(g) for g in groups]
            for pid in extra:  # a client (or probe) stays on the side of its home replica
                home = getattr(self.net.procs[pid], "home", 0)
                for side in sides:
                    if home in side:
                        side.add(pid)
            self.net.partition(sides, at_ms=at, heal_at_ms=heal)
        self.net.start()
        if cfg.snapshot_ms is not None:
            self.sim.schedule(0.0, self.snapshot)
        t0 = time.perf_counter()
        self.sim.run(until=cfg.duration_ms + cfg.settle_ms)
        wall = time.perf_counter() - t0
        return SyncRun(cfg, self, wall, self.seed)


#: mode name -> the :class:`Store` subclass that implements it
MODE_CLASSES: dict[str, type[Store]] = {}
