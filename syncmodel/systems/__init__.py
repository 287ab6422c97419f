"""Presets of the real systems the seed article names, one class per system, and the same
questions asked of each.

``systems.names()`` lists the presets; ``systems.preset(name, **overrides)`` returns the
system's model (a :class:`SystemModel` subclass such as :class:`Etcd`) with its documented
defaults (``data/systems.toml``).  Each model answers the five questions —
``availability``, ``failover_downtime``, ``stale_read_probability``, ``lost_writes``,
``conflicting_versions`` — as methods; the module-level functions of the same names take a
preset name or a model; :func:`compare` tabulates them.
"""

from __future__ import annotations

from ..markov import nines
from . import placement, ring, zab
from .analysis import compare
from .caches import Memcached, Redis
from .consensus import CockroachDB, ConsensusSystem, Consul, Etcd, RaftSystem, ZooKeeper
from .filesystems import HDFS, GlusterFS
from .leaderless import Cassandra
from .model import (
    DATA_FILE,
    FRESH_READ_PATHS,
    READ_PATHS,
    SYSTEM_CLASSES,
    SystemModel,
    load_defaults,
    names,
    preset,
)
from .questions import (
    QUESTIONS,
    availability,
    conflicting_versions,
    deposed_leader_window,
    failover_downtime,
    hinted_handoff_missed,
    lost_writes,
    read_repair_effect,
    stale_read_probability,
)

__all__ = ["DATA_FILE", "FRESH_READ_PATHS", "HDFS", "QUESTIONS", "READ_PATHS", "SYSTEM_CLASSES", "Cassandra",
           "CockroachDB", "ConsensusSystem", "Consul", "Etcd", "GlusterFS", "Memcached", "RaftSystem",
           "Redis", "SystemModel", "ZooKeeper", "availability", "compare", "conflicting_versions",
           "deposed_leader_window", "failover_downtime", "hinted_handoff_missed", "load_defaults",
           "lost_writes", "names", "nines", "placement", "preset", "read_repair_effect", "ring",
           "stale_read_probability", "zab"]
