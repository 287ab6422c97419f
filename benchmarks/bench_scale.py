"""Benchmark: the big exact cases of issue 14, and how fast oversized inputs are refused.

Each case runs in its own process (address space capped at 8 GiB, wall clock at
``--timeout`` s), so a case that runs away is reported, not waited for.  Targets:
exact P(S) of a heterogeneous majority of 10⁶ nodes < 1 s; failure_curve(majority(10⁵))
at 100 points < 1 s; a 1000 × 1000 grid exact without a dense matrix.  Times exclude
building the structure (reported apart).  ``--before DIR`` runs the same cases on another
checkout (e.g. ``git worktree``/``git archive`` of main) and prints both with the ratio.

Run: ``PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_scale.py [--before /tmp/old]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

#: name -> (target seconds or None, what it measures)
CASES: dict[str, tuple[float | None, str]] = {
    "het_majority_1e6_hard": (1.0, "P(S), majority of 10⁶, p ~ U(0.45, 0.55) (P(S) ≈ 0.5)"),
    "het_majority_1e6_typical": (1.0, "P(S), majority of 10⁶, p ~ U(0.01, 0.1) (P(S) = 0.0)"),
    "curve_majority_1e5": (1.0, "failure_curve(majority(10⁵)), 100 points in [0.3, 0.6]"),
    "majority_30001": (None, "P(S), majority of 30,001 at p = 0.45"),
    "grid_1000_exact": (None, "failure_probability(structure.grid_of(1000, 1000), 0.01)"),
    "qgrid_1000_load": (None, "quorum.grid(1000, 1000): build + load(read_fraction=0.5)"),
    "markov_majority_1e5": (None, "markov.system(majority(10⁵)) (refused)"),
    "mc_majority_1e6": (None, "failure_probability_mc(majority(10⁶)) default samples (refused)"),
    "search_12": (None, "quorum.search over 12 nodes (refused)"),
    "transversals_60_pairs": (None, "minimal_transversals of 60 disjoint pairs (refused)"),
    "quorum_16_pairs": (None, "QuorumSystem(reads=16 disjoint pairs) (built)"),
    "rack_loss_255": (None, "rack_loss_probability('random', 255 racks × 20, 3)"),
    "hashring_1e4x1e5": (None, "HashRing(10⁴ servers, vnodes=10⁵) (refused)"),
}


def _timed(fn: Callable[[], Any]) -> tuple[float, float, str]:
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        out = repr(fn())
    except Exception as exc:  # a refusal is a result here
        out = f"{type(exc).__name__}: {str(exc)[:90]}"
    return time.perf_counter() - t0, time.process_time() - c0, out[:100]


def run_case(name: str) -> dict[str, Any]:
    """Set up and time one case in this process (called in a child)."""
    from syncmodel import markov, quorum
    from syncmodel import structure as st
    from syncmodel.failure import failure_curve, failure_probability, failure_probability_mc

    setup = time.perf_counter()
    fn: Callable[[], Any]
    if name.startswith("het_majority_1e6"):
        lo, hi = (0.45, 0.55) if name.endswith("hard") else (0.01, 0.1)
        p = np.random.default_rng(1).uniform(lo, hi, 10**6)
        s = st.majority_of(10**6)
        s.tree()
        fn = lambda: failure_probability(s, p)  # noqa: E731
    elif name == "curve_majority_1e5":
        s = st.majority_of(10**5)
        s.tree()
        fn = lambda: failure_curve(s, np.linspace(0.3, 0.6, 100))[[0, 50, 99]].tolist()  # noqa: E731
    elif name == "majority_30001":
        s = st.majority_of(30_001)
        s.tree()
        fn = lambda: failure_probability(s, 0.45)  # noqa: E731
    elif name == "grid_1000_exact":
        s = st.grid_of(1000, 1000)
        fn = lambda: failure_probability(s, 0.01)  # noqa: E731
    elif name == "qgrid_1000_load":
        fn = lambda: quorum.grid(1000, 1000).load(read_fraction=0.5)  # noqa: E731
    elif name == "markov_majority_1e5":
        s = st.majority_of(10**5)
        s.tree()
        fn = lambda: markov.system(s, 1000.0, 10.0).availability()  # noqa: E731
    elif name == "mc_majority_1e6":
        s = st.majority_of(10**6)
        s.tree()
        fn = lambda: failure_probability_mc(s, 0.1, seed=1).estimate  # noqa: E731
    elif name == "search_12":
        fn = lambda: quorum.search(list(range(12)), read_fraction=0.5)  # noqa: E731
    elif name == "transversals_60_pairs":
        fam = [frozenset({2 * i, 2 * i + 1}) for i in range(60)]
        fn = lambda: len(st.minimal_transversals(fam))  # noqa: E731
    elif name == "quorum_16_pairs":
        fn = lambda: quorum.QuorumSystem(reads=[{2 * i, 2 * i + 1} for i in range(16)]).n  # noqa: E731
    elif name == "rack_loss_255":
        from syncmodel.systems.placement import rack_loss_probability

        fn = lambda: rack_loss_probability("random", 255, 20, 3)  # noqa: E731
    elif name == "hashring_1e4x1e5":
        from syncmodel.systems.ring import HashRing

        fn = lambda: len(HashRing(list(range(10**4)), vnodes=10**5).points)  # noqa: E731
    else:
        raise SystemExit(f"unknown case {name}")
    setup = time.perf_counter() - setup
    wall, cpu, out = _timed(fn)
    warm = _timed(fn)[0] if name in ("grid_1000_exact", "het_majority_1e6_hard") else None
    return {"setup": setup, "wall": wall, "cpu": cpu, "warm": warm, "out": out}


def in_child(name: str, path: str, timeout: float) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=path)

    def cap() -> None:  # 8 GiB of address space: a runaway allocation fails fast
        resource.setrlimit(resource.RLIMIT_AS, (8 * 2**30, 8 * 2**30))

    try:
        done = subprocess.run([sys.executable, __file__, "--case", name], env=env, capture_output=True,
                              text=True, timeout=timeout, preexec_fn=cap)
    except subprocess.TimeoutExpired:
        return {"wall": None, "out": f"> {timeout:g} s (killed)"}
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        return {"wall": None, "out": (done.stderr.strip().splitlines() or ["?"])[-1][:100]}
    return dict(json.loads(lines[-1]))


def fmt(t: float | None) -> str:
    return "—" if t is None else f"{t:8.3f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--case")
    ap.add_argument("--before", help="another checkout to run the same cases on")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--only", nargs="*", default=None)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case)))
        return 0
    here = os.environ.get("PYTHONPATH", os.getcwd())
    names = args.only or list(CASES)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; times in s "
          "(after: wall, cpu; ratio = wall / target or before / after)")
    misses = 0
    for name in names:
        target, what = CASES[name]
        after = in_child(name, here, args.timeout)
        before = in_child(name, args.before, args.timeout) if args.before else None
        ratio = ""
        if target is not None and after.get("wall") is not None:
            ratio = f"{after['wall'] / target:5.2f} of target {target:g} s"
            misses += after["wall"] > target
        answered = before is not None and "Error" not in before["out"] and "Error" not in after["out"]
        if answered and before is not None and before.get("wall") and after.get("wall"):
            ratio += f"  {before['wall'] / after['wall']:8.1f}x faster"
        print(f"\n{name}: {what}")
        if before is not None:
            print(f"  before {fmt(before.get('wall'))}            {before['out']}")
        warm = f" warm {after['warm']:.3f}" if after.get("warm") is not None else ""
        setup = f" (setup {after['setup']:.2f})" if after.get("setup") is not None else ""
        print(f"  after  {fmt(after.get('wall'))} {fmt(after.get('cpu'))}{warm}{setup}  {after['out']}")
        if ratio:
            print(f"  {ratio}")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
