"""Figure builders of quorum systems (notebook 03): availability against node failure
probability p and capacity against read fraction, one line per system and operation.
Data in, ``go.Figure`` out; no model imported here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import DASHES, color, paper_layout

__all__ = ["Series", "quorum_figure", "quorum_traces"]

Series = Mapping[str, Sequence[float] | np.ndarray]


def quorum_traces(
    ps: Sequence[float] | np.ndarray,
    availability: Series,
    fractions: Sequence[float] | np.ndarray,
    capacity: Series,
) -> list[tuple[go.Scatter, int]]:
    """(trace, column) pairs: availability curves in column 1, capacity curves in column 2.

    Availability series are named ``"<system> read"`` / ``"<system> write"``
    (solid / dashed), capacity series ``"<system>"`` (dotted); a system keeps
    one colour across both panels.  Where a system's read and write curves are equal
    (a majority) one solid line named ``"<system> read = write"`` is drawn.
    """
    systems = list(dict.fromkeys([*(k.rpartition(" ")[0] or k for k in availability), *capacity]))
    out: list[tuple[go.Scatter, int]] = []
    for name, ys in availability.items():
        sys_name, _, op = name.rpartition(" ")
        i = systems.index(sys_name or name)
        y = np.asarray(ys, dtype=float)
        label = name
        if op == "read" and f"{sys_name} write" in availability:
            other = np.asarray(availability[f"{sys_name} write"], dtype=float)
            if other.shape == y.shape and np.allclose(y, other, equal_nan=True):
                label = f"{sys_name} read = write"  # one line would hide the other
        elif op == "write" and f"{sys_name} read" in availability:
            other = np.asarray(availability[f"{sys_name} read"], dtype=float)
            if other.shape == y.shape and np.allclose(y, other, equal_nan=True):
                continue
        out.append((go.Scatter(
            x=np.asarray(ps), y=y, name=label, mode="lines", legendgroup=sys_name,
            line=dict(color=color(i), dash=DASHES[1] if op == "write" else DASHES[0], width=1.5),
        ), 1))
    for name, ys in capacity.items():
        out.append((go.Scatter(
            x=np.asarray(fractions), y=np.asarray(ys), name=f"{name} capacity", mode="lines",
            legendgroup=name, showlegend=False,
            line=dict(color=color(systems.index(name)), dash=DASHES[2], width=1.5),
        ), 2))
    return out


def quorum_figure(
    ps: Sequence[float] | np.ndarray,
    availability: Series,
    fractions: Sequence[float] | np.ndarray,
    capacity: Series,
    *,
    title: str = "",
    width: str = "double",
) -> go.Figure:
    """Two panels: read/write availability against p, and capacity against the read fraction."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=("availability", "capacity (ops per unit capacity)"))
    for trace, col in quorum_traces(ps, availability, fractions, capacity):
        fig.add_trace(trace, row=1, col=col)
    fig.update_xaxes(title_text="node failure probability p", row=1, col=1)
    fig.update_yaxes(title_text="P(a quorum is live)", range=[0, 1.02], row=1, col=1)
    fig.update_xaxes(title_text="read fraction fᵣ", range=[0, 1], row=1, col=2)
    fig.update_yaxes(title_text="capacity = 1/load", rangemode="tozero", row=1, col=2)
    fig.update_layout(title=title, legend=dict(orientation="h", y=-0.3, x=0.5, xanchor="center"))
    paper_layout(fig, width, aspect=0.5 if title else 0.45)
    if title:  # the figure title above the two panel titles, not on them
        fig.update_layout(margin=dict(t=64), title=dict(y=0.97, yanchor="top"))
    fig.update_annotations(font_size=12)
    return fig
