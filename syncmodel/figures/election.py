"""Paper figure: the Raft paper's Figure 16 reproduced, with the split-vote model and
the paper's quoted numbers (Ongaro & Ousterhout, USENIX ATC 2014, §9.3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..election import fig16
from ..viz.election import cdf_vs_paper_figure, figure16_figure
from . import register

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

__all__ = ["BOTTOM_WITH_REFERENCE", "build", "build_event_order", "event_order_plot", "figure16_plot"]

BOTTOM_WITH_REFERENCE = (*fig16.BOTTOM_RANGES, (150, 300))


def figure16_plot(df: pd.DataFrame, model: bool = True) -> go.Figure:
    """Two panels like the paper's: top, 150 ms minimum and growing randomness; bottom,
    the minimum scaled (and 150–300 for reference).  ``df`` is
    :func:`~syncmodel.election.figure16_all` output; ranges it lacks are skipped."""
    have = set(df["range"])

    def panel(ranges: tuple[tuple[float, float], ...]) -> dict[str, np.ndarray]:
        out = {}
        for r in ranges:
            lab = fig16.label(r)
            if lab in have:
                out[lab] = df.loc[df["range"] == lab, "time_to_leader_ms"].to_numpy(dtype=float)
        return out

    top, bottom = panel(fig16.TOP_RANGES), panel(BOTTOM_WITH_REFERENCE)
    analytic = None
    if model:
        # the model is computed on a 0.5 ms grid; plotted at 400 log-spaced times (the axis is
        # logarithmic), which keeps the figure light: 20,000 points per curve made export slow
        t_plot = np.geomspace(1.0, fig16.TIME_CAP_MS, 400)
        analytic = {lab: fig16.analytic_cdf(tuple(float(v) for v in lab.split("-")), t_plot, dt_ms=0.5)
                    for lab in {**top, **bottom}}
    quoted = []
    if "150-155" in have:
        quoted.append({"panel": 1, "x": 287.0, "y": 0.5, "text": "paper: median 287"})
    if "150-200" in have:
        quoted.append({"panel": 1, "x": 513.0, "y": 1.0, "text": "paper: worst 513",
                       "position": "bottom right"})
    if "12-24" in have:
        # the curves crowd below this mark: the label sits in the empty lower right, with an arrow
        quoted.append({"panel": 2, "x": 152.0, "y": 1.0, "text": "paper: 12–24 longest 152",
                       "offset": (170, 30)})
    panels = [p for p in (top, bottom) if p]
    titles = [t for t, p in zip(("randomness added to a 150 ms minimum timeout",
                                 "minimum timeout scaled (randomness = minimum)"),
                                (top, bottom), strict=True) if p]
    return figure16_figure(panels, analytic, quoted, cap_ms=fig16.TIME_CAP_MS, titles=titles)


@register("election_figure16",
          "Raft paper Figure 16 reproduced: time to replace a crashed leader, CDFs per "
          "timeout range, with the binomial split-vote model and the paper's numbers")
def build(small: bool = False) -> go.Figure:
    """The Figure 16 reproduction (9100 elections; ``small``: 30 per range, 5 at 150–150)."""
    if small:
        ranges = fig16.RANGES
        frames = [fig16.figure16(r, 5 if r == (150, 150) else 30, seed=i)
                  for i, r in enumerate(ranges)]
        import pandas as pd

        df = pd.concat(frames, ignore_index=True)
    else:
        df = fig16.figure16_all(seed=2014)
    return figure16_plot(df)


def event_order_plot(samples: dict[str, np.ndarray]) -> go.Figure:
    """The 12–24 ms CDF under the event orders (:func:`~syncmodel.election.fig16.event_order_samples`)
    against the paper's mean (35 ms) and longest trial (152 ms)."""
    return cdf_vs_paper_figure(
        samples, paper_mean_ms=fig16.PAPER["12-24"]["value"],
        paper_points=[{"x": fig16.PAPER["12-24 max"]["value"], "y": 1.0,
                       "text": "paper: longest 152 ", "position": "middle left"}],
        title="12–24 ms timeouts: why the event order matters")


@register("election_event_order",
          "Raft Figure 16, 12–24 ms: LogCabin's event order against the overlap order "
          "(same parameters, and the earlier calibration), with the paper's mean and longest trial")
def build_event_order(small: bool = False) -> go.Figure:
    """The 12–24 ms CDF under both event orders (1000 trials each; ``small``: 60)."""
    return event_order_plot(fig16.event_order_samples((12, 24), 60 if small else 1000, seed=2014))
