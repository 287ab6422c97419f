"""Histories: what clients saw. An :class:`Operation` is one call (its invocation and its
completion merged), a :class:`History` the tuple of them, with a table loader and the
checks every loader shares (one open operation per process, completion after invocation).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ..errors import InvalidParameterError, check_hashable, check_ids, invalid, is_iterable

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ALIASES", "FUNCTIONS", "TABLE_COLUMNS", "TYPES", "EventBuilder", "History", "Operation",
           "from_table", "function_name"]

#: the functions a history may call (Jepsen / Porcupine spellings map onto these)
FUNCTIONS = ("read", "write", "cas", "append")
ALIASES = {"get": "read", "put": "write", "compare-and-set": "cas", "r": "read", "w": "write"}
#: how an operation ended: ok (took effect, saw ``value``), fail (did not take effect),
#: info (indeterminate: it may have taken effect at any time after its invocation, or never)
TYPES = ("ok", "fail", "info")


def function_name(f: Any, where: str) -> str:
    """``f`` as one of :data:`FUNCTIONS` (accepting get/put aliases); else InvalidParameterError."""
    name = ALIASES.get(f, f) if isinstance(f, str) else f
    if name not in FUNCTIONS:
        raise InvalidParameterError(f"{where}: unknown function {f!r} (expected one of "
                                    f"{[*FUNCTIONS, *ALIASES]})")
    return str(name)


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation: ``process`` called ``f`` on ``key`` at ``invoke_ms``; it ended as
    ``type`` at ``complete_ms`` (``inf`` when indeterminate and never answered).

    ``value``: what was written (write), ``(from, to)`` (cas), what was appended (append),
    or what was read (read, ok only; None when a read did not complete). ``index``: the
    operation's position in its history (by invocation); ``line``: its invocation's line in
    the source file, when loaded from one.
    """

    index: int
    process: Hashable
    f: str
    key: Hashable
    value: Any
    type: str
    invoke_ms: float
    complete_ms: float
    line: int | None = None

    def __str__(self) -> str:
        key = "" if self.key is None else f"[{self.key!r}]"
        val = self.value
        if self.f == "cas" and isinstance(val, tuple):
            val = f"{val[0]!r}→{val[1]!r}"
        else:
            val = repr(val)
        return f"#{self.index} p{self.process} {self.f}{key} {val} ({self.type})"


@dataclass(frozen=True)
class History:
    """A tuple of :class:`Operation` in invocation order, and the value every key starts with.

    ``initial``: the value of a key nobody has written (None = absent, Jepsen's ``nil``;
    Porcupine's key-value histories start every key as the empty string).
    """

    ops: tuple[Operation, ...]
    initial: Any = None
    source: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ops)

    def __iter__(self) -> Any:
        return iter(self.ops)

    def __getitem__(self, i: int) -> Operation:
        return self.ops[i]

    @property
    def processes(self) -> list[Hashable]:
        return sorted({o.process for o in self.ops}, key=repr)

    @property
    def keys(self) -> list[Hashable]:
        return sorted({o.key for o in self.ops}, key=repr)

    def by_key(self) -> dict[Hashable, list[Operation]]:
        """The operations of each key (P-compositionality: a kv map is linearizable iff each key is)."""
        out: dict[Hashable, list[Operation]] = {}
        for o in self.ops:
            out.setdefault(o.key, []).append(o)
        return out

    def subset(self, indices: Iterable[int]) -> History:
        """The sub-history of the operations with these indices (renumbered from 0)."""
        keep = sorted(set(check_ids("indices", indices, len(self.ops))))
        ops = tuple(replace(self.ops[i], index=j) for j, i in enumerate(keep))
        return History(ops, self.initial, self.source, {**self.meta, "original_index": tuple(keep)})

    def to_frame(self) -> pd.DataFrame:
        """One row per operation: index, process, type, f, key, value, invoke_ms, complete_ms, line."""
        import pandas as pd

        cols = ["index", "process", "type", "f", "key", "value", "invoke_ms", "complete_ms", "line"]
        return pd.DataFrame([{c: getattr(o, c) for c in cols} for o in self.ops], columns=cols)


