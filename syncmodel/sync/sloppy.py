"""Sloppy quorums with hinted handoff (Dynamo), beside strict N/R/W quorums on a ring.

Closed-form availability of both, the exact probability that a read misses the latest write
when node states change in between (a dynamic programme along the ring), and a seeded Monte
Carlo over crash/recover schedules that also counts hints created, handed off and missed.

Source (facts only): DeCandia et al., "Dynamo: Amazon's Highly Available Key-value Store",
SOSP 2007, §4.6 "Handling Failures: Hinted Handoff": operations go to the first healthy nodes
of a key's preference list walking the ring, so a write can be acknowledged by nodes outside
the key's N home nodes; such a fallback keeps the replica with a hint naming the intended
home node, in a separate local store, and sends it to that node once it has recovered, after
which it may delete its copy.  The hint window is Cassandra's ``max_hint_window`` as in
:func:`syncmodel.systems.hinted_handoff_missed`: a fallback stores a hint only while
the home node has been down for less than the window; later writes are not hinted.

Model and assumptions:

* A ring of M nodes 0..M−1.  A key sits at ring position ``position``; its home nodes are the
  N nodes position, position+1, …; the other M − N nodes, in ring order after them, are its
  fallbacks.  Node i is down with probability p_i, independently of the others.
* Strict quorum: a write (read) succeeds iff at least W (R) of the N home nodes are up; it is
  stored on (read from) the first W (R) up home nodes in ring order.
* Sloppy quorum: a write (read) succeeds iff at least W (R) of all M nodes are up; it is
  stored on (read from) the first W (R) up nodes walking the ring from the key's position,
  home nodes first.  The j-th fallback used holds a hint for the j-th down home node.
* ``write_to="n"``: a write is stored on the first N up nodes instead of the first W (Dynamo
  sends to the first N healthy nodes and waits for W acks; with no latencies every up node of
  those N stores it).  ``"w"`` (the default) stores on exactly W, the worst case, as PBS does.
* Nodes crash and recover without losing data; no read repair, no anti-entropy.
"""

from __future__ import annotations

import heapq
import math
import numbers
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import (
    check_bool,
    check_choice,
    check_collection,
    check_int,
    check_probability,
    check_real,
    invalid,
    too_big,
)
from ..rng import Seed, as_generator, spawn

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "SloppyRun",
    "StaleRead",
    "random_outages",
    "read_availability",
    "simulate",
    "simulate_handoff",
    "stale_read",
    "stale_read_probability",
    "unavailability",
    "write_availability",
]

WRITE_TO = ("w", "n")


# ----------------------------------------------------------------------------- validation
def _check_ring(n: Any, m: Any) -> tuple[int, int]:
    n = check_int("n", n, 1)
    return n, check_int("m", m, n)


def _probs(p: Any, m: int) -> list[float]:
    """``p`` as one down-probability per ring node (a float, or a sequence of length ``m``)."""
    if isinstance(p, numbers.Real) and not isinstance(p, bool):
        return [check_probability("p", p)] * m
    if isinstance(p, (str, bytes)) or not isinstance(p, (Sequence, np.ndarray)):
        raise invalid("p", p, f"a probability or a sequence of {m} probabilities")
    vals = check_collection("p", p, "a probability or a sequence of them")
    if len(vals) != m:
        raise invalid("p", p, f"a probability or a sequence of {m} probabilities (one per ring node)")
    return [check_probability("p", v) for v in vals]


#: random_outages refuses schedules with more up/down periods than this (a runaway loop)
MAX_OUTAGE_EVENTS = 10**7


def _ring(n: int, m: int, position: Any) -> list[int]:
    """Ring order from the key's position: the N home nodes first, then the fallbacks."""
    pos = check_int("position", position, 0, m - 1)
    return [(pos + j) % m for j in range(m)]


