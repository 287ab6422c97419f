"""Tests of the election figure, timeline data and dashboard (structure, not pixels)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from syncmodel.election import run_once
from syncmodel.election.timeline import fault_marks, message_arrows, role_spans


def test_timeline_spans_cover_each_node_and_arrows_match_counters():
    r = run_once("raft", 5, 3, trace_messages=True, behind=2)
    end = r.net.sim.now
    spans = role_spans(r.trace, 5, end)
    for node in range(5):
        mine = sorted((s for s in spans if s["node"] == node), key=lambda s: s["start"])
        assert mine[0]["start"] == 0.0 and mine[-1]["end"] == end
        assert all(a["end"] == b["start"] for a, b in itertools.pairwise(mine))
    assert any(s["role"] == "leader" and s["node"] == r.row["leader"] for s in spans)
    assert any(s["role"] == "down" and s["node"] == 0 for s in spans)
    arrows = message_arrows(r.trace)
    delivered = [a for a in arrows if not a["dropped"]]
    assert len(delivered) == r.net.delivered
    assert len(arrows) == r.net.delivered + r.net.dropped
    assert all(a["arrived"] >= a["sent"] for a in arrows)
    assert [m["kind"] for m in fault_marks(r.trace)] == ["crash"]


def test_registered_figure16_small_has_two_panels_and_model_curves():
    from syncmodel.figures import discover

    spec = discover()["election_figure16"]
    fig = spec.build(small=True)
    names = [t.name for t in fig.data]
    assert "150-155 ms" in names and "12-24 ms" in names
    assert any(n and n.endswith("model") for n in names)
    assert fig.layout.xaxis.type == "log" and fig.layout.xaxis2.type == "log"
    # the 150–150 curve never reaches 1: no trial elects within the 10 s cap
    fixed = next(t for t in fig.data if t.name.startswith("150-150 ms"))
    assert len(fixed.y) == 0 or float(np.max(fixed.y)) < 1.0


def test_dashboard_updates_its_figure_when_a_control_changes():
    pytest.importorskip("ipywidgets")
    from syncmodel.widgets.election import dashboard

    d = dashboard(trials=20, seed=1)
    fig, status = d.figure, d.status
    # the first render is the finished figure: named traces, axis titles, data
    assert fig.data[0].name == "follower" and fig.data[-1].name == "time to leader (CDF)"
    assert fig.layout.xaxis2.title.text == "time to leader (ms)" and len(fig.data[-1].x) > 0
    before = [tuple(t.x) if t.x is not None else () for t in fig.data]
    text_before = status.value
    d.controls["algorithm"].value = "hash"
    assert d.wait(60)  # slow work runs in the background
    after = [tuple(t.x) if t.x is not None else () for t in fig.data]
    assert after != before and status.value != text_before and "hash" in status.value
    d.controls["partition"].value = True
    assert d.wait(60)
    assert "safety violations" in status.value
    assert "safety violations 0" not in status.value  # the hash election splits


def test_registered_event_order_figure_small():
    from syncmodel.figures import discover

    fig = discover()["election_event_order"].build(small=True)
    names = [t.name for t in fig.data]
    for label in ("LogCabin order (calibrated)", "overlap order, same parameters",
                  "overlap order, earlier calibration"):
        assert label in names and f"{label}: mean" in names
    # the paper's longest trial is a diamond at (152, 1); its mean a vertical line at 35
    diamond = [t for t in fig.data if t.marker is not None and t.marker.symbol == "diamond-open"]
    assert len(diamond) == 1 and tuple(diamond[0].x) == (152.0,) and tuple(diamond[0].y) == (1.0,)
    assert any(s.x0 == 35.0 for s in fig.layout.shapes)


def test_cdf_vs_paper_figure_marks_each_mean_and_stops_short_for_never_elected():
    from syncmodel.viz.election import cdf_vs_paper_figure

    fig = cdf_vs_paper_figure({"a": [10.0, 20.0, 30.0, float("inf")]}, paper_mean_ms=25.0)
    line, mean = fig.data[0], fig.data[1]
    assert max(line.y) == pytest.approx(0.75)  # one of four never elected
    assert tuple(mean.x) == (20.0,) and tuple(mean.y) == (0.5,)
