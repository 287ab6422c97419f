"""Plotly figure builders: data in, ``go.Figure`` out, in the paper template.

This package imports no model: it takes numbers and DataFrames.  The paper
template fixes column widths (single 3.5 in, double 7.16 in), 8–9 pt fonts and
the Okabe–Ito colour-blind-safe palette.  Labels are Unicode (λ, μ, ≤), since
MathJax cannot load offline.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.basedatatypes import BaseFigure
from plotly.colors import sample_colorscale

from ..errors import check_bool, check_real, invalid
from ..export import SCREEN_ONLY

__all__ = ["DASHES", "FONT_FAMILY", "FONT_PX", "MIN_HEIGHT_PX", "PALETTE", "PAPER_TEMPLATE", "PX_PER_IN",
           "SCREEN_FONT_PX", "SCREEN_HEIGHT_PX", "SCREEN_MIN_FONT_PX", "SCREEN_TEMPLATE",
           "SCREEN_TICK_FONT_PX", "SCREEN_WIDTH_PX",
           "SWEEP_LABELS", "TICK_FONT_PX", "WIDTHS_IN", "cdf_figure", "color", "ecdf", "heatmap_figure",
           "line_figure", "paper_layout", "screen_layout", "table_heatmap"]

#: Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour-vision deficiency.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
#: dash patterns that keep lines apart in greyscale print
DASHES: tuple[str, ...] = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
#: CSS pixels per inch: Chromium prints 96 px to the inch, so width_px / 96 is the PDF width
PX_PER_IN = 96
#: plotly's smallest layout height (px)
MIN_HEIGHT_PX = 10
WIDTHS_IN: dict[str, float] = {"single": 3.5, "double": 7.16}
#: 9 pt body text and 8 pt ticks, in CSS px (1 pt = 96/72 px)
FONT_PX = 12
TICK_FONT_PX = 10.7
FONT_FAMILY = "DejaVu Sans, Open Sans, Arial, sans-serif"
#: notebooks and Voila show figures about 800 px wide with 13 px text and 12 px ticks
SCREEN_WIDTH_PX = 800
SCREEN_FONT_PX = 13
SCREEN_TICK_FONT_PX = 12
#: no text on screen is smaller than this (px): paper annotations at 7–8 pt would read at ~10 px
SCREEN_MIN_FONT_PX = 12
#: screen heights are kept between these (px): a wide paper aspect (a row of four panels at
#: 7.16 in) must not squash the panels, a tall one must not push the controls off-screen
SCREEN_HEIGHT_PX = (360, 680)


def _template(font_px: float = FONT_PX, tick_px: float = TICK_FONT_PX) -> go.layout.Template:
    axis = dict(
        automargin=True, showline=True, linecolor="black", linewidth=0.8, mirror=True, ticks="outside",
        ticklen=3, tickwidth=0.8, tickfont=dict(size=tick_px), showgrid=True,
        gridcolor="#e5e5e5", gridwidth=0.5, zeroline=False,
        title=dict(font=dict(size=font_px), standoff=4),
    )
    return go.layout.Template(
        layout=go.Layout(
            font=dict(family=FONT_FAMILY, size=font_px, color="black"),
            colorway=list(PALETTE),
            paper_bgcolor="white", plot_bgcolor="white",
            xaxis=axis, yaxis=axis,
            legend=dict(font=dict(size=tick_px), bgcolor="rgba(255,255,255,0.7)",
                        borderwidth=0, tracegroupgap=2),
            margin=dict(l=48, r=8, t=28, b=40),
            title=dict(font=dict(size=font_px), x=0.5, xanchor="center", y=0.98),
            hovermode="closest",
        )
    )


PAPER_TEMPLATE = _template()
SCREEN_TEMPLATE = _template(SCREEN_FONT_PX, SCREEN_TICK_FONT_PX)


def paper_layout(fig: go.Figure, width: str = "single", aspect: float = 0.75,
                 height_in: float | None = None) -> go.Figure:
    """Apply the paper template to ``fig`` at a column width; returns ``fig``.

    ``width`` is ``"single"`` (3.5 in) or ``"double"`` (7.16 in); the height is
    ``height_in`` inches, or ``aspect`` times the width, and must come to a finite
    number of pixels, at least plotly's minimum of 10.
    """
    if not isinstance(fig, BaseFigure):
        raise invalid("fig", fig, "a plotly figure")
    if not isinstance(width, str) or width not in WIDTHS_IN:
        raise invalid("width", width, f"one of {sorted(WIDTHS_IN)}")
    w_in = WIDTHS_IN[width]
    aspect = check_real("aspect", aspect, 0.0, lo_open=True)
    if height_in is None:
        name, value, h_px = "aspect", aspect, w_in * aspect * PX_PER_IN
    else:
        name, value = "height_in", height_in
        h_px = check_real("height_in", height_in, 0.0, lo_open=True) * PX_PER_IN
    if not h_px < float("inf") or round(h_px) < MIN_HEIGHT_PX:
        raise invalid(name, value, f"giving a finite figure height of at least {MIN_HEIGHT_PX} px "
                                   f"({PX_PER_IN} px to the inch)")
    fig.update_layout(template=PAPER_TEMPLATE, width=round(w_in * PX_PER_IN), height=round(h_px))
    return fig


def _screen_size(size: float, factor: float) -> float:
    """A paper font size in px at screen scale: times ``factor``, at least SCREEN_MIN_FONT_PX."""
    return max(round(size * factor, 1), SCREEN_MIN_FONT_PX)


def _scale_fonts(obj: Any, factor: float) -> None:
    """Scale every explicit font size in a plotly object (dict form) by ``factor``, to at
    least :data:`SCREEN_MIN_FONT_PX`."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            if key in ("font", "textfont", "tickfont", "insidetextfont", "outsidetextfont") \
                    and isinstance(value, dict) and isinstance(value.get("size"), (int, float)):
                value["size"] = _screen_size(value["size"], factor)
            if key == "font_size" and isinstance(value, (int, float)):
                obj[key] = _screen_size(value, factor)
            _scale_fonts(value, factor)
    elif isinstance(obj, list):
        for item in obj:
            _scale_fonts(item, factor)


