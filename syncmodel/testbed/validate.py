"""``make validate``: the full experiment set, written to data/measured/ with provenance, then compared.

Run as ``python -m syncmodel.testbed.validate [--scale S] [--out DIR] [--workers W]``.  The
experiments are mostly waiting on server timeouts, so they run as independent *tasks* in a
thread pool (:func:`run_tasks`): each failover chain (a sequence of settings on clusters of
its own, on its own free ports) is one task, and so is each other experiment.  Every
experiment stays bounded in trials and in wall time (``--scale`` multiplies both); the
default plan (≥ 100 trials per failover setting) stays under 15 minutes on a 2-core machine.
Ends with ``comparison.csv`` (measured vs model).
"""

from __future__ import annotations

import argparse
import functools
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "FAILOVER_PLAN",
    "LOST_BUDGET_S",
    "LOST_TRIALS",
    "STALE_BUDGET_S",
    "STALE_TRIALS",
    "Output",
    "main",
    "run_tasks",
]

#: (chain, system, n, fault, trials, budget_s, settings): settings of one chain run one after
#: another (one cluster per setting); different chains run concurrently.
PlanStep = tuple[str, str, int, str, int, float, dict[str, Any]]
_ZK = {"tick_ms": 200, "sync_limit": 5}
_SENTINEL = {"down_after_ms": 500, "failover_timeout_ms": 1000}
FAILOVER_PLAN: list[PlanStep] = [
    # the longest chains first (a Sentinel crash trial waits 2 × failover-timeout and a replica
    # resync; a ZooKeeper crash trial restarts a JVM): two chains of half the trials each
    ("redis-crash-1", "redis", 3, "crash", 52, 760.0, _SENTINEL),
    ("redis-crash-2", "redis", 3, "crash", 52, 760.0, _SENTINEL),
    ("zookeeper-crash-1", "zookeeper", 3, "crash", 52, 760.0, _ZK),
    ("zookeeper-crash-2", "zookeeper", 3, "crash", 52, 760.0, _ZK),
    ("etcd-b", "etcd", 3, "crash", 100, 420.0, {"heartbeat_ms": 100, "election_timeout_ms": 1000}),
    ("etcd-b", "etcd", 5, "crash", 100, 330.0, {"heartbeat_ms": 50, "election_timeout_ms": 500}),
    ("etcd-a", "etcd", 3, "crash", 100, 360.0, {"heartbeat_ms": 50, "election_timeout_ms": 500}),
    ("etcd-a", "etcd", 3, "pause", 100, 330.0, {"heartbeat_ms": 50, "election_timeout_ms": 500}),
    ("redis-pause-1", "redis", 3, "pause", 52, 600.0, _SENTINEL),
    ("redis-pause-2", "redis", 3, "pause", 52, 600.0, _SENTINEL),
    ("zookeeper-pause-1", "zookeeper", 3, "pause", 52, 600.0, _ZK),
    ("zookeeper-pause-2", "zookeeper", 3, "pause", 52, 600.0, _ZK),
]

#: stale reads per system: 9 delays × 120 reads, at most this many seconds
STALE_TRIALS, STALE_BUDGET_S = 1080, 150.0
#: Redis lost-write trials per WAIT setting (a fresh cluster each), at most this many seconds
LOST_TRIALS, LOST_BUDGET_S = 20, 300.0


class Output(NamedTuple):
    """One measured table a task produced: written to ``<system>_<experiment>.csv``; outputs
    of several tasks for the same file are concatenated (e.g. two etcd failover chains)."""

    system: str
    experiment: str
    frame: pd.DataFrame
    notes: dict[str, Any] | None = None


Task = Callable[[], list[Output]]


def run_tasks(tasks: dict[str, Task], workers: int, log: Callable[[str], None] = print
              ) -> tuple[list[Output], dict[str, BaseException]]:
    """Run every task (name -> callable returning :class:`Output` rows) in a pool of ``workers``
    threads; the outputs of those that finished, and the exception of each that failed (a
    failed task does not stop the others).  Each task bounds its own trials and time."""
    from .experiments import STOP

    outs: list[Output] = []
    errors: dict[str, BaseException] = {}
    lock = threading.Lock()
    STOP.clear()
    pool = ThreadPoolExecutor(max_workers=max(1, int(workers)), thread_name_prefix="validate")
    futs = {pool.submit(fn): name for name, fn in tasks.items()}
    try:
        for fut in as_completed(futs):
            name = futs[fut]
            try:
                got = fut.result()
            except Exception as exc:  # reported; the other tasks go on
                errors[name] = exc
                log(f"task {name} FAILED: {type(exc).__name__}: {exc}")
                continue
            with lock:
                outs.extend(got)
            log(f"task {name} done")
    except BaseException:
        # interrupted: queued tasks never start, running failover chains end after their
        # current trial (each reaps its cluster on the way out)
        STOP.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return outs, errors


def merge_outputs(outs: list[Output]) -> list[Output]:
    """One :class:`Output` per (system, experiment): frames concatenated in task order."""
    import pandas as pd

    groups: dict[tuple[str, str], list[Output]] = {}
    for o in outs:
        groups.setdefault((o.system, o.experiment), []).append(o)
    merged = []
    for (system, exp), parts in groups.items():
        notes: dict[str, Any] = {}
        for p in parts:
            notes.update(p.notes or {})
        frame = pd.concat([p.frame for p in parts], ignore_index=True)
        merged.append(Output(system, exp, frame, notes or None))
    return merged


