"""Dashboard of notebook 02: structure, p, correlation and repair sliders; availability in nines.

Every control recomputes exact P(S) curves (independent, correlated, n + 1
nodes), a Monte Carlo point with its interval and the repairable-system
numbers (:func:`compute`); :func:`syncmodel.viz.failure.nines_point_figure` draws them,
through the shared :class:`~syncmodel.widgets._dashboard.Dashboard` mechanism.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from ..errors import invalid
from ..failure import failure_curve, failure_probability_mc
from ..markov import downtime_per_year, nines, node_availability, system
from ..structure import Structure, choose, grid_of
from ..viz.failure import nines_point_figure
from ._dashboard import Dashboard, log_slider

__all__ = ["KINDS", "FailureDashboard", "build_structure", "compute", "dashboard", "domains_for", "figure",
           "readout"]

KINDS = ("majority", "k-of-n", "grid")


def build_structure(kind: str, n: int, k: int | None = None) -> Structure:
    """The dashboard's structures: majority of n, k-of-n, or an n × n grid (reads * writes)."""
    if kind == "majority":
        return choose(n // 2 + 1, n)
    if kind == "k-of-n":
        return choose(n // 2 + 1 if k is None else k, n)
    if kind == "grid":
        return grid_of(n, n)
    raise invalid("kind", kind, f"one of {KINDS}")


def domains_for(s: Structure, racks: int, q: float) -> dict[str, tuple[list[Any], float]] | None:
    """Nodes dealt round-robin into ``racks`` failure domains, each down with probability q."""
    if racks <= 0 or q <= 0:
        return None
    nodes = list(s.nodes)
    return {f"rack {r}": (nodes[r::racks], q) for r in range(min(racks, len(nodes)))}


def compute(kind: str, n: int, k: int, p: float, racks: int, rack_q: float, beta: float,
            mttf: float, mttr: float, *, ps: np.ndarray, samples: int, seed: int) -> dict[str, Any]:
    """Exact curves over ``ps`` (independent, correlated, one node more), the exact P(S) and a
    Monte Carlo estimate at ``p``, and the repairable-system numbers (MTTF, MTTR in hours)."""
    s = build_structure(kind, n, min(k, n))
    bigger = build_structure(kind, n + 1, min(k, n + 1))
    doms = domains_for(s, racks, rack_q)
    b = beta or None
    indep = failure_curve(s, ps)
    corr = failure_curve(s, ps, beta=b, domains=doms) if (doms or b) else indep
    mc = failure_probability_mc(s, p, beta=b, domains=doms, samples=samples, seed=seed)
    exact = float(failure_curve(s, [p], beta=b, domains=doms)[0])
    rep = system(s, mttf, mttr) if s.n <= 12 or kind != "grid" else None
    return dict(kind=kind, n=n, p=p, ps=ps, exact=exact, mc=mc, node_a=node_availability(mttf, mttr),
                curves={"independent": indep, "correlated (racks, β)": corr,
                        f"{'grid' if kind == 'grid' else 'n'} = {n + 1}": failure_curve(bigger, ps)},
                system_a=None if rep is None else rep.availability(),
                system_mttf_h=None if rep is None else rep.mttf(),
                mttdl_h=None if rep is None else rep.mttdl())


def figure(r: dict[str, Any]) -> go.Figure:
    """The dashboard figure of a :func:`compute` result."""
    mc = r["mc"]
    est = max(mc.estimate, 1.0 / mc.samples)  # no failure seen: plot the resolution limit
    return nines_point_figure(r["ps"], r["curves"], (r["p"], est, mc.low, mc.high),
                              title=f"{r['kind']}, n = {r['n']}: P(S) = {r['exact']:.3g} at p = {r['p']:.3g}")


def _fmt(x: float, digits: int = 4) -> str:
    return f"{x:.{digits}g}" if x != 0 else "0"


def readout(r: dict[str, Any]) -> str:
    """The numbers beside the figure, in plain units."""
    exact, mc = r["exact"], r["mc"]
    a = 1.0 - exact
    rows = [
        ("P(S), exact", _fmt(exact)),
        ("F(S) = 1 − P(S)", f"{a:.6%}" if a < 1 else "100 %"),
        ("nines", f"{nines(a):.2f}" if exact > 0 else "∞ (never fails)"),
        ("downtime per year", f"{downtime_per_year(a, 'min'):.3g} min"),
        ("Monte Carlo P(S)", f"{_fmt(mc.estimate)}  [{_fmt(mc.low, 3)}, {_fmt(mc.high, 3)}] "
                             f"({mc.samples:,} draws)"),
        ("node availability MTTF/(MTTF+MTTR)", f"{r['node_a']:.4%}"),
    ]
    if r["system_a"] is not None:
        rows += [("system availability (CTMC)", f"{r['system_a']:.6%} ({nines(r['system_a']):.2f} nines)"),
                 ("system MTTF", f"{r['system_mttf_h']:,.4g} h"), ("MTTDL", f"{r['mttdl_h']:,.4g} h")]
    return "<table style='font-size:13px'>" + "".join(
        f"<tr><td>{a_}</td><td style='padding-left:12px'><b>{b_}</b></td></tr>" for a_, b_ in rows
    ) + "</table>"


def _adjust(d: Dashboard, change: dict[str, Any]) -> None:
    c = d.controls
    c["k"].max = c["n"].value
    c["k"].disabled = c["kind"].value != "k-of-n"
    c["rack_q"].disabled = c["racks"].value == 0


class FailureDashboard(Dashboard):
    """Sliders for the structure, p, correlation and repair; nines against p (the attributes
    ``kind``, ``n``, ``k``, ``p``, ``racks``, ``rack_q``, ``beta``, ``mttf``, ``mttr`` are the controls)."""

    def __init__(self, kind: str = "majority", n: int = 5, p: float = 0.01, points: int = 60,
                 samples: int = 100_000, seed: int = 1) -> None:
        if kind not in KINDS:
            raise invalid("kind", kind, f"one of {KINDS}")
        self.ps = np.logspace(-3, np.log10(0.5), int(points))
        self.samples, self.seed = int(samples), seed
        lay = w.Layout(width="360px")
        self.kind = w.Dropdown(options=list(KINDS), value=kind, description="structure")
        self.n = w.IntSlider(value=n, min=1, max=15, description="n (grid: side)", layout=lay,
                             continuous_update=False)
        self.k = w.IntSlider(value=n // 2 + 1, min=1, max=n, description="k (k-of-n)", layout=lay,
                             continuous_update=False)
        self.p = log_slider("node down probability p", p, 1e-3, 0.5)
        self.racks = w.IntSlider(value=0, min=0, max=5, description="racks (failure domains)",
                                 layout=lay, continuous_update=False)
        self.rack_q = log_slider("rack down probability", 1e-3, 1e-5, 1e-1)
        self.beta = w.FloatSlider(value=0.0, min=0.0, max=0.3, step=0.01, description="beta factor β",
                                  layout=lay, continuous_update=False)
        self.mttf = log_slider("node MTTF (h)", 1000.0, 10.0, 1e5)
        self.mttr = log_slider("node MTTR (h)", 10.0, 0.1, 1000.0)
        controls = dict(kind=self.kind, n=self.n, k=self.k, p=self.p, racks=self.racks,
                        rack_q=self.rack_q, beta=self.beta, mttf=self.mttf, mttr=self.mttr)
        left = w.VBox([w.HTML("<b>system</b>"), self.kind, self.n, self.k, self.p,
                       w.HTML("<b>correlated failures</b>"), self.racks, self.rack_q, self.beta,
                       w.HTML("<b>repair (Markov chain, independent repair crews)</b>"), self.mttf,
                       self.mttr])
        super().__init__(controls, partial(compute, ps=self.ps, samples=self.samples, seed=self.seed),
                         figure, readout=readout, adjust=_adjust, panel=left)
        # the numbers sit beside the controls, the figure below both
        self.children = (w.HBox([left, self.status]), self.figure)

    @property
    def summary(self) -> w.HTML:
        """The numbers (the status line)."""
        return self.status

    def structure(self) -> Structure:
        """The structure the controls describe."""
        return build_structure(self.kind.value, self.n.value, self.k.value)


def dashboard(kind: str = "majority", n: int = 5, p: float = 0.01, points: int = 60,
              samples: int = 100_000, seed: int = 1) -> FailureDashboard:
    """Build the notebook-02 dashboard (``points`` values of p, ``samples`` Monte Carlo draws)."""
    return FailureDashboard(kind=kind, n=n, p=p, points=points, samples=samples, seed=seed)
