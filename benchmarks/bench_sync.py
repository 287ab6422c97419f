"""Benchmark: syncmodel.sync throughput, side by side with peers in one process.

1. PBS t-visibility: the vectorized WARS Monte Carlo (trials/s) against the paper's
   pseudocode as a plain Python loop; the two estimates must agree.
2. The staleness probe on the simulator (quorum write, then read t ms later) against the
   same protocol written with SimPy: write/read pairs per second, and the two estimates of
   P(fresh read) must agree within their intervals.
3. The replicated store: simulated operations (client reads and writes) per second, and
   kernel events per second, for each replication mode.

Rates are per CPU-second of this process (``time.process_time``), so that other jobs on a
shared machine do not distort them; wall seconds are shown beside.
"""

from __future__ import annotations

import math
import time

import numpy as np
import simpy

from syncmodel.rng import spawn_ints
from syncmodel.sim.latency import buffered
from syncmodel.sync import pbs, simulate_store, staleness

N, R, W = 3, 1, 1
T_MS = 0.2


def wars_loop(n: int, r: int, w: int, t: float, law: pbs.ParetoExponential, trials: int, seed: int) -> float:
    """The paper's pseudocode, one trial at a time (the reference implementation's shape)."""
    rng = np.random.default_rng(seed)
    draw = buffered(lambda size: law.sample(rng, size))
    fresh = 0
    for _ in range(trials):
        ws = [draw() for _ in range(n)]
        wa = sorted(x + draw() for x in ws)[w - 1]
        rs = [draw() for _ in range(n)]
        order = sorted(range(n), key=lambda i: rs[i] + draw())[:r]
        fresh += any(wa + rs[i] + t >= ws[i] for i in order)
    return fresh / trials


def simpy_probe(n: int, r: int, w: int, t: float, law: pbs.ParetoExponential, trials: int,
                seed: int, gap: float = 0.05) -> float:
    """The simulator's staleness probe written with SimPy: per trial a process sends a write
    to all n replicas (each message a timeout), waits for w acks, sleeps t, reads all n and
    takes the first r answers."""
    env = simpy.Environment()
    rng = np.random.default_rng(seed)
    lat = buffered(lambda size: law.sample(rng, size))
    held: list[set[int]] = [set() for _ in range(n)]
    fresh = [0]

    def message(delay: float, fn, *args):
        ev = env.timeout(delay)
        ev.callbacks.append(lambda _e: fn(*args))

    def trial(i: int):
        yield env.timeout(i * gap)
        acked = env.event()
        count = [0]

        def arrive(rep: int) -> None:
            held[rep].add(i)
            message(lat(), ack)

        def ack() -> None:
            count[0] += 1
            if count[0] == w:
                acked.succeed()

        for rep in range(n):
            message(lat(), arrive, rep)
        yield acked
        yield env.timeout(t)
        answers: list[bool] = []
        done = env.event()

        def answer(has: bool) -> None:
            answers.append(has)
            if len(answers) == r:
                done.succeed()

        def ask(rep: int) -> None:
            message(lat(), answer, i in held[rep])

        for rep in range(n):
            message(lat(), ask, rep)
        yield done
        fresh[0] += any(answers[:r])

    for i in range(trials):
        env.process(trial(i))
    env.run()
    return fresh[0] / trials


def timed(fn, *args, **kwargs):
    """(result, CPU seconds of this process): rates per CPU-second stay meaningful on a
    machine shared with other jobs (wall time is printed too)."""
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn(*args, **kwargs)
    timed.wall = time.perf_counter() - t0  # type: ignore[attr-defined]
    return out, time.process_time() - c0


