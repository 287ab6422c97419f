"""Paper figure of quorum systems (notebook 03): majority, grid and Flexible Paxos on the
same nine nodes, availability against p and capacity against the read fraction."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from .. import quorum as Q
from . import register

__all__ = ["build", "comparison"]


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
        avail[f"{name} read"] = qs.availability_curve(ps, "read")
        avail[f"{name} write"] = qs.availability_curve(ps, "write")
        cap[name] = qs.capacity_curve(fractions)
    return dict(systems=systems, ps=ps, fractions=fractions, availability=avail, capacity=cap)


@register("quorum_systems", "majority vs grid vs Flexible Paxos: availability and capacity")
def build(small: bool = False) -> go.Figure:
    from ..viz.quorum import quorum_figure

    c = comparison(3, 3, q2=2, points=11 if small else 61)
    return quorum_figure(c["ps"], c["availability"], c["fractions"], c["capacity"])
