"""Sloppy quorums and hinted handoff: closed forms against written-out sums and brute-force
enumeration, the exact stale-read DP against enumeration of joint node states, and the Monte
Carlo against the closed forms and against Cassandra's hint-window formula."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncmodel.errors import InvalidParameterError
from syncmodel.sync import sloppy
from syncmodel.systems import hinted_handoff_missed, preset


# ------------------------------------------------------------------ independent computations
def _states(probs):
    """All up/down vectors (True = up) of independent nodes with down-probabilities ``probs``."""
    for up in itertools.product((True, False), repeat=len(probs)):
        pr = 1.0
        for u, p in zip(up, probs, strict=True):
            pr *= (1 - p) if u else p
        yield up, pr


def _first_up(up, walk, k):
    return [j for j in walk if up[j]][:k]


def _brute_availability(n, q, m, probs, sloppy_, position=0):
    walk = [(position + j) % m for j in range(m)][: (m if sloppy_ else n)]
    return sum(pr for up, pr in _states(probs) if len(_first_up(up, walk, q)) >= q)


def _brute_stale(n, r, w, m, probs, sloppy_, persist, write_to="w"):
    """Enumerate every node's (state at the write, keep?, fresh state) — 8 per node."""
    walk = list(range(m))[: (m if sloppy_ else n)]
    cap = n if write_to == "n" else w
    both = stale = 0.0
    per_node = []
    for p in probs:
        opts = []
        for x, keep, fresh in itertools.product((True, False), repeat=3):
            pr = ((1 - p) if x else p) * (persist if keep else 1 - persist) * ((1 - p) if fresh else p)
            opts.append((x, x if keep else fresh, pr))
        per_node.append(opts)
    for combo in itertools.product(*per_node):
        pr = math.prod(c[2] for c in combo)
        if pr == 0:
            continue
        xs = [c[0] for c in combo]
        ys = [c[1] for c in combo]
        wset = _first_up(xs, walk, cap)
        rset = _first_up(ys, walk, r)
        if len(wset) >= w and len(rset) >= r:
            both += pr
            if not set(wset) & set(rset):
                stale += pr
    return both, stale


