"""The five questions for every preset, each checked against an independent computation."""

from __future__ import annotations

import dataclasses
import itertools
import math
from importlib.util import find_spec

import numpy as np
import pytest

from syncmodel import systems
from syncmodel import systems as A
from syncmodel.errors import InvalidParameterError
from syncmodel.systems import placement as pl
from syncmodel.systems import ring, zab

#: PBS staleness and version vectors come from syncmodel.sync (the data-sync issue)
needs_sync = pytest.mark.skipif(find_spec("syncmodel.sync") is None, reason="syncmodel.sync not merged yet")

# ------------------------------------------------------------------ availability F(S)


def _binom_at_least(n: int, k: int, q: float) -> float:
    return sum(math.comb(n, j) * q**j * (1 - q) ** (n - j) for j in range(k, n + 1))


@pytest.mark.parametrize("p", [0.0, 0.01, 0.1, 0.3])
@pytest.mark.parametrize("n", [1, 3, 5, 7])
def test_consensus_availability_is_a_live_majority(n, p):
    for name in ("etcd", "zookeeper", "consul"):
        got = A.availability(systems.preset(name, nodes=n), p)
        assert got == pytest.approx(_binom_at_least(n, n // 2 + 1, 1 - p), abs=1e-12)


def test_worked_case_etcd():
    assert A.availability("etcd", 0.1) == pytest.approx(1 - (3 * 0.01 * 0.9 + 0.001))


@pytest.mark.parametrize("level", ["ONE", "QUORUM", "ALL"])
def test_cassandra_availability_needs_max_r_w_replicas(level):
    m = systems.preset("cassandra", consistency_read=level, consistency_write="ONE")
    k = max(m.read_quorum, m.write_quorum)
    assert A.availability(m, 0.2) == pytest.approx(_binom_at_least(3, k, 0.8))


def _enumerate(nodes: list[str], p: float, ok) -> float:
    total = 0.0
    for state in itertools.product([True, False], repeat=len(nodes)):
        up = {n for n, s in zip(nodes, state, strict=True) if s}
        w = math.prod((1 - p) if s else p for s in state)
        total += w * ok(up)
    return total


def test_redis_availability_by_enumeration():
    # serves when the master is up, or a replica is up and a Sentinel majority can promote it
    nodes = ["r0", "r1", "r2", "s0", "s1", "s2"]

    def ok(up):
        return "r0" in up or (bool({"r1", "r2"} & up) and len({"s0", "s1", "s2"} & up) >= 2)

    for p in (0.05, 0.3):
        assert A.availability("redis", p) == pytest.approx(_enumerate(nodes, p, ok), abs=1e-12)


def test_glusterfs_replica_2_auto_quorum_needs_the_first_brick():
    m = systems.preset("glusterfs", nodes=2, replicas=2)
    # auto quorum on an even count: more than half, or exactly half including the first brick
    assert A.availability(m, 0.1) == pytest.approx(_enumerate(["r0", "r1"], 0.1, lambda up: "r0" in up))
    m4 = systems.preset("glusterfs", nodes=4, replicas=4)
    nodes = ["r0", "r1", "r2", "r3"]
    assert A.availability(m4, 0.2) == pytest.approx(
        _enumerate(nodes, 0.2, lambda up: len(up) >= 3 or (len(up) == 2 and "r0" in up)))


def test_memcached_key_availability():
    assert A.availability("memcached", 0.07) == pytest.approx(0.93)


@pytest.mark.parametrize("policy", ["rack-aware", "random", "rack-fault-tolerant"])
def test_hdfs_availability_with_rack_failures(policy):
    p, q = 0.05, 0.02
    m = systems.preset("hdfs", placement=policy)
    # independent: a block is unavailable when every rack group is down or all its replicas are
    exact = 0.0
    for nodes, w in pl.placements(policy, 3, 3, 3):
        groups: dict[int, int] = {}
        for x in nodes:
            groups[x // 3] = groups.get(x // 3, 0) + 1
        exact += w * math.prod(q + (1 - q) * p**g for g in groups.values())
    assert A.availability(m, p, rack_p=q) == pytest.approx(1 - exact, abs=1e-12)


def test_rack_p_for_other_systems_is_independent_per_replica():
    p, q = 0.05, 0.02
    eff = q + (1 - q) * p
    assert A.availability("etcd", p, rack_p=q) == pytest.approx(_binom_at_least(3, 2, 1 - eff))


def test_nines():
    assert A.nines(0.999) == pytest.approx(3.0)
    assert A.nines(1.0) == math.inf
    with pytest.raises(InvalidParameterError, match="availability"):
        A.nines(float("nan"))


# ------------------------------------------------------------------ stale reads


def test_linearizable_paths_never_stale():
    for name in ("etcd", "cockroachdb", "redis", "memcached", "hdfs", "glusterfs", "consul"):
        assert A.stale_read_probability(name) == 0.0
    assert A.stale_read_probability(systems.preset("zookeeper", read_path="sync")) == 0.0
    assert A.stale_read_probability(systems.preset("consul", read_path="consistent")) == 0.0


def _race_mc(n: int, t: float, mu: float, *, n_reads: int = 400_000, rtt: float | None = None,
             q: float = 0.0, b: float = 0.0, seed: int = 0) -> float:
    """Simulate the read race directly: uniformly placed reads (server 0 leads); the follower
    applies H + J·B after the ack; the read arrives t + C later (C = A + R hops, or rtt)."""
    rng = np.random.default_rng(seed)
    server = rng.integers(0, n, n_reads)
    stall = rng.exponential(b, n_reads) if b else np.zeros(n_reads)
    apply = rng.exponential(mu, n_reads) + (rng.random(n_reads) < q) * stall
    c = rng.exponential(mu, n_reads) + rng.exponential(mu, n_reads) if rtt is None else np.full(n_reads, rtt)
    return float(np.mean((server != 0) & (apply > t + c)))


def _close(got: float, mc: float, n_reads: int = 400_000) -> bool:
    return abs(got - mc) < 5 * math.sqrt(max(got * (1 - got), 1e-6) / n_reads)


def test_zookeeper_local_reads_can_be_stale_monte_carlo():
    # the follower applies one hop after the ack; the client needs two hops to get its read there
    m = systems.preset("zookeeper", nodes=5)
    for t, mu in ((1.5, 2.0), (0.0, 1.0)):
        got = A.stale_read_probability(m, t, latency_ms=mu)
        assert got > 0 and _close(got, _race_mc(5, t, mu))
    assert A.stale_read_probability("zookeeper") == pytest.approx((2 / 3) * 0.25)  # memoryless: (1/2)²
    assert A.stale_read_probability("zookeeper", 0.0, rtt_ms=1.0) == pytest.approx((2 / 3) * math.exp(-1))


def test_stalled_follower_race_monte_carlo():
    # a follower still busy (etcd: its WAL write) when the commit arrives: q·Exp(b) on top of the hop
    serial = systems.preset("etcd", read_path="serializable")
    cases = [dict(t=1.0, mu=0.05, rtt=1.0, q=0.2, b=2.0), dict(t=0.5, mu=0.5, rtt=None, q=0.3, b=0.5),
             dict(t=0.0, mu=0.3, rtt=None, q=0.5, b=3.0), dict(t=2.0, mu=0.0, rtt=0.4, q=0.25, b=1.5)]
    for k, cs in enumerate(cases):
        got = A.stale_read_probability(serial, cs["t"], latency_ms=cs["mu"], rtt_ms=cs["rtt"],
                                       stall_probability=cs["q"], stall_ms=cs["b"])
        mc = _race_mc(3, cs["t"], cs["mu"], rtt=cs["rtt"], q=cs["q"], b=cs["b"], seed=k)
        assert _close(got, mc), (cs, got, mc)
    # no hop, no stall: the follower has applied by the time any read arrives
    assert A.stale_read_probability(serial, 0.0, latency_ms=0.0) == 0.0
    with pytest.raises(InvalidParameterError, match="stall_probability"):
        A.stale_read_probability(serial, stall_probability=1.5)
    with pytest.raises(InvalidParameterError, match="rtt_ms"):
        A.stale_read_probability(serial, rtt_ms=-1.0)


def test_consul_and_etcd_follower_reads():
    stale = systems.preset("consul", read_path="stale")
    assert A.stale_read_probability(stale, 25.0) == pytest.approx(1 / 3)  # (2/3)(1 − 25/50)
    assert A.stale_read_probability(stale, 60.0) == 0.0
    serial = systems.preset("etcd", read_path="serializable")
    # the commit index goes out right after the commit, one hop (Exp(μ)) behind the ack, not on
    # the next heartbeat; a measured client round trip of 1 ms: (2/3)·e^(−(t + 1)/μ)
    assert A.stale_read_probability(serial, 2.0, latency_ms=2.0, rtt_ms=1.0) == pytest.approx(
        (2 / 3) * math.exp(-1.5))
    assert A.stale_read_probability(serial, 50.0) < 1e-20


def test_replica_and_follower_reads():
    r = systems.preset("redis", read_path="replica")
    got = A.stale_read_probability(r, 2.0, latency_ms=2.0, rtt_ms=0.0)
    assert got == pytest.approx((2 / 3) * math.exp(-1))
    f = systems.preset("cockroachdb", read_path="follower")
    assert A.stale_read_probability(f, 100.0) == pytest.approx((2 / 3) * 0.5)  # U(0, 200 ms) lag


@needs_sync
def test_cassandra_one_one_is_stale_as_pbs_predicts():
    # PBS closed form: a 1-replica read misses a 1-replica write w.p. C(N−W, R)/C(N, R)
    assert A.stale_read_probability("cassandra") == pytest.approx(math.comb(2, 1) / math.comb(3, 1))
    m = systems.preset("cassandra", replicas=5, consistency_read="TWO", consistency_write="TWO")
    assert A.stale_read_probability(m) == pytest.approx(math.comb(3, 2) / math.comb(5, 2))
    q = systems.preset("cassandra", consistency_read="QUORUM", consistency_write="QUORUM")
    assert A.stale_read_probability(q, 0.0) == 0.0
    later = [A.stale_read_probability("cassandra", t, trials=40_000, seed=1) for t in (0.5, 5.0, 50.0)]
    assert 2 / 3 > later[0] >= later[1] >= later[2] >= 0.0


def test_stale_bad_input():
    with pytest.raises(InvalidParameterError, match="t_ms"):
        A.stale_read_probability("zookeeper", -1.0)
    with pytest.raises(InvalidParameterError, match="system"):
        A.stale_read_probability(42)  # type: ignore[arg-type]


# ------------------------------------------------------------------ lost writes


def _loop_redis_lost(seed: int, writes: int, rate: float, lag: float) -> int:
    """One master, one replica, written as a plain loop: acked on arrival, FIFO stream."""
    rng = np.random.default_rng(seed)
    t = 0.0
    arrivals = []
    for _ in range(writes):
        t += rng.exponential(1000.0 / rate)
        arrivals.append(t)
    prev = -math.inf
    lost = 0
    for a in arrivals:
        prev = max(prev, a + rng.exponential(lag))
        lost += prev > arrivals[-1]
    return lost


def test_redis_async_loses_acknowledged_writes_like_a_loop_model():
    m = systems.preset("redis", nodes=2, replicas=2)
    ours = [A.lost_writes(m, writes=300, rate_per_s=2000.0, lag_ms=3.0, seed=s).lost for s in range(300)]
    loop = [_loop_redis_lost(10_000 + s, 300, 2000.0, 3.0) for s in range(300)]
    assert np.mean(ours) > 1.0
    se = math.sqrt(np.var(ours) / 300 + np.var(loop) / 300)
    assert abs(np.mean(ours) - np.mean(loop)) < 5 * se


def test_wait_narrows_redis_losses():
    some_loss = False
    for s in range(40):
        plain = A.lost_writes("redis", seed=s, failed_replicas=1)
        waited = A.lost_writes(systems.preset("redis", wait_replicas=1), seed=s, failed_replicas=1)
        assert waited.lost <= plain.lost
        some_loss |= plain.lost > 0
        # with every replica alive, the best replica holds every write WAIT acknowledged
        assert A.lost_writes(systems.preset("redis", wait_replicas=1), seed=s).lost == 0
    assert some_loss
    assert A.lost_writes("redis", seed=1).lost > 0  # the documented seeded schedule


@pytest.mark.parametrize("n", [3, 5, 7])
def test_consensus_loses_nothing_with_a_minority_failed(n):
    for s in range(20):
        for failed in range(0, (n - 1) // 2):  # leader + failed followers stay a minority
            out = A.lost_writes(systems.preset("etcd", nodes=n), seed=s, failed_replicas=failed)
            assert out.available and out.lost == 0 and out.acknowledged > 0
    out = A.lost_writes(systems.preset("etcd", nodes=n), seed=0, failed_replicas=(n - 1) // 2)
    assert not out.available and out.lost == 0


def test_memcached_loses_about_one_nth():
    for n in (4, 8):
        out = A.lost_writes(systems.preset("memcached", nodes=n), writes=50_000, seed=1)
        assert abs(out.lost_fraction - 1 / n) < 0.35 / n


def test_durable_systems_lose_nothing():
    for name in ("cassandra", "hdfs", "glusterfs"):
        assert A.lost_writes(name, seed=0).lost == 0


def test_lost_writes_bad_input():
    with pytest.raises(InvalidParameterError, match="failed_replicas"):
        A.lost_writes("etcd", failed_replicas=3)
    with pytest.raises(InvalidParameterError, match="writes"):
        A.lost_writes("etcd", writes=0)
    with pytest.raises(InvalidParameterError, match="rate_per_s"):
        A.lost_writes("etcd", rate_per_s=float("nan"))


# ------------------------------------------------------------------ conflicting versions


@needs_sync
@pytest.mark.parametrize("k", [1, 2, 5])
def test_cassandra_lww_keeps_one_and_drops_the_rest(k):
    out = A.conflicting_versions("cassandra", k, seed=1)
    assert (out.versions, out.siblings, out.discarded, out.refused) == (1, k, k - 1, 0)


@needs_sync
def test_ordered_systems_keep_one_version():
    for name in ("etcd", "zookeeper", "consul", "cockroachdb", "redis", "memcached", "hdfs", "glusterfs"):
        out = A.conflicting_versions(name, 4)
        assert (out.versions, out.siblings, out.discarded, out.refused) == (1, 1, 0, 0)


@needs_sync
def test_partitions():
    assert A.conflicting_versions("etcd", 4, partitioned=True).refused == 2
    assert A.conflicting_versions("glusterfs", 4, partitioned=True).refused == 2
    split = A.conflicting_versions(systems.preset("glusterfs", quorum_type="none"), 4, partitioned=True)
    assert split.versions == 2 and split.siblings == 2  # split-brain
    assert A.conflicting_versions("redis", 4, partitioned=True).discarded == 2


# ------------------------------------------------------------------ the table


@needs_sync
def test_compare_table():
    df = A.compare(["etcd", "cassandra", "redis"], p=0.1, trials=20, writes=300, seed=0)
    assert list(df["preset"]) == ["etcd", "cassandra", "redis"]
    assert df.loc[0, "availability"] == pytest.approx(0.972)
    assert df.loc[0, "nines"] == pytest.approx(-math.log10(0.028))
    assert df.loc[1, "stale_read"] == pytest.approx(2 / 3)
    # a system's numbers do not depend on which others are compared
    alone = A.compare(["etcd", "cassandra", "redis"][:1], p=0.1, trials=20, writes=300, seed=0)
    assert alone.loc[0, "downtime_median_ms"] == df.loc[0, "downtime_median_ms"]
    with pytest.raises(InvalidParameterError, match="systems"):
        A.compare([])
    waited = A.compare(["redis"], trials=5, writes=300, seed=0, failed_replicas=0,
                       overrides={"redis": {"wait_replicas": 1}})
    assert waited.loc[0, "lost_writes"] == 0  # WAIT 1, every replica alive


# ------------------------------------------------------------------ Consul read modes, Cassandra hints


def test_hinted_handoff_window():
    h = 3 * 3600 * 1000.0
    assert A.hinted_handoff_missed("cassandra", h / 3) == 0.0
    assert A.hinted_handoff_missed("cassandra", 2 * h) == pytest.approx(0.5)
    assert A.hinted_handoff_missed(systems.preset("cassandra", hinted_handoff=False), 10.0) == 1.0
    assert A.hinted_handoff_missed("etcd", 2 * h) == 0.0
    with pytest.raises(InvalidParameterError, match="outage_ms"):
        A.hinted_handoff_missed("cassandra", -1.0)


def test_glusterfs_arbiter_same_availability_less_storage():
    plain, arb = systems.preset("glusterfs"), systems.preset("glusterfs", arbiter=True)
    assert A.availability(arb, 0.1) == A.availability(plain, 0.1) == pytest.approx(_binom_at_least(3, 2, 0.9))
    assert (plain.storage_copies, arb.storage_copies) == (3, 2)


def test_quorum_systems_exist_exactly_on_the_intersecting_paths():
    from syncmodel.errors import InfeasibleError

    cases = {systems.preset("etcd"): True, systems.preset("zookeeper"): False,
             systems.preset("zookeeper", read_path="sync"): True,
             systems.preset("etcd", read_path="serializable"): False,
             systems.preset("cassandra"): False,
             systems.preset("cassandra", consistency_read="QUORUM", consistency_write="QUORUM"): True,
             systems.preset("consul", read_path="consistent"): True}
    for m, intersecting in cases.items():
        # independent: R + W > N ⇔ every R-subset meets every W-subset of N replicas
        reps = range(m.replicas)
        meets = all(set(r) & set(w) for r in itertools.combinations(reps, m.read_quorum)
                    for w in itertools.combinations(reps, m.write_quorum))
        assert meets is intersecting, m.name
        if intersecting:
            qs = m.quorum_system()
            assert qs.is_consistent()
            assert qs.write_resilience() == m.replicas - m.write_quorum
        else:
            with pytest.raises(InfeasibleError, match="R \\+ W ≤ N"):
                m.quorum_system()
            if m.name != "cassandra" or find_spec("syncmodel.sync") is not None:  # PBS needs sync
                assert A.stale_read_probability(m) > 0


@needs_sync
@pytest.mark.slow
def test_redis_like_async_failover_loses_writes_on_the_replicated_store_too():
    # the project's replicated store (an independent simulator): a primary crash under
    # asynchronous replication loses acknowledged writes for some seeded schedule; synchronous
    # replication (every backup holds a write before the ack) never does
    from syncmodel.sync import metrics, store

    def lost(mode, s):
        run = store.simulate_store(mode, 3, seed=s, crashes=[(0, 500.0, None)], duration_ms=800.0)
        return len(metrics.lost_write_ids(run))

    lost_async = [lost("async", s) for s in range(6)]
    lost_sync = [lost("sync", s) for s in range(6)]
    assert sum(lost_async) > 0
    assert sum(lost_sync) == 0
    assert A.lost_writes("redis", seed=1).lost > 0


@needs_sync
@pytest.mark.slow
def test_cassandra_read_repair_raises_fresh_reads():
    out = A.read_repair_effect("cassandra", runs=4, seed=0)
    assert 0.0 < out.fresh_without < out.fresh_with <= 1.0
    with pytest.raises(InvalidParameterError, match="system"):
        A.read_repair_effect("etcd")
    with pytest.raises(InvalidParameterError, match="outage_ms"):
        A.read_repair_effect("cassandra", outage_ms=(900.0, 300.0))


@pytest.mark.parametrize(("kwargs", "name"), [
    # found by fuzzing: these raised TypeError from inside
    (dict(failed_replicas="x"), "failed_replicas"),
    (dict(overrides={"etcd": 5}), "overrides"),
    (dict(overrides=5), "overrides"),
    (dict(systems=5), "systems"),
    (dict(systems="etcd"), "systems"),
])
def test_compare_bad_input_found_by_fuzzing(kwargs, name):
    with pytest.raises(InvalidParameterError, match=f"^{name} must"):
        A.compare(**{"systems": ["etcd"], "trials": 5, "writes": 50, **kwargs})


def test_lost_writes_accepts_negative_zero_lag():
    # lag_ms=-0.0 raised numpy's "scale < 0"; it is the zero lag
    for name in ("etcd", "redis"):
        assert (A.lost_writes(name, 200, lag_ms=-0.0, failed_replicas=1, seed=1)
                == A.lost_writes(name, 200, lag_ms=0.0, failed_replicas=1, seed=1))


@pytest.mark.parametrize(("call", "name"), [
    # found by fuzzing: TypeError / ValueError / AttributeError from inside
    *[(lambda v=v: A.read_repair_effect("cassandra", runs=1, outage_ms=v), "outage_ms")
      for v in (300.0, None, (), (1.0,), "ab")],
    *[(lambda v=v: ring.HashRing(v), "servers") for v in (0, 2.5, None, object())],
    *[(lambda v=v: zab.fast_leader_election(v), "servers") for v in (-1, 2.5, True, object())],
    *[(lambda v=v: zab.fast_leader_election([(1, 5, 1), (1, 6, 2), (1, 6, 3)], v), "live")
      for v in (0, 2.5, [[]], object(), [True, 2])],
    (lambda: zab.vote_greater((1, 2, 3), zab.Vote(1, 2, 2)), "new"),
    (lambda: zab.vote_greater(zab.Vote(1, 2, 3), None), "cur"),
])
def test_systems_bad_input_found_by_fuzzing(call, name):
    with pytest.raises(InvalidParameterError, match=f"^{name} must"):
        call()


@pytest.mark.parametrize("seed", [-1, 1.5, "x", True, [1]])
@pytest.mark.parametrize("call", [
    # issue 14 item 5: these accepted any seed (the exact path and the zero windows never used it)
    lambda seed: systems.availability("etcd", 0.1, seed=seed),
    lambda seed: systems.deposed_leader_window("etcd", trials=3, seed=seed),
    lambda seed: systems.deposed_leader_window("consul", trials=3, seed=seed),
    lambda seed: systems.failover_downtime("memcached", trials=3, seed=seed),
    lambda seed: systems.stale_read_probability("etcd", seed=seed),
    lambda seed: systems.compare(["etcd"], trials=2, writes=5, seed=seed),
])
def test_every_question_refuses_a_bad_seed(call, seed):
    with pytest.raises(InvalidParameterError, match="seed"):
        call(seed)


def test_one_class_per_system_answers_the_questions():
    classes = {name: type(systems.preset(name)).__name__ for name in systems.names()}
    assert classes == {"etcd": "Etcd", "zookeeper": "ZooKeeper", "consul": "Consul", "cassandra": "Cassandra",
                       "cockroachdb": "CockroachDB", "redis": "Redis", "memcached": "Memcached",
                       "hdfs": "HDFS", "glusterfs": "GlusterFS"}
    m = systems.preset("redis")
    # the methods and the module-level functions are the same answers
    assert m.lost_writes(300, seed=2) == systems.lost_writes("redis", 300, seed=2)
    assert m.availability(0.05) == systems.availability(m, 0.05)
    assert m.conflicting_versions(3, partitioned=True, seed=1) == systems.conflicting_versions(
        "redis", 3, partitioned=True, seed=1)
    with pytest.warns(DeprecationWarning, match="syncmodel.systems.lost_writes"):
        from syncmodel.systems import analysis
        assert analysis.lost_writes is systems.lost_writes


def test_answers_are_typed_results_that_record_the_call_and_its_seed():
    from syncmodel.systems.results import ConflictingVersions, LostWrites

    lw = systems.lost_writes("redis", 300, seed=4, failed_replicas=1)
    assert isinstance(lw, LostWrites) and lw.system == "redis" and lw.seed == 4
    assert dict(lw.params) == {"writes": 300, "rate_per_s": 1000.0, "lag_ms": 2.0, "failed_replicas": 1,
                               "lag_shape": "exponential", "crash_after_ms": 0.0}
    # lost_fraction is lost / acknowledged, computed here from the two counts
    assert lw.lost_fraction == (lw.lost / lw.acknowledged if lw.acknowledged else 0.0)
    row = lw.to_frame()
    assert len(row) == 1 and row.loc[0, "seed"] == 4 and row.loc[0, "writes"] == 300
    assert row.loc[0, "lost"] == lw.lost and row.loc[0, "system"] == "redis"
    cv = systems.conflicting_versions("cassandra", 3, seed=None)
    assert isinstance(cv, ConflictingVersions) and cv.seed is None
    assert cv.to_frame().loc[0, "writers"] == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        lw.lost = 0  # type: ignore[misc]


def test_answers_still_read_like_the_old_dicts_with_a_warning():
    lw = systems.lost_writes("redis", 300, seed=4)
    with pytest.warns(DeprecationWarning, match=r"\.lost"):
        assert lw["lost"] == lw.lost
    with pytest.warns(DeprecationWarning):
        assert dict(lw) == {"acknowledged": lw.acknowledged, "lost": lw.lost,
                            "lost_fraction": lw.lost_fraction, "available": lw.available}
    with pytest.raises(KeyError):
        lw["seed"]  # only the old keys
    cv = systems.conflicting_versions("cassandra", 2, seed=1)
    with pytest.warns(DeprecationWarning):
        assert cv["siblings"] == 2


def test_constant_lag_loses_the_writes_in_flight():
    # closed form, independent of the code: with every replica exactly w = lag − crash_after
    # behind, the lost writes are the last one plus a Poisson(rate·w) count of earlier ones
    rate, lag, after = 5000.0, 5.0, 1.0
    lost = [A.lost_writes("redis", 2000, rate, lag_ms=lag, lag_shape="constant", crash_after_ms=after,
                          seed=s).lost for s in range(400)]
    w = (lag - after) / 1000.0
    assert np.mean(lost) == pytest.approx(1 + rate * w, abs=5 * math.sqrt(rate * w / 400))
    assert np.var(lost) == pytest.approx(rate * w, rel=0.25)
    # the leader dies after the stream caught up: nothing in flight
    assert A.lost_writes("redis", 500, rate, lag_ms=lag, lag_shape="constant", crash_after_ms=lag,
                         seed=0).lost == 0
    # WAIT 1: only writes a replica holds are acknowledged, so none is lost
    waited = systems.preset("redis", wait_replicas=1)
    assert all(A.lost_writes(waited, 500, rate, lag_ms=lag, lag_shape="constant", seed=s).lost == 0
               for s in range(20))
    # the exponential stream's running max trails further: more are lost than with a constant lag
    expo = np.median([A.lost_writes("redis", 200, 4700.0, lag_ms=5.0, seed=s).lost for s in range(200)])
    const = np.median([A.lost_writes("redis", 200, 4700.0, lag_ms=5.0, lag_shape="constant", seed=s).lost
                       for s in range(200)])
    assert expo > 2 * const
    with pytest.raises(InvalidParameterError, match="lag_shape"):
        A.lost_writes("redis", lag_shape="uniform")
    with pytest.raises(InvalidParameterError, match="crash_after_ms"):
        A.lost_writes("redis", crash_after_ms=-1.0)