def screen_layout(fig: go.Figure, width_px: int = SCREEN_WIDTH_PX,
                  height_px: int | None = None) -> go.Figure:
    """The same figure sized for a notebook or Voila page: a new ``go.Figure`` ~800 px wide
    with 13 px text (the paper builders draw 3.5 or 7.16 in with 9 pt text).

    The height keeps the paper aspect, bounded by :data:`SCREEN_HEIGHT_PX`, unless
    ``height_px`` is given; explicit font sizes (annotations, bar labels) grow by the
    screen/paper font ratio (13/12) and are at least :data:`SCREEN_MIN_FONT_PX` (12 px).
    ``fig`` itself is not changed; the export keeps using it.

    Worked case: a double-column paper figure (687 × 241 px, aspect 0.35) with a 9.3 px (7 pt)
    annotation becomes 800 px wide and max(241 · 800/687, 360) = 360 px tall, its annotation
    max(9.3 · 13/12, 12) = 12 px.
    """
    if not isinstance(fig, BaseFigure):
        raise invalid("fig", fig, "a plotly figure")
    out = go.Figure(data=fig.data, layout=fig.layout)  # copies; keeps numpy data as numpy
    factor = SCREEN_FONT_PX / FONT_PX
    for trace in out.data:
        for key in ("textfont", "insidetextfont", "outsidetextfont"):
            font = trace[key] if key in trace else None
            if font is not None and isinstance(font.size, (int, float)):
                font.size = _screen_size(font.size, factor)
    layout = out.layout.to_plotly_json()
    layout.pop("template", None)
    _scale_fonts(layout, factor)
    old_w = float(layout.get("width") or WIDTHS_IN["double"] * PX_PER_IN)
    old_h = float(layout.get("height") or 0.6 * old_w)
    if height_px is None:
        lo, hi = SCREEN_HEIGHT_PX
        height_px = int(min(max(old_h * width_px / old_w, lo), hi))
    meta = layout.get("meta")
    layout.update(template=SCREEN_TEMPLATE, width=int(width_px), height=int(height_px),
                  meta={**(meta if isinstance(meta, dict) else {}), "medium": "screen"})
    out.layout = layout
    return out


