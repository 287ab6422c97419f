"""The shared numeric kernels: Poisson-binomial tails (exact DP, binomial closed form, tilted
divide-and-conquer FFT), the Wilson score interval, nines and per-node p normalisation.
Every module that needs one of these calls it here; numpy/scipy are imported inside the
functions so that importing this module stays cheap.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .errors import check_probability, invalid

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "FAST_TAIL_MIN_UPDATES",
    "at_least",
    "lower_tail",
    "lower_tail_py",
    "nines",
    "normalise_p",
    "normalise_p_list",
    "poisson_binomial_pmf",
    "wilson_interval",
]

#: a k-of-m tail whose DP would do more than this many updates (m·k per column) takes the
#: fast path: the binomial closed form (equal probabilities) or the tilted FFT (unequal)
FAST_TAIL_MIN_UPDATES = 4_000_000
#: exp(x) is 0.0 in double precision below this (the smallest subnormal is 4.9e-324)
_LOG_UNDERFLOW = -745.2


# --------------------------------------------------------------------------- Poisson-binomial
def lower_tail(k: int, a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Σ_{c<k} [x^c] ∏_t (a_t + b_t·x), column by column: shapes (m, B) → (B,).

    With ``b`` None (b = 1 − a) this is P(fewer than k of m independent events happen),
    event t having probability 1 − a_t: the Poisson-binomial lower tail.  The exact engine
    also calls it with a + b ≠ 1 (aligned blocks, :func:`syncmodel._poisson._blocks_fail`).

    Method: the DP over the coefficient vector truncated below k,
    d'_c = d_c·a_t + d_(c−1)·b_t, O(m·k) per column, accurate to a few ulps per step (all
    terms ≥ 0).  A Poisson-binomial (``b`` None) whose DP would pass
    :data:`FAST_TAIL_MIN_UPDATES` updates takes the fast path: the binomial tail
    (:func:`_binomial_below`) where a column's probabilities are equal, else
    :func:`_tail_fast` (tilted FFT, O(m log² m)).

    Worked case: k = 2, three events of probability 0.1: P(fewer than 2 happen) =
    0.9³ + 3·0.1·0.9² = 0.972.

    >>> import numpy as np
    >>> round(float(lower_tail(2, np.full((3, 1), 0.9))[0]), 12)
    0.972
    """
    import numpy as np

    m, B = a.shape
    if k <= 0:
        return np.zeros(B)
    if b is None and m * min(k, m + 1) > FAST_TAIL_MIN_UPDATES and k <= m:
        first = a[0]
        if np.all(a == first):  # every column homogeneous: one binomial tail per column
            return np.asarray(_binomial_below(k, m, 1.0 - first))
        at = np.ascontiguousarray(a.T)  # one column per row: contiguous
        return np.array([_tail_fast(k, 1.0 - at[j]) for j in range(B)])
    k = min(k, m + 1)
    dist = np.zeros((k, B))
    dist[0] = 1.0
    for t in range(m):
        # counts ≥ k leave the array
        shifted = dist[:-1] * (1.0 - a[t] if b is None else b[t])
        dist *= a[t]
        dist[1:] += shifted
    return np.asarray(dist.sum(axis=0))


#: largest m·k the scalar form :func:`lower_tail_py` runs on Python floats (numpy beyond:
#: its per-call overhead loses below ~12k updates, benchmarks/bench_failure.py)
SCALAR_DP_LIMIT = 12_000


def lower_tail_py(k: int, a: Sequence[float], b: Sequence[float] | None = None) -> float:
    """:func:`lower_tail` for one column of Python floats: the same recurrence, no numpy.

    Kept because the first evaluation of a small group is dominated by numpy's per-call
    overhead (bench_failure's 6-of-11 went from 0.014 to 0.041 ms through numpy).  With
    ``b`` None (a Poisson-binomial) counts that can no longer reach k are summed at once.
    Past :data:`SCALAR_DP_LIMIT` updates it hands over to :func:`lower_tail`.

    >>> round(lower_tail_py(2, [0.9, 0.9, 0.9]), 12)
    0.972
    """
    m = len(a)
    if k <= 0:
        return 0.0
    if m * k > SCALAR_DP_LIMIT:
        import numpy as np

        col = np.asarray(a, dtype=float)[:, None]
        return float(lower_tail(k, col, None if b is None else np.asarray(b, dtype=float)[:, None])[0])
    dist = [0.0] * k
    dist[0] = 1.0
    lo = hi = 0  # live counts
    sure = 0.0
    for j in range(m):
        x = a[j]
        u = 1.0 - x if b is None else b[j]
        hi = min(hi + 1, k - 1)
        for c in range(hi, lo, -1):
            dist[c] = dist[c] * x + dist[c - 1] * u
        dist[lo] *= x
        if b is None:  # counts below k − (factors left) cannot reach k: down for sure
            need = k - (m - j - 1)
            while lo < need:
                sure += dist[lo]
                dist[lo] = 0.0
                lo += 1
    return sure + math.fsum(dist[lo:hi + 1])