def main(argv: list[str] | None = None) -> int:
    import pandas as pd

    from . import failover, installed, lost_writes, memcached_loss, stale_reads
    from .data import MEASURED_DIR, write_measured
    from .report import comparison_table

    ap = argparse.ArgumentParser(prog="python -m syncmodel.testbed.validate")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every trial count and time budget")
    ap.add_argument("--out", default=str(MEASURED_DIR))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=6, help="experiment chains run at once (threads)")
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

    tasks: dict[str, Task] = {}
    # ---------------------------------------------------------------- failover chains
    chains: dict[str, list[tuple[int, tuple[str, str, int, str, int, float, dict[str, Any]]]]] = {}
    for i, step in enumerate(FAILOVER_PLAN):
        if step[1] in only and "failover" in exps:
            chains.setdefault(step[0], []).append((i, step))

    def failover_chain(steps: list[tuple[int, tuple[str, str, int, str, int, float, dict[str, Any]]]]
                       ) -> list[Output]:
        res = []
        for i, (chain, system, n, fault, trials, budget, settings) in steps:
            log(f"{chain}: failover {system} n={n} {fault} {settings}: up to {k(trials)} trials, "
                f"{budget * a.scale:.0f} s")
            t0 = time.monotonic()
            df = failover(system, k(trials), fault=fault, seed=a.seed + i, n=n, budget_s=budget * a.scale,
                          **settings)
            log(f"{chain}:   {len(df)} trials in {time.monotonic() - t0:.0f} s, median "
                f"{df['failover_ms'].median():.0f} ms, {int(df['timed_out'].sum())} timed out")
            df.attrs.clear()
            res.append(Output(system, "failover", df.assign(chain=chain)))
        return res

    for chain, steps in chains.items():
        tasks[f"failover {chain}"] = functools.partial(failover_chain, steps)

    # ---------------------------------------------------------------- stale reads, lost writes, key loss
    stale_settings: dict[str, dict[str, Any]] = {
        "etcd": {"heartbeat_ms": 100, "election_timeout_ms": 1000},
        "zookeeper": {"tick_ms": 200, "sync_limit": 5},
        "redis": {"down_after_ms": 5000, "failover_timeout_ms": 10000}}

    def stale_task(system: str, settings: dict[str, Any]) -> list[Output]:
        # >= 100 reads per delay (9 delays, ~15-50 ms a trial), bounded in time
        log(f"stale reads {system}: up to {k(STALE_TRIALS)} trials, {STALE_BUDGET_S * a.scale:.0f} s")
        df = stale_reads(system, k(STALE_TRIALS), seed=a.seed, budget_s=STALE_BUDGET_S * a.scale, **settings)
        log(f"  stale reads {system}: {len(df)} trials, {df['stale'].mean():.3f} stale")
        hist = df.attrs.pop("history").assign(system=system)
        return [Output(system, "stale_reads", df,
                       {"wait": "sleep, then spin the last 0.2 ms (a spinning client starves servers)",
                        "probes": "rtt_ms: a follower read; lag_ms: follower notification - ack"}),
                Output(system, "stale_reads_history", hist,
                       {"format": "syncmodel.testbed.history (one row per operation)"})]

    for system, settings in stale_settings.items():
        if system in only and "stale_reads" in exps:
            tasks[f"stale_reads {system}"] = functools.partial(stale_task, system, settings)

    def lost_task() -> list[Output]:
        parts, hists = [], []
        for wait in (0, 1):
            log(f"lost writes redis WAIT {wait}: up to {k(LOST_TRIALS)} trials, "
                f"{LOST_BUDGET_S * a.scale:.0f} s")
            df = lost_writes(k(LOST_TRIALS), seed=a.seed + wait, wait_replicas=wait, lag_ms=5.0,
                             writes=200 if wait == 0 else 100, budget_s=LOST_BUDGET_S * a.scale)
            log(f"  {len(df)} trials, median lost {df['lost'].median():g}")
            hists.append(df.attrs.pop("history").assign(wait_replicas=wait))
            parts.append(df)
        return [Output("redis", "lost_writes", pd.concat(parts, ignore_index=True),
                       {"replication_lag": "every replica behind a DelayProxy of lag_ms"}),
                Output("redis", "lost_writes_history", pd.concat(hists, ignore_index=True),
                       {"format": "syncmodel.testbed.history (one row per operation)"})]

    if "redis" in only and "lost_writes" in exps:
        tasks["lost_writes redis"] = lost_task
    if "memcached" in only and "key_loss" in exps:
        tasks["key_loss memcached"] = lambda: [
            Output("memcached", "key_loss", memcached_loss(k(15), seed=a.seed, n=4, keys=2000))]

    # the Redis lost-write trials (a fresh cluster each, ~11 s a trial) are the longest single
    # task: start it first so it overlaps the failover chains instead of ending the run alone
    if "lost_writes redis" in tasks:
        tasks = {"lost_writes redis": tasks.pop("lost_writes redis"), **tasks}
    log(f"{len(tasks)} tasks, {a.workers} at a time: {', '.join(tasks)}")
    outs, errors = run_tasks(tasks, a.workers, log)
    wall_s = time.monotonic() - t_all
    for o in merge_outputs(outs):
        notes = {**(o.notes or {}), "validate_wall_s": f"{wall_s:.0f} ({a.workers} tasks at a time)"}
        write_measured(o.frame, o.system, o.experiment, directory=out, notes=notes)
    table = comparison_table(out)
    table.to_csv(out / "comparison.csv", index=False)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False))
    log(f"done: experiments {wall_s:.0f} s wall, {len(errors)} task(s) failed")
    return 1 if errors else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
