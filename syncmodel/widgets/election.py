"""Leader-election dashboard: pick an algorithm and a faulty network, watch one run's
timeline and the time-to-leader CDF over many trials (notebook 04)."""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..election import ALGORITHMS, run_once, simulate
from ..election.timeline import fault_marks, message_arrows, role_spans
from ..viz import ecdf, paper_layout
from ..viz.election import timeline_figure


def _params(alg: str, n: int, lo: float, hi: float, latency_ms: float, loss: float,
            partition: bool) -> dict[str, Any]:
    """Run parameters from the controls: one-way latency U(0.75·m, 1.25·m) ms; with the
    partition on, the lower half of the ids is cut off from 0 to 2·hi ms."""
    p: dict[str, Any] = dict(timeout_ms=(lo, hi), latency=("uniform", 0.75 * latency_ms,
                                                           1.25 * latency_ms), loss=loss)
    if alg == "raft":
        p["behind"] = 0
    if partition:
        m = max((n - 1) // 2, 1)
        p.update(partition=[list(range(m)), list(range(m, n))], partition_at_ms=0.0,
                 heal_at_ms=2.0 * hi, scenario="cold", run_ms=4.0 * hi)
    return p


def dashboard(algorithm: str = "raft", n: int = 5, timeout_ms: tuple[float, float] = (150, 300),
              latency_ms: float = 2.0, loss: float = 0.0, partition: bool = False,
              trials: int = 100, seed: int = 0) -> w.VBox:
    """Controls (algorithm, n, timeout range, latency, loss, partition, trials, seed) over a
    FigureWidget: top, the timeline of trial 0 (roles per node, messages); bottom, the CDF
    of the time to a leader over ``trials`` runs.  ``.children[-1]`` is the FigureWidget."""
    ctl_alg = w.Dropdown(options=sorted(ALGORITHMS), value=algorithm, description="algorithm")
    ctl_n = w.IntSlider(value=n, min=1, max=9, description="n")
    ctl_to = w.IntRangeSlider(value=[int(timeout_ms[0]), int(timeout_ms[1])], min=10, max=600,
                              step=1, description="timeout ms")
    ctl_lat = w.FloatSlider(value=latency_ms, min=0.5, max=50.0, step=0.5,
                            description="latency ms")
    ctl_loss = w.FloatSlider(value=loss, min=0.0, max=0.5, step=0.01, description="loss")
    ctl_part = w.Checkbox(value=partition, description="partition")
    ctl_trials = w.IntSlider(value=trials, min=10, max=1000, step=10, description="trials")
    ctl_seed = w.IntText(value=seed, description="seed")
    status = w.HTML()

    fig = go.FigureWidget(make_subplots(rows=2, cols=1, vertical_spacing=0.16,
                                        row_heights=[0.55, 0.45],
                                        subplot_titles=("one run", "time to leader over trials")))
    paper_layout(fig, "double", height_in=5.0)

    def update(*_: Any) -> None:
        alg, k = ctl_alg.value, ctl_n.value
        lo, hi = (float(v) for v in ctl_to.value)
        params = _params(alg, k, lo, hi, ctl_lat.value, ctl_loss.value, ctl_part.value)
        run = run_once(alg, k, ctl_seed.value, trace_messages=True, **params)
        end = run.net.sim.now
        df = simulate(alg, k, ctl_trials.value, ctl_seed.value, **params)
        times = df["time_to_leader_ms"].to_numpy(dtype=float)
        xs, ys = ecdf(times)
        frac = xs.size / max(times.size, 1)
        tmp = make_subplots(rows=2, cols=1)
        timeline_figure(role_spans(run.trace, k, end), message_arrows(run.trace),
                        fault_marks(run.trace), n=k, fig=tmp, row=1)
        tmp.add_trace(go.Scatter(x=xs, y=ys * frac, mode="lines", line_shape="hv",
                                 name="time to leader", line=dict(color="#0072B2")), row=2, col=1)
        with fig.batch_update():
            fig.data = ()
            for tr in tmp.data:
                fig.add_trace(tr, row=2 if tr.name == "time to leader" else 1, col=1)
            fig.update_yaxes(tickvals=list(range(k)), ticktext=[f"node {i}" for i in range(k)],
                             range=[-0.6, k - 0.4], row=1, col=1)
            fig.update_xaxes(title_text="time (ms)", row=1, col=1)
            fig.update_xaxes(title_text="time to leader (ms)", row=2, col=1)
            fig.update_yaxes(title_text="cumulative fraction", range=[0, 1.02], row=2, col=1)
        viol = int(df["safety_violations"].sum())
        med = float(np.nanmedian(times)) if np.isfinite(times).any() else float("nan")
        status.value = (f"{alg}, n={k}: elected in {df['elected'].mean():.0%} of {len(df)} "
                        f"trials; median {med:.0f} ms; mean messages "
                        f"{df['messages'].mean():.0f}; safety violations {viol}; most leaders "
                        f"at once {int(df['max_concurrent_leaders'].max())}")

    for c in (ctl_alg, ctl_n, ctl_to, ctl_lat, ctl_loss, ctl_part, ctl_trials, ctl_seed):
        c.observe(update, names="value")
    update()
    controls = w.HBox([w.VBox([ctl_alg, ctl_n, ctl_to, ctl_lat]),
                       w.VBox([ctl_loss, ctl_part, ctl_trials, ctl_seed])])
    return w.VBox([controls, status, fig])
