"""Stale reads on the real systems, and the model's prediction from latencies measured in the same run.

:func:`stale_reads` reads a follower t ms after an acknowledged write and, in every trial, also
measures the two times the model needs: the client's round trip to that follower (``rtt_ms``)
and the follower's apply lag behind the acknowledgement (``lag_ms``, from a change
notification the follower sends when it applies).  :func:`fit_race` turns those columns into
the parameters of :class:`syncmodel.systems.race.ReadRace`; :func:`predicted_stale` evaluates
:func:`syncmodel.systems.stale_read_probability` with them.
"""

from __future__ import annotations

import base64
import http.client
import json
import math
import os
import select
import socket
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InvalidParameterError, check_int, float_array, invalid
from ..rng import Seed, as_generator
from ._proc import HOST
from .base import Cluster
from .experiments import _base_row, _check_name, _cluster, _overrides, _unix_ms
from .history import History

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["DELAYS_MS", "STALE_SYSTEMS", "fit_race", "predicted_stale", "stale_reads"]

STALE_SYSTEMS = ("etcd", "zookeeper", "redis")
#: the delays after the acknowledgement (ms): fine where the measured curves fall (0–3 ms)
DELAYS_MS = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)
#: the longest wait for a follower's change notification (s)
NOTICE_CAP_S = 1.0


# ------------------------------------------------------------------ change notifications
class _Notices:
    """A follower's change notifications for one key: ``arm()`` before a write, ``wait()``
    after it returns the perf_counter time the notification arrived (None after
    :data:`NOTICE_CAP_S`), ``lag(t_ack)`` the follower's apply lag (ms) behind the
    acknowledgement seen at ``t_ack``, ``drain()`` consumes one without timing it."""

    def arm(self) -> None:
        """Prepare to be told of the next write (ZooKeeper: set the one-shot watch)."""

    def wait(self) -> float | None:  # pragma: no cover - every system overrides it
        raise NotImplementedError

    def lag(self, t_ack: float) -> float:
        """Notification time minus acknowledgement time (both one hop to this client), ms."""
        at = self.wait()
        return (at - t_ack) * 1000.0 if at is not None else float("nan")

    def probe(self, write: Any, value: str) -> float:
        """Write ``value`` (``write``) and return the follower's lag behind its acknowledgement (ms)."""
        write(value)
        return self.lag(time.perf_counter())

    def drain(self) -> None:
        self.wait()

    def close(self) -> None:
        """Release the connection."""


def _race_sockets(ack: socket.socket, note: socket.socket) -> float:
    """Wait (≤ :data:`NOTICE_CAP_S`) until both sockets have bytes to read, stamping each as
    its bytes arrive (one select loop, so a client descheduled meanwhile stamps both late
    alike): note − ack in ms, NaN if either never came."""
    at: dict[socket.socket, float] = {}
    deadline = time.perf_counter() + NOTICE_CAP_S
    while len(at) < 2 and (left := deadline - time.perf_counter()) > 0:
        ready, _, _ = select.select([s for s in (ack, note) if s not in at], [], [], left)
        now = time.perf_counter()
        for sock in ready:
            at[sock] = now
    return (at[note] - at[ack]) * 1000.0 if len(at) == 2 else float("nan")


class _EtcdWatch(_Notices):
    """A v3 watch on the follower through its JSON gateway: one streamed line per event; the
    probe's put goes to the leader's gateway on a connection of its own, raced against it."""

    def __init__(self, port: int, key: str, leader_port: int) -> None:
        self.port, self.key = port, key
        self.put = http.client.HTTPConnection(HOST, leader_port, timeout=5.0)
        self._open()

    def probe(self, write: Any, value: str) -> float:
        body = json.dumps({"key": base64.b64encode(self.key.encode()).decode(),
                           "value": base64.b64encode(value.encode()).decode()})
        self.put.request("POST", "/v3/kv/put", body=body, headers={"Content-Type": "application/json"})
        assert self.put.sock is not None and self.conn.sock is not None
        lag = _race_sockets(self.put.sock, self.conn.sock)
        r = self.put.getresponse()
        r.read()
        if r.status != 200:
            raise OSError(f"etcd put: HTTP {r.status}")
        if self.wait() is None:
            return float("nan")
        return lag

    def _open(self) -> None:
        self.conn = http.client.HTTPConnection(HOST, self.port, timeout=5.0)
        body = {"create_request": {"key": base64.b64encode(self.key.encode()).decode()}}
        self.conn.request("POST", "/v3/watch", body=json.dumps(body),
                          headers={"Content-Type": "application/json"})
        self.resp = self.conn.getresponse()
        self.resp.readline()  # the "created" response
        assert self.conn.sock is not None
        self.conn.sock.settimeout(NOTICE_CAP_S)

    def wait(self) -> float | None:
        try:
            line = self.resp.readline()
        except OSError:
            line = b""
        if not line:
            self.close()
            self._open()
            return None
        return time.perf_counter()

    def close(self) -> None:
        self.conn.close()
        self.put.close()


