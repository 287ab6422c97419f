"""The systems comparison picture: availability in nines, failover downtime, stale reads, lost writes.

Data in (system labels and their numbers, downtime samples per system), figure out;
four panels, one trace each, so a dashboard can update them in place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..errors import invalid
from . import PALETTE, paper_layout

__all__ = ["NINES_CAP", "PANELS", "bar_labels", "comparison_data", "comparison_figure", "comparison_table",
           "downtime_marks",
           "table_html"]

#: panel titles, in trace order
PANELS = ("availability (nines)", "failover downtime (s)", "P(stale read)",
          "writes lost (% of acked)")
#: bar label formats of panels 0, 2, 3
LABELS = {0: "{:.1f}", 2: "{:.2g}", 3: "{:.2g}"}
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
    """Value labels of a bar panel: '∞' for capped nines, '0' for a measured zero, 'n/a' for NaN
    (a question that does not apply), else the value (2 significant digits, 0.00094 stays 0.00094)."""
    fmt = LABELS[panel]
    out = []
    for y in ys:
        if y is None or not np.isfinite(y):
            out.append("n/a")
        elif panel == 0 and y >= NINES_CAP:
            out.append("∞")
        else:
            out.append("0" if y == 0 else fmt.format(y))
    return out


def downtime_marks(labels: Sequence[str], downtime_ms: Mapping[str, Sequence[float] | np.ndarray]
                   ) -> list[tuple[str, str]]:
    """(system, label) for the failover panel's systems that a box cannot show: '0' when every
    sample is 0 (no failover pause), 'n/a' when there is no finite sample."""
    out = []
    for lab in labels:
        d = np.asarray(downtime_ms[lab], dtype=float)
        d = d[np.isfinite(d)]
        if d.size == 0:
            out.append((lab, "n/a"))
        elif not d.any():
            out.append((lab, "0"))
    return out


def comparison_figure(labels: Sequence[str], nines: Sequence[float],
                      downtime_ms: Mapping[str, Sequence[float] | np.ndarray],
                      stale: Sequence[float], lost_fraction: Sequence[float], *,
                      title: str = "", width: str = "double") -> go.Figure:
    """Four panels side by side: nines (capped at 12 for 'never fails'), downtime box plots
    (seconds), stale-read probability and the percentage of acknowledged writes lost."""
    data = comparison_data(labels, nines, downtime_ms, stale, lost_fraction)
    # horizontal bars: system names read left to right, no rotated labels taller than the bars
    fig = make_subplots(rows=1, cols=4, subplot_titles=PANELS, horizontal_spacing=0.035,
                        shared_yaxes=True)
    colours = [PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3]]
    for i, d in enumerate(data):
        if i == 1:
            trace: go.Box | go.Bar = go.Box(x=d["y"], y=d["x"], orientation="h", marker_color=colours[i],
                                            boxpoints=False, line=dict(width=1), name=PANELS[i],
                                            showlegend=False)
        else:
            trace = go.Bar(x=d["y"], y=d["x"], orientation="h", marker_color=colours[i], name=PANELS[i],
                           showlegend=False, text=bar_labels(i, d["y"]), textposition="outside",
                           textfont=dict(size=9), cliponaxis=False)
        fig.add_trace(trace, row=1, col=i + 1)
    # the box panel says what a box cannot: "0" for a system whose failover costs nothing (no
    # leader on the data path), "n/a" for one with no sample (the question does not apply)
    marks = downtime_marks(labels, downtime_ms)
    # (a figure space ahead of each label keeps it clear of the tick mark: "0", never "-0")
    fig.add_trace(go.Scatter(x=[0.0] * len(marks), y=[m[0] for m in marks],
                             text=["\u2007" + m[1] for m in marks],
                             mode="text", textposition="middle right", textfont=dict(size=9),
                             showlegend=False, hoverinfo="skip", name="downtime labels"), row=1, col=2)
    fig.update_yaxes(type="category", autorange="reversed", categoryorder="array",
                     categoryarray=list(labels))
    fig.update_xaxes(rangemode="tozero")
    # room for the value labels right of the longest bar
    for i, d in enumerate(data):
        ys = [v for v in d["y"] if np.isfinite(v)]
        top = max(ys, default=1.0) or 1.0
        fig.update_xaxes(range=[0, top * (1.05 if i == 1 else 1.3)], row=1, col=i + 1)
    n = len(labels)
    fig.update_layout(title=title, margin=dict(t=48 if title else 30, b=30, l=10, r=10),
                      bargap=0.3)
    for ann in fig.layout.annotations:
        ann.font.size = 11
    return paper_layout(fig, width, height_in=max(1.2, 0.6 + 0.2 * n))


def comparison_table(df: Any, width: str = "double", title: str = "") -> go.Figure:
    """The comparison figure of a ``systems.compare`` table (a DataFrame with columns system,
    nines, stale_read, lost_fraction and ``attrs['downtime_ms']``)."""
    labels = [str(x) for x in df["system"]]
    return comparison_figure(labels, [float(x) for x in df["nines"]], dict(df.attrs.get("downtime_ms", {})),
                             [float(x) for x in df["stale_read"]], [float(x) for x in df["lost_fraction"]],
                             width=width, title=title)


#: the side-by-side table's columns: (DataFrame column, header, format of a value)
TABLE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("system", "system", "{}"),
    ("availability", "F(S) = 1 − P(S)", "{:.6f}"),
    ("nines", "nines", "{:.2f}"),
    ("downtime_median_ms", "failover downtime, median (s)", "{:.2f}"),
    ("downtime_p99_ms", "failover downtime, p99 (s)", "{:.2f}"),
    ("stale_read", "P(stale read)", "{:.2g}"),
    ("lost_writes", "acked writes lost", "{:d}"),
    ("versions", "versions kept", "{:d}"),
    ("discarded", "writes discarded", "{:d}"),
)


def table_html(df: Any) -> str:
    """The side-by-side table as HTML: one unit per column (downtime in seconds), numbers
    right-aligned under right-aligned headers, 'n/a' for a value that does not apply."""
    def cell(col: str, fmt: str, v: Any) -> str:
        if col.endswith("_ms"):
            v = float(v) / 1000.0
        if isinstance(v, float) and not np.isfinite(v):
            return "∞" if v > 0 else "n/a"
        if fmt == "{:d}":
            v = int(v)
        text = fmt.format(v)
        return "0" if text.strip("0.") == "" and fmt != "{}" else text

    th = "padding:2px 10px;border-bottom:1px solid #999;vertical-align:bottom"
    head = "".join(f"<th style='{th};text-align:{'left' if c == 'system' else 'right'}'>{h}</th>"
                   for c, h, _ in TABLE_COLUMNS)
    rows = []
    for _, r in df.iterrows():
        tds = "".join(f"<td style='padding:2px 10px;text-align:{'left' if c == 'system' else 'right'};"
                      f"font-variant-numeric:tabular-nums'>{cell(c, f, r[c])}</td>"
                      for c, _, f in TABLE_COLUMNS)
        rows.append(f"<tr>{tds}</tr>")
    return (f"<table style='border-collapse:collapse;font-size:13px'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")
