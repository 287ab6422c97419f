"""Metrics of a replicated-store run, read from its trace and ledger: replication lag,
staleness (k-staleness, t-visibility), acknowledged writes lost, conflicts, lost updates,
and C(S), A(S) and the consistency ratio over time (convergence after a partition heals).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .._deprecate import renamed_function
from ..errors import check_int, float_array, invalid
from .versioning import Entry, merge_entries

if TYPE_CHECKING:
    import pandas as pd

    from .store import SyncRun

__all__ = ["conflict_rate", "convergence_frame", "counter_values", "k_staleness", "lost_updates",
           "lost_write_ids", "lost_writes", "reads_frame", "replication_lag", "staleness", "summary",
           "t_visibility_reads"]

#: what a run must carry to be measured (a :class:`~syncmodel.sync.store.SyncRun` does)
RUN_FIELDS = ("config", "store", "ledger", "trace", "wall_s")


def _check_run(run: Any) -> SyncRun:
    """``run`` itself if it looks like a :class:`~syncmodel.sync.store.SyncRun` (this module
    reads runs through their public fields and does not import the store), else
    InvalidParameterError."""
    if isinstance(run, type) or not all(hasattr(run, f) for f in RUN_FIELDS):
        raise invalid("run", run, "a SyncRun (from sync.simulate_store)")
    return run


def _merged_live(run: SyncRun) -> dict[int, Entry]:
    """The system's state at the end: for primary-backup the live primary's (what it serves
    and what backups adopt), otherwise the merge of every live replica's."""
    st = run.store
    if st.primary is not None and st.replicas[st.primary].up:
        return dict(st.replicas[st.primary].data)
    out: dict[int, Entry] = {}
    for rep in run.store.replicas:
        if not rep.up:
            continue
        for key, entry in rep.data.items():
            out[key] = merge_entries(out[key], entry) if key in out else entry
    return out


def lost_write_ids(run: SyncRun) -> list[int]:
    """Acknowledged writes missing from the system's state at the end of the run (ids, sorted).

    The state is the live primary's for primary-backup, else the merge of the live replicas.
    A write is held if its id is in the causal context of its key (it took effect, even if a
    later or a concurrent write then replaced its value).  A crashed replica keeps its disk,
    so a write is lost only when every replica that held it is still down at the end, or
    when a failover promoted a replica without it (the others then adopt its log).
    """
    _check_run(run)
    seen: set[int] = set()
    for entry in _merged_live(run).values():
        seen |= entry.context
    return sorted(w for w in run.ledger.ack if w not in seen)


def replication_lag(run: SyncRun) -> np.ndarray:
    """Sync delay (ms): for every write and every other replica that applied it, the time it
    applied the write minus the time the first replica did (from the trace's ``apply``)."""
    _check_run(run)
    first: dict[int, float] = {}
    lags: list[float] = []
    for rec in run.trace.records:
        if rec.kind != "apply" or rec.data is None:
            continue
        wid = rec.data["wid"]
        t0 = first.get(wid)
        if t0 is None:
            first[wid] = rec.time
        else:
            lags.append(rec.time - t0)
    return np.asarray(lags, dtype=float)


def reads_frame(run: SyncRun) -> pd.DataFrame:
    """One row per completed client read: t0, t1, key, behind (acknowledged-before-t0 writes it
    missed), siblings, acked_before, seen (size of the context it returned), since_ack (ms from
    the key's last acknowledged write to t0; inf if none), stale (behind > 0)."""
    _check_run(run)
    import pandas as pd

    cols = ["t0", "t1", "key", "behind", "siblings", "acked_before", "seen", "since_ack"]
    df = pd.DataFrame(run.ledger.reads, columns=cols)
    df["stale"] = df["behind"] > 0
    return df


def k_staleness(run: SyncRun, k: int = 1) -> float:
    """Fraction of reads within ``k`` versions: reads that missed fewer than k writes
    acknowledged before they started (k = 1: reads that saw the last acknowledged write) —
    the measured counterpart of :func:`syncmodel.sync.pbs.k_staleness`.  (This was
    ``metrics.staleness``, the name :func:`syncmodel.check.staleness` gives a per-read table.)"""
    _check_run(run)
    k = check_int("k", k, 1)
    reads = run.ledger.reads
    if not reads:
        return float("nan")
    behind = np.fromiter((r.behind for r in reads), dtype=np.int64, count=len(reads))
    return float(np.mean(behind < k))


