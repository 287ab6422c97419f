"""HDFS block placement: where the replicas of a block go, and what one rack failure costs.

Policies: ``rack-aware`` (HDFS BlockPlacementPolicyDefault), ``random`` (k distinct
nodes uniformly) and ``rack-fault-tolerant`` (k distinct racks).  Exact by
enumerating every placement with its probability, or Monte Carlo over blocks.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import check_choice, check_int, invalid, too_big
from ..rng import Seed, as_generator

__all__ = ["POLICIES", "blocks_lost_probability", "placements", "rack_loss_montecarlo",
           "rack_loss_probability", "sample_placements", "survives_any_single_rack"]

POLICIES = ("rack-aware", "random", "rack-fault-tolerant")


def _check(policy: Any, racks: Any, per_rack: Any, replicas: Any) -> tuple[str, int, int, int]:
    policy = check_choice("policy", policy, POLICIES)
    for name, v in (("racks", racks), ("per_rack", per_rack), ("replicas", replicas)):
        check_int(name, v, 1)
    r, m, k = int(racks), int(per_rack), int(replicas)
    if k > r * m:
        raise invalid("replicas", k, f"at most racks × per_rack = {r * m}")
    if policy == "rack-aware" and k >= 2 and r < 2:
        raise invalid("racks", r, "≥ 2 for rack-aware placement")
    if policy == "rack-aware" and k >= 3 and m < 2:
        raise invalid("per_rack", m, "≥ 2 for rack-aware placement of 3 or more replicas")
    if policy == "rack-fault-tolerant" and k > r:
        raise invalid("replicas", k, f"at most racks = {r} for rack-fault-tolerant placement")
    return policy, r, m, k


#: most placements :func:`placements` enumerates (~10 s here)
MAX_PLACEMENTS = 5_000_000


def _placement_count(policy: str, r: int, m: int, k: int) -> int:
    """How many placements :func:`placements` yields (exact ints, nothing enumerated)."""
    n = r * m
    if policy == "random":
        return math.comb(n, k)
    if policy == "rack-fault-tolerant":
        return math.comb(r, k) * m**k
    if k == 1:
        return n
    firsts = m if k == 2 else math.comb(m, 2)
    return n * (r - 1) * firsts * math.comb(n - min(k, 3), k - min(k, 3))


def placements(policy: str, racks: int, per_rack: int, replicas: int = 3
               ) -> Iterator[tuple[frozenset[int], float]]:
    """Every placement of one block's replicas with its probability (sums to 1).

    Node ``i`` sits in rack ``i // per_rack``.  ``random``: each of the C(N, k)
    k-subsets with probability 1/C(N, k).  ``rack-aware`` (the writer runs on a
    uniformly chosen DataNode): replica 1 on the writer's node, replica 2 on a node
    of a different rack, replica 3 on another node of that same remote rack, further
    replicas uniformly on the remaining nodes.  ``rack-fault-tolerant``: k distinct
    racks uniformly, one uniform node in each.
    Worked case: 2 racks of 2, 3 replicas, rack-aware: 4 writer nodes × 1 remote
    rack × 1 pair = 4 placements of probability 1/4 each.
    """
    policy, r, m, k = _check(policy, racks, per_rack, replicas)
    n = r * m
    count = _placement_count(policy, r, m, k)
    if count > MAX_PLACEMENTS:
        raise too_big(f"placements({policy!r}, racks={r}, per_rack={m}, replicas={k})",
                      f"{count:.3g} placements", "use rack_loss_montecarlo / sample_placements, "
                      "or fewer racks, nodes or replicas")
    if policy == "random":
        w = 1.0 / math.comb(n, k)
        for c in itertools.combinations(range(n), k):
            yield frozenset(c), w
        return
    if policy == "rack-fault-tolerant":
        w = 1.0 / (math.comb(r, k) * m**k)
        for rs in itertools.combinations(range(r), k):
            for slots in itertools.product(range(m), repeat=k):
                yield frozenset(rr * m + s for rr, s in zip(rs, slots, strict=True)), w
        return
    for writer in range(n):
        a = writer // m
        if k == 1:
            yield frozenset({writer}), 1.0 / n
            continue
        for b in (x for x in range(r) if x != a):
            remote = range(b * m, (b + 1) * m)
            firsts = [(x,) for x in remote] if k == 2 else list(itertools.combinations(remote, 2))
            for pair in firsts:
                base = {writer, *pair}
                rest = [x for x in range(n) if x not in base]
                extra = list(itertools.combinations(rest, k - len(base)))
                w = 1.0 / (n * (r - 1) * len(firsts) * len(extra))
                for e in extra:
                    yield frozenset(base | set(e)), w


def rack_loss_probability(policy: str, racks: int, per_rack: int, replicas: int = 3) -> float:
    """P(a block loses every replica | one uniformly chosen rack fails), exact.

    Enumerates :func:`placements`; a block is lost when all its replicas sit in
    the failed rack.  Closed form for ``random``: C(m, k) / C(R·m, k) (the rack is
    one of R, all k replicas must be among its m nodes); ``rack-aware`` and
    ``rack-fault-tolerant`` give 0 for k ≥ 2 (replicas span two racks).
    Worked case: 3 racks of 3, k = 3, random: C(3, 3)/C(9, 3) = 1/84.

    >>> from fractions import Fraction
    >>> Fraction(rack_loss_probability('random', 3, 3, 3)).limit_denominator(1000)
    Fraction(1, 84)
    """
    policy, r, m, k = _check(policy, racks, per_rack, replicas)
    if k == 1:  # every policy puts the one replica on a uniform node: lost with its rack
        return 1.0 / r
    if policy != "random":  # k ≥ 2 replicas always span two racks
        return 0.0
    if _placement_count(policy, r, m, k) > MAX_PLACEMENTS:  # the closed form, not enumeration
        return math.comb(m, k) / math.comb(r * m, k)
    total = 0.0
    for nodes, w in placements(policy, r, m, k):
        rs = {x // m for x in nodes}
        if len(rs) == 1:
            total += w / r  # lost only if its one rack is the failed one
    return total


def survives_any_single_rack(policy: str, racks: int, per_rack: int, replicas: int = 3) -> bool:
    """True when *every* possible placement keeps a replica after any one rack fails."""
    policy, r, m, k = _check(policy, racks, per_rack, replicas)
    return all(len({x // m for x in nodes}) >= 2 for nodes, _ in placements(policy, r, m, k))


def blocks_lost_probability(blocks: int, policy: str, racks: int, per_rack: int,
                            replicas: int = 3) -> float:
    """P(at least one of ``blocks`` independently placed blocks is lost | one rack fails).

    Formula: 1 − (1 − q)^B with q the per-block loss for a *given* failed rack,
    q = R · :func:`rack_loss_probability` / R = C(m, k)/C(N, k) for random placement
    (the failed rack is fixed, every block placed independently).
    Worked case: random, 3 racks of 3, k = 3, B = 100: 1 − (83/84)^100 ≈ 0.698.

    >>> round(blocks_lost_probability(100, 'random', 3, 3, 3), 3), round(1 - (83 / 84) ** 100, 3)
    (0.698, 0.698)
    """
    blocks = check_int("blocks", blocks, 1)
    q = rack_loss_probability(policy, racks, per_rack, replicas)
    return float(-math.expm1(blocks * math.log1p(-q))) if q < 1 else 1.0


def sample_placements(policy: str, racks: int, per_rack: int, replicas: int = 3,
                      blocks: int = 10_000, seed: Seed = None) -> np.ndarray:
    """Monte Carlo: a (blocks, replicas) int array of node indices, one row per block.

    Same laws as :func:`placements` (rack-aware with k ≤ 3; beyond, the extra
    replicas are drawn uniformly among the other nodes), vectorized with numpy:
    random placement takes the first k of a random permutation per row; rack-aware
    draws the writer, a remote rack (writer's rack + 1 + U{0..R−2} mod R) and two
    distinct slots in it.  Worked case: with 2 racks of 2, every rack-aware row is
    {w, the two nodes of the other rack}.
    """
    policy, r, m, k = _check(policy, racks, per_rack, replicas)
    blocks = check_int("blocks", blocks, 1)
    rng = as_generator(seed)
    n, b = r * m, int(blocks)
    if policy == "random":
        return np.argsort(rng.random((b, n)), axis=1)[:, :k]
    if policy == "rack-fault-tolerant":
        rs = np.argsort(rng.random((b, r)), axis=1)[:, :k]
        return rs * m + rng.integers(0, m, size=(b, k))
    writer = rng.integers(0, n, size=b)
    cols = [writer]
    if k >= 2:
        rb = (writer // m + 1 + rng.integers(0, r - 1, size=b)) % r
        s1 = rng.integers(0, m, size=b)
        cols.append(rb * m + s1)
        if k >= 3:
            s2 = (s1 + 1 + rng.integers(0, m - 1, size=b)) % m
            cols.append(rb * m + s2)
    out = np.stack(cols, axis=1)
    if k > 3:
        keys = rng.random((b, n))
        np.put_along_axis(keys, out, np.inf, axis=1)  # taken nodes sort last
        out = np.concatenate([out, np.argsort(keys, axis=1)[:, : k - 3]], axis=1)
    return out


def rack_loss_montecarlo(policy: str, racks: int, per_rack: int, replicas: int = 3,
                         blocks: int = 100_000, seed: Seed = None) -> float:
    """Monte Carlo estimate of :func:`rack_loss_probability` (a random rack fails per block).

    The fraction of sampled blocks whose replicas all sit in an independently drawn
    failed rack; its standard error is √(q(1 − q)/blocks).  Worked case: random,
    3 racks of 3, ≈ 1/84 ≈ 0.0119.
    """
    rng = as_generator(seed)
    place = sample_placements(policy, racks, per_rack, replicas, blocks, rng)
    failed = np.asarray(rng.integers(0, racks, size=int(place.shape[0])))
    return float(np.mean(np.all(place // per_rack == failed[:, None], axis=1)))
