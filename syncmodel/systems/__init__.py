"""Presets of the real systems the seed article names, and the same questions asked of each.

``systems.names()`` lists the presets; ``systems.preset(name, **overrides)`` returns a
:class:`SystemModel` with the system's documented defaults (``data/systems.toml``).
"""

from __future__ import annotations

from . import placement, ring, zab
from .analysis import (
    QUESTIONS,
    availability,
    compare,
    conflicting_versions,
    deposed_leader_window,
    failover_downtime,
    hinted_handoff_missed,
    lost_writes,
    nines,
    read_repair_effect,
    stale_read_probability,
)
from .model import DATA_FILE, FRESH_READ_PATHS, READ_PATHS, SystemModel, load_defaults, names, preset

__all__ = ["DATA_FILE", "FRESH_READ_PATHS", "QUESTIONS", "READ_PATHS", "SystemModel", "availability",
           "compare", "conflicting_versions", "deposed_leader_window", "failover_downtime",
           "hinted_handoff_missed", "load_defaults", "lost_writes",
           "names", "nines", "placement", "preset", "read_repair_effect", "ring",
           "stale_read_probability", "zab"]
