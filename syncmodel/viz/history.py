"""Space-time (Lamport) diagram of a history: one lane per process, each operation a bar
from invocation to completion, the operations that cannot be ordered highlighted, and the
linearization found drawn as points. Data in (a table of operations), figure out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import plotly.graph_objects as go

from ..errors import invalid
from . import color, paper_layout

__all__ = ["COLUMNS", "SHORT", "VIOLATION", "history_figure", "op_label"]

COLUMNS = ("index", "process", "type", "f", "key", "value", "invoke_ms", "complete_ms")
VIOLATION = "#D55E00"   # vermillion (Okabe–Ito)
SHORT = {"read": "r", "write": "w", "cas": "cas", "append": "+"}


def _fmt(v: Any) -> str:
    if v is None:
        return "∅"
    if isinstance(v, frozenset):
        if not v:
            return "∅"
        items = sorted(v, key=repr)
        return "{" + ",".join(map(str, items)) + "}" if len(items) <= 3 else f"{{…{len(items)}}}"
    if isinstance(v, tuple) and len(v) == 2:
        return f"{_fmt(v[0])}→{_fmt(v[1])}"
    s = str(v)
    return s if len(s) <= 12 else s[:11] + "…"


def op_label(f: str, value: Any, type_: str) -> str:
    """A short Unicode label: ``w 3``, ``r 2``, ``cas 3→0``, ``+x``; ``?`` marks no answer."""
    lab = f"{SHORT.get(f, f)} {_fmt(value)}" if f != "append" else f"+{_fmt(value)}"
    if type_ == "info":
        lab += " ?"
    elif type_ == "fail":
        lab += " ✗"
    return lab


def history_figure(ops: Any, *, violation: Iterable[int] = (),
                   linearization: Sequence[tuple[int, float]] = (), title: str = "",
                   window: tuple[float, float] | None = None, labels: bool | None = None,
                   width: str = "double", time_label: str = "time (ms)") -> go.Figure:
    """The space-time diagram of ``ops`` (a DataFrame or row mappings with columns index,
    process, type, f, key, value, invoke_ms, complete_ms — ``History.to_frame()``).

    ``violation``: indices drawn in vermillion (a set of operations that cannot be ordered);
    ``linearization``: (index, time) points of the order found, joined by a thin line in
    that order; ``window``: (t0, t1) to show only operations overlapping it; ``labels``:
    write each operation's label on its bar (default: when at most 80 are shown).
    Operations with no answer (info) run to the right edge, dashed.
    """
    rows = _rows(ops)
    if window is not None:
        if not (isinstance(window, Sequence) and len(window) == 2 and window[0] <= window[1]):
            raise invalid("window", window, "a pair (t0, t1) with t0 ≤ t1")
        rows = [r for r in rows if r["invoke_ms"] <= window[1] and r["complete_ms"] >= window[0]]
    bad = set(violation)
    finite = [t for r in rows for t in (r["invoke_ms"], r["complete_ms"]) if math.isfinite(t)]
    t_max = max(finite, default=1.0)
    t_min = min(finite, default=0.0)
    edge = t_max + 0.04 * max(t_max - t_min, 1.0)
    if window is not None:
        edge = min(edge, window[1])
    procs = sorted({r["process"] for r in rows},
                   key=lambda p: (0, p, "") if isinstance(p, (int, float)) else (1, 0, repr(p)))
    lane = {p: i for i, p in enumerate(procs)}
    show_labels = len(rows) <= 80 if labels is None else labels
    groups: dict[str, dict[str, list[Any]]] = {}
    for r in rows:
        kind = ("cannot be ordered" if r["index"] in bad else
                "no answer (info)" if r["type"] == "info" else
                "failed" if r["type"] == "fail" else "completed")
        g = groups.setdefault(kind, {"x": [], "y": [], "text": []})
        t1 = r["complete_ms"] if math.isfinite(r["complete_ms"]) else edge
        y = lane[r["process"]]
        key = "" if r["key"] is None else f" [{r['key']}]"
        hover = (f"#{r['index']} process {r['process']}: {op_label(r['f'], r['value'], r['type'])}{key}"
                 f"<br>{r['invoke_ms']:g} → {r['complete_ms']:g} ms")
        g["x"] += [r["invoke_ms"], t1, None]
        g["y"] += [y, y, None]
        g["text"] += [hover, hover, None]
    style = {"completed": dict(color=color(0), width=7, dash="solid"),
             "failed": dict(color="#999999", width=5, dash="solid"),
             "no answer (info)": dict(color=color(1), width=5, dash="dot"),
             "cannot be ordered": dict(color=VIOLATION, width=9, dash="solid")}
    # the same six traces every time (empty ones hidden from the legend), so a dashboard can
    # update them in place
    fig = go.Figure()
    for kind in ("completed", "failed", "no answer (info)", "cannot be ordered"):
        g = groups.get(kind, {"x": [], "y": [], "text": []})
        fig.add_trace(go.Scatter(x=g["x"], y=g["y"], mode="lines", name=kind, line=style[kind],
                                 text=g["text"], hoverinfo="text", connectgaps=False,
                                 showlegend=bool(g["x"])))
    lab = rows if show_labels else []
    fig.add_trace(go.Scatter(
        x=[(r["invoke_ms"] + (r["complete_ms"] if math.isfinite(r["complete_ms"]) else edge)) / 2
           for r in lab],
        y=[lane[r["process"]] + 0.28 for r in lab],
        text=[op_label(r["f"], r["value"], r["type"]) for r in lab], mode="text",
        textfont=dict(size=9, color=[VIOLATION if r["index"] in bad else "black" for r in lab]),
        showlegend=False, hoverinfo="skip", name="labels"))
    shown = {r["index"]: r for r in rows}
    pts = [(i, t) for i, t in linearization if i in shown]
    fig.add_trace(go.Scatter(
        x=[t for _, t in pts], y=[lane[shown[i]["process"]] for i, _ in pts], mode="lines+markers",
        name="linearization found", line=dict(color="black", width=0.6),
        marker=dict(symbol="circle", size=7, color="white", line=dict(color="black", width=1.4)),
        text=[f"step {k + 1}: #{i}" for k, (i, _) in enumerate(pts)], hoverinfo="text",
        showlegend=bool(pts)))
    fig.update_yaxes(tickmode="array", tickvals=list(range(len(procs))),
                     ticktext=[f"p{p}" for p in procs], range=[-0.7, len(procs) - 0.3],
                     title_text="process", showgrid=False)
    fig.update_xaxes(title_text=time_label)
    if window is not None:
        fig.update_xaxes(range=list(window))
    fig.update_layout(title=title, legend=dict(orientation="h", x=0.0, y=-0.18, xanchor="left",
                                               yanchor="top"))
    paper_layout(fig, width=width, aspect=max(0.3, min(0.9, 0.08 * len(procs) + 0.2)))
    fig.update_layout(margin=dict(b=80))
    return fig


def _rows(ops: Any) -> list[dict[str, Any]]:
    if hasattr(ops, "to_dict") and hasattr(ops, "columns"):
        rows = ops.to_dict("records")
    elif isinstance(ops, Iterable) and not isinstance(ops, (str, bytes)):
        rows = [dict(r) for r in ops]
    else:
        raise invalid("ops", type(ops).__name__, "a DataFrame or rows with columns " + ", ".join(COLUMNS))
    for i, r in enumerate(rows):
        missing = [c for c in COLUMNS if c not in r]
        if missing:
            raise invalid("ops", f"row {i} without {missing}", "rows with columns " + ", ".join(COLUMNS))
        r["invoke_ms"] = float(r["invoke_ms"])
        c = r["complete_ms"]
        r["complete_ms"] = math.inf if c is None or (isinstance(c, float) and math.isnan(c)) else float(c)
    return rows
