"""quorum: constructors, intersection, resilience, availability, strategies, bad input.

Every number is checked against an independent computation: a closed form
written here, or brute force over node subsets with quorum families listed by
itertools.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncmodel import quorum as Q
from syncmodel.errors import InfeasibleError, InvalidParameterError
from syncmodel.structure import choose, nodes

# --------------------------------------------------------------------------- brute force


def subsets(xs):
    xs = list(xs)
    for k in range(len(xs) + 1):
        yield from (frozenset(c) for c in itertools.combinations(xs, k))


def threshold_family(xs, k):
    return [frozenset(c) for c in itertools.combinations(xs, k)]


def grid_families(rows, cols):
    cells = [list(range(i * cols, (i + 1) * cols)) for i in range(rows)]
    reads = [frozenset(r) for r in cells]
    writes = [frozenset(c) for c in itertools.product(*cells)]
    return reads, writes


def brute_resilience(universe, family):
    """Largest f such that removing any f nodes leaves some quorum of ``family`` intact."""
    universe = list(universe)
    for f in range(len(universe) + 1):
        for dead in itertools.combinations(universe, f):
            if not any(not (q & set(dead)) for q in family):
                return f - 1
    return len(universe)


def brute_availability(universe, family, p):
    """Σ over up-sets U of P(U) · [some quorum ⊆ U]; p = {node: failure probability}."""
    total = 0.0
    for up in subsets(universe):
        if any(q <= up for q in family):
            total += math.prod((1 - p[x]) if x in up else p[x] for x in universe)
    return total


# --------------------------------------------------------------------------- constructors


def test_threshold_quorums_and_intersection():
    qs = Q.threshold(5, 2, 4)
    assert set(qs.read_quorums()) == set(threshold_family(range(5), 2))
    assert set(qs.write_quorums()) == set(threshold_family(range(5), 4))
    assert qs.is_consistent()
    assert all(r & w for r in qs.read_quorums() for w in qs.write_quorums())


def test_threshold_disjoint_pair_is_shown():
    msg = r"disjoint read quorum \{0, 1\} and write quorum \{2, 3\}"
    with pytest.raises(InvalidParameterError, match=msg):
        Q.threshold(4, 2, 2)


def test_any_expression_disjoint_pair_is_a_real_pair():
    a, b, c, d, e, f = nodes(*"abcdef")
    with pytest.raises(InvalidParameterError, match="must intersect") as exc:
        Q.QuorumSystem(reads=a + b + c, writes=d + e + f)
    import re

    m = re.search(r"read quorum \{(\w)\} and write quorum \{(\w)\}", str(exc.value))
    assert m and m.group(1) in "abc" and m.group(2) in "def"


def test_grid_reads_rows_writes_one_per_row():
    qs = Q.grid(3, 4)
    reads, writes = grid_families(3, 4)
    assert set(qs.read_quorums()) == set(reads)
    assert set(qs.write_quorums()) == set(writes)
    assert qs.read_resilience() == brute_resilience(range(12), reads) == 2
    assert qs.write_resilience() == brute_resilience(range(12), writes) == 3
    assert qs.resilience() == 2


def test_grid_names_and_writes_default_to_dual():
    qs = Q.grid(2, 2, names="abcd")
    assert set(qs.read_quorums()) == {frozenset("ab"), frozenset("cd")}
    a, b, c, d = nodes(*"abcd")
    dual = Q.QuorumSystem(reads=a * b + c * d)
    assert set(dual.write_quorums()) == set(qs.write_quorums())


def test_majority_even_writes_are_the_dual():
    qs = Q.majority(4)
    assert set(qs.read_quorums()) == set(threshold_family(range(4), 3))
    assert set(qs.write_quorums()) == set(threshold_family(range(4), 2))
    assert Q.majority(["x", "y", "z"]).nodes == ("x", "y", "z")


def test_flexible_paxos_only_phase1_meets_phase2():
    qs = Q.flexible(10, 9, 2)
    assert qs.is_consistent()
    assert qs.read_resilience() == 1 and qs.write_resilience() == 8
    with pytest.raises(InvalidParameterError, match="must intersect"):
        Q.flexible(10, 8, 2)


def test_weighted_voting_minimal_quorums():
    qs = Q.weighted([2, 1, 1], 2)
    assert set(qs.read_quorums()) == {frozenset({0}), frozenset({1, 2})}
    # writes need more than 4 - 2 = 2 votes
    assert set(qs.write_quorums()) == {frozenset({0, 1}), frozenset({0, 2})}
    assert qs.is_consistent()


@given(st.lists(st.integers(0, 4), min_size=1, max_size=6), st.data())
def test_weighted_matches_brute_force(votes, data):
    total = sum(votes)
    if total == 0:
        return
    t = data.draw(st.integers(1, total))
    qs = Q.weighted(votes, t)
    expect_r = [s for s in subsets(range(len(votes))) if sum(votes[i] for i in s) >= t]
    expect_w = [s for s in subsets(range(len(votes))) if sum(votes[i] for i in s) > total - t]
    for s in subsets(range(len(votes))):
        assert qs.is_read_quorum(s) == any(q <= s for q in expect_r)
        assert qs.is_write_quorum(s) == any(q <= s for q in expect_w)


def test_weighted_write_threshold():
    qs = Q.weighted({"a": 3, "b": 2, "c": 2}, 4, write_threshold=4)
    assert set(qs.read_quorums()) == {frozenset("ab"), frozenset("ac"), frozenset("bc")}
    with pytest.raises(InvalidParameterError, match="write_threshold"):
        Q.weighted({"a": 3, "b": 2, "c": 2}, 3, write_threshold=3)


def test_is_consistent_without_raising_on_lists_of_sets():
    qs = Q.QuorumSystem(reads=[{"a", "b"}, {"c", "d"}])
    assert qs.is_consistent()
    assert qs.disjoint_pair() is None


def test_as_structure_is_reads_and_writes():
    qs = Q.grid(2, 2)
    s = qs.as_structure()
    reads, writes = grid_families(2, 2)
    for up in subsets(range(4)):
        assert s.is_satisfied(up) == (any(q <= up for q in reads) and any(q <= up for q in writes))


# --------------------------------------------------------------------------- resilience


@pytest.mark.parametrize("n,r,w", [(5, 3, 3), (7, 2, 6), (6, 4, 3), (4, 1, 4)])
def test_threshold_resilience_formula(n, r, w):
    qs = Q.threshold(n, r, w)
    assert qs.read_resilience() == n - r
    assert qs.write_resilience() == n - w
    assert qs.read_resilience() == brute_resilience(range(n), threshold_family(range(n), r))


def test_resilience_of_a_non_read_once_expression():
    a, b, c, d, e = nodes(*"abcde")
    qs = Q.QuorumSystem(reads=a * b + a * c * e + d * e + d * c * b)
    fam = [frozenset(q) for q in ("ab", "ace", "de", "dcb")]
    assert qs.read_resilience() == brute_resilience("abcde", fam) == 1


def test_majority_of_101_resilience_is_instant():
    assert Q.majority(101).resilience() == 50


# --------------------------------------------------------------------------- availability


@pytest.mark.parametrize("n,r,w", [(5, 3, 3), (6, 2, 5)])
def test_threshold_availability_matches_enumeration(n, r, w):
    rng = np.random.default_rng(3)
    p = dict(enumerate(rng.uniform(0.01, 0.4, n).tolist()))
    qs = Q.threshold(n, r, w)
    assert qs.availability(p, op="read") == pytest.approx(
        brute_availability(range(n), threshold_family(range(n), r), p), rel=1e-12)
    assert qs.availability(list(p.values()), op="write") == pytest.approx(
        brute_availability(range(n), threshold_family(range(n), w), p), rel=1e-12)


def test_majority_of_3_worked_case():
    assert Q.majority(3).availability(0.1) == pytest.approx(1 - (3 * 0.01 * 0.9 + 0.001))


def test_majority_of_101_availability_binomial_sum():
    p = 0.3
    expect = sum(math.comb(101, j) * (1 - p) ** j * p ** (101 - j) for j in range(51, 102))
    assert Q.majority(101).availability(p) == pytest.approx(expect, rel=1e-10)


def test_grid_availability_matches_enumeration():
    qs = Q.grid(2, 3)
    reads, writes = grid_families(2, 3)
    p = {i: 0.05 * (i + 1) for i in range(6)}
    assert qs.availability(p, "read") == pytest.approx(brute_availability(range(6), reads, p))
    assert qs.availability(p, "write") == pytest.approx(brute_availability(range(6), writes, p))
    both = [r | w for r in reads for w in writes]
    assert qs.availability(p, "both") == pytest.approx(brute_availability(range(6), both, p))


# --------------------------------------------------------------------------- strategies


@pytest.mark.parametrize("n,r,w,fr", [(101, 51, 51, 0.5), (9, 2, 8, 0.9), (7, 4, 4, 0.0)])
def test_threshold_load_closed_form(n, r, w, fr):
    qs = Q.threshold(n, r, w)
    expect = fr * r / n + (1 - fr) * w / n
    assert qs.load(read_fraction=fr) == pytest.approx(expect)
    assert qs.capacity(read_fraction=fr) == pytest.approx(1 / expect)


def test_threshold_with_uneven_capacities_uses_the_lp():
    # reads = 2 of 3, read_fraction 1: with capacities (2, 1, 1) the best load
    # puts P_r = (1, 1/2, 1/2) (marginals sum to 2): loads (1/2, 1/2, 1/2).
    qs = Q.threshold(3, 2, 2, capacity=[2, 1, 1])
    assert qs.load(read_fraction=1) == pytest.approx(0.5)
    s = qs.strategy(read_fraction=1)
    assert sum(s.sigma_r.values()) == pytest.approx(1)
    assert all(len(q) == 2 for q in s.sigma_r)


def test_grid_load_closed_form():
    # rows × cols grid, read fraction f: the uniform strategy gives every node
    # f/rows + (1 - f)/cols, and by symmetry no strategy does better.
    for rows, cols, f in [(5, 5, 0.5), (3, 4, 0.8), (2, 6, 0.1)]:
        qs = Q.grid(rows, cols)
        assert qs.load(read_fraction=f) == pytest.approx(f / rows + (1 - f) / cols)


def test_strategy_decomposition_has_the_lp_marginals():
    qs = Q.grid(3, 3, capacity=list(range(1, 10)))
    s = qs.strategy(read_fraction=0.4)
    for sigma, marg, check in ((s.sigma_r, s.read_probability, qs.is_read_quorum),
                               (s.sigma_w, s.write_probability, qs.is_write_quorum)):
        assert sum(sigma.values()) == pytest.approx(1)
        assert all(check(q) for q in sigma)
        for x in qs.nodes:
            assert sum(p for q, p in sigma.items() if x in q) == pytest.approx(marg[x], abs=1e-9)


def test_f_resilient_threshold_and_bitmask_agree():
    # 2 of 4 with f = 1: 3-subsets, load 3/4 at read fraction 1 (equal capacities)
    a, b, c, d = nodes(*"abcd")
    assert Q.QuorumSystem(choose(2, [a, b, c, d])).load(read_fraction=1, f=1) == pytest.approx(0.75)
    # the same family written as an explicit list of sets goes through the 2^n sweep
    qs = Q.QuorumSystem(reads=[set(q) for q in itertools.combinations("abcd", 2)])
    s = qs.uniform_strategy(f=1)
    assert set(s.sigma_r) == {frozenset(q) for q in itertools.combinations("abcd", 3)}
    assert qs.load(read_fraction=1, f=1) == pytest.approx(0.75)


def test_f_resilient_definition_by_brute_force():
    a, b, c, d, e = nodes(*"abcde")
    qs = Q.QuorumSystem(reads=a * b + c * d * e)
    s = qs.uniform_strategy(f=1)
    fam = [frozenset("ab"), frozenset("cde")]

    def resilient(x):
        return all(any(q <= x - {y} for q in fam) for y in x) and any(q <= x for q in fam)

    expect = [x for x in subsets("abcde") if resilient(x) and not any(resilient(x - {y}) for y in x)]
    assert set(s.sigma_r) == set(expect)


def test_network_and_latency_limits():
    a, b, c, d = nodes(*"abcd")
    qs = Q.QuorumSystem(a + b + c + d, read_capacity=dict(a=200, b=200, c=100, d=100),
                        write_capacity=dict(a=100, b=100, c=50, d=50), latency=dict(a=4, b=4, c=1, d=1))
    s = qs.strategy(read_fraction=1, optimize="latency", load_limit=1 / 150, network_limit=2)
    # only c and d have latency 1; loads P(c)/100, P(d)/100 <= 1/150 force P(c) + P(d) <= 4/3, so all
    # reads can go to them: latency 1, network 1
    assert s.latency(read_fraction=1) == pytest.approx(1)
    assert s.network_load(read_fraction=1) == pytest.approx(1)
    with pytest.raises(InfeasibleError, match="no strategy"):
        qs.strategy(read_fraction=1, optimize="latency", load_limit=1 / 1000)


def test_make_strategy_loads_by_hand():
    a, b, c, d, e, f = nodes(*"abcdef")
    grid = Q.QuorumSystem(reads=a * b * c + d * e * f)
    s = grid.make_strategy({frozenset("abc"): 2, frozenset("def"): 1},
                           {frozenset("ad"): 1, frozenset("be"): 1, frozenset("cf"): 1})
    # node a: read with 2/3, write with 1/3 -> at f_r = 1/4: 1/4·2/3 + 3/4·1/3 = 5/12
    assert s.node_load("a", read_fraction=0.25) == pytest.approx(5 / 12)
    assert s.node_load("d", read_fraction=0.25) == pytest.approx(1 / 4 * 1 / 3 + 3 / 4 * 1 / 3)
    assert s.load(write_fraction=1) == pytest.approx(1 / 3)
    q = s.get_read_quorum(seed=1)
    assert q == s.get_read_quorum(seed=1) and grid.is_read_quorum(q)


def test_workload_distribution_weights():
    assert Q.canonicalize({0.1: 1, 0.75: 3}) == [(0.1, 0.25), (0.75, 0.75)]
    assert Q.canonicalize(write_fraction=0.25) == [(0.75, 1.0)]
    qs = Q.grid(2, 2)
    d = {0.0: 1, 1.0: 1}
    # the strategy minimising 1/2·l_0 + 1/2·l_1 is the uniform one: l_0 = l_1 = 1/2
    assert qs.load(read_fraction=d) == pytest.approx(0.5)
    assert qs.capacity(read_fraction=d) == pytest.approx(2.0)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("call,name", [
    (lambda: Q.threshold(5, 0, 5), "r"),
    (lambda: Q.threshold(5, 3, 6), "w"),
    (lambda: Q.threshold(5, 2.5, 4), "r"),
    (lambda: Q.grid(0, 3), "rows"),
    (lambda: Q.grid(2, 0), "cols"),
    (lambda: Q.weighted([1, -1, 2], 1), "weights"),
    (lambda: Q.weighted([1, float("nan")], 1), "weights"),
    (lambda: Q.weighted([1, 2, 3], 7), "threshold"),
    (lambda: Q.weighted([1, 2, 3], 0), "threshold"),
    (lambda: Q.flexible(5, 6, 2), "q1"),
    (lambda: Q.majority(0), "n_or_nodes"),
    (lambda: Q.majority(3).load(read_fraction=1.5), "read_fraction"),
    (lambda: Q.majority(3).load(read_fraction=float("nan")), "read_fraction"),
    (lambda: Q.majority(3).load(read_fraction={0.5: -1}), "read_fraction"),
    (lambda: Q.majority(3).load(), "read_fraction"),
    (lambda: Q.majority(3, capacity=0), "capacity"),
    (lambda: Q.majority(3, read_capacity=[1, -2, 1]), "read_capacity"),
    (lambda: Q.majority(3, capacity={"z": 1}), "capacity"),
    (lambda: Q.majority(3).availability(1.2), "p"),
    (lambda: Q.majority(3).availability(0.1, op="delete"), "op"),
    (lambda: Q.majority(3).strategy(read_fraction=1, optimize="speed"), "optimize"),
    (lambda: Q.majority(3).strategy(read_fraction=1, load_limit=0.5), "load_limit"),
    (lambda: Q.majority(3).strategy(read_fraction=1, f=-1), "f"),
    (lambda: Q.QuorumSystem(), "reads"),
])
def test_bad_input_names_the_parameter(call, name):
    with pytest.raises(InvalidParameterError, match=name):
        call()


def test_no_f_resilient_quorum_is_infeasible():
    with pytest.raises(InfeasibleError, match="2-resilient"):
        Q.majority(3).strategy(read_fraction=0.5, f=2)
    a, b = nodes("a", "b")
    with pytest.raises(InfeasibleError, match="1-resilient"):
        Q.QuorumSystem(reads=a * b).strategy(read_fraction=1, f=1)


def test_failure_probability_accepts_a_quorum_system():
    from syncmodel.failure import failure_probability

    qs = Q.threshold(4, 2, 3)
    p = {i: 0.1 + 0.05 * i for i in range(4)}
    both = [r | w for r in threshold_family(range(4), 2) for w in threshold_family(range(4), 3)]
    assert failure_probability(qs, p) == pytest.approx(1 - brute_availability(range(4), both, p))
    assert qs.availability(p, "both") == pytest.approx(brute_availability(range(4), both, p))


def _random_read_once(rng, xs):
    if len(xs) == 1:
        return nodes(xs[0])[0]
    rng.shuffle(xs)
    cuts = sorted(rng.sample(range(1, len(xs)), rng.randint(1, min(3, len(xs) - 1))))
    parts = [xs[i:j] for i, j in zip([0, *cuts], [*cuts, len(xs)], strict=True)]
    kids = [_random_read_once(rng, p) for p in parts]
    return choose(rng.randint(1, len(kids)), kids)


@pytest.mark.parametrize("seed", range(12))
def test_resilient_tree_matches_the_definition(seed):
    import random

    rng = random.Random(seed)
    xs = [chr(ord("a") + i) for i in range(rng.randint(3, 7))]
    reads = _random_read_once(rng, list(xs))
    qs = Q.QuorumSystem(reads)
    fam = qs.read_quorums()

    def quorum(x):
        return any(q <= x for q in fam)

    for f in (1, 2):
        def resilient(x, f=f):
            return all(quorum(x - set(dead)) for k in range(f + 1) for dead in itertools.combinations(x, k))

        expect = {x for x in subsets(xs) if resilient(x) and not any(resilient(x - {y}) for y in x)}
        try:
            got = set(qs.resilient_quorums(f, "read"))
        except InfeasibleError:
            got = set()
        assert got == expect


def test_f_resilient_grid_beyond_the_bitmask_limit():
    # 5 × 5 grid, f = 1: reads need two full rows, writes two nodes of every row; the uniform
    # strategies give every node 2/5 on both sides, so the load is 2/5 at any read fraction
    qs = Q.grid(5, 5)
    for fr in (0.0, 0.3, 1.0):
        assert qs.load(read_fraction=fr, f=1) == pytest.approx(0.4)
    s = qs.strategy(read_fraction=0.3, f=1)
    assert all(len(q) == 10 for q in s.sigma_r) and all(len(q) == 10 for q in s.sigma_w)


def test_strategy_utilization_throughput_network_latency_by_hand():
    a, b, c, d, e, f = nodes(*"abcdef")
    grid = Q.QuorumSystem(reads=a * b * c + d * e * f, latency=dict(a=1, b=2, c=3, d=1, e=1, f=5))
    s = grid.make_strategy({frozenset("abc"): 2, frozenset("def"): 1},
                           {frozenset("ad"): 1, frozenset("be"): 1, frozenset("cf"): 1})
    fr = 0.25  # loads: a, b, c 5/12; d, e, f 1/3; the load is 5/12
    assert s.node_utilization(read_fraction=fr)["d"] == pytest.approx((1 / 3) / (5 / 12))
    assert s.node_throughput(read_fraction=fr)["a"] == pytest.approx(12 / 5 * (fr * 2 / 3 + (1 - fr) / 3))
    assert s.network_load(read_fraction=fr) == pytest.approx(fr * 3 + (1 - fr) * 2)
    # read latencies: abc 3, def 5; write latencies: ad 1, be 2, cf 5
    expect = fr * (2 / 3 * 3 + 1 / 3 * 5) + (1 - fr) * (1 + 2 + 5) / 3
    assert s.latency(read_fraction=fr) == pytest.approx(expect)


def test_threshold_latency_closed_form_on_101_nodes():
    rng = np.random.default_rng(11)
    lat = rng.uniform(1, 50, 101)
    qs = Q.majority(101, latency=lat.tolist())
    ordered = np.sort(lat)
    for fr in (0.0, 0.4, 1.0):
        # the fastest 51 nodes: a quorum's latency is its slowest member, at least the 51st smallest
        assert qs.latency(read_fraction=fr, optimize="latency") == pytest.approx(ordered[50])
    assert qs.latency(read_fraction=0.5, optimize="latency", f=3) == pytest.approx(ordered[50])
    lat6 = [5, 1, 4, 2, 3, 6]
    small = Q.threshold(6, 2, 5, latency=lat6)
    for k, fr in ((2, 1.0), (5, 0.0)):
        brute = min(max(lat6[i] for i in q) for q in itertools.combinations(range(6), k))
        assert small.latency(read_fraction=fr, optimize="latency") == pytest.approx(brute)


def test_search_bad_input():
    with pytest.raises(InvalidParameterError, match="nodes"):
        Q.search([], read_fraction=0.5)
    with pytest.raises(InvalidParameterError, match="resilience"):
        Q.search("abc", read_fraction=0.5, resilience=-1)
    with pytest.raises(InvalidParameterError, match="timeout_s"):
        Q.search("abc", read_fraction=0.5, timeout_s=0)
    with pytest.warns(DeprecationWarning, match="timeout_s"), pytest.raises(InvalidParameterError):
        Q.search("abc", read_fraction=0.5, timeout=0)  # the old name still reaches the check


@pytest.mark.parametrize("seed", range(8))
def test_systematic_decomposition_on_nested_expressions(seed):
    import random

    rng = random.Random(100 + seed)
    xs = [chr(ord("a") + i) for i in range(rng.randint(4, 9))]
    reads = _random_read_once(rng, list(xs))
    caps = {x: rng.choice([1, 2, 3, 7]) for x in reads.nodes}
    qs = Q.QuorumSystem(reads, read_capacity=caps, write_capacity={x: 8 - c for x, c in caps.items()})
    s = qs.strategy(read_fraction=rng.choice([0.2, 0.5, 0.9]))
    for sigma, marg, fam in ((s.sigma_r, s.read_probability, set(qs.read_quorums())),
                             (s.sigma_w, s.write_probability, set(qs.write_quorums()))):
        assert sum(sigma.values()) == pytest.approx(1)
        assert set(sigma) <= fam  # minimal quorums only
        for x in qs.nodes:
            assert sum(p for q, p in sigma.items() if x in q) == pytest.approx(marg[x], abs=1e-8)


@pytest.mark.parametrize(("call", "name"), [
    # found by fuzzing: a scipy ValueError, TypeErrors from inside, or float() errors before
    (lambda: Q.majority(3).strategy(optimize="network", load_limit=math.inf), "load_limit"),
    (lambda: Q.majority(3).strategy(optimize="load", network_limit=math.inf), "network_limit"),
    (lambda: Q.weighted([1, 2, 3], None), "threshold"),
    (lambda: Q.majority([[1], [2]]), "n"),
    (lambda: Q.search(5), "nodes"),
    (lambda: Q.search([[1], [2]]), "nodes"),
    (lambda: Q.majority(3).availability_curve(["x"]), "ps"),
    (lambda: Q.majority(3).capacity_curve(None), "fractions"),
    (lambda: Q.majority(3).capacity_curve([[0.5]]), "fractions"),
    (lambda: Q.majority(3).read_quorums(limit=None), "limit"),
    (lambda: Q.majority(3).write_quorums(limit=float("nan")), "limit"),
    (lambda: Q.majority(3).is_read_quorum(5), "xs"),
    (lambda: Q.majority(3).is_write_quorum([[0]]), "xs"),
    (lambda: Q.majority(3).uniform_strategy().node_load([0], 0.5), "node"),
])
def test_bad_input_found_by_fuzzing(call, name):
    with pytest.raises(InvalidParameterError, match=name):
        call()


@pytest.mark.parametrize(("kwargs", "name"), [
    # found by fuzzing: a bad reads was reported as "system"
    (dict(reads=5), "reads"), (dict(reads="abc"), "reads"), (dict(writes=5), "writes"),
])
def test_quorum_system_names_its_bad_argument(kwargs, name):
    with pytest.raises(InvalidParameterError, match=f"^{name} must"):
        Q.QuorumSystem(**kwargs)


def test_majority_of_an_even_n_writes_the_dual_worked_case():
    # quoracle's convention: majority(4) reads 3 of 4, writes the dual 2 of 4; checked by
    # enumerating the 16 up/down states at p = 0.1 (docstring of quorum.majority)
    qs = Q.majority(4)
    p = 0.1
    read = write = 0.0
    for up in itertools.product((0, 1), repeat=4):
        pr = 1.0
        for u in up:
            pr *= (1 - p) if u else p
        read += pr * (sum(up) >= 3)
        write += pr * (sum(up) >= 2)
    assert qs.availability(p, op="read") == pytest.approx(read) == pytest.approx(0.9477)
    assert qs.availability(p, op="write") == pytest.approx(write) == pytest.approx(0.9963)
    assert Q.threshold(4, 3, 3).availability(p, op="write") == pytest.approx(read)
