"""Testbed pieces that need no server: the concurrent task runner of ``make validate``, the
servers' log parsers (etcd raft events, Sentinel's majority switch, ZooKeeper's race counts),
the load in the provenance header, and which failover column the comparison uses."""

from __future__ import annotations

import json
import math
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from syncmodel.testbed.data import read_measured, write_measured
from syncmodel.testbed.etcd import EtcdCluster
from syncmodel.testbed.redis import RedisCluster
from syncmodel.testbed.report import failover_column
from syncmodel.testbed.validate import Output, merge_outputs, run_tasks
from syncmodel.testbed.zookeeper import ZooKeeperCluster

T0 = 1_796_000_000_000.0  # a fault time (unix ms)


# ------------------------------------------------------------------ concurrency
def test_run_tasks_runs_concurrently_and_keeps_going_after_a_failure() -> None:
    started: list[float] = []
    lock = threading.Lock()

    def task(name: str, wait_s: float) -> list[Output]:
        with lock:
            started.append(time.monotonic())
        time.sleep(wait_s)
        return [Output("etcd", "failover", pd.DataFrame({"trial": [name]}))]

    def broken() -> list[Output]:
        raise RuntimeError("server died")

    tasks = {"a": lambda: task("a", 0.3), "b": lambda: task("b", 0.3), "bad": broken,
             "c": lambda: [Output("redis", "failover", pd.DataFrame({"trial": ["c"]}), {"k": 1})]}
    t0 = time.monotonic()
    outs, errors = run_tasks(tasks, workers=4, log=lambda _m: None)
    wall = time.monotonic() - t0
    assert wall < 0.55  # the two 0.3 s tasks overlapped
    assert list(errors) == ["bad"] and isinstance(errors["bad"], RuntimeError)
    merged = {(o.system, o.experiment): o for o in merge_outputs(outs)}
    assert sorted(merged[("etcd", "failover")].frame["trial"]) == ["a", "b"]
    assert merged[("redis", "failover")].notes == {"k": 1}
    assert max(started) - min(started) < 0.2


# ------------------------------------------------------------------ log parsers
def _member(tmp: Path, name: str, text: str) -> SimpleNamespace:
    p = tmp / f"{name}.log"
    p.write_text(text)
    return SimpleNamespace(log=p)


def _zap(ms_after: float, msg: str) -> str:
    ts = pd.Timestamp(T0 + ms_after, unit="ms", tz="UTC").strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return json.dumps({"level": "info", "ts": ts, "caller": "raft/raft.go:1", "msg": msg})


def test_etcd_raft_events_count_campaigns_lease_and_rejections(tmp_path: Path) -> None:
    a = "\n".join([_zap(-500, "m0 became candidate at term 2"),  # before the fault: ignored
                   _zap(560, "m0 is starting a new election at term 2"),
                   _zap(560, "m0 became candidate at term 3"),
                   _zap(1150, "m0 became candidate at term 4"),
                   _zap(1162, "m0 became leader at term 4"), "not json at all"])
    b = "\n".join([_zap(561, "m1 [logterm: 2, index: 8, vote: 0] ignored MsgVote from m0 [logterm: 2, "
                              "index: 8] at term 2: lease is not expired (remaining ticks: 1)"),
                   _zap(700, "m1 is starting a new election at term 2"),
                   _zap(700, "m1 became candidate at term 3"),
                   _zap(701, "m0 [logterm: 2, index: 8, vote: m0] rejected MsgVote from m1 at term 3")])
    c = EtcdCluster.__new__(EtcdCluster)
    c.members = [_member(tmp_path, "m0", a), _member(tmp_path, "m1", b)]
    ev = c.raft_events(T0)
    assert ev["campaign"] == pytest.approx(560, abs=1) and ev["leader"] == pytest.approx(1162, abs=1)
    assert (ev["campaigns"], ev["lease_ignored"], ev["votes_rejected"]) == (3, 1, 1)


def _sentinel_line(ms_after: float, event: str) -> str:
    t = pd.Timestamp(T0 + ms_after, unit="ms", tz="UTC").tz_convert(None)
    return f"123:X {t.strftime('%d %b %Y %H:%M:%S.%f')[:-3]} # {event}"


