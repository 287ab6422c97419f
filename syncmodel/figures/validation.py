"""Paper figure of notebook 08: failover measured on the real systems against the model's prediction.

Built from the committed measurements in data/measured/ (written by ``make validate``), so it
needs no server; the predictions come from :func:`syncmodel.systems.failover_downtime`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go

from . import register

__all__ = ["INT_KEYS", "MEASURED", "MODEL_KEYS", "PANELS", "build", "overrides", "panels"]

MEASURED = Path(__file__).resolve().parents[2] / "data" / "measured"

#: per system: the settings of the panel (as written in the measurement's ``settings`` column)
PANELS = {
    "etcd": ("etcd: 3 members, 50/500 ms",
             "n=3;election_timeout_ms=500;heartbeat_ms=50"),
    "zookeeper": ("ZooKeeper: tick 200 ms, syncLimit 5",
                  "n=3;init_limit=10;sync_limit=5;tick_ms=200"),
    "redis": ("Redis Sentinel: down-after 500 ms",
              "n=3;down_after_ms=500;failover_timeout_ms=1000;replica_delay_ms=0;sentinel_quorum=2;sentinels=3"),
}
INT_KEYS = ("sync_limit", "init_limit", "sentinels", "sentinel_quorum")
MODEL_KEYS = ("heartbeat_ms", "election_timeout_ms", "tick_ms", "sync_limit", "init_limit",
              "down_after_ms", "failover_timeout_ms", "sentinels", "sentinel_quorum")


def overrides(system: str, settings: str) -> dict[str, Any]:
    """Preset overrides for a measurement's ``settings`` cell ("n=3;heartbeat_ms=50;...")."""
    over: dict[str, Any] = {}
    for part in settings.split(";"):
        k, _, v = part.partition("=")
        if k == "n":
            over["nodes"] = int(v)
            if system == "redis":
                over["replicas"] = int(v)
        elif k in MODEL_KEYS:
            over[k] = int(float(v)) if k in INT_KEYS else float(v)
    return over


def panels(trials: int = 2000, seed: int = 2026, directory: Path = MEASURED) -> dict[str, dict[str, Any]]:
    """{panel title: {"measured, crash (k)": ms, "model, crash": ms, ...}} from the committed CSVs.

    Each measured fault gets the model's samples for that fault
    (``systems.failover_downtime(..., fault=)``; etcd's model does not tell a crash from a
    pause).  The measured values are ``server_ms`` (the servers' own timing of the end of
    the failover) where the file has it, else the client's ``failover_ms``.
    """
    import pandas as pd

    from .. import systems

    out: dict[str, dict[str, Any]] = {}
    for system, (title, settings) in PANELS.items():
        path = directory / f"{system}_failover.csv"
        series: dict[str, Any] = {}
        if path.exists():
            df = pd.read_csv(path, comment="#")
            df = df[df["settings"] == settings]
            m = systems.preset(system, **overrides(system, settings))
            model = {f: np.asarray(systems.failover_downtime(m, trials=trials, seed=seed, fault=f),
                                   dtype=float) for f in ("crash", "pause")}
            same = bool(np.array_equal(model["crash"], model["pause"]))
            for fault in ("crash", "pause"):
                sub = df[df["fault"] == fault]
                vals = sub[_measure(sub)].to_numpy(dtype=float) if len(sub) else np.array([])
                if vals.size:
                    series[f"measured, {fault}"] = vals
                    if same:  # the model does not tell the faults apart: one curve
                        series["model (either fault)"] = model[fault]
                    else:
                        series[f"model, {fault}"] = model[fault]
        out[title] = series
    return out


def _measure(df: Any) -> str:
    """``server_ms`` when every trial has it, else ``failover_ms`` (the rule of
    ``testbed.report.failover_column``; figures do not import the testbed)."""
    if "server_ms" in df.columns and df["server_ms"].notna().sum() == df["failover_ms"].notna().sum():
        return "server_ms"
    return "failover_ms"


@register("validation", "Failover on the real etcd, ZooKeeper and Redis Sentinel against the model's CDF")
def build(small: bool = False) -> go.Figure:
    """Measured failover CDFs (crash, pause) against the predicted CDF, one panel per system."""
    from ..viz.validation import validation_figure

    return validation_figure(panels(trials=100 if small else 2000))