def main() -> None:
    law = pbs.profile("LNKD-SSD").R
    print("== 1. PBS t-visibility (N=3, R=W=1, t=0.2 ms, LNKD-SSD)")
    print(f"{'method':38s} {'trials':>9s} {'CPU s':>8s} {'wall s':>7s} {'trials/s':>11s} {'P(fresh)':>9s}")
    rows = []
    for prof in pbs.PROFILES:
        p, s = timed(pbs.t_visibility, N, R, W, T_MS, prof, trials=1_000_000, seed=1)
        rows.append((f"syncmodel vectorized, {prof}", 1_000_000, s, timed.wall, p))  # type: ignore[attr-defined]
    p_vec, s_vec = timed(pbs.t_visibility, N, R, W, T_MS, law, trials=1_000_000, seed=2)
    rows.append(("syncmodel vectorized, LNKD-SSD law", 1_000_000, s_vec, timed.wall, p_vec))  # type: ignore
    loop_n = 100_000
    p_loop, s_loop = timed(wars_loop, N, R, W, T_MS, law, loop_n, 3)
    rows.append(("pseudocode loop (pure Python)", loop_n, s_loop, timed.wall, p_loop))  # type: ignore
    for name, n, s, wall, p in rows:
        print(f"{name:38s} {n:9d} {s:8.3f} {wall:7.3f} {n / s:11.3g} {p:9.4f}")
    se = math.sqrt(p_vec * (1 - p_vec) / 1_000_000) + math.sqrt(p_loop * (1 - p_loop) / loop_n)
    print(f"speed-up vectorized / loop: {(1_000_000 / s_vec) / (loop_n / s_loop):.0f}x; "
          f"|difference| = {abs(p_vec - p_loop):.4f} (4σ = {4 * se:.4f}): "
          f"{'agree' if abs(p_vec - p_loop) < 4 * se else 'DISAGREE'}")

    print("\n== 2. staleness probe on a simulator (quorum write, read 0.2 ms after commit)")
    trials = 20_000
    res, s_sm = timed(staleness.t_visibility_sim, N, R, W, [T_MS], law, trials=trials, seed=4)
    p_sp, s_sp = timed(simpy_probe, N, R, W, T_MS, law, trials, 5)
    lo, hi = pbs.wilson(np.array([p_sp]), trials)
    print(f"{'simulator':14s} {'pairs/s':>9s} {'P(fresh)':>9s} {'95% interval':>18s}  (per CPU-second)")
    print(f"{'syncmodel.sim':14s} {trials / s_sm:9.0f} {res.fresh[0]:9.4f}   "
          f"[{res.lo[0]:.4f}, {res.hi[0]:.4f}]")
    print(f"{'SimPy':14s} {trials / s_sp:9.0f} {p_sp:9.4f}   [{lo[0]:.4f}, {hi[0]:.4f}]")
    overlap = res.lo[0] <= hi[0] and lo[0] <= res.hi[0]
    print(f"ratio syncmodel / SimPy: {s_sp / s_sm:.2f}x; intervals "
          f"{'overlap (agree)' if overlap else 'DO NOT overlap'}; WARS Monte Carlo: {p_vec:.4f}")

    print("\n== 3. replicated store, 4 clients x 100 ops/s, 20 s simulated, one crash-restart")
    print(f"{'mode':22s} {'ops':>7s} {'events':>8s} {'CPU s':>8s} {'sim ops/s':>10s} {'events/s':>9s}")
    for mode, r, w in (("sync", 1, 1), ("async", 1, 1), ("quorum", 2, 2), ("quorum", 1, 1),
                       ("multileader", 1, 1)):
        best = math.inf
        summary: dict = {}
        for seed in spawn_ints(6, 2):
            run, cpu = timed(simulate_store, mode, 3, r, w, seed=seed, duration_ms=20_000.0, clients=4,
                             write_rate_per_s=50.0, read_rate_per_s=50.0, crashes=[(1, 5000.0, 6000.0)])
            if cpu < best:
                best, summary = cpu, run.summary()
        ops = summary["writes"] + summary["reads"]
        label = f"{mode} R={r} W={w}" if mode == "quorum" else mode
        print(f"{label:22s} {ops:7d} {summary['events']:8d} {best:8.3f} {ops / best:10.0f} "
              f"{summary['events'] / best:9.0f}")


if __name__ == "__main__":
    main()