def at_least(k: int, q: Any) -> float:
    """P(at least k of the independent events with probabilities ``q`` happen).

    The upper tail computed as a lower tail of the complementary events (no cancellation):
    P(X ≥ k) = P(m − X < m − k + 1).  Worked case: at_least(2, [0.9] * 3) = 0.972.

    >>> round(at_least(2, [0.9] * 3), 12)
    0.972
    """
    import numpy as np

    qa = np.asarray(q, dtype=float).reshape(-1, 1)
    m = qa.shape[0]
    if k <= 0:
        return 1.0
    if k > m:
        return 0.0
    out = float(lower_tail(m - k + 1, qa)[0])
    return min(1.0, max(0.0, out))


def _binomial_below(k: int, m: int, q: np.ndarray) -> np.ndarray:
    """P(X < k) for X ~ Binomial(m, q), elementwise in q, 1 ≤ k ≤ m.

    P(X ≤ k − 1) = I_(1−q)(m − k + 1, k), the regularized incomplete beta function
    (``scipy.special.betainc``, Boost): relative error ~5e-14 where Cephes' ``bdtr`` gave
    7e-11 (majority of 30,001 at p = 0.45, against exact integer arithmetic).
    """
    import numpy as np
    from scipy import special

    with np.errstate(all="ignore"):
        out = special.betainc(m - k + 1, k, 1.0 - q)
    return np.asarray(np.where(q <= 0.0, 1.0, np.where(q >= 1.0, 0.0, out)))


def _tail_fast(k: int, q: np.ndarray) -> float:
    """P(X < k), X = Σ Bernoulli(q_i), for large m: exact up to rounding, O(m log² m).

    Equal q: the binomial tail :func:`_binomial_below` (regularized incomplete beta,
    relative error ~1e-13).  Unequal q: the smaller tail is computed by exponential tilting
    and a divide-and-conquer FFT product of the tilted factors, see
    :func:`_small_lower_tail`; the other tail is its complement.
    """
    import numpy as np

    lo, hi = float(q.min()), float(q.max())
    if lo == hi:  # equal probabilities: the binomial tail
        return float(_binomial_below(k, q.size, np.array([lo]))[0])
    sure = int(np.count_nonzero(q >= 1.0))
    q = q[(q > 0.0) & (q < 1.0)]
    k -= sure
    m = q.size
    if k <= 0:
        return 0.0
    if k > m:
        return 1.0
    if float(np.ptp(q)) == 0.0:
        return float(_binomial_below(k, m, q[:1])[0])
    mean = float(q.sum())
    if k - 1 <= mean:
        return _small_lower_tail(k - 1, q)
    return 1.0 - _small_lower_tail(m - k, 1.0 - q)  # P(X ≥ k) = P(m − X ≤ m − k)


