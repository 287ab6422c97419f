"""Safety checks over a whole election trace (every record, not a final snapshot).

Three invariants: at most one leader per term, at most one vote per node per term,
and a node's term never decreases.  Also: the most leaders acting at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import check_real, invalid
from ..sim import Trace

__all__ = ["TERM_KINDS", "Violation", "check_safety", "leader_intervals", "max_concurrent_leaders"]

#: record kinds written by a node that carry its current term
TERM_KINDS = frozenset({"term", "candidate", "vote", "leader", "follow", "step_down"})


@dataclass(frozen=True)
class Violation:
    """One broken invariant: ``rule`` ∈ {"two_leaders_in_term", "double_vote",
    "term_decreased"}, when and where it was seen, and the details."""

    rule: str
    time: float
    node: int
    term: int | None
    detail: dict[str, Any]


def _check_trace(trace: Any) -> Trace:
    if not isinstance(trace, Trace):
        raise invalid("trace", trace, "a syncmodel.sim.Trace (e.g. run_once(...).trace)")
    return trace


def check_safety(trace: Trace) -> list[Violation]:
    """Every violation of the election invariants in ``trace``, in time order.

    * two_leaders_in_term: a second, different node logs "leader" in a term that
      already had a leader (over the whole history: a leader that stepped down
      still counts for its term);
    * double_vote: a node logs "vote" for a second, different candidate in one term
      (a "candidate" record counts as the node's vote for itself);
    * term_decreased: a node logs a term lower than a term it logged before.

    Worked case: records leader(node 1, term 3) then leader(node 2, term 3) give one
    two_leaders_in_term violation at the second record.

    >>> from syncmodel.sim import Trace
    >>> t = Trace()
    >>> t.log(10.0, 1, 'leader', 3); t.log(12.0, 2, 'leader', 3)
    >>> [(v.rule, v.time, v.node) for v in check_safety(t)]
    [('two_leaders_in_term', 12.0, 2)]
    """
    leaders: dict[int, int] = {}
    votes: dict[tuple[int, int], int] = {}
    last_term: dict[int, int] = {}
    out: list[Violation] = []
    for r in _check_trace(trace).records:
        if r.kind not in TERM_KINDS or r.term is None:
            continue
        prev = last_term.get(r.node)
        if prev is not None and r.term < prev:
            out.append(Violation("term_decreased", r.time, r.node, r.term, {"before": prev}))
        else:
            last_term[r.node] = r.term
        if r.kind == "candidate":  # a candidate votes for itself
            first = votes.setdefault((r.node, r.term), r.node)
            if first != r.node:
                out.append(Violation("double_vote", r.time, r.node, r.term,
                                     {"first": first, "second": r.node}))
        if r.kind == "leader":
            other = leaders.setdefault(r.term, r.node)
            if other != r.node:
                out.append(Violation("two_leaders_in_term", r.time, r.node, r.term,
                                     {"first_leader": other}))
        elif r.kind == "vote":
            cand = r.data["candidate"] if r.data else None
            key = (r.node, r.term)
            first = votes.setdefault(key, cand)  # type: ignore[arg-type]
            if first != cand:
                out.append(Violation("double_vote", r.time, r.node, r.term,
                                     {"first": first, "second": cand}))
    return out


def leader_intervals(trace: Trace, end_ms: float) -> list[tuple[int, int, float, float]]:
    """(node, term, start, stop) for every spell in the leader role, from the trace (ms).

    A spell starts at a "leader" record and stops at the node's next "step_down"
    or "crash" record, or at ``end_ms``.
    """
    open_: dict[int, tuple[int, float]] = {}
    spells: list[tuple[int, int, float, float]] = []
    end = check_real("end_ms", end_ms, finite=False)
    for r in _check_trace(trace).records:
        if r.kind == "leader":
            open_[r.node] = (r.term if r.term is not None else -1, r.time)
        elif r.kind in ("step_down", "crash") and r.node in open_:
            term, start = open_.pop(r.node)
            spells.append((r.node, term, start, r.time))
    for node, (term, start) in open_.items():
        spells.append((node, term, start, end))
    spells.sort(key=lambda s: (s[2], s[0]))
    return spells


def max_concurrent_leaders(trace: Trace, end_ms: float, since_ms: float = 0.0, *,
                           since: float | None = None) -> int:
    """The most nodes in the leader role at one instant in [since_ms, end_ms].

    ``since`` is the old name of ``since_ms`` (deprecated)."""
    if since is not None:
        import warnings

        warnings.warn("max_concurrent_leaders(since=...) is deprecated: use since_ms",
                      DeprecationWarning, stacklevel=2)
        since_ms = since
    since = check_real("since_ms", since_ms, finite=False)
    events: list[tuple[float, int]] = []
    for _, _, start, stop in leader_intervals(trace, end_ms):
        if stop < since or stop <= start:
            continue
        events.append((max(start, since), 1))
        events.append((stop, -1))
    events.sort(key=lambda e: (e[0], e[1]))  # a stop before a start at the same instant
    best = cur = 0
    for _, d in events:
        cur += d
        best = max(best, cur)
    return best
