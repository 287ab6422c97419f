"""P(S) and F(S) against binomial sums, brute-force enumeration and simulation."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_structure import expressions, holds

import syncmodel.failure as failure
from syncmodel.errors import InvalidParameterError
from syncmodel.failure import (
    Domain,
    failure_curve,
    failure_probability,
    failure_probability_mc,
    fault_tolerance,
)
from syncmodel.structure import Node, Sets, Structure, all_of, any_of, choose


def binom_fail(n: int, k: int, p: float) -> float:
    """P(fewer than k of n nodes up), each down with p: Σ_{j<k} C(n,j)(1−p)^j p^(n−j)."""
    return sum(math.comb(n, j) * (1 - p) ** j * p ** (n - j) for j in range(k))


def brute_fail(e: Structure, p: dict) -> float:
    """Σ over the 2^n node states where the expression fails, from its definition."""
    total = 0.0
    for state in itertools.product([False, True], repeat=e.n):
        up = {x for x, u in zip(e.nodes, state, strict=True) if u}
        if not holds(e, up):
            total += math.prod((1 - p[x]) if x in up else p[x] for x in e.nodes)
    return total


def grid(r: int, c: int) -> Structure:
    """Reads need a full row, writes one node of every row: reads * writes."""
    rows = [[(i, j) for j in range(c)] for i in range(r)]
    return any_of([all_of(x) for x in rows]) * all_of([any_of(x) for x in rows])


# ---------------------------------------------------------------- worked cases from the issue
def test_majorities_at_p_01():
    assert fault_tolerance(choose(2, 3), 0.1) == pytest.approx(
        1 - (3 * 0.1**2 * 0.9 + 0.1**3), abs=1e-15
    )
    assert fault_tolerance(choose(2, 3), 0.1) == pytest.approx(0.972, abs=1e-15)
    # majority of 5: up when at most 2 are down
    want = sum(math.comb(5, j) * 0.1**j * 0.9 ** (5 - j) for j in range(3))
    assert fault_tolerance(choose(3, 5), 0.1) == pytest.approx(want, abs=1e-15)
    assert want == pytest.approx(0.99144, abs=1e-12)


@pytest.mark.parametrize("method", ["auto", "exact", "recursion", "factoring", "enumeration"])
@pytest.mark.parametrize(("n", "k"), [(1, 1), (4, 1), (4, 4), (7, 4), (9, 3)])
def test_k_of_n_all_methods(method, n, k):
    assert failure_probability(choose(k, n), 0.17, method=method) == pytest.approx(
        binom_fail(n, k, 0.17), rel=1e-12, abs=1e-15
    )


def test_large_majority_against_scipy_binomial():
    from scipy.stats import binom

    n, p = 1001, 0.45
    want = binom.cdf(n // 2, n, 1 - p)  # fewer than 501 up
    assert failure_probability(choose(501, n), p) == pytest.approx(want, rel=1e-9)


def test_heterogeneous_mapping_and_sequence():
    p = {"a": 0.1, "b": 0.2, "c": 0.3}
    e = choose(2, "abc")
    # fails when at least two are down
    want = 0.1 * 0.2 * 0.7 + 0.1 * 0.8 * 0.3 + 0.9 * 0.2 * 0.3 + 0.1 * 0.2 * 0.3
    assert failure_probability(e, p) == pytest.approx(want, abs=1e-15)
    assert failure_probability(e, [0.1, 0.2, 0.3]) == pytest.approx(want, abs=1e-15)
    assert failure_probability(e, np.array([0.1, 0.2, 0.3])) == pytest.approx(want, abs=1e-15)


def test_series_parallel_closed_form():
    a, b, c = Node("a"), Node("b"), Node("c")
    p = 0.2
    # a * (b + c) fails when a is down or both b and c are
    assert failure_probability(a * (b + c), p) == pytest.approx(1 - (1 - p) * (1 - p * p))


def test_grid_against_enumeration_formula():
    # 3x4 grid: up iff some row is all up and every row has an up node.
    r, c, p = 3, 4, 0.1
    q = 1 - p
    full, some = q**c, 1 - p**c
    # P(every row partial-or-full and at least one full) = some^r − (some − full)^r
    want_up = some**r - (some - full) ** r
    for method in ("exact", "enumeration"):
        assert fault_tolerance(grid(r, c), p, method=method) == pytest.approx(want_up, rel=1e-12)


def test_big_grid_exact_closed_form():
    r, c, p = 12, 12, 0.05
    q = 1 - p
    some, full = 1 - p**c, q**c
    want = 1 - (some**r - (some - full) ** r)
    assert failure_probability(grid(r, c), p) == pytest.approx(want, rel=1e-10)


@st.composite
def aligned_blocks(draw):
    """S = X joined with side conditions G, where X = choose(k, X_1..X_b) and X_t and the
    G in block t use only block t's nodes: the pattern of a grid's reads * writes."""
    sizes = draw(st.lists(st.integers(1, 3), min_size=2, max_size=4))
    blocks, start = [], 0
    for size in sizes:
        blocks.append([f"n{start + j}" for j in range(size)])
        start += size
    block_exprs = [expressions(names=tuple(b), depth=2) for b in blocks]
    parts = [draw(e) for e in block_exprs]
    x = choose(draw(st.integers(1, len(parts))), parts)
    sides = [draw(block_exprs[t]) for t in draw(st.lists(st.integers(0, len(blocks) - 1), max_size=4))]
    join = draw(st.sampled_from([all_of, any_of]))
    return join([x, *sides]) if sides else x


@given(aligned_blocks(), st.lists(st.floats(0, 1), min_size=12, max_size=12))
def test_block_aligned_structures_equal_brute_force(e, ps):
    p = {x: ps[i] for i, x in enumerate(e.nodes)}
    want = brute_fail(e, p)
    assert failure_probability(e, p) == pytest.approx(want, abs=1e-12)  # first call: interpreted
    assert failure_probability(e, p) == pytest.approx(want, abs=1e-12)  # then generated code
    q = ps[0]  # the batch (numpy) evaluator, at one homogeneous p
    want_q = brute_fail(e, dict.fromkeys(e.nodes, q))
    assert failure_curve(e, [q, q])[1] == pytest.approx(want_q, abs=1e-12)


def test_grid_compiles_to_blocks_without_factoring():
    """reads * writes of a grid splits over its rows: no factoring step, exact for 30 × 30."""
    g = grid(30, 30)
    p = 0.3
    q = 1 - p
    some, full = 1 - p**30, q**30
    assert failure_probability(g, p) == pytest.approx(1 - (some**30 - (some - full) ** 30), rel=1e-12)
    assert failure._plan(g, None).steps == 0
    # its dual (any-of at the top) splits the same way
    d = g.dual()
    assert failure_probability(d, p) == pytest.approx(1 - failure_probability(g, 1 - p), abs=1e-12)
    assert failure._plan(d, None).steps == 0


def test_absorption_and_idempotence():
    a, b, c = Node("a"), Node("b"), Node("c")
    pa, pb, pc = 0.1, 0.2, 0.3
    cases = [
        (a * (a + b), pa),  # absorption: a
        (a + a * b, pa),  # absorption: a
        (all_of([a + b, a + b, c]), 1 - (1 - pa * pb) * (1 - pc)),  # idempotence: (a + b) * c
        (choose(2, [a + b, a + b, c]), pa * pb),  # holds exactly when a + b does
    ]
    for e, want in cases:
        p = {x: {"a": pa, "b": pb, "c": pc}[x] for x in e.nodes}
        assert failure_probability(e, p) == pytest.approx(want, abs=1e-15)
        assert failure_probability(e, p) == pytest.approx(brute_fail(e, p), abs=1e-15)


@given(
    expressions(names=tuple("abcdefghi"), depth=3),
    st.lists(st.floats(0, 1), min_size=9, max_size=9),
)
def test_packed_enumeration_equals_brute_force(e, ps):
    """Six nodes or more: enumeration evaluates bit-packed states (64 to a word)."""
    p = {x: ps[i] for i, x in enumerate(e.nodes)}
    assert failure_probability(e, p, method="enumeration") == pytest.approx(brute_fail(e, p), abs=1e-12)


def test_auto_enumerates_irregular_families_instead_of_factoring_long():
    """A 20-node family of 60 random 4-sets: auto's factoring budget is what enumeration would
    cost, so it enumerates; both exact methods agree."""
    rng = np.random.default_rng(5)
    fam = Sets([set(rng.choice(20, 4, replace=False).tolist()) for _ in range(60)])
    p = rng.uniform(0.02, 0.3, fam.n).tolist()
    auto = failure_probability(fam, p)
    assert "plan" not in fam._cached("failure_plans", dict)  # factoring gave up within its budget
    assert auto == pytest.approx(failure_probability(fam, p, method="exact"), rel=1e-9, abs=1e-15)
    assert auto == pytest.approx(failure_probability(fam, p, method="enumeration"), abs=1e-15)


def test_odd_majorities_self_dual():
    for n in (3, 5, 7, 11):
        for p in (0.03, 0.2, 0.41):
            e = choose(n // 2 + 1, n)
            assert failure_probability(e, p) + failure_probability(e, 1 - p) == pytest.approx(1.0)


def test_four_nodes_worse_than_three():
    p = 0.1
    assert failure_probability(choose(3, 4), p) > failure_probability(choose(2, 3), p)


# ---------------------------------------------------------------- properties
@given(
    expressions(),
    st.lists(st.floats(0, 1), min_size=5, max_size=5),
    st.sampled_from(["auto", "exact", "enumeration"]),
)
def test_exact_equals_brute_force(e, ps, method):
    p = {x: ps[i] for i, x in enumerate(e.nodes)}
    assert failure_probability(e, p, method=method) == pytest.approx(brute_fail(e, p), abs=1e-12)


@given(
    expressions(),
    st.lists(st.floats(0, 1), min_size=5, max_size=5),
    st.integers(0, 4),
    st.floats(0, 1),
)
def test_monotone_in_each_p(e, ps, i, bump):
    p = {x: ps[j] for j, x in enumerate(e.nodes)}
    x = e.nodes[i % e.n]
    worse = dict(p)
    worse[x] = p[x] + (1 - p[x]) * bump
    assert failure_probability(e, worse) >= failure_probability(e, p) - 1e-12


@given(expressions(), st.floats(0, 1), st.floats(0, 0.5))
def test_domains_by_conditioning_brute_force(e, p, q):
    nodes = list(e.nodes)
    rack = nodes[: max(1, len(nodes) // 2)]
    # condition on the rack: down -> its nodes surely down
    px = {x: p for x in nodes}
    pd = {x: (1.0 if x in rack else p) for x in nodes}
    want = q * brute_fail(e, pd) + (1 - q) * brute_fail(e, px)
    got = failure_probability(e, p, domains={"rack": (rack, q)})
    assert got == pytest.approx(want, abs=1e-12)
    assert failure_probability(e, p, domains=[Domain(frozenset(rack), q, "rack")]) == pytest.approx(
        got
    )


def test_beta_factor_closed_form():
    p, beta = 0.1, 0.1
    # with prob beta*p all fail; else independent with (1-beta)p
    common = beta * p
    want = common + (1 - common) * binom_fail(3, 2, (1 - beta) * p)
    assert failure_probability(choose(2, 3), p, beta=beta) == pytest.approx(want, abs=1e-15)
    assert failure_probability(choose(2, 3), p, beta=0.0) == pytest.approx(binom_fail(3, 2, p))


def test_two_domains_closed_form():
    # 2-of-3 with nodes 0,1 in zone A and node 2 in zone B
    p, qa, qb = 0.05, 0.01, 0.02
    e = choose(2, 3)
    f_ind = binom_fail(3, 2, p)
    f_a = 1.0  # A down: 0 and 1 down -> fails
    f_b = 1 - (1 - p) ** 2  # B down: needs both 0 and 1
    want = qa * f_a + (1 - qa) * (qb * f_b + (1 - qb) * f_ind)
    got = failure_probability(e, p, domains={"A": ([0, 1], qa), "B": ([2], qb)})
    assert got == pytest.approx(want, abs=1e-15)


def test_failure_curve_matches_pointwise_and_formula():
    ps = np.linspace(0, 1, 11)
    got = failure_curve(choose(3, 5), ps)
    assert got == pytest.approx([binom_fail(5, 3, p) for p in ps], abs=1e-14)
    got_b = failure_curve(choose(2, 3), [0.1, 0.3], beta=0.2)
    want_b = [failure_probability(choose(2, 3), p, beta=0.2) for p in (0.1, 0.3)]
    assert got_b == pytest.approx(want_b)


def test_quorum_system_protocol():
    class FakeQS:
        def as_structure(self):
            return choose(2, 3) * choose(2, 3).dual()

    assert failure_probability(FakeQS(), 0.1) == pytest.approx(binom_fail(3, 2, 0.1))
    assert failure_probability([{0, 1}, {1, 2}, {0, 2}], 0.1) == pytest.approx(
        binom_fail(3, 2, 0.1)
    )


# ---------------------------------------------------------------- Monte Carlo
def test_monte_carlo_reproducible_and_close():
    e = grid(3, 3)
    a = failure_probability_mc(e, 0.1, samples=200_000, seed=5)
    b = failure_probability_mc(e, 0.1, samples=200_000, seed=5)
    assert a == b
    exact = failure_probability(e, 0.1, method="enumeration")
    assert a.low <= exact <= a.high or abs(a.estimate - exact) < 4 * math.sqrt(exact / 200_000)
    assert failure_probability(e, 0.1, method="montecarlo", seed=5, samples=200_000) == a.estimate


def test_monte_carlo_with_domains_and_beta():
    e = choose(3, 5)
    doms = {"r": ([0, 1, 2], 0.05)}
    exact = failure_probability(e, 0.1, domains=doms, beta=0.2)
    mc = failure_probability_mc(e, 0.1, domains=doms, beta=0.2, samples=400_000, seed=3)
    sd = math.sqrt(exact * (1 - exact) / 400_000)
    assert abs(mc.estimate - exact) < 5 * sd


@pytest.mark.parametrize("interval", ["wilson", "clopper-pearson"])
def test_monte_carlo_interval_coverage(interval):
    e, p = choose(2, 3), 0.1
    exact = binom_fail(3, 2, p)
    reps = 300
    hits = sum(
        failure_probability_mc(e, p, samples=3000, seed=s, interval=interval).covers(exact)
        for s in range(reps)
    )
    # nominal 95 %: expect 285 of 300 (sd ≈ 3.8); fail below 270
    assert hits >= 270


def test_auto_falls_back_to_monte_carlo_with_warning(monkeypatch):
    monkeypatch.setattr(failure, "AUTO_FACTORING_BUDGET", 0)
    monkeypatch.setattr(failure, "MAX_ENUMERATION_NODES", 2)
    triangle = Sets([{0, 1}, {1, 2}, {0, 2}])  # repeats nodes in no block pattern: needs factoring
    with pytest.warns(RuntimeWarning, match="Monte Carlo"):
        v = failure_probability(triangle, 0.1, seed=1, samples=50_000)
    assert v == pytest.approx(binom_fail(3, 2, 0.1), abs=0.01)


def test_auto_exact_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        failure_probability(Sets([{i, i + 1, i + 2} for i in range(14)]), 0.2)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "p", [1.2, -0.1, float("nan"), "x", None, True, [0.1, 0.2], [0.1, 0.2, 1.5]]
)
def test_bad_p(p):
    with pytest.raises(InvalidParameterError, match="p"):
        failure_probability(choose(2, 3), p)


def test_bad_mapping():
    with pytest.raises(InvalidParameterError, match="unknown"):
        failure_probability(choose(2, 3), {0: 0.1, 1: 0.1, 2: 0.1, 9: 0.1})
    with pytest.raises(InvalidParameterError, match="missing"):
        failure_probability(choose(2, 3), {0: 0.1, 1: 0.1})
    with pytest.raises(InvalidParameterError, match=r"p\[2\]"):
        failure_probability(choose(2, 3), {0: 0.1, 1: 0.1, 2: float("nan")})


def test_bad_other_arguments():
    e = choose(2, 3)
    with pytest.raises(InvalidParameterError, match="method"):
        failure_probability(e, 0.1, method="magic")
    with pytest.raises(InvalidParameterError, match="beta"):
        failure_probability(e, 0.1, beta=1.5)
    with pytest.raises(InvalidParameterError, match="beta"):
        failure_probability(e, 0.1, beta=float("nan"))
    with pytest.raises(InvalidParameterError, match="domains"):
        failure_probability(e, 0.1, domains={"r": ([7], 0.1)})
    with pytest.raises(InvalidParameterError, match="p"):
        failure_probability(e, 0.1, domains={"r": ([0], 2.0)})
    with pytest.raises(InvalidParameterError, match="samples"):
        failure_probability_mc(e, 0.1, samples=0)
    with pytest.raises(InvalidParameterError, match="confidence"):
        failure_probability_mc(e, 0.1, confidence=1.0)
    with pytest.raises(InvalidParameterError, match="system"):
        failure_probability("abc", 0.1)
    with pytest.raises(InvalidParameterError, match="system"):
        failure_probability([], 0.1)
    with pytest.raises(InvalidParameterError, match="method"):
        failure_probability(any_of([0, 1]) * any_of([1, 2]), 0.1, method="recursion")
    with pytest.raises(InvalidParameterError, match="ps"):
        failure_curve(e, [0.1, 1.1])


@given(expressions(), st.lists(st.lists(st.floats(0, 1), min_size=5, max_size=5), min_size=3, max_size=3))
def test_repeated_evaluation_generated_code_matches_brute_force(e, pss):
    # the first call interprets the compiled plan, later calls run generated code
    for ps in pss:
        p = {x: ps[i] for i, x in enumerate(e.nodes)}
        assert failure_probability(e, p) == pytest.approx(brute_fail(e, p), abs=1e-12)


@pytest.mark.parametrize("ps", ["x", ["x"], {"a": 0.1}, [None], [True]])
def test_failure_curve_rejects_non_numbers_by_name(ps):
    # found by fuzzing: numpy's float() ValueError/TypeError escaped before
    with pytest.raises(InvalidParameterError, match="ps"):
        failure_curve(choose(2, 3), ps)


@pytest.mark.parametrize(("call", "name"), [
    # found by fuzzing: AttributeError from inside; Domain accepted anything until used
    (lambda: failure.node_probabilities(5, 0.1), "structure"),
    (lambda: Domain(5, 0.1), "nodes"),
    (lambda: Domain(frozenset(), 0.1), "nodes"),
    (lambda: Domain([["a"]], 0.1), "nodes"),
    (lambda: Domain("ab", 0.1), "nodes"),
    (lambda: Domain(frozenset({"a"}), 1.5), "p"),
    (lambda: Domain(frozenset({"a"}), "x"), "p"),
    (lambda: Domain(frozenset({"a"}), 0.1, name=3), "name"),
])
def test_bad_input_found_by_fuzzing(call, name):
    with pytest.raises(InvalidParameterError, match=f"^{name} must"):
        call()


def test_domain_keeps_its_fields_and_names_a_bad_mapping_entry():
    d = Domain(frozenset({"a", "b"}), 0.25, "rack")
    assert (d.nodes, d.p, d.name) == (frozenset({"a", "b"}), 0.25, "rack")
    assert Domain(["a", "a"], 0, "r").nodes == frozenset({"a"})
    with pytest.raises(InvalidParameterError, match=r"^domains\['r'\] must"):
        failure_probability(choose(2, 3), 0.1, domains={"r": ([], 0.1)})