# ----------------------------------------------------------------------------- 1. availability
def unavailability(n: int, q: int, m: int, p: float | Sequence[float], *, sloppy: bool = True,
                   position: int = 0) -> float:
    """P(an operation needing ``q`` replicas cannot succeed): 1 − availability, kept precise.

    Strict: P(fewer than q of the N home nodes are up); sloppy: P(fewer than q of all M nodes
    are up).  Both are Poisson-binomial tails, computed by
    :func:`syncmodel.failure.failure_probability` of ``choose(q, nodes)``.  ``p``: one
    down-probability for every node, or a sequence of M in ring order (node 0 first).
    ``q`` is a quorum size, as in :func:`syncmodel.quorum.flexible` (the vocabulary's
    meaning; an up-probability is written 1 − p).

    Worked case: N = 3, q = 2, M = 5, p = 0.1: strict 0.028, sloppy 0.1⁵ + 5·0.9·0.1⁴ = 0.00046.

    >>> round(unavailability(3, 2, 5, 0.1, sloppy=False), 6), round(unavailability(3, 2, 5, 0.1), 6)
    (0.028, 0.00046)
    """
    from .. import failure
    from ..structure import choose

    n, m = _check_ring(n, m)
    q = check_int("q", q, 1, n)
    probs = _probs(p, m)
    check_bool("sloppy", sloppy)
    members = _ring(n, m, position)[: (m if sloppy else n)]
    return failure.failure_probability(choose(q, members), {i: probs[i] for i in members})


def write_availability(n: int, w: int, m: int, p: float | Sequence[float], *, sloppy: bool = True,
                       position: int = 0) -> float:
    """P(a write can be acknowledged by W replicas), with independent node down-probabilities p.

    Strict: P(≥ W of the N home nodes up) = Σ_{j≥W} P(exactly j home nodes up) (Poisson-binomial;
    binomial C(N, j)(1−p)^j p^(N−j) for one p).  Sloppy: P(≥ W of all M nodes up), since the
    write walks past down home nodes to fallbacks.  Assumptions: see the module docstring.

    Worked case: N = 3, W = 2, M = 5, p = 0.1: strict 3·0.9²·0.1 + 0.9³ = 0.972; sloppy
    1 − 0.1⁵ − 5·0.9·0.1⁴ = 0.99954.

    >>> round(write_availability(3, 2, 5, 0.1, sloppy=False), 6), round(write_availability(3, 2, 5, 0.1), 6)
    (0.972, 0.99954)
    """
    n, m = _check_ring(n, m)
    w = check_int("w", w, 1, n)
    return 1.0 - unavailability(n, w, m, p, sloppy=sloppy, position=position)


def read_availability(n: int, r: int, m: int, p: float | Sequence[float], *, sloppy: bool = True,
                      position: int = 0) -> float:
    """P(a read can collect R replies): as :func:`write_availability` with R in place of W.

    Strict: P(≥ R of the N home nodes up); sloppy: P(≥ R of all M nodes up).
    Worked case: N = 3, R = 1, M = 4, p = 0.5: strict 1 − 0.5³ = 0.875, sloppy 1 − 0.5⁴ = 0.9375.

    >>> read_availability(3, 1, 4, 0.5, sloppy=False), read_availability(3, 1, 4, 0.5)
    (0.875, 0.9375)
    """
    n, m = _check_ring(n, m)
    r = check_int("r", r, 1, n)
    return 1.0 - unavailability(n, r, m, p, sloppy=sloppy, position=position)


# ----------------------------------------------------------------------------- 2. stale reads
@dataclass(frozen=True)
class StaleRead:
    """Outcome probabilities of one write followed by one read of the same key.

    ``write_ok``, ``read_ok``: each succeeds; ``both_ok``: both do; ``stale``: both succeed and
    the read set misses every replica of the write (joint); ``float(x)`` and ``conditional``:
    P(stale | both succeed) (NaN when both can never succeed).
    """

    write_ok: float
    read_ok: float
    both_ok: float
    stale: float

    @property
    def conditional(self) -> float:
        return self.stale / self.both_ok if self.both_ok > 0 else math.nan

    def __float__(self) -> float:
        return self.conditional


