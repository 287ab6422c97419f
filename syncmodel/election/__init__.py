"""Leader election: the article's code, a corrected hash election, and elections
simulated on a faulty network (Raft-style voting in LogCabin's event order, Bully,
hash-based, the article's five steps), with safety checks over whole traces and the
Raft paper's Figure 16 (paper and model side by side: ``paper_table``).

>>> from syncmodel import election
>>> election.hash_election(range(5))
2
>>> df = election.simulate("raft", n=5, trials=3, seed=1)
>>> bool(df["elected"].all()), int(df["safety_violations"].sum())
(True, 0)
"""

from __future__ import annotations

from . import reference
from .fig16 import (
    PAPER,
    PAPER_TRIALS,
    RANGES,
    analytic_cdf,
    batch_maxima,
    broadcast_time_ms,
    compare_with_paper,
    event_order_samples,
    figure16,
    figure16_all,
    paper_table,
    split_vote_probability,
)
from .hashing import hash_election, hash_value, reference_failure, reference_with_leader_patched
from .protocols import ALGORITHMS, EVENT_ORDERS
from .runner import COLUMNS, ElectionRun, run_once, simulate, split_brain
from .safety import Violation, check_safety, leader_intervals, max_concurrent_leaders

__all__ = [
    "ALGORITHMS",
    "COLUMNS",
    "EVENT_ORDERS",
    "PAPER",
    "PAPER_TRIALS",
    "RANGES",
    "ElectionRun",
    "Violation",
    "analytic_cdf",
    "batch_maxima",
    "broadcast_time_ms",
    "check_safety",
    "compare_with_paper",
    "event_order_samples",
    "figure16",
    "figure16_all",
    "hash_election",
    "hash_value",
    "leader_intervals",
    "max_concurrent_leaders",
    "paper_table",
    "reference",
    "reference_failure",
    "reference_with_leader_patched",
    "run_once",
    "simulate",
    "split_brain",
    "split_vote_probability",
]
