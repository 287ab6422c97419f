"""Benchmark syncmodel.quorum against quoracle, side by side in one process.

Same systems, same capacities, same read fractions; the values must agree to
1e-6 relative.  Targets (issue 4): ≥ 20× faster than quoracle on a majority
of 11 and a 5×5 grid; capacity and availability of a majority of 101 < 100 ms.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
warnings.filterwarnings("ignore", category=DeprecationWarning)

from syncmodel import quorum as Q  # noqa: E402


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """(fastest seconds, value) over ``repeat`` calls: the minimum is the least noisy on a shared machine."""
    times, value = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return min(times), value


def main() -> int:
    rows: list[tuple[str, float, float | None, float, float | None]] = []
    ok = True

    # -- majority of 101: first call in a fresh process (no scipy loaded yet), then warm
    t0 = time.perf_counter()
    m101 = Q.majority(101)
    cap = m101.capacity(read_fraction=0.5)
    avail = m101.availability(0.4, op="read")
    cold = time.perf_counter() - t0
    warm, _ = timed(lambda: (Q.majority(101).capacity(read_fraction=0.5),
                             Q.majority(101).availability(0.4, op="read")), 20)
    # (timings are the fastest of several runs, quoracle's of 2; values must agree to 1e-6)
    print(f"majority of 101: capacity(0.5) = {cap:.6g}, read availability(p=0.4) = {avail:.12g}")
    print(f"  first call {cold * 1e3:.1f} ms, warm {warm * 1e3:.2f} ms (target < 100 ms)")
    ok &= cold < 0.1
    hetero = [1 + (i % 5) for i in range(101)]
    t_h, cap_h = timed(lambda: Q.majority(101, capacity=hetero).capacity(read_fraction=0.5), 5)
    print(f"  with capacities 1..5: capacity(0.5) = {cap_h:.6g} in {t_h * 1e3:.1f} ms (LP over marginals)")

    try:
        import quoracle
    except ImportError:  # pragma: no cover
        print("quoracle is not installed: no side-by-side comparison")
        return 0 if ok else 1

    def q_majority(n: int, caps: list[float]) -> Any:
        xs = [quoracle.Node(i, capacity=caps[i]) for i in range(n)]
        return quoracle.QuorumSystem(reads=quoracle.majority(xs))

    def q_grid(r: int, c: int, caps: list[float]) -> Any:
        xs = [quoracle.Node(i, capacity=caps[i]) for i in range(r * c)]
        reads = None
        for i in range(r):
            term = xs[i * c]
            for j in range(1, c):
                term = term * xs[i * c + j]
            reads = term if reads is None else reads + term
        return quoracle.QuorumSystem(reads=reads)

    cases = [
        ("majority of 11, capacity 1", lambda: Q.majority(11), lambda: q_majority(11, [1] * 11)),
        ("majority of 11, capacities 1..4",
         lambda: Q.majority(11, capacity=[1 + i % 4 for i in range(11)]),
         lambda: q_majority(11, [1 + i % 4 for i in range(11)])),
        ("5x5 grid, capacity 1", lambda: Q.grid(5, 5), lambda: q_grid(5, 5, [1] * 25)),
        ("5x5 grid, capacities 1..3",
         lambda: Q.grid(5, 5, capacity=[1 + i % 3 for i in range(25)]),
         lambda: q_grid(5, 5, [1 + i % 3 for i in range(25)])),
    ]
    for fr in (0.5, {0.9: 3, 0.1: 1}):
        for name, ours, theirs in cases:
            label = f"{name}, read_fraction={fr}"
            t_ours, v_ours = timed(lambda ours=ours, fr=fr: ours().load(read_fraction=fr), 7)
            t_q, v_q = timed(lambda theirs=theirs, fr=fr: theirs().load(read_fraction=fr), 2)
            rel = abs(v_ours - v_q) / abs(v_q)
            ok &= rel < 1e-6 and t_q / t_ours >= 20
            rows.append((label, t_ours, t_q, v_ours, rel))

    # other metrics: network load under a load limit, latency under limits (listed quorums), f = 1
    lat7 = [1 + (i * 3) % 7 for i in range(7)]
    cap7 = [1 + i % 3 for i in range(7)]

    def q_lat_majority() -> Any:
        xs = [quoracle.Node(i, capacity=cap7[i], latency=timedelta(seconds=lat7[i])) for i in range(7)]
        return quoracle.QuorumSystem(reads=quoracle.majority(xs))

    extra = [
        ("5x5 grid, min network load s.t. load <= 0.5",
         lambda: Q.grid(5, 5).strategy(read_fraction=0.5, optimize="network", load_limit=0.5)
         .network_load(read_fraction=0.5),
         lambda: q_grid(5, 5, [1] * 25).strategy(read_fraction=0.5, optimize="network", load_limit=0.5)
         .network_load(read_fraction=0.5)),
        ("majority of 7 with latencies, min latency s.t. load <= 0.6",
         lambda: Q.majority(7, capacity=cap7, latency=lat7).strategy(
             read_fraction=0.5, optimize="latency", load_limit=0.6).latency(read_fraction=0.5),
         lambda: q_lat_majority().strategy(read_fraction=0.5, optimize="latency", load_limit=0.6)
         .latency(read_fraction=0.5).total_seconds()),
        ("3x3 grid, capacities 1..3, f = 1 load",
         lambda: Q.grid(3, 3, capacity=[1 + i % 3 for i in range(9)]).load(read_fraction=0.5, f=1),
         lambda: q_grid(3, 3, [1 + i % 3 for i in range(9)]).load(read_fraction=0.5, f=1)),
    ]
    for label, ours_fn, theirs_fn in extra:
        t_ours, v_ours = timed(ours_fn, 5)
        t_q, v_q = timed(theirs_fn, 1)
        rel = abs(v_ours - v_q) / abs(v_q)
        ok &= rel < 1e-6
        rows.append((label, t_ours, t_q, v_ours, rel))

    print()
    head = f"{'metric of the optimal strategy':58s} {'ours ms':>9s} {'quoracle ms':>12s}"
    print(f"{head} {'ratio':>8s} {'rel diff':>9s}")
    for label, t_o, t_q, _v, rel in rows:
        assert t_q is not None and rel is not None
        print(f"{label:58s} {t_o * 1e3:9.2f} {t_q * 1e3:12.1f} {t_q / t_o:7.0f}x {rel:9.1e}")
    print()
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
