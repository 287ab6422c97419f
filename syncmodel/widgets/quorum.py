"""Dashboard of notebook 03: pick a quorum system (type, n, r/w, grid shape), see its
intersection verified, its read/write availability against p and its capacity against
the read fraction, live in a FigureWidget."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from .. import quorum as Q
from ..errors import InfeasibleError, InvalidParameterError
from ..viz.quorum import quorum_figure


def system_curves(qs: Q.QuorumSystem, ps: np.ndarray, fractions: np.ndarray) -> dict[str, np.ndarray]:
    """read and write availability at each p, capacity of the optimal strategy at each read fraction."""
    return {"read": qs.availability_curve(ps, "read"), "write": qs.availability_curve(ps, "write"),
            "capacity": qs.capacity_curve(fractions)}


def describe(qs: Q.QuorumSystem) -> str:
    """One HTML line: intersection verified, resilience of reads and writes."""
    return (f"✓ every read quorum meets every write quorum · {qs.n} nodes · "
            f"read resilience {qs.read_resilience()}, write resilience {qs.write_resilience()}")


def comparison(n_rows: int = 3, n_cols: int = 3, q2: int = 2, points: int = 41) -> dict[str, Any]:
    """Majority, grid and Flexible Paxos on the same n = rows·cols nodes: curves and key numbers.

    Flexible Paxos uses phase-2 quorums of q2 and phase-1 quorums of n − q2 + 1.
    """
    n = n_rows * n_cols
    systems = {f"majority {n}": Q.majority(n), f"grid {n_rows}×{n_cols}": Q.grid(n_rows, n_cols),
               f"flexible {n - q2 + 1}/{q2}": Q.flexible(n, n - q2 + 1, q2)}
    ps = np.linspace(0.0, 0.6, points)
    fractions = np.linspace(0.0, 1.0, points)
    avail: dict[str, np.ndarray] = {}
    cap: dict[str, np.ndarray] = {}
    for name, qs in systems.items():
        c = system_curves(qs, ps, fractions)
        avail[f"{name} read"], avail[f"{name} write"] = c["read"], c["write"]
        cap[name] = c["capacity"]
    return dict(systems=systems, ps=ps, fractions=fractions, availability=avail, capacity=cap)


class QuorumDashboard(w.VBox):
    """Controls for the system, a status line (intersection, resilience) and a live FigureWidget."""

    def __init__(self, kind: str = "majority", n: int = 5, r: int | None = None, w_: int | None = None,
                 rows: int = 2, cols: int = 3, points: int = 41) -> None:
        if kind not in Q.KINDS:
            raise InvalidParameterError(f"kind must be one of {Q.KINDS}, got {kind!r}")
        self.ps = np.linspace(0.0, 0.6, points)
        self.fractions = np.linspace(0.0, 1.0, points)
        r = n // 2 + 1 if r is None else r
        w_ = n - n // 2 if w_ is None else w_
        self.kind = w.Dropdown(options=list(Q.KINDS), value=kind, description="type")
        self.n = w.IntSlider(value=n, min=1, max=25, description="n", continuous_update=False)
        self.r = w.IntSlider(value=r, min=1, max=25, description="r / q1", continuous_update=False)
        self.w = w.IntSlider(value=w_, min=1, max=25, description="w / q2", continuous_update=False)
        self.rows = w.IntSlider(value=rows, min=1, max=6, description="rows", continuous_update=False)
        self.cols = w.IntSlider(value=cols, min=1, max=6, description="cols", continuous_update=False)
        self.status = w.HTML()
        self.system: Q.QuorumSystem | None = None
        empty: dict[str, list[float]] = {"system read": [], "system write": []}
        self.figure = go.FigureWidget(quorum_figure(self.ps, empty, self.fractions, {"system": []},
                                                    width="double"))
        for c in (self.kind, self.n, self.r, self.w, self.rows, self.cols):
            c.observe(lambda _ch: self._refresh(), names="value")
        self._refresh()
        super().__init__([w.HBox([self.kind, self.n]), w.HBox([self.r, self.w]),
                          w.HBox([self.rows, self.cols]), self.status, self.figure])

    def _build(self) -> Q.QuorumSystem:
        kind = self.kind.value
        return Q.system(kind, n=self.n.value, r=self.r.value, w=self.w.value,
                        rows=self.rows.value, cols=self.cols.value)

    def _refresh(self) -> None:
        grid = self.kind.value == "grid"
        uses_rw = self.kind.value in ("threshold", "flexible")
        self.n.disabled = grid
        self.r.disabled = self.w.disabled = not uses_rw
        self.rows.disabled = self.cols.disabled = not grid
        try:
            qs = self._build()
            curves = system_curves(qs, self.ps, self.fractions)
        except (InvalidParameterError, InfeasibleError) as e:
            self.system = None
            self.status.value = f"<span style='color:#D55E00'>✗ {html.escape(str(e))}</span>"
            nan = np.full(self.ps.size, np.nan)
            curves = {"read": nan, "write": nan, "capacity": nan}
        else:
            self.system = qs
            self.status.value = describe(qs)
        with self.figure.batch_update():
            self.figure.data[0].y = curves["read"]
            self.figure.data[1].y = curves["write"]
            self.figure.data[2].y = curves["capacity"]
            self.figure.layout.title.text = self._title()

    def _title(self) -> str:
        k = self.kind.value
        if k == "grid":
            return f"grid {self.rows.value}×{self.cols.value}"
        if k == "majority":
            return f"majority of {self.n.value}"
        return f"{k} n = {self.n.value}, r = {self.r.value}, w = {self.w.value}"


def dashboard(kind: str = "majority", n: int = 5, r: int | None = None, w: int | None = None,
              rows: int = 2, cols: int = 3, points: int = 41) -> QuorumDashboard:
    """Build the notebook-03 dashboard (``r``/``w`` are q1/q2 for Flexible Paxos)."""
    return QuorumDashboard(kind, n, r, w, rows, cols, points)
