"""Histories made to order, for tests, benchmarks and notebooks: linearizable by
construction (a sequential run, each operation stretched by random delays around its
point), fully random ones, and one stale read injected into a history.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from ..errors import check_bool, check_int, check_probability, check_real
from ..rng import Seed, as_generator
from .history import History, Operation, check_history
from .models import step

__all__ = ["inject_stale_read", "random_history", "sequential_history"]


def sequential_history(ops: int = 100, clients: int = 5, keys: int = 1, *, seed: Seed = None,
                       read_fraction: float = 0.5, cas_fraction: float = 0.0, info_fraction: float = 0.0,
                       mean_gap_ms: float = 1.0, mean_delay_ms: float = 3.0) -> History:
    """A history that is linearizable by construction.

    Each client issues operations one after another (gaps ~ Exp(``mean_gap_ms``)); each
    operation takes effect at a point ~ Exp(``mean_delay_ms``) after its invocation and
    completes ~ Exp(``mean_delay_ms``) after that point. Executing the operations in the
    order of their points on one copy gives every read its value and every cas its
    outcome (a cas whose comparison fails is recorded as ``fail``: it did not happen). A
    fraction ``info_fraction`` of the operations never answer (``info``): half of those
    took effect, half did not. Writes write unique values (1, 2, 3, …); keys start absent.
    The order of the points is a linearization, so the verdict must be True.
    """
    ops = check_int("ops", ops, 0)
    clients = check_int("clients", clients, 1)
    keys = check_int("keys", keys, 1)
    for name, v in (("read_fraction", read_fraction), ("cas_fraction", cas_fraction),
                    ("info_fraction", info_fraction)):
        check_probability(name, v)
    mean_gap_ms = check_real("mean_gap_ms", mean_gap_ms, 0.0) + 0.0  # + 0.0: -0.0 is 0 (numpy refuses it)
    mean_delay_ms = check_real("mean_delay_ms", mean_delay_ms, 0.0) + 0.0
    rng = as_generator(seed)
    clock = [0.0] * clients
    retired = [0] * clients             # a client that saw an info moves on as a new process
    planned: list[dict[str, Any]] = []
    counter = 0
    for j in range(ops):
        c = int(rng.integers(clients))
        t0 = clock[c] + float(rng.exponential(mean_gap_ms))
        point = t0 + float(rng.exponential(mean_delay_ms))
        t1 = point + float(rng.exponential(mean_delay_ms))
        u = float(rng.random())
        key = int(rng.integers(keys)) if keys > 1 else None
        val: Any
        if u < read_fraction:
            f, val = "read", None
        elif u < read_fraction + cas_fraction:
            f, val = "cas", (int(rng.integers(0, counter + 1)) or None, counter + 1)
            counter += 1
        else:
            counter += 1
            f, val = "write", counter
        info = float(rng.random()) < info_fraction
        happened = not info or f == "read" or float(rng.random()) < 0.5
        planned.append({"process": c * 10_000 + retired[c], "client": c, "f": f, "key": key, "value": val,
                        "t0": t0, "point": point, "t1": math.inf if info else t1,
                        "info": info, "happened": happened, "j": j})
        clock[c] = t1
        if info:
            retired[c] += 1
    state: dict[Any, Any] = {}
    for p in sorted(planned, key=lambda p: (p["point"], p["j"])):
        if not p["happened"]:
            continue
        cur = state.get(p["key"])
        ok, new = step(p["f"], cur if p["f"] == "read" else p["value"], cur)
        if p["f"] == "read":
            p["value"] = cur
        elif p["f"] == "cas" and not ok:
            p["failed"] = True
        state[p["key"]] = new
    planned.sort(key=lambda p: (p["t0"], p["j"]))
    out = []
    for i, p in enumerate(planned):
        if p["info"]:
            type_, value = "info", (None if p["f"] == "read" else p["value"])
        else:
            type_, value = ("fail" if p.get("failed") else "ok"), p["value"]
        out.append(Operation(i, p["process"], p["f"], p["key"], value, type_, p["t0"], p["t1"]))
    return History(tuple(out), None, "generated", {"seed": seed, "generator": "sequential_history"})


def random_history(ops: int = 6, processes: int = 3, keys: int = 1, values: int = 3, *, seed: Seed = None,
                   info_fraction: float = 0.15, fail_fraction: float = 0.1, cas_fraction: float = 0.2,
                   append: bool = False) -> History:
    """A fully random history (mostly not linearizable): each process issues operations one
    after another with random integer times; reads return random values of 0..values-1 or
    None; writes and cas use the same values; ``append`` adds appends of one-letter strings
    (then every key starts as ""). For testing a checker against brute force."""
    ops = check_int("ops", ops, 0)
    processes = check_int("processes", processes, 1)
    keys = check_int("keys", keys, 1)
    values = check_int("values", values, 1, 10_000)  # the value list is built in memory
    info_fraction = check_probability("info_fraction", info_fraction)
    fail_fraction = check_probability("fail_fraction", fail_fraction)
    cas_fraction = check_probability("cas_fraction", cas_fraction)
    append = check_bool("append", append)
    rng = as_generator(seed)
    clock = [0] * processes
    vals: list[Any] = [None, *range(values)]
    out = []
    for _ in range(ops):
        c = int(rng.integers(processes))
        t0 = clock[c] + int(rng.integers(0, 3))
        t1 = t0 + int(rng.integers(0, 4))
        u = float(rng.random())
        key = int(rng.integers(keys)) if keys > 1 else None
        if append:
            f = "read" if u < 0.4 else "append"
            value: Any = ("".join(rng.choice(list("ab"), int(rng.integers(0, 3)))) if f == "read"
                          else str(rng.choice(list("ab"))))
        elif u < 0.4:
            f, value = "read", vals[int(rng.integers(len(vals)))]
        elif u < 0.4 + cas_fraction:
            f, value = "cas", (vals[int(rng.integers(len(vals)))], int(rng.integers(values)))
        else:
            f, value = "write", int(rng.integers(values))
        v = float(rng.random())
        type_ = "info" if v < info_fraction else "fail" if v < info_fraction + fail_fraction else "ok"
        if type_ == "info":
            t1_: float = math.inf
            clock[c] = 10**9  # Jepsen retires a process after an indeterminate operation
            if f == "read":
                value = None
        else:
            t1_ = float(t1)
            clock[c] = t1 + 1
        if clock[c] >= 10**9 and type_ != "info":
            continue
        out.append((float(t0), c, f, key, value, type_, t1_))
        if type_ == "info":
            clock[c] = 10**9
    out.sort(key=lambda r: (r[0], r[1]))
    hist = tuple(Operation(i, c, f, k, v, ty, t0, t1) for i, (t0, c, f, k, v, ty, t1) in enumerate(out)
                 if t0 < 10**9)
    return History(hist, "" if append else None, "generated", {"seed": seed, "generator": "random_history"})


def inject_stale_read(history: History, *, seed: Seed = None) -> tuple[History, int]:
    """The history with one read made stale: a read that began after some write of its key
    completed now returns the value from before that write — the key's initial value, or
    the value of a write that completed before that write was invoked. With unique write
    values and no cas or append on the key this can never be linearized. Returns the new
    history and the index of the changed read (InvalidParameterError if no read qualifies).
    """
    from ..errors import InvalidParameterError

    rng = as_generator(seed)
    history = check_history(history)
    ops = history.ops
    writes = [o for o in ops if o.f == "write" and o.type == "ok"]
    candidates = []
    for r in ops:
        if r.f != "read" or r.type != "ok":
            continue
        if any(o.key == r.key and o.f in ("cas", "append") and o.type != "fail" for o in ops):
            continue
        before = [w for w in writes if w.key == r.key and w.complete_ms < r.invoke_ms]
        if not before:
            continue
        w_new = before[int(rng.integers(len(before)))]
        older = [w.value for w in writes if w.key == r.key and w.complete_ms < w_new.invoke_ms]
        stale_vals = [history.initial, *older]
        candidates.append((r, stale_vals))
    if not candidates:
        raise InvalidParameterError("history has no ok read that began after a completed write of its key")
    r, stale_vals = candidates[int(rng.integers(len(candidates)))]
    stale = stale_vals[int(rng.integers(len(stale_vals)))]
    new_ops = tuple(replace(o, value=stale) if o.index == r.index else o for o in ops)
    return History(new_ops, history.initial, history.source, {**history.meta, "stale_read": r.index}), r.index
