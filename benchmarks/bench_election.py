"""Benchmark: syncmodel.sim elections vs the same Raft election written with SimPy.

Both run the Figure 16 set-up (5 servers, leader crash, 2 stale survivors) in the
package's earlier event order and calibration (``fig16.EARLIER_MODEL``: the candidate's
write overlaps its requests, network U(1.5, 2.5) ms, vote write 2 + LogNormal(8, 0.5)
ms, continuous timeouts), which is what the SimPy models implement, side by side in
one process; the table gives elections per second and the ratio, and checks that the
two models' time-to-leader distributions agree.  Then it times the whole Figure 16
reproduction (9100 elections, LogCabin's event order: the calibrated model).
"""

from __future__ import annotations

import math
import time

import numpy as np
import simpy
from scipy.stats import ks_2samp

from syncmodel.election import fig16, figure16, figure16_all
from syncmodel.rng import spawn_ints
from syncmodel.sim.latency import as_latency, buffered

#: the event order and calibration the SimPy models implement
EARLIER = fig16.EARLIER_MODEL
N = 5
BEHIND = {3, 4}  # the stale survivors (node 0 leads and crashes)
MAJORITY = N // 2 + 1


class SimpyRaft:
    """One trial of the Figure 16 experiment as a SimPy model.

    Nodes are SimPy processes reading an inbox Store; a message is a timeout event
    whose callback puts it into the receiver's inbox; election and heartbeat timers
    are timeout events checked against a generation counter on firing.
    """

    def __init__(self, seed: int, lo: float, hi: float, cap: float) -> None:
        self.env = simpy.Environment()
        rng = np.random.default_rng(seed)
        self.u = buffered(rng.random)
        self.lat = as_latency(EARLIER["latency"]).sampler(rng)
        self.disk = as_latency(EARLIER["disk"]).sampler(rng)
        self.lo, self.hi, self.h = lo, hi, lo / 2
        self.cap = cap
        self.inbox = [simpy.Store(self.env) for _ in range(N)]
        self.up = [True] * N
        self.term = [1] * N
        self.voted = [0] * N
        self.role = ["follower"] * N
        self.role[0] = "leader"
        self.leader: list[int | None] = [0] * N
        self.votes: list[set[int]] = [set() for _ in range(N)]
        self.gen = [0] * N
        self.sent = 0
        self.done_at: float | None = None
        self.done = self.env.event()
        for i in range(N):
            self.env.process(self.node(i))
            if i != 0:
                self.reset(i)
        self.heartbeat(0)
        t_crash = self.h * (fig16.WARMUP_HEARTBEATS + self.u())
        self.t_crash = t_crash
        self.env.timeout(t_crash).callbacks.append(lambda _: self.crash(0))

    # -- network and timers --------------------------------------------------------------
    def send(self, src: int, dst: int, msg: tuple) -> None:
        self.sent += 1
        if not (self.up[src] and self.up[dst]):
            return
        ev = self.env.timeout(self.lat(), value=(src, msg))
        ev.callbacks.append(lambda e, d=dst: self.up[d] and self.inbox[d].put(e.value))

    def later(self, delay: float, fn, *args) -> None:
        self.env.timeout(delay).callbacks.append(lambda _: fn(*args))

    def reset(self, i: int) -> None:
        self.gen[i] += 1
        g = self.gen[i]
        d = self.lo + (self.hi - self.lo) * self.u()
        self.env.timeout(d).callbacks.append(lambda _: self.up[i] and g == self.gen[i]
                                             and self.role[i] != "leader" and self.elect(i))

    def crash(self, i: int) -> None:
        self.up[i] = False
        self.gen[i] += 1
        self.role[i] = "follower"

    def heartbeat(self, i: int) -> None:
        if self.up[i] and self.role[i] == "leader":
            for j in range(N):
                if j != i:
                    self.send(i, j, ("ae", self.term[i], i))
            self.later(self.h, self.heartbeat, i)

    # -- protocol ---------------------------------------------------------------------------
    def elect(self, i: int) -> None:
        self.term[i] += 1
        self.role[i] = "candidate"
        self.leader[i] = None
        self.voted[i] = i
        self.votes[i] = {i}
        self.reset(i)
        for j in range(N):
            if j != i:
                self.send(i, j, ("rv", self.term[i], i, 0 if i in BEHIND else 1))

    def step_up(self, i: int, term: int) -> None:
        if term > self.term[i]:
            self.term[i] = term
            self.voted[i] = -1
            if self.role[i] == "leader":
                self.reset(i)
            self.role[i] = "follower"

    def node(self, i: int):
        inbox = self.inbox[i]
        while True:
            src, msg = yield inbox.get()
            if self.up[i]:
                self.handle(i, src, msg)

    def handle(self, i: int, src: int, msg: tuple) -> None:
        if True:
            kind, term = msg[0], msg[1]
            if kind == "rv":
                self.step_up(i, term)
                rank = 0 if i in BEHIND else 1
                if term == self.term[i] and self.voted[i] in (-1, msg[2]) and msg[3] >= rank:
                    self.voted[i] = msg[2]
                    self.reset(i)
                    self.later(self.disk(), self.send, i, src, ("rvr", term, True))
                else:
                    self.send(i, src, ("rvr", self.term[i], False))
            elif kind == "rvr":
                if term > self.term[i]:
                    self.step_up(i, term)
                elif self.role[i] == "candidate" and term == self.term[i] and msg[2]:
                    self.votes[i].add(src)
                    if len(self.votes[i]) >= MAJORITY:
                        self.role[i] = "leader"
                        self.leader[i] = i
                        self.heartbeat(i)
            elif kind == "ae":
                if term < self.term[i]:
                    self.send(i, src, ("aer", self.term[i]))
                    return
                self.step_up(i, term)
                self.role[i] = "follower"
                self.leader[i] = msg[2]
                self.reset(i)
                self.send(i, src, ("aer", term))
                self.check(msg[2], term)
            elif kind == "aer" and term > self.term[i]:
                self.step_up(i, term)

    def check(self, leader: int, term: int) -> None:
        if term <= 1 or self.done_at is not None or self.role[leader] != "leader":
            return
        if all(self.leader[j] == leader and self.term[j] == term for j in range(1, N)
               if self.up[j] and j != leader):
            self.done_at = self.env.now
            self.done.succeed()

    def run(self) -> float:
        self.env.run(until=simpy.AnyOf(self.env, [self.done, self.env.timeout(
            self.t_crash + self.cap)]))
        return (self.done_at - self.t_crash) if self.done_at is not None else float("nan")


