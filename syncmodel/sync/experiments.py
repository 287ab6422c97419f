"""Ready-made experiments for the notebook, dashboard and figures: PBS curves per profile,
replication modes compared over seeded fault schedules, convergence after a partition.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import InvalidParameterError, check_hashable, check_int, check_real, invalid
from ..rng import Seed, spawn_ints
from . import metrics, pbs
from .store import SyncRun, random_faults, simulate_store

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["T_GRID", "compare_modes", "partition_run", "pbs_curves", "time_to_converge"]


#: a log-spaced grid of t (ms) for t-visibility curves
T_GRID = np.concatenate([[0.0], np.geomspace(0.01, 2000.0, 60)])


def pbs_curves(n: int = 3, r: int = 1, w: int = 1, profiles: Sequence[str] = pbs.PROFILES,
               t_ms: Sequence[float] | np.ndarray = T_GRID, trials: int = 100_000,
               *, seed: Seed = None) -> dict[str, pbs.TVisibility]:
    """t-visibility curve of each latency profile (one WARS draw set per profile), by profile."""
    expected = f"a sequence of profiles (names from {list(pbs.PROFILES)} or WARS / latency laws)"
    if isinstance(profiles, (str, bytes)) or not isinstance(profiles, Sequence):
        raise invalid("profiles", profiles, expected)
    wars = []
    for p in profiles:
        try:
            wars.append(pbs.as_wars(check_hashable("profiles", p, expected)))
        except InvalidParameterError:
            raise invalid("profiles", profiles, expected) from None
    seeds = spawn_ints(seed, len(profiles))
    return {p: pbs.t_visibility_curve(n, r, w, t_ms, law, trials=trials, seed=s)
            for p, law, s in zip(profiles, wars, seeds, strict=True)}


def compare_modes(configs: Sequence[tuple[str, int, int]] = (("sync", 1, 1), ("async", 1, 1),
                                                             ("quorum", 2, 2), ("quorum", 1, 1),
                                                             ("multileader", 1, 1)),
                  n: int = 3, runs: int = 5, crashes: int = 1, permanent: int = 0, partitions: int = 1,
                  crash_primary: bool = True, *, seed: Seed = None, **params: Any) -> pd.DataFrame:
    """Each (mode, r, w) on the same ``runs`` seeded fault schedules: one row per run with the
    run's :func:`~syncmodel.sync.metrics.summary`, its seed and its configuration.

    A schedule is :func:`~syncmodel.sync.store.random_faults` (``crashes`` crash-restarts of
    distinct replicas, ``permanent`` of them for good, ``partitions`` minority partitions);
    ``crash_primary`` also crashes replica 0 — the first primary — at a random time in the
    middle of the run and restarts it 300 ms later (the replica's random crash, if any, is
    replaced), so that every primary-backup run fails over."""
    import pandas as pd

    runs = check_int("runs", runs, 1)
    expected = "a non-empty sequence of (mode, r, w) triples"
    if isinstance(configs, (str, bytes)) or not isinstance(configs, Iterable):
        raise invalid("configs", configs, expected)
    configs = list(configs)
    if not configs or any(isinstance(c, (str, bytes)) or not isinstance(c, Sequence) or len(c) != 3
                          for c in configs):
        raise invalid("configs", configs, expected)
    duration = check_real("duration_ms", params.get("duration_ms", 2000.0), 0.0, lo_open=True)
    rows = []
    for s in spawn_ints(seed, runs):
        faults = random_faults(n, duration, crashes=crashes, permanent=permanent,
                               partitions=partitions, seed=s)
        if crash_primary:
            at = duration * (0.3 + 0.4 * (s % 1000) / 1000)
            faults["crashes"] = [c for c in faults["crashes"] if c[0] != 0] + [(0, at, at + 300.0)]
        for mode, r, w in configs:
            run = simulate_store(mode, n, r, w, seed=s, **faults, **params)
            row = {"config": f"{mode} R={r} W={w}" if mode == "quorum" else mode,
                   "r": r, "w": w, "seed": s, **run.summary()}
            rows.append(row)
    return pd.DataFrame(rows)


def partition_run(mode: str = "multileader", n: int = 3, r: int = 1, w: int = 1,
                  partition_ms: tuple[float, float] = (400.0, 1200.0), minority: Sequence[int] = (0,),
                  anti_entropy_ms: float | None = 25.0, snapshot_ms: float = 20.0, *, seed: Seed = None,
                  **params: Any) -> SyncRun:
    """One run with ``minority`` cut off from the rest during ``partition_ms``, snapshots of
    C(S), A(S) every ``snapshot_ms``: watch the consistency ratio fall and recover."""
    n, r, w = pbs.check_nrw(n, r, w)
    ids = f"a sequence of replica ids in 0..{n - 1}"
    if isinstance(minority, (str, bytes)) or not isinstance(minority, Iterable):
        raise invalid("minority", minority, ids)
    group = tuple(minority)
    if not all(isinstance(i, numbers.Integral) and not isinstance(i, bool) and 0 <= i < n for i in group):
        raise invalid("minority", minority, ids)
    pair = "a pair (start, heal) of finite times with 0 ≤ start ≤ heal"
    if (isinstance(partition_ms, (str, bytes)) or not isinstance(partition_ms, Sequence)
            or len(partition_ms) != 2):
        raise invalid("partition_ms", partition_ms, pair)
    start = check_real("partition_ms", partition_ms[0], 0.0)
    heal = check_real("partition_ms", partition_ms[1], start)
    rest = tuple(i for i in range(n) if i not in set(group))
    part = [((group, rest), start, heal)]
    params.setdefault("duration_ms", max(2000.0, heal + 600.0))
    return simulate_store(mode, n, r, w, seed=seed, partitions=part, anti_entropy_ms=anti_entropy_ms,
                    snapshot_ms=snapshot_ms, **params)


def time_to_converge(run: SyncRun, after_ms: float) -> float:
    """ms from ``after_ms`` (e.g. the heal) to the first snapshot at which every replica agrees
    again (consistency ratio 1); NaN if none does.  Needs a run with ``snapshot_ms``."""
    after_ms = check_real("after_ms", after_ms)
    cf = metrics.convergence_frame(run)
    if cf.empty:
        raise invalid("run", "no snapshots", "a run with snapshot_ms set")
    ok = cf[(cf.time >= after_ms) & (cf.ratio >= 1.0)]
    return float(ok.time.min() - after_ms) if not ok.empty else float("nan")