def color(i: int) -> str:
    """The i-th palette colour (cycling)."""
    if isinstance(i, bool) or not isinstance(i, numbers.Integral):
        raise invalid("i", i, "an int")
    return PALETTE[i % len(PALETTE)]


def _column(name: str, values: Any) -> np.ndarray:
    """``values`` as a 1-D array (numbers or labels); ragged, nested or scalar input raises."""
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError, OverflowError):  # ragged
        raise invalid(name, values, "a 1-D sequence of values") from None
    if arr.ndim != 1 or arr.dtype == object:
        raise invalid(name, values, "a 1-D sequence of values")
    return arr


def line_figure(x: Sequence[float] | np.ndarray, series: Mapping[str, Sequence[float] | np.ndarray],
                *, title: str = "", xlabel: str = "", ylabel: str = "", width: str = "single",
                log_x: bool = False, log_y: bool = False, markers: bool = False) -> go.Figure:
    """Lines of ``series[name]`` against ``x``, one per name, palette colours and dashes."""
    if not isinstance(series, Mapping):
        raise invalid("series", series, "a mapping name -> y values")
    xs = _column("x", x)
    for label, text in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel)):
        if not isinstance(text, str):
            raise invalid(label, text, "a str")
    log_x, log_y = check_bool("log_x", log_x), check_bool("log_y", log_y)
    markers = check_bool("markers", markers)
    fig = go.Figure()
    for i, (name, ys) in enumerate(series.items()):
        y = _column(f"series[{name!r}]", ys)
        if len(y) != len(xs):
            raise invalid(f"series[{name!r}]", ys, f"{len(xs)} values (one per x)")
        fig.add_trace(go.Scatter(
            x=xs, y=y, name=name,
            mode="lines+markers" if markers else "lines",
            line=dict(color=color(i), dash=DASHES[i % len(DASHES)], width=1.5),
            marker=dict(size=4),
        ))
    fig.update_layout(title=title, xaxis_title=xlabel, yaxis_title=ylabel)
    if log_x:
        fig.update_xaxes(type="log")
    if log_y:
        fig.update_yaxes(type="log")
    return paper_layout(fig, width)


