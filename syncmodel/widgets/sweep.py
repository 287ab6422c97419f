"""Dashboard of notebook 07: explore a sweep's DataFrame as a heatmap over two parameters.

Dropdowns choose the sweep (e.g. availability or election time), the metric, the two
axes and the aggregate over replicates and the other parameters; a FigureWidget follows.
"""

from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as w
import pandas as pd
import plotly.graph_objects as go

from ..errors import invalid
from ..sweep import Agg, columns, pivot
from ..viz import SWEEP_LABELS as LABELS
from ..viz import table_heatmap
from ._dashboard import DASHBOARD_CLASS, live_figure, update_figure

__all__ = ["AGGREGATES", "SweepDashboard", "dashboard", "heatmap"]

AGGREGATES: tuple[Agg, ...] = ("mean", "median", "min", "max", "std")
def _label(name: str, labels: Mapping[str, str] | None) -> str:
    return {**LABELS, **(labels or {})}.get(name, name)


def heatmap(df: pd.DataFrame, x: str, y: str, metric: str, agg: Agg = "mean", *,
            labels: Mapping[str, str] | None = None, width: str = "single",
            text_format: str | None = "%{z:.3g}", title: str | None = None) -> go.Figure:
    """Heatmap of ``metric`` (aggregated by ``agg``) over parameters ``x`` and ``y`` of a sweep:
    :func:`syncmodel.sweep.pivot` then :func:`syncmodel.viz.table_heatmap` (categorical axes,
    each cell's value written in it)."""
    name = _label(metric, labels)
    return table_heatmap(pivot(df, x, y, metric, agg), xlabel=_label(x, labels), ylabel=_label(y, labels),
                         zlabel=name, width=width, text_format=text_format,
                         title=title if title is not None else f"{name} ({agg})")


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
        self._note()
        self.figure = live_figure(self._static(), height_px=480)
        self.which.observe(lambda _c: self._on_sweep(), names="value")
        for control in (self.metric, self.x, self.y, self.agg):
            control.observe(lambda _c: self._refresh(), names="value")
        super().__init__([w.HBox([self.which, self.metric]), w.HBox([self.x, self.y]),
                          self.agg, self.note, self.figure])
        self.add_class(DASHBOARD_CLASS)

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
        self._note()
        update_figure(self.figure, self._static())

    def _note(self) -> None:
        params, _ = columns(self.frame)
        others = [p for p in params if p not in (self.x.value, self.y.value)]
        self.note.value = f"{self.agg.value} over {', '.join(['replicates', *others])}"


def dashboard(sweeps: Mapping[str, pd.DataFrame] | pd.DataFrame, *,
              labels: Mapping[str, str] | None = None) -> SweepDashboard:
    """The notebook-07 dashboard over one sweep DataFrame or several named ones."""
    if isinstance(sweeps, pd.DataFrame):
        sweeps = {"sweep": sweeps}
    return SweepDashboard(sweeps, labels=labels)
