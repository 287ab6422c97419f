"""Figures of data synchronization: staleness curves (PBS and simulated), convergence of the
consistency ratio after a partition heals, and per-mode outcome bars.

Data in (arrays, mappings), ``go.Figure`` out; no model is imported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from . import DASHES, color, paper_layout

__all__ = ["as_lists", "bars_figure", "convergence_figure", "sloppy_figure", "staleness_figure",
           "sync_dashboard_figure"]


def _band(fig: go.Figure, x: np.ndarray, lo: np.ndarray, hi: np.ndarray, i: int, name: str) -> None:
    rgb = color(i).lstrip("#")
    r, g, b = (int(rgb[k:k + 2], 16) for k in (0, 2, 4))
    fig.add_trace(go.Scatter(x=np.concatenate([x, x[::-1]]), y=np.concatenate([hi, lo[::-1]]),
                             fill="toself", fillcolor=f"rgba({r},{g},{b},0.18)", line=dict(width=0),
                             hoverinfo="skip", showlegend=False, name=f"{name} interval"))


def staleness_figure(curves: Mapping[str, Mapping[str, Sequence[float] | np.ndarray]],
                     points: Mapping[str, Mapping[str, Sequence[float] | np.ndarray]] | None = None, *,
                     title: str = "", width: str = "single", log_x: bool = True) -> go.Figure:
    """t-visibility curves: ``curves[name]`` has ``t``, ``p`` (and optionally ``lo``, ``hi``:
    a shaded interval); ``points[name]`` (simulator measurements) has ``t``, ``p``, ``lo``, ``hi``
    drawn as markers with error bars.  x: ms after the write commits; y: P(read is fresh)."""
    fig = go.Figure()
    for i, (name, c) in enumerate(curves.items()):
        t = np.asarray(c["t"], dtype=float)
        p = np.asarray(c["p"], dtype=float)
        if "lo" in c and "hi" in c:
            _band(fig, t, np.asarray(c["lo"], dtype=float), np.asarray(c["hi"], dtype=float), i, name)
        fig.add_trace(go.Scatter(x=t, y=p, name=name, mode="lines",
                                 line=dict(color=color(i), dash=DASHES[i % len(DASHES)], width=1.5)))
    for j, (name, pt) in enumerate((points or {}).items()):
        p = np.asarray(pt["p"], dtype=float)
        err_hi = np.asarray(pt["hi"], dtype=float) - p
        err_lo = p - np.asarray(pt["lo"], dtype=float)
        fig.add_trace(go.Scatter(
            x=np.asarray(pt["t"], dtype=float), y=p, name=name, mode="markers",
            marker=dict(color="black", symbol=("circle-open", "diamond-open", "square-open")[j % 3], size=6),
            error_y=dict(type="data", array=err_hi, arrayminus=err_lo, thickness=0.8, width=2)))
    fig.update_layout(title=title, xaxis_title="t after the write commits (ms)",
                      yaxis_title="P(read returns the write)")
    if log_x:
        fig.update_xaxes(type="log")
    fig.update_yaxes(range=[0, 1.02])
    paper_layout(fig, width)
    fig.update_layout(legend=dict(orientation="h", x=0.01, y=0.02, xanchor="left", yanchor="bottom",
                                  entrywidth=0.33, entrywidthmode="fraction", itemwidth=30, font=dict(size=9),
                                  bgcolor="rgba(255,255,255,0)"))
    return fig


def _legend_below(fig: go.Figure) -> go.Figure:
    fig.update_layout(legend=dict(orientation="h", x=0.0, y=-0.2, xanchor="left", yanchor="top"),
                      margin=dict(b=70))
    return fig


def _nice_step(top: float, most: int = 5) -> float:
    """The smallest 1, 2 or 5 × 10^k step that covers [0, top] in at most ``most`` steps."""
    k = 10.0 ** np.floor(np.log10(max(top, 1.0) / most))
    for m in (1.0, 2.0, 5.0, 10.0):
        if top / (m * k) <= most:
            return max(m * k, 1.0)
    return 10.0 * k


def convergence_figure(time: Sequence[float] | np.ndarray, ratio: Sequence[float] | np.ndarray, *,
                       c: Sequence[float] | np.ndarray | None = None,
                       a: Sequence[float] | np.ndarray | None = None,
                       windows: Sequence[tuple[float, float, str]] = (), title: str = "",
                       width: str = "single") -> go.Figure:
    """The consistency ratio |C(S)|/|A(S)| over time (left axis), optionally |C(S)| and |A(S)|
    (right axis), with shaded fault ``windows`` (start, end, label)."""
    fig = go.Figure()
    t = np.asarray(time, dtype=float)
    for k, (t0, t1, label) in enumerate(windows):
        fig.add_vrect(x0=t0, x1=t1, fillcolor="#bbbbbb", opacity=0.25, line_width=0,
                      annotation_text=label, annotation_position="top left",
                      annotation_font_size=9, layer="below", name=f"window {k}")
    fig.add_trace(go.Scatter(x=t, y=np.asarray(ratio, dtype=float), name="|C(S)| / |A(S)|",
                             mode="lines", line=dict(color=color(0), width=1.8)))
    if c is not None and a is not None:
        fig.add_trace(go.Scatter(x=t, y=np.asarray(a, dtype=float), name="|A(S)|", yaxis="y2",
                                 mode="lines", line=dict(color=color(1), dash="dash", width=1.2)))
        fig.add_trace(go.Scatter(x=t, y=np.asarray(c, dtype=float), name="|C(S)|", yaxis="y2",
                                 mode="lines", line=dict(color=color(2), dash="dot", width=1.2)))
        top = float(np.nanmax(np.concatenate([np.asarray(a, dtype=float), np.asarray(c, dtype=float)]),
                              initial=1.0))
        step = _nice_step(top)
        # round ticks (0, 10, 20 …) on a range of its own: not the left axis's 0/0.5/1 fractions
        fig.update_layout(yaxis2=dict(title="facts held (|A(S)|, |C(S)|)", overlaying="y", side="right",
                                      showgrid=False, tickmode="linear", tick0=0, dtick=step,
                                      range=[0, np.ceil(top / step) * step * 1.05], tickformat="d"))
    fig.update_layout(title=title, xaxis_title="time (ms)", yaxis_title="consistency ratio |C(S)| / |A(S)|",
                      yaxis_range=[0, 1.05])
    return _legend_below(paper_layout(fig, width, aspect=0.85))


def bars_figure(categories: Sequence[str], series: Mapping[str, Sequence[float]], *, title: str = "",
                ylabel: str = "", width: str = "single", log_y: bool = False) -> go.Figure:
    """Grouped bars: one group per category, one bar per series."""
    fig = go.Figure()
    for i, (name, ys) in enumerate(series.items()):
        fig.add_trace(go.Bar(x=list(categories), y=list(ys), name=name, marker_color=color(i)))
    fig.update_layout(title=title, yaxis_title=ylabel, barmode="group")
    if log_y:
        fig.update_yaxes(type="log")
    return paper_layout(fig, width)


def as_lists(d: Mapping[str, Any]) -> dict[str, list[float]]:
    """Arrays to plain lists (for JSON summaries)."""
    return {k: np.asarray(v, dtype=float).tolist() for k, v in d.items()}


def sloppy_figure(ps: Sequence[float] | np.ndarray, failures: Mapping[str, Sequence[float] | np.ndarray],
                  stale: Mapping[str, Sequence[float] | np.ndarray], *, title: str = "",
                  width: str = "double") -> go.Figure:
    """Strict against sloppy quorums: two panels against the node down-probability p (log x).

    Left: write availability in nines, −log₁₀ of ``failures[name]`` (P(write fails)); right:
    ``stale[name]``, P(a read misses the latest write | both succeed).  The same name keeps its
    colour and dash in both panels and appears once in the legend.
    """
    from plotly.subplots import make_subplots

    from .failure import to_nines

    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.14)
    x = np.asarray(ps, dtype=float)
    for col, data in ((1, failures), (2, stale)):
        for i, (name, ys) in enumerate(data.items()):
            y = to_nines(ys) if col == 1 else np.asarray(ys, dtype=float)
            fig.add_trace(go.Scatter(x=x, y=y, name=name, mode="lines", legendgroup=name, showlegend=col == 1,
                                     line=dict(color=color(i), dash=DASHES[i % len(DASHES)], width=1.5)),
                          row=1, col=col)
    fig.update_xaxes(type="log", title_text="node down-probability p")
    fig.update_yaxes(title_text="write availability (nines)", row=1, col=1)
    fig.update_yaxes(title_text="P(stale read | both succeed)", row=1, col=2)
    fig.update_layout(title=title)
    paper_layout(fig, width, aspect=0.42)
    return _legend_below(fig)


def sync_dashboard_figure(t_ms: Sequence[float] | np.ndarray, p_fresh: Sequence[float] | np.ndarray,
                          time_ms: Sequence[float] | np.ndarray, ratio: Sequence[float] | np.ndarray, *,
                          windows: Sequence[tuple[float, float, str]] = (), title: str = "",
                          width: str = "double") -> go.Figure:
    """The dashboard picture of notebook 05, two panels: left, P(a read t ms after the commit is
    fresh) on a log t axis; right, the consistency ratio |C(S)|/|A(S)| of a simulated run over
    time with its fault ``windows`` (start, end, label) shaded."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=("PBS t-visibility (WARS Monte Carlo)",
                                        "consistency ratio of a simulated run"))
    fig.add_trace(go.Scatter(x=np.asarray(t_ms, dtype=float), y=np.asarray(p_fresh, dtype=float),
                             name="P(read is fresh)", mode="lines",
                             line=dict(color=color(0), width=1.8)), row=1, col=1)
    fig.add_trace(go.Scatter(x=np.asarray(time_ms, dtype=float), y=np.asarray(ratio, dtype=float),
                             name="|C(S)| / |A(S)|", mode="lines", line=dict(color=color(2), width=1.8)),
                  row=1, col=2)
    for t0, t1, label in windows:
        fig.add_vrect(x0=t0, x1=t1, fillcolor="#bbbbbb", opacity=0.25, line_width=0, layer="below",
                      annotation_text=label, annotation_position="top left", annotation_font_size=10,
                      row=1, col=2)
    fig.update_xaxes(type="log", title_text="t after the write commits (ms)", row=1, col=1)
    fig.update_yaxes(range=[0, 1.02], title_text="P(read returns the write)", row=1, col=1)
    fig.update_xaxes(title_text="time (ms)", row=1, col=2)
    fig.update_yaxes(range=[0, 1.05], title_text="|C(S)| / |A(S)|", row=1, col=2)
    fig.update_layout(title=title, showlegend=False, margin=dict(t=60))
    return paper_layout(fig, width, aspect=0.42)
