"""Poisson-binomial kernels of the exact engine (syncmodel.failure): P(fewer than k of m
independent children hold), its block-wise twin for aligned blocks, and the generators of
their unrolled straight-line source for compiled plans.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


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
