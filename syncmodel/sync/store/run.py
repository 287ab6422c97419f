"""Running the replicated store: :func:`simulate_store` (one seeded run), :func:`replicate`
(independent runs on child seeds) and :func:`random_faults` (a seeded fault schedule).
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Sequence
from typing import Any

from ...errors import check_int, check_real, invalid
from ...rng import Seed, as_generator, spawn
from .config import StoreConfig, make_config
from .core import Store
from .result import SyncRun

__all__ = ["random_faults", "replicate", "simulate", "simulate_store"]


def simulate_store(mode: str = "quorum", n: int = 3, r: int = 1, w: int = 1, *, seed: Seed = None,
                   log_applies: bool = True, **params: Any) -> SyncRun:
    """Run the replicated store once; see :class:`StoreConfig` for the parameters.

    Clients (``clients``, each with Poisson reads at ``read_rate_per_s`` and read-modify-write
    increments at ``write_rate_per_s`` on ``keys`` keys of Zipf(``zipf``) popularity) talk to
    ``n`` replicas for ``duration_ms``; then ``settle_ms`` more with no new operations so
    replication, repair and failover can finish.  ``crashes``: (node, at_ms, restart_at_ms|None);
    ``partitions``: (groups, at_ms, heal_at_ms|None).  A crashed replica keeps its disk.
    The result records its ``seed``.

    Modes: ``sync`` (the primary acknowledges once every backup in the view holds the
    write), ``async`` (at once; backups catch up), ``quorum`` (the client sends to all N
    — or W random ones with ``fanout="quorum"`` — and acknowledges after W acks; reads wait
    for R responses), ``multileader`` (the client's home leader acknowledges and
    replicates).  Conflicts: ``policy`` "lww" (largest timestamp, clocks skewed by up to
    ``clock_skew_ms``) or "siblings".

    Assumptions: a crashed replica keeps its disk (its data and log) and its volatile
    state only is lost; primary-backup failover is decided by an oracle (a configuration
    service) ``detect_ms`` after a crash — never on a partition — which promotes the live
    member of the view with the longest log, and, if every replica is down, waits for a
    member of the last view; writes are read-modify-write increments (value + 1 with the
    context read), so concurrent ones conflict; versions are per-key sets of write ids
    (a dotted causal context) with siblings; messages travel with the network's latency,
    loss and partitions, and an unanswered operation fails after ``timeout_ms``.

    Worked case: ``simulate_store("sync", 3, seed=1, crashes=[(0, 500, None)])`` fails over
    to a backup and loses no acknowledged write.

    >>> from syncmodel.sync import metrics
    >>> run = simulate_store("sync", 3, seed=1, crashes=[(0, 500.0, None)], duration_ms=1000.0)
    >>> run.store.primary != 0, metrics.lost_write_ids(run)
    (True, [])
    """
    cfg = make_config(mode=mode, n=n, r=r, w=w, **params)
    return Store(cfg, seed=seed, log_applies=log_applies).run()


def _signature() -> inspect.Signature:
    """simulate_store's signature as help() and tab completion should show it: mode, n, r, w,
    then every other :class:`StoreConfig` field as a keyword (they arrive through ``**params``)."""
    kw = inspect.Parameter.KEYWORD_ONLY
    base = list(inspect.signature(simulate_store).parameters.values())[:6]  # mode, n, r, w, seed, log_applies
    rest = [inspect.Parameter(f.name, kw, default=f.default, annotation=f.type)
            for f in dataclasses.fields(StoreConfig) if f.name not in ("mode", "n", "r", "w")]
    return inspect.Signature([*base, *rest], return_annotation="SyncRun")


simulate_store.__signature__ = _signature()  # type: ignore[attr-defined]


def simulate(mode: str = "quorum", n: int = 3, r: int = 1, w: int = 1, *, seed: Seed = None,
             log_applies: bool = True, **params: Any) -> SyncRun:
    """Deprecated name of :func:`simulate_store` (``simulate`` returns a DataFrame elsewhere)."""
    import warnings

    warnings.warn("syncmodel.sync.simulate is deprecated: call it simulate_store", DeprecationWarning,
                  stacklevel=2)
    return simulate_store(mode, n, r, w, seed=seed, log_applies=log_applies, **params)


def random_faults(n: int, duration_ms: float, crashes: int = 1, partitions: int = 0,
                  permanent: int = 0, *, seed: Seed = None, down_ms: tuple[float, float] = (50.0, 400.0)
                  ) -> dict[str, Any]:
    """A random fault schedule: ``crashes`` crash-restart events on distinct replicas (of which
    ``permanent`` never restart), ``partitions`` partitions of a random minority that heal.

    Returns ``{"crashes": [...], "partitions": [...]}`` for :func:`simulate_store`.
    """
    n = check_int("n", n, 0)
    crashes = check_int("crashes", crashes, 0)
    partitions = check_int("partitions", partitions, 0)
    permanent = check_int("permanent", permanent, 0)
    duration_ms = check_real("duration_ms", duration_ms, 0.0)
    if not (isinstance(down_ms, Sequence) and not isinstance(down_ms, (str, bytes)) and len(down_ms) == 2):
        raise invalid("down_ms", down_ms, "a pair (lo, hi) of finite numbers with 0 ≤ lo ≤ hi")
    lo = check_real("down_ms", down_ms[0], 0.0)
    hi = check_real("down_ms", down_ms[1], lo)
    if not math.isfinite(hi - lo):
        raise invalid("down_ms", down_ms, "a pair (lo, hi) whose width hi − lo is finite")
    down_ms = (lo, hi)
    if crashes > n:
        raise invalid("crashes", crashes, f"≤ n = {n}")
    if permanent > crashes:
        raise invalid("permanent", permanent, f"≤ crashes = {crashes}")
    rng = as_generator(seed)
    nodes = rng.permutation(n)[:crashes].tolist()
    out_c: list[tuple[int, float, float | None]] = []
    for i, node in enumerate(nodes):
        at = float(rng.uniform(0.1, 0.8) * duration_ms)
        back = None if i < permanent else at + float(rng.uniform(*down_ms))
        out_c.append((int(node), at, back))
    out_p = []
    for _ in range(partitions):
        k = int(rng.integers(1, max(2, (n + 1) // 2)))
        minority = rng.permutation(n)[:k].tolist()
        rest = [i for i in range(n) if i not in minority]
        at = float(rng.uniform(0.1, 0.7) * duration_ms)
        out_p.append(((tuple(minority), tuple(rest)), at, at + float(rng.uniform(*down_ms))))
    return {"crashes": out_c, "partitions": out_p}


def replicate(n_runs: int, seed: Seed = None, **params: Any) -> list[SyncRun]:
    """``n_runs`` independent runs with child seeds of ``seed``."""
    n_runs = check_int("n_runs", n_runs, 1)
    return [simulate_store(seed=s, **params) for s in spawn(seed, n_runs)]

