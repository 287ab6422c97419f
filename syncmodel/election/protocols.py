"""Election protocols as message-driven state machines on :mod:`syncmodel.sim`.

Four algorithms share one base: ``raft`` (terms, randomized timeouts, one vote per
term, majority, heartbeats, optional pre-vote), ``bully`` (highest live id wins),
``hash`` (highest SHA-256 among the nodes a node can hear; no quorum) and
``fivestep`` (the article's request → validate → vote-or-hash → tally → decide).
Every node logs typed trace records ("term", "candidate", "vote", "leader",
"follow", "step_down"); :mod:`syncmodel.election.safety` checks them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import invalid
from ..sim import Fixed, Latency, Network, Process
from ..sim.latency import buffered
from .hashing import hash_value

__all__ = ["ALGORITHMS", "EVENT_ORDERS", "BullyNode", "Config", "ElectionNode", "FiveStepNode", "HashNode",
           "Monitor", "RaftNode", "samplers"]

#: Raft's event orders: "logcabin" — the order of the code behind the Raft paper's Figure 16
#: (LogCabin, 2013): disk writes block the node; a candidate persists (term, vote) before its
#: requests; a voter that sees a newer term persists the term, resets its timer, then persists
#: its vote; a new leader appends a no-op entry before its first heartbeat.  "overlap" — the
#: earlier model: the candidate's write overlaps its requests, a voter resets its timer, writes
#: its vote (without blocking) and replies, a leader sends heartbeats at once.
EVENT_ORDERS = ("logcabin", "overlap")


@dataclass
class Config:
    """Settings shared by the nodes of one run (times in ms)."""

    n: int
    timeout_lo_ms: float
    timeout_hi_ms: float
    heartbeat_ms: float
    disk: Latency = field(default_factory=lambda: Fixed(0.0))
    prevote: bool = False
    answer_ms: float = 0.0  # bully: wait for an answer; fivestep: tally window
    mode: str = "vote"  # fivestep: "vote" or "hash"
    event_order: str = "logcabin"  # raft: "logcabin" (blocking writes) or "overlap"
    timeout_step_ms: float = 0.0  # > 0: timeouts rounded to this grid (LogCabin: whole ms)
    majority: int = field(init=False)  # ⌊n/2⌋ + 1
    disk_free: bool = field(init=False)  # the disk costs nothing: no write events

    def __post_init__(self) -> None:
        self.majority = self.n // 2 + 1
        self.disk_free = isinstance(self.disk, Fixed) and self.disk.value == 0.0
        if self.event_order not in EVENT_ORDERS:
            raise invalid("event_order", self.event_order, f"one of {list(EVENT_ORDERS)}")


class Monitor:
    """Watches follow/lead events and notes when a new leader is established.

    A leader of term t > ``min_term`` is established when it leads and every live
    node it can reach follows it in term t.  ``stop_on_leader`` ends the run then.
    """

    def __init__(self, net: Network, stop_on_leader: bool = True, need: int | None = None) -> None:
        self.net = net
        self.need = need  # None: every live reachable node; k: k nodes (leader included)
        self.armed = False
        self.min_term = 0
        self.stop_on_leader = stop_on_leader
        self.current: dict[int, tuple[int, int]] = {}
        self.established_at: float | None = None
        self.leader: int | None = None
        self.term: int | None = None
        self.messages_at: int | None = None

    def arm(self, min_term: int) -> None:
        self.armed = True
        self.min_term = min_term

    def follow(self, node: int, term: int, leader: int) -> None:
        self.current[node] = (term, leader)
        if self.armed and term > self.min_term and self.established_at is None:
            self._check(term, leader)

    def _check(self, term: int, leader: int) -> None:
        net = self.net
        procs = net.procs
        cur = self.current
        key = (term, leader)
        if not procs[leader].up or cur.get(leader) != key:
            return
        if self.need is not None:
            if sum(1 for v in cur.values() if v == key) < self.need:
                return
        else:
            group = net._group
            g = group[leader]
            for p in procs:
                if p.up and cur.get(p.id) != key and group[p.id] == g:
                    return
        self.established_at = net.sim.now
        self.leader = leader
        self.term = term
        self.messages_at = net.sent
        if self.stop_on_leader:
            net.sim.stop()


class ElectionNode(Process):
    """State and helpers shared by the algorithms: term, role, timers, heartbeats."""

    name = "base"
    # immutable defaults live on the class (an instance attribute shadows one when set)
    up = True
    epoch = 0
    term = 0
    voted_for: int | None = None
    role = "follower"
    leader: int | None = None
    deadline = math.inf  # when the election timer is due (inf: disarmed)
    timer_at = math.inf  # when the one pending timer event fires (inf: none)
    timer_tok = 0  # events carrying an older token are stale
    hb_timer = 0
    last_heard = -1e18
    disk_free = True
    busy_until = -math.inf  # a blocking disk write holds the node until then

    def __init__(self, cfg: Config, mon: Monitor, log_rank: int = 1) -> None:
        self.cfg = cfg
        self.mon = mon
        self.log_rank = log_rank
        self.u: Callable[[], float] = _zero
        self.disk: Callable[[], float] = _zero

    # -- set-up ------------------------------------------------------------------------------
    def bind(self, u: Callable[[], float], disk: Callable[[], float]) -> None:
        """Give the node the run's uniform and disk-latency samplers."""
        self.u = u
        self.disk = disk
        self.disk_free = self.cfg.disk_free

    def make_leader(self, term: int) -> None:
        """Steady state before a disruption: this node leads ``term``."""
        self.term = term
        self.voted_for = self.id
        self.become_leader()

    def make_follower(self, term: int, leader: int) -> None:
        """Steady state before a disruption: this node follows ``leader`` in ``term``."""
        self.term = term
        self.voted_for = leader
        self.role = "follower"
        self.leader = leader
        self.mon.current[self.id] = (term, leader)
        self.last_heard = self.sim.now

    # -- helpers -----------------------------------------------------------------------------
    def set_term(self, term: int) -> None:
        """Adopt a newer term (forgetting the vote); later records carry the term."""
        if term > self.term:
            self.term = term
            self.voted_for = None

    def reset_timer(self) -> None:
        """(Re)arm the election timer with a fresh draw from U[lo, hi] (rounded to the
        nearest multiple of ``timeout_step_ms`` when that is > 0, as LogCabin's
        ``lround`` of a uniform draw gives whole milliseconds).

        Lazy re-arming: one event stays queued; if it fires before the (moved)
        deadline it re-queues itself, so a heartbeat costs no heap push.
        """
        sim = self.sim
        cfg = self.cfg
        lo = cfg.timeout_lo_ms
        now = sim.now
        step = cfg.timeout_step_ms
        if step:  # LogCabin: lround(lo + U·(hi − lo)) whole milliseconds
            d = now + math.floor((lo + (cfg.timeout_hi_ms - lo) * self.u()) / step + 0.5) * step
        else:
            d = now + lo + (cfg.timeout_hi_ms - lo) * self.u()
        self.deadline = d
        if d < self.timer_at:
            self.timer_at = d
            self.timer_tok = tok = self.timer_tok + 1
            sim.post(d - now, self._election_timer, tok)

    def stop_timer(self) -> None:
        """Disarm the election timer."""
        self.deadline = _INF

    def _election_timer(self, tok: int) -> None:
        if tok != self.timer_tok or not self.up:
            return
        now = self.sim.now
        d = self.deadline
        if now < d:
            if d < _INF:
                self.timer_at = d
                self.sim.post(d - now, self._election_timer, tok)
            else:
                self.timer_at = _INF
            return
        b = self.busy_until
        if b > now:  # the node is inside a blocking write: the timer thread waits for it
            self.timer_at = b
            self.sim.post(b - now, self._election_timer, tok)
            return
        self.timer_at = self.deadline = _INF
        if self.role != "leader":
            self.on_election_timeout()

    def persist_then(self, fn: Callable[[Any], None], arg: Any) -> None:
        """Run ``fn(arg)`` after a disk write (at once when the disk costs nothing)."""
        if self.disk_free:
            fn(arg)
        else:
            self.set_timer(self.disk(), "_disk", (fn, arg))

    def write_then(self, fn: Callable[[Any], None], arg: Any) -> None:
        """A blocking disk write (LogCabin holds the server lock through it): messages
        and timers that come due before it ends wait for it; then ``fn(arg)`` runs."""
        if self.disk_free:
            fn(arg)
            return
        d = self.disk()
        self.busy_until = self.sim.now + d
        self.set_timer(d, "_disk", (fn, arg))

    def deliver_when_free(self, src: int, msg: Any) -> bool:
        """If the node is inside a blocking write, queue ``msg`` until the write ends (in
        arrival order) and return True; else False."""
        b = self.busy_until
        now = self.sim.now
        if b <= now:
            return False
        self.set_timer(b - now, "_deliver", (src, msg))
        return True

    def reply_after_disk(self, dst: int, msg: Any) -> None:
        if self.disk_free:
            self.net.send(self.id, dst, msg)
        else:
            self.set_timer(self.disk(), "_disk", (self._send_tuple, (dst, msg)))

    def _send_tuple(self, arg: tuple[int, Any]) -> None:
        self.net.send(self.id, arg[0], arg[1])

    def become_leader(self) -> None:
        self.role = "leader"
        self.leader = self.id
        self.log("leader", self.term)
        self.stop_timer()
        self.mon.current[self.id] = (self.term, self.id)
        self.heartbeat()
        self.mon.follow(self.id, self.term, self.id)

    def heartbeat(self) -> None:
        if self.role == "leader":
            self.broadcast(("ae", self.term, self.id))
            self.hb_timer = self.set_timer(self.cfg.heartbeat_ms, "hb")

    def step_down(self) -> None:
        """Leave the leader or candidate role (the election timer keeps running)."""
        if self.role == "leader":
            self.log("step_down", self.term)
            if self.hb_timer:
                self.sim.cancel(self.hb_timer)
                self.hb_timer = 0
            self.role = "follower"
            self.reset_timer()
        self.role = "follower"

    def follow(self, term: int, leader: int) -> None:
        if self.leader != leader or self.mon.current.get(self.id) != (term, leader):
            self.leader = leader
            self.log("follow", term, leader=leader)
            self.mon.follow(self.id, term, leader)

    def on_timer(self, name: str, data: Any) -> None:
        if name == "_disk":
            data[0](data[1])
        elif name == "_deliver":
            self.on_message(data[0], data[1])
        elif self.busy_until > self.sim.now:  # wait for the blocking write to end
            self.set_timer(self.busy_until - self.sim.now, name, data)
        elif name == "hb":
            self.heartbeat()
        else:
            self.on_other_timer(name, data)

    def on_election_timeout(self) -> None:  # pragma: no cover - overridden
        pass

    def on_other_timer(self, name: str, data: Any) -> None:
        pass

    def on_start(self) -> None:
        self.reset_timer()

    def on_crash(self) -> None:
        if self.role == "leader":
            self.log("step_down", self.term)
        self.role = "follower"
        self.leader = None
        self.timer_tok += 1
        self.timer_at = self.deadline = _INF
        self.hb_timer = 0
        self.busy_until = -_INF
        self.mon.current.pop(self.id, None)

    def on_restart(self) -> None:
        self.role = "follower"
        self.reset_timer()


