"""Sync figures, registry entries and ready-made experiments: structure, not pixels."""

from __future__ import annotations

import math

import numpy as np
import pytest

from syncmodel.errors import InvalidParameterError
from syncmodel.figures import discover
from syncmodel.sync import experiments, metrics, simulate_store
from syncmodel.viz.sync import bars_figure, convergence_figure, staleness_figure


def test_staleness_figure_structure():
    curves = {"a": {"t": [0.1, 1.0], "p": [0.5, 0.9], "lo": [0.4, 0.8], "hi": [0.6, 1.0]},
              "b": {"t": [0.1, 1.0], "p": [0.7, 1.0]}}
    pts = {"sim": {"t": [0.1], "p": [0.55], "lo": [0.5], "hi": [0.6]}}
    fig = staleness_figure(curves, pts)
    names = [t.name for t in fig.data]
    assert names == ["a interval", "a", "b", "sim"]
    assert fig.data[-1].error_y.array[0] == pytest.approx(0.05)
    assert fig.layout.xaxis.type == "log"


def test_convergence_and_bars_figures():
    fig = convergence_figure([0, 1, 2], [1, 0.5, 1], c=[2, 1, 3], a=[2, 2, 3], windows=[(0.5, 1.5, "cut")])
    assert [t.name for t in fig.data] == ["|C(S)| / |A(S)|", "|A(S)|", "|C(S)|"]
    assert fig.data[1].yaxis == "y2" and len(fig.layout.shapes) == 1
    fig = bars_figure(["x", "y"], {"s": [1, 2], "t": [3, 4]})
    assert len(fig.data) == 2 and fig.layout.barmode == "group"


def test_registered_sync_figures_build_small():
    reg = discover()
    fig = reg["sync_staleness"].build(small=True)
    assert {t.name for t in fig.data} >= {"LNKD-SSD", "LNKD-DISK", "YMMR", "WAN", "simulated (SSD)"}
    fig = reg["sync_convergence"].build(small=True)
    assert min(fig.data[0].y) < 1.0 and fig.data[0].y[-1] == 1.0


def test_partition_run_converges_and_time_to_converge():
    run = experiments.partition_run("multileader", 3, partition_ms=(300.0, 700.0), seed=1,
                                    duration_ms=1200.0, write_rate_per_s=40.0, read_rate_per_s=10.0)
    cf = metrics.convergence_frame(run)
    t = experiments.time_to_converge(run, 700.0)
    # independent reading of the snapshots: the first one at or after the heal with ratio 1
    first = min(x for x, r in zip(cf.time, cf.ratio, strict=True) if x >= 700.0 and r >= 1.0)
    assert t == pytest.approx(first - 700.0)
    assert 0 <= t < 500
    with pytest.raises(InvalidParameterError):
        experiments.time_to_converge(
            simulate_store("quorum", 3, duration_ms=100.0), 50.0)  # no snapshots


def test_compare_modes_rows_and_seeds():
    df = experiments.compare_modes([("sync", 1, 1), ("async", 1, 1)], runs=2, seed=3, duration_ms=600.0)
    assert len(df) == 4 and set(df.config) == {"sync", "async"}
    assert df.groupby("seed").size().tolist() == [2, 2]
    assert (df[df.config == "sync"].lost_acked_writes == 0).all()
    with pytest.raises(InvalidParameterError):
        experiments.compare_modes(runs=0)


def test_pbs_curves_are_monotone():
    curves = experiments.pbs_curves(3, 1, 1, profiles=("LNKD-SSD", "YMMR"), t_ms=[0, 1, 10, 100, 5000],
                                    trials=5000, seed=1)
    for c in curves.values():
        assert np.all(np.diff(c.fresh) >= 0) and math.isclose(c.fresh[-1], 1.0, abs_tol=0.01)


@pytest.mark.parametrize(("call", "name"), [
    # found by fuzzing: AttributeError / TypeError / ValueError / IndexError / KeyError from inside
    *[(lambda f=f: f("run"), "run") for f in (
        metrics.lost_write_ids, metrics.replication_lag, metrics.reads_frame, metrics.k_staleness,
        metrics.conflict_rate, metrics.lost_updates, metrics.counter_values,
        metrics.convergence_frame, metrics.summary)],
    (lambda: metrics.t_visibility_reads(None, [0.0, 1.0]), "run"),
    (lambda: metrics.t_visibility_reads(simulate_store("quorum", 3, duration_ms=100.0), {}), "edges"),
    (lambda: metrics.t_visibility_reads(simulate_store("quorum", 3, duration_ms=100.0), "x"), "edges"),
    (lambda: experiments.time_to_converge(None, 1.0), "run"),
    (lambda: experiments.time_to_converge(simulate_store("quorum", 3, duration_ms=100.0), "x"), "after_ms"),
    (lambda: experiments.time_to_converge(simulate_store("quorum", 3, duration_ms=100.0), math.nan),
     "after_ms"),
    (lambda: experiments.pbs_curves(profiles=None), "profiles"),
    (lambda: experiments.pbs_curves(profiles="YMMR"), "profiles"),
    (lambda: experiments.pbs_curves(profiles=[[]]), "profiles"),
    (lambda: experiments.compare_modes(configs=None), "configs"),
    (lambda: experiments.compare_modes(configs=[("quorum", 2)]), "configs"),
    (lambda: experiments.compare_modes(runs=True), "runs"),
    (lambda: experiments.compare_modes(duration_ms="x"), "duration_ms"),
    (lambda: experiments.partition_run(n=2.5), "n"),
    (lambda: experiments.partition_run(minority=None), "minority"),
    (lambda: experiments.partition_run(minority=[[]]), "minority"),
    (lambda: experiments.partition_run(minority=(9,)), "minority"),
    (lambda: experiments.partition_run(partition_ms=(1.0,)), "partition_ms"),
    (lambda: experiments.partition_run(partition_ms={}), "partition_ms"),
    (lambda: experiments.partition_run(partition_ms=(200.0, 100.0)), "partition_ms"),
])
def test_experiments_and_metrics_bad_input_found_by_fuzzing(call, name):
    with pytest.raises(InvalidParameterError, match=f"^{name} must"):
        call()


def test_sloppy_figure_structure():
    from syncmodel.sync import sloppy
    from syncmodel.viz.sync import sloppy_figure

    fig = sloppy_figure([0.01, 0.1], {"a": [1e-3, 1e-2], "b": [1e-6, 1e-4]},
                        {"a": [0.0, 0.0], "b": [0.01, 0.02]})
    assert [t.name for t in fig.data] == ["a", "b", "a", "b"]
    assert [t.showlegend for t in fig.data] == [True, True, False, False]
    assert fig.data[1].y[0] == pytest.approx(6.0) and fig.data[3].xaxis == "x2"
    fig = discover()["sync_sloppy"].build(small=True)
    assert len(fig.data) == 6
    strict, m5 = fig.data[0], fig.data[1]
    p = np.asarray(strict.x, dtype=float)
    # independent: P(write fails) = P(≥ 2 of 3 down) strict, P(≥ 4 of 5 down) sloppy
    assert np.asarray(strict.y, dtype=float) == pytest.approx(-np.log10(3 * p**2 * (1 - p) + p**3))
    assert np.asarray(m5.y, dtype=float) == pytest.approx(-np.log10(5 * p**4 * (1 - p) + p**5))
    assert max(fig.data[3].y) == 0.0 and min(fig.data[4].y) > 0.0  # strict never stale, sloppy is
    assert fig.data[4].y[-1] == pytest.approx(float(sloppy.stale_read(3, 2, 2, 5, p[-1])))
