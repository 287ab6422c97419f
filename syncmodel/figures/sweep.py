"""Paper figures made by parameter sweeps (notebook 07)."""

from __future__ import annotations

import plotly.graph_objects as go

from . import register

__all__ = ["N_VALUES", "P_VALUES", "build"]

N_VALUES = (1, 2, 3, 4, 5, 7, 9)
P_VALUES = (0.001, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4)


@register("sweep_availability_nines",
          "Nines of availability of a majority quorum over n nodes × node-down probability p")
def build(small: bool = False) -> go.Figure:
    from ..sweep import pivot, run
    from ..sweep_targets import availability_point
    from ..viz import SWEEP_LABELS, table_heatmap

    n_values = N_VALUES[:4] if small else N_VALUES
    df = run(availability_point, {"n": list(n_values), "p": list(P_VALUES)}, progress=False)
    return table_heatmap(pivot(df, "p", "n", "nines"), xlabel=SWEEP_LABELS["p"], ylabel=SWEEP_LABELS["n"],
                         zlabel=SWEEP_LABELS["nines"], text_format="%{z:.1f}",
                         title="Majority quorum: nines of availability")