class SimpyRaftProcesses(SimpyRaft):
    """The same model written the usual SimPy way: every message in transit, disk write
    and heartbeat wait is a process, and each node waits on ``inbox.get() | timeout``
    until its election deadline."""

    def __init__(self, seed: int, lo: float, hi: float, cap: float) -> None:
        self.deadline = [math.inf] * N
        super().__init__(seed, lo, hi, cap)

    def send(self, src: int, dst: int, msg: tuple) -> None:
        self.sent += 1
        if self.up[src] and self.up[dst]:
            self.env.process(self._transit(src, dst, msg, self.lat()))

    def _transit(self, src: int, dst: int, msg: tuple, delay: float):
        yield self.env.timeout(delay)
        if self.up[dst]:
            self.inbox[dst].put((src, msg))

    def later(self, delay: float, fn, *args) -> None:
        self.env.process(self._later(delay, fn, args))

    def _later(self, delay: float, fn, args):
        yield self.env.timeout(delay)
        fn(*args)

    def reset(self, i: int) -> None:
        self.deadline[i] = self.env.now + self.lo + (self.hi - self.lo) * self.u()

    def node(self, i: int):
        env, inbox = self.env, self.inbox[i]
        while self.up[i]:
            get = inbox.get()
            if self.role[i] == "leader":
                src, msg = yield get
            else:
                res = yield get | env.timeout(max(self.deadline[i] - env.now, 0.0))
                if get not in res:
                    get.cancel()
                    if self.up[i] and env.now >= self.deadline[i] and self.role[i] != "leader":
                        self.elect(i)
                    continue
                src, msg = get.value
            if self.up[i]:
                self.handle(i, src, msg)


def simpy_trials(lo: float, hi: float, trials: int, seed: int, cap: float,
                 model: type[SimpyRaft] = SimpyRaft) -> np.ndarray:
    return np.array([model(s, lo, hi, cap).run() for s in spawn_ints(seed, trials)])


