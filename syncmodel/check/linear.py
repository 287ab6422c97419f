"""Linearizability (Herlihy & Wing) by the Wing–Gong–Lowe search with Lowe's cache of
(linearized set, state) and Porcupine's per-key partitioning (a map is linearizable iff
every key is); on a violation, the longest linearizable prefix and a minimal witness.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import InvalidParameterError, check_bool, check_real
from .history import History, Operation, check_history, initial_of
from .models import check_model, step

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Deadline", "LinearizabilityResult", "Op", "effective", "linearizable", "map_step", "points",
           "prune_unobserved", "truncate", "wgl"]


class _Timeout(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Op:
    """An operation as the search sees it: ``t1`` = inf when it may take effect or never."""

    index: int
    f: str
    value: Any
    t0: float
    t1: float


def effective(ops: Sequence[Operation]) -> list[Op]:
    """The operations that constrain a linearization: failed ones did not happen, a read
    that did not return ok observed nothing; info ones may happen (t1 = inf) or not."""
    out = []
    for o in ops:
        if o.type == "fail" or (o.f == "read" and o.type != "ok"):
            continue
        t1 = math.inf if o.type == "info" else o.complete_ms
        try:
            hash(o.value)
        except TypeError:
            raise InvalidParameterError(f"operation {o}: its value must be hashable") from None
        out.append(Op(o.index, o.f, o.value, o.invoke_ms, t1))
    return out


def truncate(ops: Sequence[Op], cut_ms: float) -> list[Op]:
    """The history as seen at ``cut_ms``: operations invoked by then; those not yet
    completed become indeterminate (a pending read is dropped)."""
    out = []
    for o in ops:
        if o.t0 > cut_ms:
            continue
        if o.t1 > cut_ms:
            if o.f == "read":
                continue
            o = Op(o.index, o.f, o.value, o.t0, math.inf)
        out.append(o)
    return out


class Deadline:
    """A wall-clock budget shared by every search of one check (None: no limit)."""

    __slots__ = ("at",)

    def __init__(self, timeout_s: float | None) -> None:
        self.at = math.inf if timeout_s is None else time.perf_counter() + timeout_s

    def check(self) -> None:
        if time.perf_counter() > self.at:
            raise _Timeout


def wgl(ops: Sequence[Op], initial: Any, deadline: Deadline | None = None,
        step_fn: Any = None) -> list[int] | None:
    """Wing–Gong–Lowe: a linearization of ``ops`` (their positions in ``ops``, in order) or None.

    Events (calls and returns) sit in a linked list in time order (calls before returns at
    equal times: such operations overlap). Walking it, a call may be linearized if the
    model allows it in the current state and the (linearized set, state) pair is new; it
    is then lifted out with its return. Meeting a return of an unlinearized operation
    means backtracking. A return at t = inf (an indeterminate operation) is only met once
    every determinate operation is linearized: the rest may never have taken effect.
    A read that is legal when met is linearized at once and never retried elsewhere
    (it changes no state, and nothing that returned before its call is still pending).
    Indeterminate operations with the same function and value are taken in invocation
    order (the earlier one can stand wherever the later one can), which collapses the
    cache for histories with many timed-out writes of few values. An indeterminate write or
    cas is never followed at once by a write: that order is the same as the indeterminate
    one not happening, which the search tries anyway.
    """
    m = len(ops)
    if m == 0:
        return []
    ev = sorted([(o.t0, 0, i) for i, o in enumerate(ops)] + [(o.t1, 1, i) for i, o in enumerate(ops)])
    n = len(ev)
    # nodes 1..n are the events, 0 the head; -1 ends the list
    nxt = [*range(1, n + 1), -1]
    prv = [-1, *range(0, n)]
    op_of = [-1] * (n + 1)
    is_ret = [False] * (n + 1)
    ret_node = [0] * m
    for k, (_, kind, i) in enumerate(ev, 1):
        op_of[k] = i
        if kind:
            is_ret[k] = True
            ret_node[i] = k
    inf_ret = [math.isinf(ops[op_of[k]].t1) if is_ret[k] else False for k in range(n + 1)]
    fs = [o.f for o in ops]
    vals = [o.value for o in ops]
    is_read = [f == "read" for f in fs]
    # indeterminate twins (same function and value) are interchangeable, and the one invoked
    # first can go wherever a later one can: take them in invocation order only
    twin = [-1] * m
    last: dict[tuple[str, Any], int] = {}
    for i in sorted(range(m), key=lambda i: (ops[i].t0, i)):
        if math.isinf(ops[i].t1):
            tk = (fs[i], vals[i])
            twin[i] = last.get(tk, -1)
            last[tk] = i
    blind_info = [math.isinf(o.t1) and o.f in ("write", "cas") for o in ops]
    state = initial
    linearized = 0
    cache: set[tuple[int, Any]] = set()
    stack: list[tuple[int, Any]] = []      # (call node, state before it)
    e = nxt[0]
    steps = 0
    while nxt[0] != -1:
        steps += 1
        if deadline is not None and not steps & 1023:
            deadline.check()
        if e == -1:  # cannot happen: the list ends with a return
            break
        if not is_ret[e]:
            i = op_of[e]
            f = fs[i]
            if twin[i] >= 0 and not linearized >> twin[i] & 1:
                e = nxt[e]
                continue
            if f == "write" and stack and blind_info[op_of[stack[-1][0]]]:
                e = nxt[e]  # overwriting an indeterminate write at once: same as it never happening
                continue
            if step_fn is not None:
                ok, new = step_fn(f, vals[i], state)
            elif f == "read":
                ok, new = vals[i] == state, state
            else:
                ok, new = step(f, vals[i], state)
            if ok:
                lin = linearized | (1 << i)
                key = (lin, new)
                if key not in cache:
                    cache.add(key)
                    stack.append((e, state))
                    state = new
                    linearized = lin
                    r = ret_node[i]
                    # lift the call and its return
                    nxt[prv[e]] = nxt[e]
                    if nxt[e] != -1:
                        prv[nxt[e]] = prv[e]
                    nxt[prv[r]] = nxt[r]
                    if nxt[r] != -1:
                        prv[nxt[r]] = prv[r]
                    e = nxt[0]
                    continue
            e = nxt[e]
            continue
        if inf_ret[e]:
            break  # every determinate operation is linearized
        while True:  # backtrack
            if not stack:
                return None
            c, state = stack.pop()
            i = op_of[c]
            linearized &= ~(1 << i)
            r = ret_node[i]
            nxt[prv[r]] = r
            if nxt[r] != -1:
                prv[nxt[r]] = r
            nxt[prv[c]] = c
            if nxt[c] != -1:
                prv[nxt[c]] = c
            if not is_read[i]:
                e = nxt[c]
                break
    return [op_of[c] for c, _ in stack]


def points(ops: Sequence[Op], order: Sequence[int]) -> list[tuple[int, float]]:
    """A time for each linearized operation, within its interval, non-decreasing along the
    order: point = max(own invocation, previous point) (≤ own completion, since no later
    operation was invoked after this one completed)."""
    out = []
    t = -math.inf
    for i in order:
        t = max(t, ops[i].t0)
        out.append((ops[i].index, t))
    return out


@dataclass(frozen=True)
class LinearizabilityResult:
    """The verdict of :func:`linearizable` and its evidence.

    ``verdict``: True, False, or None (the time budget ran out: unknown). ``prefix_ops``:
    operations invoked in the longest linearizable prefix, which holds every event before
    ``prefix_ms`` (the whole history when linearizable). ``violation``: indices of a
    minimal set of operations that cannot be ordered, on key ``key``: their sub-history
    (cut at ``prefix_ms``) is not linearizable, and dropping any one of them either makes
    it linearizable or leaves a read whose value no remaining operation wrote
    (``minimal`` False if the time budget ran out while shrinking it). ``linearization``:
    (operation index, time) for the order found — of the whole history, or of the longest
    prefix on a violation.
    """

    verdict: bool | None
    model: str
    ops: int
    keys: int
    elapsed_s: float
    prefix_ops: int
    prefix_ms: float
    violation: tuple[int, ...] = ()
    minimal: bool = True
    key: Hashable = None
    linearization: tuple[tuple[int, float], ...] = ()
    per_key_s: dict[Hashable, float] = field(default_factory=dict, compare=False, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row: verdict, model, ops, keys, elapsed_s, prefix_ops, prefix_ms, violation."""
        import pandas as pd

        return pd.DataFrame([{"verdict": self.verdict, "model": self.model, "ops": self.ops,
                              "keys": self.keys, "elapsed_s": self.elapsed_s,
                              "prefix_ops": self.prefix_ops, "prefix_ms": self.prefix_ms,
                              "violation": self.violation, "minimal": self.minimal}])

    def explain(self, history: History) -> str:
        """A few lines a person can read: the verdict and the operations that cannot be ordered."""
        check_history(history)
        if self.verdict is None:
            return f"unknown: the time budget ran out after {self.elapsed_s:.3g} s"
        if self.verdict:
            return f"linearizable ({self.ops} operations, {self.keys} key(s))"
        lines = [f"not linearizable: the longest linearizable prefix holds {self.prefix_ops} of "
                 f"{self.ops} operations; these {len(self.violation)} cannot be ordered"
                 f"{'' if self.minimal else ' (not minimised: time budget)'}:"]
        lines += [f"  {history.ops[i]}  [{history.ops[i].invoke_ms:g}, {history.ops[i].complete_ms:g}]"
                  for i in self.violation]
        return "\n".join(lines)


