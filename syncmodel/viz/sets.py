"""Picture of a cluster's holdings: which node holds which fact, and what C(S) and A(S) are.

Data in (node names, fact labels, a boolean holdings matrix, up flags), figure out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from . import PALETTE, paper_layout

__all__ = ["CATEGORIES", "cluster_arrays", "cluster_figure", "holdings_figure", "holdings_title",
           "holdings_traces"]

#: (legend name, colour, marker symbol) of each cell category
CATEGORIES = (
    ("in C(S): all agree", PALETTE[2], "square"),
    ("in A(S) only: served, not agreed", PALETTE[1], "square"),
    ("held by a down node", "#9e9e9e", "square-open"),
)


def holdings_traces(nodes: Sequence[str], facts: Sequence[str], held: np.ndarray,
                    up: Sequence[bool], in_c: Sequence[bool]) -> list[dict[str, list[str]]]:
    """x/y coordinates of the cells of each category, in :data:`CATEGORIES` order."""
    held = np.asarray(held, dtype=bool)
    cats: list[dict[str, list[str]]] = [{"x": [], "y": []} for _ in CATEGORIES]
    for i, node in enumerate(nodes):
        for j, fact in enumerate(facts):
            if not held[i, j]:
                continue
            k = 2 if not up[i] else (0 if in_c[j] else 1)
            cats[k]["x"].append(fact)
            cats[k]["y"].append(node)
    return cats


def holdings_title(n_c: int, n_a: int, ratio: float) -> str:
    return f"|C(S)| = {n_c}, |A(S)| = {n_a}, ratio = {ratio:.2f}"


def holdings_figure(nodes: Sequence[str], facts: Sequence[str], held: np.ndarray,
                    up: Sequence[bool], in_c: Sequence[bool], n_a: int, ratio: float,
                    width: str = "single") -> go.Figure:
    """A node × fact grid: green cells are in C(S), orange are served but not agreed,
    hollow grey are held by a down node; the title gives |C(S)|, |A(S)| and the ratio."""
    fig = go.Figure()
    cats = holdings_traces(nodes, facts, held, up, in_c)
    for (name, colour, symbol), xy in zip(CATEGORIES, cats, strict=True):
        fig.add_trace(go.Scatter(x=xy["x"], y=xy["y"], name=name, mode="markers",
                                 marker=dict(symbol=symbol, size=16, color=colour,
                                             line=dict(width=1.5, color=colour))))
    labels = [f"{n} (down)" if not u else str(n) for n, u in zip(nodes, up, strict=True)]
    fig.update_layout(title=holdings_title(int(np.sum(in_c)), n_a, ratio),
                      xaxis_title="fact (key:version)", yaxis_title="replica",
                      legend=dict(orientation="h", yanchor="top", y=-0.3, x=0))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(facts))
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=list(nodes)[::-1],
                     tickvals=list(nodes), ticktext=labels)
    return paper_layout(fig, width, aspect=0.85)


def cluster_arrays(cluster: Any) -> dict[str, Any]:
    """What :func:`holdings_figure` needs, read from a ``syncmodel.sets.Cluster`` (any object
    with ``holdings_matrix``, ``consistency_set``, ``availability_set``, ``is_up`` and
    ``consistency_ratio``; nothing is imported from the model)."""
    nodes, facts, held = cluster.holdings_matrix()
    c = cluster.consistency_set()
    a = cluster.availability_set()
    return dict(nodes=[str(n) for n in nodes], facts=[f"{k}:{v}" for k, v in facts], held=held,
                up=[cluster.is_up(n) for n in nodes], in_c=[f in c for f in facts],
                n_a=len(a), ratio=cluster.consistency_ratio())


def cluster_figure(cluster: Any, width: str = "single") -> go.Figure:
    """The holdings figure of a cluster (see :func:`cluster_arrays`)."""
    return holdings_figure(**cluster_arrays(cluster), width=width)
