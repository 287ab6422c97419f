"""Search for the best read-once quorum system over given nodes (as quoracle's ``search``):
every expression in which each node appears once, scored by its optimal strategy."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Hashable, Iterator, Sequence
from typing import Any

from .._deprecate import renamed_keywords
from ..errors import InfeasibleError, check_choice, check_int, check_real, invalid, is_iterable, too_big
from ..structure import Node, Structure, choose
from .strategy import OPTIMIZE, Distribution, Strategy
from .system import QuorumSystem

__all__ = ["MAX_CANDIDATES", "count_expressions", "expressions", "partitions", "search"]

#: most candidate expressions :func:`search` enumerates without a ``timeout_s``
MAX_CANDIDATES = 100_000


def count_expressions(n: int) -> int:
    """How many read-once expressions :func:`expressions` yields over n nodes (any height).

    E(1) = 1; E(s) = Σ_b b·P(s, b) over partitions into b ≥ 2 blocks, where
    P(s, b) = Σ_j C(s − 1, j − 1)·E(j)·P(s − j, b − 1) weighs a partition by the product
    of its blocks' counts (the block holding the first node has j nodes).  Exact ints.
    Worked case: E(2) = 2 (a + b, a * b); E(3) = 3·(2·2) + 3 = 15: three ways to pair two
    nodes, each pair one of 2 expressions and joined to the third by 1- or 2-of-2, plus
    choose(k, a, b, c) for k = 1..3.

    >>> count_expressions(2), count_expressions(3)
    (2, 15)
    """
    E = [0, 1]
    for size in range(2, n + 1):
        P = [[0] * (size + 1) for _ in range(size + 1)]  # P[s][b]
        P[0][0] = 1
        for s_ in range(1, size + 1):
            for b in range(1, s_ + 1):
                P[s_][b] = sum(math.comb(s_ - 1, j - 1) * (E[j] if j < size else 0) * P[s_ - j][b - 1]
                               for j in range(1, s_ + 1))
        E.append(sum(b * P[size][b] for b in range(2, size + 1)))
    return E[n]


def partitions(xs: Sequence[Hashable]) -> Iterator[list[list[Hashable]]]:
    """Every partition of ``xs`` into non-empty blocks (Bell(n) of them).

    Example: [1, 2, 3] has 5: {1}{2}{3}, {1,2}{3}, {1,3}{2}, {1}{2,3}, {1,2,3}.

    >>> len(list(partitions([1, 2, 3])))
    5
    """
    if not xs:
        yield []
        return
    first, rest = xs[0], xs[1:]
    for part in partitions(rest):
        yield [[first], *part]
        for i in range(len(part)):
            yield [*part[:i], [first, *part[i]], *part[i + 1:]]


def expressions(xs: Sequence[Hashable], max_height: int = 0) -> Iterator[Structure]:
    """Read-once expressions over ``xs``: "k of m" over the blocks of a partition, recursively.

    Height 1 is choose(k, xs) for k = 1..n; ``max_height`` ≤ 0 means no limit.
    The same expression may come more than once (callers dedupe).
    """
    if len(xs) == 1:
        yield Node(xs[0])
        return
    if max_height == 1:
        for k in range(1, len(xs) + 1):
            yield choose(k, list(xs))
        return
    for part in partitions(list(xs)):
        if len(part) == 1:
            continue
        subs = [list(expressions(block, max_height - 1)) for block in part]
        for kids in itertools.product(*subs):
            for k in range(1, len(kids) + 1):
                yield choose(k, list(kids))


@renamed_keywords(timeout="timeout_s")
def search(
    nodes: Sequence[Hashable],
    read_fraction: Distribution | None = None,
    write_fraction: Distribution | None = None,
    optimize: str = "load",
    resilience: int = 0,
    load_limit: float | None = None,
    network_limit: float | None = None,
    latency_limit: float | None = None,
    f: int = 0,
    timeout_s: float | None = None,
    max_candidates: int = MAX_CANDIDATES,
    **attrs: Any,
) -> tuple[QuorumSystem, Strategy]:
    """The read-once quorum system over ``nodes`` whose optimal strategy minimises ``optimize``.

    Candidates: reads = every expression where each node appears once (height ≤ 2
    first, then any height), writes = the dual; kept when resilience ≥
    ``resilience`` and a strategy meets the limits.  ``timeout_s`` (seconds)
    stops early with the best so far.  ``attrs``: capacity, read_capacity,
    write_capacity, latency as in :class:`QuorumSystem`.  Example: the paper's
    four nodes (a, b slow; c, d fast) under load ≤ 1/150 and network ≤ 2 give
    a + b + c + d with latency 1.  None qualifies -> InfeasibleError.
    Without a ``timeout_s``, more than ``max_candidates`` expressions
    (:func:`count_expressions`: 12 nodes have ~10¹⁴) raise ResourceLimitError up front.
    (``timeout_s`` was ``timeout``; ``timeout=`` still works, with a DeprecationWarning.)
    """
    if not is_iterable(nodes):
        raise invalid("nodes", nodes, "a non-empty sequence of distinct node names")
    try:
        xs = list(dict.fromkeys(nodes))
    except TypeError:
        raise invalid("nodes", nodes, "a sequence of hashable node names") from None
    if not xs or len(xs) != len(list(nodes)):
        raise invalid("nodes", nodes, "a non-empty sequence of distinct node names")
    optimize = check_choice("optimize", optimize, OPTIMIZE)
    resilience = check_int("resilience", resilience, 0)
    if timeout_s is not None:
        check_real("timeout_s", timeout_s, 0.0, lo_open=True, finite=False)
    max_candidates = check_int("max_candidates", max_candidates, 0, hi=None)
    if timeout_s is None:
        total = count_expressions(len(xs))
        if total > max_candidates:
            raise too_big(f"quorum.search over {len(xs)} nodes", f"{total:.3g} candidate expressions "
                          "(one QuorumSystem and one LP each)",
                          f"pass timeout_s= (best so far), fewer nodes, or max_candidates ≥ {total}")
    start = time.perf_counter()
    seen: set[Any] = set()
    best: tuple[float, QuorumSystem, Strategy] | None = None
    for height in (2, 0):
        for expr in expressions(xs, height):
            key = expr.tree(xs)
            if key in seen:
                continue
            seen.add(key)
            qs = QuorumSystem(expr, **attrs)
            if qs.resilience() >= resilience:
                try:
                    sigma = qs.strategy(optimize=optimize, load_limit=load_limit,
                                        network_limit=network_limit, latency_limit=latency_limit,
                                        read_fraction=read_fraction, write_fraction=write_fraction, f=f)
                except InfeasibleError:
                    sigma = None
                if sigma is not None:
                    value = {"load": sigma.load, "network": sigma.network_load,
                             "latency": sigma.latency}[optimize](read_fraction, write_fraction)
                    if best is None or value < best[0] - 1e-12:
                        best = (value, qs, sigma)
            if timeout_s is not None and time.perf_counter() - start >= timeout_s:
                break
        else:
            continue
        break
    if best is None:
        raise InfeasibleError("no quorum system over these nodes meets the resilience and the limits")
    return best[1], best[2]
