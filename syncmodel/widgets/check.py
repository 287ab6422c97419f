"""Dashboard of notebook 09: pick a replication mode, R, W and a seed; the simulated store
runs, its history is checked, and the space-time diagram shows the operations that cannot
be ordered (shared Dashboard mechanism)."""

from __future__ import annotations

from typing import Any

import ipywidgets as ipw
import plotly.graph_objects as go

from ..check import linearizable, session_guarantees, simulate_history, staleness
from ..figures.check import draw
from ._dashboard import Dashboard

__all__ = ["compute", "dashboard", "figure", "readout"]


def compute(mode: str, r: int, w: int, seed: int, *, n: int = 3, timeout_s: float | None = 10.0,
            **sim: Any) -> dict[str, Any]:
    """One store run (writes and reads to R / W random replicas for quorum mode) and its checks."""
    cfg: dict[str, Any] = {"mode": mode, "n": n, "r": min(r, n), "w": min(w, n), **sim}
    if mode == "quorum":
        cfg["fanout"] = "quorum"
    h, _ = simulate_history(seed=seed, **cfg)
    res = linearizable(h, "kv", timeout_s=timeout_s)
    sg = session_guarantees(h)
    st = staleness(h)
    stale = float(st["stale"].mean()) if len(st) else 0.0
    return {"history": h, "result": res, "guarantees": sg, "stale": stale, "cfg": cfg}


def figure(res: dict[str, Any]) -> go.Figure:
    """The diagram of the violating key (or of the first key when linearizable)."""
    h, r = res["history"], res["result"]
    key = "violation" if r.verdict is False else (h.ops[0].key if len(h) else None)
    c = res["cfg"]
    shown = r.key if key == "violation" else key
    return draw(h, r, key=key, title=f"{c['mode']}, N = {c['n']}, R = {c['r']}, W = {c['w']}: key {shown}")


def readout(res: dict[str, Any]) -> str:
    """The verdict, its time and the broken guarantees, in words."""
    r, sg = res["result"], res["guarantees"]
    rows = zip(sg.guarantee, sg.holds, sg.violations, strict=True)
    broken = ", ".join(f"{g} ({v})" for g, ok, v in rows if ok is False) or "none"
    return (f"<b>linearizable: {r.verdict}</b> ({r.ops} operations, {1000 * r.elapsed_s:.1f} ms) · "
            f"stale reads {res['stale']:.1%} · session guarantees broken: {broken}")


def dashboard(mode: str = "quorum", r: int = 1, w: int = 1, seed: int = 0, **sim: Any) -> Dashboard:
    """Controls (mode, R, W, seed) over a live space-time diagram; ``sim``: fixed store
    parameters (``duration_ms``, ``clients``, ``keys``, ...)."""
    controls = {
        "mode": ipw.Dropdown(options=["quorum", "async", "sync", "multileader"], value=mode,
                           description="mode"),
        "r": ipw.IntSlider(value=r, min=1, max=3, description="R", continuous_update=False),
        "w": ipw.IntSlider(value=w, min=1, max=3, description="W", continuous_update=False),
        "seed": ipw.IntText(value=seed, description="seed"),
    }
    return Dashboard(controls, lambda **v: compute(**v, **sim), figure, readout=readout, slow=True)