def _small_lower_tail(j0: int, q: np.ndarray) -> float:
    """P(X ≤ j0) for X = Σ Bernoulli(q_i), 0 < q_i < 1, j0 ≤ E X, by tilting and FFT.

    Identity (exact for any 0 < θ ≤ 1): with r_i = q_i·θ/(1 − q_i + q_i·θ) and T the
    Poisson-binomial of r, P(X = j) = P(T = j)·M(θ)·θ^(−j), M(θ) = ∏(1 − q_i + q_i·θ), so
    P(X ≤ j0) = M(θ)·θ^(−j0)·Σ_{j≤j0} P(T = j)·θ^(j0−j).  θ is chosen (Newton on log θ)
    so that E T ≈ j0: the terms that matter sit at T's mode, where the FFT is accurate,
    and the rest are damped by θ^(j0−j) ≤ 1.  The pmf of T (truncated at j0) is the product
    of the m factors (1 − r_i + r_i·x), multiplied pairwise level by level (direct
    convolution for short factors, real FFT beyond).  If the Chernoff bound M(θ)·θ^(−j0)
    is below the smallest double the answer is 0.0 and no product is formed.

    Accuracy: each FFT level adds an absolute error of about ε·‖·‖ ≈ 1e-16 relative to
    the largest coefficient; tested against the exact DP and rational arithmetic to a
    relative error ≤ 1e-9 (tests/test_scale.py), typically 1e-12.
    """
    import numpy as np

    if j0 < 0:
        return 0.0
    if j0 == 0:
        return float(np.exp(np.log1p(-q).sum()))
    # Newton on s = log θ ≤ 0 for Σ r_i(s) = j0 (g increasing in s; start at 0 where g ≥ 0)
    s = 0.0
    lo, hi = -np.inf, 0.0
    for _ in range(60):
        e = math.exp(s)
        r = q * e / (1.0 - q + q * e)
        g = float(r.sum()) - j0
        var = float((r * (1.0 - r)).sum())
        if abs(g) <= max(0.25, 0.05 * math.sqrt(var)):
            break
        if g > 0:
            hi = s
        else:
            lo = s
        step = s - g / max(var, 1e-300)
        s = step if lo < step < hi else (0.5 * (lo + hi) if np.isfinite(lo) else s - 1.0 - abs(s))
    theta = math.exp(s)
    r = q * theta / (1.0 - q + q * theta)
    log_m = float(np.log1p(q * (theta - 1.0)).sum())
    log_bound = log_m - j0 * s
    if log_bound < _LOG_UNDERFLOW:
        return 0.0
    pmf = poisson_binomial_pmf(r, j0 + 1)
    weights = np.exp((np.arange(j0 + 1) - j0) * -s)  # θ^(j0 − j)
    total = float(np.clip(pmf, 0.0, None) @ weights)
    if total <= 0.0:
        return 0.0
    return float(min(1.0, math.exp(log_bound + math.log(total))))


def poisson_binomial_pmf(q: np.ndarray, size: int | None = None) -> np.ndarray:
    """P(X = j) for j = 0..size−1 (default m), X = Σ Bernoulli(q_i), by divide and conquer.

    The coefficients of ∏(1 − q_i + q_i·x), multiplied pairwise level by level (rows of
    equal length, so each level is one batched numpy operation) and truncated to ``size``
    coefficients: direct convolution while rows are short, a real FFT after.  O(m log² m).
    Accuracy: absolute, about 1e-16 × log₂ m relative to the largest coefficient (small
    coefficients are not resolved: use :func:`lower_tail` for tails).
    Worked case: q = (0.5, 0.5) gives (0.25, 0.5, 0.25).

    >>> poisson_binomial_pmf([0.5, 0.5]).tolist()
    [0.25, 0.5, 0.25]
    """
    import numpy as np
    from scipy import fft as sfft

    q = np.asarray(q, dtype=float)
    size = q.size + 1 if size is None else size
    if q.size >= 2:  # first level in closed form: (a + b·x)(c + d·x) = ac + (ad + bc)·x + bd·x²
        h = q.size // 2
        a, b, c, d = 1.0 - q[:h], q[:h], 1.0 - q[h:2 * h], q[h:2 * h]
        rows = np.stack([a * c, a * d + b * c, b * d], axis=1)
        if q.size % 2:
            rows = np.concatenate([rows, [[1.0 - q[-1], q[-1], 0.0]]])
    else:
        rows = np.stack([1.0 - q, q], axis=1)
    while rows.shape[0] > 1:
        if rows.shape[0] % 2:
            pad = np.zeros((1, rows.shape[1]))
            pad[0, 0] = 1.0
            rows = np.concatenate([rows, pad])
        x, y = rows[0::2], rows[1::2]
        L = x.shape[1]
        out_len = min(2 * L - 1, size)
        if L <= 16:
            out = np.zeros((x.shape[0], 2 * L - 1))
            for i in range(L):
                out[:, i:i + L] += x[:, i:i + 1] * y
            rows = out[:, :out_len]
        else:
            nfft = sfft.next_fast_len(2 * L - 1, real=True)
            prod = sfft.rfft(x, nfft, axis=1)
            prod *= sfft.rfft(y, nfft, axis=1)
            rows = sfft.irfft(prod, nfft, axis=1)[:, :out_len]
    out = rows[0]
    if out.size < size:
        out = np.concatenate([out, np.zeros(size - out.size)])
    return np.asarray(out[:size])


