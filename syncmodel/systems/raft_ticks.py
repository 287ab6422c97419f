"""etcd's leader failover at the resolution of its raft ticks, with CheckQuorum's leader lease.

:func:`etcd_failover` plays the followers' election timers tick by tick after the leader
stops (a crash or a pause look the same to raft: no more heartbeats), and the vote exchange
with etcd raft's rules, including the vote a follower ignores while its leader lease runs.
"""

from __future__ import annotations

import heapq

import numpy as np

from ..errors import check_bool, check_int, check_real, invalid
from ..rng import Seed, as_generator

__all__ = ["etcd_failover"]


#: etcd's largest accepted --election-timeout (ms), and the most ticks to an election modelled
MAX_ELECTION_MS = 50_000.0
MAX_TICKS = 10_000


def etcd_failover(n: int = 3, heartbeat_ms: float = 100.0, election_timeout_ms: float = 1000.0, *,
                  trials: int = 200, check_quorum: bool = True, hop_ms: float = 4.0,
                  seed: Seed = None, max_rounds: int = 50, detail: bool = False) -> np.ndarray:
    """Samples (ms after the leader stops) of the time a new etcd leader is elected.

    Model (etcd 3.4 ``raft/raft.go``, ``etcdserver/raft.go``), time 0 = the fault:

    * every member ticks every ``heartbeat_ms`` = h (``--heartbeat-interval``: one
      ``time.Ticker`` per member, so each member's ticks have their own phase u·h, u ~ U(0, 1));
      the election timeout is E = ``election_timeout_ms`` / h ticks;
    * the followers last heard the leader's heartbeat (sent every tick) at −v·h, v ~ U(0, 1):
      the fault falls at a uniform phase of the leader's ticks; each heartbeat sets a
      follower's ``electionElapsed`` to 0;
    * a follower campaigns at the tick where ``electionElapsed`` reaches its
      ``randomizedElectionTimeout`` r, uniform over {E, …, 2E − 1} (``E + rand.Intn(E)``,
      redrawn at every term change); it becomes candidate of term + 1, votes for itself and
      asks every other live member; a new draw of r starts its next round;
    * CheckQuorum (etcd sets ``CheckQuorum: true``): a member that still knows a leader and
      whose ``electionElapsed`` < E ignores a vote request of a higher term (raft's leader
      lease, logged "lease is not expired") — it neither votes nor moves to the new term;
      otherwise it moves to the term and grants the first request of that term (it has then
      voted; a later candidate of the same term is rejected); PreVote is off (etcd 3.4's
      default);
    * every message takes an exponential time of mean ``hop_ms`` (the sender persists term
      and vote with an fsync, then the packet crosses loopback; measured on etcd 3.4 here:
      "became candidate" → "became leader", two hops, median 3–10 ms with a long tail); a
      candidate with votes from a majority of all ``n`` members becomes leader at the
      vote's arrival.  Two members whose timers fire within a hop of each other split the
      vote (each votes for itself) and try again after new timeouts.

    With CheckQuorum the first candidate is ignored by a member whose own ticks lag its own
    — for n = 3 this happens exactly when the first candidate drew r = E and its tick phase
    is the earlier one: probability 2 · (1/E) · (1/2) = 1/E (10 % at E = 10), and then no
    one leads before another randomized timeout, after 2E ticks or more (the etcd tail).
    Without it (``check_quorum=False``), n = 3: the first timer W = (u + r − 1)·h is uniform
    on [(E − 1)h, (2E − 1)h) per follower, and the leader comes at min(W₁, W₂) − v·h + 2·hop.

    Worked case: n = 3, h = 50, E = 10, hop → 0, no CheckQuorum: mean
    (E − 1 + E/3 − 1/2)·h = 591.7 ms; with CheckQuorum ~10 % of trials take over 2E·h = 1 s.
    ``max_rounds`` bounds the campaigns per trial (a trial beyond it is NaN).  With
    ``detail=True`` the result is a (trials, 3) array: time, campaigns, vote requests ignored
    under the lease (the counts the testbed reads from etcd's log as ``campaigns`` and
    ``lease_ignored``).
    """
    n = check_int("n", n, 3, 99)
    # etcd refuses an election timeout above 50 s (maxElectionMs); the tick count bounds the loop
    heartbeat_ms = check_real("heartbeat_ms", heartbeat_ms, 0.0, MAX_ELECTION_MS, lo_open=True)
    election_timeout_ms = check_real("election_timeout_ms", election_timeout_ms, 0.0, MAX_ELECTION_MS,
                                     lo_open=True)
    if election_timeout_ms < heartbeat_ms:
        raise invalid("election_timeout_ms", election_timeout_ms, f"≥ heartbeat_ms = {heartbeat_ms}")
    if election_timeout_ms / heartbeat_ms >= MAX_TICKS + 1:  # before int(): the ratio may be inf
        raise invalid("heartbeat_ms", heartbeat_ms,
                      f"≥ election_timeout_ms / {MAX_TICKS} = {election_timeout_ms / MAX_TICKS} "
                      f"(at most {MAX_TICKS} ticks to an election)")
    e_ticks = int(election_timeout_ms // heartbeat_ms)
    hop_ms = check_real("hop_ms", hop_ms, 0.0, MAX_ELECTION_MS)
    check_quorum = check_bool("check_quorum", check_quorum)
    detail = check_bool("detail", detail)
    trials = check_int("trials", trials, 1)
    max_rounds = check_int("max_rounds", max_rounds, 1, 10_000)
    rng = as_generator(seed)
    out = np.empty((trials, 3))
    for k in range(trials):
        out[k] = _one(rng, n, float(heartbeat_ms), e_ticks, bool(check_quorum), float(hop_ms), max_rounds)
    return out if detail else out[:, 0].copy()


def _hop(rng: np.random.Generator, mean_ms: float) -> float:
    """One message's delay: exponential with mean ``mean_ms`` (0 when the mean is 0)."""
    return float(rng.exponential(mean_ms)) if mean_ms > 0 else 0.0


def _one(rng: np.random.Generator, n: int, h: float, e: int, check_quorum: bool, hop: float,
         max_rounds: int) -> tuple[float, int, int]:
    """One failover: event-driven ticks and messages among the n − 1 live members."""
    m = n - 1
    majority = n // 2 + 1
    last_hb = -rng.uniform(0.0, 1.0) * h
    first_tick = last_hb + rng.uniform(0.0, 1.0, size=m) * h
    term = [0] * m
    vote: list[int | None] = [None] * m
    knows_leader = [True] * m
    elapsed = [0] * m
    timeout = [int(x) for x in rng.integers(e, 2 * e, size=m)]
    role = ["follower"] * m
    granted: list[set[int]] = [set() for _ in range(m)]
    rejected: list[set[int]] = [set() for _ in range(m)]
    # events: (time, seq, kind, node, payload)
    ev: list[tuple[float, int, str, int, tuple[int, ...]]] = []
    seq = 0
    for i in range(m):
        ev.append((float(first_tick[i]), seq, "tick", i, ()))
        seq += 1
    heapq.heapify(ev)
    campaigns = ignored = 0
    while ev:
        t, _, kind, i, pay = heapq.heappop(ev)
        if kind == "tick":
            heapq.heappush(ev, (t + h, seq, "tick", i, ()))
            seq += 1
            elapsed[i] += 1
            if role[i] != "leader" and elapsed[i] >= timeout[i]:
                campaigns += 1
                if campaigns > max_rounds:
                    return float("nan"), campaigns - 1, ignored
                term[i] += 1
                role[i], vote[i], knows_leader[i] = "candidate", i, False
                elapsed[i] = 0
                timeout[i] = int(rng.integers(e, 2 * e))
                granted[i], rejected[i] = {i}, set()
                for j in range(m):
                    if j != i:
                        heapq.heappush(ev, (t + _hop(rng, hop), seq, "vote", j, (i, term[i])))
                        seq += 1
        elif kind == "vote":
            cand, t_req = pay
            if t_req > term[i]:
                if check_quorum and knows_leader[i] and elapsed[i] < e:
                    ignored += 1
                    continue  # lease not expired: ignored, no term change
                term[i], role[i], vote[i], knows_leader[i] = t_req, "follower", None, False
                elapsed[i] = 0
                timeout[i] = int(rng.integers(e, 2 * e))
            if t_req == term[i]:
                grant = role[i] == "follower" and vote[i] in (None, cand)
                if grant:
                    vote[i] = cand
                    elapsed[i] = 0
                heapq.heappush(ev, (t + _hop(rng, hop), seq, "resp", cand, (i, t_req, int(grant))))
                seq += 1
        elif kind == "resp":
            voter, t_resp, granted_flag = pay
            if role[i] == "candidate" and term[i] == t_resp:
                (granted if granted_flag else rejected)[i].add(voter)
                if len(granted[i]) >= majority:
                    return t, campaigns, ignored
                if n - len(rejected[i]) < majority:  # VoteLost: back to follower, timer reset
                    role[i] = "follower"
                    elapsed[i] = 0
                    timeout[i] = int(rng.integers(e, 2 * e))
    return float("nan"), campaigns, ignored  # pragma: no cover - the tick events never run out
