"""Structure expressions against brute force over all subsets of nodes."""

from __future__ import annotations

import itertools
import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncmodel.errors import InfeasibleError, InvalidParameterError
from syncmodel.structure import (
    Choose,
    Node,
    Sets,
    Structure,
    all_of,
    any_of,
    as_structure,
    choose,
    from_sets,
    minimal_transversals,
    minimize,
    nodes,
)


# ---------------------------------------------------------------- independent reference
def holds(expr: Structure, up: set) -> bool:
    """Direct recursive evaluation from the expression's definition (no compiled form)."""
    if isinstance(expr, Node):
        return expr.name in up
    if isinstance(expr, Choose):
        return sum(holds(c, up) for c in expr.children) >= expr.k
    if isinstance(expr, Sets):
        return any(set(s) <= up for s in expr.sets)
    raise TypeError(expr)


def subsets(xs):
    xs = list(xs)
    for r in range(len(xs) + 1):
        yield from (set(c) for c in itertools.combinations(xs, r))


def brute_min(pred, universe):
    """Minimal subsets of ``universe`` satisfying the monotone predicate."""
    good = [frozenset(s) for s in subsets(universe) if pred(s)]
    return {s for s in good if not any(t < s for t in good)}


@st.composite
def expressions(draw, names=("a", "b", "c", "d", "e"), depth=3):
    """Random expressions, nodes possibly repeated."""
    if depth == 0 or draw(st.booleans()):
        return Node(draw(st.sampled_from(names)))
    kids = draw(st.lists(expressions(names=names, depth=depth - 1), min_size=1, max_size=4))
    kind = draw(st.sampled_from(["all", "any", "choose", "sets"]))
    if kind == "all":
        return all_of(kids)
    if kind == "any":
        return any_of(kids)
    if kind == "sets":
        fam = draw(st.lists(st.sets(st.sampled_from(names), min_size=1), min_size=1, max_size=4))
        return Sets(fam)
    return choose(draw(st.integers(1, len(kids))), kids)


# ---------------------------------------------------------------- worked cases
def test_majority_of_three_quorums_and_cuts():
    m = choose(2, "abc")
    pairs = {frozenset(c) for c in itertools.combinations("abc", 2)}
    assert set(m.quorums()) == pairs
    assert set(m.min_cut_sets()) == pairs  # a majority of 3 is self-dual
    assert m.resilience() == 1
    assert m.nodes == ("a", "b", "c")


def test_series_parallel():
    a, b, c = nodes("a", "b", "c")
    e = a * (b + c)
    assert set(e.quorums()) == {frozenset("ab"), frozenset("ac")}
    assert set(e.min_cut_sets()) == {frozenset("a"), frozenset("bc")}
    assert e.dual() == a + b * c
    assert repr(e) == "a * (b + c)"
    assert (a * b * c) == all_of([a, b, c]) and len((a * b * c).children) == 3
    assert e.is_read_once() and not (a * b + a * c).is_read_once()


def test_operators_wrap_names_and_choose_of_int():
    e = Node("a") * "b"
    assert e.nodes == ("a", "b")
    assert choose(2, 3).nodes == (0, 1, 2)
    assert nodes(3) == (Node(0), Node(1), Node(2))
    assert choose(1, [Node("x")]) == Node("x")


def test_sets_minimized_dual_and_cuts():
    s = from_sets([{"a", "b"}, {"b", "c"}, {"a", "b", "c"}])
    assert set(s.quorums()) == {frozenset("ab"), frozenset("bc")}
    assert set(s.min_cut_sets()) == {frozenset("b"), frozenset("ac")}
    assert set(s.dual().quorums()) == {frozenset("b"), frozenset("ac")}
    assert s == Sets([["b", "c"], ["a", "b"]])
    assert as_structure([{1, 2}, {2, 3}]) == Sets([[1, 2], [2, 3]])


def test_transversals_worked_case():
    got = minimal_transversals([frozenset("ab"), frozenset("bc")])
    assert set(got) == {frozenset("b"), frozenset("ac")}


def test_evaluate_matrix_and_order():
    a, b, c = nodes("a", "b", "c")
    e = a * (b + c)
    live = np.array(list(itertools.product([False, True], repeat=3)))
    want = [bool(x and (y or z)) for x, y, z in live]
    assert e.evaluate(live).tolist() == want
    # columns in another order
    assert e.evaluate(live[:, [2, 0, 1]], order=["c", "a", "b"]).tolist() == want
    assert bool(e.evaluate([1, 1, 0])) is True
    assert e.is_satisfied({"a", "c", "zzz"}) and "zzz" not in e.nodes
    assert {"a", "b"} in e and {"b", "c"} not in e


def test_pickle_roundtrip():
    e = choose(2, [Node("a") * "b", "c", Sets([{"d", "e"}])])
    assert pickle.loads(pickle.dumps(e)) == e


def test_quorum_limit_raises_infeasible():
    with pytest.raises(InfeasibleError):
        choose(51, 101).quorums(limit=1000)


# ---------------------------------------------------------------- properties
@given(expressions())
def test_evaluate_matches_definition(e):
    live = np.array(list(itertools.product([False, True], repeat=e.n)), dtype=bool)
    want = [holds(e, {x for x, u in zip(e.nodes, row, strict=True) if u}) for row in live]
    assert e.evaluate(live).tolist() == want


