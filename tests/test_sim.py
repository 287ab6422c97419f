"""Tests of the discrete-event kernel, latency laws and faulty network (syncmodel.sim)."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest

import syncmodel.sim as simpkg
from syncmodel.errors import InvalidParameterError
from syncmodel.sim import (
    Empirical,
    Exponential,
    Fixed,
    LogNormal,
    Network,
    Process,
    Simulator,
    Sum,
    Trace,
    Uniform,
    as_latency,
)

N_DRAWS = 200_000


def _moments(lat, seed=0):
    draw = lat.sampler(np.random.default_rng(seed))
    xs = np.array([draw() for _ in range(N_DRAWS)])
    return xs.mean(), xs.var(), xs


@pytest.mark.parametrize(("lat", "mean", "var"), [
    (Fixed(7.5), 7.5, 0.0),
    (Uniform(5.0, 10.0), 7.5, 25.0 / 12),
    (Exponential(4.0), 4.0, 16.0),
    (Exponential(2.0, shift=3.0), 5.0, 4.0),
    # lognormal: E = m·exp(σ²/2), Var = m²·(exp(σ²) − 1)·exp(σ²)
    (LogNormal(2.0, 0.5, shift=1.0), 1.0 + 2.0 * math.exp(0.125),
     4.0 * (math.exp(0.25) - 1.0) * math.exp(0.25)),
    (Sum(Uniform(0.0, 6.0), Exponential(1.0)), 3.0 + 1.0, 36.0 / 12 + 1.0),
])
def test_latency_moments_match_closed_form(lat, mean, var):
    m, v, xs = _moments(lat)
    assert lat.mean == pytest.approx(mean)
    assert lat.var == pytest.approx(var)
    sd = math.sqrt(var)
    assert abs(m - mean) <= 5 * sd / math.sqrt(N_DRAWS) + 1e-12
    if var > 0:
        # the sample variance's standard error is about sd²·sqrt((κ − 1)/N); allow generously
        assert v == pytest.approx(var, rel=0.05)
    assert xs.min() >= 0


def test_uniform_and_exponential_shapes():
    _, _, u = _moments(Uniform(2.0, 4.0), seed=1)
    assert u.min() >= 2.0 and u.max() <= 4.0
    # P(X ≤ 3) = 1/2 for U(2, 4)
    assert abs(np.mean(u <= 3.0) - 0.5) < 0.01
    _, _, e = _moments(Exponential(5.0), seed=2)
    # P(X > 10) = exp(−10/5)
    assert abs(np.mean(e > 10.0) - math.exp(-2.0)) < 0.01


def test_empirical_resamples_its_values():
    data = [1.0, 2.0, 2.0, 10.0]
    m, _, xs = _moments(Empirical(data), seed=3)
    assert set(np.unique(xs)) <= set(data)
    assert m == pytest.approx(sum(data) / 4, abs=0.05)
    assert abs(np.mean(xs == 2.0) - 0.5) < 0.01


def test_as_latency_specs_and_bad_input():
    assert isinstance(as_latency(3), Fixed)
    assert as_latency(("uniform", 1, 3)).mean == 2.0
    assert as_latency(("exponential", 2.0, 1.0)).mean == 3.0
    for bad in ("fast", ("gauss", 1, 2), ("uniform", 1), -1.0, float("nan"), True):
        with pytest.raises(InvalidParameterError):
            as_latency(bad)
    with pytest.raises(InvalidParameterError, match="hi"):
        Uniform(5, 1)
    with pytest.raises(InvalidParameterError):
        Empirical([])
    with pytest.raises(InvalidParameterError):
        Exponential(float("nan"))


def test_kernel_orders_equal_times_by_sequence_and_cancels():
    sim = Simulator(seed=0)
    seen: list[str] = []
    sim.schedule(5.0, seen.append, "b")
    sim.schedule(1.0, seen.append, "a")
    h = sim.schedule(5.0, seen.append, "dropped")
    sim.schedule(5.0, seen.append, "c")
    sim.cancel(h)
    assert sim.run() == "empty"
    assert seen == ["a", "b", "c"]
    assert sim.now == 5.0


def test_kernel_until_stop_and_bad_delay():
    sim = Simulator(seed=0)
    sim.schedule(10.0, lambda _: None)
    assert sim.run(until=4.0) == "until" and sim.now == 4.0
    sim.schedule(1.0, lambda _: sim.stop())
    sim.schedule(2.0, lambda _: None)
    assert sim.run() == "stopped" and sim.now == 5.0
    for bad in (-1.0, float("nan")):
        with pytest.raises(InvalidParameterError, match="delay"):
            sim.schedule(bad, print)


class Echo(Process):
    """Node 0 broadcasts a numbered ping every ``period`` ms; others record arrivals."""

    def __init__(self, period: float = 10.0) -> None:
        super().__init__()
        self.period = period
        self.k = 0
        self.got: list[tuple[float, int, int]] = []

    def on_start(self) -> None:
        if self.id == 0:
            self.set_timer(0.0, "tick")

    def on_timer(self, name, data):
        self.broadcast(("ping", self.k, self.now))
        self.k += 1
        self.set_timer(self.period, "tick")

    def on_message(self, src, msg):
        self.got.append((self.now, msg[1], src))
        self.log("recv", k=msg[1], delay=self.now - msg[2])


def _echo_run(seed, n=4, until=1000.0, trace=None, **net):
    sim = Simulator(seed=seed, trace=trace)
    network = Network(sim, **net)
    procs = network.add(Echo() for _ in range(n))
    return sim, network, procs


def test_runs_are_deterministic_for_a_seed():
    def run(seed):
        sim, net, _ = _echo_run(seed, latency=Exponential(3.0), loss=0.2)
        net.partition([{0, 1}, {2, 3}], at_ms=200.0, heal_at_ms=400.0)
        net.start()
        sim.run(until=800.0)
        return [(r.time, r.node, r.kind, r.data and r.data.get("k")) for r in sim.trace]

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_delivery_delay_follows_the_latency_law():
    sim, net, _ = _echo_run(11, n=2, latency=Exponential(4.0, shift=1.0))
    net.start()
    sim.run(until=20_000.0)
    d = np.array([r.data["delay"] for r in sim.trace.of_kind("recv")])
    # 2000 pings: mean 5 with sd 4, so the sample mean is within 5·4/√2000 ≈ 0.45
    assert 1990 <= d.size <= 2001  # the last pings may still be in flight
    assert abs(d.mean() - 5.0) < 5 * 4.0 / math.sqrt(d.size)
    assert d.min() >= 1.0


def test_loss_rate_matches_probability():
    sim, net, procs = _echo_run(3, n=5, latency=1.0, loss=0.3)
    net.start()
    sim.run(until=9_995.0)
    # binomial(sent, 0.3): within 5 standard deviations
    sd = math.sqrt(net.sent * 0.3 * 0.7)
    assert abs(net.dropped - 0.3 * net.sent) < 5 * sd
    assert net.sent == net.delivered + net.dropped + 0  # nothing in flight: last ping at 9990
    assert sum(len(p.got) for p in procs) == net.delivered


def test_partition_drops_across_and_heals():
    sim, net, procs = _echo_run(0, n=4, latency=Uniform(1.0, 3.0))
    net.partition([{0, 1}, {2, 3}], at_ms=100.0, heal_at_ms=300.0)
    net.start()
    sim.run(until=500.0)
    for p in procs[2:]:
        times = [t for t, _, _ in p.got]
        # pings sent in [100, 300) never reach the far side; sent at ≥ 300 arrive again
        assert not any(100.0 <= t < 300.0 for t in times)
        assert any(t >= 300.0 for t in times) and any(t < 100.0 for t in times)
    near = [t for t, _, _ in procs[1].got]
    assert any(100.0 <= t < 300.0 for t in near)
    assert not net.connected(0, 2) or sim.now >= 300.0


def test_in_flight_messages_are_dropped_when_a_partition_starts():
    sim = Simulator(seed=0, trace=Trace(messages=True))
    net = Network(sim, latency=10.0)
    procs = net.add(Echo(period=1000.0) for _ in range(2))
    net.partition([{0}, {1}], at_ms=5.0)  # the ping sent at 0 is in flight until 10
    net.start()
    sim.run(until=50.0)
    assert procs[1].got == []
    drops = sim.trace.of_kind("drop")
    assert len(drops) == 1 and drops[0].data["why"] == "cut" and drops[0].time == 10.0


def test_unlisted_nodes_are_isolated_and_bad_groups_rejected():
    sim, net, _ = _echo_run(0, n=3)
    net.partition([{0, 1}])
    assert net.connected(0, 1) and not net.connected(0, 2) and not net.connected(2, 1)
    with pytest.raises(InvalidParameterError):
        net.partition([{0, 1}, {1, 2}])
    with pytest.raises(InvalidParameterError):
        net.partition([{0, 7}])
    with pytest.raises(InvalidParameterError):
        net.crash(9)
    with pytest.raises(InvalidParameterError, match="loss"):
        Network(sim, loss=1.5)
    with pytest.raises(InvalidParameterError, match="loss"):
        Network(sim, loss=float("nan"))


class Ticker(Process):
    """Counts its own timer ticks; restarting starts a fresh tick chain."""

    def __init__(self) -> None:
        super().__init__()
        self.ticks: list[float] = []
        self.crashes = 0

    def on_start(self) -> None:
        self.set_timer(10.0, "t")

    def on_timer(self, name, data):
        self.ticks.append(self.now)
        self.set_timer(10.0, "t")

    def on_crash(self) -> None:
        self.crashes += 1


def test_crash_silences_timers_and_messages_restart_resumes():
    sim = Simulator(seed=0)
    net = Network(sim, latency=1.0)
    t, _ = net.add([Ticker(), Echo(period=5.0)])
    net.crash(0, at_ms=35.0, restart_at_ms=52.0)
    net.start()
    sim.run(until=100.0)
    assert t.crashes == 1
    assert not any(35.0 <= x < 62.0 for x in t.ticks)
    # the old incarnation's timer (due at 40) never fired; the new chain started at 52
    assert [x for x in t.ticks if x > 35.0][:2] == [62.0, 72.0]
    kinds = [r.kind for r in sim.trace.of_kind("crash", "restart")]
    assert kinds == ["crash", "restart"]


def test_doc_example_runs():
    result = doctest.testmod(simpkg)
    assert result.failed == 0 and result.attempted > 5


def test_max_events_and_post():
    sim = Simulator(seed=0)
    seen: list[int] = []
    for i in range(5):
        sim.post(float(i), seen.append, i)
    assert sim.run(max_events=3) == "max_events" and seen == [0, 1, 2]
    assert sim.run() == "empty" and seen == [0, 1, 2, 3, 4] and sim.events == 5


def test_multicast_matches_single_sends():
    # the same seed gives the same delivery times whether a broadcast goes through
    # multicast (no loss) or through per-destination sends (loss = 0 forced slow path)
    def arrivals(links):
        sim = Simulator(seed=4)
        net = Network(sim, latency=Exponential(2.0), links=links)
        procs = net.add(Echo(period=10.0) for _ in range(4))
        net.start()
        sim.run(until=200.0)
        return [p.got for p in procs]

    fast = arrivals(None)
    slow = arrivals({(3, 0): Exponential(2.0)})  # a link override forces single sends
    assert fast == slow


def _net3() -> Network:
    net = Network(Simulator(seed=1))
    net.add(Process() for _ in range(3))
    return net


@pytest.mark.parametrize(("call", "name"), [
    # found by fuzzing: TypeError / IndexError / OverflowError / AttributeError from inside
    (lambda: Simulator(0).schedule("x", print), "delay"),
    (lambda: Simulator(0).at(None, print), "time"),
    (lambda: Simulator(0).run(until="x"), "until"),
    (lambda: Simulator(0).run(max_events=float("inf")), "max_events"),
    (lambda: Simulator(0).cancel(None), "handle"),
    (lambda: _net3().send(0, 7, "m"), "dst"),
    (lambda: _net3().send("x", 1, "m"), "src"),
    (lambda: _net3().multicast(0, [1, 9], "m"), "dsts"),
    (lambda: _net3().multicast(0, 5, "m"), "dsts"),
    (lambda: _net3().connected(0, [1]), "b"),
    (lambda: _net3().partition(5), "groups"),
    (lambda: _net3().partition([[0], [[1]]]), "groups"),
    (lambda: _net3().partition([[0], [1]], at_ms="x"), "at_ms"),
    (lambda: _net3().partition([[0], [1]], at_ms=1.0, heal_at_ms=[]), "heal_at_ms"),
    (lambda: _net3().crash(0, at_ms=1.0, restart_at_ms="x"), "restart_at_ms"),
    (lambda: _net3().start(at_ms=None), "at_ms"),
    (lambda: _net3().add(5), "procs"),
    (lambda: Network(Simulator(0), links=5), "links"),
    (lambda: Network(Simulator(0), links={0: 1.0}), "links"),
    (lambda: Network(None), "sim"),
    (lambda: Exponential(1e308), "scale"),
    (lambda: LogNormal(1e308, 1.0), "median"),
    (lambda: LogNormal(1.0, 1e12), "sigma"),
    (lambda: Uniform(0.0, 1e308), "hi"),
    (lambda: Empirical(["x"]), "samples"),
    (lambda: Uniform(1.0, 2.0).sample(3, 4), "rng"),
    (lambda: Exponential(1.0).sample(None, 4), "rng"),
    (lambda: Fixed(1.0).sample(np.random.default_rng(0), -1), "size"),
    (lambda: Empirical([1.0]).sample(np.random.default_rng(0), 2.5), "size"),
])
def test_bad_input_found_by_fuzzing(call, name):
    with pytest.raises(InvalidParameterError, match=f"^{name} must"):
        call()


def test_send_checks_ids_even_when_the_sender_is_down():
    net = _net3()
    net.crash(0)
    with pytest.raises(InvalidParameterError, match=r"^dst must"):
        net.send(0, 3, "m")  # was silently dropped: the down sender short-circuited the lookup
    assert net.sent == 0
    net.send(0, 1, "m")
    assert (net.sent, net.dropped) == (1, 1)


def test_old_time_keywords_still_work_with_a_warning():
    net = _net3()
    with pytest.warns(DeprecationWarning, match="call it (at|heal_at)_ms"):
        net.partition([[0], [1]], at=1.0, heal_at=2.0)
    with pytest.warns(DeprecationWarning, match="call it (at|restart_at)_ms"):
        net.crash(0, at=1.0, restart_at=3.0)
    with pytest.raises(TypeError):
        net.crash(0, when=1.0)
