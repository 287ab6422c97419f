"""The factoring compiler of the exact engine (syncmodel.failure).

A structure is interned into hash-consed sub-expressions and compiled once into a
:class:`_Plan` of straight-line ops (read-once recursion, splitting into node-disjoint
parts and aligned blocks, memoized factoring on repeated nodes); evaluating a plan
for new node probabilities is arithmetic only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import numpy as np

from ._poisson import (
    CODEGEN_DP_LIMIT,
    _blocks_fail,
    _blocks_source,
    _dp_source,
    _k_of_children_fail,
    _scalar_blocks,
    _scalar_kof,
)
from .structure import Choose, Node, Structure, Tree


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
                (op[0], op[1], _index(op[2])) if op[0] == "leaves" else op for op in self.ops
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
        namespace: dict[str, Any] = {"_kof": _scalar_kof, "_blocks": _scalar_blocks}
        exec(compile("\n".join(lines), "<syncmodel.failure plan>", "exec"), namespace)
        return namespace["plan"]

    def evaluate(self, P: np.ndarray) -> np.ndarray:
        """P(S) for node failure probabilities P of shape (n, B); returns (B,)."""
        return np.asarray(self._interpret(P, batch=True))

    def evaluate_scalar(self, p: list[float]) -> float:
        """P(S) for one vector of node failure probabilities (Python floats: no numpy overhead
        outside the Poisson-binomial ops).

        The first call interprets the ops; later calls run generated straight-line code.
        """
        if self._fn is not None:
            return float(self._fn(p))
        self.calls += 1
        if self.calls >= 2 and (len(self.ops) > 1 or self._small_dp()):
            self._fn = self._codegen()
            return float(self._fn(p))
        return float(self._interpret(p, batch=False))

    def _interpret(self, P: Any, batch: bool) -> Any:
        """Run the ops on ``P``: an (n, B) array when ``batch`` (values are (B,) arrays), else
        a list of n floats (values are floats; the kernels get (m, 1) arrays)."""
        vals: list[Any] = []
        kof: Any = _k_of_children_fail if batch else _scalar_kof
        blocks: Any = _blocks_fail if batch else _scalar_blocks
        stack: Any = np.stack if batch else list
        for op in (self.arrays if batch else self.ops):
            kind = op[0]
            if kind == "leaves":
                idx = op[2]
                if batch:
                    vals.append(_k_of_children_fail(op[1], P[idx]))
                else:
                    vals.append(P[idx[0]] if len(idx) == 1 else kof(op[1], [P[i] for i in idx]))
            elif kind == "factor":
                pi = P[op[1]]
                vals.append(pi * vals[op[2]] + (1.0 - pi) * vals[op[3]])
            elif kind == "kofn":
                vals.append(kof(op[1], stack([vals[j] for j in op[2]])))
            elif kind == "blocks":
                vals.append(blocks(op[1], op[2], stack([vals[j] for j in op[3]]),
                                   stack([vals[j] for j in op[4]])))
            else:
                vals.append(np.full(P.shape[1], float(op[1])) if batch else float(op[1]))
        return vals[-1]


def _index(idx: tuple[int, ...]) -> Any:
    """Row selector of a "leaves" op: a slice (a view, no copy) for consecutive nodes."""
    if idx and list(idx) == list(range(idx[0], idx[0] + len(idx))):
        return slice(idx[0], idx[0] + len(idx))
    return np.asarray(idx, dtype=np.intp)


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
    if structure.n >= BLOCKS_MIN_NODES:
        fast = _threshold_blocks_plan(structure)
        if fast is not None:
            cache["plan"] = fast
            return fast
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


#: structures with at least this many nodes try :func:`_threshold_blocks_plan` before the
#: compiler (whose node bitmasks cost O(n) bits per sub-expression: O(n²) for a grid)
BLOCKS_MIN_NODES = 10_000


def _group(s: Structure, index: Mapping[Hashable, int]) -> tuple[int, tuple[int, ...]] | None:
    """(k, node indices) when ``s`` is a node or "k of these distinct nodes", else None."""
    if type(s) is Node:
        return 1, (index[s.name],)
    if type(s) is Choose:
        try:
            idx = tuple([index[c.name] for c in s.children])  # type: ignore[attr-defined]
        except (AttributeError, KeyError):  # a child that is not a node
            return None
        if all(type(c) is Node for c in s.children) and len(set(idx)) == len(idx):
            return s.k, idx
    return None


def _threshold_blocks_plan(structure: Structure) -> _Plan | None:
    """The plan of an aligned-blocks structure found on node names, without node bitmasks.

    Shape: S = all-of (or any-of) of X = choose(k, X_1..X_b) and side children G_t, where
    every X_t is "k_t of its distinct nodes", the X_t are node-disjoint, and each G_t is
    "k'_t of exactly the nodes of X_t" (at most one per t).  Then, per block, G_t joined
    with X_t is one threshold on the same nodes (all-of: the larger k; any-of: the
    smaller), and :func:`_blocks_fail` finishes in O(n).  A grid's reads * writes is the
    case in point (X = any full row, G_t = row t has a live node).  None if S has another
    shape (the compiler handles it).
    """
    if type(structure) is not Choose or structure.k not in (1, len(structure.children)):
        return None
    conjunction = structure.k == len(structure.children) > 1
    index = dict(zip(structure.nodes, range(structure.n), strict=True))
    for x in structure.children:
        if type(x) is not Choose or len(x.children) < 2:
            continue
        parts = [_group(c, index) for c in x.children]
        if any(g is None for g in parts):
            continue
        part_of: dict[frozenset[int], int] = {}
        for t, g in enumerate(parts):
            assert g is not None
            part_of[frozenset(g[1])] = t
        if len(part_of) != len(parts) or sum(len(g[1]) for g in parts if g) != len(
                set().union(*(g[1] for g in parts if g))):
            continue  # parts repeat or share nodes
        side: list[int | None] = [None] * len(parts)
        ok = True
        for c in structure.children:
            if c is x:
                continue
            g = _group(c, index)
            at = part_of.get(frozenset(g[1])) if g is not None else None
            if g is None or at is None or side[at] is not None:
                ok = False
                break
            side[at] = g[0]
        if not ok or sum(len(g[1]) for g in parts if g) != structure.n:
            continue
        ops: list[tuple[Any, ...]] = []
        g_slots, gx_slots = [], []
        for t, g in enumerate(parts):
            assert g is not None
            kt, idx = g
            ks = side[t]
            if ks is None:  # no side child: G_t is TRUE (all-of) or FALSE (any-of)
                ops.append(("const", 0.0 if conjunction else 1.0))
                joined = kt
            else:
                ops.append(("leaves", ks, idx))
                joined = max(kt, ks) if conjunction else min(kt, ks)
            g_slots.append(len(ops) - 1)
            ops.append(("leaves", joined, idx))
            gx_slots.append(len(ops) - 1)
        ops.append(("blocks", x.k, conjunction, tuple(g_slots), tuple(gx_slots)))
        return _Plan(ops, 0)
    return None
