"""Repairable nodes and systems against closed forms and a simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_structure import expressions

from syncmodel import markov
from syncmodel.errors import InvalidParameterError
from syncmodel.failure import fault_tolerance
from syncmodel.structure import all_of, any_of, choose


def test_node_availability_closed_forms():
    assert markov.node_availability(1000, 10) == pytest.approx(1000 / 1010, abs=1e-15)
    assert markov.node_availability(1000, 10) == pytest.approx(0.990099, abs=1e-6)
    lam, mu = 1 / 1000, 1 / 10
    t = np.array([0.0, 5.0, 50.0, 1e4])
    want = mu / (lam + mu) + lam / (lam + mu) * np.exp(-(lam + mu) * t)
    assert markov.node_availability(1000, 10, t=t) == pytest.approx(want, rel=1e-12)
    assert markov.node_availability(100, math.inf, t=50.0) == pytest.approx(math.exp(-0.5))
    assert markov.node_availability(100, 0) == 1.0
    assert markov.node_availability(math.inf, 10) == 1.0


def test_two_of_three_without_repair_mttf():
    lam = 1 / 500
    s = markov.system(choose(2, 3), 500, math.inf)
    assert s.lumped
    assert s.mttf() == pytest.approx(5 / (6 * lam), rel=1e-12)
    assert s.availability() == pytest.approx(0.0, abs=1e-12)
    # without repair: R(t) = 3e^(−2λt) − 2e^(−3λt)
    t = 300.0
    assert s.availability_at(t) == pytest.approx(
        3 * math.exp(-2 * lam * t) - 2 * math.exp(-3 * lam * t)
    )


def test_two_of_three_with_repair_mttf_and_mttdl():
    lam, mu = 1 / 1000, 1 / 10
    s = markov.system(choose(2, 3), 1000, 10)
    assert s.mttf() == pytest.approx((5 * lam + mu) / (6 * lam**2), rel=1e-10)
    two = markov.system(any_of([0, 1]), 1000, 10)
    assert two.mttdl() == pytest.approx((3 * lam + mu) / (2 * lam**2), rel=1e-10)
    # shared repair on 2 copies: only one copy is ever being repaired in state 1, same formula
    assert markov.system(any_of([0, 1]), 1000, 10, repair="shared").mttdl() == pytest.approx(
        (3 * lam + mu) / (2 * lam**2), rel=1e-10
    )


def test_shared_repair_birth_death_closed_form():
    # n = 3, one crew: π_j ∝ (3!/(3−j)!)·(λ/μ)^j ; 2-of-3 up when j ≤ 1
    lam, mu = 1 / 200, 1 / 20
    r = lam / mu
    w = [1, 3 * r, 6 * r**2, 6 * r**3]
    want = (w[0] + w[1]) / sum(w)
    assert markov.system(choose(2, 3), 200, 20, repair="shared").availability() == pytest.approx(
        want, rel=1e-12
    )


@given(expressions(), st.lists(st.floats(10, 1000), min_size=5, max_size=5), st.floats(0.5, 50))
def test_independent_repair_steady_state_is_independent_failure(e, mttfs, mttr):
    # independent repair: nodes are independent, each down with MTTR/(MTTF+MTTR)
    f = {x: mttfs[i] for i, x in enumerate(e.nodes)}
    s = markov.system(e, f, mttr)
    p = {x: mttr / (f[x] + mttr) for x in e.nodes}
    assert s.availability() == pytest.approx(fault_tolerance(e, p), abs=1e-10)


def test_lumped_equals_full_chain():
    # all-of then any-of with a node repeated is not lumpable; a relabelled 2-of-3 built as
    # explicit pairs is not recognised as k-of-n either, so it runs on the full 2^3 chain
    from syncmodel.structure import Sets

    pairs = Sets([{0, 1}, {0, 2}, {1, 2}])
    full = markov.system(pairs, 300, 30, repair="shared")
    lumped = markov.system(choose(2, 3), 300, 30, repair="shared")
    assert not full.lumped and lumped.lumped
    assert full.availability() == pytest.approx(lumped.availability(), rel=1e-12)
    assert full.mttf() == pytest.approx(lumped.mttf(), rel=1e-10)
    assert full.mttdl() == pytest.approx(lumped.mttdl(), rel=1e-10)
    ts = [1.0, 50.0, 500.0]
    assert full.availability_at(ts) == pytest.approx(lumped.availability_at(ts), rel=1e-10)


def test_transient_tends_to_steady_state_and_simulation():
    s = markov.system(all_of([0, 1]), 100, 10)
    assert s.availability_at(0.0) == 1.0
    assert s.availability_at(1e5) == pytest.approx(s.availability(), rel=1e-9)
    # simulate the series system of two nodes: both up at t
    rng = np.random.default_rng(0)
    t, reps = 30.0, 20_000
    a1 = markov.node_availability(100, 10, t=t)
    up = np.ones(reps, dtype=bool)
    for _ in range(2):  # each node alternates exp(MTTF) up and exp(MTTR) down periods
        clock = np.zeros(reps)
        state = np.ones(reps, dtype=bool)
        alive = np.ones(reps, dtype=bool)
        while alive.any():
            dur = np.where(state, rng.exponential(100, reps), rng.exponential(10, reps))
            cross = alive & (clock + dur > t)
            up &= ~cross | state  # at time t the node is in `state`
            alive &= ~cross
            clock += dur
            state = ~state
    assert a1**2 == pytest.approx(s.availability_at(t), rel=1e-12)
    assert up.mean() == pytest.approx(a1**2, abs=4 * math.sqrt(a1**2 * (1 - a1**2) / reps))


def test_helpers():
    assert markov.nines(0.999) == pytest.approx(3)
    assert markov.nines(1.0) == math.inf
    assert markov.availability_from_nines(4) == pytest.approx(0.9999)
    assert markov.downtime_per_year(0.999) == pytest.approx(0.001 * 365.25 * 24 * 60)
    assert markov.downtime_per_year(0.99, unit="h") == pytest.approx(87.66)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        (dict(mttf=-1, mttr=1), "mttf"),
        (dict(mttf=1, mttr=-1), "mttr"),
        (dict(mttf=float("nan"), mttr=1), "mttf"),
        (dict(mttf=1, mttr=float("nan")), "mttr"),
    ],
)
def test_bad_rates(kwargs, name):
    with pytest.raises(InvalidParameterError, match=name):
        markov.node_availability(**kwargs)
    with pytest.raises(InvalidParameterError, match=name):
        markov.system(choose(2, 3), **kwargs)


def test_bad_other():
    with pytest.raises(InvalidParameterError, match="repair"):
        markov.system(choose(2, 3), 10, 1, repair="lazy")
    with pytest.raises(InvalidParameterError, match="mttf"):
        markov.system(choose(2, 3), {0: 1, 1: 1, 9: 1}, 1)
    with pytest.raises(InvalidParameterError, match="mttr"):
        markov.system(choose(2, 3), 10, 0)
    with pytest.raises(InvalidParameterError, match="t"):
        markov.system(choose(2, 3), 10, 1).availability_at(-1)
    with pytest.raises(InvalidParameterError, match="availability"):
        markov.nines(1.5)
    with pytest.raises(InvalidParameterError, match="unit"):
        markov.downtime_per_year(0.9, unit="days")


def test_availability_at_large_t_is_the_steady_state():
    # found by fuzzing: expm(Q·t) lost accuracy past t·|Q| ~ 1e10 (0.928 at t = 1e15) and was NaN
    # from 1e20; the closed form A(t) of one node and the lumped 2-of-3 steady state cross-check
    one = markov.system(choose(1, 1), 100.0, 1.0)
    for t in (1e15, 1e308):
        assert one.availability_at(t) == pytest.approx(100 / 101, rel=1e-12)
    two = markov.system(choose(2, 3), [100.0, 50.0, 10.0], 1.0)
    assert np.allclose(two.availability_at([1e3, 1e10, 1e300]), two.availability(), rtol=1e-12)
    # where the exponential is still accurate nothing changes: A(t) of one node, closed form
    assert one.availability_at(5.0) == pytest.approx(markov.node_availability(100.0, 1.0, 5.0), rel=1e-12)


@pytest.mark.parametrize(("call", "name"), [
    (lambda: markov.node_availability(10, 1, t="x"), "t"),
    (lambda: markov.system(choose(2, 3), 10, 1).availability_at({}), "t"),
    (lambda: markov.nines("x"), "availability"),
    (lambda: markov.nines(True), "availability"),
    (lambda: markov.availability_from_nines({"a": 1}), "nines"),
    (lambda: markov.downtime_per_year("x"), "availability"),
    (lambda: markov.downtime_per_year(0.9, unit=["h"]), "unit"),
    (lambda: markov.RepairableSystem(choose(2, 3), np.ones(3), np.ones(3), "lazy"), "repair"),
    (lambda: markov.RepairableSystem(None, np.ones(3), np.ones(3), "shared"), "structure"),
    (lambda: markov.RepairableSystem(choose(2, 3), np.ones(2), np.ones(3), "shared"), "lam"),
    (lambda: markov.RepairableSystem(choose(2, 3), np.ones(3), [1, 1, -1], "shared"), "mu"),
])
def test_bad_input_found_by_fuzzing(call, name):
    # these raised ValueError/TypeError/KeyError/IndexError inside, or were accepted silently
    with pytest.raises(InvalidParameterError, match=name):
        call()