# ------------------------------------------------------------------ 1. availability
def test_worked_case_against_written_out_binomials():
    p, q = 0.1, 0.9
    strict = 3 * q**2 * p + q**3
    loose = 1 - p**5 - 5 * q * p**4
    assert sloppy.write_availability(3, 2, 5, p, sloppy=False) == pytest.approx(strict, abs=1e-15)
    assert sloppy.write_availability(3, 2, 5, p) == pytest.approx(loose, abs=1e-15)
    assert strict == pytest.approx(0.972) and loose == pytest.approx(0.99954)
    assert sloppy.read_availability(3, 1, 4, 0.5, sloppy=False) == pytest.approx(1 - 0.5**3)
    assert sloppy.read_availability(3, 1, 4, 0.5) == pytest.approx(1 - 0.5**4)
    assert sloppy.unavailability(3, 2, 5, p) == pytest.approx(p**5 + 5 * q * p**4, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_availability_matches_enumeration_heterogeneous(data):
    m = data.draw(st.integers(1, 7))
    n = data.draw(st.integers(1, m))
    q = data.draw(st.integers(1, n))
    pos = data.draw(st.integers(0, m - 1))
    probs = data.draw(st.lists(st.floats(0, 1), min_size=m, max_size=m))
    for sl in (False, True):
        got = sloppy.write_availability(n, q, m, probs, sloppy=sl, position=pos)
        assert got == pytest.approx(_brute_availability(n, q, m, probs, sl, pos), abs=1e-12)
    # sloppy is never less available than strict
    assert (sloppy.read_availability(n, q, m, probs, position=pos)
            >= sloppy.read_availability(n, q, m, probs, sloppy=False, position=pos) - 1e-12)


# ------------------------------------------------------------------ 2. stale reads
def test_stale_worked_case_by_enumeration():
    x = sloppy.stale_read(3, 2, 2, 5, 0.1)
    both, stale = _brute_stale(3, 2, 2, 5, [0.1] * 5, True, 0.0)
    assert x.both_ok == pytest.approx(both, abs=1e-14) and x.stale == pytest.approx(stale, abs=1e-14)
    assert float(x) == pytest.approx(0.018991880511, rel=1e-9)
    assert x.write_ok == pytest.approx(0.99954) and x.read_ok == pytest.approx(0.99954)
    assert float(sloppy.stale_read(3, 2, 2, 5, 0.1, sloppy=False)) == 0.0
    probs = [0.1, 0.3, 0.05, 0.2, 0.5]
    y = sloppy.stale_read(3, 1, 2, 5, probs, persist=0.4, write_to="n")
    both, stale = _brute_stale(3, 1, 2, 5, probs, True, 0.4, "n")
    assert y.both_ok == pytest.approx(both, abs=1e-12) and y.stale == pytest.approx(stale, abs=1e-12)
    assert y.stale > 0


@settings(max_examples=30, deadline=None)
@given(st.data())
def test_stale_dp_matches_enumeration(data):
    m = data.draw(st.integers(1, 4))
    n = data.draw(st.integers(1, m))
    r = data.draw(st.integers(1, n))
    w = data.draw(st.integers(1, n))
    probs = data.draw(st.lists(st.floats(0, 1), min_size=m, max_size=m))
    persist = data.draw(st.sampled_from([0.0, 0.3, 1.0]))
    write_to = data.draw(st.sampled_from(["w", "n"]))
    sl = data.draw(st.booleans())
    x = sloppy.stale_read(n, r, w, m, probs, sloppy=sl, persist=persist, write_to=write_to)
    both, stale = _brute_stale(n, r, w, m, probs, sl, persist, write_to)
    assert x.both_ok == pytest.approx(both, abs=1e-12)
    assert x.stale == pytest.approx(stale, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_stale_reads_exist_exactly_when_quorums_can_miss(data):
    """Strict: never stale iff R + W > N; sloppy: iff R + W > M (pigeonhole), for 0 < p < 1."""
    m = data.draw(st.integers(1, 12))
    n = data.draw(st.integers(1, m))
    r = data.draw(st.integers(1, n))
    w = data.draw(st.integers(1, n))
    p = data.draw(st.floats(0.05, 0.95))
    strict = sloppy.stale_read(n, r, w, m, p, sloppy=False).stale
    loose = sloppy.stale_read(n, r, w, m, p).stale
    assert (strict == 0.0) == (r + w > n)
    assert (loose == 0.0) == (r + w > m)
    # no change between write and read: both walks see the same up nodes
    assert sloppy.stale_read(n, r, w, m, p, persist=1.0).stale == 0.0


# ------------------------------------------------------------------ 3. Monte Carlo
def test_simulated_availability_within_interval_of_closed_form():
    run = sloppy.simulate_handoff(3, 2, 2, 5, p=0.1, mttr_ms=1000.0, duration_ms=60_000.0, ops=2000,
                          runs=20, seed=1)
    for sl, name in ((False, "strict_write_availability"), (True, "sloppy_write_availability")):
        _, lo, hi = run.estimate(name, z=3.29)  # 99.9 % over 20 independent runs
        assert lo <= sloppy.write_availability(3, 2, 5, 0.1, sloppy=sl) <= hi
    _, lo, hi = run.estimate("strict_read_availability", z=3.29)
    assert lo <= sloppy.read_availability(3, 2, 5, 0.1, sloppy=False) <= hi
    assert run.total("strict_stale") == 0 and run.total("strict_reads_checked") > 10_000
    assert run.total("sloppy_stale") > 0  # sloppy quorums do read stale values
    assert run.total("hints_created") == run.total("hints_delivered") + run.total("hints_pending")


def test_same_seed_same_numbers():
    kw = dict(p=0.2, mttr_ms=500.0, duration_ms=5000.0, ops=300, runs=3, hint_window_ms=300.0)
    a = sloppy.simulate_handoff(3, 1, 2, 6, seed=9, **kw)
    b = sloppy.simulate_handoff(3, 1, 2, 6, seed=9, **kw)
    c = sloppy.simulate_handoff(3, 1, 2, 6, seed=10, **kw)
    assert all((a.counts[k] == b.counts[k]).all() for k in sloppy.COUNTERS) and a.seeds == b.seeds
    assert any((a.counts[k] != c.counts[k]).any() for k in sloppy.COUNTERS)


def _one_outage(end, window, duration=10_000.0):
    return sloppy.simulate_handoff(3, 2, 2, 5, outages=[(0, 1000.0, end)], duration_ms=duration, ops=3000,
                           keys=5, hint_window_ms=window, write_to="n", seed=4)


def test_hint_window_zero_never_hands_off():
    for end in (math.inf, 20_000.0, 5000.0):  # longer than the run, and shorter
        run = _one_outage(end, 0.0)
        assert run.total("hints_created") == 0 and run.total("hints_delivered") == 0
        assert run.total("hints_missed") > 100


def test_infinite_window_delivers_every_hint_after_recovery():
    run = _one_outage(5000.0, math.inf)
    assert run.total("hints_missed") == 0 and run.total("hints_pending") == 0
    assert run.total("hints_delivered") == run.total("hints_created") > 100
    run = _one_outage(math.inf, math.inf)  # no recovery within the run: nothing handed off
    assert run.total("hints_delivered") == 0 and run.total("hints_pending") > 100


def test_missed_hints_agree_with_cassandra_hint_window():
    # outage of D = 8 s with H = 2 s: writes spread evenly, so 1 − H/D = 0.75 are not hinted
    window, outage = 2000.0, 8000.0
    expect = hinted_handoff_missed(preset("cassandra", hint_window_ms=window), outage)
    run = _one_outage(1000.0 + outage, window)
    k, tot = run.total("hints_missed"), run.total("fallback_writes")
    assert expect == 0.75 and tot > 300
    assert abs(k / tot - expect) <= 4 * math.sqrt(expect * (1 - expect) / tot)
    assert run.total("hints_delivered") == run.total("hints_created")


def test_random_outages_steady_state():
    out = sloppy.random_outages(200, 0.2, 50.0, 10_000.0, seed=3)
    # fraction of time down, measured on [0, 10 s): about p = 0.2
    down = sum(min(e, 10_000.0) - s for _, s, e in out) / (200 * 10_000.0)
    assert down == pytest.approx(0.2, abs=0.01)
    assert sloppy.random_outages(3, 0.0, 10, 100, seed=1) == []
    assert sloppy.random_outages(2, 1.0, 10, 100, seed=1) == [(0, 0.0, math.inf), (1, 0.0, math.inf)]


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(("call", "name"), [
    (lambda: sloppy.write_availability(3, 2, 2, 0.1), "m"),
    (lambda: sloppy.write_availability(3, 0, 5, 0.1), "w"),
    (lambda: sloppy.write_availability(3, 4, 5, 0.1), "w"),
    (lambda: sloppy.read_availability(3, 4, 5, 0.1), "r"),
    (lambda: sloppy.write_availability(3, 2, 5, 1.5), "p"),
    (lambda: sloppy.write_availability(3, 2, 5, [0.1, 0.2]), "p"),
    (lambda: sloppy.write_availability(3, 2, 5, 0.1, sloppy="yes"), "sloppy"),
    (lambda: sloppy.write_availability(3, 2, 5, 0.1, position=5), "position"),
    (lambda: sloppy.stale_read(3, 2, 2, 5, 0.1, persist=2), "persist"),
    (lambda: sloppy.stale_read(3, 2, 2, 5, 0.1, write_to="all"), "write_to"),
    (lambda: sloppy.simulate_handoff(3, 2, 2, 5, duration_ms=-1.0), "duration_ms"),
    (lambda: sloppy.simulate_handoff(3, 2, 2, 5, hint_window_ms=-5.0), "hint_window_ms"),
    (lambda: sloppy.simulate_handoff(3, 2, 2, 5, mttr_ms=-5.0), "mttr_ms"),
    (lambda: sloppy.simulate_handoff(3, 2, 2, 5, outages=[(0, 5.0, 2.0)]), "outage end_ms"),
    (lambda: sloppy.simulate_handoff(3, 2, 2, 5, outages=[(7, 0.0, 2.0)]), "outage node"),
    (lambda: sloppy.simulate_handoff(3, 2, 2, 5, outages=[(0, -1.0, 2.0)]), "outage start_ms"),
    (lambda: sloppy.simulate_handoff(3, 2, 2, 5, runs=0), "runs"),
    (lambda: sloppy.simulate_handoff(3, 2, 2, 5, ops=10, runs=1, seed=0).estimate("nope"), "name"),
])
def test_bad_input_names_parameter_and_value(call, name):
    with pytest.raises(InvalidParameterError, match=f"^{name} must be .*got"):
        call()
