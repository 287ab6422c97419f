"""Paper figures of failure and availability analysis (notebook 02)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..failure import failure_curve
from ..structure import Structure, choose, grid_of
from . import register

__all__ = ["build", "example_systems", "nines_data", "p_grid"]


def example_systems() -> dict[str, Structure]:
    """Majorities of 3, 4, 5 and 7 nodes and a 3 × 3 grid (reads * writes)."""
    out: dict[str, Structure] = {"1 node": choose(1, 1)}
    for n in (3, 4, 5, 7):
        out[f"majority of {n}"] = choose(n // 2 + 1, n)
    out["grid 3×3"] = grid_of(3, 3)
    return out


def nines_data(ps: np.ndarray, systems: dict[str, Structure] | None = None) -> dict[str, np.ndarray]:
    """P(S) at each node failure probability in ``ps`` (exact, vectorized) per system."""
    systems = example_systems() if systems is None else systems
    return {name: failure_curve(s, ps) for name, s in systems.items()}


def p_grid(small: bool = False) -> np.ndarray:
    """Node failure probabilities from 10⁻³ to 0.5, log-spaced."""
    return np.logspace(-3, np.log10(0.5), 12 if small else 120)


@register("availability_nines", "Availability in nines against p: majorities of 3, 4, 5, 7 and a 3×3 grid")
def build(small: bool = False) -> go.Figure:
    from ..viz.failure import nines_figure

    ps = p_grid(small)
    return nines_figure(ps, nines_data(ps), title="Independent node failures")
