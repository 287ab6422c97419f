"""C(S), A(S) and the consistency ratio: worked cases, properties, bad input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import syncmodel as sm
from syncmodel.sets import Cluster, consistency_ratio

facts = st.tuples(st.sampled_from("abcd"), st.integers(0, 3))
families = st.lists(st.frozensets(facts, max_size=8), min_size=1, max_size=6)


def brute_c(family):
    """Intersection by membership test over every element seen: independent of frozenset ops."""
    seen = [x for s in family for x in s]
    return {x for x in seen if all(x in s for s in family)}


def test_worked_case_from_docstring():
    fam = [{("x", 1), ("y", 1)}, {("x", 1), ("y", 2)}, {("x", 1)}]
    assert sm.consistency_set(fam) == {("x", 1)}
    assert sm.availability_set(fam) == {("x", 1), ("y", 1), ("y", 2)}
    assert sm.consistency_ratio(fam) == pytest.approx(1 / 3)


@given(families)
def test_c_inside_every_member_and_matches_brute_force(family):
    c = sm.consistency_set(family)
    assert all(c <= s for s in family)
    assert c == brute_c(family)


@given(families)
def test_a_contains_every_member(family):
    a = sm.availability_set(family)
    assert all(s <= a for s in family)
    assert a == {x for s in family for x in s}


@given(families, st.frozensets(facts, max_size=8))
def test_adding_a_node_never_grows_c_nor_shrinks_a(family, extra):
    bigger = [*family, extra]
    assert sm.consistency_set(bigger) <= sm.consistency_set(family)
    assert sm.availability_set(bigger) >= sm.availability_set(family)


@given(families)
def test_ratio_in_unit_interval_and_equals_size_quotient(family):
    r = consistency_ratio(family)
    assert 0.0 <= r <= 1.0
    a = len({x for s in family for x in s})
    expected = 1.0 if a == 0 else len(brute_c(family)) / a
    assert r == pytest.approx(expected)


def test_identical_members_have_ratio_one():
    assert consistency_ratio([{1, 2}, {1, 2}, {2, 1}]) == 1.0
    assert consistency_ratio([set(), set()]) == 1.0


def test_empty_family():
    with pytest.raises(sm.InvalidParameterError, match="sets"):
        sm.consistency_set([])
    assert sm.availability_set([]) == frozenset()
    with pytest.raises(sm.InvalidParameterError):
        consistency_ratio([])


@pytest.mark.parametrize("bad", [None, 3, "abc", [1, 2]])
def test_not_a_family(bad):
    with pytest.raises(sm.InvalidParameterError):
        sm.consistency_set(bad)


def test_cluster_c_over_chosen_a_over_live():
    c = Cluster({"n1": [("x", 1), ("y", 1)], "n2": [("x", 1)], "n3": [("x", 1), ("y", 2)]})
    c.crash("n3")
    assert c.consistency_set() == {("x", 1)}
    assert c.availability_set() == {("x", 1), ("y", 1)}  # n3's y2 is not served while down
    assert c.consistency_ratio() == pytest.approx(1 / 2)
    assert c.consistency_set(["n1", "n3"]) == {("x", 1)}
    assert c.availability_set(["n3"]) == frozenset()
    # all chosen nodes down but holding data: nothing of the agreed state is available
    assert c.consistency_ratio(["n3"]) == 0.0
    c.recover("n3")
    assert ("y", 2) in c.availability_set()


@given(st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e"]), st.frozensets(facts, max_size=6),
                       min_size=1), st.data())
def test_cluster_matches_set_formulas(holdings, data):
    down = data.draw(st.frozensets(st.sampled_from(sorted(holdings))))
    cluster = Cluster(holdings, down=down)
    c = brute_c(list(holdings.values()))
    a = {x for n, s in holdings.items() if n not in down for x in s}
    assert cluster.consistency_set() == c
    assert cluster.availability_set() == a
    r = cluster.consistency_ratio()
    assert 0.0 <= r <= 1.0
    if len(down) < len(holdings):
        assert r == pytest.approx(1.0 if not a else len(c) / len(a))


def test_anti_entropy_converges_to_newest_versions():
    c = Cluster({"a": [("x", 1), ("y", 3)], "b": [("x", 2)], "c": [("y", 1)]})
    assert c.consistency_ratio() == 0.0
    c.anti_entropy("a", "b")
    c.anti_entropy("b", "c")
    c.anti_entropy("a", "b")
    assert c.consistency_ratio() == 1.0
    assert c.holds("c") == {("x", 2), ("y", 3)}


def test_anti_entropy_skips_a_down_node():
    c = Cluster({"a": [("x", 1)], "b": [("x", 2)]}, down=["b"])
    c.anti_entropy("a", "b")
    assert c.holds("a") == {("x", 1)}


def test_write_replaces_older_versions():
    c = Cluster(["a"])
    c.write("a", "k", 1)
    c.write("a", "k", 2)
    assert c.holds("a") == {("k", 2)}


@pytest.mark.parametrize("fact, name", [(("k", -1), "version"), (("k", 1.5), "version"),
                                        ("k1", "fact"), (("k", 1, 2), "fact")])
def test_cluster_rejects_bad_facts(fact, name):
    with pytest.raises(sm.InvalidParameterError, match=name):
        Cluster({"a": [fact]})


def test_cluster_rejects_unknown_and_duplicate_nodes():
    c = Cluster(["a"])
    with pytest.raises(sm.InvalidParameterError, match="node"):
        c.crash("zz")
    with pytest.raises(sm.InvalidParameterError, match="node"):
        c.add_node("a")
    with pytest.raises(sm.InvalidParameterError, match="nodes"):
        c.consistency_set([])


@given(st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e"]), st.frozensets(facts, max_size=6),
                       min_size=2))
def test_two_gossip_rounds_converge_to_newest_versions(holdings):
    cluster = Cluster(holdings)
    newest: dict[str, int] = {}
    for s in holdings.values():
        for key, version in s:
            newest[key] = max(version, newest.get(key, -1))
    cluster.anti_entropy_round()
    cluster.anti_entropy_round()
    assert all(cluster.holds(n) == set(newest.items()) for n in holdings)
    assert cluster.consistency_ratio() == 1.0


def test_holdings_matrix():
    c = Cluster({"a": [("x", 1)], "b": [("x", 1), ("y", 2)]})
    nodes, fs, held = c.holdings_matrix()
    assert nodes == ["a", "b"] and fs == [("x", 1), ("y", 2)]
    assert held.tolist() == [[True, False], [True, True]]


def _c() -> Cluster:
    return Cluster({"a": [("k", 1)], "b": []})


@pytest.mark.parametrize(("call", "name"), [
    # found by fuzzing: TypeError from inside, or bool() passing anything through
    (lambda: sm.sets.jaccard([1], frozenset({1})), "a"),
    (lambda: sm.sets.jaccard(frozenset({1}), 5), "b"),
    (lambda: Cluster(5), "holdings"),
    (lambda: Cluster({"a": 5}), "facts"),
    (lambda: Cluster(["a"], down=5), "down"),
    (lambda: Cluster(["a"], down=None), "down"),
    (lambda: _c().holds(["a"]), "node"),
    (lambda: _c().crash({"a": 1}), "node"),
    (lambda: _c().consistency_set([["a"]]), "nodes"),
    (lambda: _c().add_node(("c", []), []), "node"),
    (lambda: _c().add_node("c", [], up="yes"), "up"),
    (lambda: _c().add_node("c", [], up=1), "up"),
    (lambda: _c().set_up("a", None), "up"),
    (lambda: _c().set_facts("a", 5), "facts"),
])
def test_bad_input_found_by_fuzzing(call, name):
    with pytest.raises(sm.InvalidParameterError, match=f"^{name} must"):
        call()


def test_set_up_takes_bools():
    c = _c()
    c.set_up("a", False)
    c.add_node("c", [("k", 2)], up=False)
    assert c.live() == ("b",) and sm.sets.jaccard({1, 2}, frozenset({2})) == 0.5
