"""The five questions of every preset side by side: :func:`compare` builds the table
(one row per system; the answers themselves live in each system's class).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import check_int, invalid, is_iterable
from ..markov import nines
from ..rng import Seed, check_seed, spawn
from .model import SystemModel, names, preset
from .questions import model

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = ["compare"]


def compare(systems: Iterable[SystemModel | str] | None = None, p: float = 0.01, *,
            t_ms: float = 0.0, trials: int = 100, writes: int = 1000, seed: Seed = None,
            rack_p: float = 0.0, failed_replicas: int = 0,
            overrides: Mapping[str, Mapping[str, Any]] | None = None) -> pd.DataFrame:
    """One row per system: the five answers side by side (a pandas DataFrame).

    Columns: system, preset, nodes, replicas, availability (F(S) at ``p``), nines,
    downtime_median_ms, downtime_p99_ms, stale_read (at ``t_ms``), lost_writes,
    lost_fraction, versions, discarded.  System i uses child seed i of ``seed``
    for its simulations, so adding a system does not change the others' numbers.
    ``df.attrs["downtime_ms"]`` keeps each system's downtime samples (by display
    name) for plotting and ``df.attrs["seed"]`` the seed.  ``overrides`` maps a preset name
    to its overrides.
    """
    import numpy as np
    import pandas as pd

    if systems is not None and (isinstance(systems, (str, bytes)) or not is_iterable(systems)):
        raise invalid("systems", systems, "None or an iterable of preset names and SystemModels")
    items = list(names() if systems is None else systems)
    if not items:
        raise invalid("systems", items, "at least one preset")
    failed_replicas = check_int("failed_replicas", failed_replicas, 0)
    if overrides is not None and not (isinstance(overrides, Mapping) and all(
            isinstance(v, Mapping) and all(isinstance(k, str) for k in v) for v in overrides.values())):
        raise invalid("overrides", overrides, "None or a mapping preset name -> {setting: value}")
    extra = dict(overrides or {})
    check_seed(seed)
    seeds = spawn(seed, len(items))
    rows = []
    samples: dict[str, np.ndarray] = {}
    for item, s in zip(items, seeds, strict=True):
        m = model(item) if not isinstance(item, str) else preset(item, **extra.get(item, {}))
        s_down, s_stale, s_lost, s_conf = spawn(s, 4)
        a = m.availability(p, rack_p=rack_p)
        d = m.failover_downtime(trials, seed=s_down)
        lw = m.lost_writes(writes, seed=s_lost, failed_replicas=min(failed_replicas, max(m.replicas - 1, 0)))
        cv = m.conflicting_versions(2, seed=s_conf)
        samples[m.display] = d
        rows.append({"system": m.display, "preset": m.name, "nodes": m.nodes,
                     "replicas": m.replicas, "availability": a, "nines": nines(a),
                     "downtime_median_ms": float(np.nanmedian(d)),
                     "downtime_p99_ms": float(np.nanpercentile(d, 99)),
                     "stale_read": m.stale_read_probability(t_ms, seed=s_stale),
                     "lost_writes": lw.lost, "lost_fraction": lw.lost_fraction,
                     "versions": cv.versions, "discarded": cv.discarded})
    df = pd.DataFrame(rows)
    df.attrs["downtime_ms"] = samples
    df.attrs["seed"] = seed
    return df


def __getattr__(name: str) -> Any:
    """The questions lived here before each system became a class: their old import path
    still works (DeprecationWarning); import them from :mod:`syncmodel.systems`."""
    from . import questions

    if name in questions.__all__ or name == "nines":
        import warnings

        warnings.warn(f"syncmodel.systems.analysis.{name} moved: use syncmodel.systems.{name}",
                      DeprecationWarning, stacklevel=2)
        return nines if name == "nines" else getattr(questions, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