def stale_read(n: int, r: int, w: int, m: int, p: float | Sequence[float], *,
                           sloppy: bool = True, persist: float = 0.0, write_to: str = "w",
                           position: int = 0) -> StaleRead:
    """P(a read misses the latest write) when node states change between the write and the read.

    Node i is down at the write with probability p_i; at the read it keeps its state with
    probability ``persist`` and is otherwise drawn afresh (down with p_i), independently of the
    other nodes; no hint is handed off in between (the home node recovered before handoff).
    The write lands on the first W (``write_to="n"``: N) up nodes along the ring (home nodes
    only when strict), the read asks the first R up nodes; the read is stale iff both succeed
    and the two sets are disjoint.

    Exact, by a dynamic programme along the walk: the state after k nodes is (replicas written
    so far, replicas read so far, whether a node was in both), each capped at its quorum; node
    k's joint (write-time, read-time) state has probabilities
    P(up, up) = q_k(s + (1−s)q_k), P(up, down) = P(down, up) = q_k(1−s)p_k,
    P(down, down) = p_k(s + (1−s)p_k), with q_k = 1 − p_k, s = ``persist``.  O(M·W·R).

    Strict quorums with R + W > N are never stale (both sets lie in the N home nodes); sloppy
    ones are, once the write and the read see different nodes up; ``persist = 1`` (no change)
    gives 0 for both, since the two walks start at the same node over the same up nodes.

    Worked case: N = 3, R = W = 2, M = 5, p = 0.1, persist 0, sloppy: P(stale and both ok)
    = 0.018974412, P(both ok) = 0.99908021, so P(stale | both ok) = 0.0189919…; the two
    largest terms are a write on {0, 1} read while both are down (0.81·0.01·0.972 = 0.00787)
    and a write on {2, 3} while 0, 1 were down, read from {0, 1} (0.01·0.81·0.81 = 0.00656).
    Strict: 0.  (The tests recompute it by enumerating all 4⁵ joint states.)

    >>> round(float(stale_read(3, 2, 2, 5, 0.1)), 6)
    0.018992
    """
    n, m = _check_ring(n, m)
    r = check_int("r", r, 1, n)
    w = check_int("w", w, 1, n)
    probs = _probs(p, m)
    s = check_probability("persist", persist)
    check_bool("sloppy", sloppy)
    cap_w = n if check_choice("write_to", write_to, WRITE_TO) == "n" else w
    walk = _ring(n, m, position)[: (m if sloppy else n)]
    dp: dict[tuple[int, int, bool], float] = {(0, 0, False): 1.0}
    for i in walk:
        pd = probs[i]
        qu = 1.0 - pd
        joint = ((True, True, qu * (s + (1 - s) * qu)), (True, False, qu * (1 - s) * pd),
                 (False, True, pd * (1 - s) * qu), (False, False, pd * (s + (1 - s) * pd)))
        nxt: dict[tuple[int, int, bool], float] = {}
        for (a, b, hit), pr in dp.items():
            for x, y, pj in joint:
                if pj == 0.0:
                    continue
                in_w = x and a < cap_w
                in_r = y and b < r
                key = (a + in_w, b + in_r, hit or (in_w and in_r))
                nxt[key] = nxt.get(key, 0.0) + pr * pj
        dp = nxt
    write_ok = sum(v for (a, _, _), v in dp.items() if a >= w)
    read_ok = sum(v for (_, b, _), v in dp.items() if b >= r)
    both = sum(v for (a, b, _), v in dp.items() if a >= w and b >= r)
    stale = sum(v for (a, b, hit), v in dp.items() if a >= w and b >= r and not hit)
    return StaleRead(write_ok, read_ok, both, stale)


# ----------------------------------------------------------------------------- 3. Monte Carlo
Outage = tuple[int, float, float]


