"""Dashboard of notebook 01: toggle replicas up/down, edit what each holds, watch C(S),
A(S) and the consistency ratio update live in a FigureWidget."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from ..errors import InvalidParameterError, invalid
from ..sets import Cluster, Fact
from ..viz.sets import holdings_figure, holdings_title, holdings_traces


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


def cluster_arrays(cluster: Cluster) -> dict[str, Any]:
    """What the holdings figure needs, computed from the cluster's set formulas."""
    nodes, facts, held = cluster.holdings_matrix()
    c = cluster.consistency_set()
    a = cluster.availability_set()
    return dict(nodes=[str(n) for n in nodes], facts=[f"{k}:{v}" for k, v in facts], held=held,
                up=[cluster.is_up(n) for n in nodes], in_c=[f in c for f in facts],
                n_a=len(a), ratio=cluster.consistency_ratio())


def cluster_figure(cluster: Cluster, width: str = "single") -> go.Figure:
    """The holdings figure of ``cluster`` (a static go.Figure, for export)."""
    return holdings_figure(**cluster_arrays(cluster), width=width)


class SetsDashboard(w.VBox):
    """Toggles and fact editors per node, a summary line and a live FigureWidget."""

    def __init__(self, cluster: Cluster) -> None:
        if not isinstance(cluster, Cluster) or len(cluster) == 0:
            raise invalid("cluster", cluster, "a Cluster with at least one node")
        self.cluster = cluster
        self.figure = go.FigureWidget(cluster_figure(cluster).update_layout(width=640, height=440))
        self.toggles: dict[Any, w.ToggleButton] = {}
        self.editors: dict[Any, w.Text] = {}
        rows = []
        for node in cluster.nodes:
            up = cluster.is_up(node)
            t = w.ToggleButton(value=up, description=f"{node}", tooltip=f"{node} up/down",
                               icon="check" if up else "times", layout=w.Layout(width="90px"))
            e = w.Text(value=format_facts(cluster.holds(node)), continuous_update=False,
                       layout=w.Layout(width="320px"))
            t.observe(lambda ch, n=node: self._toggle(n, ch["new"]), names="value")
            e.observe(lambda ch, n=node: self._edit(n, ch["new"]), names="value")
            self.toggles[node], self.editors[node] = t, e
            rows.append(w.HBox([t, e]))
        self.gossip = w.Button(description="anti-entropy round", icon="refresh")
        self.gossip.on_click(lambda _b: self._gossip())
        self.summary = w.HTML()
        self.message = w.HTML()
        self._refresh()
        super().__init__([w.HTML("<b>replica: up/down, facts it holds (key:version)</b>"),
                          *rows, self.gossip, self.summary, self.message, self.figure])

    def _toggle(self, node: Any, up: bool) -> None:
        self.cluster.set_up(node, up)
        self.toggles[node].icon = "check" if up else "times"
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

    def _refresh(self) -> None:
        d = cluster_arrays(self.cluster)
        c = sorted(f"{k}:{v}" for k, v in self.cluster.consistency_set())
        a = sorted(f"{k}:{v}" for k, v in self.cluster.availability_set())
        self.summary.value = (f"C(S) = {{{', '.join(c)}}} &nbsp; A(S) = {{{', '.join(a)}}} &nbsp; "
                              f"|C(S)|/|A(S)| = <b>{d['ratio']:.3f}</b>")
        cats = holdings_traces(d["nodes"], d["facts"], d["held"], d["up"], d["in_c"])
        labels = [n if u else f"{n} (down)" for n, u in zip(d["nodes"], d["up"], strict=True)]
        with self.figure.batch_update():
            for trace, xy in zip(self.figure.data, cats, strict=True):
                trace.x, trace.y = xy["x"], xy["y"]
            self.figure.layout.title.text = holdings_title(int(np.sum(d["in_c"])), d["n_a"], d["ratio"])
            self.figure.layout.xaxis.categoryarray = d["facts"]
            self.figure.layout.yaxis.ticktext = labels


def dashboard(holdings: Mapping[Any, Any] | Cluster, down: list[Any] | tuple[Any, ...] = ()) -> SetsDashboard:
    """Build the notebook-01 dashboard from a Cluster or a mapping node -> facts."""
    cluster = holdings if isinstance(holdings, Cluster) else Cluster(holdings, down=down)
    return SetsDashboard(cluster)
