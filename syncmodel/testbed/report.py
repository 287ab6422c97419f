"""The comparison table: every committed measurement beside the model's prediction for the same settings.

One row per (system, experiment, settings, fault): trials, measured median and p90, predicted
median, median ratio, KS statistic (failover: on ``server_ms``, the servers' own timing, when the
measurement has it — ``measure`` says which — with the client's median and the observer's share
beside it); measured vs predicted stale fraction; lost writes;
memcached lost fraction vs ring share and 1/n.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["comparison_table", "failover_column", "settings_of"]

NUMERIC = ("heartbeat_ms", "election_timeout_ms", "tick_ms", "sync_limit", "init_limit", "down_after_ms",
           "failover_timeout_ms", "sentinels", "sentinel_quorum")


def failover_column(df: pd.DataFrame) -> str:
    """The failover time to compare with the model: ``server_ms`` (the end as the servers' own
    logs time it, without the polling client) where every trial has it, else ``failover_ms``
    (older measurements: the client's observation, which adds its polling delay)."""
    if "server_ms" in df.columns and df["server_ms"].notna().sum() == df["failover_ms"].notna().sum():
        return "server_ms"
    return "failover_ms"


def settings_of(text: str) -> tuple[int, dict[str, Any]]:
    """Parse a ``settings`` cell ("n=3;heartbeat_ms=50;...") into (n, {setting: number})."""
    n, out = 3, {}
    for part in str(text).split(";"):
        if "=" not in part:
            continue
        k, v = part.split("=", 1)
        if k == "n":
            n = int(v)
        elif k in NUMERIC:
            out[k] = float(v)
    return n, out


def comparison_table(directory: Path | str | None = None, model_trials: int = 2000, seed: int = 0
                     ) -> pd.DataFrame:
    """Measured vs predicted for every measurement file present in ``directory`` (data/measured/)."""
    import pandas as pd

    from .. import systems
    from .compare import compare
    from .data import MEASURED_DIR, read_measured
    from .experiments import predicted_failover, predicted_stale

    d = Path(directory) if directory is not None else MEASURED_DIR
    rows: list[dict[str, Any]] = []
    for system in ("etcd", "zookeeper", "redis"):
        if not (d / f"{system}_failover.csv").exists():
            continue
        df = read_measured(system, "failover", d)
        for (settings, fault), g in df.groupby(["settings", "fault"], sort=False):
            n, st = settings_of(str(settings))
            pred = predicted_failover(system, model_trials, seed=seed, n=n, fault=str(fault), **st)
            col = failover_column(g)
            c = compare(g, pred, column=col, seed=seed).iloc[0]
            client = g["failover_ms"].to_numpy(dtype=float)
            rows.append({"system": system, "experiment": "failover", "settings": settings, "fault": fault,
                         "measure": col, "trials": int(c["trials"]), "timed_out": int(c["missing"]),
                         "measured_median": c["measured_median"],
                         "measured_median_lo": c["measured_median_lo"],
                         "measured_median_hi": c["measured_median_hi"],
                         "measured_p90": c["measured_q0.9"], "predicted_median": c["model_median"],
                         "predicted_p90": c["model_q0.9"], "median_ratio": c["median_ratio"], "ks": c["ks"],
                         "client_median": float(np.nanmedian(client)) if np.isfinite(client).any()
                         else float("nan"),
                         "observer_median": float(np.nanmedian(g["observer_ms"]))
                         if "observer_ms" in g.columns and g["observer_ms"].notna().any() else float("nan")})
    for system in ("etcd", "zookeeper", "redis"):
        if not (d / f"{system}_stale_reads.csv").exists():
            continue
        df = read_measured(system, "stale_reads", d)
        for (settings, target), g in df.groupby(["settings", "delay_target_ms"], sort=True):
            n, st = settings_of(str(settings))
            rows.append({"system": system, "experiment": "stale_reads",
                         "settings": f"{settings};t={target:g}ms",
                         "fault": "none", "trials": len(g), "measured_median": float(g["stale"].mean()),
                         "predicted_median": predicted_stale(system, float(g["delay_ms"].median()), n=n,
                                                             **st)})
    if (d / "redis_lost_writes.csv").exists():
        df = read_measured("redis", "lost_writes", d)
        for key, g in df.groupby(["wait_replicas", "lag_ms"]):
            k: tuple[Any, ...] = tuple(key) if isinstance(key, tuple) else (key,)
            wait, lag = int(k[0]), float(k[1])
            model = systems.preset("redis", wait_replicas=wait)
            preds = [systems.lost_writes(model, writes=int(w), rate_per_s=float(r), lag_ms=lag,
                                         seed=seed + i)["lost"]
                     for i, (w, r) in enumerate(zip(g["writes"], g["rate_per_s"], strict=True))]
            rows.append({"system": "redis", "experiment": "lost_writes",
                         "settings": f"WAIT {wait}; lag {lag:g} ms; {int(g['writes'].iloc[0])} writes",
                         "fault": "crash", "trials": len(g), "measured_median": float(g["lost"].median()),
                         "measured_p90": float(np.quantile(g["lost"], 0.9)),
                         "predicted_median": float(np.median(preds)),
                         "predicted_p90": float(np.quantile(preds, 0.9))})
    if (d / "memcached_key_loss.csv").exists():
        df = read_measured("memcached", "key_loss", d)
        rows.append({"system": "memcached", "experiment": "key_loss", "settings": str(df["settings"].iloc[0]),
                     "fault": "crash", "trials": len(df),
                     "measured_median": float(df["lost_fraction"].median()),
                     "measured_p90": float(np.quantile(df["lost_fraction"], 0.9)),
                     "predicted_median": float(df["arc_share"].median()),
                     "median_ratio": float((df["lost_fraction"] / df["arc_share"]).median()),
                     "one_over_n": float(df["one_over_n"].iloc[0]),
                     "max_abs_error_vs_share": float((df["lost_fraction"] - df["arc_share"]).abs().max())})
    return pd.DataFrame(rows)
