"""Benchmark: syncmodel.check linearizability, side by side with a brute-force permutation
checker and with the search run without per-key partitioning.

1. Every shared history (tests/data/histories, Jepsen etcd and Porcupine key-value): the
   verdict against the known one, the time to a verdict and with the witness (the longest
   prefix and a minimal set that cannot be ordered). Porcupine (Go) needs a median 0.2 ms,
   and 0.37 s / 0.22 s for etcd_002 / etcd_007. Targets: each < 0.5 s, most a few ms.
2. Brute force (every order of every subset of the indeterminate operations) on thousands
   of small random histories: the verdicts must agree exactly; times side by side.
3. Brute force against the search on growing histories with a stale read (factorial vs not).
4. A generated 10,000-operation, 50-key, 10-client key-value history (linearizable by
   construction, and with one stale read injected), with and without per-key partitioning
   (the latter with a time budget). Target: a few seconds partitioned. Also 10,000
   operations on a single register (nothing to partition) with 5 % timed-out operations.

Times are CPU seconds of this process (``time.process_time``; the machine is shared);
the script exits 1 if a verdict is wrong or a target is missed. No timed asserts in tests.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from syncmodel import check
from syncmodel.check import generate

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "histories"
KNOWN = {"etcd_000.log": False, "etcd_001.log": False, "etcd_002.log": True, "etcd_003.log": False,
         "etcd_005.log": True, "etcd_007.log": True, "kv_c01-ok.txt": True, "kv_c01-bad.txt": False}
PORCUPINE_S = {"etcd_002.log": 0.37, "etcd_007.log": 0.22}   # issue 16, Porcupine's reported times
missed: list[str] = []


def cpu(fn, repeat: int = 5) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """Median CPU seconds of ``fn()`` over ``repeat`` runs, and its last result."""
    times, out = [], None
    for _ in range(repeat):
        t = time.process_time()
        out = fn()
        times.append(time.process_time() - t)
    return statistics.median(times), out


def shared() -> None:
    print("\n1. Shared histories (median of 5, CPU ms)")
    print(f"{'history':16} {'ops':>4} {'info':>4} {'known':>6} {'verdict':>7} {'verdict ms':>10} "
          f"{'+witness ms':>11} {'witness':>7} {'Porcupine':>9}")
    for name, known in KNOWN.items():
        h = check.load_jepsen(DATA / name) if name.endswith(".log") else check.load_edn(DATA / name)
        model = "register" if name.endswith(".log") else "kv"
        t_v, r = cpu(lambda h=h, model=model: check.linearizable(h, model, explain=False))
        t_w, rw = cpu(lambda h=h, model=model: check.linearizable(h, model))
        assert isinstance(r, check.LinearizabilityResult) and isinstance(rw, check.LinearizabilityResult)
        pc = f"{1000 * PORCUPINE_S[name]:.0f} ms" if name in PORCUPINE_S else ""
        print(f"{name:16} {len(h):4d} {sum(o.type == 'info' for o in h):4d} {known!s:>6} {r.verdict!s:>7} "
              f"{1000 * t_v:10.2f} {1000 * t_w:11.2f} {len(rw.violation):7d} {pc:>9}")
        if r.verdict is not known or rw.verdict is not known:
            missed.append(f"{name}: verdict {r.verdict}, known {known}")
        if t_w >= 0.5:
            missed.append(f"{name}: {t_w:.3f} s ≥ 0.5 s")


def brute(n: int = 3000) -> None:
    print(f"\n2. Brute force vs search on {n} random histories of 6–8 operations")
    agree = lin = 0
    t_s = t_b = 0.0
    for s in range(n):
        h = generate.random_history(6 + s % 3, 3 + s % 2, 1 + (s % 4 == 0), 2 + s % 2, seed=s,
                                    info_fraction=(0.1, 0.3, 0.5)[s % 3], append=s % 9 == 0)
        model = "kv" if s % 4 == 0 or s % 9 == 0 else "register"
        t = time.process_time()
        a = check.linearizable(h, model, explain=False).verdict
        t_s += time.process_time() - t
        t = time.process_time()
        b = check.brute_linearizable(h, model)
        t_b += time.process_time() - t
        agree += a == b
        lin += b
    print(f"   agree on {agree}/{n} ({lin} linearizable); search {1e6 * t_s / n:.0f} µs, "
          f"brute force {1e6 * t_b / n:.0f} µs per history")
    if agree != n:
        missed.append(f"brute force disagrees on {n - agree} histories")


def growth() -> None:
    print("\n3. Brute force vs search on growing histories with one stale read (brute force must try "
          "every order; CPU ms)")
    print(f"{'ops':>4} {'search':>9} {'brute':>10}")
    from syncmodel.errors import InvalidParameterError

    for ops in (4, 5, 6, 7, 8, 9):
        for seed in range(100):
            try:
                base = generate.sequential_history(ops, 3, 1, seed=seed)
                h, _ = generate.inject_stale_read(base, seed=seed)
                break
            except InvalidParameterError:
                continue
        t_s, a = cpu(lambda h=h: check.linearizable(h, explain=False), repeat=3)
        t_b, b = cpu(lambda h=h: check.brute_linearizable(h), repeat=1)
        print(f"{ops:4d} {1000 * t_s:9.3f} {1000 * t_b:10.1f}")
        if a.verdict is not False or b is not False:  # type: ignore[attr-defined]
            missed.append(f"growth: a history of {ops} ops with a stale read judged linearizable")


def big(budget_s: float = 20.0) -> None:
    print("\n4. Generated key-value histories, 10 clients, 50 keys (CPU s)")
    cases = [("10,000 ops", dict(ops=10_000)), ("10,000 ops, 5 % info, 10 % cas",
                                                dict(ops=10_000, info_fraction=0.05, cas_fraction=0.1)),
             ("10,000 ops, long overlaps", dict(ops=10_000, mean_delay_ms=15.0))]
    for label, kw in cases:
        h = generate.sequential_history(clients=10, keys=50, seed=1, **kw)  # type: ignore[arg-type]
        t_p, r = cpu(lambda h=h: check.linearizable(h, "kv"), repeat=3)
        bad, i = generate.inject_stale_read(h, seed=2)
        t_b, rb = cpu(lambda bad=bad: check.linearizable(bad, "kv"), repeat=1)
        print(f"   {label}: linearizable={r.verdict} in {t_p:.3f} s;"  # type: ignore[attr-defined]
              f" one stale read: {rb.verdict} in {t_b:.3f} s, witness {rb.violation}")  # type: ignore[attr-defined]
        if r.verdict is not True or rb.verdict is not False or i not in rb.violation:  # type: ignore[attr-defined]
            missed.append(f"{label}: wrong verdict")
        if t_p > 5.0:
            missed.append(f"{label}: {t_p:.1f} s > 5 s")
    h = generate.sequential_history(10_000, 10, 1, seed=1, info_fraction=0.05, cas_fraction=0.1,
                                    mean_delay_ms=5.0)
    t = time.process_time()
    r1 = check.linearizable(h, "register", timeout_s=60.0)
    print(f"   one register (nothing to partition), 10,000 ops, 5 % info, 10 % cas: "
          f"linearizable={r1.verdict} in {time.process_time() - t:.3f} s")
    if r1.verdict is not True:
        missed.append("one register, 10,000 ops: not judged linearizable within 60 s")
    print(f"   without per-key partitioning (the map as one object, budget {budget_s:g} s wall):")
    for ops in (500, 1000, 2000, 4000, 10_000):
        h = generate.sequential_history(ops, 10, 50, seed=1)
        t = time.process_time()
        r = check.linearizable(h, "kv", partition=False, timeout_s=budget_s)
        t_w = time.process_time() - t
        t = time.process_time()
        check.linearizable(h, "kv")
        t_k = time.process_time() - t
        verdict = "unknown (budget ran out)" if r.verdict is None else str(r.verdict)
        print(f"   {ops:6d} ops: whole map {t_w:7.3f} s → {verdict}; per key {t_k:.3f} s")
        if r.verdict is None:
            break


if __name__ == "__main__":
    shared()
    brute()
    growth()
    big()
    if missed:
        print("\nMISSED:", *missed, sep="\n  ")
        sys.exit(1)
    print("\nall verdicts right, all targets met")
