"""Helpers on compiled structure trees for quorum systems: threshold shape, fewest failures,
f-resilient expressions and subset bitmasks."""

from __future__ import annotations

import itertools
import math

import numpy as np

from ..errors import InfeasibleError
from ..structure import FALSE, TRUE, Tree, make_choose, tree_counts

__all__ = ["MAX_BITMASK_NODES", "MAX_DEMANDS"]

#: largest node count for which subsets are enumerated as bitmasks (f-resilience, weighted voting)
MAX_BITMASK_NODES = 20


# --------------------------------------------------------------------------- tree helpers
def _threshold_of(tree: Tree) -> tuple[int, tuple[int, ...]] | None:
    """(k, nodes) when the tree is "at least k of these distinct nodes", else None."""
    if tree[0] == "n":
        return 1, (tree[1],)
    kids = tree[2]
    if kids and all(ch[0] == "n" for ch in kids):
        idx = tuple(ch[1] for ch in kids)
        if len(set(idx)) == len(idx):
            return tree[1], idx
    return None


def _min_failures(tree: Tree) -> int:
    """Fewest node failures that stop a read-once tree.

    A node needs 1; "at least k of m children" stops once m − k + 1 children
    are stopped, cheapest first: the sum of the m − k + 1 smallest child values.
    """
    if tree[0] == "n":
        return 1
    vals = sorted(_min_failures(ch) for ch in tree[2])
    return sum(vals[: len(vals) - tree[1] + 1])


#: most demand vectors :func:`_resilient_tree` enumerates at one vertex
MAX_DEMANDS = 1_000_000


def _resilient_tree(tree: Tree, t: int, memo: dict[tuple[Tree, int], Tree]) -> Tree:
    """A tree satisfied by X iff stopping ``tree`` takes at least t failures inside X (read-once).

    With s(v, X) the fewest failures in X that stop v: a node gives 1 if in X;
    "k of m children" gives the sum of the m − k + 1 smallest child values.
    So s ≥ t is: for k of m nodes, |X| ≥ k − 1 + t; for all-of, every child
    ≥ t; otherwise some minimal demand vector (t_1..t_m) with the m − k + 1
    smallest summing to ≥ t is met child by child.  X is f-resilient iff
    s(root, X) ≥ f + 1.  Example: reads a*b*c + d*e*f with f = 1 need both rows.
    """
    key = (tree, t)
    if key in memo:
        return memo[key]
    if t <= 0:
        out = TRUE
    elif tree[0] == "n":
        out = tree if t == 1 else FALSE
    elif t == 1:
        out = tree
    else:
        k, kids = tree[1], tree[2]
        m = len(kids)
        if all(ch[0] == "n" for ch in kids):
            out = make_choose(k - 1 + t, kids)
        elif k == m:
            out = make_choose(m, [_resilient_tree(ch, t, memo) for ch in kids])
        else:
            r = m - k + 1
            caps = [min(t, _min_failures(ch)) for ch in kids]
            if math.prod(c + 1 for c in caps) > MAX_DEMANDS:
                raise InfeasibleError(
                    f"too many demand vectors ({math.prod(c + 1 for c in caps)}) for {t - 1}-resilience"
                )
            terms = []
            for v in itertools.product(*[range(c + 1) for c in caps]):
                if sum(sorted(v)[:r]) < t:
                    continue
                if any(v[j] > 0 and sum(sorted((*v[:j], v[j] - 1, *v[j + 1:]))[:r]) >= t
                       for j in range(m)):
                    continue  # not minimal
                terms.append(make_choose(m, [_resilient_tree(ch, vj, memo)
                                             for ch, vj in zip(kids, v, strict=True)]))
            out = make_choose(1, terms)
    memo[key] = out
    return out


def _is_read_once(tree: Tree) -> bool:
    return all(c == 1 for c in tree_counts(tree).values())


def _all_masks(n: int) -> np.ndarray:
    """The 2ⁿ subsets of n nodes as rows of a boolean matrix (row i = bits of i)."""
    if n > MAX_BITMASK_NODES:
        raise InfeasibleError(
            f"enumerating the 2^{n} subsets of {n} nodes is too costly (limit {MAX_BITMASK_NODES} nodes)"
        )
    idx = np.arange(1 << n, dtype=np.int64)
    return np.asarray(((idx[:, None] >> np.arange(n)) & 1).astype(bool))
