"""Dashboard of notebook 02: structure, p, correlation and repair sliders; availability in nines.

Every control recomputes exact P(S) curves (independent, correlated, n + 1
nodes), a Monte Carlo point with its interval and the repairable-system
numbers, and updates one FigureWidget inside ``batch_update``.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from ..errors import invalid
from ..failure import failure_curve, failure_probability_mc
from ..markov import downtime_per_year, nines, node_availability, system
from ..structure import Structure, choose, grid
from ..viz import color
from ..viz.failure import nines_traces, to_nines

KINDS = ("majority", "k-of-n", "grid")


def build_structure(kind: str, n: int, k: int | None = None) -> Structure:
    """The dashboard's structures: majority of n, k-of-n, or an n × n grid (reads * writes)."""
    if kind == "majority":
        return choose(n // 2 + 1, n)
    if kind == "k-of-n":
        return choose(n // 2 + 1 if k is None else k, n)
    if kind == "grid":
        return grid(n, n)
    raise invalid("kind", kind, f"one of {KINDS}")


def domains_for(s: Structure, racks: int, q: float) -> dict[str, tuple[list[Any], float]] | None:
    """Nodes dealt round-robin into ``racks`` failure domains, each down with probability q."""
    if racks <= 0 or q <= 0:
        return None
    nodes = list(s.nodes)
    return {f"rack {r}": (nodes[r::racks], q) for r in range(min(racks, len(nodes)))}


class FailureDashboard(w.VBox):
    """Sliders for the structure, p, correlation and repair; a FigureWidget of nines against p."""

    def __init__(self, kind: str = "majority", n: int = 5, p: float = 0.01, points: int = 60,
                 samples: int = 100_000, seed: int = 1) -> None:
        if kind not in KINDS:
            raise invalid("kind", kind, f"one of {KINDS}")
        self.ps = np.logspace(-3, np.log10(0.5), int(points))
        self.samples, self.seed = int(samples), seed
        style = {"description_width": "120px"}
        lay = w.Layout(width="420px")
        self.kind = w.Dropdown(options=list(KINDS), value=kind, description="structure", style=style)
        self.n = w.IntSlider(value=n, min=1, max=15, description="n (grid: side)", style=style,
                             layout=lay, continuous_update=False)
        self.k = w.IntSlider(value=n // 2 + 1, min=1, max=n, description="k (k-of-n)", style=style,
                             layout=lay, continuous_update=False)
        self.p = w.FloatLogSlider(value=p, base=10, min=-3, max=np.log10(0.5), step=0.05,
                                  description="node p", readout_format=".3g", style=style,
                                  layout=lay, continuous_update=False)
        self.racks = w.IntSlider(value=0, min=0, max=5, description="racks (domains)", style=style,
                                 layout=lay, continuous_update=False)
        self.rack_q = w.FloatLogSlider(value=1e-3, base=10, min=-5, max=-1, step=0.1,
                                       description="rack down prob.", readout_format=".2g",
                                       style=style, layout=lay, continuous_update=False)
        self.beta = w.FloatSlider(value=0.0, min=0.0, max=0.3, step=0.01, description="beta factor β",
                                  style=style, layout=lay, continuous_update=False)
        self.mttf = w.FloatLogSlider(value=1000.0, base=10, min=1, max=5, step=0.1,
                                     description="MTTF (h)", readout_format=".3g", style=style,
                                     layout=lay, continuous_update=False)
        self.mttr = w.FloatLogSlider(value=10.0, base=10, min=-1, max=3, step=0.1,
                                     description="MTTR (h)", readout_format=".3g", style=style,
                                     layout=lay, continuous_update=False)
        self.controls = [self.kind, self.n, self.k, self.p, self.racks, self.rack_q, self.beta,
                         self.mttf, self.mttr]
        names = ["independent", "correlated (racks, β)", "n + 1 nodes"]
        traces = nines_traces(self.ps, {nm: np.ones_like(self.ps) for nm in names})
        traces.append(go.Scatter(x=[p], y=[0.0], name="Monte Carlo (95 % CI)", mode="markers",
                                 marker=dict(color=color(4), size=8, symbol="diamond"),
                                 error_y=dict(type="data", symmetric=False, array=[0.0],
                                              arrayminus=[0.0], thickness=1.2, width=4)))
        self.figure = go.FigureWidget(traces)
        self.figure.update_layout(width=680, height=440, xaxis_title="node failure probability p",
                                  yaxis_title="availability (nines) = −log₁₀ P(S)",
                                  legend=dict(x=0.99, xanchor="right", y=0.99),
                                  margin=dict(l=60, r=10, t=40, b=50), template="plotly_white")
        self.figure.update_xaxes(type="log")
        self.summary = w.HTML()
        for c in self.controls:
            c.observe(self._changed, names="value")
        self._refresh()
        left = w.VBox([w.HTML("<b>system</b>"), self.kind, self.n, self.k, self.p,
                       w.HTML("<b>correlated failures</b>"), self.racks, self.rack_q, self.beta,
                       w.HTML("<b>repair (CTMC, independent repair crews)</b>"), self.mttf, self.mttr])
        super().__init__([w.HBox([left, self.summary]), self.figure])

    def structure(self) -> Structure:
        """The structure the controls describe."""
        return build_structure(self.kind.value, self.n.value, self.k.value)

    def _changed(self, _change: Any) -> None:
        self._refresh()

    def _refresh(self) -> None:
        n = self.n.value
        self.k.max = n
        self.k.disabled = self.kind.value != "k-of-n"
        s = self.structure()
        bigger = build_structure(self.kind.value, n + 1, min(self.k.value, n + 1))
        doms = domains_for(s, self.racks.value, self.rack_q.value)
        beta = self.beta.value or None
        indep = failure_curve(s, self.ps)
        corr = failure_curve(s, self.ps, beta=beta, domains=doms) if (doms or beta) else indep
        plus = failure_curve(bigger, self.ps)
        p = self.p.value
        mc = failure_probability_mc(s, p, beta=beta, domains=doms, samples=self.samples, seed=self.seed)
        exact = float(failure_curve(s, [p], beta=beta, domains=doms)[0])
        y = float(to_nines(max(mc.estimate, 1.0 / mc.samples)))
        hi = float(to_nines(max(mc.low, 1e-300)))
        lo = float(to_nines(mc.high))
        a_node = node_availability(self.mttf.value, self.mttr.value)
        rep = system(s, self.mttf.value, self.mttr.value) if s.n <= 12 or self.kind.value != "grid" else None
        with self.figure.batch_update():
            for trace, curve in zip(self.figure.data[:3], (indep, corr, plus), strict=True):
                trace.y = to_nines(curve)
            self.figure.data[2].name = f"{'grid' if self.kind.value == 'grid' else 'n'} = {n + 1}"
            m = self.figure.data[3]
            m.x, m.y = [p], [y]
            m.error_y.array, m.error_y.arrayminus = [max(hi - y, 0.0)], [max(y - lo, 0.0)]
            self.figure.layout.title.text = f"{self.kind.value}, n = {n}: P(S) = {exact:.3g} at p = {p:.3g}"
        rows = [
            ("P(S), exact", f"{exact:.4g}"),
            ("F(S) = 1 − P(S)", f"{1 - exact:.8f}"),
            ("nines", f"{nines(1 - exact):.2f}"),
            ("downtime / year", f"{downtime_per_year(1 - exact, 'min'):.3g} min"),
            ("Monte Carlo", f"{mc.estimate:.4g} [{mc.low:.3g}, {mc.high:.3g}]"),
            ("node A = MTTF/(MTTF+MTTR)", f"{a_node:.6f}"),
        ]
        if rep is not None:
            a_sys = rep.availability()
            rows += [("system A (CTMC)", f"{a_sys:.8f} ({nines(a_sys):.2f} nines)"),
                     ("system MTTF", f"{rep.mttf():.4g} h"), ("MTTDL", f"{rep.mttdl():.4g} h")]
        self.summary.value = "<table>" + "".join(
            f"<tr><td>{a}</td><td style='padding-left:12px'><b>{b}</b></td></tr>" for a, b in rows
        ) + "</table>"


def dashboard(kind: str = "majority", n: int = 5, p: float = 0.01, points: int = 60,
              samples: int = 100_000, seed: int = 1) -> FailureDashboard:
    """Build the notebook-02 dashboard (``points`` values of p, ``samples`` Monte Carlo draws)."""
    return FailureDashboard(kind=kind, n=n, p=p, points=points, samples=samples, seed=seed)
