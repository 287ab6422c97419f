"""Leaderless N/R/W quorum replication (Dynamo-style): the client coordinates — a read waits
for R responses, a write (read-modify-write) sends to all N replicas, or W random ones with
``fanout="quorum"``, and is acknowledged after W acks; optional read repair.
"""

from __future__ import annotations

from ..versioning import Entry, merge_entries
from .core import Client, Op, Store
from .messages import Get, Put, Repair

__all__ = ["QuorumClient", "QuorumStore"]


class QuorumClient(Client):
    """A client that is its own coordinator."""

    def start_read(self, key: int, internal: bool) -> None:
        st = self.store
        op = self._new("read", key, internal)
        self.ops[op].need = st.cfg.r
        self.net.multicast(self.id, st.pick(st.cfg.r), Get(op, key))

    def start_write(self, key: int) -> None:
        self.start_read(key, internal=True)  # get the context, then put

    def after_read(self, opid: int, op: Op) -> None:
        st = self.store
        if not op.internal:
            if not st.cfg.read_repair:
                self.finish(opid, op)
            else:  # the operation stays open: late responses are repaired too, until it times out
                for node, entry in op.got:
                    self.repair(op, node, entry)
            return
        # the get of a read-modify-write: now put value + 1 with the context read
        self.cancel_timer(op.timer)
        self.ops.pop(opid, None)
        key = op.key
        ctx, sibs = op.merged
        value = 1 + max((s.value for s in sibs), default=0)
        wid = st.ledger.new_write(self.now, key)
        st.trace_write(wid, key, self.id)
        wop = self._new("put", key)
        self.ops[wop].need = st.cfg.w
        ts = self.now + st.skew[self.id]
        self.net.multicast(self.id, st.pick(st.cfg.w), Put(wop, key, wid, ts, value, ctx))

    def late_response(self, op: Op, node: int, entry: Entry) -> None:
        if self.store.cfg.read_repair:
            self.repair(op, node, entry)

    def repair(self, op: Op, node: int, entry: Entry) -> None:
        """Read repair: send the merged state to a replica whose answer lacked part of it."""
        merged = op.merged
        if entry != merged:
            newer = merge_entries(entry, merged)
            if newer != entry:
                self.send(node, Repair(op.key, merged))


class QuorumStore(Store):
    """Mode ``quorum``: N replicas, reads of R and writes of W, replicas are plain
    :class:`~syncmodel.sync.store.core.Replica` (apply, answer, repair, anti-entropy)."""

    modes = ("quorum",)
    client_class = QuorumClient
