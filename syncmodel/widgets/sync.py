"""Dashboard of notebook 05: pick a replication mode, N/R/W, a latency profile and a fault
schedule; see the PBS staleness curve, and from a simulated run the consistency ratio over
time, lost acknowledged writes, stale reads and conflicts."""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..sync import metrics, pbs
from ..sync.experiments import T_GRID
from ..sync.store import MODES, simulate_store
from ..viz import PALETTE, paper_layout


class SyncDashboard(w.VBox):
    """Controls on top, a two-panel FigureWidget (t-visibility, consistency ratio) below."""

    def __init__(self, mode: str = "quorum", n: int = 3, r: int = 1, w_: int = 1,
                 latency: str = "LNKD-DISK", duration_ms: float = 1500.0, trials: int = 20_000,
                 seed: int = 0) -> None:
        self.duration_ms = float(duration_ms)
        self.trials = int(trials)
        self.seed = int(seed)
        style = {"description_width": "90px"}
        self.mode = w.Dropdown(options=list(MODES), value=mode, description="mode", style=style)
        self.n = w.IntSlider(value=n, min=1, max=7, description="N replicas", style=style)
        self.r = w.IntSlider(value=r, min=1, max=n, description="R", style=style)
        self.w = w.IntSlider(value=w_, min=1, max=n, description="W", style=style)
        self.latency = w.Dropdown(options=list(pbs.PROFILES), value=latency, description="latency",
                                  style=style)
        self.policy = w.Dropdown(options=["lww", "siblings"], value="lww", description="conflicts",
                                 style=style)
        self.crash = w.Dropdown(options=["none", "crash-restart", "permanent"], value="none",
                                description="replica 0", style=style)
        self.partition = w.Checkbox(value=True, description="partition replica 0 (middle third)")
        self.anti_entropy = w.Checkbox(value=True, description="anti-entropy every 25 ms")
        self.summary = w.HTML()
        fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.14,
                            subplot_titles=("PBS t-visibility (WARS)", "consistency ratio |C(S)|/|A(S)|"))
        fig.add_trace(go.Scatter(name="P(fresh read)", mode="lines", line=dict(color=PALETTE[0])), 1, 1)
        fig.add_trace(go.Scatter(name="ratio", mode="lines", line=dict(color=PALETTE[2])), 1, 2)
        fig.update_xaxes(type="log", title_text="t after commit (ms)", row=1, col=1)
        fig.update_yaxes(range=[0, 1.02], row=1, col=1)
        fig.update_xaxes(title_text="time (ms)", row=1, col=2)
        fig.update_yaxes(range=[0, 1.05], row=1, col=2)
        paper_layout(fig, "double", aspect=0.42)
        fig.update_layout(showlegend=False, width=820, height=360)
        self.figure = go.FigureWidget(fig)
        for c in (self.mode, self.n, self.r, self.w, self.latency, self.policy, self.crash,
                  self.partition, self.anti_entropy):
            c.observe(self._changed, names="value")
        self.last: dict[str, Any] = {}
        self._refresh()
        controls = w.HBox([w.VBox([self.mode, self.n, self.r, self.w]),
                           w.VBox([self.latency, self.policy, self.crash]),
                           w.VBox([self.partition, self.anti_entropy])])
        super().__init__([controls, self.summary, self.figure])

    def _changed(self, change: dict[str, Any]) -> None:
        if change["owner"] is self.n:
            n = self.n.value
            for s in (self.r, self.w):
                if s.value > n:
                    s.value = n
                s.max = n
        self._refresh()

    def faults(self) -> dict[str, Any]:
        """The fault schedule the controls describe."""
        d = self.duration_ms
        out: dict[str, Any] = {"crashes": [], "partitions": []}
        if self.crash.value != "none":
            back = None if self.crash.value == "permanent" else 0.6 * d
            out["crashes"].append((0, 0.3 * d, back))
        if self.partition.value and self.n.value > 1:
            rest = tuple(range(1, self.n.value))
            out["partitions"].append((((0,), rest), d / 3, 2 * d / 3))
        return out

    def _refresh(self) -> None:
        n, r, w_ = self.n.value, min(self.r.value, self.n.value), min(self.w.value, self.n.value)
        curve = pbs.t_visibility_curve(n, r, w_, T_GRID[1:], self.latency.value, trials=self.trials,
                                       seed=self.seed)
        run = simulate_store(self.mode.value, n, r, w_, seed=self.seed, duration_ms=self.duration_ms,
                       latency=self.latency.value, policy=self.policy.value,
                       anti_entropy_ms=25.0 if self.anti_entropy.value else None,
                       snapshot_ms=self.duration_ms / 80, settle_ms=300.0, **self.faults())
        s = run.summary()
        cf = metrics.convergence_frame(run)
        self.last = {"curve": curve, "run": run, "summary": s}
        ks = ", ".join(f"k={k}: {pbs.k_staleness(n, r, w_, k):.3f}" for k in (1, 2, 3))
        self.summary.value = (
            f"<b>{self.mode.value}</b> N={n} R={r} W={w_} · PBS k-staleness {ks} · "
            f"acknowledged writes {s['acked_writes']}, <b>lost {s['lost_acked_writes']}</b> · "
            f"stale reads {s['stale_reads']}/{s['reads']} · conflict rate {s['conflict_rate']:.3f} · "
            f"lost updates {s['lost_updates']}")
        with self.figure.batch_update():
            self.figure.data[0].x = curve["t"]
            self.figure.data[0].y = curve["p"]
            self.figure.data[1].x = cf["time"].to_numpy()
            self.figure.data[1].y = np.asarray(cf["ratio"], dtype=float)


def dashboard(mode: str = "quorum", n: int = 3, r: int = 1, w: int = 1, latency: str = "LNKD-DISK",
              duration_ms: float = 1500.0, trials: int = 20_000, seed: int = 0) -> SyncDashboard:
    """Build the notebook-05 dashboard."""
    from ..sync.store import make_config

    make_config(mode=mode, n=n, r=r, w=w, latency=latency, duration_ms=duration_ms)  # validate
    return SyncDashboard(mode, n, r, w, latency, duration_ms, trials, seed)
