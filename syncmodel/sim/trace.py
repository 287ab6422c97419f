"""The run's output: a list of typed records (time, node, kind, term, data).

Protocols log state changes (``"candidate"``, ``"vote"``, ``"leader"``, …), the
network logs faults and, if asked, every message; metrics read the trace.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["NETWORK_KINDS", "Record", "Trace"]


#: kinds the network itself writes
NETWORK_KINDS = ("send", "deliver", "drop", "crash", "restart", "partition", "heal")


class Record(NamedTuple):
    """One thing that happened: at ``time`` (ms) on ``node`` (-1: the network), in ``term``.

    ``data`` holds kind-specific fields (e.g. ``{"dst": 3, "msg": ...}`` for a send,
    ``{"candidate": 2}`` for a vote) or None.
    """

    time: float
    node: int
    kind: str
    term: int | None = None
    data: dict[str, Any] | None = None


class Trace:
    """An append-only list of :class:`Record`, with filters and a DataFrame view.

    ``messages=True`` asks the network to record every send, delivery and drop
    (needed for timelines; off by default because it is the bulk of a trace).
    """

    __slots__ = ("messages", "records")

    def __init__(self, messages: bool = False) -> None:
        self.records: list[Record] = []
        self.messages = messages

    def log(self, time: float, node: int, kind: str, term: int | None = None,
            data: dict[str, Any] | None = None) -> None:
        """Append one record."""
        self.records.append(Record(time, node, kind, term, data))

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def of_kind(self, *kinds: str) -> list[Record]:
        """Records whose kind is one of ``kinds``, in time order."""
        ks = set(kinds)
        return [r for r in self.records if r.kind in ks]

    def first(self, kind: str) -> Record | None:
        """The earliest record of ``kind``, or None."""
        for r in self.records:
            if r.kind == kind:
                return r
        return None

    def extend(self, records: Iterable[Record]) -> None:
        self.records.extend(records)

    def to_frame(self) -> pd.DataFrame:
        """Columns time, node, kind, term, then one column per data field (pandas)."""
        import pandas as pd

        rows = []
        for r in self.records:
            row: dict[str, Any] = {"time": r.time, "node": r.node, "kind": r.kind, "term": r.term}
            if r.data:
                row.update(r.data)
            rows.append(row)
        return pd.DataFrame(rows, columns=None if rows else ["time", "node", "kind", "term"])
