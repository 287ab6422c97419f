"""Data synchronization: replication modes on the simulator, versions and conflicts,
staleness (PBS and simulated), lost writes and convergence of C(S), A(S).

Modules: ``pbs`` (k-staleness closed form, WARS t-visibility, the paper's latency fits),
``versioning`` (version vectors, LWW with clock skew, siblings, G-counter, OR-set),
``store`` (the replicated key-value store, a package with one class per replication mode:
sync/async primary-backup, quorum, multi-leader; read repair, anti-entropy; run it with
``simulate_store``), ``staleness`` (t-visibility and k-staleness on the simulator),
``metrics`` (lag, staleness, lost writes, conflicts, convergence from a run's trace),
``sloppy`` (Dynamo's sloppy quorums and hinted handoff on a ring: availability, stale reads,
hints; separate from ``store``, whose keys live on all n nodes).
"""

from __future__ import annotations

from . import experiments, metrics, pbs, sloppy, staleness, store, versioning
from .store import MODES, StoreConfig, SyncRun, random_faults, replicate, simulate, simulate_store

__all__ = [
    "MODES",
    "StoreConfig",
    "SyncRun",
    "experiments",
    "metrics",
    "pbs",
    "random_faults",
    "replicate",
    "simulate",
    "simulate_store",
    "sloppy",
    "staleness",
    "store",
    "versioning",
]
