"""Paper figures of the set formulas (notebook 01)."""

from __future__ import annotations

import plotly.graph_objects as go

from ..sets import Cluster
from . import register

__all__ = ["EXAMPLE_HOLDINGS", "build", "example_cluster"]

#: the worked example of notebook 01: three replicas diverged during a partition, one down
EXAMPLE_HOLDINGS = {
    "n1": [("x", 2), ("y", 1), ("z", 1)],
    "n2": [("x", 2), ("y", 1)],
    "n3": [("x", 1), ("y", 1), ("z", 1)],
    "n4": [("x", 2), ("y", 1), ("z", 2)],
}


def example_cluster() -> Cluster:
    """The example cluster with n4 down."""
    return Cluster(EXAMPLE_HOLDINGS, down=["n4"])


@register("consistency_availability", "C(S), A(S) and the consistency ratio of four replicas")
def build(small: bool = False) -> go.Figure:
    from ..viz.sets import cluster_figure

    return cluster_figure(example_cluster())
