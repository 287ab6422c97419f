"""Primary-backup replication with failover: the primary logs each write and ships its log to
the backups — ``sync`` acknowledges once every backup in the view holds it, ``async`` at once
(backups catch up every heartbeat).  An oracle promotes the longest log after a crash.
"""

from __future__ import annotations

from typing import Any, ClassVar

from .core import Client, Replica, Store
from .messages import Append, AppendAck, Get, Join, LogItem, PbPut, PutAck, StateTransfer

__all__ = ["AsyncPrimaryBackupStore", "PrimaryBackupClient", "PrimaryBackupReplica",
           "PrimaryBackupStore", "SyncPrimaryBackupStore"]


class PrimaryBackupReplica(Replica):
    """A replica with a write-ahead log: the primary appends and ships, a backup follows."""

    store: PrimaryBackupStore

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.wal: list[LogItem] = []
        self.match: dict[int, int] = {}        # primary: backup -> log length it holds
        self.epoch_seen = 0
        self.pending: dict[int, tuple[int, int]] = {}  # primary (sync): log index -> (client, op)

    # -- the primary's log --------------------------------------------------------------------------
    def pb_append(self, key: int, client: int, op: int) -> None:
        """Primary: a read-modify-write of ``key`` (value + 1), appended to the log."""
        st = self.store
        ctx, value = self.next_value(key)
        wid = st.ledger.new_write(self.now, key)
        item = LogItem(wid, key, self.now + st.skew[self.id], value, ctx)
        self.wal.append(item)
        self.apply(key, wid, item.ts, value, ctx)
        idx = len(self.wal)
        st.trace_write(wid, key, self.id)
        if not st.synchronous or self._committed(idx):
            st.ack_write(wid, self.now)
            self.send(client, PutAck(op, wid))
        else:
            self.pending[idx] = (client, op)
        if st.synchronous:  # async ships its log in batches, every heartbeat_ms
            for b in st.view:
                if b != self.id:
                    self.send(b, Append(st.epoch, idx - 1, (item,)))

    def _committed(self, idx: int) -> bool:
        st = self.store
        return all(self.match.get(b, 0) >= idx for b in st.view if b != self.id)

    def _advance(self) -> None:
        if not self.pending:
            return
        st = self.store
        for idx in sorted(self.pending):
            if not self._committed(idx):
                break
            client, op = self.pending.pop(idx)
            wid = self.wal[idx - 1].wid
            st.ack_write(wid, self.now)
            self.send(client, PutAck(op, wid))

    def adopt(self, log: tuple[LogItem, ...]) -> None:
        """Backup: replace the log and the state by the primary's (state transfer)."""
        self.wal = list(log)
        self.data = {}
        for wid, key, ts, value, ctx in self.wal:
            self.apply(key, wid, ts, value, ctx)

    def heartbeat(self) -> None:
        st = self.store
        if st.primary != self.id:
            if st.primary is not None and self.epoch_seen < st.epoch:
                self.send(st.primary, Join())  # not yet synced with this primary: (re)ask
            return
        for b in st.view:
            if b != self.id and self.match.get(b, 0) < len(self.wal):
                m = self.match.get(b, 0)
                self.send(b, Append(st.epoch, m, tuple(self.wal[m:])))

    # -- hooks ---------------------------------------------------------------------------------
    def on_start(self) -> None:
        self.set_timer(self.store.cfg.heartbeat_ms, "hb")

    def on_crash(self) -> None:
        self.pending.clear()
        super().on_crash()

    def on_timer(self, name: str, data: Any) -> None:
        if name == "hb":
            self.heartbeat()
            self.set_timer(self.store.cfg.heartbeat_ms, "hb")

    # -- messages ---------------------------------------------------------------------------------
    def on_pb_put(self, src: int, msg: PbPut) -> None:
        if self.store.primary == self.id:
            self.pb_append(msg.key, src, msg.op)

    def on_append(self, src: int, msg: Append) -> None:
        st = self.store
        epoch, start, items = msg
        if epoch < st.epoch or st.primary == self.id:
            return
        if epoch > self.epoch_seen:  # not yet synced with this primary: ask for its log
            self.send(src, Join())
            return
        if start > len(self.wal):
            self.send(src, AppendAck(epoch, len(self.wal)))
            return
        for i, item in enumerate(items):
            if start + i < len(self.wal):
                continue  # already held (logs of one epoch agree on their prefix)
            self.wal.append(item)
            self.apply(item.key, item.wid, item.ts, item.value, item.ctx)
        self.send(src, AppendAck(epoch, len(self.wal)))

    def on_append_ack(self, src: int, msg: AppendAck) -> None:
        st = self.store
        if st.primary == self.id and msg.epoch == st.epoch:
            self.match[src] = max(self.match.get(src, 0), msg.held)
            self._advance()

    def on_state_transfer(self, src: int, msg: StateTransfer) -> None:
        st = self.store
        if msg.epoch >= st.epoch and st.primary != self.id:
            self.epoch_seen = msg.epoch
            self.adopt(msg.log)
            self.send(src, AppendAck(msg.epoch, len(self.wal)))

    def on_join(self, src: int, msg: Join) -> None:
        st = self.store
        if st.primary == self.id:
            st.view.add(src)
            self.match[src] = 0
            self.send(src, StateTransfer(st.epoch, tuple(self.wal)))


