"""The validation figure and the committed measurements: built without any server."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from syncmodel.errors import InvalidParameterError
from syncmodel.figures import discover
from syncmodel.figures import validation as fv
from syncmodel.viz.validation import validation_figure

MEASURED = Path(__file__).resolve().parents[1] / "data" / "measured"


def test_validation_figure_structure() -> None:
    fig = validation_figure({"a": {"measured, crash (3)": [1.0, 2.0, 3.0], "model": [1.5, 2.5]},
                             "b": {"measured, crash (3)": [2.0, 3.0, 4.0], "model": [2.0]}, "c": {}})
    assert isinstance(fig, go.Figure) and len(fig.data) == 4
    assert [t.text for t in fig.layout.annotations][:3] == ["a", "b", "c"]
    model = [t for t in fig.data if t.name == "model"]
    assert all(t.line.dash == "dash" for t in model) and model[0].line.color == model[1].line.color
    pair = validation_figure({"a": {"measured, crash": [1.0], "model, crash": [2.0], "model, pause": [3.0]}})
    assert pair.data[0].line.color == pair.data[1].line.color != pair.data[2].line.color
    counted = validation_figure({"a": {"measured, crash (100)": [1.0], "model, crash": [2.0],
                                       "measured, pause (25)": [1.0], "model, pause": [3.0]}})
    colours = [t.line.color for t in counted.data]
    assert colours[0] == colours[1] != colours[2] == colours[3]
    assert sum(bool(t.showlegend) for t in fig.data) == 2  # one legend entry per series name
    assert list(fig.data[0].y) == pytest.approx([1 / 3, 2 / 3, 1.0])
    with pytest.raises(InvalidParameterError, match="panels"):
        validation_figure({})


def test_registered_and_built_from_csvs(tmp_path: Path) -> None:
    assert "validation" in discover()
    settings = fv.PANELS["etcd"][1]
    df = pd.DataFrame({"settings": [settings] * 4, "fault": ["crash"] * 3 + ["pause"],
                       "failover_ms": [900.0, 1000.0, 1100.0, 1200.0]})
    (tmp_path / "etcd_failover.csv").write_text("# provenance\n" + df.to_csv(index=False))
    p = fv.panels(trials=50, directory=tmp_path)
    etcd = p[fv.PANELS["etcd"][0]]
    # etcd's model times out on either fault: one model curve
    assert list(etcd) == ["measured, crash", "model (either fault)", "measured, pause"]
    assert np.isfinite(etcd["model (either fault)"]).all() and len(etcd["model (either fault)"]) == 50
    zk_settings = fv.PANELS["zookeeper"][1]
    zk = pd.DataFrame({"settings": [zk_settings] * 2, "fault": ["crash", "pause"],
                       "failover_ms": [500.0, 1300.0]})
    (tmp_path / "zookeeper_failover.csv").write_text(zk.to_csv(index=False))
    zp = fv.panels(trials=50, directory=tmp_path)[fv.PANELS["zookeeper"][0]]
    assert list(zp) == ["measured, crash", "model, crash", "measured, pause", "model, pause"]
    assert np.median(zp["model, crash"]) < np.median(zp["model, pause"])
    assert fv.overrides("redis", "n=3;down_after_ms=500;sentinels=3") == {
        "nodes": 3, "replicas": 3, "down_after_ms": 500.0, "sentinels": 3}


@pytest.mark.skipif(not (MEASURED / "etcd_failover.csv").exists(), reason="no committed measurements yet")
def test_committed_measurements_have_provenance_and_build_the_figure() -> None:
    for path in sorted(MEASURED.glob("*.csv")):
        if path.name == "comparison.csv":
            continue
        head = path.read_text().splitlines()[:5]
        assert head[0].startswith("# syncmodel testbed measurement"), path
        assert any(h.startswith("# version:") for h in head) and any(h.startswith("# date:") for h in head)
    fig = fv.build(small=True)
    assert len(fig.data) >= 6


@pytest.mark.skipif(not (MEASURED / "etcd_failover.csv").exists(), reason="no committed measurements yet")
def test_validation_dashboard_on_the_shared_mechanism() -> None:
    from syncmodel.widgets import validation as wv

    opts = wv.choices()
    assert opts and all("|" in value for _, value in opts)
    zk = next(value for _, value in opts if value.startswith("zookeeper|"))
    result = wv.compute(zk, 200, seed=1)
    assert "model, crash" in result["series"]
    assert any(k.startswith("measured, crash") for k in result["series"])
    assert "KS" in wv.readout(result) and len(wv.figure(result).data) == len(result["series"])
    d = wv.dashboard(model_trials=200)
    d.controls["choice"].value = zk
    d.wait()
    assert "crash" in d.status.value
    with pytest.raises(InvalidParameterError, match="choice"):
        wv.compute("etcd", 100)


@pytest.mark.skipif(not (MEASURED / "etcd_failover.csv").exists(), reason="no committed measurements yet")
def test_dashboard_draws_one_model_curve_when_the_model_ignores_the_fault() -> None:
    """08's dashboard: etcd's model gives the same samples for a crash and a pause (drawn once,
    or one curve would hide the other); ZooKeeper's differ (two curves)."""
    from syncmodel import testbed
    from syncmodel.testbed.report import settings_of
    from syncmodel.widgets.validation import choices, compute

    for label, choice in choices():
        system, settings = choice.split("|", 1)
        n, st = settings_of(settings)
        crash, pause = (testbed.predicted_failover(system, 200, seed=0, n=n, fault=f, **st)
                        for f in ("crash", "pause"))
        models = [k for k in compute(choice, 200, seed=0)["series"] if k.startswith("model")]
        if np.array_equal(crash, pause):
            assert models == ["model (either fault)"], label
        else:
            assert set(models) <= {"model, crash", "model, pause"} and models, label
