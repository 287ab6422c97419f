"""P(S) and F(S): the probability that a system cannot serve, and its complement.

Exact for independent failures (read-once recursion, factoring on repeated
nodes, enumeration), for failure domains and the beta-factor common cause
(by conditioning on domain states), and Monte Carlo with a confidence interval.

Naming: the seed article writes P(S) for the probability that S cannot serve
(no live quorum) and its fault tolerance F(S) = 1 − P(S).  Peleg & Wool (1995)
call the failure probability itself F_p(S); syncmodel's ``failure_probability``
is their F_p and our ``fault_tolerance`` is its complement.

System protocol: ``system`` is a :class:`syncmodel.structure.Structure`, an
explicit collection of node sets, or any object with a method
``as_structure() -> Structure`` (duck typing).  ``quorum.QuorumSystem``
implements it as ``reads * writes``: it fails when it cannot serve both reads
and writes.
"""

from __future__ import annotations

import math
import numbers
import sys
import warnings
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from .errors import InfeasibleError, InvalidParameterError, check_probability, float_array, invalid
from .rng import Seed, as_generator
from .structure import (
    Choose,
    Node,
    Structure,
    Tree,
    as_structure,
    evaluate_tree,
)

__all__ = [
    "Domain",
    "MonteCarloResult",
    "failure_curve",
    "failure_probability",
    "failure_probability_mc",
    "fault_tolerance",
    "node_probabilities",
]

METHODS = ("auto", "exact", "recursion", "factoring", "enumeration", "montecarlo")
#: largest number of distinct nodes enumerated (2**n states)
MAX_ENUMERATION_NODES = 24
#: largest number of failure domains conditioned on exactly (2**D joint states)
MAX_DOMAINS = 16
#: factoring steps "auto" spends before falling back to enumeration (or Monte Carlo)
AUTO_FACTORING_BUDGET = 50_000
#: bit-packed word operations of enumeration worth one factoring step (both measured on
#: 2 cores, 2026-11-26: a step of an irregular set family ~100 µs, a word op ~0.3 ns)
WORD_OPS_PER_STEP = 300_000
DEFAULT_SAMPLES = 1_000_000


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class Domain:
    """A failure domain (rack, zone): with probability ``p`` all its nodes are down.

    Nodes inside a live domain still fail independently with their own p.
    A node may belong to several domains; it is down if any of them is.
    ``nodes``: a non-empty iterable of hashable node names (kept as a frozenset);
    ``p``: a probability; ``name``: a str.  Checked when the domain is made.
    """

    nodes: frozenset[Hashable]
    p: float
    name: str = ""

    def __post_init__(self) -> None:
        expected = "a non-empty iterable of hashable node names"
        if isinstance(self.nodes, (str, bytes)) or not isinstance(self.nodes, Iterable):
            raise invalid("nodes", self.nodes, expected)
        try:
            nodes = frozenset(self.nodes)
        except TypeError:  # an unhashable member
            raise invalid("nodes", self.nodes, expected) from None
        if not nodes:
            raise invalid("nodes", self.nodes, expected)
        if not isinstance(self.name, str):
            raise invalid("name", self.name, "a str")
        object.__setattr__(self, "nodes", nodes)
        object.__setattr__(self, "p", check_probability("p", self.p))


def node_probabilities(structure: Structure, p: Any) -> np.ndarray:
    """Per-node failure probabilities aligned with ``structure.nodes``.

    ``p`` is one float for every node, a sequence in the order of
    ``structure.nodes``, or a mapping {node: p} naming every node and no other.
    """
    nodes = as_structure(structure, "structure").nodes
    if isinstance(p, Mapping):
        known = set(nodes)
        unknown = [x for x in p if x not in known]
        if unknown:
            raise invalid("p", dict(p), f"a mapping over the structure's nodes (unknown: {unknown!r})")
        missing = [x for x in nodes if x not in p]
        if missing:
            raise invalid("p", dict(p), f"a mapping naming every node (missing: {missing!r})")
        arr = np.array([check_probability(f"p[{x!r}]", p[x]) for x in nodes], dtype=float)
        return arr
    if isinstance(p, numbers.Real) and not isinstance(p, bool):
        return np.full(len(nodes), check_probability("p", p))
    if isinstance(p, (str, bytes)) or not isinstance(p, (Sequence, np.ndarray)):
        raise invalid("p", p, "a float, a sequence or a {node: p} mapping")
    try:
        arr = np.asarray(p, dtype=float)
    except (TypeError, ValueError):
        raise invalid("p", p, "a float, a sequence of floats or a {node: p} mapping") from None
    if arr.ndim != 1 or arr.size != len(nodes):
        raise invalid("p", p, f"a sequence of {len(nodes)} probabilities (one per node)")
    if not np.all((arr >= 0) & (arr <= 1)):
        bad = arr[~((arr >= 0) & (arr <= 1))][0]
        raise invalid("p", float(bad), "in [0, 1] for every node")
    return arr


def _prob_list(structure: Structure, p: Any) -> list[float]:
    """Validated per-node failure probabilities as a Python list (the scalar fast path)."""
    n = structure.n
    if isinstance(p, float | int) and not isinstance(p, bool):
        v = float(p)
        if not (0.0 <= v <= 1.0):
            raise invalid("p", p, "in [0, 1]")
        return [v] * n
    if type(p) is dict and len(p) == n:
        try:
            raw = [p[x] for x in structure.nodes]  # n keys, all found: none unknown
        except KeyError:
            return node_probabilities(structure, p).tolist()  # raises, naming the node
        for x in raw:
            if type(x) is not float or not 0.0 <= x <= 1.0:
                return node_probabilities(structure, p).tolist()  # converts, or raises
        return raw
    elif isinstance(p, np.ndarray) and p.ndim == 1 and p.size == n and p.dtype.kind == "f":
        out = p.tolist()
    elif isinstance(p, list | tuple) and len(p) == n:
        try:
            out = [float(x) for x in p if not isinstance(x, bool | str)]
        except (TypeError, ValueError):
            out = []
        if len(out) != n:
            return node_probabilities(structure, p).tolist()
    else:
        return node_probabilities(structure, p).tolist()
    total = sum(out)  # NaN anywhere makes the sum NaN, which fails total == total
    if not (min(out) >= 0.0 and max(out) <= 1.0 and total == total):
        return node_probabilities(structure, p).tolist()  # raises, naming the bad value
    return out