class _RedisNotices(_Notices):
    """Keyspace notifications of the replica (``notify-keyspace-events K$``) on its own connection;
    the probe's SET goes to the master on a connection of its own, raced against it."""

    def __init__(self, conn: Any, key: str, master: Any) -> None:
        self.key, self.master = key, master
        self.wconn: Any = None
        conn.config_set("notify-keyspace-events", "K$")
        self.ps = conn.pubsub()
        self.ps.subscribe(f"__keyspace@0__:{key}")
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            m = self.ps.get_message(timeout=0.5)
            if m is not None and m["type"] == "subscribe":
                break

    def wait(self) -> float | None:
        deadline = time.perf_counter() + NOTICE_CAP_S
        while (left := deadline - time.perf_counter()) > 0:
            m = self.ps.get_message(timeout=left)
            if m is not None and m["type"] == "message":
                return time.perf_counter()
        return None

    def probe(self, write: Any, value: str) -> float:
        if self.wconn is None:
            pool = self.master.connection_pool
            self.wconn = pool.connection_class(**pool.connection_kwargs)
            self.wconn.connect()
        self.wconn.send_command("SET", self.key, value)
        lag = _race_sockets(self.wconn._sock, self.ps.connection._sock)
        self.wconn.read_response()
        if self.wait() is None:
            return float("nan")
        return lag

    def close(self) -> None:
        self.ps.close()
        if self.wconn is not None:
            self.wconn.disconnect()
            self.wconn = None


class _ZooKeeperWatch(_Notices):
    """A one-shot data watch on the follower's session, timed as kazoo's connection thread
    reads it off the socket (its handler's ``dispatch_callback``), where a reply is read too:
    the watch callback itself runs one thread hop later, which a reply does not pay."""

    def __init__(self, client: Any, path: str) -> None:
        self.client, self.path = client, path
        self.event = threading.Event()
        self.at: float | None = None
        self._dispatch = client.handler.dispatch_callback

        def stamped(callback: Any) -> Any:
            if getattr(callback, "type", None) == "watch" and not self.event.is_set():
                self.at = time.perf_counter()
                self.event.set()
            return self._dispatch(callback)
        client.handler.dispatch_callback = stamped

    def arm(self) -> None:
        self.event.clear()
        self.at = None
        self.client.exists(self.path, watch=lambda _ev: None)

    def wait(self) -> float | None:
        return self.at if self.event.wait(NOTICE_CAP_S) else None

    def drain(self) -> None:
        """Nothing to consume: the watch fired once, on the armed write."""

    def close(self) -> None:
        self.client.handler.dispatch_callback = self._dispatch


def _stale_ops(c: Cluster, lead: int, fol: int) -> tuple[Any, Any, _Notices, Any]:
    """(write(value), read() -> value, the follower's notifications, close()) for cluster ``c``."""
    from .etcd import EtcdCluster
    from .redis import RedisCluster
    from .zookeeper import ZooKeeperCluster

    if isinstance(c, EtcdCluster):
        ec = c
        w = _EtcdWatch(ec.client_ports[fol], "x", ec.client_ports[lead])
        return ((lambda v: ec.put(lead, "x", v)), (lambda: ec.get(fol, "x", serializable=True)), w, w.close)
    if isinstance(c, ZooKeeperCluster):
        zw, zr = c.client(lead), c.client(fol)
        zw.ensure_path("/x")
        zn = _ZooKeeperWatch(zr, "/x")

        def zclose() -> None:
            zn.close()
            for z in (zw, zr):
                z.stop()
                z.close()
        return (lambda v: zw.set("/x", v.encode())), (lambda: zr.get("/x")[0].decode()), zn, zclose
    if isinstance(c, RedisCluster):
        rw, rr = c.conn(lead), c.conn(fol)
        rn = _RedisNotices(c.conn(fol, 5.0), "x", c.conn(lead, 5.0))
        return (lambda v: rw.set("x", v)), (lambda: rr.get("x")), rn, rn.close
    raise InvalidParameterError(f"no stale-read path for {c.system}")  # pragma: no cover


