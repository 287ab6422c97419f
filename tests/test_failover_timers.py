"""The timer-level failover models (etcd ticks + CheckQuorum lease, Sentinel's timer steps,
ZooKeeper's stages) against closed forms computed here, independently of the simulators."""

from __future__ import annotations

import math

import numpy as np
import pytest

from syncmodel import systems
from syncmodel.errors import InvalidParameterError
from syncmodel.systems.raft_ticks import etcd_failover
from syncmodel.systems.sentinel_timers import sentinel_failover, tick_periods_ms
from syncmodel.systems.zab_failover import CONNECT_RETRY_MS, FINALIZE_WAIT_MS, ZabRaces, zab_failover

# ------------------------------------------------------------------ etcd


def _min_timer_cdf(x: np.ndarray, h: float, e: int) -> np.ndarray:
    """P(min(W1, W2) − V·h ≤ x), W ~ U((E−1)h, (2E−1)h) i.i.d., V ~ U(0, 1): the first of two
    followers' timers (tick phase + r − 1 ticks, r uniform on {E..2E−1}) after the last
    heartbeat at −V·h.  Integrated over V on a fine grid."""
    a, width = (e - 1) * h, e * h
    v = (np.arange(800) + 0.5) / 800  # midpoint rule: error far below the KS tolerance
    w = x[:, None] + v[None, :] * h
    g = 1.0 - (1.0 - np.clip((w - a) / width, 0.0, 1.0)) ** 2
    return np.asarray(g.mean(axis=1))