def _zero() -> float:
    return 0.0


_INF = math.inf


class RaftNode(ElectionNode):
    """Raft's leader election (Ongaro & Ousterhout 2014, §5.2 and §5.4.1; pre-vote: §9.6
    of Ongaro's dissertation), in one of two event orders (``Config.event_order``).

    A follower that hears no leader for a timeout drawn from U[lo, hi] becomes a
    candidate: term + 1, votes for itself and asks every peer.  A peer grants at most
    one vote per term, and only to a candidate whose log is at least as up to date
    (``log_rank``).  A majority of votes makes a leader, which sends heartbeats every
    ``heartbeat_ms``.  With pre-vote a node first asks whether it could win (peers that
    heard a leader within ``lo`` ms refuse), so a node that cannot win does not disturb
    the term.

    ``"logcabin"`` (default): the order of LogCabin's RaftConsensus.cc (2013), the code
    behind the paper's Figure 16.  Each disk write (a draw from ``disk``) blocks the
    node, as the server lock held through it did: messages and timers wait.  A candidate
    persists (term, vote) before any RequestVote leaves; a voter that sees a newer term
    persists the term, then resets its timer, then persists its vote, then replies; a new
    leader appends a no-op entry (a write) before its first heartbeat; a follower that
    receives the no-op appends it (a write) before acknowledging.

    ``"overlap"``: the earlier model: the candidate's write overlaps its requests (no
    delay), a voter resets its timer and replies after one non-blocking write, and a new
    leader sends heartbeats at once.
    """

    name = "raft"
    noop_term = 0  # highest leader term whose no-op entry this node has appended

    def __init__(self, cfg: Config, mon: Monitor, log_rank: int = 1) -> None:
        super().__init__(cfg, mon, log_rank)
        self.votes: set[int] = set()
        self.prevotes: set[int] = set()
        self.blocking = cfg.event_order == "logcabin" and not cfg.disk_free

    def on_election_timeout(self) -> None:
        if self.cfg.prevote:
            self.prevotes = {self.id}
            self.reset_timer()
            if len(self.prevotes) >= self.cfg.majority:
                self.start_election()
            else:
                self.broadcast(("pv", self.term + 1, self.id, self.log_rank))
        else:
            self.start_election()

    def start_election(self) -> None:
        self.term += 1
        term = self.term
        self.role = "candidate"
        self.leader = None
        self.voted_for = self.id
        self.votes = {self.id}
        self.log("candidate", term)  # a candidate votes for itself (safety reads it so)
        self.reset_timer()
        if self.blocking:  # persist (term, vote) first: the requests wait for the lock
            self.write_then(self._ask_votes, term)
        else:
            # the candidate's own write runs in parallel with the requests
            self._ask_votes(term)

    def _ask_votes(self, term: int) -> None:
        if self.role != "candidate" or self.term != term:
            return
        if len(self.votes) >= self.cfg.majority:
            self.become_leader()
            return
        self.broadcast(("rv", term, self.id, self.log_rank))

    def become_leader(self) -> None:
        if not self.blocking:
            super().become_leader()
            return
        # LogCabin: the leader appends a no-op entry (a blocking write), then heartbeats
        self.role = "leader"
        self.leader = self.id
        self.log("leader", self.term)
        self.stop_timer()
        self.mon.current[self.id] = (self.term, self.id)
        self.noop_term = self.term
        self.write_then(self._first_heartbeat, self.term)

    def _first_heartbeat(self, term: int) -> None:
        if self.role == "leader" and self.term == term:
            self.heartbeat()
            self.mon.follow(self.id, term, self.id)

    def on_message(self, src: int, msg: Any) -> None:
        if self.blocking and self.busy_until > self.sim.now and self.deliver_when_free(src, msg):
            return
        kind = msg[0]
        term = msg[1]
        if kind == "rv":
            if term > self.term:
                self.set_term(term)
                self.step_down()
                if self.blocking:  # persist the new term, then decide on the vote
                    self.write_then(self._consider_vote, (src, msg))
                    return
            self._consider_vote((src, msg))
        elif kind == "rvr":
            if term > self.term:
                self.set_term(term)
                self.step_down()
                if self.blocking:
                    self.write_then(_nothing, None)
            elif self.role == "candidate" and term == self.term and msg[2]:
                self.votes.add(src)
                if len(self.votes) >= self.cfg.majority:
                    self.become_leader()
        elif kind == "ae":
            if term < self.term:
                self.net.send(self.id, src, ("aer", self.term))
                return
            if term > self.term:
                self.set_term(term)
                if self.blocking:  # persist the new term first (LogCabin's stepDown)
                    if self.role != "follower":
                        self.step_down()
                    self.write_then(self._heard_leader, (src, msg))
                    return
            self._heard_leader((src, msg))
        elif kind == "aer":
            if term > self.term:
                self.set_term(term)
                self.step_down()
                if self.blocking:
                    self.write_then(_nothing, None)
        elif kind == "pv":
            ok = (term > self.term and msg[3] >= self.log_rank and self.role != "leader"
                  and self.sim.now - self.last_heard >= self.cfg.timeout_lo_ms)
            self.net.send(self.id, src, ("pvr", term, ok))
        elif kind == "pvr":
            if (msg[2] and self.role != "leader" and term == self.term + 1):
                self.prevotes.add(src)
                if len(self.prevotes) == self.cfg.majority:
                    self.start_election()

    def _consider_vote(self, arg: tuple[int, Any]) -> None:
        src, msg = arg
        term, cand = msg[1], msg[2]
        if term == self.term and self.voted_for in (None, cand) and msg[3] >= self.log_rank:
            if self.voted_for == cand:  # a duplicate request: the vote stands, no write
                self.net.send(self.id, src, ("rvr", term, True))
                return
            self.voted_for = cand
            self.log("vote", term, candidate=cand)
            self.reset_timer()
            if self.blocking:
                self.write_then(self._send_tuple, (src, ("rvr", term, True)))
            else:
                self.reply_after_disk(src, ("rvr", term, True))
        else:
            self.net.send(self.id, src, ("rvr", self.term, False))

    def _heard_leader(self, arg: tuple[int, Any]) -> None:
        src, msg = arg
        term = msg[1]
        if term != self.term:  # pragma: no cover - the node was blocked meanwhile
            return
        if self.role != "follower":
            self.step_down()
        self.last_heard = self.sim.now
        self.reset_timer()
        self.follow(term, msg[2])
        if self.blocking and self.noop_term < term:  # append the leader's no-op, then ack
            self.noop_term = term
            self.write_then(self._send_tuple, (src, ("aer", term)))
        else:
            self.net.send(self.id, src, ("aer", term))


