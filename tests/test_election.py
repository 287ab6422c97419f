"""Tests of syncmodel.election: the reference code, hash election, simulated elections, safety."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncmodel import election
from syncmodel.election import (
    ALGORITHMS,
    check_safety,
    hash_election,
    run_once,
    simulate,
    split_brain,
)
from syncmodel.errors import InvalidParameterError
from syncmodel.sim import Fixed, Trace

SEED_TEXT = Path("/work/shared/seed/000_4e0909698043d8b5.txt")


# -- the article's code ------------------------------------------------------------------------
def test_reference_fails_with_the_articles_traceback():
    err = election.reference_failure()
    assert "Traceback (most recent call last)" in err
    assert "node.vote(self.leader)" in err
    assert err.strip().endswith("AttributeError: 'NoneType' object has no attribute 'hash'")


def test_reference_is_the_article_code_verbatim():
    if not SEED_TEXT.exists():
        pytest.skip("seed article not available")
    text = SEED_TEXT.read_text(encoding="utf-8")
    start = text.index("```python\n") + len("```python\n")
    code = text[start:text.index("```", start)]
    shipped = Path(election.reference.__file__).read_text(encoding="utf-8")
    body = "".join(line for line in shipped.splitlines(keepends=True) if not line.startswith("#"))
    assert body == code
    assert hasattr(election.reference, "Node") and hasattr(election.reference, "Election")


def test_reference_patched_still_names_the_wrong_leader():
    out = election.reference_with_leader_patched(5)
    assert out["printed_leader"] == 0
    assert out["correct_leader"] == 2
    assert out["node0_hash_overwritten"] and out["node0_hash_is_max"]


# -- hash election -----------------------------------------------------------------------------
def test_hash_election_matches_hashlib_for_ids_0_to_4():
    digests = {i: hashlib.sha256(str(i).encode()).hexdigest() for i in range(5)}
    expected = max(digests, key=lambda i: digests[i])  # equal-length hex: text order = number order
    assert hash_election(range(5)) == expected == 2
    assert hash_election([4, 3, 2, 1, 0]) == 2


ids_sets = st.sets(st.integers(-10**6, 10**6), min_size=1, max_size=12)


@given(ids_sets, st.randoms())
def test_same_view_same_leader(ids, rnd):
    order = list(ids)
    rnd.shuffle(order)
    assert hash_election(order) == hash_election(sorted(ids))
    assert hash_election(ids) in ids


@given(ids_sets, st.data())
def test_removing_a_non_leader_keeps_the_leader(ids, data):
    leader = hash_election(ids)
    others = sorted(ids - {leader})
    if not others:
        return
    gone = data.draw(st.sampled_from(others))
    assert hash_election(ids - {gone}) == leader


@given(st.sets(st.text(alphabet="abcxyz0123é", min_size=1, max_size=6), min_size=1, max_size=8))
def test_hash_election_on_names_agrees_with_hex_digests(names):
    best = max(names, key=lambda s: hashlib.sha256(s.encode()).hexdigest())
    assert hash_election(names) == best


def test_hash_election_bad_input():
    with pytest.raises(InvalidParameterError, match="ids"):
        hash_election([])
    with pytest.raises(InvalidParameterError, match="distinct"):
        hash_election([1, "1"])
    with pytest.raises(InvalidParameterError, match="ids"):
        hash_election(5)  # not iterable: was a TypeError


@pytest.mark.parametrize("algorithm", [["raft"], {"a": 1}])
def test_unhashable_algorithm_is_rejected_by_name(algorithm):
    with pytest.raises(InvalidParameterError, match="algorithm"):
        simulate(algorithm, seed=0)


@pytest.mark.parametrize(("fn", "args", "name"), [
    (check_safety, (None,), "trace"),
    (election.leader_intervals, ([], 1.0), "trace"),
    (election.leader_intervals, (Trace(), "x"), "end"),
    (election.max_concurrent_leaders, (Trace(), 1.0, None), "since"),
])
def test_trace_analyses_reject_bad_input(fn, args, name):
    with pytest.raises(InvalidParameterError, match=name):
        fn(*args)


# -- simulate: contract, bad input ---------------------------------------------------------------
def test_simulate_rows_columns_and_determinism():
    a = simulate("raft", n=5, trials=4, seed=11)
    b = simulate("raft", n=5, trials=4, seed=11)
    assert list(a.columns) == list(election.COLUMNS)
    assert len(a) == 4 and list(a["trial"]) == [0, 1, 2, 3]
    for col in ("time_to_leader_ms", "messages", "terms", "leader", "safety_violations"):
        assert col in a
    assert a.equals(b)
    assert not a.equals(simulate("raft", n=5, trials=4, seed=12))
    # a row re-runs alone from its seed
    row = run_once("raft", 5, int(a.loc[2, "seed"])).row
    assert row["time_to_leader_ms"] == a.loc[2, "time_to_leader_ms"]


@pytest.mark.parametrize(("kwargs", "name"), [
    (dict(n=0), "n"),
    (dict(n=2.5), "n"),
    (dict(timeout_ms=(300, 150)), "timeout_ms"),
    (dict(timeout_ms=(-5, 10)), "timeout_ms"),
    (dict(timeout_ms=(float("nan"), 10)), "timeout_ms"),
    (dict(timeout_ms=5), "timeout_ms"),
    (dict(loss=1.5), "loss"),
    (dict(loss=float("nan")), "loss"),
    (dict(trials=0), "trials"),
    (dict(scenario="meteor"), "scenario"),
    (dict(behind=7), "behind"),
    (dict(latency="slow"), "latency"),
    # found by fuzzing: these crashed inside (TypeError) or were silently coerced
    (dict(partition=[[0, 1], [2, 3, 4]], partition_at_ms="x"), "partition_at_ms"),
    (dict(partition=[[0, 1], [2, 3, 4]], partition_at_ms=10.0, heal_at_ms=5.0), "heal_at_ms"),
    (dict(partition=5), "partition"),
    (dict(partition=[[0, 9]]), "partition"),
    (dict(crashes=3), "crashes"),
    (dict(prevote="no"), "prevote"),
    (dict(trace_messages=None), "trace_messages"),
    (dict(event_order="fifo"), "event_order"),
    (dict(timeout_step_ms=-1.0), "timeout_step_ms"),
    (dict(timeout_step_ms=1e9), "timeout_step_ms"),
])
def test_bad_input_names_the_parameter(kwargs, name):
    with pytest.raises(InvalidParameterError, match=name):
        simulate("raft", **{"seed": 0, **kwargs})


def test_unknown_algorithm_lists_the_known_ones():
    with pytest.raises(InvalidParameterError) as exc:
        simulate("paxos", seed=0)
    for known in ALGORITHMS:
        assert known in str(exc.value)


def test_a_trial_that_never_elects_says_so():
    df = simulate("raft", n=5, trials=2, seed=0, loss=1.0, time_cap_ms=2000.0)
    assert not df["elected"].any()
    assert df["time_to_leader_ms"].isna().all()
    assert (df["leader"] == -1).all()
    # the run ended at the cap: crash time (in [2h, 3h), h = 75) + 2000 ms
    assert ((df["end_ms"] >= 2000 + 150) & (df["end_ms"] < 2000 + 225)).all()


# -- simulate: behaviour against independent expectations --------------------------------------
def test_single_node_cold_start_worked_case():
    # LogCabin's order: the lone candidate persists its term and vote (2 ms), leads, and
    # appends its no-op entry (2 ms) before it acts as leader
    df = simulate("raft", n=1, trials=1, seed=0, scenario="cold", timeout_ms=(10, 10), disk=2.0)
    assert df.loc[0, "time_to_leader_ms"] == 14.0
    assert df.loc[0, "messages"] == 0 and df.loc[0, "leader"] == 0
    free = simulate("raft", n=1, trials=1, seed=0, scenario="cold", timeout_ms=(10, 10), disk=0.0)
    assert free.loc[0, "time_to_leader_ms"] == 10.0


def _first_candidacy(run):
    return min(r.time for r in run.trace.records if r.kind == "candidate")


def test_one_round_raft_election_in_logcabins_order():
    # one candidacy, fixed 1 ms hops and 2 ms writes: candidate write 2, request 1, the
    # voter's term write 2 and vote write 2, reply 1, the leader's no-op write 2, heartbeat 1
    # = 11 ms after the timeout; messages: n−1 requests, n−1 votes, n−1 heartbeats (the
    # followers acknowledge only after appending the no-op, so no reply is counted yet)
    n = 5
    seen = 0
    for seed in range(12):
        run = run_once("raft", n, seed, scenario="cold", timeout_ms=(100, 2000),
                       latency=Fixed(1.0), disk=Fixed(2.0))
        if run.row["candidacies"] != 1:
            continue
        seen += 1
        assert run.row["time_to_leader_ms"] == pytest.approx(_first_candidacy(run) + 11.0)
        assert run.row["messages"] == 3 * (n - 1)
        # no RequestVote left before the candidate's write ended
        sends = [r for r in run.trace.records if r.kind == "candidate"]
        assert len(sends) == 1
    assert seen >= 8


def test_one_round_raft_election_costs_three_messages_per_peer_in_the_overlap_order():
    # the earlier order: a single candidacy: n−1 requests, n−1 votes, n−1 heartbeats; the
    # established moment is the last follower's heartbeat, after which the earlier n−2
    # followers have replied
    n = 5
    df = simulate("raft", n=n, trials=40, seed=3, scenario="cold", timeout_ms=(100, 2000),
                  latency=Fixed(1.0), disk=Fixed(2.0), event_order="overlap")
    one = df[df["candidacies"] == 1]
    assert len(one) > 30
    assert (one["messages"] == 3 * (n - 1) + (n - 2)).all()
    # and the time: first timeout T, then request 1 + disk 2 + vote 1 + heartbeat 1 = T + 5
    assert (one["time_to_leader_ms"] >= 100 + 5).all()


def test_a_blocking_write_delays_messages_and_timers():
    # trace the messages: in LogCabin's order a voter answers a request only after two writes
    run = run_once("raft", 3, 4, scenario="cold", timeout_ms=(100, 2000), latency=Fixed(1.0),
                   disk=Fixed(2.0), trace_messages=True)
    recs = run.trace.records
    rv_in = {r.node: r.time for r in recs if r.kind == "deliver" and r.data["msg"][0] == "rv"}
    rvr_out = {r.node: r.time for r in recs if r.kind == "send" and r.data["msg"][0] == "rvr"}
    assert rv_in and all(rvr_out[v] - rv_in[v] == pytest.approx(4.0) for v in rv_in)
    cand = _first_candidacy(run)
    first_rv = min(r.time for r in recs if r.kind == "send" and r.data["msg"][0] == "rv")
    assert first_rv == pytest.approx(cand + 2.0)
    lead = min(r.time for r in recs if r.kind == "leader")
    first_ae = min(r.time for r in recs if r.kind == "send" and r.data["msg"][0] == "ae")
    assert first_ae == pytest.approx(lead + 2.0)


def test_raft_crash_elects_an_up_to_date_survivor_after_lo_minus_h():
    df = simulate("raft", n=5, trials=60, seed=4, behind=2, timeout_ms=(150, 300))
    assert df["elected"].all()
    # node 0 crashed; nodes 3 and 4 are behind: only 1 or 2 can win
    assert set(df["leader"]) <= {1, 2}
    # no follower can time out before lo after its last heartbeat, sent ≤ h = 75 ms before the crash
    assert (df["time_to_leader_ms"] >= 150 - 75).all()
    assert (df["leader_term"] >= 2).all() and (df["safety_violations"] == 0).all()


def test_bully_elects_the_highest_live_id():
    df = simulate("bully", n=6, trials=20, seed=5)
    assert df["elected"].all() and (df["leader"] == 4).all()


def test_hash_crash_elects_the_hash_winner_of_the_survivors():
    n = 5
    df = simulate("hash", n=n, trials=20, seed=6)
    crashed = hash_election(range(n))
    survivors = [i for i in range(n) if i != crashed]
    expected = max(survivors, key=lambda i: hashlib.sha256(str(i).encode()).hexdigest())
    assert df["elected"].all() and (df["leader"] == expected).all()


@pytest.mark.parametrize("mode", ["vote", "hash"])
def test_fivestep_elects(mode):
    df = simulate("fivestep", n=5, trials=20, seed=7, mode=mode)
    assert df["elected"].all()


def test_more_loss_means_more_messages_for_raft():
    clean = simulate("raft", n=5, trials=60, seed=8)
    lossy = simulate("raft", n=5, trials=60, seed=8, loss=0.2)
    assert lossy["elected"].mean() > 0.9
    # a lost vote or heartbeat forces a retry or a new term: more messages per election
    # (the test's name promised this; it checked only the time before)
    assert lossy["messages"].mean() > clean["messages"].mean()
    assert lossy["terms"].mean() >= clean["terms"].mean()
    assert lossy["time_to_leader_ms"].median() > clean["time_to_leader_ms"].median()


# -- safety --------------------------------------------------------------------------------------
def _trace(*recs):
    t = Trace()
    for r in recs:
        t.log(*r)
    return t


def test_check_safety_on_hand_made_traces():
    assert check_safety(_trace((0, 1, "leader", 3), (5, 1, "step_down", 3),
                               (9, 2, "leader", 4))) == []
    v = check_safety(_trace((0, 1, "leader", 3), (5, 1, "step_down", 3), (9, 2, "leader", 3)))
    assert [x.rule for x in v] == ["two_leaders_in_term"] and v[0].time == 9
    v = check_safety(_trace((0, 1, "vote", 2, {"candidate": 3}),
                            (1, 1, "vote", 2, {"candidate": 4})))
    assert [x.rule for x in v] == ["double_vote"]
    v = check_safety(_trace((0, 1, "candidate", 2), (1, 1, "vote", 2, {"candidate": 4})))
    assert [x.rule for x in v] == ["double_vote"]
    v = check_safety(_trace((0, 1, "follow", 5, {"leader": 2}), (1, 1, "follow", 4, {"leader": 3})))
    assert [x.rule for x in v] == ["term_decreased"]


def test_raft_is_safe_under_loss_partitions_and_crashes():
    df = simulate("raft", n=5, trials=40, seed=9, scenario="cold", loss=0.1,
                  partition=[[0, 1], [2, 3, 4]], partition_at_ms=100.0, heal_at_ms=700.0,
                  run_ms=1500.0)
    assert (df["safety_violations"] == 0).all()
    df = simulate("raft", n=5, trials=40, seed=10, prevote=True, loss=0.05, run_ms=1500.0)
    assert (df["safety_violations"] == 0).all()


def test_split_brain_hash_elects_two_leaders_raft_never():
    raft = split_brain("raft", trials=60, seed=21)
    hashed = split_brain("hash", trials=30, seed=21)
    assert (raft["safety_violations"] == 0).all()
    assert (raft["max_concurrent_leaders"] <= 1).all()
    assert (hashed["safety_violations"] > 0).mean() > 0.9
    assert (hashed["max_concurrent_leaders"] >= 2).mean() > 0.9


def test_prevote_keeps_an_isolated_node_from_disrupting():
    # node 4 is cut off for 2 s, then rejoins; without pre-vote its inflated term deposes the leader
    kw = dict(n=5, trials=10, seed=12, scenario="steady", partition=[[0, 1, 2, 3], [4]],
              partition_at_ms=0.0, heal_at_ms=2000.0, run_ms=3000.0)
    plain = simulate("raft", **kw)
    pre = simulate("raft", prevote=True, **kw)
    assert (plain["terms"] > 5).all() and (plain["leaders"] >= 1).all()
    assert (pre["terms"] == 0).all() and (pre["leaders"] == 0).all()


def test_raft_stays_safe_under_random_crashes_restarts_loss_and_partitions():
    rng = np.random.default_rng(5)
    total_leaders = 0
    for trial in range(25):
        crashes = []
        for node in rng.choice(5, size=2, replace=False):
            at = float(rng.uniform(0, 1500))
            crashes.append((int(node), at, at + float(rng.uniform(50, 600))))
        groups = [[0, 1, 2], [3, 4]] if trial % 2 else [[0, 3], [1, 2, 4]]
        run = run_once("raft", 5, trial, scenario="cold", loss=0.1, prevote=bool(trial % 3),
                       partition=groups, partition_at_ms=float(rng.uniform(0, 800)),
                       heal_at_ms=1600.0, crashes=crashes, run_ms=2500.0)
        assert check_safety(run.trace) == []
        total_leaders += run.row["leaders"]
    assert total_leaders >= 25  # elections did happen


def test_bad_crash_schedule_is_rejected():
    with pytest.raises(InvalidParameterError, match="crashes"):
        run_once("raft", 5, 0, crashes=[(9, 10.0)])
    with pytest.raises(InvalidParameterError, match="crashes"):
        run_once("raft", 5, 0, crashes=[(1, 10.0, 5.0)])
    with pytest.raises(InvalidParameterError, match="crashes"):
        run_once("raft", 5, 0, crashes=[(1,)])


def test_old_since_keyword_still_works_with_a_warning():
    run = run_once("raft", 5, 3)
    end = run.net.sim.now
    with pytest.warns(DeprecationWarning, match="since_ms"):
        old = election.max_concurrent_leaders(run.trace, end, since=run.t0)
    assert old == election.max_concurrent_leaders(run.trace, end, since_ms=run.t0)


def test_whole_millisecond_timeouts_as_logcabin_draws_them():
    # lround(10 + U·1): 10 or 11 ms, each about half the time; continuous draws never hit either
    df = simulate("raft", 1, 200, 5, scenario="cold", timeout_ms=(10, 11), disk=0.0,
                  timeout_step_ms=1.0)
    t = df["time_to_leader_ms"]
    assert set(t) == {10.0, 11.0} and 0.35 < (t == 10.0).mean() < 0.65
    cont = simulate("raft", 1, 50, 5, scenario="cold", timeout_ms=(10, 11), disk=0.0)
    assert not cont["time_to_leader_ms"].isin([10.0, 11.0]).any()
