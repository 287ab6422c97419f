"""Staleness measured on the simulator: t-visibility and k-staleness experiments that run the
store's replicas (quorum mode) under the WARS protocol, optionally with crashes, partitions,
anti-entropy and read repair — PBS's questions, answered where its closed forms stop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .._deprecate import LegacyKeys
from ..errors import check_int, check_real, float_array, invalid
from ..rng import Seed
from ..sim import Process
from .pbs import check_nrw, wilson
from .store import Store, WarsNetwork, make_config
from .store.ledger import _sample_ids
from .store.messages import Get, GetResp, Put, PutAck

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["KStalenessSim", "TVisibilitySim", "k_staleness_sim", "t_visibility_sim"]


@dataclass(frozen=True, eq=False)
class _ProbeResult(LegacyKeys):
    """What a probe run records of its call: ``n``, ``r``, ``w``, ``latency``, ``trials``,
    ``seed`` and the Wilson ``z``; :meth:`to_frame` puts them beside the per-point columns."""

    n: int
    r: int
    w: int
    latency: Any
    trials: int
    seed: Seed
    z: float

    #: the per-point columns, in order (a subclass's own array fields)
    _columns: ClassVar[tuple[str, ...]] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per point: the result's own columns, then the call's n, r, w, latency,
        trials, seed and z."""
        import pandas as pd

        cols = {c: getattr(self, c) for c in self._columns}
        k = len(cols[self._columns[0]])
        return pd.DataFrame({**cols, "n": self.n, "r": self.r, "w": self.w,
                             "latency": [repr(self.latency)] * k, "trials": self.trials,
                             "seed": [self.seed] * k, "z": self.z})


@dataclass(frozen=True, eq=False)
class TVisibilitySim(_ProbeResult):
    """t-visibility measured on the simulated replicas (:func:`t_visibility_sim`).

    Per time ``t_ms[j]``: ``fresh[j]``, the fraction of its ``reads[j]`` trials whose read
    returned the write; ``lo[j]``, ``hi[j]``, its Wilson interval at ``z`` (NaN without
    samples); ``failed[j]``, its trials whose write or read did not complete.  The call's
    ``n``, ``r``, ``w``, ``latency``, ``trials``, ``seed``, ``gap_ms`` and ``faults`` (the
    store settings given: crashes, partitions, loss, anti-entropy, read repair, timeout) are
    recorded.  (Earlier versions returned a dict with keys t, p, lo, hi, n, failed; reading
    it by those keys still works, with a DeprecationWarning.)
    """

    t_ms: np.ndarray
    fresh: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    reads: np.ndarray
    failed: np.ndarray
    gap_ms: float
    faults: dict[str, Any]

    _columns: ClassVar[tuple[str, ...]] = ("t_ms", "fresh", "lo", "hi", "reads", "failed")
    _legacy_keys: ClassVar[dict[str, str]] = {"t": "t_ms", "p": "fresh", "lo": "lo", "hi": "hi", "n": "reads",
                                              "failed": "failed"}


@dataclass(frozen=True, eq=False)
class KStalenessSim(_ProbeResult):
    """k-staleness measured on the simulated replicas (:func:`k_staleness_sim`): for each
    ``k`` = 1..k_max, ``within[k−1]`` is the fraction of reads that returned one of the last
    k versions, with its Wilson interval ``lo``, ``hi`` at ``z``; the call's ``n``, ``r``,
    ``w``, ``latency``, ``trials`` and ``seed`` are recorded.  (Earlier versions returned a
    dict with keys k, p, lo, hi; reading it by those keys still works, with a
    DeprecationWarning.)"""

    k: np.ndarray
    within: np.ndarray
    lo: np.ndarray
    hi: np.ndarray

    _columns: ClassVar[tuple[str, ...]] = ("k", "within", "lo", "hi")
    _legacy_keys: ClassVar[dict[str, str]] = {"k": "k", "p": "within", "lo": "lo", "hi": "hi"}


