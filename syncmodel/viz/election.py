"""Figure builders for leader elections: the Figure 16 reproduction and a run's timeline.

Data in (samples, CDF arrays, span and arrow dicts), ``go.Figure`` out, in the paper
template; nothing here imports a model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from . import DASHES, FONT_PX, PALETTE, TICK_FONT_PX, ecdf, paper_layout

__all__ = ["MESSAGE_COLORS", "MESSAGE_NAMES", "ROLE_COLORS", "TIMELINE_TRACES", "cdf_vs_paper_figure",
           "election_dashboard_figure", "figure16_figure", "timeline_figure"]

ROLE_COLORS = {"follower": "#D9D9D9", "candidate": "#E69F00", "leader": "#0072B2",
               "down": "#000000"}
MESSAGE_COLORS = {"rv": "#E69F00", "rvr": "#CC79A7", "ae": "#0072B2", "aer": "#56B4E9",
                  "pv": "#009E73", "pvr": "#009E73"}
#: traces of the dashboard's timeline panel (roles, message kinds, fault marks), padded with empty ones
TIMELINE_TRACES = 40
#: legend names of the simulator's message kinds (Raft's RPC names; others as they are)
MESSAGE_NAMES = {"rv": "RequestVote", "rvr": "vote reply", "ae": "AppendEntries (heartbeat)",
                 "aer": "AppendEntries reply", "pv": "pre-vote", "pvr": "pre-vote reply"}


def figure16_figure(panels: Sequence[Mapping[str, Sequence[float] | np.ndarray]],
                    analytic: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
                    quoted: Sequence[Mapping[str, Any]] = (), *, cap_ms: float | None = None,
                    titles: Sequence[str] = (), width: str = "double") -> go.Figure:
    """CDFs of the time without a leader, one panel per mapping ``label -> samples``.

    ``analytic[label] = (t, F)`` adds a thin dotted model curve in the same colour;
    ``quoted`` items ``{panel, x, y, text}`` (optional ``position`` of the text, or ``offset``
    (dx, dy) px for a label with an arrow) mark the paper's numbers (open diamonds).
    Samples that are NaN or infinite (no leader by the cap) are left out of the
    curve, so a curve that stops short of 1 shows the fraction never elected.
    """
    rows = len(panels)
    fig = make_subplots(rows=rows, cols=1, vertical_spacing=0.14,
                        subplot_titles=list(titles) if titles else None)
    # colours restart in each panel (each panel has its own legend, inside its empty left part,
    # so no colour repeats within a panel); a label in several panels keeps one style
    colours = [c for c in PALETTE if c != "#F0E442"]  # the palette's yellow is too pale for lines
    counts: dict[str, int] = {}
    for panel in panels:
        for label in panel:
            counts[label] = counts.get(label, 0) + 1
    shared = {lab: (colours[-1 - k % len(colours)], "solid")
              for k, lab in enumerate(lab for lab, c in counts.items() if c > 1)}
    lows: list[float] = []
    never: list[tuple[int, str]] = []
    for row, panel in enumerate(panels, start=1):
        legend = "legend" if row == 1 else f"legend{row}"
        k = 0
        for label, samples in panel.items():
            if label in shared:
                c, dash = shared[label]
            else:
                c, dash = colours[k % len(colours)], DASHES[k % len(DASHES)]
                k += 1
            a = np.asarray(samples, dtype=float)
            xs, ys = ecdf(a)
            frac = xs.size / max(a.size, 1)
            name = f"{label} ms" if xs.size else f"{label} ms: no leader by the cap"
            if xs.size:
                lows.append(float(xs[0]))
            else:
                never.append((row, label))
            fig.add_trace(go.Scatter(x=xs, y=ys * frac, mode="lines", line_shape="hv",
                                     name=name, legendgroup=f"{row}:{label}", legend=legend,
                                     line=dict(color=c, dash=dash, width=1.4)), row=row, col=1)
            if analytic and label in analytic:
                t, f = analytic[label]
                pos = np.flatnonzero(f > 1e-4)
                if pos.size:
                    first = max(int(pos[0]) - 1, 0)
                    fig.add_trace(go.Scatter(x=t[first:], y=f[first:], mode="lines",
                                             name=f"{label} model", legendgroup=f"{row}:{label}",
                                             showlegend=False, legend=legend,
                                             line=dict(color=c, dash="dot", width=0.9),
                                             opacity=0.8), row=row, col=1)
        if analytic:  # one legend line says what the thin dotted curves are
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name="thin lines: split-vote model",
                                     legend=legend, line=dict(color="#555555", dash="dot", width=0.9)),
                          row=row, col=1)
    for q in quoted:
        row = int(q.get("panel", 1))
        # "offset": (dx, dy) px puts the text away from crowded curves, with an arrow to the mark
        offset = q.get("offset")
        fig.add_trace(go.Scatter(x=[q["x"]], y=[q["y"]], mode="markers" if offset else "markers+text",
                                 text=[q.get("text", "")], textposition=q.get("position",
                                                                              "middle right"),
                                 textfont=dict(size=TICK_FONT_PX * 0.85),
                                 marker=dict(symbol="diamond-open", size=7, color="black"),
                                 showlegend=False, hoverinfo="text"),
                      row=row, col=1)
        if offset:  # annotation x on a log axis is log10 of the value
            fig.add_annotation(x=float(np.log10(q["x"])), y=q["y"], text=q.get("text", ""), showarrow=True,
                               ax=offset[0], ay=offset[1], arrowhead=0, arrowwidth=0.8, xanchor="left",
                               font=dict(size=TICK_FONT_PX * 0.85), row=row, col=1)
    lo = min(lows) / 12 if lows else 10.0  # room on the left for the legend
    hi = (cap_ms if cap_ms is not None else max(lows, default=1000.0)) * 1.3
    fig.update_xaxes(type="log", title_text="time without leader (ms)",
                     range=[np.log10(lo), np.log10(hi)])
    fig.update_yaxes(title_text="cumulative fraction", range=[0, 1.02])
    if cap_ms is not None:
        for row in range(1, rows + 1):
            fig.add_vline(x=cap_ms, line=dict(color="grey", dash="dash", width=0.8), row=row,
                          col=1)
        for row, label in never:  # a curve flat at 0 would be invisible on the axis: say it
            fig.add_annotation(x=np.log10(lo * 1.15), y=0.03, xanchor="left", yanchor="bottom",
                               text=f"{label} ms: no leader within {cap_ms / 1000:g} s (flat at 0)",
                               showarrow=False, font=dict(size=TICK_FONT_PX * 0.9), row=row, col=1)
    for ann in fig.layout.annotations[: len(titles)]:  # the panel titles
        ann.font.size = FONT_PX
    fig = paper_layout(fig, width, height_in=2.4 * rows)
    for row in range(1, rows + 1):
        top = fig.layout[f"yaxis{row if row > 1 else ''}"].domain[1]
        fig.update_layout({"legend" if row == 1 else f"legend{row}": dict(
            x=0.005, y=top - 0.005, xanchor="left", yanchor="top", bgcolor="rgba(255,255,255,0.85)",
            font=dict(size=TICK_FONT_PX * 0.85), tracegroupgap=0)})
    return fig


def cdf_vs_paper_figure(curves: Mapping[str, Sequence[float] | np.ndarray], *,
                        paper_mean_ms: float | None = None,
                        paper_points: Sequence[Mapping[str, Any]] = (),
                        title: str | None = None, width: str = "single") -> go.Figure:
    """Empirical CDFs of several sample sets (``label -> samples``, e.g. one range under
    different models) against the paper's numbers.

    Each curve gets a filled circle at its own mean (x = mean, y = F(mean)) so it can be
    read against ``paper_mean_ms`` (a dashed vertical line); ``paper_points`` items
    ``{x, y, text}`` are drawn as open diamonds (e.g. the paper's longest trial at y = 1).
    Non-finite samples (no leader by the cap) are left out of the curve, which then stops
    short of 1.  Linear time axis.
    """
    fig = go.Figure()
    colours = [c for c in PALETTE if c != "#F0E442"]
    for k, (label, samples) in enumerate(curves.items()):
        a = np.asarray(samples, dtype=float)
        xs, ys = ecdf(a)
        frac = xs.size / max(a.size, 1)
        c, dash = colours[k % len(colours)], DASHES[k % len(DASHES)]
        fig.add_trace(go.Scatter(x=xs, y=ys * frac, mode="lines", line_shape="hv", name=label,
                                 legendgroup=label, line=dict(color=c, dash=dash, width=1.4)))
        if xs.size:
            mean = float(np.mean(xs))
            at = float(np.searchsorted(xs, mean, side="right")) / max(a.size, 1)
            fig.add_trace(go.Scatter(x=[mean], y=[at], mode="markers", name=f"{label}: mean",
                                     legendgroup=label, showlegend=False,
                                     hovertext=[f"{label}: mean {mean:.1f} ms"],
                                     hoverinfo="text",
                                     marker=dict(symbol="circle", size=6, color=c)))
    if paper_mean_ms is not None:
        fig.add_vline(x=float(paper_mean_ms), line=dict(color="black", dash="dash", width=0.8),
                      annotation_text=f"paper: mean {paper_mean_ms:g}",
                      annotation_position="bottom right",
                      annotation_font_size=TICK_FONT_PX * 0.85)
    for q in paper_points:
        fig.add_trace(go.Scatter(x=[q["x"]], y=[q["y"]], mode="markers+text",
                                 text=[q.get("text", "")],
                                 textposition=q.get("position", "bottom left"),
                                 textfont=dict(size=TICK_FONT_PX * 0.85),
                                 marker=dict(symbol="diamond-open", size=8, color="black"),
                                 showlegend=False, hoverinfo="text"))
    fig.update_xaxes(title_text="time without leader (ms)", rangemode="tozero")
    fig.update_yaxes(title_text="cumulative fraction", range=[0, 1.04])
    if title:
        fig.update_layout(title=dict(text=title, font=dict(size=FONT_PX)))
    paper_layout(fig, width, aspect=0.8)
    # the legend inside the plot, bottom right (the curves rise on the left)
    fig.update_layout(legend=dict(x=0.98, y=0.04, xanchor="right", yanchor="bottom",
                                  bgcolor="rgba(255,255,255,0.8)", orientation="v"))
    return fig


def timeline_figure(spans: Sequence[Mapping[str, Any]], arrows: Sequence[Mapping[str, Any]],
                    marks: Sequence[Mapping[str, Any]] = (), *, n: int,
                    title: str = "", width: str = "double",
                    fig: go.Figure | None = None, row: int | None = None) -> go.Figure:
    """One lane per node coloured by role (follower, candidate, leader, down), message
    arrows between lanes (dropped ones dotted) and fault marks.

    With ``fig`` and ``row`` the traces go into that subplot of an existing figure.
    """
    own = fig is None
    if fig is None:
        fig = go.Figure()
    where: dict[str, int] = {} if row is None else {"row": row, "col": 1}
    for role, c in ROLE_COLORS.items():
        xs: list[float | None] = []
        ys: list[float | None] = []
        for s in spans:
            if s["role"] == role:
                xs += [s["start"], s["end"], None]
                ys += [s["node"], s["node"], None]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=role, legendgroup=role,
                                 line=dict(color=c, width=9)), **where)
    by_kind: dict[str, list[Mapping[str, Any]]] = {}
    for a in arrows:
        by_kind.setdefault(a["kind"], []).append(a)
    for kind, items in sorted(by_kind.items()):
        for dropped in (False, True):
            sel = [a for a in items if a["dropped"] == dropped]
            if not sel:
                continue
            xs, ys = [], []
            for a in sel:
                xs += [a["sent"], a["arrived"], None]
                ys += [a["src"], a["dst"], None]
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines",
                                     name=f"{MESSAGE_NAMES.get(kind, kind)}"
                                          f"{' (dropped)' if dropped else ''}",
                                     line=dict(color=MESSAGE_COLORS.get(kind, "#777777"),
                                               width=0.7, dash="dot" if dropped else "solid"),
                                     opacity=0.7), **where)
    for m in marks:
        y = m["node"] if m["node"] >= 0 else (n - 1) / 2
        fig.add_trace(go.Scatter(x=[m["time"]], y=[y], mode="markers", name=m["kind"],
                                 showlegend=False, hovertext=m["kind"],
                                 marker=dict(symbol="x" if m["kind"] == "crash" else "line-ns",
                                             size=10, color="#D55E00",
                                             line=dict(width=2, color="#D55E00"))), **where)
    fig.update_yaxes(tickvals=list(range(n)), ticktext=[f"node {i}" for i in range(n)],
                     range=[-0.6, n - 0.4], **where)
    fig.update_xaxes(title_text="time (ms)", **where)
    if own:
        fig.update_layout(title=title)
        return paper_layout(fig, width, aspect=0.45)
    return fig


def election_dashboard_figure(spans: Sequence[Mapping[str, Any]], arrows: Sequence[Mapping[str, Any]],
                              marks: Sequence[Mapping[str, Any]], n: int,
                              times_ms: Sequence[float] | np.ndarray, *, title: str = "",
                              width: str = "double") -> go.Figure:
    """The dashboard picture of notebook 04: top, one run's timeline (:func:`timeline_figure`);
    bottom, the empirical CDF of the time to a leader over trials (NaN = never elected, so
    the curve stops short of 1 by the share never elected)."""
    fig = make_subplots(rows=2, cols=1, vertical_spacing=0.16, row_heights=[0.55, 0.45],
                        subplot_titles=("one run: roles per node and messages",
                                        "time to a leader over all trials"))
    timeline_figure(spans, arrows, marks, n=n, fig=fig, row=1)
    # a fixed number of traces whatever the algorithm's message kinds: a dashboard update then
    # restyles trace by trace, and never deletes or adds traces on the page
    for _ in range(max(TIMELINE_TRACES - len(fig.data), 0)):
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines", name="", showlegend=False, hoverinfo="skip"),
                      row=1, col=1)
    a = np.asarray(times_ms, dtype=float)
    xs, ys = ecdf(a)
    frac = xs.size / max(a.size, 1)
    fig.add_trace(go.Scatter(x=xs, y=ys * frac, mode="lines", line_shape="hv", name="time to leader (CDF)",
                             line=dict(color=PALETTE[0], width=1.8)), row=2, col=1)
    fig.update_xaxes(title_text="time (ms)", row=1, col=1)
    fig.update_xaxes(title_text="time to leader (ms)", row=2, col=1)
    fig.update_yaxes(title_text="cumulative fraction", range=[0, 1.02], row=2, col=1)
    fig.update_layout(title=title, legend=dict(x=1.01, y=1, xanchor="left", yanchor="top"),
                      margin=dict(r=190, t=70))
    fig.update_annotations(font_size=FONT_PX)
    return paper_layout(fig, width, height_in=5.2)