# --------------------------------------------------------------------------- intervals, nines
def wilson_interval(phat: Any, trials: int, z: float) -> tuple[Any, Any]:
    """Wilson score interval of a proportion ``phat`` observed in ``trials`` trials (unchecked).

    With m = trials: centre (p̂ + z²/2m)/(1 + z²/m), half-width z·√(p̂(1 − p̂)/m + z²/4m²)/(1 + z²/m),
    clipped to [0, 1].  Floats in, floats out; arrays in, arrays out.
    Worked case: p̂ = 0.5, m = 100, z = 1.96 gives ≈ (0.404, 0.596).

    >>> [round(x, 3) for x in wilson_interval(0.5, 100, 1.96)]
    [0.404, 0.596]
    """
    import numpy as np

    m = trials
    z2 = z * z
    den = 1 + z2 / m
    centre = (phat + z2 / (2 * m)) / den
    half = z * np.sqrt(phat * (1 - phat) / m + z2 / (4 * m * m)) / den
    lo, hi = np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)
    if isinstance(phat, float):
        return float(lo), float(hi)
    return lo, hi


def nines(failure: Any) -> Any:
    """−log10 of failure probabilities (unchecked): inf where P(S) = 0, NaN kept.

    Availability A has −log10(1 − A) nines; 0.001 failure is 3 nines.

    >>> float(nines(0.001))
    3.0
    """
    import numpy as np

    f = np.asarray(failure, dtype=float)
    with np.errstate(divide="ignore"):
        return -np.log10(f)


# --------------------------------------------------------------------------- p normalisation
def normalise_p(nodes: Sequence[Hashable], p: Any, name: str = "p") -> np.ndarray:
    """Per-node probabilities aligned with ``nodes``, checked.

    ``p`` is one float for every node, a sequence in the order of ``nodes``, or a mapping
    {node: p} naming every node and no other.  Anything else, a value outside [0, 1], NaN
    or a bool raises InvalidParameterError naming ``name`` (and the node).
    """
    import numpy as np

    if isinstance(p, Mapping):
        known = set(nodes)
        unknown = [x for x in p if x not in known]
        if unknown:
            raise invalid(name, dict(p), f"a mapping over the nodes (unknown: {unknown!r})")
        missing = [x for x in nodes if x not in p]
        if missing:
            raise invalid(name, dict(p), f"a mapping naming every node (missing: {missing!r})")
        return np.array([check_probability(f"{name}[{x!r}]", p[x]) for x in nodes], dtype=float)
    if isinstance(p, numbers.Real) and not isinstance(p, bool):
        return np.full(len(nodes), check_probability(name, p))
    if isinstance(p, (str, bytes)) or not isinstance(p, (Sequence, np.ndarray)):
        raise invalid(name, p, "a float, a sequence or a {node: p} mapping")
    if not isinstance(p, np.ndarray) and any(isinstance(x, bool) for x in p):
        raise invalid(name, p, "a sequence of probabilities (not bools)")
    try:
        arr = np.asarray(p, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise invalid(name, p, "a float, a sequence of floats or a {node: p} mapping") from None
    if arr.ndim != 1 or arr.size != len(nodes):
        raise invalid(name, p, f"a sequence of {len(nodes)} probabilities (one per node)")
    ok = (arr >= 0) & (arr <= 1)
    if not np.all(ok):
        raise invalid(name, float(arr[~ok][0]), "in [0, 1] for every node")
    return arr


def normalise_p_list(nodes: Sequence[Hashable], p: Any) -> list[float]:
    """:func:`normalise_p` as a list of Python floats, with fast paths for a float, a list or
    tuple of floats, a float array and a {node: float} dict; anything else, or any bad value,
    goes through :func:`normalise_p` (which converts, or raises naming the value)."""
    import numpy as np

    n = len(nodes)
    if isinstance(p, float | int) and not isinstance(p, bool):
        return [check_probability("p", p)] * n  # an int beyond float range is refused too
    out: list[float]
    if type(p) is dict and len(p) == n:
        try:
            out = [p[x] for x in nodes]  # n keys, all found: none unknown
        except KeyError:
            return normalise_p(nodes, p).tolist()  # raises, naming the node
        if not all(type(x) is float for x in out):
            return normalise_p(nodes, p).tolist()
    elif isinstance(p, np.ndarray) and p.ndim == 1 and p.size == n and p.dtype.kind == "f":
        out = p.tolist()
    elif isinstance(p, list | tuple) and len(p) == n:
        try:
            out = [float(x) for x in p if not isinstance(x, bool | str)]
        except (TypeError, ValueError, OverflowError):
            out = []
        if len(out) != n:
            return normalise_p(nodes, p).tolist()
    else:
        return normalise_p(nodes, p).tolist()
    total = sum(out)  # NaN anywhere makes the sum NaN, which fails total == total
    if not (n and min(out) >= 0.0 and max(out) <= 1.0 and total == total):
        return normalise_p(nodes, p).tolist()  # raises, naming the bad value
    return out