# -- building a history from events -----------------------------------------------------------------
class EventBuilder:
    """Turns a stream of invoke / completion events into operations, checking as it goes.

    Every loader feeds it; errors name ``where`` (a line, a row) and the operation.
    """

    def __init__(self, source: str = "") -> None:
        self.source = source
        self.open: dict[Hashable, dict[str, Any]] = {}
        self.done: list[dict[str, Any]] = []
        self.count = 0

    def invoke(self, process: Hashable, f: Any, key: Hashable, value: Any, t: float, where: str,
               line: int | None = None) -> None:
        fn = function_name(f, where)
        if process in self.open:
            prev = self.open[process]
            raise InvalidParameterError(
                f"{where}: process {process!r} invokes {fn} while its {prev['f']} invoked at "
                f"{prev['where']} is still open (a process has one operation at a time)")
        if fn == "cas":
            value = _pair(value, where)
        self.open[process] = {"process": process, "f": fn, "key": key, "value": value,
                              "invoke_ms": t, "where": where, "line": line, "seq": self.count}
        self.count += 1

    def complete(self, process: Hashable, type_: str, f: Any, value: Any, t: float, where: str) -> None:
        if type_ not in TYPES:
            raise InvalidParameterError(f"{where}: unknown completion type {type_!r} "
                                        f"(expected {list(TYPES)})")
        fn = function_name(f, where)
        op = self.open.pop(process, None)
        if op is None:
            raise InvalidParameterError(
                f"{where}: process {process!r} completes {fn} ({type_}) without an open invocation")
        if op["f"] != fn:
            raise InvalidParameterError(
                f"{where}: process {process!r} completes {fn} but invoked {op['f']} at {op['where']}")
        if t < op["invoke_ms"]:
            raise InvalidParameterError(
                f"{where}: {fn} of process {process!r} completes at {t} before its invocation at "
                f"{op['invoke_ms']} ({op['where']})")
        if fn == "read":
            op["value"] = value if type_ == "ok" else None
        elif fn == "cas" and value is not None and type_ == "ok":
            op["value"] = _pair(value, where)
        op["type"] = type_
        op["complete_ms"] = t if type_ != "info" else math.inf
        self.done.append(op)

    def history(self, initial: Any = None, meta: Mapping[str, Any] | None = None) -> History:
        """The operations, open ones as ``info`` (indeterminate), in invocation order."""
        for op in self.open.values():
            op["type"] = "info"
            op["complete_ms"] = math.inf
            if op["f"] == "read":
                op["value"] = None
            self.done.append(op)
        self.open = {}
        rows = sorted(self.done, key=lambda o: (o["invoke_ms"], o["seq"]))
        ops = tuple(Operation(i, o["process"], o["f"], o["key"], o["value"], o["type"], float(o["invoke_ms"]),
                              float(o["complete_ms"]), o["line"]) for i, o in enumerate(rows))
        return History(ops, initial, self.source, dict(meta or {}))


def _pair(value: Any, where: str) -> tuple[Any, Any]:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return (value[0], value[1])
    raise InvalidParameterError(f"{where}: cas needs a [from to] pair, got {value!r}")


# -- from a table (the testbed's clients, or any DataFrame) ---------------------------------------------
TABLE_COLUMNS = ("process", "type", "f", "key", "value", "invoke_ms", "complete_ms")


