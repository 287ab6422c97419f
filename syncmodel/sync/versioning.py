"""Versions and conflicts: version vectors, last-writer-wins with clock skew, siblings,
a key's state as a dotted causal context with siblings (:class:`Entry`, :func:`merge_entries`),
and two CRDTs (a G-counter and an OR-set) whose merges never lose an update.

Pure data structures, no simulator: the replicated store (``store``) and its metrics use them.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, Literal, NamedTuple

import numpy as np

from ..errors import check_hashable, check_int, invalid
from ..rng import Seed, as_generator

__all__ = ["EMPTY", "POLICIES", "Entry", "GCounter", "ORSet", "Order", "Sibling", "check_policy",
           "compare", "increment", "lww_lost_fraction", "merge", "merge_entries", "order", "resolve"]

Order = Literal["before", "after", "equal", "concurrent"]
POLICIES = ("lww", "siblings")


class Sibling(NamedTuple):
    """One version of a key: the write ``wid`` that made it, its timestamp ``ts`` (ms, the
    writer's skewed clock) and its ``value``."""

    wid: int
    ts: float
    value: int


class Entry(NamedTuple):
    """A key's state on a replica: the causal ``context`` (every write id this state has
    seen) and its ``siblings`` (the versions no seen write superseded), sorted or in
    arrival order."""

    context: frozenset[int]
    siblings: tuple[Sibling, ...]


#: the state of a key no write has reached
EMPTY = Entry(frozenset(), ())

#: ``new(Entry, (context, siblings))`` builds a named tuple without its Python-level
#: ``__new__`` (≈ 3× faster): for the simulator's hot paths only, with the fields in order
new = tuple.__new__


def merge_entries(a: Entry, b: Entry) -> Entry:
    """Merge two states of a key: the union of the contexts; a sibling survives if both hold
    it, or if the other side has not seen it (its id is not in the other's context).

    Commutative, associative and idempotent (a join), so replicas that exchanged the
    same states agree whatever the order.  Worked case: a = ({1, 2}, [2]) (write 2
    superseded 1), b = ({1}, [1]): merged ({1, 2}, [2]).

    >>> a = Entry(frozenset({1, 2}), (Sibling(2, 5.0, 2),))
    >>> b = Entry(frozenset({1}), (Sibling(1, 3.0, 1),))
    >>> m = merge_entries(a, b)
    >>> sorted(m.context), [s.wid for s in m.siblings]
    ([1, 2], [2])
    """
    if a is b or a == b:
        return a
    ca, sa = a
    cb, sb = b
    ids_a = {s.wid for s in sa}
    ids_b = {s.wid for s in sb}
    sibs = [s for s in sa if s.wid in ids_b or s.wid not in cb]
    sibs += [s for s in sb if s.wid not in ids_a and s.wid not in ca]
    return new(Entry, (ca | cb, tuple(sorted(sibs))))


def _vv(v: Mapping[Hashable, int], name: str) -> dict[Hashable, int]:
    if not isinstance(v, Mapping):
        raise invalid(name, v, "a mapping node -> counter")
    out: dict[Hashable, int] = {}
    for k, c in v.items():
        if not isinstance(c, numbers.Integral) or isinstance(c, bool) or c < 0:
            raise invalid(name, v, "a mapping node -> int counter ≥ 0")
        if c:
            out[k] = int(c)
    return out


def order(a: Mapping[Hashable, int], b: Mapping[Hashable, int]) -> Order:
    """Order two version vectors: ``"before"`` (a < b), ``"after"``, ``"equal"`` or ``"concurrent"``.

    a ≤ b iff a[i] ≤ b[i] for every node i (missing entries are 0); a < b iff a ≤ b and
    a ≠ b; concurrent iff neither a ≤ b nor b ≤ a.

    Worked case: {x:2, y:1} vs {x:1, y:2} is concurrent; {x:1} vs {x:1, y:1} is before.

    >>> order({"x": 2, "y": 1}, {"x": 1, "y": 2}), order({"x": 1}, {"x": 1, "y": 1})
    ('concurrent', 'before')
    """
    a, b = _vv(a, "a"), _vv(b, "b")
    le = all(c <= b.get(k, 0) for k, c in a.items())
    ge = all(c <= a.get(k, 0) for k, c in b.items())
    if le and ge:
        return "equal"
    if le:
        return "before"
    if ge:
        return "after"
    return "concurrent"


def compare(a: Mapping[Hashable, int], b: Mapping[Hashable, int]) -> Order:
    """Deprecated name of :func:`order` (``systems.compare`` builds a table)."""
    import warnings

    warnings.warn("versioning.compare is deprecated: call it versioning.order", DeprecationWarning,
                  stacklevel=2)
    return order(a, b)


def merge(a: Mapping[Hashable, int], b: Mapping[Hashable, int]) -> dict[Hashable, int]:
    """The least upper bound of two version vectors: the entrywise maximum.

    >>> merge({"x": 2}, {"x": 1, "y": 3}) == {"x": 2, "y": 3}
    True
    """
    a, b = _vv(a, "a"), _vv(b, "b")
    out = dict(a)
    for k, c in b.items():
        if c > out.get(k, 0):
            out[k] = c
    return out


def increment(v: Mapping[Hashable, int], node: Hashable) -> dict[Hashable, int]:
    """A copy of ``v`` with ``node``'s counter one higher (a new event at ``node``)."""
    out = _vv(v, "v")
    node = check_hashable("node", node)
    out[node] = out.get(node, 0) + 1
    return out


def check_policy(policy: Any) -> str:
    """Validate a conflict-resolution policy name (``"lww"`` or ``"siblings"``)."""
    if not isinstance(policy, str) or policy not in POLICIES:
        raise invalid("policy", policy, f"one of {list(POLICIES)}")
    return str(policy)


def resolve(versions: Iterable[tuple[Mapping[Hashable, int], float, Any]], policy: str = "siblings"
            ) -> list[tuple[dict[Hashable, int], float, Any]]:
    """Reduce ``(vector, timestamp, value)`` versions of one key to what a replica keeps.

    Every version dominated by another (vector strictly before, or equal) is dropped first;
    the rest are mutually concurrent.  ``"siblings"`` keeps them all (the client merges);
    ``"lww"`` keeps only the one with the largest (timestamp, value repr) — the others are
    lost updates.

    Worked case: A = ({x:1}, t=5), B = ({y:1}, t=3) are concurrent: siblings keeps both,
    LWW keeps A.

    >>> [v for _, _, v in resolve([({"x": 1}, 5.0, "A"), ({"y": 1}, 3.0, "B")], "lww")]
    ['A']
    """
    policy = check_policy(policy)
    expected = "an iterable of (vector, timestamp, value) triples"
    if isinstance(versions, (str, bytes, Mapping)) or not isinstance(versions, Iterable):
        raise invalid("versions", versions, expected)
    vs: list[tuple[dict[Hashable, int], float, Any]] = []
    for item in versions:
        if isinstance(item, (str, bytes)) or not isinstance(item, Sequence) or len(item) != 3:
            raise invalid("versions", versions, expected)
        v, t, val = item
        if isinstance(t, bool) or not isinstance(t, numbers.Real) or math.isnan(t):
            raise invalid("versions", versions, "(vector, timestamp, value) triples with numeric timestamps")
        vs.append((_vv(v, "vector"), float(t), val))
    keep: list[tuple[dict[Hashable, int], float, Any]] = []
    for i, (v, t, val) in enumerate(vs):
        dominated = False
        for j, (u, _, _) in enumerate(vs):
            if i == j:
                continue
            o = order(v, u)
            if o == "before" or (o == "equal" and j < i):
                dominated = True
                break
        if not dominated:
            keep.append((v, t, val))
    if policy == "lww" and len(keep) > 1:
        keep = [max(keep, key=lambda x: (x[1], repr(x[2])))]
    return keep


def lww_lost_fraction(rate_per_s: float, skew_ms: float, trials: int = 100_000,
                      seed: Seed = None) -> dict[str, float]:
    """Two writers, clocks offset by ±skew: how often does LWW keep the write that happened first?

    Writer A writes at real time 0, writer B at real time X ~ Exp(rate) later (B truly writes
    last); their clocks read a + 0 and B + δ with δ ~ Uniform(−skew, +skew).  LWW picks the
    larger timestamp, so it wrongly keeps A's older write when X + δ < 0, i.e. with
    probability P(X < −δ) = (1/2)·(1 − (1 − e^(−λs))/(λs)) for λ = rate (per ms), s = skew.
    Returns ``{"simulated", "exact"}``.

    Worked case: skew 0 never reorders; λs → ∞ reorders half the time; λ = 1/ms, s = 1 ms
    gives (1 − (1 − e^(−1)))/2 = e^(−1)/2 ≈ 0.184.

    >>> round(lww_lost_fraction(1000.0, 1.0, trials=10, seed=0)["exact"], 4)
    0.1839
    """
    if not (isinstance(rate_per_s, numbers.Real) and rate_per_s > 0 and math.isfinite(rate_per_s)):
        raise invalid("rate_per_s", rate_per_s, "a finite number > 0")
    if not (isinstance(skew_ms, numbers.Real) and not isinstance(skew_ms, bool) and skew_ms >= 0
            and math.isfinite(2.0 * skew_ms)):  # numpy draws on a width of 2·skew
        raise invalid("skew_ms", skew_ms, "a finite number ≥ 0")
    skew_ms = float(skew_ms) + 0.0  # −0.0 -> 0.0: numpy refuses uniform(0.0, −0.0)
    trials = check_int("trials", trials, 1)
    rng = as_generator(seed)
    lam = rate_per_s / 1000.0
    x = rng.exponential(1 / lam, trials)
    d = rng.uniform(-skew_ms, skew_ms, trials)
    sim = float(np.mean(x + d < 0))
    ls = lam * skew_ms
    exact = 0.0 if ls == 0 else 0.5 * (1 - (-math.expm1(-ls)) / ls)
    return {"simulated": sim, "exact": exact}


class GCounter:
    """A grow-only counter CRDT: one non-negative count per replica; value = Σ counts.

    merge = entrywise max, which is commutative, associative and idempotent, so replicas
    that have seen the same increments agree whatever the order of merges — no increment is
    ever lost (unlike read-modify-write under last-writer-wins).

    >>> a, b = GCounter(), GCounter()
    >>> a.increment("n1"); a.increment("n1"); b.increment("n2")
    >>> a.merge(b).value, b.merge(a).value
    (3, 3)
    """

    __slots__ = ("counts",)

    def __init__(self, counts: Mapping[Hashable, int] | None = None) -> None:
        self.counts: dict[Hashable, int] = _vv(counts or {}, "counts")

    def increment(self, node: Hashable, by: int = 1) -> None:
        if not isinstance(by, numbers.Integral) or isinstance(by, bool) or by < 0:
            raise invalid("by", by, "an int ≥ 0 (a G-counter only grows)")
        check_hashable("node", node)
        if by:
            self.counts[node] = self.counts.get(node, 0) + int(by)

    @property
    def value(self) -> int:
        return sum(self.counts.values())

    def merge(self, other: GCounter) -> GCounter:
        """A new counter: the entrywise maximum of both."""
        if not isinstance(other, GCounter):
            raise invalid("other", other, "a GCounter")
        return GCounter(merge(self.counts, other.counts))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GCounter) and self.counts == other.counts

    def __repr__(self) -> str:
        return f"GCounter({self.counts!r})"


