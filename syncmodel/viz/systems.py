"""The systems comparison picture: availability in nines, failover downtime, stale reads, lost writes.

Data in (system labels and their numbers, downtime samples per system), figure out;
four panels, one trace each, so a dashboard can update them in place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..errors import invalid
from . import PALETTE, paper_layout

__all__ = ["NINES_CAP", "PANELS", "bar_labels", "comparison_data", "comparison_figure"]

#: panel titles, in trace order
PANELS = ("availability (nines)", "failover downtime (s)", "P(stale read)", "acked writes lost (%)")
#: bar label formats of panels 0, 2, 3
LABELS = {0: "{:.1f}", 2: "{:.2f}", 3: "{:.2g}"}
#: nines shown for a system that never fails (availability 1)
NINES_CAP = 12.0


def comparison_data(labels: Sequence[str], nines: Sequence[float],
                    downtime_ms: Mapping[str, Sequence[float] | np.ndarray],
                    stale: Sequence[float], lost_fraction: Sequence[float]) -> list[dict[str, list]]:
    """x/y arrays of the four traces (bars, one box trace, bars, bars), in :data:`PANELS` order."""
    n = len(labels)
    for name, seq in (("nines", nines), ("stale", stale), ("lost_fraction", lost_fraction)):
        if len(seq) != n:
            raise invalid(name, len(seq), f"one value per system ({n})")
    missing = [lab for lab in labels if lab not in downtime_ms]
    if missing:
        raise invalid("downtime_ms", missing, "samples for every system")
    capped = [min(float(v), NINES_CAP) for v in nines]
    bx: list[str] = []
    by: list[float] = []
    for lab in labels:
        d = np.asarray(downtime_ms[lab], dtype=float)
        d = d[np.isfinite(d)]
        bx.extend([lab] * d.size)
        by.extend((d / 1000.0).tolist())
    return [{"x": list(labels), "y": capped},
            {"x": bx, "y": by},
            {"x": list(labels), "y": [float(v) for v in stale]},
            {"x": list(labels), "y": [100.0 * float(v) for v in lost_fraction]}]


def bar_labels(panel: int, ys: Sequence[float]) -> list[str]:
    """Value labels of a bar panel ('∞' for capped nines, '' for zeros)."""
    fmt = LABELS[panel]
    out = []
    for y in ys:
        if panel == 0 and y >= NINES_CAP:
            out.append("∞")
        else:
            out.append("" if y == 0 else fmt.format(y))
    return out


def comparison_figure(labels: Sequence[str], nines: Sequence[float],
                      downtime_ms: Mapping[str, Sequence[float] | np.ndarray],
                      stale: Sequence[float], lost_fraction: Sequence[float], *,
                      title: str = "", width: str = "double") -> go.Figure:
    """Four panels side by side: nines (capped at 12 for 'never fails'), downtime box plots
    (seconds), stale-read probability and the percentage of acknowledged writes lost."""
    data = comparison_data(labels, nines, downtime_ms, stale, lost_fraction)
    fig = make_subplots(rows=1, cols=4, subplot_titles=PANELS, horizontal_spacing=0.07)
    colours = [PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3]]
    for i, d in enumerate(data):
        if i == 1:
            trace: go.Box | go.Bar = go.Box(x=d["x"], y=d["y"], marker_color=colours[i], boxpoints=False,
                                            line=dict(width=1), name=PANELS[i], showlegend=False)
        else:
            trace = go.Bar(x=d["x"], y=d["y"], marker_color=colours[i], name=PANELS[i],
                           showlegend=False, text=bar_labels(i, d["y"]), textposition="outside",
                           textfont=dict(size=8), cliponaxis=False)
        fig.add_trace(trace, row=1, col=i + 1)
    fig.update_xaxes(tickangle=-60, type="category")
    fig.update_yaxes(rangemode="tozero")
    fig.update_layout(title=title, margin=dict(t=40, b=90, l=40, r=10))
    for ann in fig.layout.annotations:
        ann.font.size = 11
    return paper_layout(fig, width, aspect=0.36)
