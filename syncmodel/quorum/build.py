"""Constructors of quorum systems: threshold, majority, Flexible Paxos, grid, Gifford's
weighted voting, and :func:`system` to pick one by name."""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np

from .._deprecate import renamed_function
from ..errors import check_choice, check_int, check_real, invalid, is_iterable
from ..structure import Sets, all_of, any_of, choose
from .system import QuorumSystem
from .trees import MAX_BITMASK_NODES, _all_masks

__all__ = ["KINDS", "flexible", "grid", "majority", "of_kind", "system", "threshold", "weighted"]


def _node_list(n_or_nodes: Any, name: str = "n") -> list[Hashable]:
    if isinstance(n_or_nodes, numbers.Integral) and not isinstance(n_or_nodes, bool):
        return list(range(check_int(name, n_or_nodes, 1)))
    if isinstance(n_or_nodes, bytes) or not is_iterable(n_or_nodes) \
            or getattr(n_or_nodes, "ndim", 1) == 0:
        raise invalid(name, n_or_nodes, "a positive int or a non-empty sequence of node names")
    given = list(n_or_nodes)  # a string gives one node per character
    try:
        out = list(dict.fromkeys(given))
    except TypeError:  # an unhashable name
        raise invalid(name, n_or_nodes, "a sequence of hashable node names") from None
    if not out or len(out) != len(given):
        raise invalid(name, n_or_nodes, "a non-empty sequence of distinct node names")
    return out


def threshold(n: Any, r: int, w: int, **attrs: Any) -> QuorumSystem:
    """Reads: any r of the n nodes; writes: any w.  They intersect iff r + w > n.

    ``n`` is an int (nodes 0..n−1) or a sequence of names.  Example:
    ``threshold(5, 2, 4)`` has read resilience 3, write resilience 1, and at
    read fraction f_r the load f_r·2/5 + (1 − f_r)·4/5.  ``attrs``: capacity,
    read_capacity, write_capacity, latency (see :class:`QuorumSystem`).

    >>> qs = threshold(5, 2, 4)
    >>> qs.read_resilience(), qs.write_resilience(), round(qs.load(read_fraction=0.5), 12)
    (3, 1, 0.6)
    """
    nodes = _node_list(n)
    m = len(nodes)
    r, w = check_int("r", r, 1, m), check_int("w", w, 1, m)
    return QuorumSystem(choose(r, nodes), choose(w, nodes), **attrs)