class _Probe(Process):
    """Runs independent trials, one key each: write, wait W acks, then read t ms later."""

    def __init__(self, store: Store, t_grid: Sequence[float], trials: int, gap_ms: float,
                 k_writes: int = 1, random_quorums: bool = False) -> None:
        super().__init__()
        self.store = store
        self.t_grid = list(t_grid)
        self.trials = trials
        self.gap = gap_ms
        self.k_writes = k_writes
        self.random_quorums = random_quorums
        self.state: dict[int, dict[str, Any]] = {}
        self.results: list[tuple[float, int]] = []   # (t, outcome) outcome: versions behind (−1 failed)
        cfg = store.cfg
        self.faulty = bool(cfg.crashes or cfg.partitions or cfg.loss)

    def on_start(self) -> None:
        self.set_timer(0.0, "trial", 0)

    def close(self) -> None:
        """At the end of the run: a trial still waiting for a message (one slower than the
        run's span, e.g. a latency law of huge mean) did not complete, so it failed."""
        for st in self.state.values():
            if not st["done"]:
                st["done"] = True
                self.results.append((st["t"], -1))

    def _targets(self, k: int) -> list[int]:
        n = self.store.cfg.n
        if self.random_quorums:
            return _sample_ids(n, k, self.store._uniform)
        return list(range(n))

    def _write(self, i: int) -> None:
        st = self.state[i]
        led = self.store.ledger
        wid = led.new_write(self.now, i)
        st["wids"].append(wid)
        st["acks"] = 0
        ctx = frozenset(st["wids"][:-1])
        self.net.multicast(self.id, self._targets(self.store.cfg.w),
                           Put((i, len(st["wids"])), i, wid, self.now, len(st["wids"]), ctx))

    def on_timer(self, name: str, data: Any) -> None:
        cfg = self.store.cfg
        if name == "trial":
            i = data
            if i + 1 < self.trials:  # trials start gap_ms apart, one timer queued at a time
                self.set_timer(self.gap, "trial", i + 1)
            self.state[i] = {"wids": [], "acks": 0, "t": self.t_grid[i % len(self.t_grid)], "got": 0,
                             "done": False}
            self._write(i)
            if self.faulty:  # without faults every trial completes
                self.set_timer(cfg.timeout_ms * (self.k_writes + 1) + self.state[i]["t"], "expire", i)
        elif name == "read":
            i = data
            self.net.multicast(self.id, self._targets(cfg.r), Get(i, i))
        elif name == "expire":
            st = self.state.get(data)
            if st is not None and not st["done"]:
                st["done"] = True
                self.results.append((st["t"], -1))

    def on_message(self, src: int, msg: Any) -> None:
        cfg = self.store.cfg
        if type(msg) is PutAck:
            (i, j), wid = msg.op, msg.wid
            st = self.state.get(i)
            if st is None or st["done"] or j != len(st["wids"]):
                return
            st["acks"] += 1
            if st["acks"] == cfg.w:
                self.store.ack_write(wid, self.now)
                if len(st["wids"]) < self.k_writes:
                    self._write(i)
                else:
                    self.set_timer(st["t"], "read", i)
        elif type(msg) is GetResp:
            i, entry = msg.op, msg.entry
            st = self.state.get(i)
            if st is None or st["done"]:
                return
            st["got"] += 1
            newest = max((s.value for s in entry.siblings), default=0)
            st["best"] = max(st.get("best", 0), newest)
            if st["got"] == cfg.r:
                st["done"] = True
                self.results.append((st["t"], self.k_writes - st["best"]))


def _setup(n: int, r: int, w: int, seed: Seed, span_ms: float, **params: Any) -> Store:
    params.setdefault("timeout_ms", 250.0)
    params.setdefault("settle_ms", 0.0)
    span = span_ms + 4 * float(params["timeout_ms"])
    cfg = make_config(mode="quorum", n=n, r=r, w=w, clients=1, write_rate_per_s=0.0, read_rate_per_s=0.0,
                      keys=1, duration_ms=span, **params)
    return Store(cfg, seed=seed, log_applies=False)


def _attach(store: Store, probe: _Probe) -> None:
    store.net.add([probe])
    if isinstance(store.net, WarsNetwork):
        store.net.dc.append(0)  # the probe sits in replica 0's datacenter


def _check_trials(trials: Any) -> int:
    return check_int("trials", trials, 1)


