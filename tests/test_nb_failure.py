"""Notebook 02 headless, its dashboard and its registered paper figure."""

from __future__ import annotations

import math

import numpy as np
import pytest
from nbrun import run_notebook

from syncmodel.failure import failure_probability
from syncmodel.structure import grid_of


def binom_up_at_most_down(n: int, down_max: int, p: float) -> float:
    """P(at most down_max of n nodes down) = Σ_{j≤down_max} C(n, j) p^j (1−p)^(n−j)."""
    return sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(down_max + 1))


@pytest.mark.notebook
def test_notebook_02_runs_and_its_numbers_hold(tmp_path):
    summary = run_notebook("02_failure_analysis.ipynb", FIG_DIR=str(tmp_path), P_POINTS=12,
                           MC_SAMPLES=20_000, DASH_POINTS=8)
    assert summary["majority3_F_p01"] == pytest.approx(binom_up_at_most_down(3, 1, 0.1), abs=1e-14)
    assert summary["majority5_F_p01"] == pytest.approx(binom_up_at_most_down(5, 2, 0.1), abs=1e-14)
    # a 4th node lowers the availability of 3
    assert summary["majority4_P_p01"] == pytest.approx(1 - binom_up_at_most_down(4, 1, 0.1))
    assert summary["majority4_P_p01"] > summary["majority3_P_p01"]
    assert summary["node_availability_1000_10"] == pytest.approx(1000 / 1010)
    assert summary["two_of_three_mttf_no_repair_h"] == pytest.approx(5 / 6 * 1000)
    # one rack holding every node: q + (1 − q)·P_independent
    q, p = 1e-3, 0.01
    assert summary["one_rack_P"] == pytest.approx(q + (1 - q) * (1 - binom_up_at_most_down(5, 2, p)))
    exact = failure_probability(grid_of(3, 3), 0.1, method="enumeration")
    assert summary["grid3_mc_low"] <= exact <= summary["grid3_mc_high"]
    assert (tmp_path / "availability_nines.pdf").exists()


def test_dashboard_controls_update_the_figure():
    from syncmodel.widgets.failure import dashboard

    d = dashboard(points=10, samples=2000)
    before = np.array(d.figure.data[0].y, dtype=float)
    d.n.value = 7
    after = np.array(d.figure.data[0].y, dtype=float)
    assert not np.allclose(before, after)
    # majority of 7 at the smallest p: P(S) = Σ_{j≥4} C(7,j) p^j (1−p)^(7−j)
    p0 = d.ps[0]
    want = 1 - binom_up_at_most_down(7, 3, p0)
    assert after[0] == pytest.approx(-math.log10(want), rel=1e-9)
    corr_before = np.array(d.figure.data[1].y, dtype=float)
    d.beta.value = 0.1
    assert not np.allclose(corr_before, np.array(d.figure.data[1].y, dtype=float))
    title = d.figure.layout.title.text
    d.kind.value = "grid"
    assert d.figure.layout.title.text != title and "grid" in d.figure.layout.title.text
    d.p.value = 0.1
    assert d.figure.data[3].x[0] == pytest.approx(0.1)


def test_registered_figure_small():
    from syncmodel.figures import discover

    spec = discover()["availability_nines"]
    fig = spec.build(small=True)
    names = [t.name for t in fig.data]
    assert names[:2] == ["1 node", "majority of 3"] and "grid 3×3" in names
    # the single node's curve is −log10 p
    x = np.asarray(fig.data[0].x, dtype=float)
    assert np.asarray(fig.data[0].y, dtype=float) == pytest.approx(-np.log10(x))
