"""The QuorumSystem class: reads and writes, intersection, resilience, availability and
the entry points to strategies (load, capacity, network load, latency)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .._stats import at_least, lower_tail, normalise_p
from ..errors import (
    InfeasibleError,
    InvalidParameterError,
    check_choice,
    check_collection,
    check_int,
    check_real,
    float_array,
    invalid,
)
from ..structure import FALSE, MAX_SETS, Structure, Tree, as_structure, evaluate_tree, tree_paths
from . import strategy as _st
from .strategy import OPTIMIZE, Distribution, Strategy, canonicalize
from .trees import (
    _all_masks,
    _is_read_once,
    _min_failures,
    _resilient_tree,
    _threshold_of,
)

__all__ = ["QuorumSystem"]


class QuorumSystem:
    """A read-write quorum system: every read quorum meets every write quorum.

    ``reads`` and ``writes`` are structure expressions (or lists of node sets);
    ``writes=None`` takes the dual of ``reads`` (the minimal sets meeting every
    read quorum), ``reads=None`` the dual of ``writes``.  Both given, the
    intersection is verified and a disjoint pair is shown in the
    InvalidParameterError when it fails.  Per-node ``capacity`` (or
    ``read_capacity``/``write_capacity``, operations per second) and
    ``latency`` (any time unit) are a number, a sequence in :attr:`nodes`
    order or a {node: value} mapping (unnamed nodes get 1).

    Worked case: the grid ``a*b*c + d*e*f`` has reads {a,b,c}, {d,e,f} and the
    9 writes of one node per row; read resilience 1, write resilience 2.

    >>> from syncmodel.structure import Node
    >>> a, b, c, d, e, f = (Node(x) for x in 'abcdef')
    >>> qs = QuorumSystem(reads=a * b * c + d * e * f)
    >>> len(qs.reads.quorums()), len(qs.writes.quorums()), qs.read_resilience(), qs.write_resilience()
    (2, 9, 1, 2)
    """

    def __init__(
        self,
        reads: Any = None,
        writes: Any = None,
        *,
        capacity: Any = None,
        read_capacity: Any = None,
        write_capacity: Any = None,
        latency: Any = None,
        _intersecting: bool = False,
    ) -> None:
        if reads is None and writes is None:
            raise InvalidParameterError("reads and writes must not both be None, got None and None")
        r = as_structure(reads, "reads") if reads is not None else None
        w = as_structure(writes, "writes") if writes is not None else None
        check = r is not None and w is not None and not _intersecting  # builders that know skip it
        if r is None:
            assert w is not None
            r = w.dual()
        if w is None:
            w = r.dual()
        self.reads: Structure = r
        self.writes: Structure = w
        self.nodes: tuple[Hashable, ...] = tuple(dict.fromkeys(r.nodes + w.nodes))
        self._index = {x: i for i, x in enumerate(self.nodes)}
        self._rt: Tree = r.tree(self.nodes)
        self._wt: Tree = w.tree(self.nodes)
        self._read_cap = self._attr("read_capacity", read_capacity, capacity, positive=True)
        self._write_cap = self._attr("write_capacity", write_capacity, capacity, positive=True)
        self._latency = self._attr("latency", latency, None, positive=False)
        if check:
            pair = self.disjoint_pair()
            if pair is not None:
                raise InvalidParameterError(
                    "reads and writes must intersect, got the disjoint read quorum "
                    f"{_fmt(pair[0])} and write quorum {_fmt(pair[1])}"
                )

    # -- node attributes
    def _attr(self, name: str, value: Any, fallback: Any, positive: bool) -> np.ndarray:
        v = value if value is not None else fallback
        label = name if value is not None or fallback is None else "capacity"
        n = len(self.nodes)
        if v is None:
            return np.ones(n)
        if isinstance(v, Mapping):
            unknown = [x for x in v if x not in self._index]
            if unknown:
                raise invalid(label, dict(v), f"a mapping over the system's nodes (unknown: {unknown!r})")
            raw: list[Any] = [v.get(x, 1.0) for x in self.nodes]
        elif isinstance(v, numbers.Real) and not isinstance(v, bool):
            raw = [v] * n
        elif isinstance(v, (Sequence, np.ndarray)) and not isinstance(v, (str, bytes)):
            raw = list(v)
            if len(raw) != n:
                raise invalid(label, v, f"a sequence of {n} values (one per node)")
        else:
            raise invalid(label, v, "a number, a sequence or a {node: value} mapping")
        out = np.empty(n)
        for i, x in enumerate(raw):
            x = check_real(f"{label}[{self.nodes[i]!r}]", x)
            if (positive and not float(x) > 0) or (not positive and not float(x) >= 0):
                raise invalid(f"{label}[{self.nodes[i]!r}]", x, "> 0" if positive else ">= 0")
            out[i] = float(x)
        return out

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    def __repr__(self) -> str:
        return f"QuorumSystem(reads={self.reads!r}, writes={self.writes!r})"

    # -- quorums
    def read_quorums(self, limit: int = MAX_SETS) -> list[frozenset[Hashable]]:
        """The minimal read quorums."""
        return self.reads.quorums(limit)

    def write_quorums(self, limit: int = MAX_SETS) -> list[frozenset[Hashable]]:
        """The minimal write quorums."""
        return self.writes.quorums(limit)

    def is_read_quorum(self, xs: Iterable[Hashable]) -> bool:
        """Whether the node set ``xs`` contains a read quorum."""
        return self.reads.is_satisfied(_node_set("xs", xs))

    def is_write_quorum(self, xs: Iterable[Hashable]) -> bool:
        """Whether the node set ``xs`` contains a write quorum."""
        return self.writes.is_satisfied(_node_set("xs", xs))

    def as_structure(self) -> Structure:
        """reads * writes: the system can serve both reads and writes (what failure.py evaluates)."""
        return self.reads * self.writes

    # -- intersection
    def disjoint_pair(self) -> tuple[frozenset[Hashable], frozenset[Hashable]] | None:
        """A read quorum and a write quorum that do not meet, or None when all pairs meet.

        Threshold systems (at least r and at least w of the same m nodes)
        intersect iff r + w > m.  Otherwise the minimal quorums of one side are
        listed and the other side is evaluated on their complements (one
        vectorized pass); a hit is shrunk to a minimal quorum.
        """
        tr, tw = _threshold_of(self._rt), _threshold_of(self._wt)
        if tr is not None and tw is not None and set(tr[1]) == set(tw[1]):
            (r, nodes), (w, _) = tr, tw
            if r + w > len(nodes):
                return None
            return (frozenset(self.nodes[i] for i in nodes[:r]),
                    frozenset(self.nodes[i] for i in nodes[len(nodes) - w:]))
        err: InfeasibleError | None = None
        for first, other, flip in ((self._rt, self._wt, False), (self._wt, self._rt, True)):
            try:
                pair = self._disjoint_from(first, other)
            except InfeasibleError as e:
                err = e
                continue
            if pair is None:
                return None
            return (pair[1], pair[0]) if flip else pair
        raise InfeasibleError(f"cannot check the intersection: both sides have too many quorums ({err})")

    def _disjoint_from(
        self, first: Tree, other: Tree
    ) -> tuple[frozenset[Hashable], frozenset[Hashable]] | None:
        quorums = tree_paths(first, MAX_SETS)
        mat = np.zeros((len(quorums), self.n), dtype=bool)
        for i, q in enumerate(quorums):
            mat[i, list(q)] = True
        hits = np.flatnonzero(evaluate_tree(other, ~mat))
        if hits.size == 0:
            return None
        q = mat[hits[0]]
        rest = ~q
        for j in np.flatnonzero(rest):  # shrink the complement to a minimal quorum of `other`
            rest[j] = False
            if not evaluate_tree(other, rest[None, :])[0]:
                rest[j] = True
        return (frozenset(self.nodes[i] for i in np.flatnonzero(q)),
                frozenset(self.nodes[i] for i in np.flatnonzero(rest)))

    def is_consistent(self) -> bool:
        """Whether every read quorum meets every write quorum (never raises for a valid system)."""
        return self.disjoint_pair() is None

    # -- resilience
    def _resilience(self, tree: Tree, structure: Structure) -> int:
        if _is_read_once(tree):
            return _min_failures(tree) - 1
        return structure.resilience()

    def read_resilience(self) -> int:
        """Largest f such that any f failed nodes leave a read quorum live.

        Read-once expressions: node = 1 failure, "k of m children" = the sum of
        its m − k + 1 cheapest children; the resilience is that minus 1 (so a
        majority of 2f + 1 has resilience f).  Other expressions: smallest
        minimal cut set minus 1.
        """
        return self._resilience(self._rt, self.reads)

    def write_resilience(self) -> int:
        """Largest f such that any f failed nodes leave a write quorum live."""
        return self._resilience(self._wt, self.writes)

    def resilience(self) -> int:
        """min(read resilience, write resilience)."""
        return min(self.read_resilience(), self.write_resilience())

    # -- availability
    def availability(self, p: Any, op: str = "read") -> float:
        """Probability that a ``op`` quorum ("read", "write" or "both") is live.

        Nodes fail independently, node x with probability p_x (``p``: a float,
        a sequence in :attr:`nodes` order or {node: p}).  Threshold sides are a
        closed form: A = P(at least k of the m nodes up), the Poisson-binomial
        tail, Σ_{j≥k} C(m, j)(1 − p)^j p^(m−j) for equal p; anything else is
        1 − failure.failure_probability (exact).  Example: a majority of 3 at
        p = 0.1 reads with 1 − (3·0.1²·0.9 + 0.1³) = 0.972.

        >>> from syncmodel.quorum import majority
        >>> round(majority(3).availability(0.1), 12)
        0.972
        """
        op = check_choice("op", op, ("read", "write", "both"))
        probs = self._node_probs(p)
        tree = {"read": self._rt, "write": self._wt}.get(op)
        if tree is not None:
            th = _threshold_of(tree)
            if th is not None:
                k, nodes = th
                return at_least(k, 1.0 - probs[list(nodes)])
        from ..failure import failure_probability

        structure = {"read": self.reads, "write": self.writes}.get(op) or self.as_structure()
        pmap = {x: float(probs[self._index[x]]) for x in structure.nodes}
        return 1.0 - float(failure_probability(structure, pmap))

    def availability_curve(self, ps: Sequence[float] | np.ndarray, op: str = "read") -> np.ndarray:
        """:meth:`availability` at each equal node failure probability in ``ps`` (one pass).

        Threshold sides: Σ_{j≥k} C(m, j)(1 − p)^j p^(m−j) vectorized over p;
        others: 1 − failure.failure_curve.
        """
        op = check_choice("op", op, ("read", "write", "both"))
        arr = float_array("ps", ps, "a non-empty sequence of probabilities in [0, 1]").reshape(-1)
        if arr.size == 0 or not np.all((arr >= 0) & (arr <= 1)):
            raise invalid("ps", ps, "a non-empty sequence of probabilities in [0, 1]")
        tree = {"read": self._rt, "write": self._wt}.get(op)
        th = _threshold_of(tree) if tree is not None else None
        if th is not None:
            k, nodes = th
            m = len(nodes)
            # P(at least k of m up) = P(fewer than m − k + 1 of m down), equal p per column
            down = np.broadcast_to(arr, (m, arr.size))
            return np.asarray(np.clip(lower_tail(m - k + 1, 1.0 - down), 0.0, 1.0))
        from ..failure import failure_curve

        structure = {"read": self.reads, "write": self.writes}.get(op) or self.as_structure()
        return np.asarray(1.0 - failure_curve(structure, arr))

    def capacity_curve(self, fractions: Sequence[float] | np.ndarray, f: int = 0) -> np.ndarray:
        """Capacity of the optimal (f-resilient) strategy at each read fraction in ``fractions``."""
        expected = "a sequence of read fractions in [0, 1]"
        xs = float_array("fractions", fractions, expected, ndim=1)
        if not np.all((xs >= 0) & (xs <= 1)):  # NaN fails too
            raise invalid("fractions", fractions, expected)
        return np.array([self.capacity(read_fraction=float(x), f=f) for x in xs.reshape(-1)])

    def _node_probs(self, p: Any) -> np.ndarray:
        return normalise_p(self.nodes, p)

    # -- strategies
    def _quorum_latencies(self, quorums: Sequence[frozenset[int]], read: bool) -> np.ndarray:
        """Latency of each quorum: the smallest t with {x ∈ Q : latency(x) ≤ t} a quorum."""
        tree = self._rt if read else self._wt
        mat = np.zeros((len(quorums), self.n), dtype=bool)
        for i, q in enumerate(quorums):
            mat[i, list(q)] = True
        out = np.full(len(quorums), np.nan)
        for t in np.unique(self._latency):
            todo = np.isnan(out)
            if not todo.any():
                break
            ok = evaluate_tree(tree, mat[todo] & (self._latency <= t))
            idx = np.flatnonzero(todo)[ok]
            out[idx] = t
        return out

    def _f_resilient(self, tree: Tree, f: int, what: str) -> Tree | np.ndarray:
        """Minimal f-resilient quorums: sets X such that X minus any f nodes is still a quorum.

        Read-once expressions give an expression (see :func:`_resilient_tree`;
        "k of m nodes" becomes "k + f of m").  Others sweep the 2ⁿ node subsets
        (n ≤ 20): R_f(X) = R_{f−1}(X) ∧ ⋀_{x∈X} R_{f−1}(X − x); the result is
        a 0/1 matrix of minimal sets.
        """
        if f == 0:
            return tree
        if _is_read_once(tree):
            out = _resilient_tree(tree, f + 1, {})
            if out == FALSE:
                raise InfeasibleError(f"there are no {f}-resilient {what} quorums")
            return out
        n = self.n
        masks = _all_masks(n)
        ok = evaluate_tree(tree, masks)
        ids = np.arange(1 << n, dtype=np.int64)
        for _ in range(f):
            nxt = ok.copy()
            for i in range(n):
                has = masks[:, i]
                nxt[has] &= ok[ids[has] ^ (1 << i)]
            ok = nxt
        minimal = ok.copy()
        for i in range(n):
            has = masks[:, i]
            minimal[has] &= ~ok[ids[has] ^ (1 << i)]
        if not minimal.any():
            raise InfeasibleError(f"there are no {f}-resilient {what} quorums")
        return masks[minimal]

    def resilient_quorums(self, f: int, op: str = "read") -> list[frozenset[Hashable]]:
        """The minimal f-resilient read (or write) quorums: still quorums after any f of their nodes fail.

        Example: for the grid a*b*c + d*e*f and f = 1 the only read one is all six nodes.
        No such set raises InfeasibleError.
        """
        f = check_int("f", f, 0)
        op = check_choice("op", op, ("read", "write"))
        if op not in ("read", "write"):
            raise invalid("op", op, "'read' or 'write'")
        t = self._f_resilient(self._rt if op == "read" else self._wt, int(f), op)
        if isinstance(t, np.ndarray):
            sets = [frozenset(np.flatnonzero(r).tolist()) for r in t]
        else:
            sets = tree_paths(t, MAX_SETS)
        return Structure._sorted(sets, self.nodes)

    def _side(self, tree: Tree, f: int, what: str, latency: bool) -> _st.Side:
        t = self._f_resilient(tree, f, what)
        if isinstance(t, np.ndarray):
            mat = t
        else:
            if _is_read_once(t) and not latency:
                return _st.compact_side(t, self.n)
            qs = tree_paths(t, MAX_SETS)
            mat = np.zeros((len(qs), self.n), dtype=bool)
            for i, q in enumerate(qs):
                mat[i, list(q)] = True
        lat = None
        if latency:
            lat = self._quorum_latencies(
                [frozenset(np.flatnonzero(r).tolist()) for r in mat], read=tree is self._rt
            )
        return _st.enumerated_side(mat, lat)

    def strategy(
        self,
        optimize: str = "load",
        load_limit: float | None = None,
        network_limit: float | None = None,
        latency_limit: float | None = None,
        read_fraction: Distribution | None = None,
        write_fraction: Distribution | None = None,
        f: int = 0,
    ) -> Strategy:
        """The strategy minimising ``optimize`` ("load", "network" or "latency") within the limits.

        ``f`` > 0 restricts both sides to f-resilient quorums (still quorums
        after any f of their nodes fail).  Threshold systems with equal
        capacities and no limits are a closed form: the uniform strategy,
        load f_r·r/(m·rcap) + (1 − f_r)·w/(m·wcap), optimal because the node
        loads sum to f_r·r/rcap + (1 − f_r)·w/wcap.  Read-once expressions
        are solved over node marginals (one LP variable per expression
        vertex); others, and latency, over the listed quorums.  See
        :func:`syncmodel.quorum.strategy.solve`.
        """
        optimize = check_choice("optimize", optimize, OPTIMIZE)
        limits = {"load": load_limit, "network": network_limit, "latency": latency_limit}
        for name, v in limits.items():
            if v is None:
                continue
            if name == optimize:
                raise invalid(f"{name}_limit", v, f"None when optimizing {name}")
            # finite: the LP solver refuses inf
            check_real(f"{name}_limit", v, 0.0)
        f = check_int("f", f, 0)
        dist = canonicalize(read_fraction, write_fraction)
        f = int(f)
        fast = self._closed_form(f, optimize, limits)
        if fast is not None:
            return fast
        use_lat = optimize == "latency" or latency_limit is not None
        read = self._side(self._rt, f, "read", use_lat)
        write = self._side(self._wt, f, "write", use_lat)
        return _st.solve(self, read, write, dist, optimize, load_limit, network_limit, latency_limit)

    def _closed_form(self, f: int, optimize: str, limits: Mapping[str, Any]) -> Strategy | None:
        """Threshold systems on all n nodes without limits.

        load (equal capacities): the cyclic strategy, every marginal r/n and w/n.
        network: every strategy costs f_r·r + (1 − f_r)·w; the cyclic one is returned.
        latency: the r + f (w + f) fastest nodes, whose latency is the r-th (w-th)
        smallest node latency, a lower bound for any quorum.
        """
        if any(v is not None for v in limits.values()):
            return None
        if f == 0 and optimize == "load":
            grid = self._grid_strategy()
            if grid is not None:
                return grid
        tr, tw = _threshold_of(self._rt), _threshold_of(self._wt)
        if tr is None or tw is None or len(tr[1]) != self.n or len(tw[1]) != self.n:
            return None
        if optimize == "load" and (np.ptp(self._read_cap) > 0 or np.ptp(self._write_cap) > 0):
            return None
        r, w = tr[0] + f, tw[0] + f
        n = self.n
        for k, what in ((r, "read"), (w, "write")):
            if k > n:
                raise InfeasibleError(f"there are no {f}-resilient {what} quorums")
        if optimize == "latency":
            order = np.argsort(self._latency, kind="stable")

            def fastest(k: int) -> tuple[np.ndarray, Any]:
                q = frozenset(order[:k].tolist())
                marg = np.zeros(n)
                marg[order[:k]] = 1.0
                return marg, lambda: [(q, 1.0)]

            (mr, sr), (mw, sw) = fastest(r), fastest(w)
            return Strategy(self, mr, mw, sr, sw)

        def cyclic(k: int) -> Any:  # n quorums {i, ..., i+k-1 mod n}, each 1/n: every marginal k/n
            return lambda: [(frozenset(((i + j) % n) for j in range(k)), 1.0 / n) for i in range(n)]

        return Strategy(self, np.full(n, r / n), np.full(n, w / n), cyclic(r), cyclic(w))

    def _grid_strategy(self) -> Strategy | None:
        """The optimal load strategy of a grid (equal capacities), in O(n): no LP, no matrix.

        Reads any_of(all_of(row)) and writes all_of(any_of(row)) over r rows of c nodes
        partitioning the nodes: read a uniform row, write a uniform column.  Every node
        then carries f_r/r + (1 − f_r)/c, which is also the average node load (read quorums
        have c nodes, write quorums r), so no strategy does better at any read fraction.
        """
        rt, wt = self._rt, self._wt
        if (rt[0] != "c" or wt[0] != "c" or rt[1] != 1 or wt[1] != len(wt[2]) or len(rt[2]) < 2
                or np.ptp(self._read_cap) > 0 or np.ptp(self._write_cap) > 0):
            return None
        rows = [_threshold_of(t) for t in rt[2]]
        cols = [_threshold_of(t) for t in wt[2]]
        if any(g is None or g[0] != len(g[1]) for g in rows) or any(g is None or g[0] != 1 for g in cols):
            return None
        row_sets = sorted(tuple(sorted(g[1])) for g in rows if g is not None)
        if row_sets != sorted(tuple(sorted(g[1])) for g in cols if g is not None):
            return None
        r, c, n = len(row_sets), len(row_sets[0]), self.n
        if any(len(x) != c for x in row_sets) or r * c != n:
            return None
        reads = [frozenset(x) for x in row_sets]
        writes = [frozenset(x[i] for x in row_sets) for i in range(c)]
        return Strategy(self, np.full(n, 1.0 / r), np.full(n, 1.0 / c),
                        lambda: [(q, 1.0 / r) for q in reads], lambda: [(q, 1.0 / c) for q in writes])

    def uniform_strategy(self, f: int = 0) -> Strategy:
        """Every minimal (f-resilient) read quorum equally likely, and every write quorum."""
        f = check_int("f", f, 0)
        sides = []
        for tree, what in ((self._rt, "read"), (self._wt, "write")):
            t = self._f_resilient(tree, int(f), what)
            if isinstance(t, np.ndarray):
                qs = [frozenset(np.flatnonzero(r).tolist()) for r in t]
            else:
                qs = tree_paths(t, MAX_SETS)
            sides.append(qs)
        return self._from_lists(*[[(q, 1.0 / len(qs)) for q in qs] for qs in sides])

    def _from_lists(
        self, sr: list[tuple[frozenset[int], float]], sw: list[tuple[frozenset[int], float]]
    ) -> Strategy:
        n = self.n
        pr, pw = np.zeros(n), np.zeros(n)
        for q, p in sr:
            pr[list(q)] += p
        for q, p in sw:
            pw[list(q)] += p
        return Strategy(self, pr, pw, lambda: sr, lambda: sw)

    def make_strategy(
        self,
        sigma_r: Mapping[Iterable[Hashable], float],
        sigma_w: Mapping[Iterable[Hashable], float],
    ) -> Strategy:
        """A strategy from {read quorum: weight} and {write quorum: weight} (weights normalised)."""
        out = []
        for name, sigma, check in (("sigma_r", sigma_r, self.is_read_quorum),
                                   ("sigma_w", sigma_w, self.is_write_quorum)):
            if not isinstance(sigma, Mapping) or not sigma:
                raise invalid(name, sigma, "a non-empty {quorum: weight} mapping")
            items: list[tuple[frozenset[int], float]] = []
            for q, wgt in sigma.items():
                members = check_collection(name, q, "a {quorum: weight} mapping whose keys are "
                                           "collections of node names")
                try:
                    qset = frozenset(members)
                except TypeError:  # an unhashable member cannot be a node name
                    raise invalid(name, q, "a quorum of node names") from None
                wgt = check_real(f"{name}[{_fmt(qset)}]", wgt, 0.0)
                unknown = [x for x in qset if x not in self._index]
                if unknown or not check(qset):
                    raise invalid(name, _fmt(qset), f"{'read' if name == 'sigma_r' else 'write'} quorums")
                items.append((frozenset(self._index[x] for x in qset), float(wgt)))
            total = math.fsum(w for _, w in items)
            if not total > 0:
                raise invalid(name, dict(sigma), "weights with a positive total")
            out.append([(q, w / total) for q, w in items if w > 0])
        return self._from_lists(out[0], out[1])

    # -- metrics of the optimal strategy (quoracle's shortcuts)
    def load(self, read_fraction: Distribution | None = None, write_fraction: Distribution | None = None,
             **kw: Any) -> float:
        """Load of the optimal strategy: min over strategies of Σ_f p_f · max_x load_f(x)."""
        return self.strategy(read_fraction=read_fraction, write_fraction=write_fraction,
                             **kw).load(read_fraction, write_fraction)

    def capacity(self, read_fraction: Distribution | None = None,
                 write_fraction: Distribution | None = None, **kw: Any) -> float:
        """Capacity of the optimal strategy: Σ_f p_f / load_f (1/load for one read fraction).

        Worked case: a majority of 3 at read fraction 1 has load 2/3 and capacity 1.5.

        >>> from syncmodel.quorum import majority
        >>> round(majority(3).load(read_fraction=1.0), 12), round(majority(3).capacity(read_fraction=1.0), 12)
        (0.666666666667, 1.5)
        """
        return self.strategy(read_fraction=read_fraction, write_fraction=write_fraction,
                             **kw).capacity(read_fraction, write_fraction)

    def network_load(self, read_fraction: Distribution | None = None,
                     write_fraction: Distribution | None = None, **kw: Any) -> float:
        """Network load of the optimal strategy (``optimize="network"`` minimises it)."""
        return self.strategy(read_fraction=read_fraction, write_fraction=write_fraction,
                             **kw).network_load(read_fraction, write_fraction)

    def latency(self, read_fraction: Distribution | None = None,
                write_fraction: Distribution | None = None, **kw: Any) -> float:
        """Latency of the optimal strategy (``optimize="latency"`` minimises it)."""
        return self.strategy(read_fraction=read_fraction, write_fraction=write_fraction,
                             **kw).latency(read_fraction, write_fraction)


def _fmt(q: Iterable[Hashable]) -> str:
    return "{" + ", ".join(map(str, _st._sorted(frozenset(q)))) + "}"


def _node_set(name: str, xs: Any) -> set[Hashable]:
    """``xs`` as a set of node names, or InvalidParameterError naming ``name``."""
    expected = "a collection of node names"
    items = check_collection(name, xs, expected)
    try:
        return set(items)
    except TypeError:  # an unhashable member
        raise invalid(name, xs, expected) from None
