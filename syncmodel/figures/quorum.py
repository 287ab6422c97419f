"""Paper figure of quorum systems (notebook 03): majority, grid and Flexible Paxos on the
same nine nodes, availability against p and capacity against the read fraction."""

from __future__ import annotations

import plotly.graph_objects as go

from . import register


@register("quorum_systems", "majority vs grid vs Flexible Paxos: availability and capacity")
def build(small: bool = False) -> go.Figure:
    from ..viz.quorum import quorum_figure
    from ..widgets.quorum import comparison

    c = comparison(3, 3, q2=2, points=11 if small else 61)
    return quorum_figure(c["ps"], c["availability"], c["fractions"], c["capacity"])