def ecdf(samples: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Empirical CDF of finite samples: sorted values and i/n (NaN and inf dropped)."""
    try:  # None in an object array becomes NaN and is dropped, as before
        a = np.asarray(samples, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise invalid("samples", samples, "a sequence of numbers") from None
    a = np.sort(a[np.isfinite(a)])
    return a, np.arange(1, a.size + 1) / max(a.size, 1)


def cdf_figure(samples: Mapping[str, Sequence[float] | np.ndarray], *, title: str = "",
               xlabel: str = "", ylabel: str = "cumulative fraction", width: str = "single",
               log_x: bool = False) -> go.Figure:
    """Empirical CDFs, one step line per named sample."""
    if not isinstance(samples, Mapping):
        raise invalid("samples", samples, "a mapping name -> sample values")
    fig = go.Figure()
    for i, (name, values) in enumerate(samples.items()):
        xs, ys = ecdf(values)
        fig.add_trace(go.Scatter(x=xs, y=ys, name=name, mode="lines", line_shape="hv",
                                 line=dict(color=color(i), dash=DASHES[i % len(DASHES)], width=1.5)))
    fig.update_layout(title=title, xaxis_title=xlabel, yaxis_title=ylabel)
    fig.update_yaxes(range=[0, 1.02])
    if log_x:
        fig.update_xaxes(type="log")
    return paper_layout(fig, width)


def heatmap_figure(x: Sequence[Any], y: Sequence[Any], z: np.ndarray | Sequence[Sequence[float]], *,
                   title: str = "", xlabel: str = "", ylabel: str = "", zlabel: str = "",
                   width: str = "single", text_format: str | None = None) -> go.Figure:
    """A heatmap of ``z[i][j]`` at (x[j], y[i]) with the sequential, colour-blind-safe Viridis scale.

    Axes are categorical (equal cells whatever the values); each cell is a vector rectangle
    (no raster in PDF/SVG) with its value written by ``text_format`` (``"%{z:.1f}"``); NaN
    cells are grey "n/a", +inf cells "∞".  ``data[0]`` is the (transparent) heatmap trace
    holding x, y, z and the hover (marked screen-only: :func:`syncmodel.export.write_figure`
    leaves it out, so no raster reaches a PDF/SVG); ``data[1]`` the cell values;
    ``data[2]`` an invisible marker that carries the colour bar.
    """
    for name, v in (("x", x), ("y", y)):
        try:
            len(v), iter(v)
        except TypeError:
            raise invalid(name, v, "a sequence of labels") from None
    try:
        z = np.asarray(z, dtype=float)
    except (TypeError, ValueError, OverflowError):  # not numbers, or ragged
        raise invalid("z", z, "a 2-D array of numbers (NaN or None for a gap)") from None
    if z.shape != (len(y), len(x)):
        raise invalid("z", z.shape, f"of shape (len(y), len(x)) = ({len(y)}, {len(x)})")
    xs, ys = [str(v) for v in x], [str(v) for v in y]
    finite = z[np.isfinite(z)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    hi = hi if hi > lo else lo + 1.0
    # the heatmap trace keeps the data, the hover and the colour bar; its raster (an n×m-pixel
    # image scaled up in PDF/SVG) is transparent, and every cell is a vector rectangle instead
    colorbar = dict(title=dict(text=zlabel, side="right", font=dict(size=TICK_FONT_PX)),
                    thickness=10, tickfont=dict(size=TICK_FONT_PX))
    trace = go.Heatmap(x=xs, y=ys, z=z, colorscale="Viridis", zmin=lo, zmax=hi, opacity=0,
                       colorbar=colorbar, showscale=False, meta={SCREEN_ONLY: True},
                       hovertemplate="x = %{x}<br>y = %{y}<br>%{z:.4g}<extra></extra>")
    fig = go.Figure(trace)
    shapes = []
    text_x: list[str] = []
    text_y: list[str] = []
    texts: list[str] = []
    colours: list[str] = []
    for i, yv in enumerate(ys):
        for j, xv in enumerate(xs):
            v = z[i, j]
            if np.isposinf(v):  # e.g. nines of a system that never fails
                fill, ink, label = sample_colorscale("Viridis", [1.0])[0], "black", "∞"
            elif not np.isfinite(v):  # no value: a grey "n/a" cell, distinct from any colour
                fill, ink, label = "#eeeeee", "#555555", "n/a"
            else:
                frac = (v - lo) / (hi - lo)
                fill = sample_colorscale("Viridis", [frac])[0]
                ink = "black" if frac > 0.6 else "white"
                label = _format_cell(text_format, v) if text_format else ""
            shapes.append(dict(type="rect", xref="x", yref="y", x0=j - 0.5, x1=j + 0.5, y0=i - 0.5,
                               y1=i + 0.5, fillcolor=fill, line=dict(width=0.5, color="white"),
                               layer="below"))
            if label:
                text_x.append(xv)
                text_y.append(yv)
                texts.append(label)
                colours.append(ink)
    fig.add_trace(go.Scatter(x=text_x, y=text_y, text=texts, mode="text", name="cell values",
                             textfont=dict(size=TICK_FONT_PX, color=colours), hoverinfo="skip",
                             showlegend=False))
    # the colour bar hangs on an invisible vector marker, not on the heatmap: the heatmap is
    # screen-only (hover) and export leaves it out, so no raster reaches a PDF/SVG
    fig.add_trace(go.Scatter(x=[xs[0]] if xs else [], y=[ys[0]] if ys else [], mode="markers",
                             name="colour scale", hoverinfo="skip", showlegend=False,
                             marker=dict(color=[lo], cmin=lo, cmax=hi, colorscale="Viridis", opacity=0,
                                         size=1, showscale=True, colorbar=colorbar)))
    fig.update_layout(title=title, xaxis_title=xlabel, yaxis_title=ylabel, shapes=shapes)
    # upright tick labels, smaller where the cells are narrow (≈0.6 em per character)
    cell_px = (WIDTHS_IN.get(width, WIDTHS_IN["single"]) * PX_PER_IN - 120) / max(len(xs), 1)
    widest = max((len(v) for v in xs), default=1)
    tick_px = max(min(TICK_FONT_PX, 0.9 * cell_px / (0.6 * widest)), 7.0)
    fig.update_xaxes(type="category", showgrid=False, tickangle=0, categoryorder="array",
                     categoryarray=xs, range=[-0.5, len(xs) - 0.5], tickfont=dict(size=round(tick_px, 1)))
    fig.update_yaxes(type="category", showgrid=False, categoryorder="array", categoryarray=ys,
                     range=[-0.5, len(ys) - 0.5])
    return paper_layout(fig, width)


def _format_cell(template: str, v: float) -> str:
    """A plotly ``%{z:.1f}``-style template (or a Python format spec) applied to one value."""
    spec = template
    if "%{z" in template:
        head, _, rest = template.partition("%{z")
        fmt, _, tail = rest.partition("}")
        return head + format(v, fmt.lstrip(":") or "g") + tail
    return format(v, spec)



#: Unicode axis labels of the parameters and metrics the notebooks sweep
SWEEP_LABELS: dict[str, str] = {
    "n": "n (nodes)",
    "p": "p (node down)",
    "beta": "β (common cause)",
    "availability": "A = P(majority up)",
    "unavailability": "1 − A (no live majority)",
    "nines": "nines = −log₁₀(1 − A)",
    "stderr": "standard error of A",
    "timeout_min_ms": "election timeout min (ms)",
    "timeout_ms": "election timeout (ms)",
    "latency_ms": "one-way latency (ms)",
    "time_to_leader_ms": "time to elect a leader (ms)",
    "median_ms": "median time to a new leader (ms)",
    "p95_ms": "95th percentile time to a new leader (ms)",
    "mean_ms": "mean time to a new leader (ms)",
    "elected": "share of elections that finished",
    "split_votes": "split votes per election",
    "messages": "messages per election",
}



def _axis_values(values: Any) -> list[str]:
    return [f"{v:g}" if isinstance(v, (float, np.floating)) else str(v) for v in values]


def table_heatmap(table: Any, *, xlabel: str = "", ylabel: str = "", zlabel: str = "",
                  width: str = "single", text_format: str | None = "%{z:.3g}",
                  title: str = "") -> go.Figure:
    """A heatmap of a pivoted DataFrame (index = y values, columns = x values): categorical
    axes (n = 3, 5, 7 are three equal cells, not a numeric span) with each cell's value."""
    import pandas as pd

    if not isinstance(table, pd.DataFrame):
        raise invalid("table", table, "a pandas DataFrame (a pivot table, e.g. sweep.pivot)")
    return heatmap_figure(_axis_values(table.columns), _axis_values(table.index),
                          table.to_numpy(dtype=float), xlabel=xlabel, ylabel=ylabel, zlabel=zlabel,
                          width=width, text_format=text_format, title=title)
