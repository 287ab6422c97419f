"""Client-operation histories of testbed experiments, in one documented table format.

One row per operation (an invocation and its completion), columns :data:`COLUMNS`:
``process`` (int, the client), ``type`` (completion: "ok", "fail" — definitely did not
happen — or "info" — unknown, e.g. a timeout), ``f`` ("read" or "write"), ``key``, ``value``
(written value, or the value read; empty for a miss), ``invoke_ms`` and ``complete_ms``
(milliseconds on one monotonic clock from the experiment's start), and ``trial``.
:meth:`History.events` turns it into Jepsen's event order (an "invoke" row, then its completion).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["COLUMNS", "History"]

COLUMNS = ("process", "type", "f", "key", "value", "invoke_ms", "complete_ms", "trial")
TYPES = ("ok", "fail", "info")


class History:
    """Records operations as they happen; ``to_frame()`` gives the table of :data:`COLUMNS`."""

    def __init__(self) -> None:
        self.t0 = time.monotonic()
        self.rows: list[dict[str, Any]] = []
        self.trial = 0

    def now_ms(self) -> float:
        return (time.monotonic() - self.t0) * 1000.0

    def invoke(self, process: int, f: str, key: str, value: Any = None) -> dict[str, Any]:
        """Start an operation; returns the row to pass to :meth:`complete`."""
        from ..errors import check_int

        row = {"process": check_int("process", process, 0), "type": "info", "f": f, "key": key,
               "value": None if value is None else str(value), "invoke_ms": self.now_ms(),
               "complete_ms": float("nan"), "trial": self.trial}
        self.rows.append(row)
        return row

    def complete(self, row: dict[str, Any], type: str, value: Any = None) -> None:
        """Finish ``row`` as "ok", "fail" or "info"; a read's ``value`` is what it returned."""
        from ..errors import check_choice

        check_choice("type", type, TYPES)
        row["complete_ms"] = self.now_ms()
        row["type"] = type
        if value is not None or row["f"] == "read":
            row["value"] = None if value is None else str(value)

    def to_frame(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.rows, columns=list(COLUMNS))

    def events(self) -> pd.DataFrame:
        """Jepsen-style events: per operation an "invoke" row (at invoke_ms) then its completion."""
        import pandas as pd

        ev = []
        for i, r in enumerate(self.rows):
            ev.append({"index": 2 * i, "process": r["process"], "type": "invoke", "f": r["f"],
                       "key": r["key"],
                       "value": r["value"] if r["f"] == "write" else None, "time_ms": r["invoke_ms"]})
            ev.append({"index": 2 * i + 1, "process": r["process"], "type": r["type"], "f": r["f"],
                       "key": r["key"], "value": r["value"], "time_ms": r["complete_ms"]})
        df = pd.DataFrame(ev)
        return df.sort_values(["time_ms", "index"], kind="stable").reset_index(drop=True) if len(df) else df
