"""Histories of the package's own replicated store (``syncmodel.sync.store``): the one place
that knows how a store run maps onto operations, and the classification of N/R/W runs
(linearizable? which session guarantees break? how stale, against PBS?).
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import InvalidParameterError, check_collection, check_int
from ..rng import Seed, spawn
from .history import History, Operation

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["classify", "simulate_history"]


class _Recorder:
    """Watches a store run through its ledger (every write created and acknowledged, every
    client read answered with the write ids it saw) and notes which client each belongs to
    by wrapping the processes' message and timer hooks (the simulator's public interface)."""

    def __init__(self, store: Any) -> None:
        self.n = store.cfg.n
        self.clients = {c.id for c in store.clients}
        self.current: tuple[int, int | None] = (-1, None)
        self.writes: dict[int, dict[str, Any]] = {}
        self.reads: list[dict[str, Any]] = []
        for p in [*store.replicas, *store.clients]:
            self._wrap(p)
        led = store.ledger
        new_write, acked, read_done = led.new_write, led.acked, led.read_done

        def rec_new_write(t: float, key: int) -> int:
            wid = new_write(t, key)
            self.writes[wid] = {"process": self._client(), "key": key, "t0": t, "t1": math.inf}
            return int(wid)

        def rec_acked(wid: int, t: float) -> None:
            acked(wid, t)
            w = self.writes.get(wid)
            if w is not None and math.isinf(w["t1"]):
                w["t1"] = t

        def rec_read_done(t0: float, t1: float, key: int, seen: frozenset[int], siblings: int) -> None:
            read_done(t0, t1, key, seen, siblings)
            self.reads.append({"process": self._client(), "key": key, "t0": t0, "t1": t1,
                               "seen": frozenset(seen)})

        led.new_write, led.acked, led.read_done = rec_new_write, rec_acked, rec_read_done

    def _wrap(self, p: Any) -> None:
        on_message, on_timer = p.on_message, p.on_timer

        def msg(src: int, m: Any) -> None:
            prev = self.current
            self.current = (p.id, src)
            try:
                on_message(src, m)
            finally:
                self.current = prev

        def timer(name: str, data: Any) -> None:
            prev = self.current
            self.current = (p.id, None)
            try:
                on_timer(name, data)
            finally:
                self.current = prev

        p.on_message, p.on_timer = msg, timer

    def _client(self) -> int:
        """The client on whose behalf the store acts now: the running client, or the client
        whose message a replica is handling (a primary or leader creating its write); -1 if none."""
        pid, src = self.current
        if pid in self.clients:
            return pid - self.n
        if src is not None and src in self.clients:
            return src - self.n
        return -1

    def history(self, meta: Mapping[str, Any]) -> History:
        rows: list[tuple[float, Hashable, str, Any, Any, str, float]] = []
        for wid, w in self.writes.items():
            info = math.isinf(w["t1"])
            rows.append((w["t0"], w["process"], "append", w["key"], frozenset({wid}),
                         "info" if info else "ok", w["t1"]))
        for r in self.reads:
            rows.append((r["t0"], r["process"], "read", r["key"], r["seen"], "ok", r["t1"]))
        rows.sort(key=lambda x: (x[0], repr(x[1])))
        ops = tuple(Operation(i, p, f, k, v, ty, t0, t1) for i, (t0, p, f, k, v, ty, t1) in enumerate(rows))
        return History(ops, frozenset(), "syncmodel.sync.store", dict(meta))


def simulate_history(mode: str = "quorum", n: int = 3, r: int = 1, w: int = 1, *, seed: Seed = None,
                     **params: Any) -> tuple[History, Any]:
    """Run :func:`syncmodel.sync.simulate` (same parameters) and return ``(history, run)``.

    The history is what the store's clients saw, as a grow-only set per key: each write is
    an ``append`` of its write id (``{wid}``), from its creation (by the client, or by the
    primary / leader that received it) to its acknowledgement (``info`` if never
    acknowledged: it may or may not have taken effect); each answered client read returns
    the set of write ids it saw (its causal context) — the same notion of "seen" as the
    run's ledger, so a read's k-staleness here equals the ledger's ``behind``. Sessions are
    clients (``process`` = client number). Failed reads are left out (they saw nothing).

    Assumption: in primary-backup and multi-leader modes a write's interval ends when the
    primary / leader acknowledges it, one message delay before the client hears of it.
    Under LWW a write overwritten by a concurrent one still counts as seen (lost updates
    are the ledger's ``lww_dropped``, not a consistency violation here).
    """
    from ..sync import store

    cfg = store.make_config(mode=mode, n=n, r=r, w=w, **params)
    st = store.Store(cfg, seed=seed)
    rec = _Recorder(st)
    run = st.run()
    meta = {"mode": mode, "n": cfg.n, "r": cfg.r, "w": cfg.w, "seed": seed}
    return rec.history(meta), run


def classify(configs: Iterable[Mapping[str, Any]], *, seed: Seed = None, timeout_s: float | None = 10.0,
             ks: Iterable[int] = (1, 2)) -> pd.DataFrame:
    """Simulate each configuration (keyword arguments of :func:`simulate_history`, one run each
    with a child seed of ``seed``) and classify its history: ``linearizable`` (None if the
    search ran out of ``timeout_s``), ``check_s``, one column per session guarantee (holds)
    and ``<guarantee> violations``, the fraction of stale reads, and for each k in ``ks``
    the measured P(read within k versions) beside PBS's prediction
    :func:`syncmodel.sync.pbs.k_staleness` (which assumes each write reaches exactly W
    replicas — the store's writes are sent to all N, so the simulator is fresher).
    """
    import pandas as pd

    from ..sync import pbs
    from .linear import linearizable
    from .weak import k_staleness_curve, session_guarantees, staleness

    configs = check_collection("configs", configs, "a collection of mappings of simulate parameters")
    if not all(isinstance(c, Mapping) for c in configs):
        raise InvalidParameterError(f"configs must be mappings of simulate parameters, got {configs!r}")
    ks = [check_int("ks", k, 1) for k in check_collection("ks", ks, "ints ≥ 1")]
    if not ks:
        raise InvalidParameterError("ks must be at least one int ≥ 1, got []")
    rows = []
    for cfg, s in zip(configs, spawn(seed, len(configs)), strict=True):
        h, _ = simulate_history(seed=s, **cfg)
        t = time.perf_counter()
        lin = linearizable(h, "kv", timeout_s=timeout_s, explain=False)
        check_s = time.perf_counter() - t
        sg = session_guarantees(h)
        st = staleness(h)
        curve = k_staleness_curve(h, ks)
        row: dict[str, Any] = {**{k: v for k, v in cfg.items() if not isinstance(v, (list, tuple, dict))},
                               "mode": h.meta["mode"], "n": h.meta["n"], "r": h.meta["r"], "w": h.meta["w"],
                               "faults": bool(cfg.get("crashes") or cfg.get("partitions")),
                               "ops": len(h), "linearizable": lin.verdict, "check_s": check_s,
                               "stale_fraction": float(st["stale"].mean()) if len(st) else math.nan}
        for g, holds, bad in zip(sg.guarantee, sg.holds, sg.violations, strict=True):
            row[g] = holds
            row[f"{g} violations"] = int(bad)
        for k, p in zip(curve.k, curve.p_measured, strict=True):
            row[f"p_within_{k}"] = p
            row[f"pbs_within_{k}"] = pbs.k_staleness(h.meta["n"], h.meta["r"], h.meta["w"], int(k))
        rows.append(row)
    return pd.DataFrame(rows)
