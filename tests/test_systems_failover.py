"""Failover downtime after a leader crash, and Consul's deposed-leader stale window (needs election)."""

from __future__ import annotations

import numpy as np
import pytest

from syncmodel import systems
from syncmodel import systems as A
from syncmodel.errors import InvalidParameterError

# ------------------------------------------------------------------ failover downtime


def test_etcd_downtime_is_the_tick_model_with_the_lease():
    # the closed-form checks of the tick model itself are in tests/test_failover_timers.py
    from syncmodel.systems.consensus import Etcd
    from syncmodel.systems.raft_ticks import etcd_failover

    m = systems.preset("etcd")
    d = A.failover_downtime(m, trials=300, seed=3)
    assert d.shape == (300,) and not np.isnan(d).any()
    assert np.array_equal(d, etcd_failover(3, 100.0, 1000.0, trials=300, check_quorum=True,
                                           hop_ms=Etcd.HOP_MS, seed=3))
    # no follower times out before (E − 1) of its ticks after the last heartbeat (E = 10)
    assert d.min() >= 8 * 100.0 - 1e-9
    # a 1- or 2-member cluster cannot elect a leader without the dead one
    assert np.isnan(A.failover_downtime(systems.preset("etcd", nodes=1, replicas=1), trials=3, seed=1)).all()


def test_consul_default_failover_is_about_five_times_slower():
    fast = A.failover_downtime(systems.preset("consul", raft_multiplier=1), trials=150, seed=1)
    slow = A.failover_downtime("consul", trials=150, seed=1)
    assert slow.min() >= 5000 - 1250 - 1e-9
    assert 3.5 < np.median(slow) / np.median(fast) < 6.5


def test_zookeeper_downtime_is_sync_limit_ticks_plus_finalize_wait():
    m = systems.preset("zookeeper")
    d = A.failover_downtime(m, trials=200, seed=2)
    s = 5 * 2000.0
    assert d.min() >= s - 1000.0 - 1e-9  # the last ping somewhere in a tick/2 interval
    # then finalizeWait (200 ms), at times an empty notification round and connect retries
    assert np.median(d) <= s + 200.0 + 200.0 + 300.0


def test_redis_downtime_starts_at_down_after_milliseconds():
    d = A.failover_downtime("redis", trials=100, seed=4)
    assert d.min() >= 30000.0
    # a PING period (1 s) to notice, a few timer ticks (≤ 100 ms each) and the 1 s INFO period
    assert d.max() <= 30000.0 + 1000.0 + 1000.0 + 10 * 100.0


def test_cockroachdb_waits_for_the_lease():
    d = A.failover_downtime("cockroachdb", trials=100, seed=5)
    assert d.min() >= 4500.0
    assert d.max() <= 9000.0 + 3000.0


def test_leaderless_and_glusterfs_downtime():
    assert (A.failover_downtime("cassandra", trials=10) == 0).all()
    assert (A.failover_downtime("hdfs", trials=10) == 0).all()
    assert (A.failover_downtime("glusterfs", trials=10) == 42000.0).all()


def test_downtime_is_reproducible():
    a = A.failover_downtime("etcd", trials=20, seed=9)
    b = A.failover_downtime("etcd", trials=20, seed=9)
    assert np.array_equal(a, b)


def test_consul_read_modes_differ_as_documented():
    # default: leader-lease reads, stale only in a deposed leader's window — hard to trigger
    assert (A.deposed_leader_window("consul", trials=100, seed=1) == 0).all()
    wide = systems.preset("consul", leader_lease_ms=1000.0)  # lease = HeartbeatTimeout
    w = A.deposed_leader_window(wide, trials=200, seed=1)
    assert (w > 0).any() and (w >= 0).all()
    # step-down ≤ 2L = 10 s after the last contact, a new leader no sooner than HT = 5 s
    assert w.max() <= 2 * 5000.0 - 5000.0 + 1e-9
    # consistent: confirms leadership with a quorum (no window); stale: any server, lags ≤ 50 ms
    consistent = systems.preset("consul", read_path="consistent", leader_lease_ms=1000.0)
    assert (A.deposed_leader_window(consistent, trials=50, seed=1) == 0).all()
    assert A.stale_read_probability(consistent) == 0.0
    assert A.stale_read_probability(systems.preset("consul", read_path="stale")) == pytest.approx(2 / 3)
    assert (A.deposed_leader_window("etcd", trials=10) == 0).all()


def test_zookeeper_tells_a_crash_from_a_silent_leader():
    # a crashed leader's kernel closes the followers' connections: no syncLimit·tickTime wait
    crash = A.failover_downtime("zookeeper", trials=50, seed=2, fault="crash")
    silent = A.failover_downtime("zookeeper", trials=50, seed=2)
    assert (crash >= 200.0).all() and np.median(crash) <= 200.0 + 200.0 + 300.0
    assert silent.min() >= 5 * 2000.0 - 1000.0 - 1e-9
    assert (A.failover_downtime("zookeeper", trials=50, seed=2, fault="pause") == silent).all()
    with pytest.raises(InvalidParameterError, match="fault"):
        A.failover_downtime("zookeeper", trials=5, fault="unplug")


def test_raft_times_out_on_every_fault_sentinel_reconnects_after_a_crash():
    base = A.failover_downtime("etcd", trials=30, seed=3)
    for fault in ("crash", "pause"):
        assert (A.failover_downtime("etcd", trials=30, seed=3, fault=fault) == base).all()
    # Sentinel: a broken link is retried (and PINGed) at the next tick, a silent master only
    # at the next periodic PING; "silent" is "pause"
    m = systems.preset("redis", down_after_ms=500.0)
    silent = A.failover_downtime(m, trials=200, seed=3)
    assert (A.failover_downtime(m, trials=200, seed=3, fault="pause") == silent).all()
    crash = A.failover_downtime(m, trials=200, seed=3, fault="crash")
    assert np.median(crash) < np.median(silent)