def _nonneg(name: str, value: Any, allow_inf: bool = False) -> float:
    return check_real(name, value, 0.0, finite=not allow_inf)


def random_outages(m: int, p: float, mttr_ms: float, duration_ms: float, seed: Seed = None) -> list[Outage]:
    """Crash/recover schedules of ``m`` independent nodes over [0, duration): (node, start, end).

    Each node alternates up and down with exponential durations: mean down ``mttr_ms``, mean up
    mttr·(1 − p)/p, so its steady-state unavailability is p; its state at 0 is drawn from
    that steady state (down with probability p), and by memorylessness the residual times are
    exponential too, so at every instant each node is down with probability exactly p,
    independently of the other nodes.  p = 0: no outage; p = 1: down throughout.
    Worked case: ``random_outages(3, 0.0, 10, 100, seed=1)`` is ``[]``.

    >>> random_outages(3, 0.0, 10, 100, seed=1)
    []
    """
    m = check_int("m", m, 1)
    p = check_probability("p", p)
    mttr = _nonneg("mttr_ms", mttr_ms)
    if mttr == 0:
        raise invalid("mttr_ms", mttr_ms, "a finite number > 0")
    dur = _nonneg("duration_ms", duration_ms)
    rng = as_generator(seed)
    out: list[Outage] = []
    if p == 0.0:
        return out
    if p == 1.0:
        return [(j, 0.0, math.inf) for j in range(m)]
    mttf = mttr * (1 - p) / p
    # each node alternates up/down periods of mean mttf and mttr: ≈ dur / (mttr + mttf) cycles
    events = 2.0 * m * (dur / (mttr + mttf) + 1.0)
    if not events <= MAX_OUTAGE_EVENTS:  # mttr_ms = 5e-324 looped for ever
        raise too_big(f"random_outages(m={m}, p={p}, mttr_ms={mttr_ms!r}, duration_ms={duration_ms!r})",
                      f"about {events:.3g} up/down periods (at most {MAX_OUTAGE_EVENTS:.0e})",
                      "use a longer mttr_ms, a shorter duration_ms or fewer nodes")
    for j in range(m):
        t = 0.0
        down = bool(rng.random() < p)
        while t < dur:
            d = float(rng.exponential(mttr if down else mttf))
            if down:
                out.append((j, t, t + d))
            t += d
            down = not down
    return out


def _intervals(outages: Any, m: int) -> list[tuple[list[float], list[float]]]:
    """Per node: sorted, merged down intervals [start, end) as (starts, ends)."""
    if isinstance(outages, (str, bytes)) or not isinstance(outages, (Sequence, np.ndarray)):
        raise invalid("outages", outages, "a sequence of (node, start_ms, end_ms)")
    per: list[list[tuple[float, float]]] = [[] for _ in range(m)]
    for o in outages:
        if not (isinstance(o, (tuple, list)) and len(o) == 3):
            raise invalid("outages", o, "(node, start_ms, end_ms) triples")
        node = check_int("outage node", o[0], 0, m - 1)
        start = _nonneg("outage start_ms", o[1])
        end = _nonneg("outage end_ms", o[2], allow_inf=True)
        if end <= start:
            raise invalid("outage end_ms", o[2], f"> its start {start!r}")
        per[node].append((start, end))
    res = []
    for ivs in per:
        starts: list[float] = []
        ends: list[float] = []
        for a, b in sorted(ivs):
            if starts and a <= ends[-1]:
                ends[-1] = max(ends[-1], b)
            else:
                starts.append(a)
                ends.append(b)
        res.append((starts, ends))
    return res


def _down_interval(iv: tuple[list[float], list[float]], t: float) -> int:
    """Index of the down interval containing t, or −1."""
    k = bisect_right(iv[0], t) - 1
    return k if k >= 0 and t < iv[1][k] else -1


