"""Paper figures of consistency checking (notebook 09): a violation found in a simulated
R = W = 1 quorum store drawn as a space-time diagram, and which session guarantees each
replication mode breaks."""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import Any

import plotly.graph_objects as go

from . import register

__all__ = ["MODES", "SIM", "build", "build_guarantees", "draw"]

#: the store run behind the figures (small and fast; seeds fixed)
SIM: dict[str, Any] = {"duration_ms": 600.0, "clients": 4, "keys": 4}
MODES: dict[str, dict[str, Any]] = {
    "quorum R=W=2": {"mode": "quorum", "n": 3, "r": 2, "w": 2, "fanout": "quorum"},
    "quorum R=W=1": {"mode": "quorum", "n": 3, "r": 1, "w": 1, "fanout": "quorum"},
    "async, read any": {"mode": "async", "n": 3, "r": 1, "w": 1, "read_from": "any"},
    "multi-leader": {"mode": "multileader", "n": 3, "r": 1, "w": 1},
    "sync + crash": {"mode": "sync", "n": 3, "r": 1, "w": 1, "crashes": [(0, 300.0, None)]},
}


def draw(history: Any, result: Any, *, key: Hashable = "violation", pad_ms: float | None = None,
         title: str = "", width: str = "double") -> go.Figure:
    """The space-time diagram of ``history`` with ``result`` (from ``check.linearizable``):
    only ``key``'s operations ("violation": the violating key, None: every key), zoomed to
    the witness ± ``pad_ms`` (default: a third of its span) on a violation."""
    from ..viz.history import history_figure

    frame = history.to_frame()
    if key == "violation":
        key = result.key if result.verdict is False else None
    if key is not None:
        frame = frame[frame["key"].map(lambda k: k == key)]
    window = None
    if result.verdict is False and result.violation:
        ops = [history.ops[i] for i in result.violation]
        t0 = min(o.invoke_ms for o in ops)
        t1 = max(o.complete_ms for o in ops if math.isfinite(o.complete_ms))
        pad = (t1 - t0) / 3 if pad_ms is None else pad_ms
        start = min((o.invoke_ms for o in history.ops), default=t0)
        window = (max(t0 - pad, start), t1 + pad)
    unit = history.meta.get("time_unit", "ms")
    label = "time (ms)" if unit == "ms" else "event (position in the log)"
    return history_figure(frame, violation=result.violation, linearization=result.linearization,
                          title=title, window=window, width=width, time_label=label)


@register("check_violation", "A linearizability violation of an R = W = 1 quorum store, drawn")
def build(small: bool = False) -> go.Figure:
    from ..check import linearizable, simulate_history

    h, _ = simulate_history(**MODES["quorum R=W=1"], seed=4, **{**SIM, "clients": 3})
    r = linearizable(h, "kv")
    return draw(h, r, title=f"Key {r.key}: {len(r.violation)} operations that cannot be ordered "
                            f"(N = 3, R = W = 1)")


@register("check_guarantees", "Session guarantees broken per replication mode (share of reads)")
def build_guarantees(small: bool = False) -> go.Figure:
    from ..check import GUARANTEES, classify
    from ..viz.sync import bars_figure

    sim = {**SIM, "duration_ms": 300.0 if small else 1500.0}
    table = classify([{**cfg, **sim} for cfg in MODES.values()], seed=9, ks=(1,))
    reads = table["ops"]  # a share of all operations checked
    series = {g: list(table[f"{g} violations"] / reads) for g in GUARANTEES}
    return bars_figure(list(MODES), series, title="Which guarantees each mode breaks",
                       ylabel="violations per operation", width="double")