def map_step(f: str, value: tuple[Any, Any], state: tuple[Any, frozenset[Any]]) -> tuple[bool, Any]:
    """One operation on a whole map held as one object: ``value`` = (key, the operation's value),
    ``state`` = (initial, frozenset of (key, value) items written)."""
    initial, items = state
    key, v = value
    cur = dict(items).get(key, initial)
    ok, new = step(f, v, cur)
    if not ok or (new == cur and (f == "read" or key in dict(items))):
        return ok, state
    return True, (initial, frozenset({**dict(items), key: new}.items()))


def _whole_map(history: History, initial: Any) -> list[Op]:
    return [Op(o.index, o.f, (history.ops[o.index].key, o.value), o.t0, o.t1) for o in effective(history.ops)]


def prune_unobserved(ops: list[Op]) -> list[Op]:
    """Drop indeterminate writes and cas whose value nobody observes (no read returns it, no
    cas expects it): if one took effect, the next operation that looks at the state must
    find another value, so a write or cas overwrote it unseen — the same as it never
    happening. Not for objects with appends (an append builds on the value)."""
    if any(o.f == "append" for o in ops):
        return ops
    seen = {o.value for o in ops if o.f == "read"} | {o.value[0] for o in ops if o.f == "cas"}
    return [o for o in ops if not (math.isinf(o.t1) and o.f in ("write", "cas")
                                   and (o.value[1] if o.f == "cas" else o.value) not in seen)]