def _both_up_from(ivs: list[tuple[list[float], list[float]]], a: int, b: int, t: float) -> float:
    """The earliest time ≥ t at which nodes a and b are both up (inf if never)."""
    while math.isfinite(t):
        ka = _down_interval(ivs[a], t)
        if ka >= 0:
            t = ivs[a][1][ka]
            continue
        kb = _down_interval(ivs[b], t)
        if kb >= 0:
            t = ivs[b][1][kb]
            continue
        return t
    return math.inf


COUNTERS = ("writes", "strict_writes_ok", "sloppy_writes_ok", "reads", "strict_reads_ok",
            "sloppy_reads_ok", "strict_reads_checked", "strict_stale", "sloppy_reads_checked",
            "sloppy_stale", "hints_created", "hints_delivered", "hints_missed", "hints_pending")

#: the fractions :meth:`SloppyRun.estimate` knows, as (numerator, denominator) counters
FRACTIONS = {
    "strict_write_availability": ("strict_writes_ok", "writes"),
    "sloppy_write_availability": ("sloppy_writes_ok", "writes"),
    "strict_read_availability": ("strict_reads_ok", "reads"),
    "sloppy_read_availability": ("sloppy_reads_ok", "reads"),
    "strict_stale_reads": ("strict_stale", "strict_reads_checked"),
    "sloppy_stale_reads": ("sloppy_stale", "sloppy_reads_checked"),
    "hints_missed_fraction": ("hints_missed", "fallback_writes"),
}


@dataclass
class SloppyRun:
    """Counters of :func:`simulate_handoff`, one entry per run (``counts[name][i]``), and their seeds.

    ``strict_reads_checked`` / ``sloppy_reads_checked``: successful reads of a key that already
    had an acknowledged write in that store; ``*_stale``: those whose read set held no replica
    of the key's latest acknowledged write.  Hints: ``hints_created`` (stored within the hint
    window), ``hints_delivered`` (handed off to the recovered home node within the run),
    ``hints_pending`` (created, not delivered by the end), ``hints_missed`` (fallback writes
    made after the home node had been down for the whole window: never handed off).
    """

    counts: dict[str, np.ndarray]
    seeds: list[int] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """One row per run: its seed and every counter."""
        import pandas as pd

        return pd.DataFrame({"seed": self.seeds, **{k: v for k, v in self.counts.items()}})

    def total(self, name: str) -> int:
        if name == "fallback_writes":
            return self.total("hints_created") + self.total("hints_missed")
        if name not in self.counts:
            raise invalid("name", name, f"one of {list(self.counts)}")
        return int(self.counts[name].sum())

    def estimate(self, name: str, z: float = 1.96) -> tuple[float, float, float]:
        """(pooled fraction, lo, hi) for a name of :data:`FRACTIONS`.

        The interval is the pooled fraction ± z·(standard deviation of the per-run fractions)/√runs:
        operations within a run share one failure schedule and are not independent, the runs
        are; clipped to [0, 1].  NaN bounds with one run; NaN throughout when the denominator is 0.
        """
        if name not in FRACTIONS:
            raise invalid("name", name, f"one of {list(FRACTIONS)}")
        num, den = FRACTIONS[name]
        if den == "fallback_writes":
            d = self.counts["hints_created"] + self.counts["hints_missed"]
        else:
            d = self.counts[den]
        x = self.counts[num]
        if d.sum() == 0:
            return math.nan, math.nan, math.nan
        pooled = float(x.sum() / d.sum())
        ok = d > 0
        if ok.sum() < 2:
            return pooled, math.nan, math.nan
        per = x[ok] / d[ok]
        half = z * float(np.std(per, ddof=1)) / math.sqrt(int(ok.sum()))
        return pooled, max(0.0, pooled - half), min(1.0, pooled + half)


