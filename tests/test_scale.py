"""Big cases made fast and bounded (issue 14) and the shared kernels (issue 17 item 3).

Fast paths are checked against independent computations: a plain O(m²) DP, exact rational
arithmetic, log-space binomial sums, enumeration and the LP.  Refusals must raise
ResourceLimitError without allocating much first (tracemalloc peak).
"""

from __future__ import annotations

import itertools
import math
import random
import tracemalloc
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from syncmodel import _compiler, markov, quorum
from syncmodel import structure as st
from syncmodel._stats import (
    _small_lower_tail,
    _tail_fast,
    at_least,
    lower_tail,
    nines,
    normalise_p,
    poisson_binomial_pmf,
    wilson_interval,
)
from syncmodel.errors import InfeasibleError, InvalidParameterError, ResourceLimitError
from syncmodel.failure import failure_curve, failure_probability, failure_probability_mc
from syncmodel.quorum.search import count_expressions, expressions
from syncmodel.quorum.system import QuorumSystem
from syncmodel.systems import placement
from syncmodel.systems.ring import HashRing


# --------------------------------------------------------------------------- references
def dp_pmf(q: np.ndarray) -> np.ndarray:
    """The plain full O(m²) Poisson-binomial DP (no truncation, no FFT)."""
    d = np.zeros(len(q) + 1)
    d[0] = 1.0
    for j, x in enumerate(q):
        d[1:j + 2] = d[1:j + 2] * (1 - x) + d[:j + 1] * x
        d[0] *= 1 - x
    return d


def rational_pmf(q: list[float]) -> list[Fraction]:
    d = [Fraction(1)]
    for x in map(Fraction, q):
        nd = [Fraction(0)] * (len(d) + 1)
        for c, v in enumerate(d):
            nd[c] += v * (1 - x)
            nd[c + 1] += v * x
        d = nd
    return d


def log_binom_cdf(j0: int, m: int, q: float) -> float:
    """log P(Bin(m, q) ≤ j0) by a log-sum-exp of lgamma terms."""
    logs = [math.lgamma(m + 1) - math.lgamma(j + 1) - math.lgamma(m - j + 1)
            + j * math.log(q) + (m - j) * math.log1p(-q) for j in range(j0 + 1)]
    top = max(logs)
    return top + math.log(math.fsum(math.exp(x - top) for x in logs))