def _partitions(history: History, model: str) -> dict[Hashable, list[Op]]:
    if model == "register":
        keys = {o.key for o in history.ops}
        if len(keys) > 1:
            raise InvalidParameterError(f"model='register' checks one object but the history has keys "
                                        f"{sorted(keys, key=repr)[:5]}…; use model='kv'")
        return {next(iter(keys), None): prune_unobserved(effective(history.ops))}
    return {k: prune_unobserved(effective(v)) for k, v in history.by_key().items()}


def _first_bad_cut(ops: list[Op], initial: Any, deadline: Deadline) -> float:
    """The earliest event time whose prefix is not linearizable (ops itself is not)."""
    times = sorted({t for o in ops for t in (o.t0, o.t1) if math.isfinite(t)})
    lo, hi = -1, len(times) - 1     # prefix at times[hi] fails; at times[lo] (or empty) passes
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if wgl(truncate(ops, times[mid]), initial, deadline) is None:
            hi = mid
        else:
            lo = mid
    return times[hi]


def _needs(reader: Op, writer: Op) -> bool:
    """Does ``reader`` (a read, or a cas by its expected value) observe a value ``writer`` makes?"""
    seen = reader.value if reader.f == "read" else reader.value[0] if reader.f == "cas" else _NOTHING
    if seen is _NOTHING:
        return False
    made = writer.value[1] if writer.f == "cas" else writer.value
    if writer.f == "append":
        if isinstance(seen, str) and isinstance(made, str):
            return made in seen
        if isinstance(seen, frozenset):
            return frozenset(made) <= seen
        return True
    return bool(made == seen)