def t_visibility_reads(run: SyncRun, edges: np.ndarray | list[float]) -> pd.DataFrame:
    """t-visibility of the workload's own reads: reads binned by the time since their key's
    last acknowledged write (``edges`` in ms), with the fraction that saw that write.

    Unlike the WARS probe, these reads race with further writes and failures.  A read is
    fresh when it missed no write acknowledged before it started (behind = 0).  The result is
    a table, one row per bin: from_ms, to_ms (the bin's edges; earlier versions called them
    lo and hi, the names the t-visibility results give a Wilson interval), reads, fresh
    (fraction; NaN for an empty bin).
    """
    _check_run(run)
    import pandas as pd

    expected = "an increasing sequence of at least 2 times (ms)"
    e = float_array("edges", edges, expected)
    if e.ndim != 1 or e.size < 2 or not np.all(np.diff(e) > 0):  # NaN fails the test too
        raise invalid("edges", edges, expected)
    df = reads_frame(run)
    df = df[np.isfinite(df["since_ack"])]
    idx = np.digitize(df["since_ack"], e) - 1
    rows = []
    for j in range(e.size - 1):
        sel = df[idx == j]
        rows.append({"from_ms": e[j], "to_ms": e[j + 1], "reads": len(sel),
                     "fresh": float((sel["behind"] == 0).mean()) if len(sel) else float("nan")})
    return pd.DataFrame(rows)


def conflict_rate(run: SyncRun) -> float:
    """Fraction of writes that were ever concurrent with another version of their key."""
    _check_run(run)
    n = len(run.ledger.issue)
    return len(run.ledger.conflicted) / n if n else 0.0


def lost_updates(run: SyncRun) -> int:
    """Increments that took effect but whose +1 the final value lacks: Σ over keys of
    (writes in the key's final context − final value), with the value of siblings their max.

    Every write is a read-modify-write increment, so a serial history ends with value =
    number of writes; concurrent read-modify-writes (resolved by LWW or by taking the max of
    siblings) lose increments.  A G-counter CRDT would lose none: its value is the number of
    writes in the context.
    """
    _check_run(run)
    total = 0
    for ctx, sibs in _merged_live(run).values():
        value = max((s.value for s in sibs), default=0)
        total += len(ctx) - value
    return total


def counter_values(run: SyncRun) -> tuple[int, int]:
    """(Σ final values as stored, Σ what a G-counter would read) over all keys at the end.

    Each write is a +1; the store keeps one value per version (resolved by LWW or by the
    max of siblings), a G-counter CRDT would keep every increment: its merged value is the
    number of distinct increments seen, |context|.  The difference is :func:`lost_updates`.
    """
    _check_run(run)
    stored = crdt = 0
    for ctx, sibs in _merged_live(run).values():
        stored += max((s.value for s in sibs), default=0)
        crdt += len(ctx)
    return stored, crdt


def convergence_frame(run: SyncRun) -> pd.DataFrame:
    """C(S), A(S) sizes and the consistency ratio at each snapshot (``snapshot_ms`` > 0)."""
    _check_run(run)
    import pandas as pd

    return pd.DataFrame(run.store.snapshots, columns=["time", "c", "a", "ratio"])


def summary(run: SyncRun) -> dict[str, Any]:
    """The headline numbers of a run."""
    _check_run(run)
    led = run.ledger
    lag = replication_lag(run)
    lost = lost_write_ids(run)
    reads = len(led.reads)
    events = run.store.sim.events
    return {
        "mode": run.config.mode,
        "writes": len(led.issue),
        "acked_writes": len(led.ack),
        "failed_writes": led.failed_writes,
        "reads": reads,
        "failed_reads": led.failed_reads,
        "lost_acked_writes": len(lost),
        "fresh_read_fraction": k_staleness(run, 1),
        "stale_reads": int(sum(1 for r in led.reads if r.behind > 0)),
        "lag_mean_ms": float(lag.mean()) if lag.size else 0.0,
        "lag_p99_ms": float(np.quantile(lag, 0.99)) if lag.size else 0.0,
        "conflict_rate": conflict_rate(run),
        "lww_dropped": len(led.lww_dropped),
        "lww_reordered": len(led.lww_reordered),
        "lost_updates": lost_updates(run),
        "counter_lww": counter_values(run)[0],
        "counter_gcounter": counter_values(run)[1],
        "final_ratio": run.store.cluster().consistency_ratio(),
        "events": events,
        "wall_s": run.wall_s,
        "events_per_s": events / run.wall_s if run.wall_s > 0 else float("nan"),
    }


def lost_writes(run: SyncRun) -> list[int]:
    """Deprecated name of :func:`lost_write_ids` (``systems.lost_writes`` returns a dict of counts)."""
    import warnings

    warnings.warn("metrics.lost_writes is deprecated: call it metrics.lost_write_ids", DeprecationWarning,
                  stacklevel=2)
    return lost_write_ids(run)


staleness = renamed_function(k_staleness, "metrics.staleness",
                             "check.staleness is the per-read table of the same name")
