"""Leader-election dashboard: pick an algorithm and a faulty network, watch one run's
timeline and the time-to-leader CDF over many trials (notebook 04).  The trials take
0.3–2 s, so the dashboard is ``slow``: a busy line at once, the work in the background,
and a newer input cancels the running one (the trials run in chunks of :data:`CHUNK`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from ..election import ALGORITHMS, run_once, simulate
from ..election.timeline import fault_marks, message_arrows, role_spans
from ..rng import Seed
from ..viz.election import election_dashboard_figure
from ._dashboard import CancelCheck, Dashboard, log_slider, seed_from, stop_if

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CHUNK", "ElectionDashboard", "compute", "dashboard", "figure", "readout", "simulate_chunked"]

#: trials per chunk between two looks at ``cancelled`` (about 0.1 s of work here)
CHUNK = 20

#: message loss choices: 0 and then roughly log-even steps
LOSSES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5)


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


def simulate_chunked(algorithm: str, n: int, trials: int, seed: Seed, *, cancelled: CancelCheck | None = None,
                     chunk: int = CHUNK, **params: Any) -> pd.DataFrame:
    """``election.simulate(algorithm, n, trials, seed, **params)``, run ``chunk`` trials at a
    time and stopped (:class:`~syncmodel.widgets._dashboard.Cancelled`) between chunks once
    ``cancelled()`` is True.  Trial ``i`` keeps child seed ``i`` of ``seed``, so the table is
    the one-call table, row for row."""
    import pandas as pd

    parts = []
    for start in range(0, int(trials), int(chunk)):
        stop_if(cancelled)
        k = min(int(chunk), int(trials) - start)
        part = simulate(algorithm, n, trials=k, seed=seed_from(seed, start), **params)
        part["trial"] += start
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def compute(algorithm: str, n: int, timeout_ms: tuple[int, int], latency_ms: float, loss: float,
            partition: bool, trials: int, seed: int, cancelled: CancelCheck | None = None) -> dict[str, Any]:
    """One traced run (the timeline) and ``trials`` runs (the CDF and the counts); stops early
    (``Cancelled``) when ``cancelled()`` turns True."""
    lo, hi = (float(v) for v in timeout_ms)
    params = _params(algorithm, n, lo, hi, latency_ms, loss, partition)
    run = run_once(algorithm, n, seed=seed, trace_messages=True, **params)
    df = simulate_chunked(algorithm, n, trials, seed, cancelled=cancelled, **params)
    return dict(algorithm=algorithm, n=n, spans=role_spans(run.trace, n, run.net.sim.now),
                arrows=message_arrows(run.trace), marks=fault_marks(run.trace),
                times=df["time_to_leader_ms"].to_numpy(dtype=float), df=df)


def figure(res: dict[str, Any]) -> go.Figure:
    """Timeline and CDF of a :func:`compute` result."""
    return election_dashboard_figure(res["spans"], res["arrows"], res["marks"], res["n"], res["times"],
                                     title=f"{res['algorithm']}, n = {res['n']}")


def readout(res: dict[str, Any]) -> str:
    """Elected share, median time (ms), messages and safety, in words."""
    df, times = res["df"], res["times"]
    med = float(np.nanmedian(times)) if np.isfinite(times).any() else float("nan")
    viol = int(df["safety_violations"].sum())
    return (f"{res['algorithm']}, n = {res['n']}: a leader in {df['elected'].mean():.0%} of {len(df)} "
            f"trials; median {med:.0f} ms; {df['messages'].mean():.0f} messages per election; "
            f"safety violations {viol}; most leaders at once {int(df['max_concurrent_leaders'].max())}")


class ElectionDashboard(Dashboard):
    """Controls (algorithm, n, timeout range, latency, loss, partition, trials, seed) over the
    timeline + CDF figure."""

    def __init__(self, algorithm: str = "raft", n: int = 5, timeout_ms: tuple[float, float] = (150, 300),
                 latency_ms: float = 2.0, loss: float = 0.0, partition: bool = False,
                 trials: int = 100, seed: int = 0) -> None:
        controls = dict(
            algorithm=w.Dropdown(options=sorted(ALGORITHMS), value=algorithm, description="algorithm"),
            n=w.IntSlider(value=n, min=1, max=9, description="n nodes", continuous_update=False),
            timeout_ms=w.IntRangeSlider(value=[int(timeout_ms[0]), int(timeout_ms[1])], min=10, max=600,
                                        step=5, description="election timeout (ms)",
                                        continuous_update=False, layout=w.Layout(width="380px")),
            latency_ms=log_slider("one-way latency (ms)", latency_ms, 0.5, 50.0),
            loss=w.SelectionSlider(options=[(f"{100 * v:g} %", v) for v in LOSSES],
                                   value=min(LOSSES, key=lambda v: abs(v - loss)),
                                   description="message loss", continuous_update=False),
            partition=w.Checkbox(value=partition,
                                 description="partition: lower ids cut off until 2 × max timeout",
                                 indent=False, layout=w.Layout(width="auto")),
            trials=w.IntSlider(value=trials, min=10, max=1000, step=10, description="trials",
                               continuous_update=False),
            seed=w.IntText(value=seed, description="seed", layout=w.Layout(width="160px")),
        )
        super().__init__(controls, compute, figure, readout=readout, slow=True)


def dashboard(algorithm: str = "raft", n: int = 5, timeout_ms: tuple[float, float] = (150, 300),
              latency_ms: float = 2.0, loss: float = 0.0, partition: bool = False,
              trials: int = 100, seed: int = 0) -> ElectionDashboard:
    """Build the notebook-04 dashboard; ``.figure`` is the FigureWidget, ``.wait()`` waits for
    the background work to finish."""
    return ElectionDashboard(algorithm, n, timeout_ms, latency_ms, loss, partition, trials, seed)
