"""Benchmark of syncmodel.sweep against the same work done by hand, side by side.

1. per-task overhead, serial: sweep.run on a trivial fn vs a plain Python loop
   (target: < 1 ms per task);
2. the cache: cost per task of storing, and of a finished sweep read back;
3. a CPU-bound sweep of 64 tasks: serial vs sweep on 2 local processes
   (target: >= 1.6x the serial throughput) vs ``ProcessPoolExecutor.map`` by hand,
   and on a 2-process Dask LocalCluster vs Dask's own ``client.map``.
Every variant's numbers are checked equal to the serial run's.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from syncmodel import rng, sweep

N_TRIVIAL = 20_000
N_CACHE = 500
CPU_GRID = {"block": list(range(16)), "size": [1_500_000, 1_600_000, 1_700_000, 1_800_000]}


def trivial(x: int, seed: int) -> dict[str, int]:
    return {"y": x + 1}


def cpu_bound(block: int, size: int, seed: int) -> dict[str, float]:
    """About 30-40 ms of single-threaded numpy work (no BLAS threads)."""
    g = np.random.default_rng(seed)
    total = 0.0
    for _ in range(3):
        total += float(np.sort(g.random(size // 6)).cumsum()[-1])
    return {"total": total, "mean": total / size}


def best(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def timed_cpu(fn) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Wall time and CPU time of ``fn()``, this process plus its finished children
    (a pool's workers are joined at shutdown): CPU/wall = the cores it obtained."""
    before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    fn()
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime
              for a, b in zip(after, before, strict=True))
    return wall, cpu


def row(name: str, seconds: float, n: int, ref: float | None = None, note: str = "") -> None:
    ratio = f"{ref / seconds:6.2f}x" if ref else "      "
    print(f"{name:46s} {seconds:8.3f} s {seconds / n * 1e6:10.1f} µs/task {ratio}  {note}")


def main() -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"cores: {os.cpu_count()}  python {sys.version.split()[0]}  load average before: {load}"
          "  (other jobs on the machine lower the parallel speed-up)")
    print(f"{'variant':46s} {'time':>10s} {'per task':>17s} {'speed':>7s}")

    # 1. serial overhead
    xs = list(range(N_TRIVIAL))
    seeds = rng.spawn_ints(0, N_TRIVIAL)

    def loop() -> list[dict[str, int]]:
        return [{"x": x, "seed": s, **trivial(x, seed=s)} for x, s in zip(xs, seeds, strict=True)]

    t_loop = best(loop)
    df = sweep.run(trivial, {"x": xs}, progress=False)
    assert df["y"].tolist() == [r["y"] for r in loop()]
    t_sweep = best(lambda: sweep.run(trivial, {"x": xs}, progress=False))
    t_bar = best(lambda: sweep.run(trivial, {"x": xs}, progress=True), repeat=1)
    overhead_ms = (t_sweep - t_loop) / N_TRIVIAL * 1e3
    print("-- serial, trivial fn")
    row("plain Python loop (peer)", t_loop, N_TRIVIAL)
    row("sweep.run(progress=False)", t_sweep, N_TRIVIAL, note=f"overhead {overhead_ms:.4f} ms/task")
    row("sweep.run(progress=True)", t_bar, N_TRIVIAL)

    # 2. cache
    print("-- cache (Parquet, one file per task)")
    with tempfile.TemporaryDirectory() as tmp:
        grid = {"x": list(range(N_CACHE))}
        t0 = time.perf_counter()
        first = sweep.run(trivial, grid, progress=False, cache=tmp)
        t_store = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = sweep.run(trivial, grid, progress=False, cache=tmp)
        t_read = time.perf_counter() - t0
        assert again.attrs["computed"] == 0 and again.equals(first)
        row("first run, storing every task", t_store, N_CACHE)
        row("re-run of the finished sweep", t_read, N_CACHE)

    # 3. CPU-bound, parallel
    n_cpu = len(sweep.grid_points(CPU_GRID))
    print(f"-- CPU-bound, {n_cpu} tasks")
    serial = sweep.run(cpu_bound, CPU_GRID, progress=False)
    procs = sweep.run(cpu_bound, CPU_GRID, progress=False, executor="processes")
    assert procs.equals(serial)
    t_serial = t_procs = float("inf")
    cores_serial = cores_procs = 0.0
    for _ in range(2):  # interleaved, best of two: both see the same machine load
        wall, cpu = timed_cpu(lambda: sweep.run(cpu_bound, CPU_GRID, progress=False))
        if wall < t_serial:
            t_serial, cores_serial = wall, cpu / wall
        wall, cpu = timed_cpu(lambda: sweep.run(cpu_bound, CPU_GRID, progress=False,
                                                executor="processes"))
        if wall < t_procs:
            t_procs, cores_procs = wall, cpu / wall
    row("sweep.run serial", t_serial, n_cpu, t_serial, f"{cores_serial:.2f} cores obtained")
    row("sweep.run executor='processes' (2 workers)", t_procs, n_cpu, t_serial,
        f"{cores_procs:.2f} cores obtained; target >= 1.60x")
    points = sweep.grid_points(CPU_GRID)
    task_seeds = [s[0] for s in sweep.task_seeds(0, n_cpu, 1)]

    def by_hand(ex: cf.Executor) -> list[float]:
        futures = [ex.submit(cpu_bound, seed=s, **p) for p, s in zip(points, task_seeds,
                                                                     strict=True)]
        return [f.result()["total"] for f in futures]

    with cf.ProcessPoolExecutor(os.cpu_count()) as ex:
        by_hand(ex)  # warm the workers
        t0 = time.perf_counter()
        totals = by_hand(ex)
        t_hand = time.perf_counter() - t0
    assert totals == serial["total"].tolist()
    row("ProcessPoolExecutor by hand, warm (peer)", t_hand, n_cpu, t_serial)

    try:
        _dask_rows(points, task_seeds, serial, t_serial)
    except ImportError:
        print("dask.distributed not installed: Dask rows skipped")
    ratio = t_serial / t_procs
    ok = overhead_ms < 1.0 and ratio >= 1.6
    print(f"targets: serial overhead {overhead_ms:.4f} ms/task < 1 ms; 2 processes {ratio:.2f}x "
          f"the serial throughput >= 1.6x: {'met' if ok else 'NOT met'}")


def _dask_rows(points: list[dict[str, Any]], task_seeds: list[int], serial: pd.DataFrame,
               t_serial: float) -> None:
    import logging

    import distributed

    logging.getLogger("distributed").setLevel(logging.ERROR)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as lc, \
            distributed.Client(lc) as client:
        ex = client.get_executor()
        dask_df = sweep.run(cpu_bound, CPU_GRID, progress=False, executor=ex)
        assert dask_df.equals(serial)
        n_cpu = len(points)
        t_dask = best(lambda: sweep.run(cpu_bound, CPU_GRID, progress=False, executor=ex),
                      repeat=1)
        row("sweep.run on Dask LocalCluster (2 procs)", t_dask, n_cpu, t_serial)
        t0 = time.perf_counter()
        futures = client.map(lambda p, s: cpu_bound(seed=s, **p)["total"], points, task_seeds,
                             pure=False)
        dask_totals = client.gather(futures)
        t_cmap = time.perf_counter() - t0
        assert dask_totals == serial["total"].tolist()
        row("Dask client.map + gather (peer)", t_cmap, n_cpu, t_serial)


if __name__ == "__main__":
    main()