# --------------------------------------------------------------------------- Poisson-binomial
@pytest.mark.parametrize("m", [2, 7, 60, 333, 1500])
def test_tail_fast_matches_the_plain_dp(m: int) -> None:
    rng = np.random.default_rng(m)
    for lo, hi in ((0.05, 0.95), (0.6, 0.99), (0.001, 0.2)):
        q = rng.uniform(lo, hi, m)
        pmf = dp_pmf(q)
        for k in sorted({1, 2, m // 3, m // 2, m // 2 + 1, int(q.sum()), 2 * m // 3, m - 1, m}):
            if k < 1:
                continue
            ref = float(pmf[:k].sum())
            got = _tail_fast(k, q)
            if ref > 1e-290:
                assert got == pytest.approx(ref, rel=1e-9, abs=0), (k, ref, got)
            else:
                assert got <= 1e-280


def test_tail_fast_matches_rational_arithmetic() -> None:
    rng = np.random.default_rng(7)
    q = rng.uniform(0.1, 0.9, 120)
    exact = rational_pmf(q.tolist())
    for k in (3, 10, 30, 50, 60, 70, 90, 115):
        ref = float(sum(exact[:k]))
        assert _tail_fast(k, q) == pytest.approx(ref, rel=1e-10)


def test_tail_fast_handles_certain_events() -> None:
    q = np.array([0.0, 1.0, 1.0, 0.3, 0.6, 0.0, 0.5])
    pmf = dp_pmf(q)
    for k in range(1, 8):
        assert _tail_fast(k, q) == pytest.approx(float(pmf[:k].sum()), rel=1e-12, abs=1e-15)


def test_homogeneous_tail_is_the_binomial_in_any_size() -> None:
    for m, q, j0 in ((5001, 0.5, 2400), (100_001, 0.5, 49_700), (30_001, 0.7, 20_700)):
        got = float(lower_tail(j0 + 1, np.full((m, 1), 1.0 - q))[0])
        assert math.log(got) == pytest.approx(log_binom_cdf(j0, m, q), rel=1e-10)


def test_deep_tails_underflow_to_zero_not_to_noise() -> None:
    # the truth is e^-2620: the old DP answered 4.3e-321 (subnormal noise)
    assert log_binom_cdf(15_000, 30_001, 0.7) < -2600
    assert _small_lower_tail(15_000, np.full(30_001, 0.7)) == 0.0
    q = np.random.default_rng(1).uniform(0.6, 0.8, 30_001)
    assert _tail_fast(15_001, q) == 0.0


def test_tilted_tail_is_relatively_accurate_far_in_the_tail() -> None:
    q = np.random.default_rng(2).uniform(0.3, 0.7, 4000)
    pmf = dp_pmf(q)
    for j0 in (1750, 1800, 1850):
        ref = float(pmf[:j0 + 1].sum())
        assert 0 < ref < 1e-5
        assert _small_lower_tail(j0, q) == pytest.approx(ref, rel=1e-9)


def test_pmf_by_fft_matches_the_dp() -> None:
    for m in (1, 2, 3, 40, 129, 700):
        q = np.random.default_rng(m).uniform(0, 1, m)
        np.testing.assert_allclose(poisson_binomial_pmf(q), dp_pmf(q), rtol=0, atol=1e-13)
    np.testing.assert_allclose(poisson_binomial_pmf(np.array([0.5, 0.5])), [0.25, 0.5, 0.25])


def test_at_least_is_the_upper_tail() -> None:
    assert at_least(2, [0.9] * 3) == pytest.approx(0.972)
    q = np.random.default_rng(3).uniform(0, 1, 9)
    for k in range(0, 11):
        ref = sum(math.prod(q[i] if b else 1 - q[i] for i, b in enumerate(bits))
                  for bits in itertools.product((0, 1), repeat=9) if sum(bits) >= k)
        assert at_least(k, q) == pytest.approx(ref, abs=1e-14)


# --------------------------------------------------------------------------- engine fast paths
def test_heterogeneous_majority_takes_the_fast_path_and_agrees() -> None:
    n = 3001  # DP would be 3001 × 1501 > 4e6 updates: the tilted FFT answers
    p = np.random.default_rng(4).uniform(0.3, 0.7, n)
    k = n // 2 + 1
    ref = float(dp_pmf(1.0 - p)[:k].sum())  # fewer than k up
    assert failure_probability(st.majority_of(n), p) == pytest.approx(ref, rel=1e-9)


def test_failure_curve_of_a_large_majority_is_the_binomial() -> None:
    n = 4001
    ps = np.array([0.3, 0.45, 0.5, 0.55])
    k = n // 2 + 1
    got = failure_curve(st.majority_of(n), ps)
    for pv, g in zip(ps, got, strict=True):  # fails with fewer than k up: at most k − 1 up
        ref = log_binom_cdf(k - 1, n, 1 - pv)  # lgamma(4002) ≈ 3e4: the reference holds ~1e-11
        assert math.log(g) == pytest.approx(ref, rel=1e-9) if ref < -1 else g == pytest.approx(
            math.exp(ref), rel=1e-10)


def _enum_fail(s: st.Structure, p: np.ndarray) -> float:
    return failure_probability(s, p, method="enumeration")


@pytest.mark.parametrize("make", [
    lambda: st.grid_of(3, 4), lambda: st.grid_of(5, 2), lambda: quorum.grid(4, 3).as_structure(),
    lambda: st.all_of([st.choose(2, [st.all_of([0, 1, 2]), st.all_of([3, 4]), st.any_of([5, 6, 7])]),
                       st.any_of([0, 1, 2]), st.choose(2, [5, 6, 7])]),
    lambda: st.all_of([st.any_of([st.all_of([0, 1]), st.all_of([2, 3])]), st.any_of([2, 3])]),
])
def test_blocks_plan_on_names_matches_enumeration(make: Callable[[], st.Structure]) -> None:
    s = make()
    plan = _compiler._threshold_blocks_plan(s)
    assert plan is not None
    rng = np.random.default_rng(5)
    for _ in range(3):
        p = rng.uniform(0, 0.6, s.n)
        assert float(plan.evaluate(p[:, None])[0]) == pytest.approx(_enum_fail(s, p), abs=1e-14)


def test_large_grid_is_exact_by_the_closed_form() -> None:
    r = c = 100  # 10^4 nodes: planned on names, no bitmask compiler
    p = 0.05
    q = 1 - p
    closed = 1 - ((1 - p**c) ** r - (1 - p**c - q**c) ** r)
    assert failure_probability(st.grid_of(r, c), p) == pytest.approx(closed, rel=1e-12)
    assert failure_probability(quorum.grid(r, c), p) == pytest.approx(closed, rel=1e-12)


@pytest.mark.parametrize("rows,cols", [(2, 3), (3, 3), (4, 2), (3, 5)])
def test_grid_load_closed_form_matches_the_lp(rows: int, cols: int) -> None:
    fast = quorum.grid(rows, cols)
    slow = QuorumSystem(fast.reads, fast.writes)
    slow._grid_strategy = lambda: None  # type: ignore[method-assign]
    for fr in (0.0, 0.3, 1.0, {0.1: 1, 0.9: 2}):
        assert fast.load(read_fraction=fr) == pytest.approx(slow.load(read_fraction=fr), abs=1e-9)
    assert fast.load(read_fraction=0.3) == pytest.approx(0.3 / rows + 0.7 / cols)


# --------------------------------------------------------------------------- combinatorics
def _brute_transversals(fam: list[frozenset[int]], universe: list[int]) -> set[frozenset[int]]:
    ts = [frozenset(c) for r in range(len(universe) + 1)
          for c in itertools.combinations(universe, r) if all(set(c) & f for f in fam)]
    return {t for t in ts if not any(u < t for u in ts)}


def test_minimal_transversals_match_brute_force() -> None:
    rnd = random.Random(1)
    for _ in range(300):
        universe = list(range(rnd.randint(1, 7)))
        fam = [frozenset(rnd.sample(universe, rnd.randint(1, len(universe))))
               for _ in range(rnd.randint(1, 5))]
        assert set(st.minimal_transversals(fam)) == _brute_transversals(fam, universe)


def test_minimize_matches_the_quadratic_reference() -> None:
    rnd = random.Random(2)
    for _ in range(1000):
        universe = list(range(rnd.randint(1, 8)))
        fam = [frozenset(rnd.sample(universe, rnd.randint(0, len(universe))))
               for _ in range(rnd.randint(1, 12))]
        uniq = sorted(set(fam), key=len)
        ref: list[frozenset[int]] = []
        for s in uniq:
            if not any(t <= s for t in ref):
                ref.append(s)
        assert set(st.minimize(fam)) == set(ref)


def test_disjoint_pairs_have_product_many_transversals() -> None:
    pairs = [frozenset({2 * i, 2 * i + 1}) for i in range(12)]
    assert len(st.minimal_transversals(pairs)) == 2**12
    with pytest.raises(InfeasibleError):
        st.minimal_transversals([frozenset({2 * i, 2 * i + 1}) for i in range(60)])


def test_count_expressions_counts_what_search_enumerates() -> None:
    for n in range(1, 6):
        assert count_expressions(n) == sum(1 for _ in expressions(list(range(n))))
    assert count_expressions(3) == 15


def test_rack_loss_closed_form_matches_enumeration() -> None:
    for pol in placement.POLICIES:
        for r, m, k in ((2, 2, 1), (2, 2, 2), (3, 3, 3), (4, 2, 3), (4, 3, 2), (5, 2, 4)):
            try:
                items = list(placement.placements(pol, r, m, k))
            except InvalidParameterError:
                continue
            assert len(items) == placement._placement_count(pol, r, m, k)
            enum = sum(w / r for nodes, w in items if len({x // m for x in nodes}) == 1)
            assert placement.rack_loss_probability(pol, r, m, k) == pytest.approx(enum, abs=1e-12)


# --------------------------------------------------------------------------- refusals
def _refused_cheaply(call: Callable[[], Any], match: str, peak_mb: float = 64) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(ResourceLimitError, match=match) as info:
            call()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < peak_mb * 2**20, f"allocated {peak / 2**20:.0f} MB before refusing"
    assert "needs" in str(info.value) and isinstance(info.value, InvalidParameterError)


def test_markov_system_of_a_huge_majority_is_refused() -> None:
    s = st.majority_of(100_000)
    s.tree()
    _refused_cheaply(lambda: markov.system(s, 1000, 10), "max_states")


def test_monte_carlo_beyond_max_draws_is_refused() -> None:
    s = st.majority_of(100_000)
    s.tree()
    _refused_cheaply(lambda: failure_probability_mc(s, 0.1, samples=10**6, seed=1), "max_draws")


def test_search_over_twelve_nodes_is_refused() -> None:
    _refused_cheaply(lambda: quorum.search(list(range(12)), read_fraction=0.5), "timeout")


def test_transversal_work_bound() -> None:
    chain = [frozenset({i, i + 1}) for i in range(40)]
    _refused_cheaply(lambda: st.minimal_transversals(chain, max_work=1000), "max_work")


def test_placements_and_ring_are_refused() -> None:
    _refused_cheaply(lambda: list(placement.placements("rack-aware", 255, 20, 3)), "placements")
    _refused_cheaply(lambda: HashRing(range(10**4), vnodes=10**5), "max_points")


# --------------------------------------------------------------------------- other kernels
def test_wilson_interval_worked_case() -> None:
    lo, hi = wilson_interval(0.5, 100, 1.96)
    assert (lo, hi) == pytest.approx((0.4038, 0.5962), abs=1e-4)
    z = 1.96
    for k, n in ((0, 10), (3, 10), (10, 10), (37, 1000)):
        ph = k / n  # independent form: roots of (p̂ − p)² = z² p(1 − p)/n
        a, b, c = 1 + z * z / n, -(2 * ph + z * z / n), ph * ph
        disc = math.sqrt(b * b - 4 * a * c)
        roots = sorted(((-b - disc) / (2 * a), (-b + disc) / (2 * a)))
        assert wilson_interval(ph, n, z) == pytest.approx(tuple(roots), abs=1e-12)


def test_nines_and_normalise_p() -> None:
    np.testing.assert_allclose(nines([0.1, 0.001, 1.0]), [1.0, 3.0, 0.0])
    assert nines(0.0) == math.inf
    assert markov.nines(0.999) == pytest.approx(3.0)
    np.testing.assert_allclose(normalise_p(("a", "b"), {"a": 0.1, "b": 0.2}), [0.1, 0.2])
    for bad in (1.5, [0.1], {"a": 0.1}, [True, 0.1], "x", [0.1, math.nan]):
        with pytest.raises(InvalidParameterError, match="p"):
            normalise_p(("a", "b"), bad)


def test_binomial_tail_against_exact_integers() -> None:
    m = 30_001  # P(fewer than a majority up) at p = 0.45: Σ C(m, j) 11^j 9^(m−j) / 20^m
    k = m // 2 + 1
    term = total = 9**m
    for j in range(k - 1):
        term = term * (m - j) * 11 // ((j + 1) * 9)
        total += term
    exact = float(Fraction(total, 20**m))
    assert failure_probability(st.majority_of(m), 0.45) == pytest.approx(exact, rel=1e-12)
    q = np.random.default_rng(9).uniform(0.54, 0.56, m)  # the tilted FFT on the same scale
    assert 1e-70 < _tail_fast(k, q) < 1e-60


def test_scalar_and_batch_forms_of_the_kernel_agree() -> None:
    from syncmodel._stats import lower_tail_py

    rng = np.random.default_rng(11)
    for m in (1, 2, 5, 17, 60):
        a = rng.uniform(0, 1, m)
        b = rng.uniform(0, 1, m) * (1 - a)  # a + b ≤ 1, as in the blocks op
        for k in range(1, m + 2):
            assert lower_tail_py(k, a.tolist()) == pytest.approx(
                float(lower_tail(k, a[:, None])[0]), rel=1e-12, abs=1e-300)
            assert lower_tail_py(k, a.tolist(), b.tolist()) == pytest.approx(
                float(lower_tail(k, a[:, None], b[:, None])[0]), rel=1e-12, abs=1e-300)


def test_election_simulate_refuses_trials_it_cannot_finish() -> None:
    from syncmodel import election
    from syncmodel.errors import ResourceLimitError

    with pytest.raises(ResourceLimitError, match="trials"):
        election.simulate("raft", n=3, trials=10**10, seed=0)


def test_simulate_store_refuses_a_run_it_cannot_finish() -> None:
    from syncmodel.errors import ResourceLimitError
    from syncmodel.sync.store import simulate_store

    with pytest.raises(ResourceLimitError, match="simulate_store"):
        simulate_store("quorum", n=10**5, r=1, w=1, seed=0)
