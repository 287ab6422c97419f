"""The replicated store: durability, freshness and convergence invariants over many seeded
fault schedules, simulator staleness against PBS, metrics against closed forms, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from syncmodel.errors import InvalidParameterError
from syncmodel.rng import spawn_ints
from syncmodel.sync import metrics, pbs, staleness, store
from syncmodel.sync.store import Store, StoreConfig
from syncmodel.sync.store import simulate_store as simulate
from syncmodel.sync.versioning import Entry, Sibling, merge_entries

SEEDS = spawn_ints(2024, 12)
RUN = dict(duration_ms=1200.0, write_rate_per_s=40.0, read_rate_per_s=40.0, keys=8, clients=4)


def faults(seed, crashes, permanent, partitions=1):
    return store.random_faults(3, RUN["duration_ms"], crashes=crashes, permanent=permanent,
                               partitions=partitions, seed=seed)


@pytest.mark.parametrize("mode,r,w,crashes,permanent", [
    ("sync", 1, 1, 2, 2),      # synchronous: all N−1 = 2 backups may fail for good
    ("sync", 1, 1, 3, 0),      # ... or every node crash and restart
    ("quorum", 2, 2, 2, 1),    # strict quorum: W − 1 = 1 permanent loss tolerated
    ("quorum", 1, 3, 2, 2),    # W = N: any N − 1 permanent losses
    ("quorum", 3, 1, 1, 0),    # W = 1 survives crash-restart (disks are durable)
])
@pytest.mark.parametrize("loss", [0.0, 0.03])
@pytest.mark.slow
def test_no_acknowledged_write_is_lost_within_tolerance(mode, r, w, crashes, permanent, loss):
    acked = 0
    for seed in SEEDS:
        run = simulate(mode, 3, r, w, seed=seed, loss=loss, **RUN, **faults(seed, crashes, permanent))
        assert metrics.lost_write_ids(run) == [], (mode, seed)
        acked += len(run.ledger.ack)
    assert acked > 300  # the runs did acknowledge writes


@pytest.mark.slow
def test_async_primary_backup_loses_writes_on_failover():
    lost = []
    for seed in SEEDS:
        sched = {"crashes": [(0, 400.0 + 37.0 * (seed % 7), None)]}  # the primary dies for good
        run = simulate("async", 3, seed=seed, **RUN, **sched)
        lost.append(run.summary()["lost_acked_writes"])
        # the lost ones are exactly writes acknowledged by the old primary but never shipped
        assert all(run.ledger.ack[w] <= sched["crashes"][0][1] for w in metrics.lost_write_ids(run))
    assert sum(lost) > 0 and sum(x > 0 for x in lost) >= len(SEEDS) // 2
    # the same schedule under synchronous replication loses none
    for seed in SEEDS[:4]:
        run = simulate("sync", 3, seed=seed, **RUN, crashes=[(0, 400.0 + 37.0 * (seed % 7), None)])
        assert metrics.lost_write_ids(run) == []


@pytest.mark.parametrize("r,w", [(2, 2), (1, 3), (3, 1)])
@pytest.mark.slow
def test_strict_quorum_reads_are_never_older_than_the_last_acknowledged_write(r, w):
    for seed in SEEDS[:6]:
        run = simulate("quorum", 3, r, w, seed=seed, **RUN, latency="LNKD-DISK")
        df = metrics.reads_frame(run)
        assert len(df) > 50 and not df["stale"].any()


@pytest.mark.slow
def test_workload_t_visibility_from_reads():
    args = dict(duration_ms=3000.0, write_rate_per_s=50.0, read_rate_per_s=200.0, keys=4, latency="LNKD-DISK")
    edges = [0.0, 3.0, 30.0, 1e9]
    weak = metrics.t_visibility_reads(simulate("quorum", 3, 1, 1, seed=2, **args), edges)
    strict = metrics.t_visibility_reads(simulate("quorum", 3, 2, 2, seed=2, **args), edges)
    assert (strict["fresh"] == 1.0).all()
    assert weak["fresh"].iloc[0] < 0.9 < weak["fresh"].iloc[-1]
    run = simulate("quorum", 3, 1, 1, seed=2, **args)
    df = metrics.reads_frame(run)
    assert weak["reads"].sum() == np.isfinite(df["since_ack"]).sum()
    with pytest.raises(InvalidParameterError):
        metrics.t_visibility_reads(run, [1.0, 1.0])
    with pytest.raises(InvalidParameterError, match=r"^edges must"):
        metrics.t_visibility_reads(run, [0.0, float("nan"), 5.0])


def test_partial_quorum_reads_can_be_stale_and_primary_reads_cannot():
    run = simulate("quorum", 3, 1, 1, seed=1, **RUN, latency=("exponential", 5.0))
    assert metrics.reads_frame(run)["stale"].any()
    run = simulate("sync", 3, seed=1, **RUN, latency=("exponential", 5.0))
    assert not metrics.reads_frame(run)["stale"].any()
    run = simulate("async", 3, seed=1, **RUN, latency=("exponential", 5.0), read_from="any")
    assert metrics.reads_frame(run)["stale"].any()


@pytest.mark.slow
def test_simulated_t_visibility_agrees_with_pbs_monte_carlo():
    law = pbs.profile("LNKD-SSD").R
    grid = [0.0, 0.3, 1.0]
    sim = staleness.t_visibility_sim(3, 1, 1, grid, law, trials=4500, seed=7)
    mc = pbs.t_visibility_curve(3, 1, 1, grid, law, trials=300_000, seed=8)
    for j in range(len(grid)):
        assert sim.lo[j] - 0.002 <= mc.fresh[j] <= sim.hi[j] + 0.002
    # a profile: writes ~ W, acks ~ A, reads ~ R, responses ~ S (LNKD-DISK: slow disk writes)
    sim = staleness.t_visibility_sim(3, 1, 1, [0.0, 10.0], "LNKD-DISK", trials=6000, seed=21, z=3.0)
    mc = pbs.t_visibility_curve(3, 1, 1, [0.0, 10.0], "LNKD-DISK", trials=300_000, seed=22)
    assert np.all((sim.lo - 0.002 <= mc.fresh) & (mc.fresh <= sim.hi + 0.002))
    exp = ("exponential", 1.0)
    sim = staleness.t_visibility_sim(3, 1, 2, [0.0, 1.0], exp, trials=3000, seed=9)
    mc = pbs.t_visibility_curve(3, 1, 2, [0.0, 1.0], exp, trials=300_000, seed=10)
    assert np.all((sim.lo - 0.002 <= mc.fresh) & (mc.fresh <= sim.hi + 0.002))


@pytest.mark.slow
def test_simulated_k_staleness_agrees_with_closed_form():
    sim = staleness.k_staleness_sim(4, 1, 2, k_max=2, trials=3000, seed=3)
    for k, lo, hi in zip(sim.k, sim.lo, sim.hi, strict=True):
        assert lo <= pbs.k_staleness(4, 1, 2, int(k)) <= hi


@pytest.mark.slow
def test_failures_make_reads_staler_and_anti_entropy_helps():
    # replica 1 is down while keys 100..600 are written (5..30 ms); each key is read 40 ms later,
    # after it is back: without repair it answers first a third of the time, with a stale value
    crash = [(1, 5.0, 30.0)]
    args = dict(trials=1500, seed=4, latency=("exponential", 1.0))
    base = staleness.t_visibility_sim(3, 1, 1, [40.0], **args)
    hurt = staleness.t_visibility_sim(3, 1, 1, [40.0], crashes=crash, **args)
    healed = staleness.t_visibility_sim(3, 1, 1, [40.0], crashes=crash, anti_entropy_ms=5.0, **args)
    assert base.fresh[0] == 1.0
    assert hurt.hi[0] < 0.95
    assert healed.lo[0] > hurt.hi[0]


def test_read_repair_reduces_stale_reads_after_a_replica_returns():
    # replica 2 misses the writes of 100..700 ms; afterwards R = 1 reads it answers first are stale
    # until something repairs it: read repair pushes the merged answer back to stale responders
    args = dict(duration_ms=1500.0, write_rate_per_s=20.0, read_rate_per_s=80.0, keys=8, clients=4,
                crashes=[(2, 100.0, 700.0)])
    def stale_reads(rr, seed):
        return simulate("quorum", 3, 1, 1, seed=seed, read_repair=rr, **args).summary()["stale_reads"]

    stale = {rr: sum(stale_reads(rr, s) for s in (1, 2, 3)) for rr in (False, True)}
    assert stale[True] < stale[False]


def test_replication_lag_closed_forms():
    # synchronous shipping over a fixed 1 ms link: every backup applies exactly 1 ms later
    run = simulate("sync", 3, seed=1, **RUN, latency=1.0)
    lag = metrics.replication_lag(run)
    assert lag.size > 100 and np.allclose(lag, 1.0)
    # async batches every h = 20 ms over a d = 1 ms link: lag ~ Uniform(d, d + h], mean d + h/2
    run = simulate("async", 3, seed=1, **RUN, latency=1.0, heartbeat_ms=20.0)
    lag = metrics.replication_lag(run)
    assert lag.min() >= 1.0 - 1e-9 and lag.max() <= 21.0 + 1e-9
    assert lag.mean() == pytest.approx(11.0, abs=0.8)


def test_primary_backup_serializes_and_loses_no_update():
    run = simulate("sync", 3, seed=2, **RUN)
    assert metrics.conflict_rate(run) == 0.0 and metrics.lost_updates(run) == 0
    # the final value of each key = the number of increments applied to it
    final = metrics._merged_live(run)
    for key, (ctx, sibs) in final.items():
        assert max(s[2] for s in sibs) == len(ctx) == sum(1 for k in run.ledger.key if k == key)


def test_concurrent_multileader_writes_conflict_and_lww_loses_increments():
    part = [(((0,), (1, 2)), 200.0, 700.0)]
    sib = simulate("multileader", 3, seed=3, **RUN, policy="siblings", partitions=part,
                         anti_entropy_ms=20.0)
    lww = simulate("multileader", 3, seed=3, **RUN, policy="lww", partitions=part,
                         anti_entropy_ms=20.0)
    assert metrics.conflict_rate(sib) > 0 and metrics.conflict_rate(lww) > 0
    assert metrics.lost_updates(lww) > 0
    # a G-counter would keep every increment: its total is the number of writes that took effect
    stored, crdt = metrics.counter_values(lww)
    took_effect = sum(len(ctx) for ctx, _ in metrics._merged_live(lww).values())
    assert crdt == took_effect and crdt - stored == metrics.lost_updates(lww) > 0
    assert len(lww.ledger.lww_dropped) > 0 and len(sib.ledger.lww_dropped) == 0


def test_convergence_after_partition_heals_with_anti_entropy():
    part = [(((0,), (1, 2)), 200.0, 600.0)]
    run = simulate("multileader", 3, seed=5, **RUN, partitions=part, anti_entropy_ms=10.0,
                         snapshot_ms=25.0)
    cf = metrics.convergence_frame(run)
    during = cf[(cf.time > 300) & (cf.time < 600)]
    assert during["ratio"].max() < 1.0
    assert cf["ratio"].iloc[-1] == 1.0
    # the snapshots are the set formulas of sets.Cluster: C ⊆ A, ratio = |C|/|A|
    assert np.all(cf["c"] <= cf["a"])
    nz = cf["a"] > 0
    assert np.allclose(cf.loc[nz, "ratio"], cf.loc[nz, "c"] / cf.loc[nz, "a"])


def test_lww_with_clock_skew_reorders_concurrent_writes():
    part = [(((0,), (1, 2)), 100.0, 900.0)]
    args = dict(**RUN, policy="lww", partitions=part, anti_entropy_ms=20.0)
    skewed = simulate("multileader", 3, seed=6, clock_skew_ms=400.0, **args)
    assert len(skewed.ledger.lww_reordered) > 0


def test_merge_entries_worked_case():
    a = Entry(frozenset({1, 2}), (Sibling(2, 0.0, 2),))
    b = Entry(frozenset({1}), (Sibling(1, 0.0, 1),))
    assert merge_entries(a, b) == (frozenset({1, 2}), ((2, 0.0, 2),))
    c = Entry(frozenset({3}), (Sibling(3, 0.0, 1),))
    assert merge_entries(b, c) == (frozenset({1, 3}), ((1, 0.0, 1), (3, 0.0, 1)))
    assert merge_entries(b, c) == merge_entries(c, b)  # a join: the order does not matter


def test_same_seed_same_run():
    f = faults(11, 1, 0)
    a = simulate("quorum", 3, 2, 1, seed=11, **RUN, **f).summary()
    b = simulate("quorum", 3, 2, 1, seed=11, **RUN, **f).summary()
    a.pop("wall_s"), b.pop("wall_s"), a.pop("events_per_s"), b.pop("events_per_s")
    assert a == b


@pytest.mark.parametrize("kwargs", [
    dict(mode="paxos"), dict(r=0), dict(w=4), dict(n=0), dict(write_rate_per_s=-1.0),
    dict(read_rate_per_s=float("nan")), dict(policy="newest"), dict(fanout="some"), dict(read_from="disk"),
    dict(crashes=[(5, 10.0, None)]), dict(crashes=[(0, 10.0, 5.0)]), dict(latency="SLOW"),
    dict(loss=1.5), dict(keys=0), dict(bogus=1), dict(partitions=[(((0,), (7,)), 1.0, 2.0)]),
    dict(anti_entropy_ms=0.0),
])
def test_bad_input(kwargs):
    args = dict(mode="quorum", n=3, r=1, w=1)
    args.update(kwargs)
    with pytest.raises(InvalidParameterError):
        simulate(**args, seed=1)


@pytest.mark.parametrize(("kwargs", "name"), [
    # issue 14 item 5: a StoreConfig built directly was not checked (n = NaN, n = -1, mode = NaN)
    (dict(n=float("nan")), "n"), (dict(n=-1), "n"), (dict(mode=float("nan")), "mode"),
    (dict(n=True), "n"), (dict(r=4), "r"), (dict(clients=0), "clients"), (dict(loss=True), "loss"),
    (dict(read_repair="yes"), "read_repair"), (dict(fanout=["all"]), "fanout"),
    (dict(duration_ms=0.0), "duration_ms"), (dict(crashes=[(True, 1.0)]), "crashes"),
])
def test_store_config_checks_itself(kwargs, name):
    with pytest.raises(InvalidParameterError, match=name):
        StoreConfig(**kwargs)


def test_store_builds_only_from_a_valid_config():
    with pytest.raises(InvalidParameterError, match="n must"):
        Store(StoreConfig(n=-1))
    with pytest.raises(InvalidParameterError, match="cfg"):
        Store({"n": 3})
    cfg = StoreConfig(mode="sync", n=3, crashes=[[0, 5, None]])
    assert cfg.crashes == ((0, 5.0, None),) and cfg.crashes[0].at_ms == 5.0
    assert type(Store(cfg)).__name__ == "SyncPrimaryBackupStore"
    assert {m: type(Store(StoreConfig(mode=m))).__name__ for m in ("async", "quorum", "multileader")} == {
        "async": "AsyncPrimaryBackupStore", "quorum": "QuorumStore", "multileader": "MultiLeaderStore"}


def test_old_names_still_work_with_a_warning():
    new = simulate("quorum", 3, seed=4, duration_ms=300.0, write_rate_per_s=30.0).summary()
    with pytest.warns(DeprecationWarning, match="simulate_store"):
        old_run = store.simulate("quorum", 3, seed=4, duration_ms=300.0, write_rate_per_s=30.0)
    with pytest.warns(DeprecationWarning, match="write_rate_per_s"):
        renamed = simulate("quorum", 3, seed=4, duration_ms=300.0, write_rate=30.0).summary()
    for s in (new, renamed, old := old_run.summary()):
        s.pop("wall_s"), s.pop("events_per_s")
    assert new == old == renamed and old_run.seed == 4
    with pytest.raises(InvalidParameterError, match="write_rate"):
        store.make_config(write_rate=1.0, write_rate_per_s=2.0)


def test_random_faults_bad_input_and_shape():
    with pytest.raises(InvalidParameterError):
        store.random_faults(3, 100.0, crashes=4)
    with pytest.raises(InvalidParameterError):
        store.random_faults(3, 100.0, crashes=1, permanent=2)
    f = store.random_faults(5, 1000.0, crashes=3, permanent=1, partitions=2, seed=1)
    assert len({c[0] for c in f["crashes"]}) == 3 and sum(c[2] is None for c in f["crashes"]) == 1
    assert all(math.isfinite(p[2]) for p in f["partitions"])


@pytest.mark.parametrize(("kwargs", "name"), [
    (dict(t_ms="x"), "t_ms"), (dict(t_ms=[{}]), "t_ms"), (dict(gap_ms=None), "gap_ms"),
    (dict(gap_ms="x"), "gap_ms"),
])
def test_t_visibility_sim_bad_input_found_by_fuzzing(kwargs, name):
    # these raised numpy's float() ValueError/TypeError or a TypeError from arithmetic
    with pytest.raises(InvalidParameterError, match=name):
        staleness.t_visibility_sim(3, 1, 1, **{"t_ms": [0.0, 5.0], "trials": 20, "seed": 1, **kwargs})


@pytest.mark.parametrize(("call", "name"), [
    # found by fuzzing: TypeError / ValueError / OverflowError / IndexError from inside
    (lambda: simulate(crashes=5, duration_ms=100.0), "crashes"),
    (lambda: simulate(partitions=None, duration_ms=100.0), "partitions"),
    (lambda: simulate(partitions=(((0, 1), 1.0, 2.0),), duration_ms=100.0), "partitions"),
    (lambda: simulate(partitions=(({"zzz": 1}, 1.0, 2.0),), duration_ms=100.0), "partitions"),
    (lambda: simulate(clock_skew_ms=1e308, duration_ms=100.0), "clock_skew_ms"),
    (lambda: store.random_faults(3, None), "duration_ms"),
    (lambda: store.random_faults(3, 100.0, down_ms=5.0), "down_ms"),
    (lambda: store.random_faults(3, 100.0, down_ms="x"), "down_ms"),
    (lambda: store.random_faults(3, 100.0, down_ms=(400.0, 50.0)), "down_ms"),
    (lambda: store.sample_ids(3, 5, lambda: 0.5), "k"),
    (lambda: store.sample_ids(-1, 0, lambda: 0.5), "n"),
    (lambda: store.sample_ids(3, 2, 0.5), "uniform"),
    (lambda: store.sample_ids(3, 2, lambda: 1.0), "uniform"),
])
def test_store_bad_input_found_by_fuzzing(call, name):
    with pytest.raises(InvalidParameterError, match=f"^{name} must"):
        call()


def test_sample_ids_checked_and_unchecked_agree():
    from syncmodel.sim.latency import buffered
    from syncmodel.sync.store.ledger import _sample_ids

    a = store.sample_ids(7, 3, buffered(np.random.default_rng(5).random))
    b = _sample_ids(7, 3, buffered(np.random.default_rng(5).random))
    assert a == b and len(set(a)) == 3 and all(0 <= i < 7 for i in a)


def test_t_visibility_sim_counts_trials_slower_than_the_run_as_failed():
    # a latency of 1e308 ms returned p = NaN silently: no trial finished within the run
    res = staleness.t_visibility_sim(3, 1, 1, [0.0, 5.0], latency=1e308, trials=20, seed=1)
    assert res.fresh.tolist() == [0.0, 0.0] and res.failed.tolist() == [10, 10]
    assert res.reads.tolist() == [10, 10]


def test_results_record_their_seed_and_tabulate():
    run = simulate("quorum", 3, 2, 2, seed=7, duration_ms=300.0)
    row = run.to_frame()
    assert run.seed == 7 and row.loc[0, "seed"] == 7 and row.loc[0, "writes"] == len(run.ledger.issue)
    with pytest.warns(DeprecationWarning, match="lost_write_ids"):
        assert metrics.lost_writes(run) == metrics.lost_write_ids(run)
    from syncmodel.sync import sloppy, versioning

    with pytest.warns(DeprecationWarning, match="versioning.order"):
        assert versioning.compare({"a": 1}, {"a": 2}) == versioning.order({"a": 1}, {"a": 2}) == "before"
    runs = sloppy.simulate_handoff(3, 2, 2, 5, ops=50, duration_ms=2000.0, runs=2, seed=1)
    assert runs.to_frame()["seed"].tolist() == runs.seeds
    with pytest.warns(DeprecationWarning, match="stale_read"):
        old = sloppy.stale_read_probability(3, 2, 2, 5, 0.1)
    assert float(old) == float(sloppy.stale_read(3, 2, 2, 5, 0.1))


def test_simulate_store_shows_every_setting_in_its_signature():
    import inspect

    params = inspect.signature(store.simulate_store).parameters
    assert {"write_rate_per_s", "timeout_ms", "crashes", "seed"} <= set(params)
    assert params["seed"].kind is inspect.Parameter.KEYWORD_ONLY and params["seed"].default is None


def test_bools_are_not_counts():
    # issue 14 item 5: metrics.staleness(k=True) and random_faults(n=True) took True for 1
    run = simulate("quorum", 3, seed=1, duration_ms=100.0)
    with pytest.raises(InvalidParameterError, match=r"^k must"):
        metrics.k_staleness(run, k=True)
    with pytest.raises(InvalidParameterError, match=r"^n must"):
        store.random_faults(n=True, duration_ms=10.0)
    with pytest.raises(InvalidParameterError, match=r"^n_runs must"):
        store.replicate(True, seed=1, duration_ms=10.0)


def test_a_store_run_too_large_to_simulate_is_refused_before_it_starts():
    """Found by the fuzz test (check.simulate_history with duration_ms=1e308): the run's
    client operations are estimated first and a workload over MAX_EVENTS is refused."""
    from syncmodel import sync
    from syncmodel.errors import ResourceLimitError

    with pytest.raises(ResourceLimitError, match="client operations"):
        sync.simulate_store(n=3, seed=0, duration_ms=1e308)
    with pytest.raises(ResourceLimitError, match="snapshot_ms"):
        sync.simulate_store(n=3, seed=0, snapshot_ms=1e-9)
