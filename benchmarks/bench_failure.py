"""Benchmark: exact P(S) of k-of-n systems and grids, and Monte Carlo throughput.

syncmodel.failure side by side with repyability (RBD.system_probability) in
one process, on the same heterogeneous node probabilities; every pair of
values must agree to 1e-12.  Run: ``.venv/bin/python benchmarks/bench_failure.py``.
Targets (issue 3): majority of 1001 nodes < 50 ms; ≥ 10× repyability on
k-of-n (n = 11..501) and grids; Monte Carlo ≥ 1e7 node-samples per second.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from syncmodel.failure import failure_probability, failure_probability_mc, fault_tolerance
from syncmodel.structure import Sets, Structure, all_of, any_of, choose

TOL = 1e-12


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Smallest wall time over ``repeat`` runs, and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def sm_grid(r: int, c: int) -> Structure:
    rows = [[(i, j) for j in range(c)] for i in range(r)]
    return any_of([all_of(x) for x in rows]) * all_of([any_of(x) for x in rows])


def rp_koon(n: int, k: int) -> Any:
    from repyability import RBD

    return RBD([("s", i) for i in range(n)] + [(i, "t") for i in range(n)], k={"t": k})


def rp_grid(r: int, c: int) -> tuple[Any, dict[Any, float]]:
    """The grid as an RBD: junctions F_i (row i all up), A_i (row i has one up), R, W."""
    from repyability import RBD

    edges: list[tuple[Any, Any]] = []
    for i in range(r):
        for j in range(c):
            edges += [("s", (i, j)), ((i, j), f"F{i}"), ((i, j), f"A{i}")]
        edges += [(f"F{i}", "R"), (f"A{i}", "W")]
    edges += [("R", "t"), ("W", "t")]
    k = {f"F{i}": c for i in range(r)} | {"W": r, "t": 2}
    perfect = (
        {f"F{i}": 1.0 for i in range(r)} | {f"A{i}": 1.0 for i in range(r)} | {"R": 1.0, "W": 1.0}
    )
    return RBD(edges, k=k), perfect


def row(
    name: str, sm_cold: float, sm_warm: float, rp_cold: float, rp_warm: float, diff: float
) -> str:
    ok = "ok" if diff <= TOL else "MISMATCH"
    return (
        f"{name:22s} {sm_cold * 1e3:10.3f} {sm_warm * 1e3:10.3f} {rp_cold * 1e3:10.3f} "
        f"{rp_warm * 1e3:10.3f} {rp_cold / sm_cold:8.1f}x {rp_warm / sm_warm:8.1f}x  {diff:8.1e} {ok}"
    )


def main() -> int:
    rng = np.random.default_rng(20261126)
    failures = 0
    header = (
        f"{'system':22s} {'sm cold ms':>10s} {'sm warm ms':>10s} {'rp cold ms':>10s} "
        f"{'rp warm ms':>10s} {'cold':>9s} {'warm':>9s}  {'|ΔA|':>8s}"
    )
    print("cold = build the structure + first evaluation; warm = evaluate a built structure again")
    print(
        "sm = syncmodel.failure, rp = repyability RBD.system_probability; ratio = rp time / sm time"
    )

    # 1. the headline: majority of 1001 heterogeneous nodes
    p = rng.uniform(0.0, 0.2, 1001)
    t_cold, v = best(lambda: fault_tolerance(choose(501, 1001), p), 5)
    maj = choose(501, 1001)
    t_warm, _ = best(lambda: fault_tolerance(maj, p), 5)
    ok = t_cold < 0.050
    failures += not ok
    print(
        f"\nmajority of 1001, p ~ U(0, 0.2): {t_cold * 1e3:.2f} ms cold, {t_warm * 1e3:.2f} ms warm "
        f"(target < 50 ms: {'met' if ok else 'MISSED'}); P(S) = {1 - v:.3e}"
    )

    # 2. k-of-n, n = 11..501 (majorities and k = n/3), heterogeneous p
    print("\n" + header)
    min_ratio = np.inf
    for n, k in [
        (11, 6),
        (21, 11),
        (51, 26),
        (101, 51),
        (101, 34),
        (201, 101),
        (301, 151),
        (501, 251),
        (501, 167),
    ]:
        p = rng.uniform(0.0, 0.5, n)
        up = {i: 1.0 - float(p[i]) for i in range(n)}
        repeat = 20 if n <= 101 else 3
        sm_cold, a = best(lambda n=n, k=k, p=p: fault_tolerance(choose(k, n), p), repeat)
        s = choose(k, n)
        sm_warm, _ = best(lambda s=s, p=p: fault_tolerance(s, p), repeat)
        rp_cold, b = best(lambda n=n, k=k, up=up: rp_koon(n, k).system_probability(up)[0], repeat)
        rb = rp_koon(n, k)
        rp_warm, _ = best(lambda rb=rb, up=up: rb.system_probability(up)[0], repeat)
        diff = abs(a - float(b))
        failures += diff > TOL
        min_ratio = min(min_ratio, rp_cold / sm_cold, rp_warm / sm_warm)
        print(row(f"{k}-of-{n}", sm_cold, sm_warm, rp_cold, rp_warm, diff))

    # 3. grids (reads: a full row; writes: a node of every row; system = reads * writes)
    for r, c in [(3, 3), (4, 4), (5, 5), (6, 6), (8, 8), (10, 10), (12, 12)]:
        nodes = [(i, j) for i in range(r) for j in range(c)]
        p = rng.uniform(0.0, 0.2, len(nodes))
        pm = dict(zip(nodes, p.tolist(), strict=True))
        up = {x: 1.0 - q for x, q in pm.items()}
        sm_cold, a = best(lambda r=r, c=c, pm=pm: fault_tolerance(sm_grid(r, c), pm), 10)
        g = sm_grid(r, c)
        fault_tolerance(g, pm)
        sm_warm, _ = best(lambda g=g, pm=pm: fault_tolerance(g, pm), 20)

        def rp_cold_run(r: int = r, c: int = c, up: dict = up) -> float:
            rb, perfect = rp_grid(r, c)
            return float(rb.system_probability(up | perfect)[0])

        rp_cold, b = best(rp_cold_run, 5)
        rb, perfect = rp_grid(r, c)
        rb.system_probability(up | perfect)
        rp_warm, _ = best(lambda rb=rb, q=up | perfect: rb.system_probability(q)[0], 20)
        diff = abs(a - float(b))
        failures += diff > TOL
        min_ratio = min(min_ratio, rp_cold / sm_cold, rp_warm / sm_warm)
        print(row(f"grid {r}x{c}", sm_cold, sm_warm, rp_cold, rp_warm, diff))
    ok = min_ratio >= 10
    failures += not ok
    print(
        f"smallest speed-up over repyability: {min_ratio:.1f}x (target >= 10x: {'met' if ok else 'MISSED'})"
    )

    # 4. explicit set families (irregular: no read-once form, no blocks); no peer row
    print(f"\n{'explicit family (auto)':32s} {'ms':>9s} {'method':>12s}  {'|auto - enumeration|':>20s}")
    for n_nodes, n_sets, size in [(12, 30, 3), (16, 60, 4), (20, 60, 4), (22, 200, 5)]:
        fam_rng = np.random.default_rng(n_nodes)
        sets = [set(fam_rng.choice(n_nodes, size, replace=False).tolist()) for _ in range(n_sets)]
        p = fam_rng.uniform(0.0, 0.2, n_nodes).tolist()
        t, v = best(lambda sets=sets, p=p: failure_probability(Sets(sets), p), 1)
        fam = Sets(sets)
        failure_probability(fam, p)
        used = "factoring" if "plan" in fam._cached("failure_plans", dict) else "enumeration"
        ref = failure_probability(Sets(sets), p, method="enumeration")
        name = f"{n_nodes} nodes, {n_sets} sets of {size}"
        print(f"{name:32s} {t * 1e3:9.1f} {used:>12s}  {abs(v - ref):20.1e}")
        failures += abs(v - ref) > TOL

    # 5. Monte Carlo throughput
    print(
        f"\n{'Monte Carlo':22s} {'samples':>10s} {'seconds':>9s} {'node-samples/s':>15s}  estimate vs exact"
    )
    worst = np.inf
    for name, s, q in [
        ("majority of 101", choose(51, 101), 0.4),
        ("grid 10x10", sm_grid(10, 10), 0.05),
        ("5-of-9", choose(5, 9), 0.3),
    ]:
        samples = 1_000_000
        t, res = best(
            lambda s=s, q=q, samples=samples: failure_probability_mc(s, q, samples=samples, seed=1),
            3,
        )
        rate = samples * s.n / t
        worst = min(worst, rate)
        exact = failure_probability(s, q)
        print(
            f"{name:22s} {samples:10d} {t:9.3f} {rate:15.3e}  {res.estimate:.5f} "
            f"[{res.low:.5f}, {res.high:.5f}] vs {exact:.5f}"
        )
    ok = worst >= 1e7
    failures += not ok
    print(
        f"slowest Monte Carlo: {worst:.2e} node-samples/s (target >= 1e7: {'met' if ok else 'MISSED'})"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
