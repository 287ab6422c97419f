"""Figure builders for failure and availability: nines against p, exact against Monte Carlo.

Data in, ``go.Figure`` out, in the paper template; no model is imported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from .._stats import nines
from . import DASHES, color, paper_layout

__all__ = ["NINES_AXIS", "interval_figure", "nines_figure", "nines_point_figure", "nines_traces", "to_nines"]

NINES_AXIS = "availability (nines) = −log₁₀ P(S)"


def to_nines(failure: float | np.ndarray | Sequence[float]) -> np.ndarray:
    """−log10 of failure probabilities (inf where P(S) = 0, NaN kept)."""
    return np.asarray(nines(failure))


def _nines_ticks(fig: go.Figure, top: float) -> None:
    top_int = int(np.clip(np.ceil(top), 1, 15))
    vals = list(range(0, top_int + 1, 1 if top_int <= 8 else 2))
    # v nines is 1 − 10^−v available: 1 → 90 %, 2 → 99 %, 3 → 99.9 %
    text = [{0: "0 %", 1: "90 %"}.get(v, "99" + ("." + "9" * (v - 2) if v > 2 else "") + " %")
            for v in vals]
    fig.update_yaxes(tickvals=vals, ticktext=text, range=[0, top_int])


def nines_traces(ps: np.ndarray | Sequence[float], failures: Mapping[str, np.ndarray | Sequence[float]],
                 start: int = 0) -> list[go.Scatter]:
    """One line per named curve of P(S) against p, on the nines scale."""
    return [
        go.Scatter(x=np.asarray(ps), y=to_nines(f), name=name, mode="lines",
                   line=dict(color=color(start + i), dash=DASHES[(start + i) % len(DASHES)], width=1.5),
                   hovertemplate="p = %{x:.3g}<br>%{y:.2f} nines<extra>" + name + "</extra>")
        for i, (name, f) in enumerate(failures.items())
    ]


def nines_figure(ps: np.ndarray | Sequence[float], failures: Mapping[str, np.ndarray | Sequence[float]],
                 *, title: str = "", xlabel: str = "node failure probability p",
                 width: str = "single", percent_ticks: bool = True) -> go.Figure:
    """Availability in nines against the node failure probability (log x axis).

    ``failures[name]`` is P(S) at each p; the y axis shows −log10 P(S), so 3
    means 99.9 % available.
    """
    fig = go.Figure(nines_traces(ps, failures))
    fig.update_layout(title=title, xaxis_title=xlabel, yaxis_title=NINES_AXIS)
    fig.update_xaxes(type="log")
    finite = [v for f in failures.values() for v in to_nines(f) if np.isfinite(v)]
    if percent_ticks and finite:
        _nines_ticks(fig, max(finite))
        fig.update_layout(yaxis_title="availability F(S) = 1 − P(S)")
    paper_layout(fig, width, aspect=1.0)
    # the legend goes under the plot: the curves fill the whole panel
    fig.update_layout(legend=dict(orientation="h", x=-0.3, y=-0.2, yanchor="top", xanchor="left",
                                  entrywidth=0.42, entrywidthmode="fraction"),
                      margin=dict(b=100))
    return fig


def interval_figure(labels: Sequence[str], exact: Sequence[float], estimate: Sequence[float],
                    low: Sequence[float], high: Sequence[float], *, title: str = "",
                    width: str = "single") -> go.Figure:
    """Monte Carlo estimates with their confidence intervals beside the exact values (log y)."""
    est = np.asarray(estimate, dtype=float)
    fig = go.Figure([
        go.Scatter(x=list(labels), y=est, name="Monte Carlo", mode="markers",
                   marker=dict(color=color(0), size=6),
                   error_y=dict(type="data", symmetric=False, array=np.asarray(high) - est,
                                arrayminus=est - np.asarray(low), thickness=1, width=3)),
        go.Scatter(x=list(labels), y=list(exact), name="exact", mode="markers",
                   marker=dict(color=color(3), symbol="x", size=7)),
    ])
    fig.update_layout(title=title, yaxis_title="P(S)")
    fig.update_yaxes(type="log")
    return paper_layout(fig, width)


def nines_point_figure(ps: np.ndarray | Sequence[float],
                       failures: Mapping[str, np.ndarray | Sequence[float]],
                       point: tuple[float, float, float, float], *, point_name: str = "Monte Carlo (95 % CI)",
                       title: str = "", top: float | None = None, width: str = "double") -> go.Figure:
    """The dashboard picture of notebook 02: nines of each named P(S) curve against p (log x),
    and one estimate ``point = (p, P̂, low, high)`` with its interval as a diamond.

    The y axis is nines = −log₁₀ P(S) from 0 to ``top`` (default: the curves' largest finite
    value, rounded up), so the axis does not jump while one input changes.
    """
    fig = go.Figure(nines_traces(ps, failures))
    p, est, low, high = (float(v) for v in point)
    y = float(to_nines(est)) if est > 0 else float("nan")
    y_hi = float(to_nines(max(low, 1e-300)))
    y_lo = float(to_nines(high)) if high > 0 else y
    fig.add_trace(go.Scatter(x=[p], y=[y], name=point_name, mode="markers",
                             marker=dict(color=color(4), size=9, symbol="diamond"),
                             error_y=dict(type="data", symmetric=False, array=[max(y_hi - y, 0.0)],
                                          arrayminus=[max(y - y_lo, 0.0)], thickness=1.2, width=4),
                             hovertemplate="p = %{x:.3g}<br>%{y:.2f} nines<extra>Monte Carlo</extra>"))
    finite = [v for f in failures.values() for v in to_nines(f) if np.isfinite(v)]
    upper = top if top is not None else (max(finite) if finite else 3.0)
    fig.update_layout(title=title, xaxis_title="node failure probability p", yaxis_title=NINES_AXIS,
                      legend=dict(x=0.99, xanchor="right", y=0.99))
    fig.update_xaxes(type="log", range=[float(np.log10(np.min(ps))), float(np.log10(np.max(ps)))])
    fig.update_yaxes(range=[0, float(np.ceil(upper))])
    return paper_layout(fig, width, aspect=0.55)
