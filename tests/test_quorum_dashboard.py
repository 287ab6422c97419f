"""Notebook-03 dashboard headless, the quorum figure builder and its registered paper figure."""

from __future__ import annotations

import math

import numpy as np
import pytest

from syncmodel import quorum as Q
from syncmodel.errors import InvalidParameterError
from syncmodel.figures.quorum import comparison
from syncmodel.viz.quorum import quorum_figure
from syncmodel.widgets.quorum import dashboard


def binomial_tail(n, k, p):
    return sum(math.comb(n, j) * (1 - p) ** j * p ** (n - j) for j in range(k, n + 1))


def test_changing_n_updates_the_figure():
    d = dashboard("majority", n=5, points=11)
    y0 = np.array(d.figure.data[0].y, dtype=float)
    assert y0 == pytest.approx([binomial_tail(5, 3, p) for p in d.ps])
    d.n.value = 7
    y1 = np.array(d.figure.data[0].y, dtype=float)
    assert y1 == pytest.approx([binomial_tail(7, 4, p) for p in d.ps])
    assert "majority of 7" in d.figure.layout.title.text
    assert "✓" in d.status.value


def test_disjoint_threshold_shows_the_pair_and_clears_the_curves():
    d = dashboard("threshold", n=5, r=3, w=3, points=11)
    d.w.value = 2  # 3 + 2 = 5 = n: a read and a write quorum can miss each other
    assert "✗" in d.status.value and "disjoint" in d.status.value
    assert np.isnan(np.array(d.figure.data[0].y, dtype=float)).all()
    assert d.system is None
    d.w.value = 4
    assert d.system is not None and "✓" in d.status.value


def test_grid_controls_and_capacity():
    d = dashboard("grid", rows=2, cols=3, points=11)
    assert d.n.disabled and not d.rows.disabled
    cap = np.array(d.figure.data[2].y, dtype=float)
    # uniform strategy on a rows × cols grid: load fᵣ/rows + (1 − fᵣ)/cols
    assert cap == pytest.approx([1 / (f / 2 + (1 - f) / 3) for f in d.fractions])
    d.rows.value = 3
    assert np.array(d.figure.data[2].y, dtype=float) == pytest.approx(
        [1 / (f / 3 + (1 - f) / 3) for f in d.fractions])


def test_bad_kind():
    with pytest.raises(InvalidParameterError, match="kind"):
        dashboard("tree")
    with pytest.raises(InvalidParameterError, match="kind"):
        Q.of_kind("tree")


def test_comparison_figure_structure():
    c = comparison(2, 2, q2=2, points=5)
    fig = quorum_figure(c["ps"], c["availability"], c["fractions"], c["capacity"])
    assert len(fig.data) == 3 * 3  # read, write, capacity for three systems
    assert fig.data[0].line.color == fig.data[1].line.color  # one colour per system
    assert fig.data[0].line.dash != fig.data[1].line.dash
    # flexible 3/2 on 4 nodes: writes (2 of 4) at read fraction 0 have load 1/2
    assert c["capacity"]["flexible 3/2"][0] == pytest.approx(2.0)


def test_registered_figure_small():
    from syncmodel.figures import discover

    spec = discover()["quorum_systems"]
    fig = spec.build(small=True)
    # majority 9 reads and writes coincide: one line named for both, not two on top of each other
    assert len(fig.data) == 8 and len(fig.data[0].x) == 11
    assert fig.data[0].name == "majority 9 read = write"


def test_availability_curve_matches_pointwise():
    qs = Q.grid(2, 2)
    ps = np.array([0.0, 0.2, 0.5, 1.0])
    for op in ("read", "write", "both"):
        assert qs.availability_curve(ps, op) == pytest.approx([qs.availability(p, op) for p in ps])
    with pytest.raises(InvalidParameterError, match="ps"):
        qs.availability_curve([1.5])