def majority(n_or_nodes: Any, **attrs: Any) -> QuorumSystem:
    """Reads: any ⌊n/2⌋ + 1 nodes; writes: the dual, any n − ⌊n/2⌋ (a majority for odd n).

    The convention is quoracle's: the write quorums are the minimal sets that meet every
    read quorum, so for even n the writes are *smaller* than a majority — ``majority(4)``
    reads 3 of 4 but writes 2 of 4 (any two nodes meet every 3-set).  Its write
    availability is then P(at least 2 of 4 up), not P(at least 3 of 4 up); for a cluster
    that needs a majority for both, use ``threshold(n, n // 2 + 1, n // 2 + 1)``.  The
    system's own availability (both operations) is the read side's, the stricter one.

    Worked case, p = 0.1 per node: reads (3 of 4) 0.9⁴ + 4·0.9³·0.1 = 0.9477; writes
    (2 of 4) 1 − 0.1⁴ − 4·0.1³·0.9 = 0.9963 (not 0.9477).

    >>> qs = majority(4)
    >>> round(qs.availability(0.1, op="read"), 4), round(qs.availability(0.1, op="write"), 4)
    (0.9477, 0.9963)
    >>> round(threshold(4, 3, 3).availability(0.1, op="write"), 4)
    0.9477
    """
    nodes = _node_list(n_or_nodes, "n_or_nodes")
    return QuorumSystem(choose(len(nodes) // 2 + 1, nodes), **attrs)


def flexible(n: Any, q1: int, q2: int, **attrs: Any) -> QuorumSystem:
    """Flexible Paxos (Howard et al. 2016): reads = phase-1 quorums of q1, writes = phase-2 of q2.

    Only phase-1 and phase-2 quorums must meet: q1 + q2 > n.  Example:
    ``flexible(10, 9, 2)`` keeps writes (phase 2) at 2 nodes.

    >>> flexible(10, 9, 2).writes
    choose(2, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    """
    nodes = _node_list(n)
    m = len(nodes)
    q1, q2 = check_int("q1", q1, 1, m), check_int("q2", q2, 1, m)
    return QuorumSystem(choose(q1, nodes), choose(q2, nodes), **attrs)


def grid(rows: int, cols: int, names: Sequence[Hashable] | None = None, **attrs: Any) -> QuorumSystem:
    """A rows × cols grid: a read quorum is one full row, a write quorum one node of every row.

    Nodes are 0..rows·cols−1 row by row (or ``names``).  Reads survive until
    every row has lost a node (read resilience rows − 1); writes survive until
    one row is all down (write resilience cols − 1).  Example: a 2 × 3 grid
    has read load 1/2 at read fraction 1 (each row half the time).

    >>> round(grid(2, 3).load(read_fraction=1.0), 12)
    0.5
    """
    rows = check_int("rows", rows, 1, 10**6)
    cols = check_int("cols", cols, 1, 10**6)
    nodes = list(range(rows * cols)) if names is None else _node_list(names, "names")
    if len(nodes) != rows * cols:
        raise invalid("names", names, f"{rows * cols} distinct node names")

    row_sets = [nodes[i * cols:(i + 1) * cols] for i in range(rows)]
    reads = any_of([all_of(r) for r in row_sets])
    writes = all_of([any_of(r) for r in row_sets])
    # a full row meets every one-node-per-row set: no O(rows·n) intersection check needed
    return QuorumSystem(reads, writes, _intersecting=True, **attrs)


def weighted(weights: Any, threshold: float, write_threshold: float | None = None,
             **attrs: Any) -> QuorumSystem:
    """Gifford's weighted voting: a read quorum holds ≥ ``threshold`` of the votes.

    ``weights`` is a sequence (nodes 0..n−1) or {node: votes ≥ 0}.  Writes hold
    more than total − threshold votes (the dual), or ≥ ``write_threshold`` if
    given (then threshold + write_threshold must exceed the total).  Minimal
    quorums are found over the 2ⁿ subsets (n ≤ 20).  Example: votes (2, 1, 1)
    with threshold 2 read from {0} or {1, 2} and write with {0, 1} or {0, 2}.

    >>> qs = weighted([2, 1, 1], 2)
    >>> sorted(sorted(q) for q in qs.reads.quorums()), sorted(sorted(q) for q in qs.writes.quorums())
    ([[0], [1, 2]], [[0, 1], [0, 2]])
    """
    if isinstance(weights, Mapping):
        names, vals = list(weights), list(weights.values())
    elif isinstance(weights, (Sequence, np.ndarray)) and not isinstance(weights, (str, bytes)) \
            and is_iterable(weights):
        names, vals = list(range(len(weights))), list(weights)
    else:
        raise invalid("weights", weights, "a sequence of votes or a {node: votes} mapping")
    if not vals:
        raise invalid("weights", weights, "non-empty")
    for x, v in zip(names, vals, strict=True):
        check_real(f"weights[{x!r}]", v, 0.0)
    wv = np.asarray(vals, dtype=float)
    total = float(wv.sum())
    for name, t in (("threshold", threshold), ("write_threshold", write_threshold)):
        if t is None and name == "write_threshold":
            continue
        if isinstance(t, bool) or not isinstance(t, numbers.Real) or not 0 < check_real(name, t) <= total:
            raise invalid(name, t, f"in (0, {total:g}] (the total weight)")
    if len(vals) > MAX_BITMASK_NODES:
        raise invalid("weights", f"{len(vals)} nodes", f"at most {MAX_BITMASK_NODES} nodes")
    n = len(vals)
    sums, mins = np.zeros(1), np.full(1, np.inf)
    for v in wv:  # doubling: subset i + 2^j adds node j
        sums = np.concatenate([sums, sums + v])
        mins = np.concatenate([mins, np.minimum(mins, v)])
    masks = _all_masks(n)
    tol = 1e-9 * max(total, 1.0)

    def minimal(ok: np.ndarray, still: np.ndarray) -> list[list[Hashable]]:
        """The subsets that qualify (ok) and stop qualifying without their lightest member."""
        return [[names[j] for j in np.flatnonzero(row)] for row in masks[ok & ~still]]

    # tolerance for rounding in the sums, never as large as a (tiny, valid) threshold itself
    t_r = float(threshold)
    eps = min(tol, 0.5 * t_r)
    reads = Sets(minimal(sums >= t_r - eps, sums - mins >= t_r - eps))
    if write_threshold is None:
        # writes must outweigh what the reads may leave out: total - sum < threshold, with
        # the weight left out summed directly (subset i's complement is subset 2^n - 1 - i)
        rest = sums[::-1]
        writes = Sets(minimal(rest < t_r - eps, rest + mins < t_r - eps))
    else:
        if not threshold + write_threshold > total:
            raise invalid("write_threshold", write_threshold,
                          f"> {total - threshold:g} (threshold + write_threshold must exceed the total)")
        t_w = float(write_threshold)
        eps_w = min(tol, 0.5 * t_w)
        writes = Sets(minimal(sums >= t_w - eps_w, sums - mins >= t_w - eps_w))
    return QuorumSystem(reads, writes, **attrs)


#: the constructors :func:`system` dispatches to (what the notebook's dashboard offers)
KINDS = ("majority", "threshold", "grid", "flexible")


def of_kind(kind: str, n: int = 5, r: int | None = None, w: int | None = None,
            rows: int = 2, cols: int = 3, **attrs: Any) -> QuorumSystem:
    """Build a quorum system by name: majority(n), threshold(n, r, w), grid(rows, cols), flexible(n, r, w).

    For "flexible", r and w are the phase-1 and phase-2 quorum sizes q1, q2.
    Missing r/w default to a majority and its dual.  (This was ``quorum.system``, the name
    :func:`syncmodel.markov.system` gives a repairable system; the old name still works,
    with a DeprecationWarning.)

    >>> of_kind("threshold", 5, 2, 4).writes == threshold(5, 2, 4).writes
    True
    """
    kind = check_choice("kind", kind, KINDS)
    if kind == "majority":
        return majority(n, **attrs)
    if kind == "grid":
        return grid(rows, cols, **attrs)
    n = check_int("n", n, 1)
    r = n // 2 + 1 if r is None else r
    w = n - n // 2 if w is None else w
    return threshold(n, r, w, **attrs) if kind == "threshold" else flexible(n, r, w, **attrs)


system = renamed_function(of_kind, "quorum.system", "markov.system builds a repairable system")
