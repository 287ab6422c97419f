"""ZooKeeper's leader failover as its stages: detection (a broken connection, or syncLimit ·
tickTime of silence), Fast Leader Election (finalizeWait, sometimes an empty notification round)
and the follower's sync (connect retries of leaderConnectDelayDuringRetryMs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import check_bool, check_choice, check_real, invalid
from ..rng import Seed, as_generator

__all__ = ["CONNECT_RETRY_MS", "FINALIZE_WAIT_MS", "ZAB_RACES_MEASURED", "ZabRaces", "zab_failover"]


#: FastLeaderElection.finalizeWait: once a vote has a quorum, wait this long for a better one;
#: it is also the first notification timeout (minNotificationInterval), doubled on each empty poll
FINALIZE_WAIT_MS = 200.0
#: Learner's leaderConnectDelayDuringRetryMs (default 100): a follower whose connection to the
#: new leader is refused sleeps this long before it tries again
CONNECT_RETRY_MS = 100.0


@dataclass(frozen=True)
class ZabRaces:
    """What the ZooKeeper failover model takes from the servers' logs instead of the source:
    how often two races go the slow way, and the processing time around them.

    ``notice_ms``: a follower's LOOKING after its leader connection broke (crash) or timed
    out (pause); ``vote_ms``: FLE's own exchange, LOOKING to the decision beyond the waits;
    ``p_lost_round``: share of failovers whose first FLE poll stayed empty for a whole
    notification timeout (both servers log "Notification time out"); ``retries``:
    probabilities of 0, 1, 2, … refused connections of the follower to the new leader
    (Learner logs "tries="); ``sync_ms``: median of the rest of the sync (FOLLOWERINFO →
    NEWLEADER ACK, "Have quorum of supporters"), spread exponentially around it.

    What the full logs (FastLeaderElection and Learner at INFO) show the races to be: the
    **lost round** happens when the survivor that will win (higher sid) goes LOOKING first —
    its vote reaches the other while that one still FOLLOWs, which answers with its old
    vote and, once LOOKING itself, never gets the winning vote again until its empty poll
    times out and it resends; the **connect retry** happens because the follower reaches
    the quorum one message before the leader, decides finalizeWait later, and connects
    before the leader has opened its port.  Their rates depend on how far apart the two
    followers notice the failure, which these logs do not time finely enough to model.
    """

    notice_ms: float
    p_lost_round: float
    retries: tuple[float, ...]
    sync_ms: float
    vote_ms: float = 0.0


def zab_failover(tick_ms: float = 2000.0, sync_limit: int = 5, *, fault: str = "silent",
                 races: ZabRaces | None = None, finalize_wait_ms: float = FINALIZE_WAIT_MS,
                 retry_ms: float = CONNECT_RETRY_MS, trials: int = 200, seed: Seed = None,
                 stages: bool = False) -> np.ndarray:
    """Samples (ms after the leader fails) until the new ZooKeeper leader has a synced quorum.

    Stages (ZooKeeper 3.8 ``Learner``, ``Leader``, ``FastLeaderElection``):

    1. **LOOKING**: after a crash the follower's read of the leader socket fails at once;
       after a pause (or a silent host) it times out after S = syncLimit · tickTime with
       nothing read (the Learner's socket timeout), and the leader pings every tickTime/2,
       so the last packet came U(0, tickTime/2) before the fault: L = S − U(0, tick/2);
       plus the follower's own ``notice_ms``.
    2. **FLE**: the survivors exchange votes; the highest (epoch, zxid, sid) gets a quorum and
       each server waits ``finalize_wait_ms`` for a better vote before it decides.  With
       probability ``p_lost_round`` the first poll stays empty for one notification timeout
       (= finalizeWait) before the votes meet: FLE = finalizeWait · (1 + B) + ``vote_ms``,
       B ~ Bernoulli.
    3. **sync**: the follower connects to the new leader; each refused attempt (the leader
       is not listening yet) costs ``retry_ms`` (``leaderConnectDelayDuringRetryMs``); K
       retries with the measured probabilities ``retries``; then the epoch/NEWLEADER
       exchange, Exp with median ``sync_ms``.

    Downtime = L + FLE + K · retry + sync.  ``races`` default: :data:`ZAB_RACES_MEASURED` for
    the fault ("silent" is a pause: no connection breaks).
    With ``stages=True`` a (trials, 4) array: LOOKING, decided (L + FLE), synced quorum, and
    the same end again for symmetry with the testbed's columns (looking_ms, decided_ms,
    quorum_ms, server_ms).
    Worked case: crash, no lost round, no retry, sync 0: 200 ms + notice; a pause with tick
    200 ms and syncLimit 5 adds 1000 − U(0, 100) ms.
    """
    from ..errors import check_int

    fault = check_choice("fault", fault, ("silent", "crash", "pause"))
    stages = check_bool("stages", stages)
    r = ZAB_RACES_MEASURED["crash" if fault == "crash" else "pause"] if races is None else races
    if not isinstance(r, ZabRaces):
        raise invalid("races", races, "a ZabRaces")
    tick_ms = check_real("tick_ms", tick_ms, 0.0, lo_open=True)  # ZooKeeper's tickTime is > 0
    finalize_wait_ms = check_real("finalize_wait_ms", finalize_wait_ms, 0.0)
    retry_ms = check_real("retry_ms", retry_ms, 0.0)
    sync_limit = check_int("sync_limit", sync_limit, 1)
    probs = np.asarray(r.retries, dtype=float)
    if probs.size == 0 or (probs < 0).any() or not np.isclose(probs.sum(), 1.0):
        raise invalid("races.retries", r.retries, "probabilities of 0, 1, 2, … retries summing to 1")
    if not 0.0 <= r.p_lost_round <= 1.0:
        raise invalid("races.p_lost_round", r.p_lost_round, "a probability in [0, 1]")
    trials = check_int("trials", trials, 1)
    rng = as_generator(seed)
    if fault == "crash":
        look = np.full(trials, r.notice_ms)
    else:
        s = float(sync_limit) * float(tick_ms)
        look = s - rng.uniform(0.0, float(tick_ms) / 2, size=trials) + r.notice_ms
    fle = float(finalize_wait_ms) * (1.0 + (rng.uniform(size=trials) < r.p_lost_round)) + r.vote_ms
    k = rng.choice(probs.size, size=trials, p=probs / probs.sum())
    sync = k * float(retry_ms) + rng.exponential(r.sync_ms / np.log(2.0), size=trials)
    decided = look + fle
    end = decided + sync
    if stages:
        return np.column_stack([look, decided, end, end])
    return end


#: measured on ZooKeeper 3.8 here (tick 200 ms, syncLimit 5; 104 crash and 104 pause failovers of
#: data/measured/zookeeper_failover.csv, load average ~13 on 2 cores), per fault: medians of the
#: logs' LOOKING, decision and quorum times, the shares of trials with "Notification time out" and
#: with 0, 1, 2 "tries=" lines.  Not derived from the source: see notebook 08.
ZAB_RACES_MEASURED: dict[str, ZabRaces] = {
    "crash": ZabRaces(notice_ms=11.8, vote_ms=27.5, p_lost_round=0.231, retries=(0.087, 0.865, 0.048),
                      sync_ms=89.5),
    "pause": ZabRaces(notice_ms=3.0, vote_ms=14.5, p_lost_round=0.365, retries=(0.587, 0.413), sync_ms=41.5),
}
