"""Start here: syncmodel models data synchronization in distributed systems — availability,
leader elections, staleness, data loss and conflicts — and measures it on a simulated network.

Notebooks (``notebooks/``, run ``make lab``): 00 tour · 01 consistency and availability sets ·
02 failure analysis · 03 quorum systems · 04 leader election · 05 data sync · 06 real systems ·
07 sweeps · 08 model vs reality (the testbed) · 09 consistency checking.

Five entry points::

    import syncmodel as sm
    sm.fault_tolerance(sm.choose(3, 5), p=0.01)        # F(S) = 1 − P(S), exact
    sm.quorum.majority(5).availability(0.01)           # quorum systems: load, capacity, ...
    sm.election.simulate("raft", n=5, trials=100, seed=1)        # DataFrame, one row per election
    sm.sync.simulate_store("quorum", 3, 2, 2, seed=1).summary()  # a replicated store run
    sm.systems.compare(["etcd", "redis"], p=0.01, seed=1)        # the named systems side by side

and beside them ``sm.check`` (histories and consistency checkers), ``sm.testbed`` (the real
servers on this machine), ``sm.sweep`` (parameter grids on any executor).

Command line: ``syncmodel figures --out figures`` (the paper figures), ``syncmodel
availability majority:5 --p 0.01``, ``syncmodel election --algorithm raft --timeout 150-300``,
``syncmodel systems compare``.

Vocabulary (one name, one meaning, everywhere):

- ``p``: probability that a node is down (a float, a sequence, or {node: p}); a proportion or a
  target probability has another name (``fraction``, ``target``).
- ``n``: number of nodes (servers, replicas); a number of repetitions is ``trials`` (Monte
  Carlo draws, simulated elections or operations) or ``runs`` (whole simulated runs).
- ``r``, ``w``: read and write quorum sizes (``q``, ``q1``, ``q2``: a quorum size where reads
  and writes are not told apart); ``k``: versions (k-staleness) or a threshold.
- ``seed``: an int, a numpy Generator or None; always a keyword, default None (fresh
  entropy); stochastic results record it.  Same seed, same numbers, bit for bit.
- Times are milliseconds and say so: ``*_ms`` (``timeout_ms``, ``duration_ms``, ``at_ms``);
  rates are per second: ``*_per_s`` (``write_rate_per_s``).
- ``simulate(...)`` returns a DataFrame (one row per trial); a single simulated run of a
  system is ``simulate_<thing>`` returning a result object (``sync.simulate_store`` ->
  ``SyncRun``, ``sync.sloppy.simulate_handoff`` -> ``SloppyRun``).  Results are frozen
  dataclasses with ``to_frame()``, or a DataFrame when the result is a table.
- Bad input raises :class:`InvalidParameterError` (a ValueError) naming the parameter and
  the value; "no answer exists" raises :class:`InfeasibleError`.
- Names changed to follow this vocabulary (``wilson(p, n)`` -> ``wilson(fraction, trials)``,
  ``structure.majority`` -> ``structure.majority_of``, dict results -> result objects, ...)
  keep working for one release with a DeprecationWarning that names the new spelling.

Names are imported lazily: ``import syncmodel`` loads neither numpy nor plotly nor ipywidgets.
"""

import importlib as _importlib

from .errors import InfeasibleError, InvalidParameterError, SyncModelError

__version__ = "0.1.0"

# name -> module that defines it (functions and classes re-exported lazily)
_LAZY_NAMES: dict[str, str] = {
    "consistency_set": "syncmodel.sets",
    "availability_set": "syncmodel.sets",
    "consistency_ratio": "syncmodel.sets",
    "Cluster": "syncmodel.sets",
    "failure_probability": "syncmodel.failure",
    "fault_tolerance": "syncmodel.failure",
    "failure_probability_mc": "syncmodel.failure",
    "failure_curve": "syncmodel.failure",
    "Domain": "syncmodel.failure",
    "Node": "syncmodel.structure",
    "choose": "syncmodel.structure",
    "hash_election": "syncmodel.election.hashing",
    "QuorumSystem": "syncmodel.quorum",
    "k_staleness": "syncmodel.sync.pbs",
    "t_visibility": "syncmodel.sync.pbs",
    "preset": "syncmodel.systems",
    "SystemModel": "syncmodel.systems",
}
# submodules reachable as attributes: sm.quorum, sm.markov, ...
_SUBMODULES = (
    "errors", "rng", "sets", "structure", "failure", "markov", "quorum", "sim",
    "election", "sync", "systems", "check", "testbed", "sweep", "sweep_targets", "viz", "export", "widgets",
    "figures", "cli",
)

__all__ = [
    "InfeasibleError",
    "InvalidParameterError",
    "SyncModelError",
    "__version__",
    *_LAZY_NAMES,
]


def __getattr__(name: str) -> object:
    if name in _LAZY_NAMES:
        value = getattr(_importlib.import_module(_LAZY_NAMES[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return _importlib.import_module(f"syncmodel.{name}")
    raise AttributeError(f"module 'syncmodel' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The public API: the names of :data:`__all__` and the submodules (no helpers)."""
    return sorted(set(__all__) | set(_SUBMODULES))
