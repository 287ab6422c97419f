"""The real systems on this machine: etcd, ZooKeeper, Redis + Sentinel and Memcached on 127.0.0.1.

``cluster(name, n, **settings)`` starts one (a context manager that reaps it); ``failover``,
``stale_reads``, ``lost_writes`` and ``memcached_loss`` measure what :mod:`syncmodel.systems`
predicts and return tidy DataFrames; ``compare`` puts a measurement beside model samples.
The models never import this package.  Servers come from Debian packages (``make validate``).
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidParameterError
from ._proc import ServerNotInstalledError, ServerStartError, free_ports, live, reap_all
from .base import FAULTS, Cluster
from .compare import bootstrap_median, compare, ks_statistic
from .data import MEASURED_DIR, read_measured, write_measured
from .etcd import EtcdCluster
from .experiments import failover, lost_writes, memcached_loss, predicted_failover
from .history import COLUMNS as HISTORY_COLUMNS
from .history import History
from .memcached import MemcachedPool
from .redis import RedisCluster
from .report import comparison_table
from .staleness import fit_race, predicted_stale, stale_reads
from .zookeeper import ZooKeeperCluster

__all__ = ["FAULTS", "HISTORY_COLUMNS", "MEASURED_DIR", "SYSTEMS", "Cluster", "History",
           "ServerNotInstalledError", "ServerStartError", "bootstrap_median", "cluster", "compare",
           "comparison_table", "failover", "fit_race", "free_ports", "installed", "ks_statistic", "live",
           "lost_writes",
           "memcached_loss", "predicted_failover", "predicted_stale", "read_measured", "reap_all",
           "stale_reads", "write_measured"]

#: system name -> cluster class
SYSTEMS: dict[str, type[Cluster]] = {"etcd": EtcdCluster, "zookeeper": ZooKeeperCluster,
                                     "redis": RedisCluster, "memcached": MemcachedPool}


def cluster(name: str, n: int = 3, **settings: Any) -> Cluster:
    """A cluster of system ``name`` with ``n`` members: use ``with testbed.cluster(...) as c``.

    Known systems and settings (defaults are the systems' own):
    etcd (n = 1, 3, 5; ``heartbeat_ms`` 100, ``election_timeout_ms`` 1000);
    zookeeper (n = 1, 3, 5; ``tick_ms`` 2000, ``sync_limit`` 5, ``init_limit`` 10);
    redis (n = 2..5 servers, member 0 the first master, plus ``sentinels`` 3 with
    ``sentinel_quorum`` 2, ``down_after_ms`` 30000, ``failover_timeout_ms`` 180000);
    memcached (n = 1..8 servers, ``vnodes`` 160, ``memory_mb`` 64).
    Unknown names or settings raise InvalidParameterError listing the known ones; a missing
    binary raises ServerNotInstalledError naming its Debian package.
    """
    if not isinstance(name, str) or name.lower() not in SYSTEMS:
        raise InvalidParameterError(f"name must be one of {sorted(SYSTEMS)}, got {name!r}")
    return SYSTEMS[name.lower()](n, **settings)


def installed(name: str) -> bool:
    """True when system ``name``'s server binaries are on this machine."""
    import os
    import shutil

    need = {"etcd": ["etcd"], "zookeeper": ["java"], "redis": ["redis-server", "redis-sentinel"],
            "memcached": ["memcached"]}
    if not isinstance(name, str) or name not in need:  # (an array or list is not a name)
        raise InvalidParameterError(f"name must be one of {sorted(SYSTEMS)}, got {name!r}")
    ok = all(shutil.which(b) for b in need[name])
    if name == "zookeeper":
        from .zookeeper import JAR

        ok = ok and os.path.exists(JAR)
    return ok
