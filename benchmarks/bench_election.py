"""Benchmark: syncmodel.sim elections vs the same Raft election written with SimPy.

Both run the Figure 16 set-up (5 servers, leader crash, 2 stale survivors, network
U(1.5, 2.5) ms, vote write 2 + LogNormal(8, 0.5) ms) side by side in one process;
the table gives elections per second and the ratio, and checks that the two
models' time-to-leader distributions agree.  Then it times the whole Figure 16
reproduction (9100 elections).
"""

from __future__ import annotations

import time

import numpy as np
import simpy
from scipy.stats import ks_2samp

from syncmodel.election import fig16, figure16, figure16_all
from syncmodel.rng import spawn_ints
from syncmodel.sim.latency import buffered

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
        self.lat = fig16.LATENCY.sampler(rng)
        self.disk = fig16.DISK.sampler(rng)
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
            if not self.up[i]:
                continue
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
                    continue
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


def simpy_trials(lo: float, hi: float, trials: int, seed: int, cap: float) -> np.ndarray:
    return np.array([SimpyRaft(s, lo, hi, cap).run() for s in spawn_ints(seed, trials)])


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
    figure16((150, 300), trials=20, seed=0)  # warm up imports and caches on both sides
    simpy_trials(150, 300, 20, seed=0, cap=cap)
    print("CPU seconds (time.process_time), best of 3 interleaved runs per model")
    print(f"{'timeout range':14s} {'trials':>6s} {'syncmodel el/s':>15s} {'SimPy el/s':>11s} "
          f"{'ratio':>6s} {'median ms (ours / SimPy)':>26s} {'KS D':>6s} {'KS p':>6s}")
    ratios = []
    for (lo, hi), trials in (((150, 300), 500), ((150, 200), 500), ((150, 155), 200),
                             ((12, 24), 300)):
        t_ours = t_peer = float("inf")
        ours = peer = np.array([])
        for _ in range(3):
            t, df = _best_cpu(lambda lo=lo, hi=hi, k=trials: figure16((lo, hi), k, 7), 1)
            t_ours, ours = min(t_ours, t), df["time_to_leader_ms"].to_numpy()  # type: ignore[index]
            t, arr = _best_cpu(lambda lo=lo, hi=hi, k=trials: simpy_trials(lo, hi, k, 8, cap), 1)
            t_peer, peer = min(t_peer, t), arr  # type: ignore[assignment]
        a, b = ours[np.isfinite(ours)], peer[np.isfinite(peer)]
        ks = ks_2samp(a, b)
        r_ours, r_peer = trials / t_ours, trials / t_peer
        ratios.append(r_ours / r_peer)
        print(f"{lo:g}-{hi:g} ms{'':6s} {trials:6d} {r_ours:15.0f} {r_peer:11.0f} "
              f"{r_ours / r_peer:6.2f} {np.median(a):12.1f} / {np.median(b):10.1f} "
              f"{ks.statistic:6.3f} {ks.pvalue:6.3f}")
        if ks.pvalue < 0.001:
            raise SystemExit(f"the two models disagree at {lo:g}-{hi:g} ms (KS p={ks.pvalue:.2g})")
    print(f"geometric mean ratio: {float(np.exp(np.mean(np.log(ratios)))):.2f} (target ≥ 3)")
    w0, c0 = time.perf_counter(), time.process_time()
    df = figure16_all(seed=2014)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    print(f"\nFigure 16 reproduction: {len(df)} elections in {cpu:.2f} CPU s ({wall:.2f} s wall; "
          f"{len(df) / cpu:.0f} elections per CPU second; target < 10 s on one core)")
    for row in fig16.compare_with_paper(df):
        print(f"  {row['quantity']:16s} paper: {row['paper']:30s} ours: {row['reproduction']:.3g} "
              f"{row['unit']}")


if __name__ == "__main__":
    main()
