"""The ``syncmodel`` command line: write the paper figures, quick analyses."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence


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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``syncmodel``."""
    from . import __version__
    from .errors import SyncModelError

    parser = argparse.ArgumentParser(prog="syncmodel", description=__doc__)
    parser.add_argument("--version", action="version", version=f"syncmodel {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    fig = sub.add_parser("figures", help="build and write every registered paper figure")
    fig.add_argument("--out", default="figures", help="output folder (default: figures)")
    fig.add_argument("--formats", default="pdf,svg,png", help="comma-separated: pdf,svg,png,html")
    fig.add_argument("--only", nargs="*", help="names of the figures to write (default: all)")
    fig.add_argument("--small", action="store_true", help="few samples: a quick check")
    fig.add_argument("--list", action="store_true", help="list the registered figures and exit")
    fig.set_defaults(func=_cmd_figures)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except SyncModelError as exc:
        print(f"syncmodel: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
