"""Weaker models, by their definitions (Viotti & Vukolić 2016; Terry et al. 1994): sequential
consistency (a search over program orders), the four session guarantees, and k-staleness
measured on the history (how many completed writes each read missed).
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InvalidParameterError, check_collection, check_int, check_real
from .history import History, Operation, initial_of
from .linear import Deadline, _Timeout, effective
from .models import check_model, step

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["GUARANTEES", "SequentialResult", "k_staleness_curve", "sequentially_consistent",
           "session_guarantees", "staleness"]

GUARANTEES = ("read-your-writes", "monotonic reads", "monotonic writes", "writes-follow-reads")


# -- what each read observed ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _KeyView:
    """Per key: the writes (anything but reads, not failed) and, for every ok read, what it saw."""

    writes: list[Operation]
    sets: bool                          # reads reveal the set of writes seen (append histories)
    seen: dict[int, frozenset[int]]     # sets: read index -> indices of the writes it saw
    dictating: dict[int, int | None]    # register: read index -> the write it returned (None: initial)


def _pieces_in(value: Any, piece: Any) -> bool:
    if isinstance(value, str) and isinstance(piece, str):
        return bool(piece) and piece in value
    if isinstance(value, frozenset):
        return frozenset(piece) <= value
    if isinstance(value, tuple):
        return piece in value if not isinstance(piece, tuple) else all(p in value for p in piece)
    return False


def _made(w: Operation) -> Any:
    return w.value[1] if w.f == "cas" else w.value


def _starts(value: Any, prefix: Any) -> bool:
    if isinstance(value, (str, tuple)) and isinstance(prefix, type(value)):
        return value[:len(prefix)] == prefix
    if isinstance(value, frozenset) and isinstance(prefix, frozenset):
        return prefix <= value
    return bool(value == prefix)


def _view(ops: list[Operation], initial: Any) -> _KeyView:
    writes = [o for o in ops if o.f != "read" and o.type != "fail"]
    reads = [o for o in ops if o.f == "read" and o.type == "ok"]
    sets = any(o.f == "append" for o in writes)
    seen: dict[int, frozenset[int]] = {}
    dictating: dict[int, int | None] = {}
    if sets:
        puts = [w for w in writes if w.f != "append"]
        for r in reads:
            s = {w.index for w in writes if w.f == "append" and _pieces_in(r.value, w.value)}
            base = [p for p in puts if p.invoke_ms <= r.complete_ms and _starts(r.value, _made(p))]
            if base:  # the put it starts from, and (real-time order) every write done before that put
                p = max(base, key=lambda p: (p.invoke_ms, p.index))
                s |= {p.index} | {w.index for w in writes if w.complete_ms < p.invoke_ms}
            seen[r.index] = frozenset(s)
    else:
        by_value: dict[Any, list[Operation]] = {}
        for w in writes:
            by_value.setdefault(w.value[1] if w.f == "cas" else w.value, []).append(w)
        for r in reads:
            cands = [w for w in by_value.get(r.value, []) if w.invoke_ms <= r.complete_ms]
            if cands:  # several writes of one value: the benefit of the doubt, the least stale one
                done = [w for w in writes if w.type == "ok" and w.complete_ms < r.invoke_ms]
                dictating[r.index] = min(cands, key=lambda c: (
                    sum(1 for w in done if w is not c and c.complete_ms < w.invoke_ms),
                    -c.invoke_ms, c.index)).index
            elif r.value == initial:
                dictating[r.index] = None
            else:
                dictating[r.index] = -1  # a value nobody wrote: older than everything, noted
    return _KeyView(writes, sets, seen, dictating)


def _older(h: History, a: int | None, b: int | None) -> bool:
    """Register: is version ``a`` definitely older than ``b`` (the initial value, or a write
    that completed before ``b`` was invoked)? Assumes the system orders writes consistently
    with real time, as every store with timestamps or a leader does."""
    if b is None or b == -1:
        return False
    if a is None or a == -1:
        return True
    return h.ops[a].complete_ms < h.ops[b].invoke_ms


def session_guarantees(history: History) -> pd.DataFrame:
    """One row per session guarantee: ``guarantee``, ``holds`` (True / False, or None when the
    history cannot show it), ``violations`` (reads breaking it), ``checked`` (reads it
    constrains), ``example`` (indices of one violating read and what it conflicts with).

    Sessions are processes; guarantees are judged per key. Definitions (Terry et al.;
    Viotti & Vukolić §3): a read *sees* a set of writes.

    - read-your-writes: a read sees every write its session completed before it;
    - monotonic reads: a read sees everything an earlier read of its session saw;
    - monotonic writes: a read that sees a session's write sees that session's earlier writes;
    - writes-follow-reads: a read that sees a write w sees everything the reads of w's session
      saw before w.

    What a read saw: on append histories (the simulator's, Porcupine's key-value ones) the
    value lists it exactly. On a register it is the write whose value it returned (values
    must be unique) and, assuming writes are ordered consistently with real time, every
    write that completed before that one began; a violation is then only counted when the
    read's write is definitely older (completed before the other was invoked). Monotonic
    writes and writes-follow-reads follow from that assumption on a register, so they are
    reported as None (not observable) there.
    """
    if not isinstance(history, History):
        raise InvalidParameterError(f"history must be a History, got {type(history).__name__}")
    import pandas as pd

    counts = {g: [0, 0, None] for g in GUARANTEES}
    observable = {g: False for g in GUARANTEES}
    for ops in history.by_key().values():
        v = _view(ops, history.initial)
        sessions: dict[Hashable, list[Operation]] = {}
        for o in ops:
            if o.type != "fail" and not (o.f == "read" and o.type != "ok"):
                sessions.setdefault(o.process, []).append(o)
        if v.sets:
            _session_sets(v, sessions, counts, observable)
        else:
            _session_register(history, v, sessions, counts, observable)
    rows = []
    for g in GUARANTEES:
        bad, checked, example = counts[g]
        holds = None if not observable[g] else bad == 0
        rows.append({"guarantee": g, "holds": holds, "violations": bad, "checked": checked,
                     "example": example})
    return pd.DataFrame(rows, columns=["guarantee", "holds", "violations", "checked", "example"])


def _note(counts: dict[str, list[Any]], g: str, bad: bool, example: tuple[int, ...]) -> None:
    c = counts[g]
    c[1] += 1
    if bad:
        c[0] += 1
        if c[2] is None:
            c[2] = example


def _session_sets(v: _KeyView, sessions: dict[Hashable, list[Operation]], counts: dict[str, list[Any]],
                  observable: dict[str, bool]) -> None:
    for g in GUARANTEES:
        observable[g] = True
    # for writes-follow-reads / monotonic writes: what each write's session had seen / written before it
    before_w_seen: dict[int, frozenset[int]] = {}
    before_w_writes: dict[int, frozenset[int]] = {}
    for sess in sessions.values():
        seen_so_far: frozenset[int] = frozenset()
        wrote: list[Operation] = []
        for o in sess:
            if o.f == "read":
                s = v.seen[o.index]
                own = frozenset(w.index for w in wrote if w.type == "ok" and w.complete_ms <= o.invoke_ms)
                missing = own - s
                _note(counts, "read-your-writes", bool(missing), (o.index, *sorted(missing)))
                lost = seen_so_far - s
                _note(counts, "monotonic reads", bool(lost), (o.index, *sorted(lost)))
                seen_so_far |= s
            else:
                before_w_seen[o.index] = seen_so_far
                before_w_writes[o.index] = frozenset(w.index for w in wrote)
                wrote.append(o)
    reads = [o for sess in sessions.values() for o in sess if o.f == "read"]
    for r in reads:
        s = v.seen[r.index]
        mw = [w for w in s if before_w_writes.get(w)]
        if mw:
            missing = frozenset().union(*(before_w_writes[w] for w in mw)) - s
            _note(counts, "monotonic writes", bool(missing), (r.index, *sorted(missing)))
        wfr = [w for w in s if before_w_seen.get(w)]
        if wfr:
            missing = frozenset().union(*(before_w_seen[w] for w in wfr)) - s
            _note(counts, "writes-follow-reads", bool(missing), (r.index, *sorted(missing)))


def _session_register(h: History, v: _KeyView, sessions: dict[Hashable, list[Operation]],
                      counts: dict[str, list[Any]], observable: dict[str, bool]) -> None:
    observable["read-your-writes"] = observable["monotonic reads"] = True
    for sess in sessions.values():
        earlier: list[int | None] = []       # the versions the session's reads returned so far
        own: list[Operation] = []
        for o in sess:
            if o.f != "read":
                own.append(o)
                continue
            d = v.dictating[o.index]
            mine = [w.index for w in own if w.type == "ok" and w.complete_ms <= o.invoke_ms]
            newer = [w for w in mine if w != d and _older(h, d, w)]
            _note(counts, "read-your-writes", bool(newer), (o.index, *newer))
            if earlier:
                fresher = [e for e in earlier if e != d and _older(h, d, e)]
                _note(counts, "monotonic reads", bool(fresher),
                      (o.index, *(e for e in fresher if e is not None and e >= 0)))
            earlier.append(d)


# -- k-staleness ---------------------------------------------------------------------------------------
def staleness(history: History) -> pd.DataFrame:
    """One row per ok read: ``index, process, key, invoke_ms, k`` = how many writes of its key
    that completed (ok) before it was invoked it missed (0: it saw the latest), ``stale`` = k > 0.

    Missed: on append histories, not among the writes its value lists; on a register, newer
    than the write it returned (completed after that write was invoked... i.e. invoked
    after the returned write completed), or every completed write if it returned the initial
    value. This is the k of PBS's k-staleness: P(k < K) is the probability a read returns one
    of the last K versions (compare :func:`syncmodel.sync.pbs.k_staleness`).
    """
    if not isinstance(history, History):
        raise InvalidParameterError(f"history must be a History, got {type(history).__name__}")
    import pandas as pd

    rows = []
    for key, ops in history.by_key().items():
        v = _view(ops, history.initial)
        done = sorted((w for w in v.writes if w.type == "ok"), key=lambda w: w.complete_ms)
        for r in (o for o in ops if o.f == "read" and o.type == "ok"):
            before = [w for w in done if w.complete_ms < r.invoke_ms]
            if v.sets:
                k = sum(1 for w in before if w.index not in v.seen[r.index])
            else:
                d = v.dictating[r.index]
                k = sum(1 for w in before if w.index != d and _older(history, d, w.index))
            rows.append({"index": r.index, "process": r.process, "key": key, "invoke_ms": r.invoke_ms,
                         "k": k, "stale": k > 0})
    return pd.DataFrame(rows, columns=["index", "process", "key", "invoke_ms", "k", "stale"])


def k_staleness_curve(history: History, ks: Sequence[int] = (1, 2, 3, 4, 5)) -> pd.DataFrame:
    """Measured P(a read returns one of the last k versions) = fraction of reads with
    staleness < k, for each k (PBS's k-staleness, measured)."""
    import pandas as pd

    ks = [check_int("ks", k, 1) for k in check_collection("ks", ks, "ints ≥ 1")]
    st = staleness(history)
    n = len(st)
    rows = [{"k": k, "reads": n, "p_measured": float((st["k"] < k).mean()) if n else math.nan}
            for k in ks]
    return pd.DataFrame(rows)


# -- sequential consistency ----------------------------------------------------------------------------
@dataclass(frozen=True)
class SequentialResult:
    """The verdict of :func:`sequentially_consistent`: True, False or None (time budget ran
    out), and the order found (operation indices)."""

    verdict: bool | None
    elapsed_s: float
    order: tuple[int, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row: verdict, elapsed_s, ops ordered."""
        import pandas as pd

        return pd.DataFrame([{"verdict": self.verdict, "elapsed_s": self.elapsed_s, "ops": len(self.order)}])


def sequentially_consistent(history: History, model: str = "kv", timeout_s: float | None = None,
                            *, initial: Any = "history") -> SequentialResult:
    """Is there one order of all operations, keeping each process's own order (but not real
    time across processes), in which each behaves as on one copy (Lamport 1979)? Failed
    operations did not happen; an info one may or may not have (it is its process's last).

    Not local: keys cannot be checked one by one, so this searches the whole history
    (depth first over the processes' progress, caching (progress, state); a legal read is
    taken at once). NP-complete in general — use ``timeout_s``; on timeout the verdict is None.

    Worked case: p0 writes 1 and p1 reads None over later times — not linearizable, but
    sequentially consistent (p1's read may come first).

    >>> from syncmodel.check import from_table
    >>> h = from_table([
    ...     {"process": 0, "type": "ok", "f": "write", "key": None, "value": 1,
    ...      "invoke_ms": 0, "complete_ms": 1},
    ...     {"process": 1, "type": "ok", "f": "read", "key": None, "value": None,
    ...      "invoke_ms": 2, "complete_ms": 3}])
    >>> sequentially_consistent(h).verdict
    True
    """
    check_model(model)
    if not isinstance(history, History):
        raise InvalidParameterError(f"history must be a History, got {type(history).__name__}")
    if timeout_s is not None:
        timeout_s = check_real("timeout_s", timeout_s, 0.0)
    init = initial_of(history, initial)
    t0 = time.perf_counter()
    eff = {o.index: o for o in effective(history.ops)}
    procs: dict[Hashable, list[Operation]] = {}
    for o in history.ops:
        if o.index in eff:
            procs.setdefault(o.process, []).append(o)
    lanes = list(procs.values())
    keyed = model == "kv"
    deadline = Deadline(timeout_s)
    try:
        order = _sc_search(lanes, init, keyed, deadline)
    except _Timeout:
        return SequentialResult(None, time.perf_counter() - t0)
    return SequentialResult(order is not None, time.perf_counter() - t0, tuple(order or ()))


def _sc_search(lanes: list[list[Operation]], initial: Any, keyed: bool,
               deadline: Deadline) -> list[int] | None:
    """Depth first over (each lane's progress, state); frames carry the order as a cons list."""
    n = len(lanes)
    seen: set[tuple[tuple[int, ...], tuple[Any, ...], bool]] = set()

    def freeze(state: dict[Any, Any]) -> tuple[Any, ...]:
        return tuple(sorted(state.items(), key=lambda kv: repr(kv[0])))

    def finished(pos: tuple[int, ...]) -> bool:
        return all(all(math.isinf(o.complete_ms) for o in lanes[i][pos[i]:]) for i in range(n))

    blind = {o.index: math.isinf(o.complete_ms) and o.f in ("write", "cas") for lane in lanes for o in lane}
    blind_key = {o.index: o.key if keyed else None for lane in lanes for o in lane}
    Trail = tuple[int, Any] | None
    stack: list[tuple[tuple[int, ...], dict[Any, Any], Trail]] = [((0,) * n, {}, None)]
    steps = 0
    while stack:
        steps += 1
        if not steps & 1023:
            deadline.check()
        pos, state, trail = stack.pop()
        if finished(pos):
            out: list[int] = []
            while trail is not None:
                out.append(trail[0])
                trail = trail[1]
            return out[::-1]
        forced = None
        for i in range(n):  # a legal read at the head of a lane is taken at once
            if pos[i] < len(lanes[i]):
                o = lanes[i][pos[i]]
                if o.f == "read" and state.get(o.key if keyed else None, initial) == o.value:
                    forced = i
                    break
        lanes_to_try = [forced] if forced is not None else range(n - 1, -1, -1)
        for i in lanes_to_try:
            if pos[i] >= len(lanes[i]):
                continue
            o = lanes[i][pos[i]]
            k = o.key if keyed else None
            cur = state.get(k, initial)
            ok, new = step(o.f, o.value, cur)
            options: list[tuple[dict[Any, Any], Trail]] = []
            if ok:
                options.append((state if o.f == "read" else {**state, k: new}, (o.index, trail)))
            if ok and o.f == "write" and trail is not None and blind[trail[0]] and blind_key[trail[0]] == k:
                # overwriting an indeterminate write of the same key at once = it never
                # happening (a write of another key leaves it in place: no pruning)
                options.pop()
            if math.isinf(o.complete_ms) and o.f != "read" and pos[i] + 1 < len(lanes[i]):
                # an info operation that never took effect (one that ends its lane may simply
                # stay unapplied: finished() accepts it)
                options.append((state, trail))
            p2 = (*pos[:i], pos[i] + 1, *pos[i + 1:])
            for s2, t2 in options:
                # whether the last applied operation is an indeterminate write changes what may
                # follow it, so it is part of the cached configuration
                key = (p2, freeze(s2), t2 is not None and blind[t2[0]])
                if key in seen:
                    continue
                seen.add(key)
                stack.append((p2, s2, t2))
    return None
