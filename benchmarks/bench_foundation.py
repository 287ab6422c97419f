"""Foundation timings: `import syncmodel`, and figure export with one warm browser against
plotly's plain `fig.write_image` (which starts a browser per call), side by side."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import plotly.graph_objects as go

from syncmodel.export import find_browser, stop_browser, write_figure
from syncmodel.viz import line_figure


def import_time(repeats: int = 7) -> float:
    """Median wall time of a fresh interpreter importing syncmodel, minus a bare interpreter."""
    def run(code: str) -> float:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - t0

    bare = statistics.median(run("pass") for _ in range(repeats))
    full = statistics.median(run("import syncmodel") for _ in range(repeats))
    return full - bare


def figure(i: int) -> go.Figure:
    xs = list(range(50))
    return line_figure(xs, {f"series {j}": [(x * (j + 1) + i) % 17 for x in xs] for j in range(3)},
                       title=f"figure {i}", xlabel="x", ylabel="y")


def main() -> None:
    print(f"import syncmodel: {import_time() * 1000:.0f} ms (target < 300 ms)")
    if find_browser() is None:
        print("no Chrome/Chromium: export timings skipped")
        return
    n = 5
    with tempfile.TemporaryDirectory() as d:
        out = Path(d)
        times = []
        for i in range(n):
            t0 = time.perf_counter()
            write_figure(figure(i), out / f"warm{i}", formats=("pdf", "svg", "png"))
            times.append(time.perf_counter() - t0)
        stop_browser()
        plain = []
        for i in range(2):
            t0 = time.perf_counter()
            for fmt in ("pdf", "svg", "png"):
                figure(i).write_image(out / f"plain{i}.{fmt}")
            plain.append(time.perf_counter() - t0)
    later = times[1:]
    print(f"{'export of 3 formats':34s} {'seconds':>8s}")
    print(f"{'syncmodel, first figure (cold)':34s} {times[0]:8.2f}")
    print(f"{'syncmodel, later figures (median)':34s} {statistics.median(later):8.2f}"
          f"   max {max(later):.2f} (target < 1 s)")
    print(f"{'plotly write_image (median)':34s} {statistics.median(plain):8.2f}")
    print(f"speed-up after the first figure: {statistics.median(plain) / statistics.median(later):.1f}x")


if __name__ == "__main__":
    main()
