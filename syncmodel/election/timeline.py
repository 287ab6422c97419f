"""Turn an election trace into timeline data: role spans per node and message arrows.

Pure data (lists of dicts) for :func:`syncmodel.viz.election.timeline_figure`; run the
election with ``trace_messages=True`` to get the arrows.
"""

from __future__ import annotations

from collections import defaultdict, deque
from typing import Any

from ..sim import Trace

__all__ = ["fault_marks", "message_arrows", "role_spans"]

#: record kinds that end a node's current role span, and the role they start
_ROLE_OF = {"candidate": "candidate", "leader": "leader", "follow": "follower",
            "step_down": "follower", "crash": "down", "restart": "follower"}


def role_spans(trace: Trace, n: int, end_ms: float) -> list[dict[str, Any]]:
    """Spans ``{node, role, term, start, end}`` (ms) covering [0, end_ms] for every node.

    A node is a follower until a record changes its role: "candidate", "leader",
    "follow"/"step_down"/"restart" (follower) or "crash" (down).
    """
    current: dict[int, tuple[str, int | None, float]] = {i: ("follower", None, 0.0)
                                                         for i in range(n)}
    spans: list[dict[str, Any]] = []
    for r in trace.records:
        role = _ROLE_OF.get(r.kind)
        if role is None or not 0 <= r.node < n:
            continue
        old_role, old_term, start = current[r.node]
        if old_role == "down" and r.kind != "restart":
            continue  # e.g. the "step_down" a crashing leader logs
        term = r.term if r.term is not None else old_term
        if role == old_role and term == old_term:
            continue
        if r.time > start:
            spans.append({"node": r.node, "role": old_role, "term": old_term,
                          "start": start, "end": r.time})
        current[r.node] = (role, term, r.time)
    for node, (role, term, start) in current.items():
        if end_ms > start:
            spans.append({"node": node, "role": role, "term": term, "start": start, "end": end_ms})
    return spans


def message_arrows(trace: Trace) -> list[dict[str, Any]]:
    """Every delivered or dropped message: ``{src, dst, kind, sent, arrived, dropped}``.

    Sends are matched to their delivery or drop in FIFO order per (message, src, dst);
    ``kind`` is the message's first field when it is a tuple.
    """
    pending: dict[tuple[int, int, int], deque[tuple[float, Any]]] = defaultdict(deque)
    out: list[dict[str, Any]] = []
    for r in trace.records:
        if r.kind == "send" and r.data is not None:
            msg = r.data["msg"]
            pending[(id(msg), r.node, r.data["dst"])].append((r.time, msg))
        elif r.kind in ("deliver", "drop") and r.data is not None:
            msg = r.data["msg"]
            src, dst = (r.data["src"], r.node) if r.kind == "deliver" else (r.node, r.data["dst"])
            q = pending.get((id(msg), src, dst))
            if not q:
                continue
            sent, _ = q.popleft()
            kind = msg[0] if isinstance(msg, tuple) and msg else type(msg).__name__
            out.append({"src": src, "dst": dst, "kind": str(kind), "sent": sent,
                        "arrived": r.time, "dropped": r.kind == "drop"})
    return out


def fault_marks(trace: Trace) -> list[dict[str, Any]]:
    """Crashes, restarts, partitions and heals: ``{time, node, kind}`` (node −1: network)."""
    return [{"time": r.time, "node": r.node, "kind": r.kind}
            for r in trace.records if r.kind in ("crash", "restart", "partition", "heal")]
