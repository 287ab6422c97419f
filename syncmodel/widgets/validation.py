"""Dashboard of notebook 08: pick a measured system, setting and model-sample count; the measured
failover CDFs (crash, pause) are drawn against the model's for the same settings.

Built on the shared mechanism (:mod:`syncmodel.widgets._dashboard`): the data are the committed
measurements in data/measured/ (no server needed), the figure is :mod:`syncmodel.viz.validation`.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go

from ..errors import invalid
from ..viz.validation import validation_figure
from ._dashboard import Dashboard

__all__ = ["choices", "compute", "dashboard", "figure", "readout"]

SYSTEMS = ("etcd", "zookeeper", "redis")
LABELS = {"etcd": "etcd", "zookeeper": "ZooKeeper", "redis": "Redis Sentinel"}


def choices() -> list[tuple[str, str]]:
    """(label, "system|settings") for every measured failover setting in data/measured/."""
    from .. import testbed

    out = []
    for system in SYSTEMS:
        if not (testbed.MEASURED_DIR / f"{system}_failover.csv").exists():
            continue
        df = testbed.read_measured(system, "failover")
        for settings in dict.fromkeys(df["settings"]):
            short = ";".join(p for p in str(settings).split(";")
                             if not p.startswith(("replica_delay_ms", "sentinel", "init_limit")))
            out.append((f"{LABELS[system]}: {short}", f"{system}|{settings}"))
    return out


def compute(choice: str, model_trials: int, seed: int = 0) -> dict[str, Any]:
    """Measured samples per fault and the model's samples (per fault) for ``choice``."""
    from .. import testbed
    from ..testbed.report import failover_column, settings_of

    if not isinstance(choice, str) or "|" not in choice:
        raise invalid("choice", choice, "'system|settings' from choices()")
    system, settings = choice.split("|", 1)
    df = testbed.read_measured(system, "failover")
    df = df[df["settings"] == settings]
    n, st = settings_of(settings)
    column = failover_column(df)  # the servers' own timing where recorded (the figure's choice)
    model = {fault: np.asarray(testbed.predicted_failover(system, int(model_trials), seed=seed, n=n,
                                                          fault=fault, **st), dtype=float)
             for fault in ("crash", "pause")}
    # a model that does not tell the faults apart draws one curve (two would hide each other)
    same = bool(np.array_equal(model["crash"], model["pause"]))
    series: dict[str, Any] = {}
    rows = []
    for fault in ("crash", "pause"):
        vals = df.loc[df["fault"] == fault, column].to_numpy(dtype=float)
        if not vals.size:
            continue
        series[f"measured, {fault} ({vals.size})"] = vals
        series["model (either fault)" if same else f"model, {fault}"] = model[fault]
        c = testbed.compare(vals, model[fault], column=None, seed=seed).iloc[0]
        rows.append((fault, float(c["measured_median"]), float(c["model_median"]), float(c["ks"])))
    return {"title": f"{LABELS[system]} ({settings.replace(';', ', ')})", "series": series, "rows": rows}


def figure(result: dict[str, Any]) -> go.Figure:
    """One validation panel (the finished figure the dashboard shows)."""
    return validation_figure({result["title"][:70]: result["series"]}, width="single")


def readout(result: dict[str, Any]) -> str:
    """Medians and KS per fault, in one line."""
    parts = [f"{f}: measured median {m:.0f} ms, model {p:.0f} ms, KS {k:.2f}"
             for f, m, p, k in result["rows"]]
    return " · ".join(parts) or "no measurement"


def dashboard(model_trials: int = 1000, seed: int = 0) -> Dashboard:
    """A dropdown of measured settings and a model-sample slider over the validation panel."""
    opts = choices()
    if not opts:
        raise invalid("data/measured", "empty", "committed failover measurements (make validate)")
    controls = {"choice": w.Dropdown(options=opts, value=opts[0][1], description="measured",
                                     layout=w.Layout(width="560px")),
                "model_trials": w.IntSlider(value=int(model_trials), min=100, max=5000, step=100,
                                            description="model samples", continuous_update=False)}
    return Dashboard(controls, lambda choice, model_trials: compute(choice, model_trials, seed), figure,
                     readout=readout, slow=True)


