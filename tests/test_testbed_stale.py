"""Stale reads and lost writes on the testbed: the model fitted to measured latencies (fast, no
servers), and (slow) every system's stale-read experiment with its round-trip and lag probes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from syncmodel import systems, testbed
from syncmodel.errors import InvalidParameterError
from syncmodel.testbed.report import comparison_table, stale_rows


def _draw_lags(n: int, ell: float, q: float, b: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.exponential(ell, n) + (rng.random(n) < q) * rng.exponential(b, n)


def test_fit_race_recovers_the_lag_mixture():
    # samples drawn straight from D = Exp(ℓ) + Bernoulli(q)·Exp(b): the fit finds the parameters back
    for ell, q, b in ((0.05, 0.2, 2.0), (0.1, 0.5, 0.8), (0.03, 0.05, 5.0)):
        lag = _draw_lags(6000, ell, q, b, seed=int(100 * b))
        fit = testbed.fit_race(lag, [1.0, 2.0, 3.0])
        assert fit["latency_ms"] == pytest.approx(ell, rel=0.15)
        assert fit["stall_probability"] == pytest.approx(q, abs=0.04)
        assert fit["stall_ms"] == pytest.approx(b, rel=0.15)
        assert fit["rtt_ms"] == 2.0 and fit["lags"] == 6000
    # negative lags (the follower applied before the ack reached the client) count as 0; NaN dropped
    fit = testbed.fit_race(np.r_[-0.5 * np.ones(5), _draw_lags(500, 0.05, 0.2, 2.0, 1), np.nan], [1.0])
    assert fit["lags"] == 505
    with pytest.raises(InvalidParameterError, match="lag_ms"):
        testbed.fit_race([0.1] * 5, [1.0])


def test_predicted_stale_is_the_follower_race():
    # a follower read at t: stale iff Exp(ℓ) > t + rtt: e^(−(t + rtt)/ℓ), whatever the cluster size
    for name in ("etcd", "zookeeper", "redis"):
        for n in (3, 5):
            got = testbed.predicted_stale(name, 0.5, n=n, latency_ms=0.4, rtt_ms=0.3)
            assert got == pytest.approx(math.exp(-0.8 / 0.4))
    # a stalled follower: Monte Carlo of the race itself
    rng = np.random.default_rng(7)
    m = 400_000
    d = rng.exponential(0.05, m) + (rng.random(m) < 0.3) * rng.exponential(1.5, m)
    mc = float(np.mean(d > 1.0 + 0.8))
    got = testbed.predicted_stale("etcd", 1.0, latency_ms=0.05, rtt_ms=0.8, stall_probability=0.3,
                                  stall_ms=1.5)
    assert got == pytest.approx(mc, abs=5 * math.sqrt(mc / m))


def _synthetic_stale(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for trial in range(400):
        t = [0.0, 1.0][trial % 2]
        lag = float(rng.exponential(0.05) + (rng.random() < 0.3) * rng.exponential(1.5))
        rtt = float(rng.uniform(0.5, 1.0))
        rows.append({"settings": "n=3;heartbeat_ms=100;election_timeout_ms=1000", "delay_target_ms": t,
                     "delay_ms": t + 0.01, "stale": bool(rng.random() < 0.1), "lag_ms": lag, "rtt_ms": rtt})
    return pd.DataFrame(rows)


def test_stale_rows_put_the_fitted_model_beside_the_measurement():
    df = _synthetic_stale()
    rows = stale_rows(df, "etcd")
    assert [r["settings"].rsplit(";", 1)[1] for r in rows] == ["t=0ms", "t=1ms"]
    for r, (_, g) in zip(rows, df.groupby("delay_target_ms"), strict=True):
        assert r["trials"] == len(g) == 200
        assert r["measured_median"] == g["stale"].mean()
        assert r["measured_median_lo"] < r["measured_median"] < r["measured_median_hi"]
        t = float(g["delay_ms"].median())
        pairs = [lag > t + rtt for lag in df["lag_ms"] for rtt in df["rtt_ms"]]  # brute force
        assert r["predicted_empirical"] == pytest.approx(np.mean(pairs))
        assert r["predicted_old"] == pytest.approx(math.exp(-t))
        assert 0 < r["predicted_median"] < 0.3 and "stall_probability=" in r["model_params"]
    # a file from before the probes: the old model only
    old = stale_rows(df.drop(columns=["lag_ms", "rtt_ms"]), "etcd")
    assert old[0]["predicted_median"] == pytest.approx(old[0]["predicted_old"])
    assert "predicted_empirical" not in old[0]


def test_lost_writes_report_uses_a_constant_lag_and_the_measured_kill_time(tmp_path):
    # each trial's prediction: 1 + rate·(lag − kill_after) writes in flight (closed form, long stream)
    rows = [{"system": "redis", "version": "7", "settings": "n=3", "wait_replicas": 0, "lag_ms": 5.0,
             "writes": 20000, "rate_per_s": 4000.0, "kill_after_ms": 1.0, "lost": 17, "trial": i}
            for i in range(9)]
    testbed.write_measured(pd.DataFrame(rows), "redis", "lost_writes", directory=tmp_path)
    head = (tmp_path / "redis_lost_writes.csv").read_text().splitlines()
    assert any(line.startswith("# load average") for line in head)
    table = comparison_table(tmp_path, seed=0)
    row = table[table["experiment"] == "lost_writes"].iloc[0]
    assert row["predicted_median"] == pytest.approx(1 + 4000.0 * 0.004, abs=6)
    assert row["measured_median"] == 17


def test_stale_reads_refuses_bad_input_before_starting_anything():
    with pytest.raises(InvalidParameterError, match="name"):
        testbed.stale_reads("memcached", 10)
    with pytest.raises(InvalidParameterError, match="delays_ms"):
        testbed.stale_reads("etcd", 10, delays_ms=())
    with pytest.raises(InvalidParameterError, match="budget_s"):
        testbed.stale_reads("etcd", 10, budget_s=-1.0)
    with pytest.raises(InvalidParameterError, match="budget_s"):
        testbed.lost_writes(1, budget_s=float("nan"))
    assert not testbed.live()


def test_systems_redis_model_matches_the_testbed_formula():
    # the report's Redis prediction is systems.lost_writes with the constant lag, nothing else
    m = systems.preset("redis")
    out = m.lost_writes(20000, 4000.0, lag_ms=5.0, lag_shape="constant", crash_after_ms=1.0, seed=3)
    assert abs(out.lost - 17) < 5 * math.sqrt(16)


# ------------------------------------------------------------------ the real systems (slow)
def _needs(system: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not testbed.installed(system), reason=f"{system} not installed")


@pytest.mark.slow
@pytest.mark.parametrize("name,settings", [
    pytest.param("zookeeper", {"tick_ms": 200, "sync_limit": 5}, marks=_needs("zookeeper")),
    pytest.param("redis", {"down_after_ms": 5000, "failover_timeout_ms": 10000}, marks=_needs("redis")),
    pytest.param("etcd", {"heartbeat_ms": 100, "election_timeout_ms": 1000}, marks=_needs("etcd")),
])
def test_stale_reads_probe_the_round_trip_and_the_follower_lag(name, settings):
    df = testbed.stale_reads(name, 24, seed=1, delays_ms=(0.0, 0.5, 3.0), **settings)
    assert len(df) == 24 and (df.groupby("delay_target_ms").size() == 8).all()  # balanced blocks
    assert (df["delay_ms"] >= df["delay_target_ms"]).all()
    assert (df["rtt_ms"] > 0).all() and df["rtt_ms"].median() < 50
    assert df["lag_ms"].notna().mean() >= 0.9 and df["lag_ms"].abs().median() < 50
    h = df.attrs["history"]
    assert set(h["f"]) == {"read", "write"} and len(h) >= 4 * 24  # probe read, probe write, write, read
    fit = testbed.fit_race(df["lag_ms"], df["rtt_ms"])
    assert 0 <= testbed.predicted_stale(name, 0.0, **{k: v for k, v in fit.items() if k != "lags"},
                                        **settings) <= 1
    assert not testbed.live()


@pytest.mark.parametrize("bad", ["ab", {1: 2}, [10**400] * 12])
def test_fit_race_refuses_non_numbers(bad: object) -> None:
    """Found by tests/test_fuzz.py: these raised ValueError, TypeError, OverflowError."""
    with pytest.raises(InvalidParameterError, match="lag_ms"):
        testbed.fit_race(bad, [1.0])
    with pytest.raises(InvalidParameterError, match="rtt_ms"):
        testbed.fit_race([0.1] * 12, bad)