def test_sentinel_majority_switch_is_the_second_of_three(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        logs = [_sentinel_line(550, "+sdown master mymaster 127.0.0.1 1") + "\n"
                + _sentinel_line(1700, "+promoted-slave slave 127.0.0.1:2") + "\n"
                + _sentinel_line(2900, "+switch-master mymaster 127.0.0.1 1 127.0.0.1 2"),
                _sentinel_line(1760, "+switch-master mymaster 127.0.0.1 1 127.0.0.1 2"),
                _sentinel_line(1762, "+switch-master mymaster 127.0.0.1 1 127.0.0.1 2")]
        c = RedisCluster.__new__(RedisCluster)
        c.sentinels = [_member(tmp_path, f"s{j}", t) for j, t in enumerate(logs)]
        ev = c.sentinel_events(T0)
        assert ev["sdown"] == pytest.approx(550, abs=1) and ev["switch"] == pytest.approx(1760, abs=1)
        assert ev["switch_majority"] == pytest.approx(1762, abs=1)
        c.sentinels = [*c.sentinels[:1], _member(tmp_path, "x", ""), _member(tmp_path, "y", "")]
        assert "switch_majority" not in c.sentinel_events(T0)  # only one of three switched
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_zookeeper_counts_notification_timeouts_and_connect_retries(tmp_path: Path) -> None:
    def line(ms_after: float, text: str) -> str:
        t = pd.Timestamp(T0 + ms_after, unit="ms", tz="UTC")
        return f"{t.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}+0000 [main] INFO x - {text}"

    log = "\n".join([line(6, "Peer state changed: looking - LOOKING"),
                     line(230, "Notification time out: 400 ms"),
                     line(440, "FOLLOWING - LEADER ELECTION TOOK - 422 MS"),
                     line(445, "Unexpected exception, tries=0, remaining init limit=2000, connecting to x"),
                     line(575, "Have quorum of supporters, sids: [[1, 2]]")])
    c = ZooKeeperCluster.__new__(ZooKeeperCluster)
    c.members = [_member(tmp_path, "zk1", log)]
    ev = c.election_events(T0)
    assert ev["notification_timeouts"] == 1 and ev["connect_retries"] == 1
    assert ev["fle_ms"] == 422 and ev["quorum"] == pytest.approx(575, abs=1)


# ------------------------------------------------------------------ provenance and comparison column
def test_provenance_header_records_the_load(tmp_path: Path) -> None:
    df = pd.DataFrame({"version": ["1"] * 3, "settings": ["n=3"] * 3, "load_1m": [1.0, 2.0, 4.0]})
    write_measured(df, "etcd", "failover", directory=tmp_path)
    prov = read_measured("etcd", "failover", tmp_path).attrs["provenance"]
    assert any(p.startswith("load average (1, 5, 15 min) when written: ") for p in prov)
    assert "load average (1 min) during the trials: min 1.00, median 2.00, max 4.00" in prov


def test_failover_column_prefers_the_servers_timing() -> None:
    both = pd.DataFrame({"failover_ms": [1.0, 2.0], "server_ms": [0.9, 1.8]})
    assert failover_column(both) == "server_ms"
    assert failover_column(both.assign(server_ms=[0.9, float("nan")])) == "failover_ms"
    assert failover_column(both.drop(columns="server_ms")) == "failover_ms"


def test_report_and_history_helpers_refuse_bad_input(tmp_path: Path) -> None:
    """Found by tests/test_fuzz.py (TypeError, ValueError, AttributeError, OverflowError)."""
    import numpy as np

    from syncmodel.errors import InvalidParameterError
    from syncmodel.testbed.history import History
    from syncmodel.testbed.report import settings_of

    assert settings_of("n=5;heartbeat_ms=50") == (5, {"heartbeat_ms": 50.0})
    for text in (None, np.array(["n=3", "n=3"]), "n=x", "heartbeat_ms=fast", "heartbeat_ms=nan"):
        with pytest.raises(InvalidParameterError, match="text"):
            settings_of(text)  # type: ignore[arg-type]
    for df in (3, pd.DataFrame({"x": [1.0]})):
        with pytest.raises(InvalidParameterError, match="df"):
            failover_column(df)  # type: ignore[arg-type]
    for directory in (3, np.array(["a", "b"])):
        with pytest.raises(InvalidParameterError, match="directory"):
            read_measured("etcd", "failover", directory)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="system"):
        read_measured(None, "failover", tmp_path)  # type: ignore[arg-type]
    h = History()
    for process in (math.nan, math.inf, np.array([0, 0])):
        with pytest.raises(InvalidParameterError, match="process"):
            h.invoke(process, "read", "k")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="type"):
        h.complete(h.invoke(0, "read", "k"), "")


def test_installed_and_predicted_failover_name_the_bad_parameter() -> None:
    """Found by the fuzz test: an array where one name or fault belongs crashed with TypeError
    (unhashable) and ValueError (truth value ambiguous)."""
    import numpy as np

    from syncmodel import testbed
    from syncmodel.errors import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="name"):
        testbed.installed(np.array(["etcd", "etcd"]))  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="fault"):
        testbed.predicted_failover("etcd", 10, seed=0, fault=np.array(["crash", "crash"]))  # type: ignore[arg-type]
