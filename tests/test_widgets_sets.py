"""The notebook-01 dashboard headless: controls change the model and the FigureWidget."""

from __future__ import annotations

import pytest

import syncmodel as sm
from syncmodel.figures.sets import EXAMPLE_HOLDINGS
from syncmodel.widgets.sets import dashboard, format_facts, parse_facts


def test_parse_and_format_round_trip():
    facts = {("x", 1), ("y", 20)}
    assert parse_facts(format_facts(facts)) == facts
    with pytest.raises(sm.InvalidParameterError, match="facts"):
        parse_facts("x:one")


def test_toggling_a_node_updates_figure_and_ratio():
    d = dashboard(EXAMPLE_HOLDINGS)
    title0 = d.figure.layout.title.text
    served0 = sum(len(t.x) for t in d.figure.data[:2])
    d.toggles["n4"].value = False  # n4 down: its (y, 2) no longer served
    assert d.cluster.availability_set() == sm.availability_set(
        [v for k, v in EXAMPLE_HOLDINGS.items() if k != "n4"])
    assert d.figure.layout.title.text != title0
    assert sum(len(t.x) for t in d.figure.data[:2]) == served0 - len(EXAMPLE_HOLDINGS["n4"])
    assert len(d.figure.data[2].x) == len(EXAMPLE_HOLDINGS["n4"])


def test_editing_facts_and_gossip_reach_ratio_one():
    d = dashboard({"a": [("x", 1)], "b": [("x", 2)]})
    assert d.cluster.consistency_ratio() == 0.0
    d.editors["a"].value = "x:2"
    assert d.cluster.consistency_ratio() == 1.0
    d.editors["a"].value = "x:3, y:1"
    d.gossip.click()
    assert d.editors["b"].value == "x:3, y:1"
    assert "1.000" in d.summary.value


def test_bad_edit_shows_message_and_keeps_state():
    d = dashboard({"a": [("x", 1)]})
    d.editors["a"].value = "x:"
    assert "key:version" in d.message.value
    assert d.cluster.holds("a") == {("x", 1)}