def _domains(structure: Structure, domains: Any, beta: Any, p: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """Validated domains as (node mask, probability); beta adds one over all nodes."""
    out: list[tuple[np.ndarray, float]] = []
    if domains is None and beta is None:
        return out
    index = {x: i for i, x in enumerate(structure.nodes)}
    if domains is not None:
        if isinstance(domains, Mapping):
            items: list[Domain] = []
            for name, spec in domains.items():
                if isinstance(spec, Domain):
                    items.append(spec)
                    continue
                try:
                    members, q = spec
                except (TypeError, ValueError):
                    raise invalid("domains", {name: spec}, "a mapping name -> (nodes, p)") from None
                try:
                    items.append(Domain(members, q, str(name)))
                except InvalidParameterError as exc:
                    raise invalid(f"domains[{name!r}]", spec, f"(nodes, p) ({exc})") from None
        elif isinstance(domains, Iterable) and not isinstance(domains, (str, bytes)):
            items = list(domains)
            if not all(isinstance(d, Domain) for d in items):
                raise invalid("domains", domains, "a mapping name -> (nodes, p) or a list of Domain")
        else:
            raise invalid("domains", domains, "a mapping name -> (nodes, p) or a list of Domain")
        for d in items:
            q = check_probability(f"domains[{d.name!r}].p" if d.name else "domain p", d.p)
            members = list(d.nodes)
            if not members:
                raise invalid("domains", d, "domains with at least one node")
            unknown = [x for x in members if x not in index]
            if unknown:
                raise invalid(
                    "domains",
                    d.name or d,
                    f"domains over the structure's nodes (unknown: {unknown!r})",
                )
            mask = np.zeros(len(index), dtype=bool)
            mask[[index[x] for x in members]] = True
            out.append((mask, q))
    if beta is not None:
        b = check_probability("beta", beta)
        if b > 0:
            out.append((np.ones(len(index), dtype=bool), b * float(p.mean())))
    return out


def _prepare(
    system: Any, p: Any, beta: Any, domains: Any
) -> tuple[Structure, np.ndarray, list[tuple[np.ndarray, float]]]:
    structure = as_structure(system)
    probs = node_probabilities(structure, p)
    doms = _domains(structure, domains, beta, probs)
    if beta is not None:
        probs = probs * (1.0 - float(beta))
    return structure, probs, doms


# --------------------------------------------------------------------------- exact engine
def _k_of_children_fail(k: int, f: np.ndarray) -> np.ndarray:
    """P(fewer than k of m independent children are up); ``f`` has shape (m, B) of fail probs.

    Poisson-binomial over the up-count truncated below k: O(m·k·B).
    """
    m = f.shape[0]
    if k == 1:
        return np.prod(f, axis=0)
    if k == m:
        with np.errstate(divide="ignore"):
            return -np.expm1(np.log1p(-f).sum(axis=0))
    u = 1.0 - f
    dist = np.zeros((k, f.shape[1]))
    dist[0] = 1.0
    for j in range(m):
        # new[c] = dist[c]·f + dist[c−1]·u ; counts ≥ k leave the array (the system is up)
        shifted = dist[:-1] * u[j]
        dist *= f[j]
        dist[1:] += shifted
    return dist.sum(axis=0)


def _k_of_children_fail_py(k: int, f: Sequence[float]) -> float:
    """Scalar twin of :func:`_k_of_children_fail` on Python floats (fast for small groups)."""
    m = len(f)
    if k == 1:
        return math.prod(f)
    if k == m:
        if any(x >= 1.0 for x in f):
            return 1.0
        return -math.expm1(math.fsum(math.log1p(-x) for x in f))
    if m * k > SCALAR_DP_LIMIT:  # numpy wins past about 20k updates (benchmarks/bench_failure.py)
        return float(_k_of_children_fail(k, np.asarray(f, dtype=float)[:, None])[0])
    # dist[c] = P(c children up) over the children seen so far, updated in place for the
    # live counts lo..hi only: counts ≥ k are dropped (up), and counts that cannot reach k
    # any more (too few children left) are summed into `sure` (down)
    dist = [0.0] * k
    dist[0] = 1.0
    lo = hi = 0
    sure = 0.0
    for j, x in enumerate(f, 1):
        u = 1.0 - x
        hi = min(hi + 1, k - 1)
        for c in range(hi, lo, -1):
            dist[c] = dist[c] * x + dist[c - 1] * u
        dist[lo] *= x
        need = k - (m - j)
        while lo < need:
            sure += dist[lo]
            lo += 1
    return sure + math.fsum(dist[lo : hi + 1])


def _blocks_fail(k: int, conjunction: bool, fg: np.ndarray, fgx: np.ndarray) -> np.ndarray:
    """P(S) of a threshold X = choose(k, X_1..X_b) joined with side conditions, block by block.

    Blocks t = 1..b are node-disjoint.  ``fg[t]`` is the failure probability
    of G_t (the other children of S that live in block t) and ``fgx[t]`` that
    of G_t joined with X_t (all-of when ``conjunction``, any-of otherwise);
    shapes (b, B).  All-of: S = X ∧ ⋀G_t fails with
    P(some G_t fails) + P(every G_t holds, fewer than k X_t hold), where per
    block P(G ∧ X) = 1 − f_GX and P(G ∧ ¬X) = f_GX − f_G.  Any-of:
    S = X ∨ ⋁G_t fails with P(no G_t holds, fewer than k X_t hold), where per
    block P(¬G ∧ X) = f_G − f_GX and P(¬G ∧ ¬X) = f_GX.  The count of X_t
    that hold is a Poisson-binomial DP truncated below k: O(b·k·B).
    """
    if conjunction:
        hit, miss = 1.0 - fgx, fgx - fg
        with np.errstate(divide="ignore"):
            base = -np.expm1(np.log1p(-fg).sum(axis=0))
    else:
        hit, miss = fg - fgx, fgx
        base = np.zeros(fg.shape[1])
    dist = np.zeros((k, fg.shape[1]))
    dist[0] = 1.0
    for t in range(fg.shape[0]):
        shifted = dist[:-1] * hit[t]
        dist *= miss[t]
        dist[1:] += shifted
    return np.asarray(base + dist.sum(axis=0))


def _blocks_fail_py(k: int, conjunction: bool, fg: Sequence[float], fgx: Sequence[float]) -> float:
    """Scalar twin of :func:`_blocks_fail` on Python floats."""
    base = 0.0
    dist = [0.0] * k
    dist[0] = 1.0
    for t, (g, gx) in enumerate(zip(fg, fgx, strict=True)):
        if conjunction:
            hit, miss = 1.0 - gx, gx - g
            base = base + g * (1.0 - base)
        else:
            hit, miss = g - gx, gx
        for c in range(min(t + 1, k - 1), 0, -1):
            dist[c] = dist[c] * miss + dist[c - 1] * hit
        dist[0] *= miss
    return base + math.fsum(dist)


#: largest k·m of a k-of-m group the scalar DP runs on Python floats (numpy beyond)
SCALAR_DP_LIMIT = 12_000
#: largest k·m of a k-of-m group unrolled into generated code
CODEGEN_DP_LIMIT = 2000


def _blocks_source(k: int, conjunction: bool, g: Sequence[int], gx: Sequence[int], out: str) -> list[str]:
    """Unrolled :func:`_blocks_fail_py` over plan slots ``g`` and ``gx`` (k·b ≤ the DP limit)."""
    if k * len(g) > CODEGEN_DP_LIMIT:
        return [f"    {out} = _blocks({k}, {conjunction}, ({', '.join(f'v{int(s)}' for s in g)},), "
                f"({', '.join(f'v{int(s)}' for s in gx)},))"]
    lines = ["    _base = 0.0", "    _d0 = 1.0"]
    for t, (a, b) in enumerate(zip(g, gx, strict=True)):
        fg, fgx = f"v{int(a)}", f"v{int(b)}"
        if conjunction:
            lines.append(f"    _h = 1.0 - {fgx}; _m = {fgx} - {fg}; _base = _base + {fg} * (1.0 - _base)")
        else:
            lines.append(f"    _h = {fg} - {fgx}; _m = {fgx}")
        top = min(t + 1, k - 1)
        for c in range(top, 0, -1):
            lines.append(f"    _d{c} = " + (f"_d{c} * _m + " if c <= t else "") + f"_d{c - 1} * _h")
        lines.append("    _d0 = _d0 * _m")
    top = min(len(g), k - 1)
    lines.append(f"    {out} = _base + " + " + ".join(f"_d{c}" for c in range(top + 1)))
    return lines


def _dp_source(k: int, refs: list[str], out: str) -> list[str]:
    """Unrolled Poisson-binomial DP: ``out`` = P(fewer than k of the m children are up).

    ``refs`` are expressions for the children's failure probabilities.  Only
    live counts are kept: after child j, counts ≥ k are dropped (up) and counts
    that cannot reach k with the remaining children are summed into ``_s`` (down).
    """
    m = len(refs)
    lines = ["    _s = 0.0", "    _d0 = 1.0"]
    lo, hi = 0, 0  # live counts after the children seen so far
    for j, ref in enumerate(refs, 1):
        lines.append(f"    _x = {ref}; _u = 1.0 - _x")
        new_hi = min(hi + 1, k - 1)
        terms = {}
        for c in range(lo, new_hi + 1):
            parts = []
            if c <= hi:
                parts.append(f"_d{c} * _x")
            if c - 1 >= lo:
                parts.append(f"_d{c - 1} * _u")
            terms[c] = " + ".join(parts)
        # counts that cannot reach k: even if every one of the m − j others is up
        new_lo = max(lo, k - (m - j))
        names = [f"_e{c}" for c in range(lo, new_hi + 1)]
        lines.append(f"    {', '.join(names)} = {', '.join(terms[c] for c in range(lo, new_hi + 1))}")
        for c in range(lo, new_lo):
            lines.append(f"    _s += _e{c}")
        for c in range(new_lo, new_hi + 1):
            lines.append(f"    _d{c} = _e{c}")
        lo, hi = new_lo, new_hi
    rest = " + ".join(f"_d{c}" for c in range(lo, hi + 1)) if lo <= hi else "0.0"
    lines.append(f"    {out} = _s + {rest}")
    return lines


class _Plan:
    """A compiled exact computation of P(S): straight-line ops over node failure probabilities.

    Built once per structure by :class:`_Compiler` (recursion, splitting and
    memoized factoring); evaluating it for new p is arithmetic only.  Ops:
    ("leaves", k, idx): k of read-once nodes; ("kofn", k, slots): k of
    independent sub-results; ("factor", i, down, up): p_i·down + (1 − p_i)·up;
    ("blocks", k, conjunction, g_slots, gx_slots): see :func:`_blocks_fail`;
    ("const", v).
    """

    def __init__(self, ops: list[tuple[Any, ...]], steps: int) -> None:
        self.ops = ops
        self.steps = steps
        self.calls = 0
        self._fn: Any = None
        self._arrays: list[tuple[Any, ...]] | None = None

    @property
    def arrays(self) -> list[tuple[Any, ...]]:
        """The ops with index tuples as numpy arrays (for the batch evaluator)."""
        if self._arrays is None:
            self._arrays = [
                (op[0], op[1], np.asarray(op[2], dtype=np.intp)) if op[0] == "leaves" else op
                for op in self.ops
            ]
        return self._arrays

    def _small_dp(self) -> bool:
        op = self.ops[0]
        return bool(op[0] == "leaves" and 1 < op[1] < len(op[2]) and op[1] * len(op[2]) <= CODEGEN_DP_LIMIT)

    def _codegen(self) -> Any:
        """Straight-line Python source for the scalar evaluator, compiled once.

        Only ints and floats taken from the ops enter the source.
        """
        lines = ["def plan(p):"]
        for j, op in enumerate(self.ops):
            kind = op[0]
            if kind in ("leaves", "kofn"):
                k = int(op[1])
                refs = [f"p[{int(i)}]" if kind == "leaves" else f"v{int(i)}" for i in op[2]]
                if len(refs) == 1:
                    expr = refs[0]
                elif k == 1:
                    expr = " * ".join(refs)
                elif k == len(refs):  # all must be up: P(any fails) = v + f·(1 − v), one by one
                    lines.append(f"    v{j} = {refs[0]}")
                    lines.extend(f"    v{j} = v{j} + {r} * (1.0 - v{j})" for r in refs[1:])
                    continue
                elif k * len(refs) <= CODEGEN_DP_LIMIT:
                    lines.extend(_dp_source(k, refs, f"v{j}"))
                    continue
                else:
                    expr = f"_kof({k}, ({', '.join(refs)},))"
            elif kind == "factor":
                i, d, u = int(op[1]), int(op[2]), int(op[3])
                expr = f"p[{i}] * v{d} + (1.0 - p[{i}]) * v{u}"
            elif kind == "blocks":
                lines.extend(_blocks_source(int(op[1]), bool(op[2]), op[3], op[4], f"v{j}"))
                continue
            else:
                expr = repr(float(op[1]))
            lines.append(f"    v{j} = {expr}")
        lines.append(f"    return v{len(self.ops) - 1}")
        namespace: dict[str, Any] = {"_kof": _k_of_children_fail_py, "_blocks": _blocks_fail_py}
        exec(compile("\n".join(lines), "<syncmodel.failure plan>", "exec"), namespace)
        return namespace["plan"]

    def evaluate(self, P: np.ndarray) -> np.ndarray:
        """P(S) for node failure probabilities P of shape (n, B); returns (B,)."""
        if P.shape[1] == 1:
            return np.array([self.evaluate_scalar(P[:, 0].tolist())])
        vals: list[np.ndarray] = []
        B = P.shape[1]
        for op in self.arrays:
            kind = op[0]
            if kind == "leaves":
                vals.append(_k_of_children_fail(op[1], P[op[2]]))
            elif kind == "factor":
                pi = P[op[1]]
                vals.append(pi * vals[op[2]] + (1.0 - pi) * vals[op[3]])
            elif kind == "kofn":
                vals.append(_k_of_children_fail(op[1], np.stack([vals[j] for j in op[2]])))
            elif kind == "blocks":
                fg, fgx = (np.stack([vals[j] for j in slots]) for slots in op[3:5])
                vals.append(_blocks_fail(op[1], op[2], fg, fgx))
            else:
                vals.append(np.full(B, float(op[1])))
        return vals[-1]

    def evaluate_scalar(self, p: list[float]) -> float:
        """P(S) for one vector of node failure probabilities (Python floats: no numpy overhead).

        The first call interprets the ops; later calls run generated straight-line code.
        """
        if self._fn is not None:
            return float(self._fn(p))
        self.calls += 1
        if self.calls >= 2 and (len(self.ops) > 1 or self._small_dp()):
            self._fn = self._codegen()
            return float(self._fn(p))
        vals: list[float] = []
        for op in self.ops:
            kind = op[0]
            if kind == "leaves":
                idx = op[2]
                vals.append(
                    p[idx[0]] if len(idx) == 1 else _k_of_children_fail_py(op[1], [p[i] for i in idx])
                )
            elif kind == "factor":
                pi = p[op[1]]
                vals.append(pi * vals[op[2]] + (1.0 - pi) * vals[op[3]])
            elif kind == "kofn":
                vals.append(_k_of_children_fail_py(op[1], [vals[j] for j in op[2]]))
            elif kind == "blocks":
                vals.append(_blocks_fail_py(op[1], op[2], [vals[j] for j in op[3]], [vals[j] for j in op[4]]))
            else:
                vals.append(float(op[1]))
        return vals[-1]


class _BudgetExceeded(Exception):
    pass


class _Compiler:
    """Compile a tree to a :class:`_Plan`; ``budget`` caps the number of factoring steps.

    Sub-expressions are hash-consed to integer ids, each with the bitmask of
    its nodes, so substitution only walks the branches that hold the node,
    and equal sub-problems (reached by different factorings) are solved once.
    """

    def __init__(self, budget: int | Callable[[], int] | None) -> None:
        self.budget = budget  # a callable is asked at the first factoring step
        self.steps = 0
        self.ops: list[tuple[Any, ...]] = []
        self.k: list[int] = []  # -1: leaf
        self.kids: list[tuple[int, ...]] = []
        self.mask: list[int] = []
        self.table: dict[tuple[int, tuple[int, ...]], int] = {}
        self.slot: dict[int, int] = {}
        self.true = self._new(0, ())  # id 0
        self.false = self._new(1, ())  # id 1

    def _new(self, k: int, kids: tuple[int, ...], mask: int = 0) -> int:
        self.k.append(k)
        self.kids.append(kids)
        m = mask
        for c in kids:
            m |= self.mask[c]
        self.mask.append(m)
        ident = len(self.k) - 1
        self.table[(k, kids)] = ident
        return ident

    def leaf(self, i: int) -> int:
        key = (-1, (i,))
        if key in self.table:
            return self.table[key]
        self.k.append(-1)
        self.kids.append((i,))
        self.mask.append(1 << i)
        ident = len(self.k) - 1
        self.table[key] = ident
        return ident

    def choose(self, k: int, kids: list[int]) -> int:
        """Interned "at least k of kids", simplified like :func:`structure.make_choose`.

        Ids 0 and 1 are TRUE and FALSE; every other id is ≥ 2.
        """
        out = [c for c in kids if c > 1]
        if len(out) != len(kids):
            k -= kids.count(0)
        if k <= 0:
            return 0
        n = len(out)
        if k > n:
            return 1
        if n == 1:
            return out[0]
        if k == 1 or k == n:  # flatten all-of in all-of, any-of in any-of; x ∧ x = x ∨ x = x
            K, KIDS = self.k, self.kids
            if k == n:
                nested = [c for c in out if K[c] > 1 and K[c] == len(KIDS[c])]
            else:
                nested = [c for c in out if K[c] == 1]
            if nested:
                skip = set(nested)
                flat = [c for c in out if c not in skip]
                for c in nested:
                    flat.extend(KIDS[c])
                out = flat
            out = list(dict.fromkeys(out))
            # absorption: x ∧ (x ∨ y) = x and x ∨ (x ∧ y) = x; in an all-of, drop a child
            # choose(k', ys) with at least k' of ys among its siblings (it is implied)
            sibs = set(out)
            if k == 1:  # an all-of child that has a sibling among its children
                out = [c for c in out if not (1 < K[c] == len(KIDS[c]) and not sibs.isdisjoint(KIDS[c]))]
            else:
                out = [c for c in out if not (K[c] > 0 and sum(y in sibs for y in KIDS[c]) >= K[c])]
            if len(out) == 1:
                return out[0]
            k = 1 if k == 1 else len(out)
        key = (k, tuple(sorted(out)))
        found = self.table.get(key)
        return found if found is not None else self._new(*key)

    def from_structure(self, s: Structure, index: Mapping[Hashable, int]) -> int:
        """Intern a structure expression directly (no compiled tree in between)."""
        if type(s) is Node:
            return self.leaf(index[s.name])
        if type(s) is Choose:
            return self.choose(s.k, [self.from_structure(c, index) for c in s.children])
        return self.from_tree(s.tree(list(index)))

    def from_tree(self, tree: Tree) -> int:
        if tree[0] == "n":
            return self.leaf(tree[1])
        return self.choose(tree[1], [self.from_tree(ch) for ch in tree[2]])

    def substitute(self, ident: int, i: int, up: bool, memo: dict[int, int]) -> int:
        if not (self.mask[ident] >> i) & 1:
            return ident
        if self.k[ident] < 0:
            return self.true if up else self.false
        if ident in memo:
            return memo[ident]
        mask = self.mask
        out = self.choose(
            self.k[ident],
            [self.substitute(c, i, up, memo) if (mask[c] >> i) & 1 else c for c in self.kids[ident]],
        )
        memo[ident] = out
        return out

    def compile(self, root: int) -> _Plan:
        """The plan of an interned expression (from :meth:`from_structure` or :meth:`from_tree`)."""
        self.fail(root)  # the root's op is emitted after its children's: last
        return _Plan(self.ops, self.steps)

    def _emit(self, ident: int, op: tuple[Any, ...]) -> int:
        self.ops.append(op)
        slot = len(self.ops) - 1
        self.slot[ident] = slot
        return slot

    def _aligned_blocks(self, ident: int) -> tuple[Any, ...] | None:
        """A "blocks" op for an all-of or any-of S whose children align on node-disjoint blocks.

        Looks for a child X = choose(k, X_1..X_b) with node-disjoint X_t such that
        every other child of S shares nodes with exactly one X_t, and the blocks
        (X_t's nodes with those of the children assigned to it) stay disjoint.
        The blocks are then independent and :func:`_blocks_fail` needs, per
        block, only the failure probabilities of G_t (S's other children in
        block t, joined like S) and of G_t joined with X_t.  A grid's
        reads * writes is the case in point: X = any full row, G_t = row t has
        a live node.  None if no child fits.
        """
        k, kids = self.k[ident], self.kids[ident]
        conjunction = k == len(kids)
        K, KIDS, MASK = self.k, self.kids, self.mask
        for x in kids:
            parts = KIDS[x]
            if K[x] < 1 or len(parts) < 2:
                continue
            xm = MASK[x]
            if not all(MASK[c] & xm for c in kids):
                continue  # a child sharing no node with X would need a block of its own
            part_masks = [MASK[c] for c in parts]
            if sum(m.bit_count() for m in part_masks) != xm.bit_count():
                continue  # the parts of X share nodes
            members: list[list[int]] = [[] for _ in parts]
            blocks = list(part_masks)
            for c in kids:
                if c == x:
                    continue
                hits = [t for t, m in enumerate(part_masks) if MASK[c] & m]
                if len(hits) != 1:
                    break
                members[hits[0]].append(c)
                blocks[hits[0]] |= MASK[c]
            else:
                union = 0
                for m in blocks:
                    union |= m
                if sum(m.bit_count() for m in blocks) != union.bit_count():
                    continue  # two blocks meet through their side children
                def join(cs: list[int]) -> int:
                    return self.choose(len(cs), cs) if conjunction else self.choose(1, cs)

                g = tuple(self.fail(join(cs)) for cs in members)
                gx = tuple(self.fail(join([*cs, part])) for cs, part in zip(members, parts, strict=True))
                return ("blocks", K[x], conjunction, g, gx)
        return None

    def fail(self, ident: int) -> int:
        found = self.slot.get(ident)
        if found is not None:
            return found
        k, kids = self.k[ident], self.kids[ident]
        if k < 0:
            return self._emit(ident, ("leaves", 1, kids))
        if ident == self.true:
            return self._emit(ident, ("const", 0.0))
        if ident == self.false:
            return self._emit(ident, ("const", 1.0))
        masks = [self.mask[c] for c in kids]
        if sum(m.bit_count() for m in masks) == self.mask[ident].bit_count():  # node-disjoint
            if all(self.k[c] < 0 for c in kids):  # a read-once group of nodes
                return self._emit(ident, ("leaves", k, tuple(self.kids[c][0] for c in kids)))
            return self._emit(ident, ("kofn", k, tuple(self.fail(c) for c in kids)))
        n = len(kids)
        if k in (1, n):
            groups = _components(masks)
            if len(groups) > 1:
                parts = tuple(
                    self.fail(self.choose(k if k == 1 else len(g), [kids[j] for j in g])) for g in groups
                )
                return self._emit(ident, ("kofn", 1 if k == 1 else len(groups), parts))
            blocks = self._aligned_blocks(ident)
            if blocks is not None:
                return self._emit(ident, blocks)
        self.steps += 1
        if callable(self.budget):
            self.budget = self.budget()
        if self.budget is not None and self.steps > self.budget:
            raise _BudgetExceeded
        # factor on the lowest node (a BDD-like order: with memoization a grid costs
        # O(rows·cols) steps): P = p_i·P(S | i down) + (1 − p_i)·P(S | i up)
        m = self.mask[ident]
        i = (m & -m).bit_length() - 1
        down = self.fail(self.substitute(ident, i, False, {}))
        up = self.fail(self.substitute(ident, i, True, {}))
        return self._emit(ident, ("factor", i, down, up))


def _components(masks: list[int]) -> list[list[int]]:
    """Group indices of ``masks`` into components that share nodes (bitmask merging).

    The components kept are pairwise disjoint, so one pass suffices: a new
    mask merges every component it meets.
    """
    comps: list[tuple[int, list[int]]] = []
    for j, m in enumerate(masks):
        merged_mask, merged = m, [j]
        rest = []
        for cm, members in comps:
            if cm & m:
                merged_mask |= cm
                merged = members + merged
            else:
                rest.append((cm, members))
        rest.append((merged_mask, merged))
        comps = rest
    return [sorted(members) for _, members in comps]


def _packed_eval(tree: Tree, cols: list[np.ndarray], ones: np.ndarray) -> np.ndarray:
    """Value of a compiled tree on bit-packed states: bit r of word w is state 64·w + r.

    ``cols[i]`` holds node i's up-bits; all-of is AND, any-of is OR, and
    "at least k of m" keeps bit-vectors a_j = "at least j children so far
    hold", updated per child x as a_j |= a_(j−1) & x (O(m·k) word operations).
    """
    if tree[0] == "n":
        return cols[tree[1]]
    k, kids = tree[1], tree[2]
    if k <= 0:
        return ones
    if k > len(kids):
        return np.zeros_like(ones)
    vals = [_packed_eval(ch, cols, ones) for ch in kids]
    if k == len(kids):
        return np.bitwise_and.reduce(vals) if len(vals) > 1 else vals[0]
    if k == 1:
        return np.bitwise_or.reduce(vals) if len(vals) > 1 else vals[0]
    at_least = [ones] + [np.zeros_like(ones) for _ in range(k)]
    for m, x in enumerate(vals, 1):
        for j in range(min(m, k), 0, -1):
            at_least[j] = at_least[j] | (at_least[j - 1] & x)
    return at_least[k]


def _enumerate(tree: Tree, P: np.ndarray) -> np.ndarray:
    """Exact P(S) by summing the probabilities of all failed states, 2**n of them, vectorized.

    States are split into low bits (nodes 0..low−1, within a chunk) and high
    bits (the chunk); the structure is evaluated on bit-packed states (64 per
    machine word) and the failed states' mass is (failed low patterns) @
    P(low pattern), times P(high pattern).
    """
    n, B = P.shape
    if n > MAX_ENUMERATION_NODES:
        raise InfeasibleError(
            f"enumeration over {n} nodes needs 2**{n} states "
            f"(limit {MAX_ENUMERATION_NODES} nodes); use method='exact' or 'montecarlo'"
        )
    low = min(n, 14)
    high = n - low

    def table(cols: range) -> np.ndarray:  # probability of each bit pattern of the nodes in cols
        t = np.ones((1, B))
        for j in cols:
            t = np.concatenate([t * P[j], t * (1.0 - P[j])])  # bit 0 = down, bit 1 = up
        return t

    t_low, t_high = table(range(low)), table(range(low, n))
    if low < 6:  # fewer than 64 low patterns: evaluate on a plain boolean matrix
        live = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)
        failed = ~evaluate_tree(tree, live)
        return np.asarray(failed.astype(float) @ table(range(n)))
    words = 2**low // 64
    r = np.arange(64, dtype=np.uint64)
    w = np.arange(words)
    low_cols = []
    for j in range(low):  # node j's up-bit over the low patterns 64·w + r
        if j < 6:
            word = np.bitwise_or.reduce(((r >> np.uint64(j)) & np.uint64(1)) << r)
            low_cols.append(np.full(words, word, dtype=np.uint64))
        else:
            low_cols.append(np.where((w >> (j - 6)) & 1, ~np.uint64(0), np.uint64(0)).astype(np.uint64))
    chunk = max(1, 2**20 // 2**low)
    total = np.zeros(B)
    for h0 in range(0, 2**high, chunk):
        hs = np.arange(h0, min(2**high, h0 + chunk))
        ones = np.full((hs.size, words), ~np.uint64(0), dtype=np.uint64)
        cols = [np.broadcast_to(c, (hs.size, words)) for c in low_cols]
        for j in range(high):  # a high node's bit is constant within a chunk row
            up = ((hs >> j) & 1).astype(bool)
            cols.append(np.where(up[:, None], ones, np.uint64(0)))
        failed = ~_packed_eval(tree, cols, ones)
        bits = np.unpackbits(np.ascontiguousarray(failed).view(np.uint8), axis=1, bitorder="little")
        mass = bits.astype(float) @ t_low  # (hs, B)
        total += (mass * t_high[hs]).sum(axis=0)
    return total


def _tree_size(tree: Tree) -> int:
    return 1 if tree[0] == "n" else 1 + sum(_tree_size(ch) for ch in tree[2])


def _auto_budget(structure: Structure) -> int:
    """Factoring steps "auto" allows: no more than enumeration would cost, when it can enumerate.

    Enumeration costs about 2ⁿ/64 words × (size of the expression) word
    operations; once factoring has spent that many steps' worth, enumerating
    is the cheaper exact method (at least 200 steps are always allowed).
    """
    n = structure.n
    if n > MAX_ENUMERATION_NODES:
        return AUTO_FACTORING_BUDGET
    cost = max(1, 2**n // 64) * _tree_size(structure.tree())
    return int(min(AUTO_FACTORING_BUDGET, max(200, cost // WORD_OPS_PER_STEP)))


def _plan(structure: Structure, budget: int | Callable[[], int] | None) -> _Plan:
    """The exact plan of ``structure``, compiled once and cached on it.

    ``budget`` caps the factoring steps (None: no cap; a callable is asked only
    if factoring is needed, so structures that need none never pay for it).
    """
    cache: dict[str, Any] = structure._cached("failure_plans", dict)
    if "plan" in cache:
        return cache["plan"]
    if "exceeded" in cache and budget is not None:
        if cache["exceeded"] >= (budget() if callable(budget) else budget):
            raise _BudgetExceeded
    if type(structure) is Choose and len(structure.nodes) == len(structure.children) > 1:
        if all(type(c) is Node for c in structure.children):  # k of n distinct nodes: one op
            plan = _Plan([("leaves", structure.k, tuple(range(len(structure.children))))], 0)
            cache["plan"] = plan
            return plan
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000 + 8 * structure.n))  # factoring recurses per node
    try:
        compiler = _Compiler(budget)
        index = {x: i for i, x in enumerate(structure.nodes)}
        plan = compiler.compile(compiler.from_structure(structure, index))
    except _BudgetExceeded:
        spent = compiler.budget if isinstance(compiler.budget, int) else 0
        cache["exceeded"] = max(cache.get("exceeded", -1), spent)
        raise
    finally:
        sys.setrecursionlimit(limit)
    cache["plan"] = plan
    return plan


def _exact_fail(structure: Structure, P: np.ndarray, method: str) -> np.ndarray:
    """P(S) for node failure probabilities P (n, B) by ``method`` (not montecarlo); (B,)."""
    if method == "enumeration":
        return _enumerate(structure.tree(), P)
    if method == "recursion" and not structure.is_read_once():
        raise invalid(
            "method",
            method,
            "'recursion' only for read-once structures (each node once); use 'exact' or 'factoring'",
        )
    if method != "auto":
        return _plan(structure, None).evaluate(P)
    # auto: recursion/factoring within a budget, then enumeration
    try:
        return _plan(structure, lambda: _auto_budget(structure)).evaluate(P)
    except _BudgetExceeded:
        pass
    if P.shape[0] <= MAX_ENUMERATION_NODES:
        return _enumerate(structure.tree(), P)
    raise _BudgetExceeded


def _with_domains(
    structure: Structure, P: np.ndarray, doms: list[tuple[np.ndarray, float]], method: str
) -> np.ndarray:
    """Condition on the 2**D joint domain states; P is (n, B).  Returns (B,)."""
    if not doms:
        return _exact_fail(structure, P, method)
    D = len(doms)
    if D > MAX_DOMAINS:
        raise InfeasibleError(
            f"{D} failure domains need 2**{D} conditionings (limit {MAX_DOMAINS}); use method='montecarlo'"
        )
    n, B = P.shape
    states = ((np.arange(2**D)[:, None] >> np.arange(D)) & 1).astype(bool)  # True = domain down
    weights = np.ones(2**D)
    down = np.zeros((2**D, n), dtype=bool)
    for d, (mask, q) in enumerate(doms):
        weights *= np.where(states[:, d], q, 1.0 - q)
        down |= states[:, d, None] & mask[None, :]
    keep = weights > 0
    weights, down = weights[keep], down[keep]
    S = weights.size
    # batch column (s, b): node i fails surely if its domain is down in state s
    PP = np.where(down.T[:, :, None], 1.0, P[:, None, :]).reshape(n, S * B)
    f = _exact_fail(structure, PP, method).reshape(S, B)
    return np.asarray((weights[:, None] * f).sum(axis=0))


# --------------------------------------------------------------------------- public API
def _check_method(method: Any) -> str:
    if method not in METHODS:
        raise invalid("method", method, f"one of {METHODS}")
    return str(method)


def failure_probability(
    system: Any,
    p: Any,
    *,
    beta: float | None = None,
    method: str = "auto",
    seed: Seed = None,
    domains: Any = None,
    samples: int | None = None,
) -> float:
    """P(S): the probability that ``system`` cannot serve (no live quorum).

    Peleg & Wool's F_p; the seed article's P(S), with F(S) = 1 − P(S).

    Model: node i is down with probability ``p_i``, independently (``p`` is a
    float, a sequence in ``structure.nodes`` order, or {node: p}).
    ``domains`` ({name: (nodes, q)} or a list of :class:`Domain`): domain d
    is down with probability q_d, independently, and takes all its nodes
    down.  ``beta`` (beta-factor common cause over all nodes): with
    probability β·p̄ (p̄ = mean of p) every node fails at once; otherwise each
    node fails alone with (1 − β)·p_i.

    Methods: ``"recursion"`` (read-once: each node once): all-of fails with
    1 − ∏(1 − f_j), any-of with ∏ f_j, choose(k) with P(fewer than k children up)
    from the Poisson-binomial distribution in O(n·k); ``"factoring"``/``"exact"``:
    P(S) = p_i·P(S | i down) + (1 − p_i)·P(S | i up) on repeated nodes, with
    memoization and splitting into node-disjoint parts; before factoring, a
    threshold X = choose(k, X_1..X_b) joined with children that each sit in
    one X_t's block is split block by block (a grid's reads * writes:
    P(S) = 1 − ∏(1 − p^c) + ∏(1 − p^c − q^c) at one p, no factoring step;
    see :func:`_blocks_fail`); ``"enumeration"``: sum
    over the 2ⁿ states (n ≤ 24); ``"montecarlo"``: ``samples`` draws (default
    10⁶), see :func:`failure_probability_mc`; ``"auto"``: factoring within a
    budget (for n ≤ 24: no more steps than enumeration would cost), then
    enumeration, then Monte Carlo with a RuntimeWarning.
    Domains are exact by conditioning on their 2^D joint states.

    Worked case: a majority of 3 at p = 0.1 fails when ≥ 2 nodes are down:
    3p²(1 − p) + p³ = 0.028, so F(S) = 0.972.
    """
    method = _check_method(method)
    if method == "montecarlo":
        return failure_probability_mc(
            system,
            p,
            beta=beta,
            domains=domains,
            seed=seed,
            samples=DEFAULT_SAMPLES if samples is None else samples,
        ).estimate
    structure = as_structure(system)
    if beta is None and domains is None and method != "enumeration":
        # fast path: one vector of independent probabilities, on Python floats
        plist = _prob_list(structure, p)
        if method == "recursion" and not structure.is_read_once():
            _exact_fail(structure, np.zeros((structure.n, 1)), method)  # raises
        try:
            plan = _plan(structure, (lambda: _auto_budget(structure)) if method == "auto" else None)
            return plan.evaluate_scalar(plist)
        except _BudgetExceeded:
            pass
    structure, probs, doms = _prepare(structure, p, beta, domains)
    try:
        return float(_with_domains(structure, probs[:, None], doms, method)[0])
    except _BudgetExceeded:
        n_samples = DEFAULT_SAMPLES if samples is None else samples
        warnings.warn(
            f"no affordable exact method for this structure ({structure.n} nodes); "
            f"returning a Monte Carlo estimate from {n_samples} samples",
            RuntimeWarning,
            stacklevel=2,
        )
        return failure_probability_mc(
            system, p, beta=beta, domains=domains, seed=seed, samples=n_samples
        ).estimate


def fault_tolerance(
    system: Any,
    p: Any,
    *,
    beta: float | None = None,
    method: str = "auto",
    seed: Seed = None,
    domains: Any = None,
    samples: int | None = None,
) -> float:
    """F(S) = 1 − P(S): the probability that ``system`` can serve (its availability).

    Same arguments as :func:`failure_probability` (whose P(S) is Peleg & Wool's
    F_p; this F(S) is the seed article's fault tolerance, the complement).
    Worked case: a majority of 5 at p = 0.1 has F(S) = Σ_{j≤2} C(5, j)·0.1^j·0.9^(5−j) = 0.99144.
    """
    return 1.0 - failure_probability(
        system, p, beta=beta, method=method, seed=seed, domains=domains, samples=samples
    )


def failure_curve(
    system: Any,
    ps: Sequence[float] | np.ndarray,
    *,
    beta: float | None = None,
    domains: Any = None,
    method: str = "exact",
) -> np.ndarray:
    """P(S) at each homogeneous node failure probability in ``ps``, computed in one vectorized pass.

    The exact engine carries a batch axis, so a whole curve costs about as
    much as one point.  ``beta`` and ``domains`` are as in
    :func:`failure_probability` (domain probabilities fixed; beta scales with p).
    Example: ``failure_curve(choose(2, 3), [0.1, 0.5])`` is [0.028, 0.5].
    """
    method = _check_method(method)
    if method in ("montecarlo", "auto"):
        raise invalid("method", method, "an exact method: 'exact', 'recursion', 'factoring' or 'enumeration'")
    structure = as_structure(system)
    arr = float_array("ps", ps, "a non-empty sequence of probabilities in [0, 1]").reshape(-1)
    if arr.size == 0 or not np.all((arr >= 0) & (arr <= 1)):
        raise invalid("ps", ps, "a non-empty sequence of probabilities in [0, 1]")
    n = structure.n
    doms = _domains(structure, domains, None, np.zeros(n))
    if beta is not None:
        b = check_probability("beta", beta)
        out = np.empty(arr.size)
        for j, pj in enumerate(arr):  # the common-cause event probability changes with p
            d = [*doms, (np.ones(n, dtype=bool), b * pj)] if b > 0 else doms
            P = np.full((n, 1), pj * (1 - b))
            out[j] = _with_domains(structure, P, d, method)[0]
        return out
    P = np.broadcast_to(arr, (n, arr.size)).copy()
    return _with_domains(structure, P, doms, method)


# --------------------------------------------------------------------------- Monte Carlo
@dataclass(frozen=True)
class MonteCarloResult:
    """A Monte Carlo estimate of P(S) with its confidence interval."""

    estimate: float
    low: float
    high: float
    samples: int
    failures: int
    confidence: float
    interval: str

    def __float__(self) -> float:
        return self.estimate

    def covers(self, value: float) -> bool:
        """Whether ``value`` lies in [low, high]."""
        return self.low <= value <= self.high


def _interval(failures: int, n: int, confidence: float, kind: str) -> tuple[float, float]:
    if kind == "wilson":
        z = NormalDist().inv_cdf(0.5 + confidence / 2)
        phat = failures / n
        denom = 1 + z * z / n
        centre = (phat + z * z / (2 * n)) / denom
        half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / denom
        return max(0.0, centre - half), min(1.0, centre + half)
    from scipy.stats import beta as beta_dist  # Clopper–Pearson: exact, conservative

    alpha = 1 - confidence
    lo = 0.0 if failures == 0 else float(beta_dist.ppf(alpha / 2, failures, n - failures + 1))
    hi = 1.0 if failures == n else float(beta_dist.ppf(1 - alpha / 2, failures + 1, n - failures))
    return lo, hi


def failure_probability_mc(
    system: Any,
    p: Any,
    *,
    samples: int = DEFAULT_SAMPLES,
    confidence: float = 0.95,
    interval: str = "wilson",
    beta: float | None = None,
    domains: Any = None,
    seed: Seed = None,
    chunk: int | None = None,
) -> MonteCarloResult:
    """Monte Carlo P(S) with a confidence interval, same model as :func:`failure_probability`.

    Each sample draws every domain (down with q_d) and every node (down with
    p_i, or (1 − β)·p_i), marks the nodes of down domains down, and evaluates
    the structure on the live matrix, vectorized in chunks.  The estimate is
    the failed fraction X/N; the interval is Wilson's score interval
    (``interval="wilson"``) or Clopper–Pearson (``"clopper-pearson"``, exact
    and conservative).  Same seed, same numbers.  Example: a majority of 3 at
    p = 0.1 gives about 0.028 ± 0.0003 from 10⁶ samples.
    """
    if isinstance(samples, bool) or not isinstance(samples, numbers.Integral) or samples < 1:
        raise invalid("samples", samples, "a positive int")
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real) or not 0 < confidence < 1:
        raise invalid("confidence", confidence, "in (0, 1)")
    if interval not in ("wilson", "clopper-pearson"):
        raise invalid("interval", interval, "'wilson' or 'clopper-pearson'")
    structure, probs, doms = _prepare(system, p, beta, domains)
    rng = as_generator(seed)
    tree = structure.tree()
    n = structure.n
    if chunk is None:
        chunk = max(1024, 2**22 // max(n, 1))
    if isinstance(chunk, bool) or not isinstance(chunk, numbers.Integral) or chunk < 1:
        raise invalid("chunk", chunk, "a positive int")
    masks = np.array([m for m, _ in doms]) if doms else None
    qs = np.array([q for _, q in doms]) if doms else None
    failures = 0
    remaining = int(samples)
    while remaining:
        m = min(int(chunk), remaining)
        live = rng.random((m, n)) >= probs
        if masks is not None and qs is not None:
            dom_down = rng.random((m, len(qs))) < qs
            live &= ~(dom_down.astype(np.uint8) @ masks.astype(np.uint8)).astype(bool)
        failures += int(m - np.count_nonzero(evaluate_tree(tree, live)))
        remaining -= m
    lo, hi = _interval(failures, int(samples), float(confidence), interval)
    return MonteCarloResult(
        failures / int(samples), lo, hi, int(samples), failures, float(confidence), interval
    )
