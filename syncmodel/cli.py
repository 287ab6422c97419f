"""The ``syncmodel`` command line: write the paper figures, and quick analyses.

  syncmodel figures --out figures             every paper figure (PDF, SVG, PNG)
  syncmodel availability majority:5 --p 0.01  P(S), F(S) and nines of a quorum system
  syncmodel election --algorithm raft --timeout 150-300   time to a new leader, messages
  syncmodel systems compare                   the named systems' five answers side by side
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

__all__ = ["SPECS", "main"]


def _cmd_figures(args: argparse.Namespace) -> int:
    from .figures import Written, build_all, discover

    if args.list:
        for spec in discover().values():
            print(f"{spec.name:32s} {spec.description}")
        return 0
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    t0 = time.perf_counter()
    shown: list[str] = []

    def show(row: Written) -> None:
        if not shown:  # the header once the output folder passed build_all's checks
            print(f"{'figure':32s} {'build s':>8s} {'export s':>9s}  files")
            shown.append(row.name)
        files = " ".join(str(p) for p in row.files)
        print(f"{row.name:32s} {row.build_s:8.2f} {row.export_s:9.2f}  {files}", flush=True)

    rows = build_all(args.out, names=args.only or None, formats=formats, small=args.small,
                     on_done=show)
    total = time.perf_counter() - t0
    n_files = sum(len(r.files) for r in rows)
    later = [r.export_s for r in rows[1:]]
    per = f"; export after the first figure: {max(later):.2f} s at most" if later else ""
    print(f"wrote {n_files} files for {len(rows)} figures in {total:.1f} s{per}")
    return 0


#: quorum system specs the ``availability`` command takes
SPECS = "majority:N, grid:RxC, threshold:N:R:W or flexible:N:Q1:Q2"


def _quorum_system(spec: str) -> object:
    from . import quorum
    from .errors import InvalidParameterError

    kind, _, rest = spec.partition(":")
    try:
        if kind == "majority":
            return quorum.majority(int(rest))
        if kind == "grid":
            rows, _, cols = rest.partition("x")
            return quorum.grid(int(rows), int(cols))
        if kind in ("threshold", "flexible"):
            n, a, b = (int(x) for x in rest.split(":"))
            return (quorum.threshold if kind == "threshold" else quorum.flexible)(n, a, b)
    except ValueError as exc:  # int("x") or a wrong count of fields
        if isinstance(exc, InvalidParameterError):
            raise
        raise InvalidParameterError(f"system must be {SPECS}, got {spec!r}") from None
    raise InvalidParameterError(f"system must be {SPECS}, got {spec!r}")


def _cmd_availability(args: argparse.Namespace) -> int:
    from .failure import failure_probability
    from .markov import nines

    qs = _quorum_system(args.system)
    print(f"{'p':>10s} {'P(S)':>14s} {'F(S)':>16s} {'nines':>7s}")
    for p in args.p:
        down = failure_probability(qs, p)
        print(f"{p:10.4g} {down:14.6e} {1.0 - down:16.12f} {nines(1.0 - down):7.2f}")
    return 0


def _range_ms(text: str) -> tuple[float, float]:
    lo, sep, hi = text.partition("-")
    try:
        return (float(lo), float(hi if sep else lo))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LO-HI in ms, got {text!r}") from None


def _cmd_election(args: argparse.Namespace) -> int:
    from . import election

    params = {} if args.timeout is None else {"timeout_ms": args.timeout}
    df = election.simulate(args.algorithm, n=args.n, trials=args.trials, seed=args.seed,
                           scenario=args.scenario, **params)
    t = df["time_to_leader_ms"]
    print(f"{args.algorithm}, n = {args.n}, {args.trials} trials, scenario {args.scenario}, seed {args.seed}")
    print(f"  elected        {df['elected'].mean():.3f}")
    print(f"  time to leader median {t.median():.1f} ms, p99 {t.quantile(0.99):.1f} ms, max {t.max():.1f} ms")
    print(f"  messages       mean {df['messages'].mean():.1f}")
    print(f"  terms          mean {df['terms'].mean():.2f}")
    print(f"  safety violations {int(df['safety_violations'].sum())}")
    return 0


def _cmd_systems(args: argparse.Namespace) -> int:
    import pandas as pd

    from . import systems

    if args.action == "list":
        for name in systems.names():
            print(name)
        return 0
    df = systems.compare(args.names or None, p=args.p, t_ms=args.t_ms, trials=args.trials,
                         writes=args.writes, seed=args.seed)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(df.drop(columns=["preset"]).to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``syncmodel``."""
    from . import __version__
    from .errors import SyncModelError

    parser = argparse.ArgumentParser(prog="syncmodel", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"syncmodel {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    fig = sub.add_parser("figures", help="build and write every registered paper figure")
    fig.add_argument("--out", default="figures", help="output folder (default: figures)")
    fig.add_argument("--formats", default="pdf,svg,png", help="comma-separated: pdf,svg,png,html")
    fig.add_argument("--only", nargs="*", help="names of the figures to write (default: all)")
    fig.add_argument("--small", action="store_true", help="few samples: a quick check")
    fig.add_argument("--list", action="store_true", help="list the registered figures and exit")
    fig.set_defaults(func=_cmd_figures)

    av = sub.add_parser("availability", help="P(S), F(S) = 1 − P(S) and nines of a quorum system")
    av.add_argument("system", help=SPECS)
    av.add_argument("--p", type=float, nargs="+", default=[0.01],
                    help="probability that a node is down (one or more; default 0.01)")
    av.set_defaults(func=_cmd_availability)

    el = sub.add_parser("election", help="simulate elections: time to a new leader, messages, safety")
    el.add_argument("--algorithm", default="raft",
                    help="one of syncmodel.election.ALGORITHMS: raft, bully, fivestep, hash (default raft)")
    el.add_argument("--n", type=int, default=5, help="number of nodes (default 5)")
    el.add_argument("--timeout", type=_range_ms, default=None, metavar="LO-HI",
                    help="election timeout range in ms, e.g. 150-300 (default: the algorithm's)")
    el.add_argument("--trials", type=int, default=200, help="elections to simulate (default 200)")
    el.add_argument("--scenario", default="crash", help="crash (the leader dies) or cold (default crash)")
    el.add_argument("--seed", type=int, default=None, help="seed (default: fresh entropy)")
    el.set_defaults(func=_cmd_election)

    sy = sub.add_parser("systems", help="the named systems: list them, or compare their five answers")
    sy.add_argument("action", choices=["compare", "list"])
    sy.add_argument("names", nargs="*", help="presets to compare (default: all)")
    sy.add_argument("--p", type=float, default=0.01, help="probability that a node is down (default 0.01)")
    sy.add_argument("--t-ms", dest="t_ms", type=float, default=0.0, help="read delay after a write, ms")
    sy.add_argument("--trials", type=int, default=50, help="failover simulations per system (default 50)")
    sy.add_argument("--writes", type=int, default=500, help="writes before the crash (default 500)")
    sy.add_argument("--seed", type=int, default=None, help="seed (default: fresh entropy)")
    sy.set_defaults(func=_cmd_systems)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except SyncModelError as exc:
        print(f"syncmodel: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