def _nothing(_: Any) -> None:
    """The continuation of a write that is followed by nothing (a term persisted)."""


class BullyNode(ElectionNode):
    """The Bully algorithm (Garcia-Molina 1982): the highest live id becomes coordinator.

    A node that misses the leader's heartbeats sends ELECTION to every higher id; if
    none answers within ``answer_ms`` it announces itself (COORDINATOR, with term =
    highest term seen + 1).  A node that gets ELECTION from a lower id answers and
    starts its own election; a node that got an answer waits ``2·answer_ms`` for a
    coordinator, else starts over.  No quorum: each side of a partition gets one.
    """

    name = "bully"

    def __init__(self, cfg: Config, mon: Monitor, log_rank: int = 1) -> None:
        super().__init__(cfg, mon, log_rank)
        self.electing = False
        self.wait = 0

    def on_election_timeout(self) -> None:
        self.start_election()

    def on_restart(self) -> None:
        self.role = "follower"
        self.electing = False
        self.wait = 0
        self.reset_timer()
        self.start_election()  # a recovering node holds an election at once

    def start_election(self) -> None:
        higher = [p for p in self.peers if p > self.id]
        self.electing = True
        self.role = "candidate"
        self.log("candidate", self.term)
        if not higher:
            self.announce()
            return
        for p in higher:
            self.net.send(self.id, p, ("election", self.term, self.id))
        self._rearm("answer", self.cfg.answer_ms)

    def _rearm(self, name: str, delay: float) -> None:
        if self.wait:
            self.sim.cancel(self.wait)
        self.wait = self.set_timer(delay, name)

    def announce(self) -> None:
        self.electing = False
        if self.wait:
            self.sim.cancel(self.wait)
            self.wait = 0
        self.set_term(self.term + 1)
        self.become_leader()

    def on_other_timer(self, name: str, data: Any) -> None:
        self.wait = 0
        if name == "answer" and self.electing:
            self.announce()
        elif name == "coord" and self.electing:
            self.start_election()

    def on_message(self, src: int, msg: Any) -> None:
        kind = msg[0]
        term = msg[1]
        if term > self.term:
            self.set_term(term)
        if kind == "ae":
            if src > self.id:
                if self.role == "leader":
                    self.step_down()
                self.role = "follower"
                self.electing = False
                if self.wait:
                    self.sim.cancel(self.wait)
                    self.wait = 0
                self.last_heard = self.sim.now
                self.reset_timer()
                self.follow(self.term, src)
            elif not self.electing and self.role != "leader":
                self.start_election()  # a lower id leads: bully it
        elif kind == "election":
            self.net.send(self.id, src, ("answer", self.term, self.id))
            if self.role == "leader":
                self.net.send(self.id, src, ("ae", self.term, self.id))
            elif not self.electing:
                self.start_election()
        elif kind == "answer":
            if self.electing:
                self._rearm("coord", 2 * self.cfg.answer_ms)
        # "aer" replies are not used by Bully


