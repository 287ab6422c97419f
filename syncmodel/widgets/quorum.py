"""Dashboard of notebook 03: pick a quorum system (type, n, r/w, grid shape), see its
intersection verified, its read/write availability against p and its capacity against
the read fraction (shared Dashboard mechanism; the figure is :func:`viz.quorum.quorum_figure`)."""

from __future__ import annotations

import html
from functools import partial
from typing import Any

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from .. import quorum as Q
from ..errors import InfeasibleError, InvalidParameterError
from ..viz.quorum import quorum_figure
from ._dashboard import Dashboard

__all__ = ["QuorumDashboard", "compute", "dashboard", "describe", "figure", "system_curves"]


def system_curves(qs: Q.QuorumSystem, ps: np.ndarray, fractions: np.ndarray) -> dict[str, np.ndarray]:
    """read and write availability at each p, capacity of the optimal strategy at each read fraction."""
    return {"read": qs.availability_curve(ps, "read"), "write": qs.availability_curve(ps, "write"),
            "capacity": qs.capacity_curve(fractions)}


def describe(qs: Q.QuorumSystem) -> str:
    """One HTML line: intersection verified, resilience of reads and writes."""
    return (f"✓ every read quorum meets every write quorum · {qs.n} nodes · "
            f"read resilience {qs.read_resilience()}, write resilience {qs.write_resilience()} "
            f"(failed nodes always tolerated)")


def _title(kind: str, n: int, r: int, w_: int, rows: int, cols: int) -> str:
    if kind == "grid":
        return f"grid {rows}×{cols}"
    if kind == "majority":
        return f"majority of {n}"
    if kind == "flexible":
        return f"Flexible Paxos, n = {n}, q1 = {r}, q2 = {w_}"
    return f"{kind}, n = {n}, r = {r}, w = {w_}"


def compute(kind: str, n: int, r: int, w: int, rows: int, cols: int, *, ps: np.ndarray,
            fractions: np.ndarray) -> dict[str, Any]:
    """The system the controls describe and its curves; a system that is not one (disjoint
    quorums, impossible sizes) gives NaN curves and the reason."""
    title = _title(kind, n, r, w, rows, cols)
    try:
        qs = Q.of_kind(kind, n=n, r=r, w=w, rows=rows, cols=cols)
        curves = system_curves(qs, ps, fractions)
    except (InvalidParameterError, InfeasibleError) as e:
        nan = np.full(ps.size, np.nan)
        return dict(system=None, title=title, ps=ps, fractions=fractions,
                    curves={"read": nan, "write": nan, "capacity": np.full(fractions.size, np.nan)},
                    message=f"<span style='color:#D55E00'>✗ {html.escape(str(e))}</span>")
    return dict(system=qs, title=title, ps=ps, fractions=fractions, curves=curves, message=describe(qs))


def figure(res: dict[str, Any]) -> go.Figure:
    """Availability and capacity panels of a :func:`compute` result; read and write are
    always two traces here (the dashboard keeps its legend fixed)."""
    c = res["curves"]
    fig = quorum_figure(res["ps"], {"read": c["read"], "write ": c["write"]}, res["fractions"],
                        {"capacity": c["capacity"]}, title=res["title"], width="double")
    fig.data[0].name, fig.data[1].name = "read availability", "write availability"
    fig.data[1].line.dash = "dash"
    fig.data[2].update(name="capacity", showlegend=True)
    return fig


def _adjust(d: Dashboard, change: dict[str, Any]) -> None:
    c = d.controls
    kind = c["kind"].value
    c["n"].disabled = kind == "grid"
    c["r"].disabled = c["w"].disabled = kind not in ("threshold", "flexible")
    c["rows"].disabled = c["cols"].disabled = kind != "grid"


class QuorumDashboard(Dashboard):
    """Controls for the system, a status line (intersection, resilience) and the live figure."""

    def __init__(self, kind: str = "majority", n: int = 5, r: int | None = None, w_: int | None = None,
                 rows: int = 2, cols: int = 3, points: int = 41) -> None:
        if kind not in Q.KINDS:
            raise InvalidParameterError(f"kind must be one of {Q.KINDS}, got {kind!r}")
        self.ps = np.linspace(0.0, 0.6, points)
        self.fractions = np.linspace(0.0, 1.0, points)
        r = n // 2 + 1 if r is None else r
        w_ = n - n // 2 if w_ is None else w_
        self.kind = w.Dropdown(options=list(Q.KINDS), value=kind, description="type")
        self.n = w.IntSlider(value=n, min=1, max=25, description="n nodes", continuous_update=False)
        self.r = w.IntSlider(value=r, min=1, max=25, description="r / q1", continuous_update=False)
        self.w = w.IntSlider(value=w_, min=1, max=25, description="w / q2", continuous_update=False)
        self.rows = w.IntSlider(value=rows, min=1, max=6, description="grid rows", continuous_update=False)
        self.cols = w.IntSlider(value=cols, min=1, max=6, description="grid cols", continuous_update=False)
        controls = dict(kind=self.kind, n=self.n, r=self.r, w=self.w, rows=self.rows, cols=self.cols)
        super().__init__(controls, partial(compute, ps=self.ps, fractions=self.fractions), figure,
                         readout=lambda res: res["message"], adjust=_adjust, per_column=2)

    @property
    def system(self) -> Q.QuorumSystem | None:
        """The system on show (None when the controls describe no valid system)."""
        qs: Q.QuorumSystem | None = self.result["system"]
        return qs


def dashboard(kind: str = "majority", n: int = 5, r: int | None = None, w: int | None = None,
              rows: int = 2, cols: int = 3, points: int = 41) -> QuorumDashboard:
    """Build the notebook-03 dashboard (``r``/``w`` are q1/q2 for Flexible Paxos)."""
    return QuorumDashboard(kind, n, r, w, rows, cols, points)