@pytest.mark.parametrize(("h", "t"), [(50.0, 500.0), (100.0, 1000.0)])
def test_etcd_without_lease_is_the_first_of_two_tick_timers(h: float, t: float) -> None:
    e = int(t // h)
    x = np.sort(etcd_failover(3, h, t, trials=3000, check_quorum=False, hop_ms=0.0, seed=11))
    # closed-form mean: (E − 1)h + E·h/3 − h/2 (worked case of the docstring: 591.7 ms)
    mean = (e - 1) * h + e * h / 3 - h / 2
    se = x.std() / math.sqrt(x.size)
    assert abs(x.mean() - mean) < 4 * se
    # the whole distribution: KS distance to the closed-form CDF below the 1 % critical value
    ecdf = np.arange(1, x.size + 1) / x.size
    d = np.max(np.maximum(np.abs(ecdf - _min_timer_cdf(x, h, e)),
                          np.abs(ecdf - 1 / x.size - _min_timer_cdf(x, h, e))))
    assert d < 1.63 / math.sqrt(x.size)


def test_etcd_docstring_worked_case() -> None:
    x = etcd_failover(3, 50.0, 500.0, trials=4000, check_quorum=False, hop_ms=0.0, seed=2)
    assert x.mean() == pytest.approx((9 + 10 / 3 - 0.5) * 50, abs=4 * x.std() / math.sqrt(x.size))


@pytest.mark.parametrize("e", [5, 10])
def test_lease_ignores_the_first_candidate_with_probability_one_over_e(e: int) -> None:
    # n = 3: the first candidate is ignored iff it drew r = E and its tick phase is the earlier
    # one: 2 · (1/E) · (1/2) = 1/E
    trials = 4000
    d = etcd_failover(3, 50.0, 50.0 * e, trials=trials, hop_ms=0.0, seed=5, detail=True)
    share = float(np.mean(d[:, 2] > 0))
    p = 1 / e
    assert abs(share - p) < 4 * math.sqrt(p * (1 - p) / trials)
    # an ignored first candidate needs another randomized timeout: at least E more ticks
    ignored, clean = d[d[:, 2] > 0, 0], d[d[:, 2] == 0, 0]
    assert ignored.min() >= (2 * e - 2) * 50.0 - 1e-9
    assert clean.max() <= (2 * e - 1) * 50.0 + 1e-9
    # without the lease nothing is ignored and no trial takes a second round
    off = etcd_failover(3, 50.0, 50.0 * e, trials=500, check_quorum=False, hop_ms=0.0, seed=5, detail=True)
    assert (off[:, 2] == 0).all() and (off[:, 1] == 1).all()


def test_etcd_five_members_and_bad_input() -> None:
    x = etcd_failover(5, 50.0, 500.0, trials=300, seed=1)
    assert np.isfinite(x).all() and x.min() >= 8 * 50.0 - 1e-9
    for kw in ({"n": 2}, {"heartbeat_ms": 0.0}, {"election_timeout_ms": float("nan")}, {"hop_ms": -1.0},
               {"trials": 0}, {"election_timeout_ms": 10.0}):
        with pytest.raises(InvalidParameterError):
            etcd_failover(**{"n": 3, "heartbeat_ms": 50.0, "election_timeout_ms": 500.0, **kw})  # type: ignore[arg-type]
    a = etcd_failover(3, 50.0, 500.0, trials=20, seed=4)
    assert np.array_equal(a, etcd_failover(3, 50.0, 500.0, trials=20, seed=4))


# ------------------------------------------------------------------ Sentinel


def test_tick_periods_closed_form() -> None:
    p = tick_periods_ms()
    assert p.size == 10 and p.max() == 100.0
    # hz = 10 + rand() % 10: mean of 1000/hz over hz = 10..19 = 100 · (1/10 + … + 1/19) / 1
    assert p.mean() == pytest.approx(100.0 * sum(1.0 / h for h in range(10, 20)), rel=1e-12)
    assert round(float(p.mean()), 1) == 71.9


def test_sentinel_steps_one_tick_apart() -> None:
    # +elected-leader comes one whole timer period after +odown (plus the configuration write of
    # the +try-failover tick, which delays the next tick), +selected-slave one period more: each
    # difference is one of the ten periods 1000/hz, each with probability 1/10
    flush = 7.0
    st = sentinel_failover(500.0, fault="crash", trials=2000, seed=3, stages=True, flush_ms=flush)
    periods = tick_periods_ms()
    for a, b, extra in ((1, 2, flush), (2, 3, 0.0)):
        diff = st[:, b] - st[:, a] - extra
        idx = np.argmin(np.abs(diff[:, None] - periods[None, :]), axis=1)
        assert np.allclose(diff, periods[idx], atol=1e-6)
        counts = np.bincount(idx, minlength=10)
        chi2 = float(((counts - diff.size / 10) ** 2 / (diff.size / 10)).sum())
        assert chi2 < 27.9  # 9 degrees of freedom, 0.1 %


def test_sentinel_crash_sdown_is_down_after_plus_two_tick_residuals() -> None:
    # one Sentinel: the reconnect PING at the first tick after the crash, +sdown at the first
    # tick after act + D: D + two forward-recurrence times of the tick renewal process, each
    # of mean E[P²] / (2 E[P])
    d = 5000.0
    st = sentinel_failover(d, sentinels=1, quorum=1, fault="crash", trials=3000, seed=7, stages=True)
    p = tick_periods_ms()
    expected = d + 2 * float(np.mean(p**2) / (2 * np.mean(p)))
    x = st[:, 0]
    assert abs(x.mean() - expected) < 4 * x.std() / math.sqrt(x.size)
    assert x.min() > d and x.max() < d + 2 * p.max()


def test_sentinel_info_period_dominates_and_pause_is_slower() -> None:
    crash = sentinel_failover(500.0, fault="crash", trials=600, seed=1, stages=True, flush_ms=0.0)
    pause = sentinel_failover(500.0, fault="pause", trials=600, seed=1, flush_ms=0.0)
    # the promotion is seen by an INFO of the 1 s period that started at +odown, unless the
    # last 10 s INFO came less than 1 s before +odown and the next one falls after the
    # SLAVEOF (three ticks after +odown): probability ≈ (1000 − 3·E[P]) / 10000
    gap = crash[:, 4] - crash[:, 1]
    p_early = (1000.0 - 3 * float(tick_periods_ms().mean())) / 10_000.0
    early = float(np.mean(gap < 1000.0))
    assert abs(early - p_early) < 4 * math.sqrt(p_early * (1 - p_early) / gap.size)
    assert gap.max() < 1000.0 + 4 * tick_periods_ms().max()
    # a paused master is caught by the next periodic PING (every min(D, 1 s)), not at once
    assert 0 < np.median(pause) - np.median(crash[:, -1]) < 500.0 + 100.0


def test_sentinel_bad_input_and_system_entry() -> None:
    for kw in ({"down_after_ms": 0.0}, {"sentinels": 0}, {"quorum": 4}, {"fault": "unplug"}, {"trials": 0},
               {"flush_ms": -1.0}, {"flush_ms": float("nan")}):
        with pytest.raises(InvalidParameterError):
            sentinel_failover(**{"down_after_ms": 500.0, **kw})  # type: ignore[arg-type]
    m = systems.preset("redis", down_after_ms=500.0)
    a = systems.failover_downtime(m, trials=50, seed=2, fault="crash")
    assert np.array_equal(a, sentinel_failover(500.0, fault="crash", trials=50, seed=2))
    silent = systems.failover_downtime(m, trials=50, seed=2)
    assert np.array_equal(silent, systems.failover_downtime(m, trials=50, seed=2, fault="pause"))


# ------------------------------------------------------------------ ZooKeeper stages

_NO_RACE = ZabRaces(notice_ms=13.0, p_lost_round=0.0, retries=(1.0,), sync_ms=1e-9)


def test_zab_crash_without_races_is_notice_plus_finalize_wait() -> None:
    x = zab_failover(200.0, 5, fault="crash", races=_NO_RACE, trials=50, seed=1)
    assert np.allclose(x, 13.0 + FINALIZE_WAIT_MS, atol=1e-6)


def test_zab_pause_detection_is_sync_limit_ticks_minus_the_ping_phase() -> None:
    # L = S − U(0, tick/2) + notice: uniform on [S − tick/2, S] + notice
    tick, limit = 200.0, 5
    x = np.sort(zab_failover(tick, limit, fault="pause", races=_NO_RACE, trials=3000, seed=2))
    look = x - 13.0 - FINALIZE_WAIT_MS
    lo, hi = limit * tick - tick / 2, limit * tick
    assert look.min() >= lo - 1e-9 and look.max() <= hi + 1e-9
    ecdf = np.arange(1, look.size + 1) / look.size
    assert np.max(np.abs(ecdf - (look - lo) / (hi - lo))) < 1.63 / math.sqrt(look.size)
    silent = zab_failover(tick, limit, fault="silent", races=_NO_RACE, trials=3000, seed=2)
    assert np.array_equal(np.sort(silent), x)


def test_zab_races_mix_in_their_source_durations() -> None:
    races = ZabRaces(notice_ms=10.0, p_lost_round=0.3, retries=(0.5, 0.3, 0.2), sync_ms=1e-9)
    trials = 4000
    st = zab_failover(200.0, 5, fault="crash", races=races, trials=trials, seed=3, stages=True)
    fle = st[:, 1] - st[:, 0]
    # FLE is finalizeWait, or one empty notification timeout (= finalizeWait) more
    assert np.isin(np.round(fle, 6), [FINALIZE_WAIT_MS, 2 * FINALIZE_WAIT_MS]).all()
    p = float(np.mean(fle > FINALIZE_WAIT_MS + 1))
    assert abs(p - 0.3) < 4 * math.sqrt(0.3 * 0.7 / trials)
    k = np.round((st[:, 2] - st[:, 1]) / CONNECT_RETRY_MS).astype(int)
    counts = np.bincount(k, minlength=3)
    expected = trials * np.array([0.5, 0.3, 0.2])
    assert float(((counts - expected) ** 2 / expected).sum()) < 13.8  # 2 d.o.f., 0.1 %
    # the whole downtime: mean = notice + fw·(1 + p) + retry·E[K] + sync median / ln 2
    full = ZabRaces(notice_ms=10.0, p_lost_round=0.3, retries=(0.5, 0.3, 0.2), sync_ms=40.0)
    x = zab_failover(200.0, 5, fault="crash", races=full, trials=trials, seed=4)
    mean = 10.0 + 200.0 * 1.3 + 100.0 * (0.3 + 2 * 0.2) + 40.0 / math.log(2)
    assert abs(x.mean() - mean) < 4 * x.std() / math.sqrt(trials)


def test_zab_bad_input() -> None:
    for kw in ({"tick_ms": -1.0}, {"sync_limit": 0}, {"fault": "unplug"}, {"trials": 0},
               {"races": "fast"},
               {"races": ZabRaces(notice_ms=1.0, p_lost_round=1.5, retries=(1.0,), sync_ms=1.0)},
               {"races": ZabRaces(notice_ms=1.0, p_lost_round=0.1, retries=(0.5, 0.2), sync_ms=1.0)},
               {"retry_ms": float("inf")}):
        with pytest.raises(InvalidParameterError):
            zab_failover(**kw)  # type: ignore[arg-type]


# -- bad input found by tests/test_fuzz.py: each names its parameter ---------------------------------
@pytest.mark.parametrize(("kwargs", "name"), [
    ({"heartbeat_ms": 5e-324}, "heartbeat_ms"),  # the tick count was inf: OverflowError
    ({"heartbeat_ms": 1e-300}, "heartbeat_ms"),  # a tick count past int64: ValueError
    ({"election_timeout_ms": 1e308}, "election_timeout_ms"),  # past etcd's 50 s limit
    ({"election_timeout_ms": 10**400}, "election_timeout_ms"),  # np.isfinite refused the int
    ({"hop_ms": 10**400}, "hop_ms"),
    ({"check_quorum": np.array([True, False])}, "check_quorum"),
    ({"detail": np.array([True, False])}, "detail"),
])
def test_etcd_failover_refuses_bad_input(kwargs: dict, name: str) -> None:
    with pytest.raises(InvalidParameterError, match=name):
        etcd_failover(trials=2, seed=0, **kwargs)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"tick_ms": -0.0}, "tick_ms"),  # passed `v >= 0`, then rng.uniform(0, -0.0) raised
    ({"tick_ms": 0.0}, "tick_ms"),
    ({"tick_ms": 10**400}, "tick_ms"),
    ({"retry_ms": 10**400}, "retry_ms"),
    ({"fault": np.array(["silent", "silent"])}, "fault"),
    ({"stages": np.array([True, False])}, "stages"),
])
def test_zab_failover_refuses_bad_input(kwargs: dict, name: str) -> None:
    with pytest.raises(InvalidParameterError, match=name):
        zab_failover(trials=2, seed=0, **kwargs)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"down_after_ms": 1e308}, "down_after_ms"),  # tick arrays past numpy's size: ValueError
    ({"down_after_ms": 2**63}, "down_after_ms"),  # MemoryError
    ({"flush_ms": 1e308}, "flush_ms"),  # RuntimeError "sentinel tick horizon exceeded"
    ({"fault": np.array(["crash", "crash"])}, "fault"),
    ({"stages": np.array([True, False])}, "stages"),
])
def test_sentinel_failover_refuses_bad_input(kwargs: dict, name: str) -> None:
    with pytest.raises(InvalidParameterError, match=name):
        sentinel_failover(trials=2, seed=0, **kwargs)