class HashNode(ElectionNode):
    """Hash-based election with no quorum: lead if your hash is highest among the
    nodes you hear from.

    Every node beacons every ``heartbeat`` ms; a peer is alive while heard within
    the election timeout (drawn from U[lo, hi] at each check).  When its view of
    the live nodes changes, a node applies :func:`hash_election` to the view; the
    winner declares itself leader with term = highest term seen + 1 and the others
    follow it.  Both sides of a partition elect, usually in the same term.
    """

    name = "hash"

    def __init__(self, cfg: Config, mon: Monitor, log_rank: int = 1) -> None:
        super().__init__(cfg, mon, log_rank)
        self.heard: dict[int, float] = {}
        self.rank = 0

    def on_start(self) -> None:
        self.rank = hash_value(self.id)
        self.beacon()
        self.reset_timer()

    def on_restart(self) -> None:
        self.heard = {}
        self.on_start()

    def beacon(self) -> None:
        self.broadcast(("alive", self.term, self.role == "leader"))
        self.set_timer(self.cfg.heartbeat_ms, "beacon")

    def heartbeat(self) -> None:  # the leader's heartbeat is its beacon
        pass

    def make_follower(self, term: int, leader: int) -> None:
        super().make_follower(term, leader)
        for p in self.peers:
            self.heard[p] = self.sim.now

    def make_leader(self, term: int) -> None:
        for p in self.peers:
            self.heard[p] = self.sim.now
        super().make_leader(term)

    def on_other_timer(self, name: str, data: Any) -> None:
        if name == "beacon":
            self.beacon()

    def on_election_timeout(self) -> None:
        self.decide()
        self.reset_timer()

    def decide(self) -> None:
        horizon = self.sim.now - self.cfg.timeout_lo_ms
        view = [self.id, *(p for p, t in self.heard.items() if t >= horizon)]
        winner = max(view, key=hash_value)
        if winner == self.id:
            if self.role != "leader":
                self.log("candidate", self.term)
                self.set_term(self.term + 1)
                self.become_leader()
                self.broadcast(("alive", self.term, True))
        else:
            if self.role == "leader":
                self.step_down()
            if self.leader is not None and self.leader not in view:
                self.leader = None

    def on_message(self, src: int, msg: Any) -> None:
        self.heard[src] = self.sim.now
        term = msg[1]
        if msg[2]:  # src claims leadership
            if hash_value(src) > self.rank or self.role != "leader":
                if term > self.term:
                    self.set_term(term)
                if self.role == "leader":
                    self.step_down()
                if term >= self.term:
                    self.follow(term, src)
        elif term > self.term and self.role != "leader":
            self.set_term(term)