PrimaryBackupReplica.handlers = {
    Get: Replica.on_get, PbPut: PrimaryBackupReplica.on_pb_put, Append: PrimaryBackupReplica.on_append,
    AppendAck: PrimaryBackupReplica.on_append_ack, StateTransfer: PrimaryBackupReplica.on_state_transfer,
    Join: PrimaryBackupReplica.on_join}


class PrimaryBackupClient(Client):
    """Writes go to the primary; reads to the primary (``read_from="primary"``) or to a
    uniformly random replica (``"any"``)."""

    store: PrimaryBackupStore

    def start_read(self, key: int, internal: bool) -> None:
        st = self.store
        cfg = st.cfg
        op = self._new("read", key, internal)
        target = st.primary if cfg.read_from == "primary" else st.replica_ids[
            int(self.uniform() * cfg.n) % cfg.n]
        if target is None:
            return  # no primary: the read times out
        self.ops[op].need = 1
        self.send(target, Get(op, key))

    def start_write(self, key: int) -> None:
        st = self.store
        op = self._new("write", key)
        if st.primary is not None:
            self.send(st.primary, PbPut(op, key))


class PrimaryBackupStore(Store):
    """Primary-backup with failover by an oracle (a configuration service) ``detect_ms``
    after a crash — never on a partition — which promotes the live member of the view with
    the longest log; if every replica is down it waits for a member of the last view."""

    replica_class = PrimaryBackupReplica
    client_class = PrimaryBackupClient
    #: acknowledge once every backup in the view holds the write (else at once)
    synchronous: ClassVar[bool] = True
    replicas: list[PrimaryBackupReplica]  # type: ignore[assignment]

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.primary = 0
        self.epoch = 0
        self.view: set[int] = set(self.replica_ids)

    # -- failure detection and failover: an oracle with a detection delay -------------------------
    def crashed(self, node: int) -> None:
        self.sim.schedule(self.cfg.detect_ms, self._detect, node)

    def _detect(self, node: int) -> None:
        if self.replicas[node].up:
            return
        if self.view == {node}:  # the last member holds every acknowledged write: wait for it
            if self.primary == node:
                self.primary = None
                self.epoch += 1
            return
        self.view.discard(node)
        if self.primary == node:
            self._elect()
        elif self.primary is not None:
            self.replicas[self.primary]._advance()

    def _elect(self) -> None:
        """Promote the live member of the view with the longest log; every other live replica
        adopts its log (and joins the view)."""
        live = [i for i in sorted(self.view) if self.replicas[i].up]
        self.epoch += 1
        if not live:
            self.primary = None
            return
        new = max(live, key=lambda i: (len(self.replicas[i].wal), -i))
        live = [i for i in self.replica_ids if self.replicas[i].up]
        self.view = set(live)
        self.primary = new
        p = self.replicas[new]
        p.epoch_seen = self.epoch
        p.match = {}
        p.pending.clear()
        self.sim.trace.log(self.sim.now, new, "primary", self.epoch, {"log": len(p.wal)})
        for b in live:
            if b != new:
                p.send(b, StateTransfer(self.epoch, tuple(p.wal)))

    def restarted(self, node: int) -> None:
        if self.primary is None:  # every replica was down: only a member of the last view may lead
            if node in self.view:
                self._elect()
            return
        if self.primary != node:
            self.replicas[node].send(self.primary, Join())


class SyncPrimaryBackupStore(PrimaryBackupStore):
    """Mode ``sync``: the primary acknowledges once every backup in the view holds the write."""

    modes = ("sync",)
    synchronous = True


class AsyncPrimaryBackupStore(PrimaryBackupStore):
    """Mode ``async``: the primary acknowledges at once; backups catch up every heartbeat."""

    modes = ("async",)
    synchronous = False
