"""``make validate``: the full experiment set, written to data/measured/ with provenance, then compared.

Run as ``python -m syncmodel.testbed.validate [--scale S] [--out DIR]``; every experiment is
bounded in trials and in wall time (``--scale`` multiplies both; the default plan stays under
about 13 minutes on a 2-core machine).  Ends with ``comparison.csv`` (measured vs model).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["FAILOVER_PLAN", "LOST_BUDGET_S", "LOST_TRIALS", "STALE_BUDGET_S", "STALE_TRIALS", "main"]

#: (system, n, fault, trials, budget_s, settings)
FAILOVER_PLAN: list[tuple[str, int, str, int, float, dict[str, Any]]] = [
    ("etcd", 3, "crash", 100, 135, {"heartbeat_ms": 50, "election_timeout_ms": 500}),
    ("etcd", 3, "crash", 50, 90, {"heartbeat_ms": 100, "election_timeout_ms": 1000}),
    ("etcd", 5, "crash", 50, 70, {"heartbeat_ms": 50, "election_timeout_ms": 500}),
    ("etcd", 3, "pause", 25, 35, {"heartbeat_ms": 50, "election_timeout_ms": 500}),
    ("zookeeper", 3, "crash", 60, 120, {"tick_ms": 200, "sync_limit": 5}),
    ("zookeeper", 3, "pause", 30, 50, {"tick_ms": 200, "sync_limit": 5}),
    ("redis", 3, "crash", 40, 110, {"down_after_ms": 500, "failover_timeout_ms": 1000}),
    ("redis", 3, "pause", 15, 50, {"down_after_ms": 500, "failover_timeout_ms": 1000}),
]

#: stale reads per system: 9 delays × 120 reads, at most this many seconds
STALE_TRIALS, STALE_BUDGET_S = 1080, 150.0
#: Redis lost-write trials per WAIT setting (a fresh cluster each), at most this many seconds
LOST_TRIALS, LOST_BUDGET_S = 20, 300.0


def main(argv: list[str] | None = None) -> int:
    import pandas as pd

    from . import failover, installed, lost_writes, memcached_loss, stale_reads
    from .data import MEASURED_DIR, write_measured
    from .report import comparison_table

    ap = argparse.ArgumentParser(prog="python -m syncmodel.testbed.validate")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every trial count and time budget")
    ap.add_argument("--out", default=str(MEASURED_DIR))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default="", help="comma-separated systems (default: all four)")
    ap.add_argument("--experiments", default="failover,stale_reads,lost_writes,key_loss",
                    help="comma-separated experiments to run (default: all)")
    a = ap.parse_args(argv)
    exps = set(a.experiments.split(","))
    out = Path(a.out)
    only = {s for s in a.only.split(",") if s} or {"etcd", "zookeeper", "redis", "memcached"}
    missing = [s for s in sorted(only) if not installed(s)]
    if missing:
        print(f"validate: servers missing for {missing}; run scripts/ensure_servers.sh (as root)",
              file=sys.stderr)
        return 2
    t_all = time.monotonic()

    def k(x: float) -> int:
        return max(1, round(x * a.scale))

    def log(msg: str) -> None:
        print(f"[{time.monotonic() - t_all:6.0f} s] {msg}", flush=True)

    frames: dict[str, list[pd.DataFrame]] = {}
    for i, (system, n, fault, trials, budget, settings) in enumerate(FAILOVER_PLAN):
        if system not in only or "failover" not in exps:
            continue
        log(f"failover {system} n={n} {fault} {settings}: up to {k(trials)} trials, {budget * a.scale:.0f} s")
        df = failover(system, k(trials), fault=fault, seed=a.seed + i, n=n, budget_s=budget * a.scale,
                      **settings)
        log(f"  {len(df)} trials, median {df['failover_ms'].median():.0f} ms, "
            f"{int(df['timed_out'].sum())} timed out")
        df.attrs.clear()
        frames.setdefault(system, []).append(df)
    for system, dfs in frames.items():
        write_measured(pd.concat(dfs, ignore_index=True), system, "failover", directory=out)

    stale_settings: dict[str, dict[str, Any]] = {
        "etcd": {"heartbeat_ms": 100, "election_timeout_ms": 1000},
        "zookeeper": {"tick_ms": 200, "sync_limit": 5},
        "redis": {"down_after_ms": 5000, "failover_timeout_ms": 10000}}
    for system, settings in stale_settings.items():
        if system not in only or "stale_reads" not in exps:
            continue
        # ≥ 100 reads per delay (9 delays, ~15–50 ms a trial), bounded in time
        log(f"stale reads {system}: up to {k(STALE_TRIALS)} trials, {STALE_BUDGET_S * a.scale:.0f} s")
        df = stale_reads(system, k(STALE_TRIALS), seed=a.seed, budget_s=STALE_BUDGET_S * a.scale, **settings)
        log(f"  {len(df)} trials, {df['stale'].mean():.3f} stale")
        write_measured(df, system, "stale_reads", directory=out,
                       notes={"wait": "sleep, then spin the last 0.2 ms (a spinning client starves servers)",
                              "probes": "rtt_ms: a follower read; lag_ms: follower notification − ack"})
        write_measured(df.attrs["history"].assign(system=system), system, "stale_reads_history",
                       directory=out, notes={"format": "syncmodel.testbed.history (one row per operation)"})
    if "redis" in only and "lost_writes" in exps:
        parts, hists = [], []
        for wait in (0, 1):
            log(f"lost writes redis WAIT {wait}: up to {k(LOST_TRIALS)} trials, "
                f"{LOST_BUDGET_S * a.scale:.0f} s")
            df = lost_writes(k(LOST_TRIALS), seed=a.seed + wait, wait_replicas=wait, lag_ms=5.0,
                             writes=200 if wait == 0 else 100, budget_s=LOST_BUDGET_S * a.scale)
            log(f"  {len(df)} trials, median lost {df['lost'].median():g}")
            hists.append(df.attrs.pop("history").assign(wait_replicas=wait))
            parts.append(df)
        write_measured(pd.concat(parts, ignore_index=True), "redis", "lost_writes", directory=out,
                       notes={"replication_lag": "every replica behind a DelayProxy of lag_ms"})
        write_measured(pd.concat(hists, ignore_index=True), "redis", "lost_writes_history", directory=out,
                       notes={"format": "syncmodel.testbed.history (one row per operation)"})
    if "memcached" in only and "key_loss" in exps:
        log("memcached key loss")
        write_measured(memcached_loss(k(15), seed=a.seed, n=4, keys=2000), "memcached", "key_loss",
                       directory=out)
    table = comparison_table(out)
    table.to_csv(out / "comparison.csv", index=False)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False))
    log("done")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