def simulate_handoff(n: int, r: int, w: int, m: int, *, p: float = 0.05, mttr_ms: float = 1000.0,
                     duration_ms: float = 60_000.0, ops: int = 20_000, read_fraction: float = 0.5,
                     keys: int = 32, hint_window_ms: float = math.inf, write_to: str = "w",
                     outages: Sequence[Outage] | None = None, runs: int = 1, seed: Seed = None
                     ) -> SloppyRun:
    """Strict and sloppy quorum stores side by side on the same crash/recover schedule.

    Per run: the failure schedule is ``outages`` ((node, start_ms, end_ms) triples; down on
    [start, end)) or, when None, :func:`random_outages` with ``p`` and ``mttr_ms``; ``ops``
    operations at uniform random times in [0, duration), round(ops·read_fraction) of them
    reads, each on a uniform key of ``keys``, each key at a uniform ring position.  Both
    stores see the same operations.  Writes and reads follow the rules of the module
    docstring.  Sloppy writes that use a fallback for down home node h at time t store a hint
    iff t − (start of h's outage) < ``hint_window_ms`` (Cassandra's rule; 0 turns hints
    off); a hint is handed off at the first time ≥ h's recovery when h and the fallback are
    both up, and the fallback then drops its copy.  Strict stores keep no hints.
    Operations are instantaneous; no read repair or anti-entropy.

    Every operation sees each node down with probability exactly p (random schedules), so the
    expected fraction of accepted writes is :func:`write_availability`; operations in one run
    share a schedule, so intervals come from the spread across ``runs`` (see
    :meth:`SloppyRun.estimate`).  Same seed, same numbers.

    Worked case: N = 3, R = W = 2, M = 5, p = 0.1, mttr 1 s, 20 runs of 2000 operations over
    60 s, seed 1: writes accepted 0.99975 sloppy, 0.9761 strict (95 % interval 0.967..0.985;
    closed forms 0.99954, 0.972); 95 of 19358 sloppy reads stale, 0 of 18854 strict.
    """
    n, m = _check_ring(n, m)
    r = check_int("r", r, 1, n)
    w = check_int("w", w, 1, n)
    p = check_probability("p", p)
    dur = _nonneg("duration_ms", duration_ms)
    if dur == 0:
        raise invalid("duration_ms", duration_ms, "a finite number > 0")
    ops = check_int("ops", ops, 1)
    rf = check_probability("read_fraction", read_fraction)
    keys = check_int("keys", keys, 1)
    window = _nonneg("hint_window_ms", hint_window_ms, allow_inf=True)
    cap_w = n if check_choice("write_to", write_to, WRITE_TO) == "n" else w
    runs = check_int("runs", runs, 1)
    fixed = None if outages is None else _intervals(outages, m)
    if outages is None:
        _nonneg("mttr_ms", mttr_ms)
    counts = {c: np.zeros(runs, dtype=np.int64) for c in COUNTERS}
    children = spawn(seed, runs)
    seeds = [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]
    for i, s in enumerate(seeds):
        rng = as_generator(s)
        ivs = fixed if fixed is not None else _intervals(
            random_outages(m, p, mttr_ms, dur, seed=rng), m)
        res = _one_run(n, r, w, m, cap_w, ivs, dur, ops, rf, keys, window, rng)
        for c in COUNTERS:
            counts[c][i] = res[c]
    return SloppyRun(counts, seeds)


