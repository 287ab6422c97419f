"""A replicated key-value store on the simulator, in four replication modes, one class each.

``sync`` / ``async`` primary-backup (log shipping, failover to the most up-to-date backup;
:mod:`.primary_backup`), ``quorum`` (Dynamo-style N/R/W, clients coordinate; :mod:`.quorum`)
and ``multileader`` (each client writes to its home leader, which replicates asynchronously;
:mod:`.multileader`), over a shared core (:mod:`.core`): read repair, anti-entropy, LWW or
siblings.  Start with :func:`simulate_store`; a run's numbers are in :mod:`syncmodel.sync.metrics`.
"""

from __future__ import annotations

from ..versioning import EMPTY, Entry, Sibling, merge_entries
from .config import FANOUTS, MODES, READ_FROM, Crash, PartitionEvent, StoreConfig, make_config, network_law
from .core import MODE_CLASSES, Client, Op, Replica, Store
from .ledger import Ledger, ReadRecord, Snapshot, sample_ids
from .multileader import MultiLeaderStore
from .network import WARS_KINDS, WarsNetwork
from .primary_backup import AsyncPrimaryBackupStore, PrimaryBackupStore, SyncPrimaryBackupStore
from .quorum import QuorumStore
from .result import SyncRun
from .run import random_faults, replicate, simulate, simulate_store

__all__ = ["EMPTY", "FANOUTS", "MODES", "MODE_CLASSES", "READ_FROM", "WARS_KINDS", "AsyncPrimaryBackupStore",
           "Client", "Crash", "Entry", "Ledger", "MultiLeaderStore", "Op", "PartitionEvent",
           "PrimaryBackupStore", "QuorumStore", "ReadRecord", "Replica", "Sibling", "Snapshot", "Store",
           "StoreConfig", "SyncPrimaryBackupStore", "SyncRun", "WarsNetwork", "make_config",
           "merge_entries", "network_law", "random_faults", "replicate", "sample_ids", "simulate",
           "simulate_store"]
