"""Dashboard of notebook 01: toggle replicas up/down, edit what each holds, watch C(S),
A(S) and the consistency ratio update live in a FigureWidget."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as w
import plotly.graph_objects as go

from ..errors import InvalidParameterError, invalid
from ..sets import Cluster, Fact
from ..viz import line_figure
from ..viz.sets import cluster_arrays, cluster_figure
from ._dashboard import DASHBOARD_CLASS, Dashboard, live_figure, update_figure

__all__ = ["SetsDashboard", "cluster_arrays", "cluster_figure", "dashboard", "format_facts", "parse_facts",
           "tour_dashboard"]


def format_facts(facts: frozenset[Fact] | set[Fact]) -> str:
    """``{("x", 1), ("y", 2)}`` -> ``"x:1, y:2"`` (sorted)."""
    return ", ".join(f"{k}:{v}" for k, v in sorted(facts, key=lambda f: (str(f[0]), f[1])))


def parse_facts(text: str) -> set[Fact]:
    """``"x:1, y:2"`` -> ``{("x", 1), ("y", 2)}``; raises InvalidParameterError on a bad item."""
    out: set[Fact] = set()
    for item in text.replace(";", ",").split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, version = item.rpartition(":")
        if not sep or not key.strip() or not version.strip().isdigit():
            raise invalid("facts", item, "written key:version with an int version >= 0")
        out.add((key.strip(), int(version)))
    return out


class SetsDashboard(w.VBox):
    """Toggles and fact editors per node, a summary line and a live FigureWidget."""

    def __init__(self, cluster: Cluster) -> None:
        if not isinstance(cluster, Cluster) or len(cluster) == 0:
            raise invalid("cluster", cluster, "a Cluster with at least one node")
        self.cluster = cluster
        self.figure = live_figure(cluster_figure(cluster), height_px=460)
        self.toggles: dict[Any, w.ToggleButton] = {}
        self.editors: dict[Any, w.Text] = {}
        rows = []
        for node in cluster.nodes:
            up = cluster.is_up(node)
            t = w.ToggleButton(value=up, description=f"{node} {'up' if up else 'down'}",
                               tooltip=f"{node}: click to take it down or bring it back",
                               icon="check" if up else "times", layout=w.Layout(width="120px"))
            e = w.Text(value=format_facts(cluster.holds(node)), continuous_update=False,
                       layout=w.Layout(width="320px"))
            t.observe(lambda ch, n=node: self._toggle(n, ch["new"]), names="value")
            e.observe(lambda ch, n=node: self._edit(n, ch["new"]), names="value")
            self.toggles[node], self.editors[node] = t, e
            rows.append(w.HBox([t, e]))
        self.gossip = w.Button(description="anti-entropy round", icon="refresh",
                               layout=w.Layout(width="220px"))
        self.gossip.on_click(lambda _b: self._gossip())
        self.summary = w.HTML()
        self.message = w.HTML()
        self._refresh(figure=False)  # the widget already shows this cluster: no change before display
        super().__init__([w.HTML("<b>replica: up/down, facts it holds (key:version)</b>"),
                          *rows, self.gossip, self.summary, self.message, self.figure])
        self.add_class(DASHBOARD_CLASS)

    def _toggle(self, node: Any, up: bool) -> None:
        self.cluster.set_up(node, up)
        self.toggles[node].icon = "check" if up else "times"
        self.toggles[node].description = f"{node} {'up' if up else 'down'}"
        self._refresh()

    def _edit(self, node: Any, text: str) -> None:
        try:
            self.cluster.set_facts(node, parse_facts(text))
        except InvalidParameterError as exc:
            self.message.value = f"<span style='color:#D55E00'>{node}: {exc}</span>"
            return
        self.message.value = ""
        self._refresh()

    def _gossip(self) -> None:
        self.cluster.anti_entropy_round()
        for node, editor in self.editors.items():
            editor.value = format_facts(self.cluster.holds(node))
        self._refresh()

    def _refresh(self, figure: bool = True) -> None:
        d = cluster_arrays(self.cluster)
        c = sorted(f"{k}:{v}" for k, v in self.cluster.consistency_set())
        a = sorted(f"{k}:{v}" for k, v in self.cluster.availability_set())
        self.summary.value = (f"C(S) = {{{', '.join(c)}}} &nbsp; A(S) = {{{', '.join(a)}}} &nbsp; "
                              f"|C(S)|/|A(S)| = <b>{d['ratio']:.3f}</b>")
        if figure:
            update_figure(self.figure, cluster_figure(self.cluster))


def dashboard(holdings: Mapping[Any, Any] | Cluster, down: list[Any] | tuple[Any, ...] = ()) -> SetsDashboard:
    """Build the notebook-01 dashboard from a Cluster or a mapping node -> facts."""
    cluster = holdings if isinstance(holdings, Cluster) else Cluster(holdings, down=down)
    return SetsDashboard(cluster)


def _tour(replicas: int, rounds: int) -> dict[str, Any]:
    """Replica i saw x:1..x:i+1 and y:replicas−i; the consistency ratio after each round."""
    cluster = Cluster({f"n{i}": [("x", i + 1), ("y", replicas - i)] for i in range(replicas)})
    ratios = [cluster.consistency_ratio()]
    for _ in range(rounds):
        cluster.anti_entropy_round()
        ratios.append(cluster.consistency_ratio())
    return dict(replicas=replicas, rounds=rounds, ratios=ratios)


def _tour_figure(r: dict[str, Any]) -> go.Figure:
    fig = line_figure(list(range(r["rounds"] + 1)), {"|C(S)| / |A(S)|": r["ratios"]}, markers=True,
                      title=f"{r['replicas']} replicas under anti-entropy", xlabel="anti-entropy round",
                      ylabel="consistency ratio |C(S)| / |A(S)|")
    fig.update_yaxes(range=[0, 1.05])
    fig.update_xaxes(range=[-0.3, max(r["rounds"], 1) + 0.3], dtick=1)
    return fig.update_layout(showlegend=True, legend=dict(x=0.02, y=0.98))


def tour_dashboard(replicas: int = 5, rounds: int = 3) -> Dashboard:
    """The notebook-00 dashboard: how many replicas, how many gossip rounds; the ratio per round."""
    controls = {"replicas": w.IntSlider(value=replicas, min=2, max=12, description="replicas",
                                        continuous_update=False),
                "rounds": w.IntSlider(value=rounds, min=0, max=10, description="anti-entropy rounds",
                                      continuous_update=False)}
    return Dashboard(controls, _tour, _tour_figure, height_px=420,
                     readout=lambda r: f"ratio {r['ratios'][0]:.2f} before gossip, {r['ratios'][-1]:.2f} "
                                       f"after {r['rounds']} round{'s' if r['rounds'] != 1 else ''}")