_NOTHING = object()


def _composed(seen: Any, pieces: list[Any], initial: Any) -> bool:
    """Can ``seen`` be built from ``initial`` and appended ``pieces`` (strings: each piece found
    in it is cut out once; sets: their union covers it)? Other values: assume so."""
    if isinstance(seen, str):
        rest = seen[len(initial):] if isinstance(initial, str) and seen.startswith(initial) else seen
        for p in pieces:
            if isinstance(p, str) and p and p in rest:
                rest = rest.replace(p, "", 1)
        return rest == ""
    if isinstance(seen, frozenset):
        have = set(initial or ())
        for p in pieces:
            have |= set(p)
        return seen <= have
    return True


def _explained(ops: Sequence[Op], initial: Any) -> bool:
    """Every value a read (or a cas) observes is the initial one or made by some operation kept."""
    for r in ops:
        if r.f not in ("read", "cas"):
            continue
        seen = r.value if r.f == "read" else r.value[0]
        if seen == initial:
            continue
        pieces = [w.value for w in ops if w.f == "append"]
        if r.f == "read" and pieces:
            if not _composed(seen, pieces, initial):
                return False
            continue
        if not any(w is not r and w.f != "read" and _needs(r, w) for w in ops):
            return False
    return True


def _shrink(ops: list[Op], initial: Any, deadline: Deadline) -> tuple[list[Op], bool]:
    """A minimal sub-history that cannot be ordered: drop one operation at a time while the
    rest stays non-linearizable and explained (no read is left observing a value nobody
    kept makes), until no single operation can go."""
    keep = list(ops)
    try:
        changed = True
        while changed:
            changed = False
            for j in range(len(keep) - 1, -1, -1):
                if j >= len(keep):
                    continue
                trial = keep[:j] + keep[j + 1:]
                gone = keep[j]
                needed = gone.f != "read" and any(_needs(r, gone) for r in trial)
                if needed and not _explained(trial, initial):
                    continue
                if wgl(trial, initial, deadline) is None:
                    keep = trial
                    changed = True
    except _Timeout:
        return keep, False
    return keep, True


