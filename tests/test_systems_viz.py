"""The comparison figure (data in, figure out), the registered paper figure and the dashboard."""

from __future__ import annotations

import math

import numpy as np
import pytest

from syncmodel.errors import InvalidParameterError
from syncmodel.viz.systems import NINES_CAP, PANELS, bar_labels, comparison_data, comparison_figure


def test_comparison_figure_structure():
    fig = comparison_figure(["a", "b", "c"], [3.0, math.inf, 1.0],
                            {"a": [1000.0, 3000.0], "b": [0.0, np.nan], "c": [np.nan]},
                            [0.25, 0.0, 0.5], [0.01, 0.0, 0.0])
    assert len(fig.data) == 5
    assert [t.type for t in fig.data] == ["bar", "box", "bar", "bar", "scatter"]
    # the failover panel labels what a box cannot show: b's failover costs 0, c has no sample
    assert list(fig.data[4].y) == ["b", "c"] and [t.strip() for t in fig.data[4].text] == ["0", "n/a"]
    # horizontal bars: values on x, system names on y
    assert list(fig.data[0].x) == [3.0, NINES_CAP, 1.0]  # 'never fails' is capped, labelled ∞
    assert list(fig.data[0].text) == ["3.0", "∞", "1.0"]
    assert list(fig.data[1].x) == [1.0, 3.0, 0.0]  # seconds; NaN dropped
    assert list(fig.data[3].x) == [1.0, 0.0, 0.0]  # percent
    assert list(fig.data[3].text) == ["1", "0", "0"]  # a measured zero says 0
    assert [a.text for a in fig.layout.annotations] == list(PANELS)


def test_comparison_data_bad_input():
    with pytest.raises(InvalidParameterError, match="stale"):
        comparison_data(["a"], [1.0], {"a": [1.0]}, [0.1, 0.2], [0.0])
    with pytest.raises(InvalidParameterError, match="downtime_ms"):
        comparison_data(["a"], [1.0], {}, [0.1], [0.0])


def test_bar_labels():
    assert bar_labels(2, [0.0, 0.6667, 0.00094, float("nan")]) == ["0", "0.67", "0.00094", "n/a"]


def test_registered_figure_small():
    from syncmodel.figures import discover

    spec = discover()["systems_comparison"]
    fig = spec.build(small=True)
    assert len(fig.data) == 5
    assert len(fig.data[0].y) == 9


def test_dashboard_headless():
    from syncmodel.widgets.systems import dashboard

    d = dashboard(["etcd", "redis"], trials=10, writes=200)
    before = list(d.figure.data[0].x)
    # etcd at p: 1 − P(≥ 2 of 3 down), in nines
    p = d.p.value
    assert before[0] == pytest.approx(-math.log10(3 * p**2 * (1 - p) + p**3))
    d.p.value = 0.2
    assert d.wait(60)
    after = list(d.figure.data[0].x)
    assert after != before
    assert after[0] == pytest.approx(-math.log10(3 * 0.04 * 0.8 + 0.008))
    d.pick.value = ("etcd", "cassandra", "memcached")
    assert d.wait(60)
    assert list(d.figure.data[0].y) == ["etcd", "Cassandra", "Memcached"]
    assert "Cassandra" in d.table.value
    with pytest.raises(InvalidParameterError, match="systems"):
        dashboard(["mongodb"])