def from_table(table: Any, initial: Any = None) -> History:
    """A history from a table with one row per operation and columns ``process, type`` (ok /
    fail / info), ``f``, ``key``, ``value`` (read: what it returned), ``invoke_ms``,
    ``complete_ms`` (NaN or inf for info). A DataFrame, or an iterable of mappings.

    >>> h = from_table([{"process": 0, "type": "ok", "f": "write", "key": "x", "value": 1,
    ...                  "invoke_ms": 0.0, "complete_ms": 2.0}])
    >>> str(h[0])
    "#0 p0 write['x'] 1 (ok)"
    """
    rows = _rows(table)
    b = EventBuilder("table")
    events: list[tuple[float, int, int]] = []   # (time, 0 = completion | 1 = invocation, row)
    for i, row in enumerate(rows):
        where = f"row {i}"
        missing = [c for c in TABLE_COLUMNS if c not in row]
        if missing:
            raise InvalidParameterError(f"{where}: missing columns {missing} "
                                        f"(expected {list(TABLE_COLUMNS)})")
        if row["type"] not in TYPES:
            raise InvalidParameterError(f"{where}: unknown type {row['type']!r} (expected {list(TYPES)})")
        _hashable(row["process"], "process", where)
        _hashable(row["key"], "key", where)
        function_name(row["f"], where)
        t0 = _time(row["invoke_ms"], "invoke_ms", where, allow_inf=False)
        t1 = _time(row["complete_ms"], "complete_ms", where, allow_inf=True)
        if row["type"] != "info" and not math.isfinite(t1):
            raise InvalidParameterError(f"{where}: a {row['type']} operation needs a finite complete_ms, "
                                        f"got {row['complete_ms']!r}")
        if t1 < t0:
            raise InvalidParameterError(f"{where}: {row['f']} of process {row['process']!r} completes at "
                                        f"{t1} before its invocation at {t0}")
        events.append((t0, 1, i))
        if math.isfinite(t1):  # an info row with a finite time: the client gave up then
            events.append((t1, 0, i))
    for t, kind, i in sorted(events):
        row, where = rows[i], f"row {i}"
        key = None if _isnan(row["key"]) else row["key"]
        value = None if _isnan(row["value"]) else row["value"]
        if kind == 1:
            fn = function_name(row["f"], where)
            b.invoke(row["process"], fn, key, None if fn == "read" else value, t, where)
        else:
            b.complete(row["process"], row["type"], row["f"], value, t, where)
    return b.history(initial, {"format": "table"})


def check_history(history: Any) -> History:
    """``history`` if it is a :class:`History`, else InvalidParameterError naming it."""
    if not isinstance(history, History):
        raise InvalidParameterError(f"history must be a History (see check.load_jepsen / load_edn / "
                                    f"from_table), got {type(history).__name__}")
    return history


def initial_of(history: History, initial: Any) -> Any:
    """The initial value a checker uses: ``history.initial`` for "history", else ``initial``,
    which must be hashable (states are compared and memoized)."""
    if isinstance(initial, str) and initial == "history":
        return history.initial
    return check_hashable("initial", initial, "a hashable value or 'history'")


def _rows(table: Any) -> list[Mapping[str, Any]]:
    if hasattr(table, "to_dict") and hasattr(table, "columns"):
        return list(table.to_dict("records"))
    if isinstance(table, (str, bytes, Mapping)) or not is_iterable(table):
        raise invalid("table", type(table).__name__, "a DataFrame or an iterable of row mappings")
    rows = list(table)
    if not all(isinstance(r, Mapping) for r in rows):
        raise invalid("table", table, "rows that are mappings of column -> value")
    return rows


def _isnan(v: Any) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _time(v: Any, name: str, where: str, allow_inf: bool) -> float:
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        if allow_inf and v is None:
            return math.inf
        raise InvalidParameterError(f"{where}: {name} must be a number, got {v!r}")
    x = float(v)
    if math.isnan(x):
        if allow_inf:
            return math.inf
        raise InvalidParameterError(f"{where}: {name} must be a number, got {v!r}")
    if not allow_inf and not math.isfinite(x):
        raise InvalidParameterError(f"{where}: {name} must be finite, got {v!r}")
    return x


def _hashable(v: Any, name: str, where: str) -> None:
    try:
        hash(v)
    except TypeError:
        raise InvalidParameterError(f"{where}: {name} must be hashable, got {v!r}") from None
