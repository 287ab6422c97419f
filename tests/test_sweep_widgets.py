"""The notebook-07 dashboard headless: each control changes the FigureWidget's data."""

from __future__ import annotations

import numpy as np
import pytest

from syncmodel import sweep, sweep_targets
from syncmodel.errors import InvalidParameterError
from syncmodel.widgets.sweep import dashboard, heatmap


def toy(a: int, b: float, c: int, seed: int) -> dict[str, float]:
    g = np.random.default_rng(seed)
    return {"sum": a + b + c + g.random(), "prod": a * b * c}


@pytest.fixture(scope="module")
def frames():
    one = sweep.run(toy, {"a": [1, 2, 3], "b": [0.5, 1.5], "c": [10, 20]}, replicates=2,
                    progress=False)
    two = sweep.run(lambda n, p, seed: sweep_targets.availability_point(n, p),
                    {"n": [1, 3, 5], "p": [0.1, 0.2, 0.3, 0.4]}, progress=False)
    return {"toy": one, "availability": two}


def test_columns_split_parameters_and_metrics(frames):
    assert sweep.columns(frames["toy"]) == (["a", "b", "c"], ["sum", "prod"])
    with pytest.raises(InvalidParameterError, match="df"):
        sweep.columns(frames["toy"].drop(columns="seed"))


def test_heatmap_cells_are_the_pivoted_means(frames):
    df = frames["toy"]
    fig = heatmap(df, "b", "a", "prod", labels={"prod": "a·b·c"})
    z = np.asarray(fig.data[0].z)
    assert z.shape == (3, 2)
    # mean of a*b*c over c in {10, 20} and both replicates = a*b*15
    assert np.allclose(z, np.outer([1, 2, 3], [0.5, 1.5]) * 15)
    assert list(fig.data[0].x) == ["0.5", "1.5"] and fig.data[0].colorbar.title.text == "a·b·c"


def test_controls_update_the_figure(frames):
    d = dashboard(frames, labels={"p": "p (node down)"})
    z0 = np.asarray(d.figure.data[0].z).copy()
    d.agg.value = "max"
    assert not np.array_equal(np.asarray(d.figure.data[0].z), z0)
    d.metric.value = "prod"
    assert "prod" in d.figure.layout.title.text
    d.x.value, d.y.value = "c", "b"
    assert list(d.figure.data[0].x) == ["10", "20"] and "a" in d.note.value
    d.which.value = "availability"
    assert d.figure.layout.xaxis.title.text == "p (node down)"
    z = np.asarray(d.figure.data[0].z)
    assert z[1, 0] == pytest.approx(0.9**3 + 3 * 0.9**2 * 0.1)  # n = 3, p = 0.1
    d.metric.value = "nines"
    assert np.asarray(d.figure.data[0].z)[1, 0] == pytest.approx(-np.log10(1 - 0.972))


def test_same_axis_twice_is_a_message_not_a_crash(frames):
    d = dashboard(frames["toy"])
    z0 = np.asarray(d.figure.data[0].z).copy()
    d.x.value = d.y.value
    assert "two different" in d.note.value
    assert np.array_equal(np.asarray(d.figure.data[0].z), z0)


def test_bad_dashboards_are_refused(frames):
    with pytest.raises(InvalidParameterError):
        dashboard({})
    one_param = sweep.run(lambda n, seed: {"v": n}, {"n": [1, 2]}, progress=False)
    with pytest.raises(InvalidParameterError):
        dashboard(one_param)


def test_registered_figure_builds_small():
    from syncmodel.figures import discover

    spec = discover()["sweep_availability_nines"]
    fig = spec.build(small=True)
    z = np.asarray(fig.data[0].z)
    assert z.shape == (4, 8)
    # n = 3 (row 2), p = 0.1 (column 4): −log10(1 − 0.972)
    assert z[2, 4] == pytest.approx(-np.log10(1 - (0.9**3 + 3 * 0.9**2 * 0.1)))
