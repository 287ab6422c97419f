"""A finished run of the replicated store: its configuration, the store's final state, the
trace and the ledger (:class:`SyncRun`); the metrics read it through these public fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...sim import Trace
from .. import metrics
from .config import StoreConfig
from .ledger import Ledger

if TYPE_CHECKING:
    import pandas as pd

    from .core import Store

__all__ = ["SyncRun"]


@dataclass(frozen=True)
class SyncRun:
    """A finished run: its ``config``, the ``store``'s final state (replicas, clients,
    network, simulator), its ``trace`` and its ``ledger``, ``wall_s`` it took and the
    ``seed`` it ran with."""

    config: StoreConfig
    store: Store
    wall_s: float
    seed: Any = None

    @property
    def trace(self) -> Trace:
        return self.store.sim.trace

    @property
    def ledger(self) -> Ledger:
        return self.store.ledger

    def summary(self) -> dict[str, Any]:
        """Key numbers of the run (:func:`syncmodel.sync.metrics.summary`)."""
        return metrics.summary(self)

    def to_frame(self) -> pd.DataFrame:
        """The run as one table row: its mode, n, r, w, seed and :meth:`summary`."""
        import pandas as pd

        cfg = self.config
        return pd.DataFrame([{"mode": cfg.mode, "n": cfg.n, "r": cfg.r, "w": cfg.w, "seed": self.seed,
                              **self.summary()}])
