"""The article's set formulas over replica states.

Consistency set C(S) = ∩_{i∈S} C_i (what every replica in S agrees on),
availability set A(S) = ∪_{i∈S} A_i (what some live replica can serve), the
consistency ratio |C(S)| / |A(S)| as a convergence measure, and a ``Cluster``
of replicas, each holding facts — ``(key, version)`` pairs — and up or down.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping, Set
from typing import Any, TypeAlias

import numpy as np

from .errors import check_bool, check_collection, check_hashable, check_int, invalid, is_iterable

__all__ = [
    "Cluster",
    "Fact",
    "NodeId",
    "availability_set",
    "consistency_ratio",
    "consistency_set",
    "jaccard",
]


Fact: TypeAlias = tuple[Hashable, int]
NodeId: TypeAlias = Hashable


def _family(sets: Iterable[Iterable[Hashable]], name: str = "sets") -> list[frozenset[Hashable]]:
    out = []
    for s in check_collection(name, sets, "an iterable of sets"):
        if isinstance(s, (str, bytes)) or not is_iterable(s):
            raise invalid(name, sets, "an iterable of sets (each member an iterable)")
        try:
            out.append(frozenset(s))
        except TypeError:  # an unhashable element (a set inside a set)
            raise invalid(name, sets, "an iterable of sets of hashable elements") from None
    return out


def consistency_set(sets: Iterable[Iterable[Hashable]]) -> frozenset[Hashable]:
    """C(S) = ∩_{i∈S} C_i: the elements every member of the family holds.

    Assumptions: ``sets`` is a non-empty family; the intersection of an empty
    family would be "everything", which no finite set represents, so it raises
    InvalidParameterError.

    Worked case: C({x1, y1}, {x1, y2}, {x1}) = {x1}.

    >>> sorted(consistency_set([{"x1", "y1"}, {"x1", "y2"}, {"x1"}]))
    ['x1']
    """
    family = _family(sets)
    if not family:
        raise invalid("sets", [], "a non-empty family (C of no sets is undefined)")
    return frozenset.intersection(*family)


def availability_set(sets: Iterable[Iterable[Hashable]]) -> frozenset[Hashable]:
    """A(S) = ∪_{i∈S} A_i: the elements at least one member holds; ∅ for an empty family.

    Worked case: A({x1, y1}, {x1, y2}, {x1}) = {x1, y1, y2}.

    >>> sorted(availability_set([{"x1", "y1"}, {"x1", "y2"}, {"x1"}]))
    ['x1', 'y1', 'y2']
    """
    family = _family(sets)
    return frozenset().union(*family)


def jaccard(a: frozenset[Hashable], b: frozenset[Hashable]) -> float:
    """|a ∩ b| / |a ∪ b|, with 1 for two empty sets (they are identical)."""
    for name, s in (("a", a), ("b", b)):
        if not isinstance(s, Set):
            raise invalid(name, s, "a set or frozenset")
    union = len(a | b)
    return 1.0 if union == 0 else len(a & b) / union


def consistency_ratio(sets: Iterable[Iterable[Hashable]]) -> float:
    """|C(S)| / |A(S)| in [0, 1]: 1 when all members agree, lower as they diverge.

    Since C(S) ⊆ A(S) for a non-empty family this is the Jaccard index of C(S)
    and A(S); a family of empty sets agrees perfectly (ratio 1).  An empty
    family raises, as C(S) does.

    Worked case: C = {x1}, A = {x1, y1, y2}, so the ratio is 1/3.

    >>> consistency_ratio([{"x1", "y1"}, {"x1", "y2"}, {"x1"}])
    0.3333333333333333
    """
    family = _family(sets)
    return jaccard(consistency_set(family), availability_set(family))


def _iterable(name: str, value: Any, expected: str) -> Iterable[Any]:
    """``value`` if it is a non-string iterable; else InvalidParameterError naming ``name``."""
    if isinstance(value, (str, bytes)) or not is_iterable(value):
        raise invalid(name, value, expected)
    return value


def _fact_set(facts: Any) -> set[Fact]:
    return {_check_fact(f) for f in _iterable("facts", facts, "an iterable of (key, version) pairs")}


def _check_up(up: Any) -> bool:
    return check_bool("up", up)


def _check_fact(fact: Any) -> Fact:
    if not (isinstance(fact, tuple) and len(fact) == 2):
        raise invalid("fact", fact, "a (key, version) pair")
    key, version = fact
    if not isinstance(key, Hashable):
        raise invalid("fact", fact, "a (key, version) pair with a hashable key")
    check_int("version", version, 0, None)
    return (key, int(version))


class Cluster:
    """Replicas that each hold facts, ``(key, version)`` pairs, and are up or down.

    For a chosen set S of nodes (all nodes by default):

    * C_i is what node i holds, whether it is up or down (its disk);
      C(S) = ∩_{i∈S} C_i is what all of S agree on;
    * A_i is what node i holds if it is up, ∅ if down; A(S) = ∪_{i∈S} A_i is
      what the live nodes of S can serve;
    * the consistency ratio is |C(S) ∩ A(S)| / |C(S) ∪ A(S)|, which is the
      article's |C(S)| / |A(S)| whenever a node of S is up (then C ⊆ A), 0 when
      all of S are down but hold something, and 1 when S holds nothing at all.

    Worked case: n1 holds {(x,1),(y,1)}, n2 holds {(x,1)}, n3 (down) holds
    {(x,1),(y,2)}: C = {(x,1)}, A = {(x,1),(y,1)}, ratio 1/2.

    >>> c = Cluster({"n1": [("x", 1), ("y", 1)], "n2": [("x", 1)], "n3": [("x", 1), ("y", 2)]})
    >>> c.crash("n3")
    >>> sorted(c.consistency_set()), sorted(c.availability_set()), c.consistency_ratio()
    ([('x', 1)], [('x', 1), ('y', 1)], 0.5)
    """

    def __init__(self, holdings: Mapping[NodeId, Iterable[Fact]] | Iterable[NodeId] | None = None,
                 down: Iterable[NodeId] = ()) -> None:
        self._facts: dict[NodeId, set[Fact]] = {}
        self._up: dict[NodeId, bool] = {}
        if holdings is None:
            holdings = {}
        if isinstance(holdings, Mapping):
            for node, facts in holdings.items():
                self.add_node(node, facts)
        else:
            for node in _iterable("holdings", holdings, "a mapping node -> facts or an iterable of nodes"):
                self.add_node(node)
        for node in _iterable("down", down, "an iterable of node names"):
            self.crash(node)

    # -- membership ------------------------------------------------------------------
    def add_node(self, node: NodeId, facts: Iterable[Fact] = (), up: bool = True) -> None:
        """Add ``node`` holding ``facts``; a duplicate name raises."""
        if not isinstance(node, Hashable) or node is None:
            raise invalid("node", node, "a hashable, non-None name")
        check_hashable("node", node, "a hashable, non-None name")
        if node in self._facts:
            raise invalid("node", node, "a name not already in the cluster")
        up = _check_up(up)
        self._facts[node] = _fact_set(facts)
        self._up[node] = up

    @property
    def nodes(self) -> tuple[NodeId, ...]:
        """All node names, in insertion order."""
        return tuple(self._facts)

    def _node(self, node: NodeId) -> NodeId:
        try:
            if node in self._facts:
                return node
        except TypeError:  # unhashable: it cannot be a node name
            pass
        raise invalid("node", node, f"one of {list(self._facts)}")

    def _chosen(self, nodes: Iterable[NodeId] | None) -> list[NodeId]:
        if nodes is None:
            return list(self._facts)
        try:
            unique = dict.fromkeys(_iterable("nodes", nodes, "None or an iterable of node names"))
        except TypeError:  # an unhashable member
            raise invalid("nodes", nodes, f"None or an iterable of names among {list(self._facts)}") from None
        return [self._node(n) for n in unique]

    # -- state -------------------------------------------------------------------------
    def holds(self, node: NodeId) -> frozenset[Fact]:
        """C_i: what ``node`` holds, up or down."""
        return frozenset(self._facts[self._node(node)])

    def serves(self, node: NodeId) -> frozenset[Fact]:
        """A_i: what ``node`` can serve (∅ while it is down)."""
        return self.holds(node) if self._up[self._node(node)] else frozenset()

    def is_up(self, node: NodeId) -> bool:
        return self._up[self._node(node)]

    def live(self) -> tuple[NodeId, ...]:
        """The nodes that are up."""
        return tuple(n for n, up in self._up.items() if up)

    def crash(self, node: NodeId) -> None:
        """Mark ``node`` down; it keeps what it holds."""
        self._up[self._node(node)] = False

    def recover(self, node: NodeId) -> None:
        """Mark ``node`` up again."""
        self._up[self._node(node)] = True

    def set_up(self, node: NodeId, up: bool) -> None:
        """Mark ``node`` up (True) or down (False)."""
        self._up[self._node(node)] = _check_up(up)

    def put(self, node: NodeId, fact: Fact) -> None:
        """Store ``fact`` on ``node`` (older versions of the key stay; see :meth:`write`)."""
        self._facts[self._node(node)].add(_check_fact(fact))

    def write(self, node: NodeId, key: Hashable, version: int) -> None:
        """Store ``(key, version)`` on ``node``, replacing every other version of ``key``."""
        fact = _check_fact((key, version))
        held = self._facts[self._node(node)]
        held.difference_update({f for f in held if f[0] == key})
        held.add(fact)

    def discard(self, node: NodeId, fact: Fact) -> None:
        """Remove ``fact`` from ``node`` if held."""
        self._facts[self._node(node)].discard(_check_fact(fact))

    def set_facts(self, node: NodeId, facts: Iterable[Fact]) -> None:
        """Replace everything ``node`` holds."""
        node = self._node(node)
        self._facts[node] = _fact_set(facts)

    def anti_entropy(self, a: NodeId, b: NodeId) -> None:
        """One anti-entropy exchange between live ``a`` and ``b``: both keep the newest
        version of every key either holds (a down node takes no part: nothing changes)."""
        self._node(a), self._node(b)
        if not (self._up[a] and self._up[b]):
            return
        newest: dict[Hashable, int] = {}
        for key, version in self._facts[a] | self._facts[b]:
            if version > newest.get(key, -1):
                newest[key] = version
        merged = set(newest.items())
        self._facts[a] = set(merged)
        self._facts[b] = set(merged)

    def anti_entropy_round(self) -> None:
        """One gossip round around the ring of live nodes, in node order: each live node
        exchanges with the next live one (the last with the first).  Two rounds make every
        live node hold the newest version of every key any live node held."""
        ring = self.live()
        if len(ring) < 2:
            return
        for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
            self.anti_entropy(a, b)

    # -- the formulas --------------------------------------------------------------------
    def consistency_set(self, nodes: Iterable[NodeId] | None = None) -> frozenset[Fact]:
        """C(S) = ∩_{i∈S} C_i over the chosen nodes (all by default), up or down."""
        chosen = self._chosen(nodes)
        if not chosen:
            raise invalid("nodes", [], "a non-empty selection (C of no nodes is undefined)")
        return consistency_set(self._facts[n] for n in chosen)  # type: ignore[return-value]

    def availability_set(self, nodes: Iterable[NodeId] | None = None) -> frozenset[Fact]:
        """A(S) = ∪_{i∈S} A_i over the chosen nodes that are up."""
        return availability_set(self._facts[n] for n in self._chosen(nodes)  # type: ignore[return-value]
                                if self._up[n])

    def consistency_ratio(self, nodes: Iterable[NodeId] | None = None) -> float:
        """|C(S) ∩ A(S)| / |C(S) ∪ A(S)| — the article's |C(S)|/|A(S)| when a node of S is up."""
        return jaccard(self.consistency_set(nodes), self.availability_set(nodes))

    def facts(self) -> list[Fact]:
        """Every fact some node holds, sorted by (key, version) as strings."""
        every: set[Fact] = set().union(*self._facts.values()) if self._facts else set()
        return sorted(every, key=lambda f: (str(f[0]), f[1]))

    def holdings_matrix(self) -> tuple[list[NodeId], list[Fact], np.ndarray]:
        """(nodes, facts, held): held[i, j] is True where node i holds fact j."""
        nodes, facts = list(self._facts), self.facts()
        held = np.array([[f in self._facts[n] for f in facts] for n in nodes], dtype=bool)
        return nodes, facts, held.reshape(len(nodes), len(facts))

    def __iter__(self) -> Iterator[NodeId]:
        return iter(self._facts)

    def __len__(self) -> int:
        return len(self._facts)

    def __repr__(self) -> str:
        parts = ", ".join(f"{n!r}{'' if self._up[n] else ' (down)'}: {sorted(self._facts[n], key=str)}"
                          for n in self._facts)
        return f"Cluster({{{parts}}})"