# ------------------------------------------------------------------ the experiment
def stale_reads(name: str, trials: int = 200, seed: Seed = None, *, n: int = 3,
                delays_ms: Sequence[float] = DELAYS_MS, budget_s: float | None = None,
                **settings: Any) -> pd.DataFrame:
    """Stale reads against the time after an acknowledged write, on a follower/replica read path.

    The write goes through the leader (etcd put to the leader; ZooKeeper set through a client
    of the leader; Redis SET on the master); the read at a follower (etcd serializable range;
    ZooKeeper a client of that server: a local read; Redis GET on a replica).  Per trial, in
    order, on one key:

    1. ``rtt_ms``: one read at the follower, timed — the client's round trip to it;
    2. ``lag_ms``: a write, then the time from its acknowledgement to the follower's change
       notification (etcd: a watch on the follower; Redis: the replica's keyspace
       notification — both sockets stamped in one select loop as their bytes arrive;
       ZooKeeper: a data watch on the follower's session, stamped where kazoo's connection
       thread reads it, the ack when the caller wakes).  Both travel one hop from a server
       to this client, so the difference is the follower's apply lag behind the
       acknowledgement (negative: it applied first; NaN: none within 1 s) — an upper bound
       where the follower orders a read behind a commit it has received but not applied;
    3. the stale-read trial: write ``v{trial}``, busy-wait ``delay_target_ms`` after the
       acknowledgement (``delay_ms`` measured), read at the follower: ``stale`` when it
       returned an older value.

    The delays come from ``delays_ms`` in seeded shuffled blocks, so every delay gets
    ``trials // len(delays_ms)`` trials (± 1).  ``budget_s`` stops early (at least one block)
    once that much wall time is spent.  Rows also carry ``load_1min`` (os.getloadavg) and
    ``read_ms``/``write_ms`` of the trial's own operations.  The history (every operation,
    :mod:`syncmodel.testbed.history`) is ``df.attrs["history"]``.
    """
    import pandas as pd

    name = _check_name(name, STALE_SYSTEMS, "stale_reads")
    trials = check_int("trials", trials, 1, 1_000_000)
    grid = [float(d) for d in delays_ms] if not isinstance(delays_ms, (str, bytes)) else []
    if not grid or any(not (d >= 0 and np.isfinite(d)) for d in grid):
        raise invalid("delays_ms", delays_ms, "a non-empty list of finite delays ≥ 0")
    if budget_s is not None and not (budget_s > 0 and math.isfinite(budget_s)):
        raise invalid("budget_s", budget_s, "a finite time > 0 or None")
    rng = as_generator(seed)
    blocks = -(-trials // len(grid))
    order = np.concatenate([rng.permutation(len(grid)) for _ in range(blocks)])[:trials]
    hist = History()
    rows = []
    start = time.monotonic()
    with _cluster(name, n, settings) as c:
        c.wait_healthy(60.0)
        lead = c.leader()
        assert lead is not None
        fol = next(i for i in range(c.n) if i != lead)
        write, read, notices, close = _stale_ops(c, lead, fol)
        try:
            for trial in range(trials):
                if budget_s is not None and trial >= len(grid) and time.monotonic() - start > budget_s:
                    break
                hist.trial = trial
                d = grid[int(order[trial])]
                rtt, lag = _probe(hist, write, read, notices, trial)
                val = f"v{trial}"
                w = hist.invoke(0, "write", "x", val)
                try:
                    write(val)
                    hist.complete(w, "ok")
                except Exception:
                    hist.complete(w, "info")
                    notices.drain()
                    continue
                t_ack = time.perf_counter()
                ack_unix = _unix_ms()
                _wait_until(t_ack + d / 1000.0)
                t_read = time.perf_counter()
                r = hist.invoke(1, "read", "x")
                try:
                    got = read()
                    hist.complete(r, "ok", got)
                except Exception:
                    hist.complete(r, "fail")
                    continue
                finally:
                    notices.drain()
                row = _base_row(c, "stale_reads", seed, "none", trial)
                row.update({"read_from": fol, "delay_target_ms": d, "delay_ms": (t_read - t_ack) * 1000.0,
                            "stale": got != val, "read_ms": r["complete_ms"] - r["invoke_ms"],
                            "write_ms": w["complete_ms"] - w["invoke_ms"], "rtt_ms": rtt, "lag_ms": lag,
                            "load_1min": os.getloadavg()[0], "ack_unix_ms": ack_unix})
                rows.append(row)
        finally:
            notices.close()
            close()
    df = pd.DataFrame(rows)
    df.attrs["history"] = hist.to_frame()
    return df


#: the last stretch of a wait that is spun rather than slept (s): a sleep overshoots by ~0.1 ms
SPIN_S = 2e-4


def _wait_until(t_perf: float) -> None:
    """Return at perf_counter time ``t_perf``: sleep (leaving the CPU to the servers) until
    :data:`SPIN_S` before it, then spin."""
    left = t_perf - time.perf_counter()
    if left > SPIN_S:
        time.sleep(left - SPIN_S)
    while time.perf_counter() < t_perf:
        pass


def _probe(hist: History, write: Any, read: Any, notices: _Notices, trial: int) -> tuple[float, float]:
    """Steps 1 and 2 of a trial: (the follower read's round trip, the follower's apply lag), ms."""
    nan = float("nan")
    notices.arm()
    r = hist.invoke(1, "read", "x")
    t0 = time.perf_counter()
    try:
        got = read()
        rtt = (time.perf_counter() - t0) * 1000.0
        hist.complete(r, "ok", got)
    except Exception:
        hist.complete(r, "fail")
        rtt = nan
    val = f"p{trial}"
    w = hist.invoke(0, "write", "x", val)
    try:
        lag = notices.probe(write, val)
    except Exception:
        hist.complete(w, "info")
        notices.drain()
        return rtt, nan
    hist.complete(w, "ok")
    return rtt, lag


# ------------------------------------------------------------------ the model for the same run
def fit_race(lag_ms: Sequence[float] | np.ndarray | pd.Series,
             rtt_ms: Sequence[float] | np.ndarray | pd.Series) -> dict[str, float]:
    """The :class:`~syncmodel.systems.race.ReadRace` parameters of measured apply lags and round trips.

    ``rtt_ms`` = the median measured round trip.  The lags (negative ones — the follower
    applied before the acknowledgement reached the client — count as 0; NaN dropped) are fitted
    by maximum likelihood to D = H + J·B, H ~ Exp(ℓ), J ~ Bernoulli(q), B ~ Exp(b), b ≥ ℓ:
    density (1 − q)·e^(−x/ℓ)/ℓ + q·(e^(−x/b) − e^(−x/ℓ))/(b − ℓ).  Returns latency_ms (ℓ),
    rtt_ms, stall_probability (q), stall_ms (b), and ``lags`` (how many lags were used).
    Worked case: lags drawn from ℓ = 0.05, q = 0.2, b = 2 (4000 of them) give back about those.
    """
    from scipy.optimize import minimize

    lag = float_array("lag_ms", lag_ms, "a sequence of lags in ms", ndim=1)
    lag = np.maximum(lag[np.isfinite(lag)], 0.0)
    rtt = float_array("rtt_ms", rtt_ms, "a sequence of round-trip times in ms", ndim=1)
    rtt = rtt[np.isfinite(rtt)]
    if lag.size < 10 or rtt.size == 0:
        raise invalid("lag_ms", f"{lag.size} finite lags", "at least 10 finite lags and one finite rtt")
    x = lag + 1e-4  # the clock's resolution: keep log-densities finite at 0

    def nll(th: np.ndarray) -> float:
        ell = math.exp(th[0])
        q = 1.0 / (1.0 + math.exp(-th[1]))
        b = ell + math.exp(th[2])
        f = (1 - q) * np.exp(-x / ell) / ell + q * (np.exp(-x / b) - np.exp(-x / ell)) / (b - ell)
        return float(-np.sum(np.log(np.maximum(f, 1e-300))))

    med = float(np.median(x))
    tail = float(np.mean(x > 4 * med))
    start = np.array([math.log(med / math.log(2)), math.log((tail + 0.01) / (1 - tail + 0.01)),
                      math.log(max(float(np.mean(x[x > 4 * med])) if tail > 0 else med, med))])
    best = minimize(nll, start, method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-6, "maxiter": 4000})
    ell = math.exp(best.x[0])
    return {"latency_ms": ell, "rtt_ms": float(np.median(rtt)),
            "stall_probability": 1.0 / (1.0 + math.exp(-best.x[1])), "stall_ms": ell + math.exp(best.x[2]),
            "lags": float(lag.size)}


def predicted_stale(name: str, delay_ms: float, *, n: int = 3, latency_ms: float = 1.0,
                    rtt_ms: float | None = None, stall_probability: float = 0.0, stall_ms: float = 0.0,
                    **settings: Any) -> float:
    """The model's P(stale | the read goes to a follower) at ``delay_ms`` after the acknowledgement.

    :func:`syncmodel.systems.stale_read_probability` on the follower read path (etcd
    serializable, ZooKeeper local, Redis replica) with the race's times (measured ones:
    :func:`fit_race`), divided by its follower factor (n − 1)/n, since the testbed always
    reads at a follower.
    """
    from .. import systems

    name = _check_name(name, STALE_SYSTEMS, "stale_reads")
    path = {"etcd": "serializable", "zookeeper": "local", "redis": "replica"}[name]
    m = systems.preset(name, read_path=path, **_overrides(name, n, settings))
    p = systems.stale_read_probability(m, delay_ms, latency_ms=latency_ms, rtt_ms=rtt_ms,
                                       stall_probability=stall_probability, stall_ms=stall_ms)
    return float(p) * n / (n - 1)
