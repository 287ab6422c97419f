"""Ready-made experiments for the notebook, dashboard and figures: PBS curves per profile,
replication modes compared over seeded fault schedules, convergence after a partition.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import invalid
from ..rng import Seed, spawn_ints
from . import metrics, pbs
from .store import SyncRun, random_faults, simulate

if TYPE_CHECKING:
    import pandas as pd

#: a log-spaced grid of t (ms) for t-visibility curves
T_GRID = np.concatenate([[0.0], np.geomspace(0.01, 2000.0, 60)])


def pbs_curves(n: int = 3, r: int = 1, w: int = 1, profiles: Sequence[str] = pbs.PROFILES,
               t_ms: Sequence[float] | np.ndarray = T_GRID, trials: int = 100_000,
               seed: Seed = 0) -> dict[str, dict[str, np.ndarray]]:
    """t-visibility curve of each latency profile (one WARS draw set per profile)."""
    seeds = spawn_ints(seed, len(profiles))
    return {p: pbs.t_visibility_curve(n, r, w, t_ms, p, trials=trials, seed=s)
            for p, s in zip(profiles, seeds, strict=True)}


def compare_modes(configs: Sequence[tuple[str, int, int]] = (("sync", 1, 1), ("async", 1, 1),
                                                             ("quorum", 2, 2), ("quorum", 1, 1),
                                                             ("multileader", 1, 1)),
                  n: int = 3, runs: int = 5, crashes: int = 1, permanent: int = 0, partitions: int = 1,
                  crash_primary: bool = True, seed: Seed = 0, **params: Any) -> pd.DataFrame:
    """Each (mode, r, w) on the same ``runs`` seeded fault schedules: one row per run with the
    run's :func:`~syncmodel.sync.metrics.summary`, its seed and its configuration.

    A schedule is :func:`~syncmodel.sync.store.random_faults` (``crashes`` crash-restarts of
    distinct replicas, ``permanent`` of them for good, ``partitions`` minority partitions);
    ``crash_primary`` also crashes replica 0 — the first primary — at a random time in the
    middle of the run and restarts it 300 ms later (the replica's random crash, if any, is
    replaced), so that every primary-backup run fails over."""
    import pandas as pd

    if not isinstance(runs, int) or runs < 1:
        raise invalid("runs", runs, "an int ≥ 1")
    duration = float(params.get("duration_ms", 2000.0))
    rows = []
    for s in spawn_ints(seed, runs):
        faults = random_faults(n, duration, crashes=crashes, permanent=permanent,
                               partitions=partitions, seed=s)
        if crash_primary:
            at = duration * (0.3 + 0.4 * (s % 1000) / 1000)
            faults["crashes"] = [c for c in faults["crashes"] if c[0] != 0] + [(0, at, at + 300.0)]
        for mode, r, w in configs:
            run = simulate(mode, n, r, w, seed=s, **faults, **params)
            row = {"config": f"{mode} R={r} W={w}" if mode == "quorum" else mode,
                   "r": r, "w": w, "seed": s, **run.summary()}
            rows.append(row)
    return pd.DataFrame(rows)


def partition_run(mode: str = "multileader", n: int = 3, r: int = 1, w: int = 1,
                  partition_ms: tuple[float, float] = (400.0, 1200.0), minority: Sequence[int] = (0,),
                  anti_entropy_ms: float | None = 25.0, snapshot_ms: float = 20.0, seed: Seed = 0,
                  **params: Any) -> SyncRun:
    """One run with ``minority`` cut off from the rest during ``partition_ms``, snapshots of
    C(S), A(S) every ``snapshot_ms``: watch the consistency ratio fall and recover."""
    rest = tuple(i for i in range(n) if i not in set(minority))
    part = [((tuple(minority), rest), float(partition_ms[0]), float(partition_ms[1]))]
    params.setdefault("duration_ms", max(2000.0, partition_ms[1] + 600.0))
    return simulate(mode, n, r, w, seed=seed, partitions=part, anti_entropy_ms=anti_entropy_ms,
                    snapshot_ms=snapshot_ms, **params)


def time_to_converge(run: SyncRun, after_ms: float) -> float:
    """ms from ``after_ms`` (e.g. the heal) to the first snapshot at which every replica agrees
    again (consistency ratio 1); NaN if none does.  Needs a run with ``snapshot_ms``."""
    cf = metrics.convergence_frame(run)
    if cf.empty:
        raise invalid("run", "no snapshots", "a run with snapshot_ms set")
    ok = cf[(cf.time >= after_ms) & (cf.ratio >= 1.0)]
    return float(ok.time.min() - after_ms) if not ok.empty else float("nan")
