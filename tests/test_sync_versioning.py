"""Version vectors, conflict resolution, LWW under clock skew, G-counter and OR-set."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncmodel.errors import InvalidParameterError
from syncmodel.sync import versioning as v

vectors = st.dictionaries(st.sampled_from("abcd"), st.integers(0, 4), max_size=4)


def order_by_arrays(a, b):
    keys = sorted(set(a) | set(b))
    x = np.array([a.get(k, 0) for k in keys])
    y = np.array([b.get(k, 0) for k in keys])
    if np.array_equal(x, y):
        return "equal"
    if np.all(x <= y):
        return "before"
    if np.all(x >= y):
        return "after"
    return "concurrent"


@given(vectors, vectors)
def test_compare_matches_componentwise_definition(a, b):
    assert v.order(a, b) == order_by_arrays(a, b)


@given(vectors, vectors, vectors)
def test_merge_is_a_join(a, b, c):
    assert v.merge(a, b) == v.merge(b, a)
    assert v.merge(v.merge(a, b), c) == v.merge(a, v.merge(b, c))
    assert v.order(a, v.merge(a, b)) in ("before", "equal")


def test_increment_and_worked_cases():
    assert v.increment({"x": 1}, "y") == {"x": 1, "y": 1}
    assert v.order({"x": 2, "y": 1}, {"x": 1, "y": 2}) == "concurrent"


def test_resolve_policies():
    a = ({"x": 1}, 5.0, "A")
    b = ({"y": 1}, 3.0, "B")
    old = ({}, 9.0, "old")  # dominated by both
    assert sorted(x[2] for x in v.resolve([a, b, old], "siblings")) == ["A", "B"]
    assert [x[2] for x in v.resolve([a, b, old], "lww")] == ["A"]
    assert [x[2] for x in v.resolve([a, ({"x": 1}, 5.0, "A")], "siblings")] == ["A"]
    with pytest.raises(InvalidParameterError):
        v.resolve([a], "newest")


def test_lww_reordering_probability_against_integral():
    from scipy.integrate import quad

    lam, s = 1 / 2.0, 3.0  # 500 writes/s, ±3 ms skew
    integral = quad(lambda d: (1 - math.exp(-lam * max(-d, 0.0))) / (2 * s), -s, s)[0]
    out = v.lww_lost_fraction(500.0, 3.0, trials=200_000, seed=1)
    assert out["exact"] == pytest.approx(integral, rel=1e-6)
    se = math.sqrt(integral * (1 - integral) / 200_000)
    assert abs(out["simulated"] - integral) < 4 * se
    assert v.lww_lost_fraction(500.0, 0.0, trials=1000, seed=1) == {"simulated": 0.0, "exact": 0.0}
    with pytest.raises(InvalidParameterError):
        v.lww_lost_fraction(-1.0, 1.0)


ops = st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 3)), max_size=12)


@settings(max_examples=50)
@given(ops, ops, ops)
@pytest.mark.slow
def test_gcounter_merge_is_a_semilattice_and_loses_nothing(x, y, z):
    cs = []
    for seq in (x, y, z):
        c = v.GCounter()
        for node, by in seq:
            c.increment(node, by)
        cs.append(c)
    a, b, c = cs
    assert a.merge(b) == b.merge(a)
    assert a.merge(b).merge(c) == a.merge(b.merge(c))
    assert a.merge(a) == a
    # disjoint writers: the merged value is the sum of all increments
    d = v.GCounter({"p": 2})
    e = v.GCounter({"q": 3})
    assert d.merge(e).value == 5
    with pytest.raises(InvalidParameterError):
        a.increment("a", -1)


@settings(max_examples=50)
@given(st.lists(st.tuples(st.booleans(), st.sampled_from("xyz"), st.integers(0, 1)), max_size=15))
def test_orset_converges_and_add_wins(script):
    reps = [v.ORSet(), v.ORSet()]
    tag = 0
    for is_add, elem, who in script:
        if is_add:
            tag += 1
            reps[who].add(elem, (who, tag))
        else:
            reps[who].remove(elem)
    m1, m2 = reps[0].merge(reps[1]), reps[1].merge(reps[0])
    assert m1 == m2 and m1.merge(m1) == m1
    # the merged value is every element with a tag no replica removed
    removed = reps[0].removed | reps[1].removed
    alive = {e for e, t in reps[0].adds | reps[1].adds if t not in removed}
    assert m1.value == alive


def test_lww_lost_fraction_edge_skews_and_bad_trials():
    # found by fuzzing: skew −0.0 raised numpy's "high - low < 0", 1e308 an OverflowError
    assert v.lww_lost_fraction(100.0, -0.0, trials=100, seed=1) == {"simulated": 0.0, "exact": 0.0}
    with pytest.raises(InvalidParameterError, match="skew_ms"):
        v.lww_lost_fraction(100.0, 1e308, trials=100, seed=1)
    with pytest.raises(InvalidParameterError, match="trials"):
        v.lww_lost_fraction(100.0, 1.0, trials=True, seed=1)


@pytest.mark.parametrize(("call", "name"), [
    # found by fuzzing: TypeError / AttributeError / ValueError from inside
    (lambda: v.resolve(5), "versions"),
    (lambda: v.resolve([({"x": 1}, 1.0)]), "versions"),
    (lambda: v.resolve([({"x": 1}, "t", "A")]), "versions"),
    (lambda: v.GCounter().merge(5), "other"),
    (lambda: v.ORSet().merge({}), "other"),
    (lambda: v.GCounter().increment(["n"]), "node"),
    (lambda: v.increment({}, {"n": 1}), "node"),
    (lambda: v.ORSet().add(["x"], 1), "element"),
    (lambda: v.ORSet().add("x", {}), "tag"),
])
def test_bad_input_found_by_fuzzing(call, name):
    with pytest.raises(InvalidParameterError, match=f"^{name} must"):
        call()
