"""Run elections on the simulated network: one run with its trace, or many as a table.

``run_once`` builds a cluster in a scenario (a crashed leader, a cold start, or a
steady leader), runs it, and measures the election from the trace; ``simulate``
repeats it over independent seeds and returns one row per trial.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import (
    InvalidParameterError,
    check_choice,
    check_ids,
    check_int,
    check_probability,
    check_real,
    invalid,
    too_big,
)
from ..rng import Seed, as_generator, spawn_ints
from ..sim import Latency, Network, Simulator, Trace, as_latency
from ..sim.latency import LatencySpec
from .hashing import hash_election
from .protocols import ALGORITHMS, EVENT_ORDERS, Config, ElectionNode, Monitor, samplers
from .safety import check_safety, max_concurrent_leaders

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["COLUMNS", "DEFAULT_DISK", "DEFAULT_LATENCY", "MAX_TRIALS", "PARAMS", "SCENARIOS", "ElectionRun",
           "run_once", "simulate", "split_brain"]

SCENARIOS = ("crash", "cold", "steady")

#: default one-way network delay and disk write (ms): the Figure 16 calibration (LogCabin on
#: 1 GbE and SSDs; data/election_figure16.toml says why)
DEFAULT_LATENCY: Latency = as_latency(("uniform", 0.1, 0.3))
DEFAULT_DISK: Latency = as_latency(("lognormal", 1.0, 1.0, 1.3))

COLUMNS = ("trial", "seed", "algorithm", "n", "scenario", "elected", "time_to_leader_ms",
           "messages", "terms", "candidacies", "split_votes", "leader", "leader_term",
           "leaders", "max_concurrent_leaders", "safety_violations", "messages_total",
           "end_ms")


@dataclass
class _Plan:
    """Validated settings shared by the trials of one :func:`simulate` call."""

    algorithm: str
    n: int
    cfg: Config
    latency: Latency
    loss: float
    scenario: str
    leader: int
    stale: frozenset[int]
    partition: list[list[int]] | None
    partition_at_ms: float | None
    heal_at_ms: float | None
    cap: float
    run_ms: float | None
    trace_messages: bool
    warmup: int
    need: int | None
    crashes: tuple[tuple[int, float, float | None], ...] = ()


@dataclass
class ElectionRun:
    """One run: its result row, its trace, the network and the election's start time."""

    row: dict[str, Any]
    trace: Trace
    net: Network
    t0: float


def _check_algorithm(algorithm: Any) -> str:
    return check_choice("algorithm", algorithm, sorted(ALGORITHMS))


def _check_n(n: Any) -> int:
    return check_int("n", n, 1)


def _check_timeout(timeout_ms: Any) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in timeout_ms)
    except (TypeError, ValueError, OverflowError):
        raise invalid("timeout_ms", timeout_ms,
                      "a pair (lo, hi) of numbers with 0 < lo ≤ hi") from None
    if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo <= hi):
        raise invalid("timeout_ms", timeout_ms, "a pair (lo, hi) with 0 < lo ≤ hi, finite")
    return lo, hi


def _check_pos(name: str, v: Any, allow_none: bool = True) -> float | None:
    if v is None and allow_none:
        return None
    return check_real(name, v, 0.0, lo_open=True)


def _check_partition(partition: Any, n: int) -> list[list[int]]:
    expected = f"disjoint groups of node ids in 0..{n - 1}"
    if isinstance(partition, (str, bytes)) or not isinstance(partition, Iterable):
        raise invalid("partition", partition, expected)
    try:
        groups = [list(g) for g in partition]
    except TypeError:
        raise invalid("partition", partition, expected) from None
    try:
        ids = check_ids("partition", [i for g in groups for i in g], n, expected)
    except InvalidParameterError:  # name the whole partition
        raise invalid("partition", partition, expected) from None
    if len(set(ids)) != len(ids):
        raise invalid("partition", partition, expected)
    return [[int(i) for i in g] for g in groups]