@given(expressions())
def test_quorums_and_cuts_match_brute_force(e):
    universe = set(e.nodes)
    assert set(e.quorums()) == brute_min(lambda s: holds(e, s), universe)
    assert set(e.min_cut_sets()) == brute_min(lambda s: not holds(e, universe - s), universe)


@given(expressions())
def test_dual_definition(e):
    universe = set(e.nodes)
    d = e.dual()
    for s in subsets(universe):
        assert holds(d, s) == (not holds(e, universe - s))


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("k", [0, 4, -1, 1.5, True])
def test_choose_k_out_of_range(k):
    with pytest.raises(InvalidParameterError, match="k must be"):
        choose(k, 3)


@pytest.mark.parametrize("bad", [[], 0, None])
def test_empty_structure(bad):
    with pytest.raises(InvalidParameterError):
        choose(1, bad)


def test_bad_nodes_and_sets():
    with pytest.raises(InvalidParameterError, match="name"):
        Node([1, 2])
    with pytest.raises(InvalidParameterError, match="sets"):
        Sets([])
    with pytest.raises(InvalidParameterError, match="sets"):
        Sets([[]])
    with pytest.raises(InvalidParameterError, match="system"):
        as_structure("abc")
    with pytest.raises(InvalidParameterError, match="system"):
        as_structure([])
    with pytest.raises(InvalidParameterError, match="live"):
        choose(2, 3).evaluate([[1, 0]])
    with pytest.raises(InvalidParameterError, match="order"):
        choose(2, 3).evaluate([[1, 0, 1]], order=[0, 1, 5])
    with pytest.raises(AttributeError):
        Node("a").name = "b"


def test_majority_and_grid_helpers():
    from syncmodel.structure import grid_of as grid
    from syncmodel.structure import majority_of as majority

    assert majority(4) == choose(3, 4)
    assert set(majority("abc").quorums()) == {frozenset(c) for c in itertools.combinations("abc", 2)}
    g = grid(2, 3)
    universe = {(i, j) for i in range(2) for j in range(3)}

    def serves(up):  # a full row and a node in every row
        rows = [{(i, j) for j in range(3)} for i in range(2)]
        return any(r <= up for r in rows) and all(r & up for r in rows)

    for s in subsets(universe):
        assert g.is_satisfied(s) == serves(s)
    with pytest.raises(InvalidParameterError, match="rows"):
        grid(0, 3)


def test_structure_builders_are_named_apart_from_the_quorum_systems():
    # quorum.majority/grid build QuorumSystems; the structures of the same systems are
    # majority_of/grid_of, and the old structure names still work with a warning
    from syncmodel import quorum, structure
    from syncmodel.failure import failure_probability

    assert structure.majority_of(5) == quorum.majority(5).reads == quorum.majority(5).writes
    assert failure_probability(structure.majority_of(5), 0.2) == failure_probability(quorum.majority(5), 0.2)
    g = structure.grid_of(2, 3)
    qs = quorum.grid(2, 3)
    assert type(quorum.majority(5)).__name__ == "QuorumSystem"
    for live in itertools.product([0, 1], repeat=6):  # same serving sets, by enumeration
        up = [(i, j) for i in range(2) for j in range(3) if live[3 * i + j]]
        full_row = any(all((i, j) in up for j in range(3)) for i in range(2))
        every_row = all(any((i, j) in up for j in range(3)) for i in range(2))
        assert g.evaluate([[live[3 * i + j] for i in range(2) for j in range(3)]],
                          order=[(i, j) for i in range(2) for j in range(3)])[0] == (full_row and every_row)
    assert len(qs.reads.quorums()) == 2  # one read quorum per row
    with pytest.warns(DeprecationWarning, match="majority_of"):
        assert structure.majority(5) == structure.majority_of(5)
    with pytest.warns(DeprecationWarning, match="grid_of"):
        assert structure.grid(2, 3) == g


@pytest.mark.parametrize(("call", "name"), [
    # found by fuzzing: TypeError (not iterable, unhashable, no len(), & with a str) from inside
    *[(lambda v=v: Choose(2, v), "children") for v in (0, 2.5, None, object(), [[], 1], [])],
    (lambda: choose(2, [[], 1, 2]), "xs"),
    *[(lambda v=v: minimize(v), "sets") for v in (0, None, object(), [[]], (1,), "ab", {"a": {1}})],
    *[(lambda v=v: minimal_transversals(v), "family") for v in (-1, 2.5, True, object(), "x", [[]], (1,),
                                                                  {"zzz": 1}, [frozenset({1}), "x"])],
])
def test_structure_bad_input_found_by_fuzzing(call, name):
    with pytest.raises(InvalidParameterError, match=f"^{name} must"):
        call()


def test_minimize_and_transversals_by_enumeration():
    fam = [frozenset("ab"), frozenset("bc"), frozenset("abc"), frozenset("ab")]
    # minimal elements, found by comparing every pair
    want = {s for s in fam if not any(t < s for t in fam)}
    assert set(minimize(fam)) == want and len(minimize(fam)) == len(want)
    assert minimize([set(x) for x in fam]) == minimize(fam)  # plain sets are accepted too
    # transversals of a family given as plain sets equal those of the frozensets
    assert minimal_transversals([{"a", "b"}, {"b", "c"}]) == minimal_transversals(fam[:2])
