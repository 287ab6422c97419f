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

__all__ = ["comparison_table", "failover_column", "settings_of", "stale_rows"]

NUMERIC = ("heartbeat_ms", "election_timeout_ms", "tick_ms", "sync_limit", "init_limit", "down_after_ms",
           "failover_timeout_ms", "sentinels", "sentinel_quorum")


def failover_column(df: pd.DataFrame) -> str:
    """The failover time to compare with the model: ``server_ms`` (the end as the servers' own
    logs time it, without the polling client) where every trial has it, else ``failover_ms``
    (older measurements: the client's observation, which adds its polling delay)."""
    from ..errors import invalid

    if not hasattr(df, "columns") or "failover_ms" not in df.columns:
        raise invalid("df", df, "a DataFrame with a failover_ms column")
    if "server_ms" in df.columns and df["server_ms"].notna().sum() == df["failover_ms"].notna().sum():
        return "server_ms"
    return "failover_ms"


def settings_of(text: str) -> tuple[int, dict[str, Any]]:
    """Parse a ``settings`` cell ("n=3;heartbeat_ms=50;...") into (n, {setting: number})."""
    from ..errors import check_int, check_real, invalid

    if not isinstance(text, str):
        raise invalid("text", text, 'a settings string such as "n=3;heartbeat_ms=50"')
    n, out = 3, {}
    for part in text.split(";"):
        if "=" not in part:
            continue
        k, v = part.split("=", 1)
        try:
            if k == "n":
                n = check_int("text", int(v), 1, 99)
            elif k in NUMERIC:
                out[k] = check_real("text", float(v), 0.0)
        except ValueError:  # int("x"), float("x"): name the whole cell
            raise invalid("text", text, f"{k}= followed by a number") from None
    return n, out


def comparison_table(directory: Path | str | None = None, model_trials: int = 2000, seed: int = 0
                     ) -> pd.DataFrame:
    """Measured vs predicted for every measurement file present in ``directory`` (data/measured/)."""
    import pandas as pd

    from .. import systems
    from .compare import compare
    from .data import MEASURED_DIR, read_measured
    from .experiments import predicted_failover

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
        if (d / f"{system}_stale_reads.csv").exists():
            rows += stale_rows(read_measured(system, "stale_reads", d), system)
    if (d / "redis_lost_writes.csv").exists():
        df = read_measured("redis", "lost_writes", d)
        for key, g in df.groupby(["wait_replicas", "lag_ms"]):
            k: tuple[Any, ...] = tuple(key) if isinstance(key, tuple) else (key,)
            wait, lag = int(k[0]), float(k[1])
            model = systems.preset("redis", wait_replicas=wait)
            after = g["kill_after_ms"] if "kill_after_ms" in g.columns else [0.0] * len(g)
            preds = [systems.lost_writes(model, writes=int(w), rate_per_s=float(r), lag_ms=lag,
                                         lag_shape="constant", crash_after_ms=max(0.0, float(ka)),
                                         seed=seed + i).lost
                     for i, (w, r, ka) in enumerate(zip(g["writes"], g["rate_per_s"], after, strict=True))]
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


def stale_rows(df: pd.DataFrame, system: str) -> list[dict[str, Any]]:
    """One comparison row per (settings, delay) of a stale-read measurement.

    measured_median = the stale fraction (``measured_median_lo``/``_hi``: its 95 % Wilson
    interval); predicted_median = the model (:func:`~syncmodel.testbed.staleness.predicted_stale`)
    at the median measured delay, its race times fitted to this run's ``lag_ms`` and
    ``rtt_ms`` columns (:func:`~syncmodel.testbed.staleness.fit_race`, listed in
    ``model_params``); predicted_empirical = the same race on the measured samples themselves,
    mean over all pairs of [lag > delay + rtt]; predicted_old = the previous model (apply lag
    Exp(1 ms) from the acknowledgement, the read at the follower at once: e^(−t/1 ms)).
    A file without those columns (measured before they existed) gets the old model only.
    """
    import math

    from .._stats import wilson_interval
    from .staleness import fit_race, predicted_stale

    out: list[dict[str, Any]] = []
    for settings, gs in df.groupby("settings", sort=False):
        n, st = settings_of(str(settings))
        fit: dict[str, float] | None = None
        lag = rtt = None
        if {"lag_ms", "rtt_ms"} <= set(gs.columns) and gs["lag_ms"].notna().sum() >= 10:
            fit = fit_race(gs["lag_ms"], gs["rtt_ms"])
            lag = np.maximum(gs["lag_ms"].dropna().to_numpy(dtype=float), 0.0)
            rtt = gs["rtt_ms"].dropna().to_numpy(dtype=float)
        for target, g in gs.groupby("delay_target_ms", sort=True):
            k, m = int(g["stale"].sum()), len(g)
            lo, hi = wilson_interval(k / m, m, 1.96)
            t = float(g["delay_ms"].median())
            row: dict[str, Any] = {"system": system, "experiment": "stale_reads",
                                   "settings": f"{settings};t={target:g}ms", "fault": "none", "trials": m,
                                   "measured_median": k / m, "measured_median_lo": float(lo),
                                   "measured_median_hi": float(hi), "predicted_old": math.exp(-t)}
            if fit is not None and lag is not None and rtt is not None:
                params = {key: v for key, v in fit.items() if key != "lags"}
                row["predicted_median"] = predicted_stale(system, t, n=n, **params, **st)
                row["predicted_empirical"] = float(np.mean(lag[:, None] > t + rtt[None, :]))
                row["model_params"] = ";".join(f"{key}={v:.4g}" for key, v in params.items())
            else:
                row["predicted_median"] = predicted_stale(system, t, n=n, rtt_ms=0.0, **st)
            out.append(row)
    return out
