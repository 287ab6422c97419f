"""The store's network: PBS's WARS model, where the delay law depends on the message kind
(writes ~ W, their acks ~ A, reads ~ R, responses ~ S), optionally across datacenters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...sim import Network, Simulator
from ..pbs import WARS
from .messages import Get, GetResp, Put, PutAck

__all__ = ["WARS_KINDS", "WarsNetwork"]

#: which WARS law delays which message type (every other message: R)
WARS_KINDS: dict[type, str] = {Put: "W", PutAck: "A", Get: "R", GetResp: "S"}


class WarsNetwork(Network):
    """A :class:`~syncmodel.sim.Network` whose delay depends on the message kind, as in the
    PBS WARS model: writes to replicas ~ W, their acks ~ A, reads ~ R, responses ~ S.

    With ``remote_ms`` > 0 (the WAN profile) every node has a datacenter (``dc``; replica i
    is in datacenter i, a client in its home replica's) and a message between datacenters
    takes ``remote_ms`` more.  (A thin layer over the simulator, which draws one law for all
    messages: it swaps the network's sampler per message.)
    """

    def __init__(self, sim: Simulator, wars: WARS, loss: float = 0.0) -> None:
        super().__init__(sim, latency=wars.R, loss=loss)
        self.remote_ms = float(wars.remote_ms)
        self.dc: list[int] = []
        base = self._draw
        self._base = base
        self._kinds: dict[type, Callable[[], float]] = {
            k: getattr(wars, law).sampler(sim.rng) for k, law in WARS_KINDS.items()}
        extra = self.remote_ms
        self._remote_base: Callable[[], float] = lambda: base() + extra
        self._remote = {k: (lambda f=f: f() + extra) for k, f in self._kinds.items()}

    def _sampler(self, src: int, dst: int, msg: Any) -> Callable[[], float]:
        if self.remote_ms and self.dc[src] != self.dc[dst]:
            return self._remote.get(type(msg), self._remote_base)
        return self._kinds.get(type(msg), self._base)

    def send(self, src: int, dst: int, msg: Any) -> None:
        self._draw = self._sampler(src, dst, msg)
        super().send(src, dst, msg)

    def multicast(self, src: int, dsts: Any, msg: Any) -> None:
        if self.remote_ms:
            for d in dsts:
                self.send(src, d, msg)
            return
        self._draw = self._sampler(src, src, msg)
        super().multicast(src, dsts, msg)