def _one_run(n: int, r: int, w: int, m: int, cap_w: int, ivs: list[tuple[list[float], list[float]]],
             dur: float, ops: int, rf: float, keys: int, window: float,
             rng: np.random.Generator) -> dict[str, int]:
    times = np.sort(rng.random(ops) * dur)
    is_read = np.zeros(ops, dtype=bool)
    is_read[: round(ops * rf)] = True
    rng.shuffle(is_read)
    key_of = rng.integers(0, keys, ops)
    pos_of = rng.integers(0, m, keys)
    # up[t][j]: node j up at operation t (vectorized over the schedule)
    up = np.ones((ops, m), dtype=bool)
    for j, (starts, ends) in enumerate(ivs):
        if starts:
            k = np.searchsorted(np.asarray(starts), times, side="right") - 1
            e = np.asarray(ends)[np.maximum(k, 0)]
            up[:, j] = ~((k >= 0) & (times < e))
    rings = [[(pos + j) % m for j in range(m)] for pos in range(m)]
    c = dict.fromkeys(COUNTERS, 0)
    strict_latest: dict[int, int] = {}  # key -> bitmask of replicas of its latest write
    sloppy_latest: dict[int, tuple[int, int]] = {}  # key -> (version, bitmask)
    version = 0
    heap: list[tuple[float, int, int, int, int, int]] = []  # (time, seq, key, version, fallback, home)
    seq = 0
    for t, rd, key, row in zip(times.tolist(), is_read.tolist(), key_of.tolist(), up.tolist(), strict=True):
        while heap and heap[0][0] <= t:
            _, _, hk, hv, f, h = heapq.heappop(heap)
            c["hints_delivered"] += 1
            cur = sloppy_latest.get(hk)
            if cur is not None and cur[0] == hv:
                sloppy_latest[hk] = (hv, (cur[1] | (1 << h)) & ~(1 << f))
        ring = rings[pos_of[key]]
        home = ring[:n]
        if rd:
            c["reads"] += 1
            got = [j for j in home if row[j]][:r]
            if len(got) == r:
                c["strict_reads_ok"] += 1
                if key in strict_latest:
                    c["strict_reads_checked"] += 1
                    mask = sum(1 << j for j in got)
                    c["strict_stale"] += not (mask & strict_latest[key])
            got = []
            for j in ring:
                if row[j]:
                    got.append(j)
                    if len(got) == r:
                        break
            if len(got) == r:
                c["sloppy_reads_ok"] += 1
                if key in sloppy_latest:
                    c["sloppy_reads_checked"] += 1
                    mask = sum(1 << j for j in got)
                    c["sloppy_stale"] += not (mask & sloppy_latest[key][1])
            continue
        c["writes"] += 1
        got = [j for j in home if row[j]]
        if len(got) >= w:
            c["strict_writes_ok"] += 1
            strict_latest[key] = sum(1 << j for j in got[:cap_w])
        got = []
        for j in ring:
            if row[j]:
                got.append(j)
                if len(got) == cap_w:
                    break
        if len(got) < w:
            continue
        c["sloppy_writes_ok"] += 1
        version += 1
        sloppy_latest[key] = (version, sum(1 << j for j in got))
        fallbacks = [j for j in got if j not in home]
        down_home = [j for j in home if not row[j]]
        for f, h in zip(fallbacks, down_home, strict=False):
            iv = ivs[h]
            kd = _down_interval(iv, t)
            if t - iv[0][kd] >= window:
                c["hints_missed"] += 1
                continue
            c["hints_created"] += 1
            at = _both_up_from(ivs, h, f, iv[1][kd])
            if at < dur:
                seq += 1
                heapq.heappush(heap, (at, seq, key, version, f, h))
    c["hints_delivered"] += len(heap)  # handoffs after the last operation, still before the end
    c["hints_pending"] = c["hints_created"] - c["hints_delivered"]
    return c


def stale_read_probability(*args: Any, **kwargs: Any) -> StaleRead:
    """Deprecated name of :func:`stale_read` (``systems.stale_read_probability`` returns a float)."""
    import warnings

    warnings.warn("sloppy.stale_read_probability is deprecated: call it sloppy.stale_read",
                  DeprecationWarning, stacklevel=2)
    return stale_read(*args, **kwargs)


def simulate(*args: Any, **kwargs: Any) -> SloppyRun:
    """Deprecated name of :func:`simulate_handoff` (``simulate`` returns a DataFrame elsewhere)."""
    import warnings

    warnings.warn("sloppy.simulate is deprecated: call it sloppy.simulate_handoff", DeprecationWarning,
                  stacklevel=2)
    return simulate_handoff(*args, **kwargs)
