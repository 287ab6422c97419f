"""Dashboard of notebook 07: explore a sweep's DataFrame as a heatmap over two parameters.

Dropdowns choose the sweep (e.g. availability or election time), the metric, the two
axes and the aggregate over replicates and the other parameters; a FigureWidget follows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as w
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..errors import invalid
from ..sweep import Agg, columns, pivot
from ..viz import heatmap_figure

AGGREGATES: tuple[Agg, ...] = ("mean", "median", "min", "max", "std")
#: Unicode axis labels of the parameters and metrics the notebooks sweep
LABELS: dict[str, str] = {
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


def _label(name: str, labels: Mapping[str, str] | None) -> str:
    return {**LABELS, **(labels or {})}.get(name, name)


def _axis_values(values: Any) -> list[str]:
    return [f"{v:g}" if isinstance(v, (float, np.floating)) else str(v) for v in values]


def heatmap(df: pd.DataFrame, x: str, y: str, metric: str, agg: Agg = "mean", *,
            labels: Mapping[str, str] | None = None, width: str = "single",
            text_format: str | None = None, title: str | None = None) -> go.Figure:
    """Heatmap of ``metric`` (aggregated by ``agg``) over parameters ``x`` and ``y`` of a sweep."""
    table = pivot(df, x, y, metric, agg)
    name = _label(metric, labels)
    fig = heatmap_figure(_axis_values(table.columns), _axis_values(table.index),
                         table.to_numpy(dtype=float), xlabel=_label(x, labels),
                         ylabel=_label(y, labels), zlabel=name, width=width,
                         text_format=text_format,
                         title=title if title is not None else f"{name} ({agg})")
    return fig


class SweepDashboard(w.VBox):
    """Dropdowns (sweep, metric, x, y, aggregate) over named sweep DataFrames, and a heatmap."""

    def __init__(self, sweeps: Mapping[str, pd.DataFrame], *,
                 labels: Mapping[str, str] | None = None) -> None:
        if not isinstance(sweeps, Mapping) or not sweeps:
            raise invalid("sweeps", sweeps, "a non-empty mapping name -> sweep DataFrame")
        for name, df in sweeps.items():
            params, metrics = columns(df)
            if len(params) < 2 or not metrics:
                raise invalid(f"sweeps[{name!r}]", list(df.columns),
                              "a sweep with >= 2 parameters and >= 1 metric")
        self.sweeps = dict(sweeps)
        self.labels = dict(labels or {})
        first = next(iter(self.sweeps))
        self.which = w.Dropdown(options=list(self.sweeps), value=first, description="sweep")
        self.metric = w.Dropdown(description="metric")
        self.x = w.Dropdown(description="x")
        self.y = w.Dropdown(description="y")
        self.agg = w.Dropdown(options=list(AGGREGATES), value="mean", description="aggregate")
        self.note = w.HTML()
        self._updating = False
        self._set_options()
        self.figure = go.FigureWidget(self._static())
        self.figure.update_layout(width=640, height=460)
        self._refresh()
        self.which.observe(lambda _c: self._on_sweep(), names="value")
        for control in (self.metric, self.x, self.y, self.agg):
            control.observe(lambda _c: self._refresh(), names="value")
        super().__init__([w.HBox([self.which, self.metric]), w.HBox([self.x, self.y]),
                          self.agg, self.note, self.figure])

    @property
    def frame(self) -> pd.DataFrame:
        return self.sweeps[self.which.value]

    def _set_options(self) -> None:
        params, metrics = columns(self.frame)
        self._updating = True
        try:
            self.metric.options = [(_label(m, self.labels), m) for m in metrics]
            self.metric.value = metrics[0]
            self.x.options = [(_label(p, self.labels), p) for p in params]
            self.y.options = [(_label(p, self.labels), p) for p in params]
            self.x.value, self.y.value = params[1], params[0]
        finally:
            self._updating = False

    def _static(self) -> go.Figure:
        return heatmap(self.frame, self.x.value, self.y.value, self.metric.value, self.agg.value,
                       labels=self.labels)

    def _on_sweep(self) -> None:
        self._set_options()
        self._refresh()

    def _refresh(self) -> None:
        if self._updating:
            return
        if self.x.value == self.y.value:
            self.note.value = "<span style='color:#D55E00'>choose two different parameters</span>"
            return
        params, _ = columns(self.frame)
        others = [p for p in params if p not in (self.x.value, self.y.value)]
        over = ["replicates", *others]
        self.note.value = f"{self.agg.value} over {', '.join(over)}"
        new = self._static()
        with self.figure.batch_update():
            self.figure.data[0].x = new.data[0].x
            self.figure.data[0].y = new.data[0].y
            self.figure.data[0].z = new.data[0].z
            self.figure.data[0].colorbar.title.text = new.data[0].colorbar.title.text
            self.figure.layout.title.text = new.layout.title.text
            self.figure.layout.xaxis.title.text = new.layout.xaxis.title.text
            self.figure.layout.yaxis.title.text = new.layout.yaxis.title.text


def dashboard(sweeps: Mapping[str, pd.DataFrame] | pd.DataFrame, *,
              labels: Mapping[str, str] | None = None) -> SweepDashboard:
    """The notebook-07 dashboard over one sweep DataFrame or several named ones."""
    if isinstance(sweeps, pd.DataFrame):
        sweeps = {"sweep": sweeps}
    return SweepDashboard(sweeps, labels=labels)