def _best_cpu(fn, repeats: int) -> tuple[float, object]:
    """Least CPU time (process_time: other processes on the machine do not count) of runs."""
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.process_time()
        out = fn()
        best = min(best, time.process_time() - t0)
    return best, out


def main() -> None:
    cap = fig16.TIME_CAP_MS
    figure16((150, 300), trials=20, seed=0, **EARLIER)  # warm up imports and caches on every side
    simpy_trials(150, 300, 20, seed=0, cap=cap)
    simpy_trials(150, 300, 20, seed=0, cap=cap, model=SimpyRaftProcesses)
    print("elections per CPU second (time.process_time), best of 3 interleaved runs per model;")
    print("SimPy-p: the usual SimPy style (processes for messages, timers as get|timeout);")
    print("SimPy-cb: a tuned SimPy model (timeout callbacks instead of processes)")
    print(f"{'timeout range':13s} {'trials':>6s} {'syncmodel':>10s} {'SimPy-p':>8s} "
          f"{'SimPy-cb':>9s} {'×p':>5s} {'×cb':>5s} {'median ms ours/p/cb':>22s} {'KS p':>6s}")
    ratios_p, ratios_cb = [], []
    for (lo, hi), trials in (((150, 300), 500), ((150, 200), 500), ((150, 155), 200),
                             ((12, 24), 300)):
        best = {"ours": math.inf, "p": math.inf, "cb": math.inf}
        out: dict[str, np.ndarray] = {}
        for _ in range(3):
            for key, fn in (
                ("ours", lambda lo=lo, hi=hi, k=trials: figure16((lo, hi), k, 7, **EARLIER)[
                    "time_to_leader_ms"].to_numpy()),
                ("p", lambda lo=lo, hi=hi, k=trials: simpy_trials(lo, hi, k, 8, cap,
                                                                  SimpyRaftProcesses)),
                ("cb", lambda lo=lo, hi=hi, k=trials: simpy_trials(lo, hi, k, 8, cap)),
            ):
                t, arr = _best_cpu(fn, 1)
                best[key] = min(best[key], t)
                out[key] = np.asarray(arr, dtype=float)
        a, b, c = (out[k][np.isfinite(out[k])] for k in ("ours", "p", "cb"))
        ks = ks_2samp(a, c)
        rate = {k: trials / v for k, v in best.items()}
        ratios_p.append(rate["ours"] / rate["p"])
        ratios_cb.append(rate["ours"] / rate["cb"])
        print(f"{lo:g}-{hi:g} ms{'':5s} {trials:6d} {rate['ours']:10.0f} {rate['p']:8.0f} "
              f"{rate['cb']:9.0f} {ratios_p[-1]:5.2f} {ratios_cb[-1]:5.2f} "
              f"{np.median(a):8.1f}/{np.median(b):6.1f}/{np.median(c):6.1f} {ks.pvalue:6.3f}")
        ks_p = ks_2samp(a, b).pvalue
        if min(ks.pvalue, ks_p) < 0.001:
            raise SystemExit(f"the models disagree at {lo:g}-{hi:g} ms "
                             f"(KS p={ks.pvalue:.2g} vs tuned, {ks_p:.2g} vs usual)")

    def gmean(xs: list[float]) -> float:
        return float(np.exp(np.mean(np.log(xs))))

    print(f"geometric mean speed-up: {gmean(ratios_p):.2f}× the usual SimPy model, "
          f"{gmean(ratios_cb):.2f}× the tuned one (target ≥ 3×)")
    w0, c0 = time.perf_counter(), time.process_time()
    df = figure16_all(seed=2014, progress=False)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    print(f"\nFigure 16 reproduction: {len(df)} elections in {cpu:.2f} CPU s ({wall:.2f} s wall; "
          f"{len(df) / cpu:.0f} elections per CPU second; target < 10 s on one core)")
    for row in fig16.paper_table(df).itertuples():
        print(f"  {row.range:8s} {row.role:11s} {row.statistic:15s} paper {row.paper:8.4g} "
              f"model {row.model:8.4g}  {row.check:12s} {'ok' if row.ok else 'MISS'}")


if __name__ == "__main__":
    main()
