"""Dashboard of notebook 05: pick a replication mode, N/R/W, a latency profile and a fault
schedule; see the PBS staleness curve, and from a simulated run the consistency ratio over
time, lost acknowledged writes, stale reads and conflicts (shared Dashboard mechanism)."""

from __future__ import annotations

from functools import partial
from typing import Any

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from ..sync import metrics, pbs
from ..sync.experiments import T_GRID
from ..sync.store import MODES, simulate_store
from ..viz.sync import sync_dashboard_figure
from ._dashboard import Dashboard

__all__ = ["SyncDashboard", "compute", "dashboard", "faults", "figure", "readout"]


def faults(n: int, duration_ms: float, crash: str, partition: bool) -> dict[str, Any]:
    """The fault schedule of the controls: replica 0 crashes at 30 % of the run (back at 60 %
    for crash-restart) and/or is cut off from the others during the middle third."""
    out: dict[str, Any] = {"crashes": [], "partitions": []}
    if crash != "none":
        back = None if crash == "permanent" else 0.6 * duration_ms
        out["crashes"].append((0, 0.3 * duration_ms, back))
    if partition and n > 1:
        out["partitions"].append((((0,), tuple(range(1, n))), duration_ms / 3, 2 * duration_ms / 3))
    return out


def compute(mode: str, n: int, r: int, w: int, latency: str, policy: str, crash: str, partition: bool,
            anti_entropy: bool, *, duration_ms: float, trials: int, seed: int) -> dict[str, Any]:
    """PBS t-visibility of N/R/W and one simulated run with the chosen faults."""
    r, w = min(r, n), min(w, n)
    f = faults(n, duration_ms, crash, partition)
    curve = pbs.t_visibility_curve(n, r, w, T_GRID[1:], latency, trials=trials, seed=seed)
    run = simulate_store(mode, n, r, w, seed=seed, duration_ms=duration_ms, latency=latency, policy=policy,
                   anti_entropy_ms=25.0 if anti_entropy else None, snapshot_ms=duration_ms / 80,
                   settle_ms=300.0, **f)
    cf = metrics.convergence_frame(run)
    windows = [(t0, t1, "partition") for _, t0, t1 in f["partitions"]]
    windows += [(t0, t1 if t1 is not None else duration_ms, "replica 0 down") for _, t0, t1 in f["crashes"]]
    return dict(mode=mode, n=n, r=r, w=w, curve=curve, run=run, summary=run.summary(),
                time=cf["time"].to_numpy(dtype=float), ratio=np.asarray(cf["ratio"], dtype=float),
                windows=windows, k=[pbs.k_staleness(n, r, w, k) for k in (1, 2, 3)])


def figure(res: dict[str, Any]) -> go.Figure:
    """The two-panel dashboard figure of a :func:`compute` result."""
    return sync_dashboard_figure(res["curve"].t_ms, res["curve"].fresh, res["time"], res["ratio"],
                                 windows=res["windows"],
                                 title=f"{res['mode']}, N = {res['n']}, R = {res['r']}, W = {res['w']}")


def readout(res: dict[str, Any]) -> str:
    """The counts of the simulated run, in words."""
    s = res["summary"]
    ks = ", ".join(f"{k} versions: {v:.1%}" for k, v in zip((1, 2, 3), res["k"], strict=True))
    return (f"reads within the last {ks} · acknowledged writes {s['acked_writes']}, "
            f"<b>lost {s['lost_acked_writes']}</b> · stale reads {s['stale_reads']} of {s['reads']} · "
            f"conflicting writes {s['conflict_rate']:.1%} · lost updates {s['lost_updates']}")


def _adjust(d: Dashboard, change: dict[str, Any]) -> None:
    c = d.controls
    n = c["n"].value
    for s in (c["r"], c["w"]):
        if s.value > n:
            s.value = n
        s.max = n


class SyncDashboard(Dashboard):
    """Controls on top, a two-panel figure (t-visibility, consistency ratio) below; the controls
    are also attributes (``mode``, ``n``, ``r``, ``w``, ``latency``, ``policy``, ``crash``,
    ``partition``, ``anti_entropy``)."""

    def __init__(self, mode: str = "quorum", n: int = 3, r: int = 1, w_: int = 1,
                 latency: str = "LNKD-DISK", duration_ms: float = 1500.0, trials: int = 20_000,
                 seed: int = 0) -> None:
        self.duration_ms, self.trials, self.seed = float(duration_ms), int(trials), int(seed)
        self.mode = w.Dropdown(options=list(MODES), value=mode, description="replication")
        self.n = w.IntSlider(value=n, min=1, max=7, description="N replicas", continuous_update=False)
        self.r = w.IntSlider(value=r, min=1, max=n, description="R (read quorum)", continuous_update=False)
        self.w = w.IntSlider(value=w_, min=1, max=n, description="W (write quorum)", continuous_update=False)
        self.latency = w.Dropdown(options=list(pbs.PROFILES), value=latency, description="latency profile")
        self.policy = w.Dropdown(options=[("last writer wins", "lww"), ("keep siblings", "siblings")],
                                 value="lww", description="conflicts")
        self.crash = w.Dropdown(options=["none", "crash-restart", "permanent"], value="none",
                                description="replica 0 crash")
        self.partition = w.Checkbox(value=True, description="partition replica 0 (middle third)",
                                    indent=False)
        self.anti_entropy = w.Checkbox(value=True, description="anti-entropy every 25 ms", indent=False)
        controls = dict(mode=self.mode, n=self.n, r=self.r, w=self.w, latency=self.latency,
                        policy=self.policy, crash=self.crash, partition=self.partition,
                        anti_entropy=self.anti_entropy)
        super().__init__(controls, partial(compute, duration_ms=self.duration_ms, trials=self.trials,
                                           seed=self.seed),
                         figure, readout=readout, adjust=_adjust, per_column=3)

    @property
    def summary(self) -> w.HTML:
        """The counts line (the status line)."""
        return self.status

    @property
    def last(self) -> dict[str, Any]:
        """The last result: ``curve``, ``run`` and ``summary``."""
        return dict(self.result)


def dashboard(mode: str = "quorum", n: int = 3, r: int = 1, w: int = 1, latency: str = "LNKD-DISK",
              duration_ms: float = 1500.0, trials: int = 20_000, seed: int = 0) -> SyncDashboard:
    """Build the notebook-05 dashboard."""
    from ..sync.store import make_config

    make_config(mode=mode, n=n, r=r, w=w, latency=latency, duration_ms=duration_ms)  # validate
    return SyncDashboard(mode, n, r, w, latency, duration_ms, trials, seed)
