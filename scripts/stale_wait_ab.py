"""A/B test: does the client's way of waiting t ms change how often an etcd follower read is stale?

"spin" waits in a busy loop (the testbed's old wait, one CPU held at 100 %); "sleep" sleeps
and spins only the last 0.2 ms (:func:`syncmodel.testbed.staleness._wait_until`).  The two
alternate (spin, sleep, spin, sleep: each ``--trials`` reads over six delays) so both see the
same machine load.  Needs etcd (scripts/ensure_servers.sh).  Run from the repository root:

    PYTHONPATH=$PWD nice -n -10 .venv/bin/python scripts/stale_wait_ab.py --trials 360
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from syncmodel import testbed
from syncmodel.testbed import staleness

DELAYS_MS = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0)


def _spin(t_perf: float) -> None:
    while time.perf_counter() < t_perf:
        pass


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=360, help="reads per run (spread over six delays)")
    ap.add_argument("--repeats", type=int, default=2)
    a = ap.parse_args()
    sleep = staleness._wait_until
    runs = []
    try:
        for rep in range(a.repeats):
            for mode in ("spin", "sleep"):
                staleness._wait_until = _spin if mode == "spin" else sleep
                df = testbed.stale_reads("etcd", a.trials, seed=rep, delays_ms=DELAYS_MS,
                                         heartbeat_ms=100, election_timeout_ms=1000)
                df.attrs.clear()
                runs.append(df.assign(mode=mode, rep=rep))
                print(f"run {rep} {mode}: load {df['load_1min'].mean():.1f}, stale by delay "
                      f"{df.groupby('delay_target_ms')['stale'].mean().round(3).tolist()}", flush=True)
    finally:
        staleness._wait_until = sleep
    both = pd.concat(runs, ignore_index=True)
    print(both.groupby(["delay_target_ms", "mode"])["stale"].agg(["sum", "count", "mean"]).unstack("mode"))


if __name__ == "__main__":
    main()
