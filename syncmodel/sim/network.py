"""The network and the processes on it: latency, loss, partitions, crashes.

A :class:`Network` carries messages between :class:`Process` objects (message-
driven state machines with ``on_start``, ``on_message``, ``on_timer``).  A message
is dropped with probability ``loss``, when either end is down, or when a
partition separates the ends at send or at delivery time.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from heapq import heappush
from typing import Any

from ..errors import check_ids, check_int, check_probability, check_real, invalid
from .kernel import Simulator
from .latency import Latency, LatencySpec, as_latency, buffered
from .trace import Record

__all__ = ["Network", "Process"]


class Process:
    """A node's protocol: subclass it and override the ``on_*`` hooks.

    The network sets ``id``, ``net``, ``sim`` and ``peers`` when the process is
    added.  Timers and messages of a crashed process are discarded; a restart
    starts a new incarnation (``epoch``) whose ``on_restart`` (by default
    ``on_start``) runs on whatever state the subclass chose to keep.
    """

    id: int
    net: Network
    sim: Simulator
    peers: tuple[int, ...]

    def __init__(self) -> None:
        self.up = True
        self.epoch = 0

    # -- hooks -------------------------------------------------------------------------------
    def on_start(self) -> None:
        """Called once at time 0 (or when the process is started)."""

    def on_message(self, src: int, msg: Any) -> None:
        """Called when ``msg`` from ``src`` is delivered to this (live) process."""

    def on_timer(self, name: str, data: Any) -> None:
        """Called when a timer set with :meth:`set_timer` fires."""

    def on_crash(self) -> None:
        """Called when the process crashes (volatile state may be cleared here)."""

    def on_restart(self) -> None:
        """Called when the process restarts; defaults to :meth:`on_start`."""
        self.on_start()

    # -- services ----------------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.sim.now

    def send(self, dst: int, msg: Any) -> None:
        """Send ``msg`` to process ``dst`` through the network."""
        self.net.send(self.id, dst, msg)

    def broadcast(self, msg: Any) -> None:
        """Send ``msg`` to every peer (not to itself)."""
        self.net.multicast(self.id, self.peers, msg)

    def set_timer(self, delay: float, name: str, data: Any = None) -> int:
        """Call ``on_timer(name, data)`` after ``delay`` ms unless cancelled or crashed."""
        if not delay >= 0:
            raise invalid("delay", delay, "≥ 0")
        return self.sim.post(delay, self._fire, (self.epoch, name, data))

    def cancel_timer(self, handle: int) -> None:
        self.sim.cancel(handle)

    def log(self, kind: str, term: int | None = None, **data: Any) -> None:
        """Write a trace record for this process at the current time."""
        self.sim.trace.records.append(Record(self.sim.now, self.id, kind, term, data or None))

    def _fire(self, arg: tuple[int, str, Any]) -> None:
        epoch, name, data = arg
        if self.up and epoch == self.epoch:
            self.on_timer(name, data)


class Network:
    """Links between processes ``0..n-1`` with one latency law, loss and faults.

    ``latency`` is a :class:`~syncmodel.sim.latency.Latency` (or a spec for
    :func:`~syncmodel.sim.latency.as_latency`) drawn independently per message;
    ``links`` may override it per directed pair ``(src, dst)``.  ``loss`` is the
    independent drop probability of each message.  Counters ``sent``,
    ``delivered`` and ``dropped`` count messages.
    """

    def __init__(self, sim: Simulator, latency: LatencySpec = 1.0, loss: float = 0.0,
                 links: Mapping[tuple[int, int], LatencySpec] | None = None) -> None:
        if not isinstance(sim, Simulator):
            raise invalid("sim", sim, "a Simulator")
        if links is not None and not isinstance(links, Mapping):
            raise invalid("links", links, "None or a mapping (src, dst) -> latency")
        pairs = "a mapping whose keys are (src, dst) pairs of node ids"
        for k in links or ():
            if not (isinstance(k, tuple) and len(k) == 2):
                raise invalid("links", links, pairs)
            check_ids("links", k, None, pairs)
        self.sim = sim
        self.latency: Latency = as_latency(latency)
        self.loss = check_probability("loss", loss)
        self.procs: list[Process] = []
        self._group: list[int] = []
        self._draw: Callable[[], float] = self.latency.sampler(sim.rng)
        self._uniform = _uniform_sampler(sim)
        self._links: dict[tuple[int, int], Callable[[], float]] = {
            k: as_latency(v, f"links[{k!r}]").sampler(sim.rng) for k, v in (links or {}).items()
        }
        self.sent = 0
        self.delivered = 0
        self.dropped = 0
        self._log_messages = sim.trace.messages

    # -- membership ----------------------------------------------------------------------------
    def add(self, procs: Iterable[Process]) -> list[Process]:
        """Attach processes; they get ids ``len(procs)…`` in order.  Returns them."""
        if not isinstance(procs, Iterable):
            raise invalid("procs", procs, "an iterable of Process instances")
        new = list(procs)
        sim = self.sim
        for p in new:
            if not isinstance(p, Process):
                raise invalid("procs", p, "Process instances")
            p.id = len(self.procs)
            p.net = self
            p.sim = sim
            self.procs.append(p)
            self._group.append(0)
        ids = tuple(range(len(self.procs)))
        for p in self.procs:
            i = p.id
            p.peers = ids[:i] + ids[i + 1:]
        return new

    @property
    def n(self) -> int:
        return len(self.procs)

    def start(self, at_ms: float | None = 0.0, **old: Any) -> None:
        """Schedule every process's ``on_start`` at time ``at_ms`` (ids in order)."""
        (at_ms,) = _renamed(old, {"at": at_ms})
        at = self.sim.check_time("at_ms", at_ms)
        for p in self.procs:
            self.sim.at(at, _call_start, p)

    # -- messages -----------------------------------------------------------------------------
    def send(self, src: int, dst: int, msg: Any) -> None:
        """Queue ``msg`` from ``src`` to ``dst`` unless it is lost or cut off.

        A message is dropped at once if either end is down or a partition separates
        them, or with probability ``loss``; otherwise it arrives after a latency draw
        (and is still dropped then if the receiver is down or cut off).
        """
        procs = self.procs
        try:  # free for valid ids; negative ids index from the end and are not caught
            up = procs[src].up & procs[dst].up
        except (IndexError, TypeError):
            raise self._bad_ids(src, "dst", dst) from None
        self.sent += 1
        sim = self.sim
        if self._log_messages:
            sim.trace.log(sim.now, src, "send", None, {"dst": dst, "msg": msg})
        group = self._group
        if not up or group[src] != group[dst]:
            self._drop(src, dst, msg, "cut" if up else "down")
            return
        if self.loss and self._uniform() < self.loss:
            self._drop(src, dst, msg, "loss")
            return
        draw = self._links.get((src, dst), self._draw) if self._links else self._draw
        sim._seq = seq = sim._seq + 1
        heappush(sim._heap, (sim.now + draw(), seq, self._deliver, (src, dst, msg)))

    def multicast(self, src: int, dsts: Iterable[int], msg: Any) -> None:
        """Send ``msg`` from ``src`` to each of ``dsts`` (one independent draw each)."""
        if self._log_messages or self.loss or self._links:
            for d in dsts:
                self.send(src, d, msg)
            return
        sim = self.sim
        procs = self.procs
        group = self._group
        heap = sim._heap
        draw = self._draw
        deliver = self._deliver
        now = sim.now
        seq = sim._seq
        try:  # free for valid ids (see send)
            g = group[src]
            src_up = procs[src].up
            for d in dsts:
                d_up = procs[d].up
                self.sent += 1
                if not (src_up and d_up) or group[d] != g:
                    self._drop(src, d, msg, "cut" if src_up and d_up else "down")
                    continue
                seq += 1
                heappush(heap, (now + draw(), seq, deliver, (src, d, msg)))
        except (IndexError, TypeError):
            sim._seq = seq  # keep the events already queued consistent with the counter
            raise self._bad_ids(src, "dsts", dsts) from None
        sim._seq = seq

    def _deliver(self, arg: tuple[int, int, Any]) -> None:
        src, dst, msg = arg
        p = self.procs[dst]
        if not p.up or self._group[src] != self._group[dst]:
            self._drop(src, dst, msg, "down" if not p.up else "cut")
            return
        self.delivered += 1
        if self._log_messages:
            self.sim.trace.log(self.sim.now, dst, "deliver", None, {"src": src, "msg": msg})
        p.on_message(src, msg)

    def _bad_ids(self, src: Any, name: str, dst: Any) -> Exception:
        """The error for a bad ``src`` or destination(s) ``name`` (built once a send failed)."""
        ids = f"a node id in 0..{self.n - 1}"
        if not isinstance(src, numbers.Integral) or not 0 <= int(src) < self.n:
            return invalid("src", src, ids)
        return invalid(name, dst, ids if name == "dst" else f"an iterable of node ids in 0..{self.n - 1}")

    def _drop(self, src: int, dst: int, msg: Any, why: str) -> None:
        self.dropped += 1
        if self._log_messages:
            self.sim.trace.log(self.sim.now, src, "drop", None,
                               {"dst": dst, "msg": msg, "why": why})

    # -- faults --------------------------------------------------------------------------------
    def connected(self, a: int, b: int) -> bool:
        """True if no partition currently separates ``a`` and ``b``."""
        self._check_node(a, "a")
        self._check_node(b, "b")
        return self._group[a] == self._group[b]

    def partition(self, groups: Sequence[Iterable[int]], at_ms: float | None = None,
                  heal_at_ms: float | None = None, **old: Any) -> None:
        """Split the network into ``groups`` (now, or at time ``at_ms``); heal at ``heal_at_ms``.

        Nodes in no group are each cut off alone.  Messages already in flight
        across the cut are dropped on arrival.  (``at=``/``heal_at=``, the names of earlier
        versions, still work with a DeprecationWarning.)
        """
        at_ms, heal_at_ms = _renamed(old, {"at": at_ms, "heal_at": heal_at_ms})
        expected = f"sets of node ids in 0..{self.n - 1}"
        if isinstance(groups, (str, bytes)) or not isinstance(groups, Iterable):
            raise invalid("groups", groups, expected)
        try:
            sets = [frozenset(g) for g in groups]
        except TypeError:  # a group that is no iterable, or an unhashable id
            raise invalid("groups", groups, expected) from None
        ids = [i for g in sets for i in check_ids("groups", g, self.n, expected)]
        if len(set(ids)) != len(ids):
            raise invalid("groups", groups, "disjoint sets")
        at, heal_at = self._at("at_ms", at_ms), self._at("heal_at_ms", heal_at_ms)
        if at is not None and heal_at is not None and not heal_at >= at:
            raise invalid("heal_at_ms", heal_at, f"≥ at_ms = {at}")
        self._when(at, self._apply_partition, sets)
        if heal_at is not None:
            self._when(heal_at, self._apply_heal, None)

    def heal(self, at_ms: float | None = None, **old: Any) -> None:
        """Reconnect every node (now or at time ``at_ms``)."""
        (at_ms,) = _renamed(old, {"at": at_ms})
        self._when(self._at("at_ms", at_ms), self._apply_heal, None)

    def crash(self, node: int, at_ms: float | None = None, restart_at_ms: float | None = None,
              **old: Any) -> None:
        """Crash ``node`` (now or at ``at_ms``); optionally restart it at ``restart_at_ms``."""
        at_ms, restart_at_ms = _renamed(old, {"at": at_ms, "restart_at": restart_at_ms})
        self._check_node(node)
        at, restart_at = self._at("at_ms", at_ms), self._at("restart_at_ms", restart_at_ms)
        if at is not None and restart_at is not None and not restart_at >= at:
            raise invalid("restart_at_ms", restart_at, f"≥ at_ms = {at}")
        self._when(at, self._apply_crash, node)
        if restart_at is not None:
            self._when(restart_at, self._apply_restart, node)

    def restart(self, node: int, at_ms: float | None = None, **old: Any) -> None:
        """Restart a crashed ``node`` (now or at ``at_ms``)."""
        (at_ms,) = _renamed(old, {"at": at_ms})
        self._check_node(node)
        self._when(self._at("at_ms", at_ms), self._apply_restart, node)

    def _check_node(self, node: int, name: str = "node") -> None:
        if type(node) is int and 0 <= node < len(self.procs):
            return
        check_int(name, node, 0, self.n - 1)

    def _at(self, name: str, at: Any) -> float | None:
        """``at`` (None: now) as a finite time not before the clock, named ``name`` if not."""
        return None if at is None else check_real(name, at, self.sim.now)

    def _when(self, at: float | None, fn: Callable[[Any], None], arg: Any) -> None:
        if at is None:
            fn(arg)
        else:
            self.sim.at(at, fn, arg)

    def _apply_partition(self, sets: list[frozenset[int]]) -> None:
        group = [-(i + 1) for i in range(self.n)]  # alone by default
        for gi, g in enumerate(sets):
            for i in g:
                group[i] = gi
        self._group = group
        self.sim.trace.log(self.sim.now, -1, "partition", None,
                           {"groups": [sorted(g) for g in sets]})

    def _apply_heal(self, _: Any) -> None:
        self._group = [0] * self.n
        self.sim.trace.log(self.sim.now, -1, "heal")

    def _apply_crash(self, node: int) -> None:
        p = self.procs[node]
        if not p.up:
            return
        p.up = False
        p.epoch += 1
        self.sim.trace.log(self.sim.now, node, "crash")
        p.on_crash()

    def _apply_restart(self, node: int) -> None:
        p = self.procs[node]
        if p.up:
            return
        p.up = True
        p.epoch += 1
        self.sim.trace.log(self.sim.now, node, "restart")
        p.on_restart()


def _call_start(p: Process) -> None:
    if p.up:
        p.on_start()


def _uniform_sampler(sim: Simulator) -> Callable[[], float]:
    return buffered(sim.rng.random)


def _renamed(old: dict[str, Any], current: dict[str, Any]) -> tuple[Any, ...]:
    """The values of the ``*_ms`` parameters, taking the pre-``_ms`` keyword names (the keys
    of ``current``) from ``old`` with a DeprecationWarning; an unknown keyword is a TypeError."""
    unknown = set(old) - set(current)
    if unknown:
        raise TypeError(f"unexpected keyword arguments {sorted(unknown)}")
    out = []
    for name, value in current.items():
        if name in old:
            import warnings

            if value is not None:
                raise invalid(name, old[name], f"omitted when {name}_ms is given (its old name)")
            warnings.warn(f"{name}= is deprecated: call it {name}_ms=", DeprecationWarning, stacklevel=3)
            value = old[name]
        out.append(value)
    return tuple(out)
