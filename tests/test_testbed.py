"""The testbed: comparison statistics against scipy, bad input, histories, reaping; (slow) the real systems.

The integration tests start etcd, ZooKeeper, Redis + Sentinel and Memcached on loopback and
run one or two short trials each; they are skipped, saying which Debian package is missing,
when a server is not installed (``make test`` installs them through scripts/ensure_servers.sh).
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from syncmodel import testbed
from syncmodel.errors import InvalidParameterError
from syncmodel.testbed._proc import ServerProcess, ServerStartError, wait_until

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"etcd": "etcd-server", "zookeeper": "zookeeper and default-jre-headless",
            "redis": "redis-server and redis-sentinel", "memcached": "memcached"}


def needs(system: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not testbed.installed(system),
                              reason=f"{system} not installed: Debian package {PACKAGES[system]} "
                                     "(scripts/ensure_servers.sh installs it as root)")


# ------------------------------------------------------------------ compare against scipy
@pytest.mark.parametrize("seed", range(6))
def test_ks_statistic_matches_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.exponential(1.0, size=int(rng.integers(1, 80)))
    b = rng.normal(1.0, 1.0, size=int(rng.integers(1, 80)))
    if seed % 2:  # ties inside and across samples
        a, b = np.round(a, 1), np.round(b, 1)
    assert testbed.ks_statistic(a, b) == pytest.approx(stats.ks_2samp(a, b).statistic, abs=1e-12)


def test_ks_worked_cases() -> None:
    assert testbed.ks_statistic([1, 2], [3, 4]) == 1.0
    assert testbed.ks_statistic([1, 2, 3], [1, 2, 3]) == 0.0


def test_compare_quantiles_ks_and_bootstrap_against_scipy_and_numpy() -> None:
    rng = np.random.default_rng(3)
    measured = pd.DataFrame({"failover_ms": np.r_[rng.lognormal(7, 0.3, 150), [np.nan, np.nan]]})
    model = rng.lognormal(7.05, 0.3, 2000)
    row = testbed.compare(measured, model, seed=1).iloc[0]
    m = measured["failover_ms"].dropna().to_numpy()
    assert row["trials"] == 150 and row["missing"] == 2 and row["model_n"] == 2000
    for q in (0.1, 0.5, 0.9, 0.99):
        assert row[f"measured_q{q:g}"] == pytest.approx(np.quantile(m, q))
        assert row[f"model_q{q:g}"] == pytest.approx(np.quantile(model, q))
    ks = stats.ks_2samp(m, model)
    assert row["ks"] == pytest.approx(ks.statistic) and row["ks_pvalue"] == pytest.approx(ks.pvalue)
    assert row["measured_median"] == pytest.approx(np.median(m))
    ref = stats.bootstrap((m,), np.median, confidence_level=0.95, n_resamples=4000, method="percentile",
                          random_state=np.random.default_rng(9)).confidence_interval
    width = ref.high - ref.low
    assert row["measured_median_lo"] == pytest.approx(ref.low, abs=0.25 * width)
    assert row["measured_median_hi"] == pytest.approx(ref.high, abs=0.25 * width)
    assert row["measured_median_lo"] <= row["measured_median"] <= row["measured_median_hi"]
    again = testbed.compare(measured, model, seed=1)
    pd.testing.assert_frame_equal(again, testbed.compare(measured, model, seed=1))


def test_compare_self_and_bad_input() -> None:
    x = np.arange(1.0, 51.0)
    row = testbed.compare(x, x, column=None).iloc[0]
    assert row["ks"] == 0.0 and row["median_ratio"] == 1.0
    assert testbed.bootstrap_median([5.0, 5.0, 5.0]) == (5.0, 5.0, 5.0)
    with pytest.raises(InvalidParameterError, match="column"):
        testbed.compare(pd.DataFrame({"x": [1.0]}), x)
    with pytest.raises(InvalidParameterError, match="measured"):
        testbed.compare([np.nan], x, column=None)
    with pytest.raises(InvalidParameterError, match="quantiles"):
        testbed.compare(x, x, column=None, quantiles=(1.5,))


# ------------------------------------------------------------------ bad input and set-up failures
def test_unknown_system_and_setting_list_what_is_known() -> None:
    with pytest.raises(InvalidParameterError, match=r"etcd.*memcached.*redis.*zookeeper"):
        testbed.cluster("mongodb")
    with pytest.raises(InvalidParameterError, match="election_timeout_ms"):
        testbed.cluster("etcd", heartbeat=50)
    with pytest.raises(InvalidParameterError, match="n must be one of"):
        testbed.cluster("etcd", n=4)
    with pytest.raises(InvalidParameterError, match="tick_ms"):
        testbed.cluster("zookeeper", tick_ms=-1)
    with pytest.raises(InvalidParameterError, match="fault"):
        testbed.failover("etcd", 1, fault="unplug")
    with pytest.raises(InvalidParameterError, match="failover"):
        testbed.failover("memcached", 1)


def test_missing_binary_names_the_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(testbed.ServerNotInstalledError, match=r"etcd-server.*make validate"), \
            testbed.cluster("etcd"):
        pass  # pragma: no cover
    with pytest.raises(testbed.ServerNotInstalledError, match="memcached"), testbed.cluster("memcached", 2):
        pass  # pragma: no cover


def test_a_server_dying_in_setup_reports_its_log(tmp_path: Path) -> None:
    p = ServerProcess("doomed", ["sh", "-c", "echo port already taken >&2; exit 3"], tmp_path / "log").start()
    with pytest.raises(ServerStartError, match=r"(?s)exited with code 3.*port already taken"):
        wait_until(lambda: False, [p], 10.0, "starting")
    assert not p.alive


def test_history_table_format_and_events() -> None:
    h = testbed.History()
    w = h.invoke(0, "write", "x", 1)
    r = h.invoke(1, "read", "x")
    h.complete(w, "ok")
    h.complete(r, "ok", 1)
    df = h.to_frame()
    assert list(df.columns) == list(testbed.HISTORY_COLUMNS)
    assert list(df["type"]) == ["ok", "ok"] and df["value"].tolist() == ["1", "1"]
    assert (df["complete_ms"] >= df["invoke_ms"]).all()
    ev = h.events()
    assert ev["type"].tolist()[:2] == ["invoke", "invoke"] and set(ev["type"]) == {"invoke", "ok"}
    with pytest.raises(ValueError, match="type"):
        h.complete(w, "maybe")


# ------------------------------------------------------------------ no orphans
def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("Z", "X")  # a zombie no longer runs (in a container, PID 1 may not reap it)


@needs("memcached")
@pytest.mark.slow
@pytest.mark.parametrize("how", ["sigkill", "sigterm", "sigint"])
def test_an_interrupted_run_leaves_no_orphan(how: str) -> None:
    code = textwrap.dedent("""
        import sys, time
        from syncmodel import testbed
        with testbed.cluster("memcached", 2) as c:
            print(" ".join(map(str, c.pids())), flush=True)
            time.sleep(60)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert child.stdout is not None
        pids = [int(x) for x in child.stdout.readline().split()]
        assert len(pids) == 2 and not any(_gone(p) for p in pids)
        sig = {"sigkill": signal.SIGKILL, "sigterm": signal.SIGTERM, "sigint": signal.SIGINT}[how]
        child.send_signal(sig)
        child.wait(timeout=15)
        deadline = time.monotonic() + 10
        while not all(_gone(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = [p for p in pids if not _gone(p)]
        assert not left, f"orphans after {how}: {left}"
    finally:
        child.kill()
        child.wait()
        for p in pids if "pids" in locals() else []:  # never leave this test's own servers behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGKILL)


# ------------------------------------------------------------------ the real systems (slow)
@needs("etcd")
@pytest.mark.slow
def test_etcd_leader_killed_and_new_one_measured() -> None:
    df = testbed.failover("etcd", 2, fault="crash", seed=1, heartbeat_ms=50, election_timeout_ms=500)
    assert len(df) == 2 and not df["timed_out"].any()
    assert (df["new_leader"] != df["old_leader"]).all()
    # a new leader needs at least one election timeout minus the heartbeat the follower last heard
    assert (df["failover_ms"] > 500 - 50 - 10).all() and (df["failover_ms"] < 10_000).all()
    cols = {"system", "version", "settings", "fault", "trial", "seed", "fault_unix_ms", "leader_unix_ms"}
    assert cols <= set(df)
    span = (df["leader_unix_ms"] - df["fault_unix_ms"]).to_numpy()
    assert span == pytest.approx(df["failover_ms"].to_numpy())
    assert not testbed.live()


@needs("etcd")
@pytest.mark.slow
def test_etcd_pause_and_stale_reads_with_history() -> None:
    df = testbed.failover("etcd", 1, fault="pause", seed=2, heartbeat_ms=50, election_timeout_ms=500)
    assert math.isfinite(df["failover_ms"].iloc[0]) and df["fault"].iloc[0] == "pause"
    st = testbed.stale_reads("etcd", 20, seed=0, delays_ms=(0.0, 5.0))
    assert len(st) == 20 and st["stale"].dtype == bool
    h = st.attrs["history"]
    assert list(h.columns) == list(testbed.HISTORY_COLUMNS) and set(h["f"]) == {"read", "write"}


@needs("zookeeper")
@pytest.mark.slow
def test_zookeeper_leader_killed_and_new_one_measured() -> None:
    df = testbed.failover("zookeeper", 1, fault="crash", seed=1, tick_ms=200, sync_limit=5)
    assert not df["timed_out"].any() and (df["new_leader"] != df["old_leader"]).all()
    assert 0 < df["failover_ms"].iloc[0] < 20_000
    assert not testbed.live()


@needs("redis")
@pytest.mark.slow
def test_redis_sentinel_failover_measured() -> None:
    df = testbed.failover("redis", 1, fault="crash", seed=1, down_after_ms=500, failover_timeout_ms=1000)
    assert not df["timed_out"].any() and (df["new_leader"] != df["old_leader"]).all()
    assert df["failover_ms"].iloc[0] >= 500  # Sentinel waits down-after-milliseconds first


@needs("redis")
@pytest.mark.slow
def test_redis_lost_write_detected_when_forced_and_wait_prevents_it() -> None:
    lossy = testbed.lost_writes(1, seed=0, lag_ms=50.0, writes=100)
    assert lossy["lost"].iloc[0] > 0, "a 50 ms replication lag must lose the last acknowledged writes"
    h = lossy.attrs["history"]
    acked = set(h[(h["f"] == "write") & (h["type"] == "ok")]["key"])
    missing = set(h[(h["f"] == "read") & h["value"].isna()]["key"])
    assert missing and missing <= acked and len(missing) == lossy["lost"].iloc[0]
    safe = testbed.lost_writes(1, seed=0, lag_ms=5.0, writes=20, wait_replicas=1)
    assert safe["lost"].iloc[0] == 0 and safe["acknowledged"].iloc[0] > 0
    assert not testbed.live()


@needs("memcached")
@pytest.mark.slow
def test_memcached_killed_server_keys_missing() -> None:
    df = testbed.memcached_loss(2, seed=3, n=4, keys=800)
    assert (df["stored"] == 800).all()
    # exactly the keys the ring placed on the dead server are gone, and about its arc share
    assert (df["lost_fraction"] == df["owned_fraction"]).all() and (df["lost_fraction"] > 0).all()
    assert (abs(df["lost_fraction"] - df["arc_share"]) < 0.06).all()
    assert (df["one_over_n"] == 0.25).all()


@needs("memcached")
@pytest.mark.slow
def test_faults_pause_resume_restart_on_a_real_server() -> None:
    with testbed.cluster("memcached", 2) as c:
        pid = c.pids()[0]
        c.pause(0)
        assert not c.healthy()
        c.resume(0)
        c.wait_healthy(10)
        c.restart(0)
        c.wait_healthy(10)
        assert c.pids()[0] != pid
        c.crash(1)
        assert len(c.pids()) == 1
    assert not testbed.live()


def test_compare_helpers_refuse_bad_input() -> None:
    """Found by tests/test_fuzz.py: each raised IndexError, AxisError, TypeError, ValueError or
    OverflowError, or (NaN) returned NaN silently; now each names its parameter."""
    from syncmodel.errors import InvalidParameterError as IPE

    for bad in (np.array(3), "ab", {1: 2}, [10**400, 1], [1.0, math.nan], []):
        with pytest.raises(IPE, match="x must"):
            testbed.bootstrap_median(bad)
        with pytest.raises(IPE, match="a must"):
            testbed.ks_statistic(bad, [1.0])
        with pytest.raises(IPE, match="b must"):
            testbed.ks_statistic([1.0], bad)
    for level in ("0.95", np.array([0.95, 0.95]), 1.0, 0.0, math.nan):
        with pytest.raises(IPE, match="level"):
            testbed.bootstrap_median([1.0, 2.0], level=level)
        with pytest.raises(IPE, match="level"):
            testbed.compare([1.0], [2.0], column=None, level=level)
    for q in (np.array(3), "ab", [10**400], [math.nan], []):
        with pytest.raises(IPE, match="quantiles"):
            testbed.compare([1.0], [2.0], column=None, quantiles=q)
    with pytest.raises(IPE, match="measured"):
        testbed.compare([10**400], [2.0], column=None)
    with pytest.raises(IPE, match="column"):
        testbed.compare(pd.DataFrame({"failover_ms": [1.0]}), [2.0], column=np.array(["failover_ms"] * 2))
