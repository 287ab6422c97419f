"""Paper figure of notebook 06: the nine named systems answering the same five questions."""

from __future__ import annotations

import plotly.graph_objects as go

from . import register

__all__ = ["P_NODE", "T_MS", "build"]

#: the failure scenario of the paper figure: node failure probability and read delay
P_NODE = 0.01
T_MS = 0.0


@register("systems_comparison",
          "The named systems side by side: nines, failover downtime, stale reads, lost writes")
def build(small: bool = False) -> go.Figure:
    """The comparison figure of all nine presets at p = 0.01, t = 0 (small: 10 failover trials)."""
    from ..systems import compare
    from ..viz.systems import comparison_table

    df = compare(None, p=P_NODE, t_ms=T_MS, trials=10 if small else 300,
                 writes=200 if small else 2000, seed=2026)
    return comparison_table(df)
