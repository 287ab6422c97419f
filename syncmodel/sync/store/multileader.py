"""Multi-leader replication: each client writes to its home leader, which acknowledges at
once and replicates to the other leaders asynchronously; reads go to the home leader;
concurrent writes of a key on two leaders conflict (LWW or siblings), anti-entropy converges.
"""

from __future__ import annotations

from .core import Client, Replica, Store
from .messages import AntiEntropy, Get, MlPut, Put, PutAck

__all__ = ["MultiLeaderClient", "MultiLeaderReplica", "MultiLeaderStore"]


class MultiLeaderReplica(Replica):
    """A leader: applies its clients' increments, acknowledges, and forwards them."""

    def on_ml_put(self, src: int, msg: MlPut) -> None:
        st = self.store
        key = msg.key
        ctx, value = self.next_value(key)
        wid = st.ledger.new_write(self.now, key)
        ts = self.now + st.skew[self.id]
        self.apply(key, wid, ts, value, ctx)
        st.trace_write(wid, key, self.id)
        st.ack_write(wid, self.now)
        self.send(src, PutAck(msg.op, wid))
        self.net.multicast(self.id, [p for p in st.replica_ids if p != self.id],
                           Put(None, key, wid, ts, value, ctx))


MultiLeaderReplica.handlers = {Get: Replica.on_get, Put: Replica.on_put, MlPut: MultiLeaderReplica.on_ml_put,
                               AntiEntropy: Replica.on_anti_entropy}


class MultiLeaderClient(Client):
    """Reads and writes go to the client's home leader."""

    def start_read(self, key: int, internal: bool) -> None:
        op = self._new("read", key, internal)
        self.ops[op].need = 1
        self.send(self.home, Get(op, key))

    def start_write(self, key: int) -> None:
        op = self._new("write", key)
        self.send(self.home, MlPut(op, key))


class MultiLeaderStore(Store):
    """Mode ``multileader``: every replica leads for its home clients."""

    modes = ("multileader",)
    replica_class = MultiLeaderReplica
    client_class = MultiLeaderClient
