"""The validation figure: measured CDFs against the model's predicted CDFs, one panel per system.

Data in (samples in ms), ``go.Figure`` out; measured series are solid, model series (names
starting with "model") dashed; "measured, X" and "model, X" share X's colour, from the shared
colour-blind-safe palette.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..errors import invalid
from . import DASHES, color, ecdf, paper_layout

__all__ = ["validation_figure"]


def validation_figure(panels: Mapping[str, Mapping[str, Sequence[float] | np.ndarray]], *,
                      xlabel: str = "failover time (ms)", title: str = "",
                      width: str = "double") -> go.Figure:
    """One panel per system: empirical CDF of every named sample (measured solid, model dashed).

    ``panels`` maps a panel title (e.g. "etcd (3 members, 50/500 ms)") to {series name:
    samples}; a series whose name starts with "model" is a prediction.  Series with the same
    name share one legend entry across panels; "measured, X" (or "measured, X (k)", k samples)
    and "model, X" share X's colour.
    An empty panel says so.
    """
    if not isinstance(panels, Mapping) or not panels:
        raise invalid("panels", panels, "a non-empty mapping title -> {series: samples}")
    titles = list(panels)
    fig = make_subplots(rows=1, cols=len(titles), subplot_titles=titles, shared_yaxes=True,
                        horizontal_spacing=0.04)
    colours: dict[str, str] = {}
    for col, t in enumerate(titles, start=1):
        series = panels[t]
        if not isinstance(series, Mapping):
            raise invalid("panels", t, "a mapping series name -> samples")
        if not series:
            fig.add_annotation(text="no measurement", showarrow=False, row=1, col=col,
                               x=0.5, y=0.5, xref="x domain", yref="y domain")
        for name, values in series.items():
            xs, ys = ecdf(values)
            model = name.startswith("model")
            # "measured, crash (100)" and "model, crash" share crash's colour
            group = re.sub(r" \(\d+\)$", "", name.split(", ", 1)[1] if ", " in name else name)
            if group not in colours:
                colours[group] = color(len(colours))
            fig.add_trace(go.Scatter(
                x=xs, y=ys, name=name, legendgroup=name, showlegend=col == 1 or name not in
                {tr.name for tr in fig.data}, mode="lines", line_shape="hv",
                line=dict(color=colours[group], width=1.5,
                          dash=DASHES[1] if model else DASHES[0])), row=1, col=col)
        fig.update_xaxes(title_text=xlabel, row=1, col=col)
    fig.update_yaxes(range=[0, 1.02], title_text="cumulative fraction", row=1, col=1)
    fig.update_annotations(font_size=10)  # subplot titles: smaller than the axis titles
    fig.update_layout(title=title, legend=dict(orientation="h", y=-0.3, x=0.5, xanchor="center"))
    return paper_layout(fig, width, aspect=0.42)
