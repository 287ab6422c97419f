"""Notebook 03 runs headless with small parameters; its numbers are checked independently."""

from __future__ import annotations

import math

import pytest
from nbrun import run_notebook

from syncmodel.export import find_browser

pytestmark = pytest.mark.notebook


def test_03_quorum_systems(tmp_path):
    n, p, rows, cols, big = 5, 0.2, 2, 3, 101
    s = run_notebook("03_quorum_systems.ipynb", FIG_DIR=str(tmp_path), N=n, P=p, ROWS=rows, COLS=cols,
                     POINTS=11, BIG_N=big)
    k = n // 2 + 1
    assert s["majority_availability"] == pytest.approx(
        sum(math.comb(n, j) * (1 - p) ** j * p ** (n - j) for j in range(k, n + 1)))
    # grid: every node is read with 1/rows and written with 1/cols under the uniform strategy
    assert s["grid_capacity"] == pytest.approx(1 / (0.5 / rows + 0.5 / cols))
    assert s["big_capacity"] == pytest.approx(1 / (0.5 * 51 / 101 + 0.5 * 51 / 101))
    assert s["big_availability"] == pytest.approx(
        sum(math.comb(big, j) * 0.6 ** j * 0.4 ** (big - j) for j in range(51, big + 1)))
    assert s["big_resilience"] == 50 and s["grid_resilience"] == 1
    assert s["search_latency"] == pytest.approx(1.0)  # the paper: a + b + c + d, reads on c and d
    suffix = "pdf" if find_browser() else "html"
    assert (tmp_path / f"quorum_systems.{suffix}").stat().st_size > 1000
