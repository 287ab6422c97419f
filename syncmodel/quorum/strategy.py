"""Strategies of a read-write quorum system: node loads, capacity, network load, latency.

A strategy picks read quorums with distribution σ_r and write quorums with σ_w.
:func:`solve` finds the optimal one with one linear program (scipy HiGHS), either
over the listed quorums or, for read-once expressions, over node marginals only.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InfeasibleError, InvalidParameterError, check_probability, check_real, invalid
from ..rng import Seed, as_generator
from ..structure import Tree

if TYPE_CHECKING:  # pragma: no cover
    from .system import QuorumSystem

__all__ = ["OPTIMIZE", "Strategy", "canonicalize", "solve"]

#: what :meth:`QuorumSystem.strategy` can minimise
OPTIMIZE = ("load", "network", "latency")
#: LP values below this are taken as zero when a strategy is read back
_EPS = 1e-12

Distribution = float | Mapping[float, float]


# --------------------------------------------------------------------------- workloads
def _fraction(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise invalid(name, value, "a number in [0, 1] or a {fraction: weight} mapping")
    return check_probability(name, value)


def canonicalize(
    read_fraction: Distribution | None = None, write_fraction: Distribution | None = None
) -> list[tuple[float, float]]:
    """The workload as ``[(read fraction f_r, probability), ...]``, probabilities summing to 1.

    Exactly one of ``read_fraction`` / ``write_fraction`` is given: a number in
    [0, 1] or a mapping {fraction: weight ≥ 0} (weights are normalised).  A write
    fraction f_w stands for the read fraction 1 − f_w.  Example:
    ``canonicalize({0.1: 1, 0.75: 3})`` is ``[(0.1, 0.25), (0.75, 0.75)]``.

    >>> canonicalize({0.1: 1, 0.75: 3})
    [(0.1, 0.25), (0.75, 0.75)]
    """
    if (read_fraction is None) == (write_fraction is None):
        raise InvalidParameterError(
            "give exactly one of read_fraction and write_fraction, got "
            f"read_fraction={read_fraction!r}, write_fraction={write_fraction!r}"
        )
    name = "read_fraction" if read_fraction is not None else "write_fraction"
    d: Any = read_fraction if read_fraction is not None else write_fraction
    if isinstance(d, Mapping):
        if not d:
            raise invalid(name, dict(d), "a non-empty {fraction: weight} mapping")
        pairs = []
        for f, wgt in d.items():
            fv = _fraction(f"{name} key", f)
            if isinstance(wgt, bool) or not isinstance(wgt, numbers.Real) or not check_real(name, wgt) >= 0:
                raise invalid(f"{name}[{f!r}]", wgt, "a weight >= 0")
            pairs.append((fv, float(wgt)))
        total = math.fsum(w for _, w in pairs)
        if not (total > 0 and math.isfinite(total)):
            raise invalid(name, dict(d), "a mapping with a positive finite total weight")
        out = [(f, w / total) for f, w in pairs if w > 0]
    else:
        out = [(_fraction(name, d), 1.0)]
    if write_fraction is not None:
        out = [(1.0 - f, w) for f, w in out]
    return out


# --------------------------------------------------------------------------- strategy
class Strategy:
    """A read and a write strategy of a quorum system.

    ``read_probability[x]`` (``write_probability[x]``) is the probability that
    node x is in the chosen read (write) quorum.  At read fraction f_r the load
    of node x is ``f_r·P_r(x)/rcap(x) + (1 − f_r)·P_w(x)/wcap(x)``; the load of
    the strategy is the largest node load and its capacity is 1/load.  With a
    workload distribution {f_r: p} the load is Σ p·load(f_r) and the capacity
    Σ p/load(f_r) (as quoracle defines them).
    """

    def __init__(
        self,
        qs: QuorumSystem,
        read_marginals: np.ndarray,
        write_marginals: np.ndarray,
        sigma_r: Callable[[], list[tuple[frozenset[int], float]]],
        sigma_w: Callable[[], list[tuple[frozenset[int], float]]],
    ) -> None:
        self.qs = qs
        self._pr = np.clip(np.asarray(read_marginals, dtype=float), 0.0, 1.0)
        self._pw = np.clip(np.asarray(write_marginals, dtype=float), 0.0, 1.0)
        self._sigma_fns = (sigma_r, sigma_w)
        self._sigmas: dict[int, list[tuple[frozenset[int], float]]] = {}

    # -- distributions
    def _sigma(self, side: int) -> list[tuple[frozenset[int], float]]:
        if side not in self._sigmas:
            self._sigmas[side] = self._sigma_fns[side]()
        return self._sigmas[side]

    def _named(self, side: int) -> dict[frozenset[Hashable], float]:
        nodes = self.qs.nodes
        return {frozenset(nodes[i] for i in q): p for q, p in self._sigma(side)}

    @property
    def sigma_r(self) -> dict[frozenset[Hashable], float]:
        """The read strategy: {read quorum: probability} (built on demand for marginal strategies)."""
        return self._named(0)

    @property
    def sigma_w(self) -> dict[frozenset[Hashable], float]:
        """The write strategy: {write quorum: probability}."""
        return self._named(1)

    @property
    def read_probability(self) -> dict[Hashable, float]:
        """{node: probability that it is in the chosen read quorum}."""
        return dict(zip(self.qs.nodes, self._pr.tolist(), strict=True))

    @property
    def write_probability(self) -> dict[Hashable, float]:
        """{node: probability that it is in the chosen write quorum}."""
        return dict(zip(self.qs.nodes, self._pw.tolist(), strict=True))

    def _sample(self, side: int, seed: Seed) -> frozenset[Hashable]:
        sig = self._sigma(side)
        probs = np.array([p for _, p in sig])
        i = int(as_generator(seed).choice(len(sig), p=probs / probs.sum()))
        return frozenset(self.qs.nodes[j] for j in sig[i][0])

    def get_read_quorum(self, seed: Seed = None) -> frozenset[Hashable]:
        """A read quorum drawn from σ_r."""
        return self._sample(0, seed)

    def get_write_quorum(self, seed: Seed = None) -> frozenset[Hashable]:
        """A write quorum drawn from σ_w."""
        return self._sample(1, seed)

    # -- metrics
    def _loads(self, fr: float) -> np.ndarray:
        rc, wc = self.qs._read_cap, self.qs._write_cap
        return np.asarray(fr * self._pr / rc + (1.0 - fr) * self._pw / wc)

    def node_loads(
        self, read_fraction: Distribution | None = None, write_fraction: Distribution | None = None
    ) -> dict[Hashable, float]:
        """{node: load}: Σ_f p_f·(f·P_r(x)/rcap(x) + (1 − f)·P_w(x)/wcap(x))."""
        d = canonicalize(read_fraction, write_fraction)
        total = sum(p * self._loads(f) for f, p in d)
        return dict(zip(self.qs.nodes, np.asarray(total).tolist(), strict=True))

    def node_load(
        self,
        node: Hashable,
        read_fraction: Distribution | None = None,
        write_fraction: Distribution | None = None,
    ) -> float:
        """The load of one node (see :meth:`node_loads`)."""
        loads = self.node_loads(read_fraction, write_fraction)
        if not isinstance(node, Hashable) or node not in loads:
            raise invalid("node", node, f"a node of the system, one of {list(loads)}")
        return loads[node]

    def load(
        self, read_fraction: Distribution | None = None, write_fraction: Distribution | None = None
    ) -> float:
        """Σ_f p_f · max_x load_f(x): the expected load of the busiest node."""
        d = canonicalize(read_fraction, write_fraction)
        return float(sum(p * float(self._loads(f).max()) for f, p in d))

    def capacity(
        self, read_fraction: Distribution | None = None, write_fraction: Distribution | None = None
    ) -> float:
        """Σ_f p_f / max_x load_f(x): operations per second the system sustains."""
        d = canonicalize(read_fraction, write_fraction)
        out = 0.0
        for f, p in d:
            peak = float(self._loads(f).max())
            if peak <= 0:
                raise InfeasibleError("the strategy puts no load on any node: capacity is unbounded")
            out += p / peak
        return out

    def node_utilization(
        self, read_fraction: Distribution | None = None, write_fraction: Distribution | None = None
    ) -> dict[Hashable, float]:
        """{node: Σ_f p_f · load_f(x)/load_f}: the fraction of its capacity each node uses."""
        d = canonicalize(read_fraction, write_fraction)
        total = sum(p * self._loads(f) / float(self._loads(f).max()) for f, p in d)
        return dict(zip(self.qs.nodes, np.asarray(total).tolist(), strict=True))

    def node_throughput(
        self, read_fraction: Distribution | None = None, write_fraction: Distribution | None = None
    ) -> dict[Hashable, float]:
        """{node: operations per second it serves at the system's capacity}."""
        d = canonicalize(read_fraction, write_fraction)
        total = sum(
            p / float(self._loads(f).max()) * (f * self._pr + (1 - f) * self._pw) for f, p in d
        )
        return dict(zip(self.qs.nodes, np.asarray(total).tolist(), strict=True))

    def network_load(
        self, read_fraction: Distribution | None = None, write_fraction: Distribution | None = None
    ) -> float:
        """Expected number of nodes contacted per operation: f̄·E|R| + (1 − f̄)·E|W|.

        f̄ is the mean read fraction; E|Q| = Σ_x P(x ∈ Q).
        """
        fr = sum(f * p for f, p in canonicalize(read_fraction, write_fraction))
        return float(fr * self._pr.sum() + (1 - fr) * self._pw.sum())

    def latency(
        self, read_fraction: Distribution | None = None, write_fraction: Distribution | None = None
    ) -> float:
        """Expected latency of an operation: f̄·E[lat(R)] + (1 − f̄)·E[lat(W)].

        The latency of a quorum Q is the smallest t such that the nodes of Q
        with latency ≤ t form a quorum (for a minimal quorum: its slowest node).
        """
        fr = sum(f * p for f, p in canonicalize(read_fraction, write_fraction))
        out = 0.0
        for side, weight in ((0, fr), (1, 1.0 - fr)):
            if weight == 0:
                continue
            sig = self._sigma(side)
            lat = self.qs._quorum_latencies([q for q, _ in sig], read=side == 0)
            out += weight * float(np.dot(lat, [p for _, p in sig]))
        return out

    def __repr__(self) -> str:
        def fmt(d: dict[frozenset[Hashable], float]) -> str:
            items = sorted(d.items(), key=lambda kv: -kv[1])
            return ", ".join(
                "{" + ", ".join(map(str, _sorted(q))) + f"}}: {p:.4g}" for q, p in items[:8]
            ) + (", ..." if len(items) > 8 else "")

        return f"Strategy(reads=[{fmt(self.sigma_r)}], writes=[{fmt(self.sigma_w)}])"


def _sorted(q: frozenset[Hashable]) -> list[Hashable]:
    try:
        return sorted(q)  # type: ignore[type-var]
    except TypeError:
        return sorted(q, key=repr)


# --------------------------------------------------------------------------- read-once marginals
def vertices(tree: Tree) -> list[Tree]:
    """The vertices of a compiled tree in pre-order (index = LP variable of that vertex)."""
    out: list[Tree] = []

    def walk(t: Tree) -> None:
        out.append(t)
        if t[0] == "c":
            for ch in t[2]:
                walk(ch)

    walk(tree)
    return out


def compact_block(tree: Tree, n: int) -> dict[str, Any]:
    """LP pieces of the marginal formulation of a read-once tree.

    One variable s_v per vertex (the probability that vertex v is part of the
    chosen quorum): s_root = 1; for a vertex "at least k of its children",
    Σ s_child = k·s_v and s_child ≤ s_v.  Node x's marginal is s of its leaf.
    Every point of this polytope is the marginal vector of a distribution over
    minimal quorums (systematic sampling at each vertex), and back.
    """
    verts = vertices(tree)
    pos = {id(v): i for i, v in enumerate(verts)}
    eq_rows: list[tuple[list[int], list[float], float]] = [([0], [1.0], 1.0)]
    ub_rows: list[tuple[list[int], list[float], float]] = []
    node_of = np.zeros((n, len(verts)))
    for i, v in enumerate(verts):
        if v[0] == "n":
            node_of[v[1], i] = 1.0
            continue
        kids = [pos[id(ch)] for ch in v[2]]
        eq_rows.append(([*kids, i], [1.0] * len(kids) + [-float(v[1])], 0.0))
        for c in kids:
            ub_rows.append(([c, i], [1.0, -1.0], 0.0))
    return dict(verts=verts, eq=eq_rows, ub=ub_rows, marg=node_of,
                size=node_of.sum(axis=0), nvar=len(verts))


def _chain(to_root: Callable[[float], float], lo: float, hi: float) -> Callable[[float], float]:
    """Map a child's local u' in [0, 1) to the root's u through its parent's interval [lo, hi)."""
    return lambda y: to_root((lo + (hi - lo) * y) % 1.0)


def systematic(tree: Tree, verts: list[Tree], scales: np.ndarray) -> list[tuple[frozenset[int], float]]:
    """A distribution over minimal quorums with the vertex probabilities ``scales``.

    At each vertex "at least k of m children", child c is taken with probability
    π_c = s_c/s_v (Σ π_c = k) by systematic sampling: with one uniform u, the
    children whose cumulative interval [C_{c−1}, C_c) contains u + t for some
    integer t.  The chosen child reuses u, rescaled to its own [0, 1).  So the
    quorum is a step function of u with at most one step per vertex and child.
    """
    pos = {id(v): i for i, v in enumerate(verts)}
    cum: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for i, v in enumerate(verts):
        if v[0] == "c" and scales[i] > _EPS:
            kids = np.array([pos[id(ch)] for ch in v[2]])
            pi = np.clip(scales[kids] / scales[i], 0.0, 1.0)
            pi[pi < 1e-10] = 0.0
            pi *= v[1] / pi.sum()
            cum[i] = (kids, np.concatenate([[0.0], np.cumsum(pi)]))

    def pick(i: int, u: float, acc: set[int]) -> None:
        v = verts[i]
        if v[0] == "n":
            acc.add(v[1])
            return
        kids, c = cum[i]
        for j, kid in enumerate(kids):
            lo, hi = c[j], c[j + 1]
            if hi - lo <= 0:
                continue
            t = math.ceil(lo - u)
            if u + t < hi:
                pick(int(kid), (u + t - lo) / (hi - lo), acc)

    # breakpoints in root u: map each vertex's local breakpoints up its chain
    points = {0.0, 1.0}

    def collect(i: int, to_root: Callable[[float], float]) -> None:
        if i not in cum:
            return
        kids, c = cum[i]
        for x in c:
            points.add(to_root(x - math.floor(x)))
        for j, kid in enumerate(kids):
            lo, hi = c[j], c[j + 1]
            if hi - lo > 0:
                collect(int(kid), _chain(to_root, float(lo), float(hi)))

    collect(0, lambda y: y)
    pts = sorted(p for p in points if 0.0 <= p <= 1.0)
    dist: dict[frozenset[int], float] = {}
    for a, b in itertools.pairwise(pts):
        if b - a <= 1e-15:
            continue
        acc: set[int] = set()
        pick(0, (a + b) / 2, acc)
        q = frozenset(acc)
        dist[q] = dist.get(q, 0.0) + (b - a)
    total = sum(dist.values())
    return [(q, p / total) for q, p in dist.items()]


# --------------------------------------------------------------------------- the LP
@dataclass
class Side:
    """One side (reads or writes) of the LP: its variables and how they map to nodes."""

    nvar: int
    marg: Any  # (n, nvar) node marginal map
    size: np.ndarray  # network coefficient per variable
    latency: np.ndarray | None  # latency coefficient per variable (enumerated sides only)
    eq: list[tuple[list[int], list[float], float]]
    ub: list[tuple[list[int], list[float], float]]
    readback: Callable[[np.ndarray], Callable[[], list[tuple[frozenset[int], float]]]]


def enumerated_side(quorums: np.ndarray, latency: np.ndarray | None) -> Side:
    """A side whose variables are the probabilities of the listed quorums (rows of a 0/1 matrix)."""
    m = quorums.shape[0]
    mat = quorums.T.astype(float)

    def readback(x: np.ndarray) -> Callable[[], list[tuple[frozenset[int], float]]]:
        keep = np.flatnonzero(x > _EPS)
        w = x[keep] / x[keep].sum()
        sets = [frozenset(np.flatnonzero(quorums[i]).tolist()) for i in keep]
        return lambda: list(zip(sets, w.tolist(), strict=True))

    return Side(m, mat, quorums.sum(axis=1).astype(float), latency,
                [(list(range(m)), [1.0] * m, 1.0)], [], readback)


def compact_side(tree: Tree, n: int) -> Side:
    """A side in the marginal formulation of a read-once tree (see :func:`compact_block`)."""
    blk = compact_block(tree, n)

    def readback(x: np.ndarray) -> Callable[[], list[tuple[frozenset[int], float]]]:
        return lambda: systematic(tree, blk["verts"], x)

    return Side(blk["nvar"], blk["marg"], blk["size"], None, blk["eq"], blk["ub"], readback)


class _Triplets:
    """Rows of a sparse constraint matrix collected as (row, col, value) arrays."""

    def __init__(self, ncol: int) -> None:
        self.ncol, self.nrow = ncol, 0
        self.r: list[np.ndarray] = []
        self.c: list[np.ndarray] = []
        self.v: list[np.ndarray] = []
        self.rhs: list[np.ndarray] = []

    def add(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray) -> None:
        self.r.append(np.asarray(rows))
        self.c.append(np.asarray(cols))
        self.v.append(np.asarray(vals, dtype=float))

    def add_dense_sparse(self, cols: np.ndarray, vals: np.ndarray, rhs: float) -> None:
        self.add(np.full(len(cols), self.nrow), cols, vals)
        self.rhs.append(np.array([rhs]))
        self.nrow += 1

    def add_dense(self, row: np.ndarray, rhs: float) -> None:
        cols = np.flatnonzero(row)
        self.add_dense_sparse(cols, row[cols], rhs)

    def matrix(self, sparse: Any) -> tuple[Any, Any]:
        if self.nrow == 0:
            return None, None
        m = sparse.csr_matrix(
            (np.concatenate(self.v), (np.concatenate(self.r), np.concatenate(self.c))),
            shape=(self.nrow, self.ncol),
        )
        return m, np.concatenate(self.rhs)


def solve(
    qs: QuorumSystem,
    read: Side,
    write: Side,
    dist: Sequence[tuple[float, float]],
    optimize: str,
    load_limit: float | None,
    network_limit: float | None,
    latency_limit: float | None,
) -> Strategy:
    """Solve the strategy LP (HiGHS) and return the optimal :class:`Strategy`.

    Variables: x_r (read side), x_w (write side), one l_f per read fraction f.
    load: minimise Σ p_f·l_f with f·P_r(x)/rcap(x) + (1 − f)·P_w(x)/wcap(x) ≤ l_f for
    every node x; network: f̄·Σ|R|·x_R + (1 − f̄)·Σ|W|·x_W; latency: the same with
    quorum latencies.  Limits become ≤ rows.  No feasible point -> InfeasibleError.
    """
    from scipy import sparse
    from scipy.optimize import linprog

    nr, nw, k = read.nvar, write.nvar, len(dist)
    need_load = optimize == "load" or load_limit is not None
    nl = k if need_load else 0
    nx = nr + nw + nl
    fbar = math.fsum(f * p for f, p in dist)
    rc, wc = qs._read_cap, qs._write_cap
    obj_load = np.concatenate([np.zeros(nr + nw), [p for _, p in dist]]) if need_load else None
    obj_net = np.concatenate([fbar * read.size, (1 - fbar) * write.size, np.zeros(nl)])

    def obj_lat() -> np.ndarray:
        assert read.latency is not None and write.latency is not None
        return np.concatenate([fbar * read.latency, (1 - fbar) * write.latency, np.zeros(nl)])

    ub = _Triplets(nx)
    if need_load:
        n = qs.n
        ri, rcol = np.nonzero(read.marg)
        rv = np.asarray(read.marg)[ri, rcol] / rc[ri]
        wi, wcol = np.nonzero(write.marg)
        wv = np.asarray(write.marg)[wi, wcol] / wc[wi]
        for j, (f, _) in enumerate(dist):
            base = ub.nrow
            ub.add(base + ri, rcol, f * rv)
            ub.add(base + wi, nr + wcol, (1 - f) * wv)
            ub.add(base + np.arange(n), np.full(n, nr + nw + j), -np.ones(n))
            ub.rhs.append(np.zeros(n))
            ub.nrow += n
    for limit, row in ((load_limit, obj_load), (network_limit, obj_net),
                       (latency_limit, obj_lat() if latency_limit is not None else None)):
        if limit is not None:
            assert row is not None
            ub.add_dense(row, float(limit))
    eq = _Triplets(nx)
    for side, off in ((read, 0), (write, nr)):
        for cols, coefs, b in side.eq:
            eq.add_dense_sparse(np.asarray(cols) + off, np.asarray(coefs), b)
        for cols, coefs, b in side.ub:
            ub.add_dense_sparse(np.asarray(cols) + off, np.asarray(coefs), b)
    c = {"load": obj_load, "network": obj_net}.get(optimize)
    if c is None:
        c = obj_lat()
    a_ub, b_ub = ub.matrix(sparse)
    a_eq, b_eq = eq.matrix(sparse)
    res = linprog(
        c,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=[(0.0, 1.0)] * (nr + nw) + [(0.0, None)] * nl,
        method="highs",
    )
    if res.status == 2:
        raise InfeasibleError(
            "no strategy meets the limits "
            f"(load_limit={load_limit}, network_limit={network_limit}, latency_limit={latency_limit})"
        )
    if res.status != 0:  # pragma: no cover - HiGHS trouble
        raise InfeasibleError(f"the strategy LP failed: {res.message}")
    x = np.asarray(res.x)
    xr, xw = x[:nr], x[nr:nr + nw]
    pr = np.asarray(read.marg @ xr).ravel()
    pw = np.asarray(write.marg @ xw).ravel()
    return Strategy(qs, pr, pw, read.readback(xr), write.readback(xw))