def _make_plan(algorithm: str = "raft", n: int = 5, *,
               timeout_ms: Sequence[float] = (150.0, 300.0),
               latency: LatencySpec = DEFAULT_LATENCY, disk: LatencySpec = DEFAULT_DISK,
               loss: float = 0.0, heartbeat_ms: float | None = None, scenario: str = "crash",
               behind: int = 0, prevote: bool = False, event_order: str = "logcabin",
               timeout_step_ms: float = 0.0,
               mode: str = "vote", answer_ms: float | None = None,
               partition: Sequence[Sequence[int]] | None = None,
               partition_at_ms: float | None = None, heal_at_ms: float | None = None,
               time_cap_ms: float = 10_000.0, run_ms: float | None = None,
               trace_messages: bool = False, warmup_heartbeats: int = 2,
               established: str = "all",
               crashes: Sequence[Sequence[float | None]] | None = None) -> _Plan:
    """Validate the parameters of :func:`run_once` once for many trials."""
    algorithm = _check_algorithm(algorithm)
    n = _check_n(n)
    lo, hi = _check_timeout(timeout_ms)
    hb = _check_pos("heartbeat_ms", heartbeat_ms)
    heartbeat = hb if hb is not None else lo / 2
    scenario = check_choice("scenario", scenario, SCENARIOS)
    established = check_choice("established", established, ("all", "majority"))
    mode = check_choice("mode", mode, ("vote", "hash"))
    if not isinstance(event_order, str) or event_order not in EVENT_ORDERS:
        raise invalid("event_order", event_order, f"one of {list(EVENT_ORDERS)}")
    step = check_real("timeout_step_ms", timeout_step_ms, 0.0, lo)
    behind = check_int("behind", behind, 0, max(n - 1, 0))
    cap = _check_pos("time_cap_ms", time_cap_ms, allow_none=False)
    assert cap is not None
    lat = as_latency(latency, "latency")
    dsk = as_latency(disk, "disk")
    ans = _check_pos("answer_ms", answer_ms)
    answer = ans if ans is not None else 2.0 * (2.0 * lat.mean + dsk.mean) + 1.0
    if run_ms is not None:
        _check_pos("run_ms", run_ms)
    warmup_heartbeats = check_int("warmup_heartbeats", warmup_heartbeats, 0)

    if partition is None and (heal_at_ms is not None or partition_at_ms is not None):
        raise invalid("partition", partition, "node groups when partition_at_ms/heal_at_ms is set")
    groups = None if partition is None else _check_partition(partition, n)
    if partition_at_ms is not None:
        partition_at_ms = check_real("partition_at_ms", partition_at_ms, 0.0)
    if heal_at_ms is not None:
        heal_at_ms = check_real("heal_at_ms", heal_at_ms, partition_at_ms or 0.0)
    for flag, value in (("prevote", prevote), ("trace_messages", trace_messages)):
        if not isinstance(value, (bool, np.bool_)):
            raise invalid(flag, value, "True or False")
    check_probability("loss", loss)
    faults: list[tuple[int, float, float | None]] = []
    if crashes is not None and (isinstance(crashes, (str, bytes)) or not isinstance(crashes, Iterable)):
        raise invalid("crashes", crashes, "(node, at[, restart_at]) triples")
    for c in crashes or ():
        try:
            node, at, back = (*tuple(c), None)[:3]
        except (TypeError, ValueError, OverflowError):
            raise invalid("crashes", crashes, "(node, at[, restart_at]) triples") from None
        if (not isinstance(node, numbers.Integral) or not 0 <= node < n
                or not isinstance(at, numbers.Real) or not math.isfinite(at) or at < 0
                or (back is not None and not (isinstance(back, numbers.Real) and back >= at))):
            raise invalid("crashes", crashes,
                          f"(node in 0..{n - 1}, at ≥ 0[, restart_at ≥ at]) triples")
        faults.append((int(node), float(at), None if back is None else float(back)))
    cfg = Config(n=n, timeout_lo_ms=lo, timeout_hi_ms=hi, heartbeat_ms=heartbeat, disk=dsk,
                 prevote=bool(prevote), answer_ms=answer, mode=mode, event_order=event_order,
                 timeout_step_ms=step)
    if algorithm == "bully":
        leader = n - 1
    elif algorithm == "hash":
        leader = int(hash_election(range(n)))  # type: ignore[call-overload]  # an id of range(n)
    else:
        leader = 0
    others = [i for i in range(n) if i != leader]
    stale = set(others[len(others) - behind:]) if behind else set()
    return _Plan(algorithm=algorithm, n=n, cfg=cfg, latency=lat, loss=float(loss),
                 scenario=scenario, leader=leader, stale=frozenset(stale),
                 partition=groups,
                 partition_at_ms=partition_at_ms, heal_at_ms=heal_at_ms, cap=cap,
                 run_ms=None if run_ms is None else float(run_ms),
                 trace_messages=bool(trace_messages), warmup=int(warmup_heartbeats),
                 need=None if established == "all" else n // 2 + 1, crashes=tuple(faults))


def _trial(plan: _Plan, seed: Seed) -> ElectionRun:
    """Run one trial of a validated plan."""
    algorithm, n, cfg, leader = plan.algorithm, plan.n, plan.cfg, plan.leader
    scenario, heartbeat = plan.scenario, cfg.heartbeat_ms
    partition, partition_at_ms, heal_at_ms = plan.partition, plan.partition_at_ms, plan.heal_at_ms
    run_ms = plan.run_ms
    sim = Simulator(seed, Trace(messages=plan.trace_messages))
    net = Network(sim, latency=plan.latency, loss=plan.loss)
    mon = Monitor(net, stop_on_leader=run_ms is None, need=plan.need)
    cls = ALGORITHMS[algorithm]
    stale = plan.stale
    nodes: list[ElectionNode] = [cls(cfg, mon, 0 if i in stale else 1) for i in range(n)]
    net.add(nodes)
    u, dk = samplers(net, cfg)
    for p in nodes:
        p.bind(u, dk)

    if partition is not None:
        net.partition(partition, at_ms=partition_at_ms if partition_at_ms is not None else 0.0,
                      heal_at_ms=heal_at_ms)
    for node, at, back in plan.crashes:
        net.crash(node, at_ms=at, restart_at_ms=back)

    if scenario == "cold":
        t0 = 0.0
        net.start()
        mon.arm(0)
    else:
        for p in nodes:
            if p.id == leader:
                p.make_leader(1)
            else:
                p.make_follower(1, leader)
                p.reset_timer()
        if isinstance(nodes[0], ElectionNode) and algorithm == "hash":
            for p in nodes:  # hash nodes beacon on their own schedule
                p.set_timer(heartbeat * u(), "beacon")
        if scenario == "crash":
            t0 = heartbeat * (plan.warmup + u())
            net.crash(leader, at_ms=t0)
        else:
            t0 = float(partition_at_ms) if partition is not None and partition_at_ms else 0.0
        sim.at(t0, lambda _: mon.arm(1))

    stop = run_ms if run_ms is not None else t0 + plan.cap
    sim.run(until=stop)
    end = sim.now
    trace = sim.trace
    elected = mon.established_at is not None
    term0 = 0 if scenario == "cold" else 1
    cands = sum(1 for r in trace.records if r.kind == "candidate" and r.time >= t0)
    leaders_after = {(r.node, r.term) for r in trace.records
                     if r.kind == "leader" and r.time >= t0 and (r.term or 0) > term0}
    max_term = max(p.term for p in nodes)
    row = {
        "algorithm": algorithm, "n": n, "scenario": scenario, "elected": elected,
        "time_to_leader_ms": (mon.established_at - t0) if mon.established_at is not None
        else math.nan,
        "messages": mon.messages_at if mon.messages_at is not None else net.sent,
        "terms": max_term - term0,
        "candidacies": cands,
        "split_votes": max(cands - len(leaders_after), 0) if algorithm in ("raft", "fivestep")
        else 0,
        "leader": mon.leader if mon.leader is not None else -1,
        "leader_term": mon.term if mon.term is not None else -1,
        "leaders": len(leaders_after),
        "max_concurrent_leaders": max_concurrent_leaders(trace, end, since_ms=t0),
        "safety_violations": len(check_safety(trace)),
        "messages_total": net.sent,
        "end_ms": end,
    }
    return ElectionRun(row, trace, net, t0)


def _dispose(run: ElectionRun) -> None:
    """Break the run's reference cycles (processes ↔ network ↔ simulator) so that its
    objects are freed at once by reference counting instead of by the cyclic GC."""
    net = run.net
    sim = net.sim
    for p in net.procs:
        p.__dict__.clear()
    net.procs.clear()
    sim._heap.clear()
    net.__dict__.clear()


#: the keyword parameters of :func:`run_once` / :func:`simulate` (in order)
PARAMS = ("timeout_ms", "latency", "disk", "loss", "heartbeat_ms", "scenario", "behind",
          "prevote", "event_order", "timeout_step_ms", "mode", "answer_ms", "partition",
          "partition_at_ms", "heal_at_ms", "time_cap_ms", "run_ms", "trace_messages",
          "warmup_heartbeats", "established", "crashes")


def _pick(values: dict[str, Any]) -> dict[str, Any]:
    """The :data:`PARAMS` entries of a function's ``locals()``."""
    return {k: values[k] for k in PARAMS}


def run_once(algorithm: str = "raft", n: int = 5, seed: Seed = None, *,
             timeout_ms: Sequence[float] = (150.0, 300.0),
             latency: LatencySpec = DEFAULT_LATENCY, disk: LatencySpec = DEFAULT_DISK,
             loss: float = 0.0, heartbeat_ms: float | None = None, scenario: str = "crash",
             behind: int = 0, prevote: bool = False, event_order: str = "logcabin",
             timeout_step_ms: float = 0.0, mode: str = "vote", answer_ms: float | None = None,
             partition: Sequence[Sequence[int]] | None = None,
             partition_at_ms: float | None = None, heal_at_ms: float | None = None,
             time_cap_ms: float = 10_000.0, run_ms: float | None = None,
             trace_messages: bool = False, warmup_heartbeats: int = 2,
             established: str = "all",
             crashes: Sequence[Sequence[float | None]] | None = None) -> ElectionRun:
    """Run one election and measure it from its trace.

    Scenarios: ``"crash"`` — a steady leader (term 1; Raft and the five-step
    protocol: node 0, Bully: node n−1, hash: the hash winner) crashes at a uniform
    point of its ``warmup_heartbeats + 1``-th heartbeat interval, the election
    starts then; ``"cold"`` — every node starts at time 0 with no leader;
    ``"steady"`` — the leader stays, only ``partition`` disturbs it (the election
    starts when the partition does).  ``behind`` of the non-leader nodes (the
    highest ids) have stale logs and cannot win a Raft vote.  A leader is
    *established* when it leads a term newer than the starting one and every live
    node it can reach follows it (``established="all"``; with ``"majority"``: once a
    majority of the cluster, leader included, follows it); ``time_to_leader_ms`` is
    measured from the start
    of the election to then.  Without ``run_ms`` the run stops at that moment or at
    ``time_cap_ms`` after the start (the row then says ``elected=False``); with
    ``run_ms`` it runs to that absolute time (for partition and safety studies).

    Keyword parameters (all optional): ``timeout_ms=(150, 300)`` election timeout
    range; ``latency`` one-way message delay and ``disk`` the time of one disk write (a
    :class:`~syncmodel.sim.Latency` or a spec such as ``("uniform", 0.1, 0.3)``; the
    defaults are the Figure 16 calibration, data/election_figure16.toml);
    ``event_order`` (Raft): ``"logcabin"`` — blocking writes in LogCabin's order
    (candidate persists, then asks; a voter persists the new term, resets its timer,
    persists its vote, replies; a new leader writes a no-op, then heartbeats) — or
    ``"overlap"``, the earlier model (see :class:`~syncmodel.election.protocols.RaftNode`);
    ``timeout_step_ms`` (default 0: continuous) rounds each timeout draw to that grid
    (LogCabin draws whole milliseconds: ``lround`` of a uniform draw);
    ``loss`` per-message drop probability; ``heartbeat_ms`` (default lo/2);
    ``scenario``; ``behind``; ``prevote`` (Raft); ``mode`` ("vote" or "hash", the
    five-step protocol); ``answer_ms`` (Bully's answer wait, the five-step tally
    window; default 2·(2·E[latency] + E[disk]) + 1); ``partition`` (node groups) with
    ``partition_at_ms`` and ``heal_at_ms``; ``time_cap_ms=10000``; ``run_ms``;
    ``trace_messages`` (record every send/deliver/drop, for timelines);
    ``warmup_heartbeats=2``; ``established`` ("all" or "majority"); ``crashes``: extra
    faults as ``(node, at_ms[, restart_at_ms])`` (a Raft node keeps its term and vote
    across a restart, as if persisted).
    The returned :class:`ElectionRun` holds the row, the trace and the network.
    """
    return _trial(_make_plan(algorithm, n, **_pick(locals())), seed)


#: simulate refuses more trials than this in one call (~200 B a row, ~1 ms a trial: hours, GBs)
MAX_TRIALS = 10**7


def simulate(algorithm: str = "raft", n: int = 5, trials: int = 1, seed: Seed = None, *,
             timeout_ms: Sequence[float] = (150.0, 300.0),
             latency: LatencySpec = DEFAULT_LATENCY, disk: LatencySpec = DEFAULT_DISK,
             loss: float = 0.0, heartbeat_ms: float | None = None, scenario: str = "crash",
             behind: int = 0, prevote: bool = False, event_order: str = "logcabin",
             timeout_step_ms: float = 0.0, mode: str = "vote", answer_ms: float | None = None,
             partition: Sequence[Sequence[int]] | None = None,
             partition_at_ms: float | None = None, heal_at_ms: float | None = None,
             time_cap_ms: float = 10_000.0, run_ms: float | None = None,
             trace_messages: bool = False, warmup_heartbeats: int = 2,
             established: str = "all",
             crashes: Sequence[Sequence[float | None]] | None = None) -> pd.DataFrame:
    """Run ``trials`` independent elections; one row per trial (pandas DataFrame).

    Trial ``i`` uses child seed ``i`` of ``seed`` (``rng.spawn_ints``), recorded in
    column ``seed``, so any row can be re-run alone with :func:`run_once`.  Columns:
    ``trial, seed, algorithm, n, scenario, elected, time_to_leader_ms`` (NaN when no
    leader was established within ``time_cap_ms``), ``messages`` (sent until the
    leader was established), ``terms`` (terms begun), ``candidacies``,
    ``split_votes`` (candidacies that did not win; Raft and five-step),
    ``leader, leader_term, leaders`` (distinct (node, term) leaders after the start),
    ``max_concurrent_leaders, safety_violations, messages_total, end_ms``.
    The keyword parameters are those of :func:`run_once`.

    Worked case: with one node, a cold start elects it at its first timeout; in LogCabin's
    order it first persists its term and vote and, once leader, appends a no-op entry, so
    ``simulate("raft", n=1, seed=0, scenario="cold", timeout_ms=(10, 10), disk=2.0)`` has
    ``time_to_leader_ms`` 10 + 2 + 2 = 14 and 0 messages (10 with ``disk=0``).
    """
    import pandas as pd

    algorithm = _check_algorithm(algorithm)
    n = _check_n(n)
    trials = check_int("trials", trials, 1, hi=None)
    if trials > MAX_TRIALS:
        raise too_big(f"election.simulate(trials={trials})",
                      f"about {200 * trials:.1e} bytes of result rows and {trials:.1e} simulated elections",
                      f"run at most {MAX_TRIALS:.0e} trials per call (batches: sweep.run with replicates)")
    as_generator(seed) if isinstance(seed, int) else None  # validates an int seed early
    plan = _make_plan(algorithm, n, **_pick(locals()))
    seeds = spawn_ints(seed, int(trials))
    rows = []
    for i, s in enumerate(seeds):
        run = _trial(plan, s)
        row = run.row
        _dispose(run)
        row["trial"] = i
        row["seed"] = s
        rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def split_brain(algorithm: str = "raft", n: int = 5, trials: int = 100, seed: Seed = None,
                **params: Any) -> pd.DataFrame:
    """The partition scenario: a cold cluster split into a minority and a majority.

    The nodes start with no leader and the network split ``[0..m−1] | [m..n−1]``
    (m = ⌊(n−1)/2⌋) from time 0 to 1000 ms, healed afterwards; each run lasts
    1500 ms.  A quorum algorithm (Raft) elects only on the majority side; the hash
    algorithm elects on both sides in the same term, which :func:`check_safety`
    reports as ``two_leaders_in_term``.  Same columns as :func:`simulate`; ``params``
    are :func:`simulate`'s keywords (they override the scenario's).  The argument order
    is :func:`simulate`'s: ``(algorithm, n, trials, seed)``.
    """
    n = _check_n(n)
    m = (n - 1) // 2
    unknown = sorted(set(params) - set(PARAMS))
    if unknown:
        raise invalid(unknown[0], params[unknown[0]], f"one of simulate's keywords {list(PARAMS)}")
    params.setdefault("partition", [list(range(m)), list(range(m, n))])
    params.setdefault("partition_at_ms", 0.0)
    params.setdefault("heal_at_ms", 1000.0)
    params.setdefault("run_ms", 1500.0)
    params.setdefault("scenario", "cold")
    return simulate(algorithm, n, trials, seed, **params)


def _split_brain_signature() -> inspect.Signature:
    """:func:`simulate`'s signature with split_brain's defaults, so help() and tab completion
    show every keyword instead of ``**params``."""
    sig = inspect.signature(simulate)
    defaults = {"trials": 100, "partition_at_ms": 0.0, "heal_at_ms": 1000.0, "run_ms": 1500.0,
                "scenario": "cold"}
    return sig.replace(parameters=[q.replace(default=defaults[q.name]) if q.name in defaults else q
                                   for q in sig.parameters.values()])


split_brain.__signature__ = _split_brain_signature()  # type: ignore[attr-defined]
