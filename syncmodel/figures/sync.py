"""Paper figures of data synchronization (notebook 05): PBS t-visibility per production
profile with the simulator's measurements, and convergence after a partition heals."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from . import register

__all__ = ["build", "build_convergence", "build_sloppy"]


@register("sync_staleness", "PBS t-visibility (N=3, R=W=1) for four production profiles, simulator points")
def build(small: bool = False) -> go.Figure:
    from ..sync import experiments, pbs, staleness
    from ..viz.sync import staleness_figure

    trials = 20_000 if small else 400_000
    curves = experiments.pbs_curves(3, 1, 1, trials=trials, seed=2012)
    law = pbs.profile("LNKD-SSD").R
    sim = staleness.t_visibility_sim(3, 1, 1, [0.0, 0.1, 0.3, 1.0], law,
                                     trials=800 if small else 8000, seed=7)
    points = _series(sim)
    points["t"] = points["t"].copy()
    points["t"][0] = experiments.T_GRID[1]  # t = 0 drawn at the left edge of the log axis
    return staleness_figure({name: _series(c) for name, c in curves.items()}, {"simulated (SSD)": points},
                            title="Staleness after a write (N = 3, R = W = 1)")


def _series(res: Any) -> dict[str, Any]:
    """A t-visibility result as the arrays :func:`~syncmodel.viz.sync.staleness_figure` draws."""
    return {"t": res.t_ms, "p": res.fresh, "lo": res.lo, "hi": res.hi}


@register("sync_convergence", "Consistency ratio of a multi-leader store through a partition")
def build_convergence(small: bool = False) -> go.Figure:
    from ..sync import experiments, metrics
    from ..viz.sync import convergence_figure

    window = (400.0, 1200.0)
    run = experiments.partition_run("multileader", 3, partition_ms=window, seed=3,
                                    duration_ms=1600.0 if small else 2400.0)
    cf = metrics.convergence_frame(run)
    return convergence_figure(cf["time"].to_numpy(), cf["ratio"].to_numpy(), c=cf["c"].to_numpy(),
                              a=cf["a"].to_numpy(),
                              windows=[(window[0], window[1], "partition")],
                              title="Multi-leader store: divergence and anti-entropy")


@register("sync_sloppy", "Strict vs sloppy quorums (N = 3, R = W = 2): write nines and stale reads")
def build_sloppy(small: bool = False) -> go.Figure:
    import numpy as np

    from ..sync import sloppy
    from ..viz.sync import sloppy_figure

    ps = np.logspace(-3, np.log10(0.5), 10 if small else 80)
    configs = {"strict (home N = 3)": (3, False), "sloppy, ring M = 5": (5, True),
               "sloppy, ring M = 8": (8, True)}
    failures = {name: [sloppy.unavailability(3, 2, m, p, sloppy=sl) for p in ps]
                for name, (m, sl) in configs.items()}
    stale = {name: [float(sloppy.stale_read(3, 2, 2, m, p, sloppy=sl)) for p in ps]
             for name, (m, sl) in configs.items()}
    return sloppy_figure(ps, failures, stale,
                         title="Sloppy quorums buy availability with stale reads (N = 3, R = W = 2)")
