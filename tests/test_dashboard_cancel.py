"""The dashboard mechanism in the kernel (no browser): slow work is cancelled by a newer input,
chunked work gives the one-call model's numbers, and the figure widget resends its state."""

from __future__ import annotations

import threading
import time

import ipywidgets as w
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from syncmodel import election, systems
from syncmodel.widgets._dashboard import Cancelled, Dashboard, live_figure, seed_from, stop_if, update_figure
from syncmodel.widgets.election import simulate_chunked
from syncmodel.widgets.systems import compare_chunked

#: chunks of the fake slow computation and the seconds each takes
CHUNKS, CHUNK_S = 40, 0.025


class FakeSlow:
    """A compute of CHUNKS × CHUNK_S seconds that looks at ``cancelled`` between chunks and
    records, per input value, how many chunks it ran and whether it finished."""

    def __init__(self) -> None:
        self.chunks: dict[int, int] = {}
        self.finished: list[int] = []
        self.started = threading.Event()

    def __call__(self, x: int, cancelled=None) -> int:
        self.chunks[x] = 0
        for _ in range(CHUNKS):
            stop_if(cancelled)
            if x == 1:
                self.started.set()
            time.sleep(CHUNK_S)
            self.chunks[x] += 1
        self.finished.append(x)
        return x


def figure(x: int) -> go.Figure:
    return go.Figure(go.Scatter(x=[0, 1], y=[0, x], name="x"), layout=dict(title=f"x = {x}"))


@pytest.mark.slow  # 1-4 s of real processes/threads: in make test, not the edit loop
def test_a_newer_input_stops_the_running_computation_early():
    fake = FakeSlow()
    slider = w.IntSlider(0, 0, 10)
    dash = Dashboard({"x": slider}, fake, figure, slow=True, debounce_s=0.01)
    assert fake.finished == [0]  # the first render computes in full
    slider.value = 1
    assert fake.started.wait(5.0), "the background run for x = 1 did not start"
    t0 = time.perf_counter()
    slider.value = 2  # arrives while x = 1 is being computed
    assert dash.wait(10.0)
    elapsed = time.perf_counter() - t0
    # x = 1 stopped after at most one more chunk; x = 2 ran in full and is what is shown
    assert 1 not in fake.finished and fake.chunks[1] < CHUNKS
    assert fake.finished == [0, 2] and dash.cancelled_runs == 1
    assert dash.result == 2 and list(dash.figure.data[0].y) == [0, 2]
    assert dash.figure.layout.title.text == "x = 2"
    # the newer result came after one full run plus at most a chunk or two, not two full runs
    assert elapsed < 1.6 * CHUNKS * CHUNK_S


def test_a_compute_without_cancelled_is_called_without_it():
    calls: list[dict] = []

    def compute(x: int) -> int:
        calls.append({"x": x})
        return x

    slider = w.IntSlider(0, 0, 10)
    dash = Dashboard({"x": slider}, compute, figure)
    slider.value = 3
    assert calls == [{"x": 0}, {"x": 3}] and dash.cancelled_runs == 0


def test_stop_if():
    stop_if(None)
    stop_if(lambda: False)
    with pytest.raises(Cancelled):
        stop_if(lambda: True)


@pytest.mark.parametrize("seed", [0, 12345])
@pytest.mark.parametrize("start", [0, 1, 7])
def test_seed_from_continues_the_children_of_the_seed(seed, start):
    expected = [c.generate_state(4) for c in np.random.SeedSequence(seed).spawn(start + 3)[start:]]
    got = [c.generate_state(4) for c in seed_from(seed, start).spawn(3)]
    assert all((a == b).all() for a, b in zip(expected, got, strict=True))


def test_chunked_election_trials_are_the_one_call_trials():
    params = dict(timeout_ms=(150.0, 300.0), loss=0.01)
    one = election.simulate("raft", 5, trials=45, seed=3, **params)
    chunked = simulate_chunked("raft", 5, 45, 3, chunk=20, **params)
    pd.testing.assert_frame_equal(one, chunked)


def test_chunked_election_trials_stop_between_chunks():
    looks = iter([False, True])
    with pytest.raises(Cancelled):
        simulate_chunked("raft", 3, 60, 0, chunk=20, cancelled=lambda: next(looks))


