"""Poisson-binomial ops of the exact engine (syncmodel.failure): P(fewer than k of m
independent children hold) and its block-wise twin for aligned blocks, both on the one
kernel :func:`syncmodel._stats.lower_tail`, and the generator of the same recurrence as
unrolled straight-line source for compiled plans.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ._stats import lower_tail, lower_tail_py


def _k_of_children_fail(k: int, f: np.ndarray) -> np.ndarray:
    """P(fewer than k of m independent children are up); ``f`` has shape (m, B) of fail probs.

    k = 1: all fail, ∏ f; k = m: some fails, 1 − ∏(1 − f); otherwise the Poisson-binomial
    lower tail of the up-count (:func:`syncmodel._stats.lower_tail`, O(m·k·B), or
    O(m log² m) per column for large groups).
    """
    m = f.shape[0]
    if k == 1:
        return np.prod(f, axis=0)
    if k == m:
        with np.errstate(divide="ignore"):
            return -np.expm1(np.log1p(-f).sum(axis=0))
    return lower_tail(k, f)


def _blocks_fail(k: int, conjunction: bool, fg: np.ndarray, fgx: np.ndarray) -> np.ndarray:
    """P(S) of a threshold X = choose(k, X_1..X_b) joined with side conditions, block by block.

    Blocks t = 1..b are node-disjoint.  ``fg[t]`` is the failure probability
    of G_t (the other children of S that live in block t) and ``fgx[t]`` that
    of G_t joined with X_t (all-of when ``conjunction``, any-of otherwise);
    shapes (b, B).  All-of: S = X ∧ ⋀G_t fails with
    P(some G_t fails) + P(every G_t holds, fewer than k X_t hold), where per
    block P(G ∧ X) = 1 − f_GX and P(G ∧ ¬X) = f_GX − f_G.  Any-of:
    S = X ∨ ⋁G_t fails with P(no G_t holds, fewer than k X_t hold), where per
    block P(¬G ∧ X) = f_G − f_GX and P(¬G ∧ ¬X) = f_GX.  The second term is
    Σ_{c<k} [x^c] ∏_t (miss_t + hit_t·x): :func:`syncmodel._stats.lower_tail`.
    """
    if conjunction:
        hit, miss = 1.0 - fgx, fgx - fg
        with np.errstate(divide="ignore"):
            base = -np.expm1(np.log1p(-fg).sum(axis=0))
    else:
        hit, miss = fg - fgx, fgx
        base = np.zeros(fg.shape[1])
    return np.asarray(base + lower_tail(k, miss, hit))


def _scalar_kof(k: int, f: Sequence[float]) -> float:
    """:func:`_k_of_children_fail` for one vector of Python floats (no numpy for small groups)."""
    m = len(f)
    if k == 1:
        return math.prod(f)
    if k == m:
        if any(x >= 1.0 for x in f):
            return 1.0
        return -math.expm1(math.fsum(math.log1p(-x) for x in f))
    return lower_tail_py(k, f)


def _scalar_blocks(k: int, conjunction: bool, fg: Sequence[float], fgx: Sequence[float]) -> float:
    """:func:`_blocks_fail` for one vector of Python floats."""
    if conjunction:
        base = 0.0
        for g in fg:
            base = base + g * (1.0 - base)
        hit = [1.0 - gx for gx in fgx]
        miss = [gx - g for g, gx in zip(fg, fgx, strict=True)]
    else:
        base = 0.0
        hit = [g - gx for g, gx in zip(fg, fgx, strict=True)]
        miss = list(fgx)
    return base + lower_tail_py(k, miss, hit)


#: largest k·m of a k-of-m group unrolled into generated code
CODEGEN_DP_LIMIT = 2000


def _tail_source(k: int, setups: Sequence[str], out: str, base: str, prune: bool) -> list[str]:
    """Unrolled lower-tail recurrence: ``out`` = base + Σ_{c<k} [x^c] ∏_t (_a_t + _b_t·x).

    ``setups[t]`` is a statement that sets ``_a`` and ``_b`` for factor t (Python floats).
    d'_c = d_c·_a + d_(c−1)·_b over the live counts only: counts ≥ k are dropped, and, when
    ``prune`` (every _a + _b = 1, a Poisson-binomial), counts that cannot reach k with the
    remaining factors are summed into ``_s`` at once.
    """
    m = len(setups)
    lines = ["    _s = 0.0", "    _d0 = 1.0"]
    lo, hi = 0, 0  # live counts after the factors seen so far
    for j, setup in enumerate(setups, 1):
        lines.append(f"    {setup}")
        new_hi = min(hi + 1, k - 1)
        terms = []
        for c in range(lo, new_hi + 1):
            parts = ([f"_d{c} * _a"] if c <= hi else []) + ([f"_d{c - 1} * _b"] if c - 1 >= lo else [])
            terms.append(" + ".join(parts))
        new_lo = max(lo, k - (m - j)) if prune else lo
        names = [f"_e{c}" for c in range(lo, new_hi + 1)]
        lines.append(f"    {', '.join(names)} = {', '.join(terms)}")
        lines.extend(f"    _s += _e{c}" for c in range(lo, new_lo))
        lines.extend(f"    _d{c} = _e{c}" for c in range(new_lo, new_hi + 1))
        lo, hi = new_lo, new_hi
    rest = " + ".join(f"_d{c}" for c in range(lo, hi + 1)) if lo <= hi else "0.0"
    lines.append(f"    {out} = {base} + _s + {rest}")
    return lines


def _dp_source(k: int, refs: list[str], out: str) -> list[str]:
    """Source for ``out`` = P(fewer than k of the m children are up); ``refs`` are expressions
    for the children's failure probabilities."""
    return _tail_source(k, [f"_a = {r}; _b = 1.0 - _a" for r in refs], out, "0.0", prune=True)


def _blocks_source(k: int, conjunction: bool, g: Sequence[int], gx: Sequence[int], out: str) -> list[str]:
    """Source for a "blocks" op over plan slots ``g`` and ``gx`` (see :func:`_blocks_fail`)."""
    if k * len(g) > CODEGEN_DP_LIMIT:
        return [f"    {out} = _blocks({k}, {conjunction}, ({', '.join(f'v{int(s)}' for s in g)},), "
                f"({', '.join(f'v{int(s)}' for s in gx)},))"]
    lines = ["    _base = 0.0"] if conjunction else []
    setups = []
    for a, b in zip(g, gx, strict=True):
        fg, fgx = f"v{int(a)}", f"v{int(b)}"
        if conjunction:  # _base accumulates P(some G_t fails) = 1 − ∏(1 − f_G)
            lines.append(f"    _base = _base + {fg} * (1.0 - _base)")
            setups.append(f"_b = 1.0 - {fgx}; _a = {fgx} - {fg}")
        else:
            setups.append(f"_b = {fg} - {fgx}; _a = {fgx}")
    return lines + _tail_source(k, setups, out, "_base" if conjunction else "0.0", prune=False)
