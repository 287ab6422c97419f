"""The space-time diagram of a history and the check figures (structure, not pixels)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from syncmodel import check
from syncmodel.errors import InvalidParameterError
from syncmodel.figures import check as fig_check
from syncmodel.viz.history import history_figure, op_label

DATA = Path(__file__).parent / "data" / "histories"


def test_diagram_of_a_violation() -> None:
    h = check.load_jepsen(DATA / "etcd_000.log")
    r = check.linearizable(h)
    fig = history_figure(h.to_frame(), violation=r.violation, linearization=r.linearization)
    names = [t.name for t in fig.data]
    assert "cannot be ordered" in names and "linearization found" in names and "no answer (info)" in names
    bad = next(t for t in fig.data if t.name == "cannot be ordered")
    assert sum(x is not None for x in bad.x) == 2 * len(r.violation)   # one bar (2 points) per op
    lanes = {o.process for o in h}
    assert len(fig.layout.yaxis.ticktext) == len(lanes)
    pts = next(t for t in fig.data if t.name == "linearization found")
    assert len(pts.x) == len(r.linearization) and list(pts.x) == sorted(pts.x)
    assert "$" not in (fig.layout.title.text or "")  # Unicode, no MathJax


def test_info_bars_reach_the_right_edge_and_window_filters() -> None:
    h = check.load_jepsen(DATA / "etcd_002.log")
    fr = h.to_frame()
    fig = history_figure(fr)
    info = next(t for t in fig.data if t.name == "no answer (info)")
    finite = [t for t in fr[["invoke_ms", "complete_ms"]].to_numpy().ravel() if math.isfinite(t)]
    assert max(x for x in info.x if x is not None) > max(finite)
    small = history_figure(fr, window=(10, 20))
    shown = sum(sum(x is not None for x in t.x) // 2 for t in small.data if t.mode == "lines")
    assert 0 < shown < len(h)
    with pytest.raises(InvalidParameterError, match="window"):
        history_figure(fr, window=(5, 1))
    with pytest.raises(InvalidParameterError, match="ops"):
        history_figure([{"index": 0}])


def test_labels() -> None:
    assert op_label("cas", (3, 0), "ok") == "cas 3→0"
    assert op_label("read", None, "ok") == "r ∅"
    assert op_label("write", 4, "info") == "w 4 ?"
    assert op_label("append", frozenset({7}), "ok") == "+{7}"


def test_registered_figures_build() -> None:
    from syncmodel.figures import discover

    reg = discover()
    assert {"check_violation", "check_guarantees"} <= set(reg)
    f = reg["check_violation"].build(small=True)
    assert any(t.name == "cannot be ordered" for t in f.data)
    g = reg["check_guarantees"].build(small=True)
    assert len(g.data) == len(check.GUARANTEES)
    assert list(g.data[0].x) == list(fig_check.MODES)


def test_dashboard_controls_redraw() -> None:
    from syncmodel.widgets.check import dashboard

    d = dashboard(duration_ms=300.0, clients=3, keys=3)
    d.wait()
    assert "linearizable: False" in d.status.value   # R = W = 1, one replica each: stale reads
    assert any(t.name == "cannot be ordered" and len(t.x) for t in d.figure.data)
    d.controls["r"].value = 2
    d.controls["w"].value = 2
    assert d.wait()
    assert "linearizable: True" in d.status.value and "broken: none" in d.status.value
    bad = next(t for t in d.figure.data if t.name == "cannot be ordered")
    assert not bad.x