def test_chunked_systems_comparison_is_the_one_call_table():
    names = systems.names()[:3]
    kw = dict(p=0.01, t_ms=5.0, trials=10, writes=50, failed_replicas=1)
    one = systems.compare(names, seed=4, **kw)
    chunked = compare_chunked(names, seed=4, **kw)
    pd.testing.assert_frame_equal(one, chunked)
    assert chunked.attrs["seed"] == 4
    assert set(chunked.attrs["downtime_ms"]) == set(one.attrs["downtime_ms"])
    for name, samples in one.attrs["downtime_ms"].items():
        np.testing.assert_array_equal(samples, chunked.attrs["downtime_ms"][name])


def test_update_resends_the_whole_figure_state():
    """After an update the widget's synced state is the new figure, so a view that attaches late
    (plotly's page-side set-up still loading) draws the current figure."""
    fw = live_figure(figure(1))
    update_figure(fw, figure(5))
    assert list(fw._widget_data[0]["y"]) == [0, 5]
    assert fw._widget_layout["title"]["text"] == "x = 5"
    assert "_plotly_bundle" in fw.keys and len(fw._plotly_bundle) > 1_000_000
    assert len(fw._esm) < 5_000 and "render" in fw._esm


def page_says(fw, content):
    """A custom message from the page's model to the kernel-side widget."""
    fw._page_message(fw, content, [])


def test_a_figure_whose_page_model_does_not_answer_is_replaced(monkeypatch):
    """The page reports a drawn view; the kernel's probe gets no answer (the model died on the
    page): the dashboard puts a new widget with the current figure in its place."""
    from syncmodel.widgets import _dashboard

    monkeypatch.setattr(_dashboard, "LIVENESS_S", 0.05)
    slider = w.IntSlider(0, 0, 10)
    dash = Dashboard({"x": slider}, lambda x: x, figure)
    slider.value = 4
    dead = dash.figure
    page_says(dead, {"syncmodel": "rendered"})
    deadline = time.monotonic() + 5
    while dead.comm is not None and time.monotonic() < deadline:  # closing it is the last step
        time.sleep(0.02)
    new = dash.figure
    assert new is not dead and dash.replaced_figures == 1
    assert new in dash.children and dead not in dash.children and dead.comm is None
    assert list(new.data[0].y) == [0, 4] and new.layout.title.text == "x = 4"
    slider.value = 6  # later inputs go to the new widget
    assert list(dash.figure.data[0].y) == [0, 6] and dash.figure is new


def test_a_figure_whose_page_model_answers_is_kept(monkeypatch):
    from syncmodel.widgets import _dashboard

    monkeypatch.setattr(_dashboard, "LIVENESS_S", 0.05)
    dash = Dashboard({"x": w.IntSlider(0, 0, 10)}, lambda x: x, figure)
    fw = dash.figure
    sent: list[dict] = []
    monkeypatch.setattr(fw, "send", lambda content, buffers=None: sent.append(content))
    page_says(fw, {"syncmodel": "rendered"})
    assert sent == [{"syncmodel": "hello", "id": 1}]
    page_says(fw, {"syncmodel": "alive", "id": 1})
    time.sleep(0.3)
    assert dash.figure is fw and dash.replaced_figures == 0


@pytest.mark.slow  # 1-4 s of real processes/threads: in make test, not the edit loop
def test_replacements_are_bounded(monkeypatch):
    from syncmodel.widgets import _dashboard

    monkeypatch.setattr(_dashboard, "LIVENESS_S", 0.01)
    dash = Dashboard({"x": w.IntSlider(0, 0, 10)}, lambda x: x, figure)
    for i in range(_dashboard.MAX_REPLACEMENTS + 2):
        fw = dash.figure
        page_says(fw, {"syncmodel": "rendered"})
        deadline = time.monotonic() + (5.0 if i < _dashboard.MAX_REPLACEMENTS else 0.5)
        while fw.comm is not None and time.monotonic() < deadline:
            time.sleep(0.02)
    assert dash.replaced_figures == _dashboard.MAX_REPLACEMENTS
    assert dash.figure.comm is not None  # the last one is kept, dead or not