def t_visibility_sim(n: int, r: int, w: int, t_ms: Sequence[float] | float,
                     latency: Any = "LNKD-SSD", trials: int = 5000, seed: Seed = None,
                     gap_ms: float = 0.05, z: float = 1.96, *, crashes: Sequence[Any] = (),
                     partitions: Sequence[Any] = (), loss: float = 0.0, anti_entropy_ms: float | None = None,
                     read_repair: bool = False, timeout_ms: float = 250.0) -> TVisibilitySim:
    """t-visibility measured on the simulated replicas, as a :class:`TVisibilitySim`.

    Each trial uses a fresh key: a coordinator sends a write to all N replicas, counts W
    acknowledgements, waits t ms, sends a read to all N and takes the first R responses; the
    read is fresh iff one of them holds the write.  Trials cycle through ``t_ms`` and start
    ``gap_ms`` apart (they do not interact: replicas do not queue).  ``latency`` is one law
    for every message, or a profile name / :class:`~syncmodel.sync.pbs.WARS` whose W, A, R, S
    laws delay writes, acks, reads and responses.  With no failures and no repair this is the
    WARS model, so ``p`` must agree with :func:`~syncmodel.sync.pbs.t_visibility` for the same
    laws (except WAN, whose local replica PBS draws per request; here the coordinator sits in
    replica 0's datacenter).  The store's fault and repair settings (``crashes``,
    ``partitions``, ``loss``, ``anti_entropy_ms``, ``read_repair``, ``timeout_ms``; see
    :class:`~syncmodel.sync.store.StoreConfig`) apply; trials whose write or read cannot
    complete count as not fresh and are also reported in ``failed``.  Each point's Wilson
    interval at ``z`` comes from its own count ``reads`` (trials cycle through the points, so
    counts differ by at most one); ``trials`` must be at least the number of points, so no
    point is left without samples.

    Worked case: a strict quorum (R = W = 2 of 3) is fresh at every t; 7 trials over 2
    points give counts 4 and 3.

    >>> res = t_visibility_sim(3, 2, 2, [0.0, 1.0], trials=7, seed=0)
    >>> res.fresh.tolist(), res.reads.tolist(), res.seed
    ([1.0, 1.0], [4, 3], 0)
    """
    n, r, w = check_nrw(n, r, w)
    trials = _check_trials(trials)
    grid = np.atleast_1d(float_array("t_ms", t_ms, "finite times ≥ 0 (ms)", ndim=1))
    gap_ms = check_real("gap_ms", gap_ms, 0.0)
    if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid < 0):
        raise invalid("t_ms", t_ms, "finite times ≥ 0 (ms)")
    if trials < grid.size:
        raise invalid("trials", trials, f"an int ≥ the number of t_ms points ({grid.size}), "
                      "so every point gets samples")
    timeout_ms = check_real("timeout_ms", timeout_ms, 0.0, lo_open=True)
    faults: dict[str, Any] = {"crashes": crashes, "partitions": partitions, "loss": loss,
                              "anti_entropy_ms": anti_entropy_ms, "read_repair": read_repair,
                              "timeout_ms": timeout_ms}
    store = _setup(n, r, w, seed, trials * gap_ms + float(grid.max()), latency=latency, **faults)
    probe = _Probe(store, grid.tolist(), trials, gap_ms)
    _attach(store, probe)
    store.run()
    probe.close()
    res = np.asarray(probe.results, dtype=float).reshape(-1, 2)
    p, cnt, failed = [], [], []
    for t in grid:
        sel = res[res[:, 0] == t, 1]
        cnt.append(sel.size)
        p.append(float(np.mean(sel == 0)) if sel.size else math.nan)
        failed.append(int(np.sum(sel < 0)))
    pa = np.asarray(p)
    lo, hi = np.full(pa.shape, math.nan), np.full(pa.shape, math.nan)  # NaN: no samples
    for j, c in enumerate(cnt):
        if c:
            lo[j], hi[j] = (float(v) for v in wilson(pa[j], c, z))
    return TVisibilitySim(n=n, r=r, w=w, latency=latency, trials=trials, seed=seed, z=float(z), t_ms=grid,
                          fresh=pa, lo=lo, hi=hi, reads=np.asarray(cnt), failed=np.asarray(failed),
                          gap_ms=gap_ms, faults=faults)


def k_staleness_sim(n: int, r: int, w: int, k_max: int = 3, trials: int = 4000,
                    latency: Any = "LNKD-SSD", seed: Seed = None, z: float = 1.96
                    ) -> KStalenessSim:
    """P(a read returns one of the last k versions), k = 1..k_max, measured on the simulator.

    Each trial writes ``k_max`` versions of a fresh key one after the other, each to exactly
    W uniformly random replicas (``fanout="quorum"``: no expansion, no repair), then reads R
    uniformly random replicas and returns the newest version they hold.  This is the
    setting of the closed form 1 − (C(N−W, R)/C(N, R))^k, which it must match within its
    binomial interval.  Returns a :class:`KStalenessSim` (``k``, ``within``, ``lo``, ``hi``).
    """
    n, r, w = check_nrw(n, r, w)
    trials = _check_trials(trials)
    k_max = check_int("k_max", k_max, 1)
    store = _setup(n, r, w, seed, trials * 0.05 + 250.0 * k_max, latency=latency, fanout="quorum")
    probe = _Probe(store, [0.0], trials, 0.05, k_writes=int(k_max), random_quorums=True)
    _attach(store, probe)
    store.run()
    probe.close()
    behind = np.asarray([b for _, b in probe.results], dtype=float)
    ks = np.arange(1, k_max + 1)
    ok = behind >= 0
    p = np.array([np.mean((behind < k) & ok) for k in ks])
    lo, hi = wilson(p, behind.size, z)
    return KStalenessSim(n=n, r=r, w=w, latency=latency, trials=trials, seed=seed, z=float(z), k=ks,
                         within=p, lo=lo, hi=hi)