class FiveStepNode(ElectionNode):
    """The article's five steps made concrete (its section 3).

    1. request: a node without a leader (timeout from U[lo, hi]) sends REQUEST(term+1);
    2. validate: a peer accepts a request whose term is newer than any it has voted
       in and only if it has not heard a live leader within ``lo`` ms;
    3. vote or hash: it replies with its vote (``mode="vote"``) or its hash
       (``mode="hash"``);
    4. tally: the requester counts replies for ``answer_ms`` ms;
    5. decide: it leads if it has a majority of votes (vote mode) or if its own hash
       is the highest it received (hash mode, no quorum), and announces it;
       otherwise it waits for another timeout.
    """

    name = "fivestep"

    def __init__(self, cfg: Config, mon: Monitor, log_rank: int = 1) -> None:
        super().__init__(cfg, mon, log_rank)
        self.votes: set[int] = set()
        self.best = 0
        self.rank = 0
        self.tallying = False

    def on_start(self) -> None:
        self.rank = hash_value(self.id)
        super().on_start()

    def on_election_timeout(self) -> None:
        self.term += 1
        self.voted_for = self.id
        self.role = "candidate"
        self.leader = None
        self.votes = {self.id}
        self.best = self.rank
        self.tallying = True
        self.log("candidate", self.term)  # and its vote for itself
        self.reset_timer()
        self.persist_then(self._request, self.term)

    def _request(self, term: int) -> None:
        if self.tallying and self.term == term:
            self.broadcast(("req", term, self.id))
            self.set_timer(self.cfg.answer_ms, "tally", term)

    def on_other_timer(self, name: str, data: Any) -> None:
        if name == "tally" and self.tallying and self.term == data:
            self.tallying = False
            if self.cfg.mode == "hash":
                won = self.best == self.rank
            else:
                won = len(self.votes) >= self.cfg.majority
            if won:
                self.become_leader()
            else:
                self.role = "follower"

    def on_message(self, src: int, msg: Any) -> None:
        kind = msg[0]
        term = msg[1]
        if kind == "req":
            fresh = (self.sim.now - self.last_heard < self.cfg.timeout_lo_ms
                     and self.role != "candidate")
            valid = term > self.term and not fresh and self.role != "leader"
            if valid:
                self.set_term(term)
                self.role = "follower"
                self.tallying = False
                self.voted_for = src
                self.log("vote", term, candidate=src)
                self.reset_timer()
            answer = self.rank if self.cfg.mode == "hash" else valid
            self.reply_after_disk(src, ("ans", term, answer, valid))
        elif kind == "ans":
            if self.tallying and term == self.term:
                if self.cfg.mode == "hash":
                    if msg[3]:  # only validated replies carry a hash (step 3)
                        self.best = max(self.best, msg[2])
                elif msg[2]:
                    self.votes.add(src)
        elif kind == "ae":
            if term >= self.term:
                if term > self.term:
                    self.set_term(term)
                if self.role == "leader" and src != self.id:
                    self.step_down()
                self.role = "follower"
                self.tallying = False
                self.last_heard = self.sim.now
                self.reset_timer()
                self.follow(term, msg[2])


ALGORITHMS: dict[str, type[ElectionNode]] = {
    "fivestep": FiveStepNode,
    "raft": RaftNode,
    "bully": BullyNode,
    "hash": HashNode,
}


def samplers(net: Network, cfg: Config) -> tuple[Callable[[], float], Callable[[], float]]:
    """The run's U(0, 1) sampler and disk-latency sampler (both on the run's generator)."""
    return buffered(net.sim.rng.random), cfg.disk.sampler(net.sim.rng)
