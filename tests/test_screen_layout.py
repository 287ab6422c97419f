"""Screen figures: the paper figure at ~800 px with 12–14 px text (the worked case of
``viz.screen_layout``), the paper figure itself unchanged."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from syncmodel import viz
from syncmodel.errors import InvalidParameterError


def paper_figure(aspect: float) -> go.Figure:
    fig = go.Figure(go.Bar(x=[1, 2], y=["a", "b"], orientation="h", text=["1", "2"],
                           textfont=dict(size=9.3)))
    fig.add_annotation(text="note", x=1, y=0, font=dict(size=9.3))
    return viz.paper_layout(fig, "double", aspect=aspect)


def test_worked_case_width_height_and_fonts():
    paper = paper_figure(0.35)
    assert (paper.layout.width, paper.layout.height) == (687, 241)
    screen = viz.screen_layout(paper)
    assert screen.layout.width == 800
    # the paper aspect would give 241 * 800 / 687 = 280.6 px: raised to the 360 px floor
    assert screen.layout.height == 360
    assert screen.layout.annotations[0].font.size == 12 == screen.data[0].textfont.size
    assert screen.layout.template.layout.font.size == 13
    # the paper figure keeps its own size and fonts (the export uses it)
    assert (paper.layout.width, paper.layout.height) == (687, 241)
    assert paper.layout.annotations[0].font.size == 9.3 and paper.data[0].textfont.size == 9.3


@pytest.mark.parametrize(("aspect", "expected"), [(0.35, 360), (0.6, round(0.6 * 687) * 800 // 687),
                                                  (1.2, 680)])
def test_height_keeps_the_aspect_within_the_bounds(aspect, expected):
    paper = paper_figure(aspect)
    h = viz.screen_layout(paper).layout.height
    lo, hi = viz.SCREEN_HEIGHT_PX
    assert h == int(min(max(paper.layout.height * 800 / paper.layout.width, lo), hi)) == expected


def test_large_fonts_grow_by_the_screen_ratio():
    fig = go.Figure(layout=dict(width=687, height=400, annotations=[dict(text="t", font=dict(size=24))]))
    assert viz.screen_layout(fig).layout.annotations[0].font.size == round(24 * 13 / 12, 1)


def test_not_a_figure():
    with pytest.raises(InvalidParameterError, match="fig"):
        viz.screen_layout({"data": []})