class ORSet:
    """An observed-remove set CRDT: adds carry unique tags; a remove deletes the tags it saw.

    State: ``adds`` = {(element, tag)} and ``removed`` = {tags}; the value is the elements
    with some tag not removed.  merge = union of both; a concurrent add (a new tag) survives
    a remove ("add wins"), and the merge is commutative, associative and idempotent.

    >>> a = ORSet(); a.add("x", tag=("a", 1))
    >>> b = a.merge(ORSet()); b.remove("x")          # b saw x's tag and removes it
    >>> a.add("x", tag=("a", 2))                     # concurrently, a adds x again
    >>> sorted(a.merge(b).value), sorted(b.merge(a).value)
    (['x'], ['x'])
    """

    __slots__ = ("adds", "removed")

    def __init__(self) -> None:
        self.adds: set[tuple[Hashable, Hashable]] = set()
        self.removed: set[Hashable] = set()

    def add(self, element: Hashable, tag: Hashable) -> None:
        """Add ``element`` under a globally unique ``tag`` (e.g. (replica, counter))."""
        self.adds.add((check_hashable("element", element), check_hashable("tag", tag)))

    def remove(self, element: Hashable) -> None:
        """Remove ``element``: tombstone every tag of it this replica has observed."""
        self.removed.update(t for e, t in self.adds if e == element)

    @property
    def value(self) -> frozenset[Hashable]:
        return frozenset(e for e, t in self.adds if t not in self.removed)

    def merge(self, other: ORSet) -> ORSet:
        """A new set: the union of both states."""
        if not isinstance(other, ORSet):
            raise invalid("other", other, "an ORSet")
        out = ORSet()
        out.adds = self.adds | other.adds
        out.removed = self.removed | other.removed
        return out

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ORSet) and self.adds == other.adds and self.removed == other.removed

    def __repr__(self) -> str:
        return f"ORSet({sorted(map(repr, self.value))})"
