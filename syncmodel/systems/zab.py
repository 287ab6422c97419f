"""ZooKeeper's Fast Leader Election order: the vote with the highest (epoch, zxid, server id) wins.

:func:`vote_greater` is FastLeaderElection's comparison; :func:`fast_leader_election`
plays the notification exchange in a seeded random delivery order until a quorum agrees.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import invalid
from ..rng import Seed, as_generator

__all__ = ["FLEResult", "Vote", "fast_leader_election", "vote_greater"]


@dataclass(frozen=True, order=True)
class Vote:
    """A server's state as FLE compares it: (peer epoch, last zxid, server id)."""

    epoch: int
    zxid: int
    sid: int


def vote_greater(new: Vote, cur: Vote) -> bool:
    """FLE's total order: new > cur by epoch, then zxid, then server id.

    new wins when new.epoch > cur.epoch, or equal epochs and new.zxid > cur.zxid,
    or equal epochs and zxids and new.sid > cur.sid (lexicographic order).
    Worked case: (1, 7, 1) beats (1, 5, 3): a longer log beats a higher id.
    """
    for name, v in (("new", new), ("cur", cur)):
        if not isinstance(v, Vote):
            raise invalid(name, v, "a Vote(epoch, zxid, sid)")
    return _vote_greater(new, cur)


def _vote_greater(new: Vote, cur: Vote) -> bool:
    """:func:`vote_greater` without the checks (the election loop's votes are Votes)."""
    if new.epoch != cur.epoch:
        return new.epoch > cur.epoch
    if new.zxid != cur.zxid:
        return new.zxid > cur.zxid
    return new.sid > cur.sid


@dataclass(frozen=True)
class FLEResult:
    """Outcome of one election: the leader's sid, its vote, notifications delivered."""

    leader: int
    vote: Vote
    notifications: int


def fast_leader_election(servers: Sequence[tuple[int, int, int]], live: Sequence[int] | None = None,
                         seed: Seed = None) -> FLEResult:
    """Run FLE's notification exchange among the live servers in a random order.

    Each live server starts voting for itself and sends its vote to every other
    live server; a server that receives a vote greater than its own (by
    :func:`vote_greater`) adopts it and sends it on.  Deliveries happen one at a
    time in a seeded random order until no message is in flight; the leader is the
    vote every live server then holds, provided the live servers are a majority.
    ``servers`` lists (epoch, zxid, sid) per server; ``live`` the indices that run.
    Worked case: servers (1, 5, 1), (1, 7, 2), (1, 7, 3) elect sid 3 — any order.
    """
    if isinstance(servers, (str, bytes)) or not isinstance(servers, Iterable) or not servers:
        raise invalid("servers", servers, "a non-empty list of (epoch, zxid, sid)")
    votes: list[Vote] = []
    for s in servers:
        if (not isinstance(s, Sequence) or len(s) != 3
                or not all(isinstance(x, numbers.Integral) and not isinstance(x, bool) and x >= 0
                           for x in s)):
            raise invalid("servers", s, "(epoch, zxid, sid) triples of ints ≥ 0")
        votes.append(Vote(int(s[0]), int(s[1]), int(s[2])))
    if len({v.sid for v in votes}) != len(votes):
        raise invalid("servers", list(servers), "distinct server ids")
    if live is None:
        alive = list(range(len(votes)))
    else:
        expected = f"indices in [0, {len(votes) - 1}]"
        if isinstance(live, (str, bytes)) or not isinstance(live, Iterable):
            raise invalid("live", live, expected)
        ids = list(live)
        if any(not isinstance(i, numbers.Integral) or isinstance(i, bool) or not 0 <= i < len(votes)
               for i in ids):
            raise invalid("live", live, expected)
        alive = sorted(set(ids))
    if 2 * len(alive) <= len(votes):
        raise invalid("live", live, f"a majority of the {len(votes)} servers (no quorum otherwise)")
    rng = as_generator(seed)
    cur = {i: votes[i] for i in alive}
    inflight: list[tuple[int, Vote]] = [(j, cur[i]) for i in alive for j in alive if j != i]
    delivered = 0
    while inflight:
        k = int(rng.integers(len(inflight)))
        inflight[k], inflight[-1] = inflight[-1], inflight[k]
        dst, vote = inflight.pop()
        delivered += 1
        if _vote_greater(vote, cur[dst]):
            cur[dst] = vote
            inflight.extend((j, vote) for j in alive if j != dst)
    final = {cur[i] for i in alive}
    if len(final) != 1:  # pragma: no cover - the exchange always converges to the maximum
        raise RuntimeError(f"FLE did not converge: {final}")
    (v,) = final
    return FLEResult(leader=v.sid, vote=v, notifications=delivered)
