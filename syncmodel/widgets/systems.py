"""Dashboard of notebook 06: pick systems and a failure scenario, see the five answers side by side."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ipywidgets as w
import plotly.graph_objects as go

from ..errors import invalid
from ..systems import compare, names
from ..viz.systems import bar_labels, comparison_data, comparison_figure

__all__ = ["SystemsDashboard", "dashboard", "figure_from_table", "table_html"]

COLUMNS = {"system": "system", "availability": "F(S)", "nines": "nines",
           "downtime_median_ms": "downtime median (ms)", "downtime_p99_ms": "downtime p99 (ms)",
           "stale_read": "P(stale read)", "lost_writes": "lost writes", "versions": "versions kept",
           "discarded": "writes discarded"}


def _args(df: Any) -> tuple[list[str], list[float], dict[str, Any], list[float], list[float]]:
    labels = [str(x) for x in df["system"]]
    return (labels, [float(x) for x in df["nines"]], dict(df.attrs.get("downtime_ms", {})),
            [float(x) for x in df["stale_read"]], [float(x) for x in df["lost_fraction"]])


def figure_from_table(df: Any, width: str = "double", title: str = "") -> go.Figure:
    """The comparison figure of a :func:`syncmodel.systems.compare` table (static, for export)."""
    return comparison_figure(*_args(df), width=width, title=title)


def table_html(df: Any) -> str:
    """The side-by-side table as HTML (numbers rounded for reading)."""
    view = df[list(COLUMNS)].rename(columns=COLUMNS)
    return str(view.to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0))


class SystemsDashboard(w.VBox):
    """Controls (systems, node failure probability p, read delay t, extra failed replicas),
    a table and a live four-panel FigureWidget."""

    def __init__(self, systems: Sequence[str] | None = None, p: float = 0.01, t_ms: float = 0.0,
                 failed_replicas: int = 0, trials: int = 50, writes: int = 500, seed: int = 0) -> None:
        chosen = list(names() if systems is None else systems)
        known = names()
        bad = [s for s in chosen if s not in known]
        if bad or not chosen:
            raise invalid("systems", chosen, f"a non-empty subset of {known}")
        self.trials, self.writes, self.seed = trials, writes, seed
        self.pick = w.SelectMultiple(options=known, value=tuple(chosen), rows=len(known),
                                     description="systems")
        self.p = w.FloatLogSlider(value=p, base=10, min=-4, max=-0.3, step=0.1,
                                  description="node p", readout_format=".1e", continuous_update=False)
        self.t = w.FloatSlider(value=t_ms, min=0.0, max=100.0, step=0.5, description="read t (ms)",
                               continuous_update=False)
        self.failed = w.IntSlider(value=failed_replicas, min=0, max=2, description="also failed",
                                  continuous_update=False)
        self.table = w.HTML()
        self.message = w.HTML()
        self.df = self._compute()
        self.figure = go.FigureWidget(figure_from_table(self.df).update_layout(width=1000, height=380))
        for ctl in (self.pick, self.p, self.t, self.failed):
            ctl.observe(lambda _ch: self._refresh(), names="value")
        self._show_table()
        super().__init__([w.HBox([self.pick, w.VBox([self.p, self.t, self.failed, self.message])]),
                          self.table, self.figure])

    def _compute(self) -> Any:
        return compare(list(self.pick.value), p=self.p.value, t_ms=self.t.value, trials=self.trials,
                       writes=self.writes, seed=self.seed, failed_replicas=self.failed.value)

    def _show_table(self) -> None:
        self.table.value = table_html(self.df)

    def _refresh(self) -> None:
        if not self.pick.value:
            self.message.value = "<i>pick at least one system</i>"
            return
        self.message.value = ""
        self.df = self._compute()
        data = comparison_data(*_args(self.df))
        with self.figure.batch_update():
            for i, (trace, d) in enumerate(zip(self.figure.data, data, strict=True)):
                trace.x, trace.y = d["x"], d["y"]
                if i != 1:
                    trace.text = bar_labels(i, d["y"])
        self._show_table()


def dashboard(systems: Sequence[str] | None = None, **kw: Any) -> SystemsDashboard:
    """Build the notebook-06 dashboard (``kw``: p, t_ms, failed_replicas, trials, writes, seed)."""
    return SystemsDashboard(systems, **kw)
