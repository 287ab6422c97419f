"""Dashboard of notebook 06: pick systems and a failure scenario, see the five answers side by
side.  ``systems.compare`` takes 0.5–1.5 s here, so the dashboard is ``slow`` (busy line at once,
work in the background, a newer input cancels the running one between two systems)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import plotly.graph_objects as go

from ..errors import invalid
from ..rng import Seed
from ..systems import compare, names
from ..viz.systems import comparison_table, table_html
from ._dashboard import CancelCheck, Dashboard, log_slider, seed_from, stop_if

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SystemsDashboard", "compare_chunked", "dashboard", "figure_from_table", "table_html"]


def figure_from_table(df: Any, width: str = "double", title: str = "") -> go.Figure:
    """The comparison figure of a :func:`syncmodel.systems.compare` table (kept for notebooks;
    the builder is :func:`syncmodel.viz.systems.comparison_table`)."""
    return comparison_table(df, width=width, title=title)


def compare_chunked(systems: Sequence[str], *, seed: Seed, cancelled: CancelCheck | None = None,
                    **kw: Any) -> pd.DataFrame:
    """``systems.compare(systems, seed=seed, **kw)`` one system at a time, stopped
    (:class:`~syncmodel.widgets._dashboard.Cancelled`) between systems once ``cancelled()`` is
    True.  System ``i`` keeps child seed ``i`` of ``seed``: the table is the one-call table."""
    import pandas as pd

    parts, samples = [], {}
    for i, name in enumerate(systems):
        stop_if(cancelled)
        part = compare([name], seed=seed_from(seed, i), **kw)
        samples.update(part.attrs["downtime_ms"])
        parts.append(part)
    df = pd.concat(parts, ignore_index=True)
    df.attrs["downtime_ms"] = samples
    df.attrs["seed"] = seed
    return df


def _compute(systems: tuple[str, ...], p: float, t_ms: float, failed: int, *, trials: int, writes: int,
             seed: int, cancelled: CancelCheck | None = None) -> Any:
    if not systems:
        raise invalid("systems", systems, "at least one system (pick one)")
    return compare_chunked(list(systems), p=p, t_ms=t_ms, trials=trials, writes=writes, seed=seed,
                           failed_replicas=failed, cancelled=cancelled)


def _figure(df: Any) -> go.Figure:
    return comparison_table(df)


class SystemsDashboard(Dashboard):
    """Controls (systems, node failure probability p, read delay t, extra failed replicas),
    the figure and the table (``table``) below it."""

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
        self.p = log_slider("node down probability p", p, 1e-4, 0.5, readout_format=".2g")
        self.t = w.FloatSlider(value=t_ms, min=0.0, max=100.0, step=1.0,
                               description="read t ms after the write", continuous_update=False,
                               layout=w.Layout(width="360px"))
        self.failed = w.IntSlider(value=failed_replicas, min=0, max=2,
                                  description="replicas failing with the leader", continuous_update=False)
        self.table = w.HTML()
        controls = dict(systems=self.pick, p=self.p, t_ms=self.t, failed=self.failed)
        panel = w.HBox([self.pick, w.VBox([self.p, self.t, self.failed])])
        super().__init__(controls, partial(_compute, trials=trials, writes=writes, seed=seed), _figure,
                         readout=self._readout, slow=True, panel=panel, below=[self.table])

    def _readout(self, df: Any) -> str:
        self.table.value = table_html(df)
        return f"{len(df)} systems · failover downtime over {self.trials} simulated leader crashes each"

    @property
    def df(self) -> Any:
        """The last comparison table."""
        return self.result


def dashboard(systems: Sequence[str] | None = None, **kw: Any) -> SystemsDashboard:
    """Build the notebook-06 dashboard (``kw``: p, t_ms, failed_replicas, trials, writes, seed)."""
    return SystemsDashboard(systems, **kw)
