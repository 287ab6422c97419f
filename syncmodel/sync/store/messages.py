"""The messages of the replicated store, one named tuple per kind.

Clients and replicas exchange these over the simulated network; a replica dispatches on the
message's type (``type(msg)``), and the WARS network picks its delay law the same way.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..versioning import Entry

__all__ = [
    "AntiEntropy",
    "Append",
    "AppendAck",
    "Get",
    "GetResp",
    "Join",
    "LogItem",
    "MlPut",
    "PbPut",
    "Put",
    "PutAck",
    "Repair",
    "StateTransfer",
]


class LogItem(NamedTuple):
    """One write in a primary-backup log: write ``wid`` of ``key`` at timestamp ``ts`` (ms),
    ``value``, made having seen the write ids ``ctx``."""

    wid: int
    key: int
    ts: float
    value: int
    ctx: frozenset[int]


# -- reads and writes (every mode) -----------------------------------------------------------------
class Get(NamedTuple):
    """Client → replica: send me your state of ``key`` (operation ``op``)."""

    op: Any
    key: int


class GetResp(NamedTuple):
    """Replica ``node`` → client: its ``entry`` of the key asked by ``op``."""

    op: Any
    node: int
    entry: Entry


class Put(NamedTuple):
    """Apply write ``wid`` (``value``, timestamp ``ts``, having seen ``ctx``) to ``key``; ack
    it to the sender unless ``op`` is None (multi-leader replication is not acknowledged)."""

    op: Any
    key: int
    wid: int
    ts: float
    value: int
    ctx: frozenset[int]


class PutAck(NamedTuple):
    """Replica → client: write ``wid`` of operation ``op`` is applied (or acknowledged)."""

    op: Any
    wid: int


class Repair(NamedTuple):
    """Client → replica (read repair): merge ``entry`` into your state of ``key``."""

    key: int
    entry: Entry


class AntiEntropy(NamedTuple):
    """Replica → replica: merge my whole ``state``; answer with yours when ``reply``."""

    state: dict[int, Entry]
    reply: bool


# -- multi-leader -------------------------------------------------------------------------------------
class MlPut(NamedTuple):
    """Client → its home leader: increment ``key`` (operation ``op``)."""

    op: Any
    key: int


# -- primary-backup ---------------------------------------------------------------------------------
class PbPut(NamedTuple):
    """Client → primary: increment ``key`` (operation ``op``)."""

    op: Any
    key: int


class Append(NamedTuple):
    """Primary → backup: log ``items`` from position ``start`` in ``epoch``."""

    epoch: int
    start: int
    items: tuple[LogItem, ...]


class AppendAck(NamedTuple):
    """Backup → primary: in ``epoch`` I hold the first ``held`` log items."""

    epoch: int
    held: int


class StateTransfer(NamedTuple):
    """Primary → backup: adopt this whole ``log`` (state transfer) for ``epoch``."""

    epoch: int
    log: tuple[LogItem, ...]


class Join(NamedTuple):
    """Backup → primary: I am back (or behind): send me your log."""