def linearizable(history: History, model: str = "register", timeout_s: float | None = None,
                 *, initial: Any = "history", explain: bool = True,
                 partition: bool = True) -> LinearizabilityResult:
    """Is there a single order of the operations, respecting real time (an operation that
    completed before another was invoked comes first), in which each behaves as on one copy?

    ``model``: "register" (one object) or "kv" (a map: checked key by key, which is exact
    because linearizability is local — Herlihy & Wing's P-compositionality). Failed
    operations did not happen; ``info`` ones took effect at some time after their
    invocation, or never. ``initial``: the value of an unwritten key (default: the
    history's). ``timeout_s``: a wall-clock budget; when it runs out the verdict is None.
    ``explain``: on a violation, find the longest linearizable prefix and shrink the
    failing prefix to a minimal set of operations that cannot be ordered. ``partition``
    False (kv only; for benchmarks) searches the whole map as one object, verdict only.

    Worked case: p0 writes 1 over [0, 1]; p1 reads None over [2, 3] — the read began after
    the write completed, so it must see 1: not linearizable.

    >>> from syncmodel.check import from_table
    >>> h = from_table([
    ...     {"process": 0, "type": "ok", "f": "write", "key": None, "value": 1,
    ...      "invoke_ms": 0, "complete_ms": 1},
    ...     {"process": 1, "type": "ok", "f": "read", "key": None, "value": None,
    ...      "invoke_ms": 2, "complete_ms": 3}])
    >>> r = linearizable(h)
    >>> r.verdict, r.violation
    (False, (0, 1))
    """
    model = check_model(model)
    if not isinstance(history, History):
        raise InvalidParameterError(f"history must be a History (see check.load_jepsen / load_edn / "
                                    f"from_table), got {type(history).__name__}")
    if timeout_s is not None:
        timeout_s = check_real("timeout_s", timeout_s, 0.0)
    init = initial_of(history, initial)
    explain = check_bool("explain", explain)
    partition = check_bool("partition", partition)
    t_start = time.perf_counter()
    deadline = Deadline(timeout_s)
    if not partition and model == "kv":
        t = time.perf_counter()
        try:
            whole = wgl(_whole_map(history, init), (init, frozenset()), deadline, step_fn=map_step)
        except _Timeout:
            return LinearizabilityResult(None, model, len(history), 1, time.perf_counter() - t_start,
                                         0, -math.inf)
        verdict = whole is not None
        return LinearizabilityResult(verdict, model, len(history), 1, time.perf_counter() - t_start,
                                     len(history) if verdict else 0, math.inf if verdict else -math.inf,
                                     minimal=verdict)
    parts = _partitions(history, model)
    order: dict[Hashable, list[int]] = {}
    bad: list[Hashable] = []
    per_key: dict[Hashable, float] = {}
    try:
        for k, ops in parts.items():
            t = time.perf_counter()
            found = wgl(ops, init, deadline)
            per_key[k] = time.perf_counter() - t
            if found is None:
                bad.append(k)
            else:
                order[k] = found
    except _Timeout:
        return LinearizabilityResult(None, model, len(history), len(parts), time.perf_counter() - t_start,
                                     0, -math.inf, per_key_s=per_key)
    n = len(history)
    if not bad:
        lin = tuple(sorted((p for k, ops in parts.items() for p in points(ops, order[k])),
                           key=lambda x: x[1]))
        return LinearizabilityResult(True, model, n, len(parts), time.perf_counter() - t_start,
                                     n, math.inf, linearization=lin, per_key_s=per_key)
    if not explain:
        return LinearizabilityResult(False, model, n, len(parts), time.perf_counter() - t_start,
                                     0, -math.inf, minimal=False, key=bad[0], per_key_s=per_key)
    # the longest prefix: every key's prefix must be linearizable; the first bad cut wins
    cuts: dict[Hashable, float] = {}
    try:
        for k in bad:
            cuts[k] = _first_bad_cut(parts[k], init, deadline)
        worst = min(cuts, key=lambda k: cuts[k])
        failing = truncate(parts[worst], cuts[worst])
        witness, minimal = _shrink(failing, init, deadline)
    except _Timeout:
        worst = bad[0]
        cut = cuts.get(worst, math.inf)
        witness, minimal = (truncate(parts[worst], cut) if math.isfinite(cut) else parts[worst]), False
    cut = cuts.get(worst, math.inf)
    prefix_ops = sum(1 for o in history.ops if o.invoke_ms < cut)
    lin_pts: list[tuple[int, float]] = []
    try:
        for k, ops in parts.items():
            pre = [o for o in truncate(ops, math.nextafter(cut, -math.inf))] if math.isfinite(cut) else ops
            found = wgl(pre, init, deadline) if k in bad or math.isfinite(cut) else order[k]
            if found is not None:
                lin_pts += points(pre, found)
    except _Timeout:
        pass
    return LinearizabilityResult(False, model, n, len(parts), time.perf_counter() - t_start,
                                 prefix_ops, cut, tuple(sorted(o.index for o in witness)), minimal,
                                 worst, tuple(sorted(lin_pts, key=lambda x: x[1])), per_key)
