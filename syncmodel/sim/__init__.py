"""A small, fast discrete-event simulator of processes on a faulty network.

Shared by the election and replication models.  Pieces:

* :class:`Simulator` (``kernel``): clock, heap of ``(time, seq, callback, arg)``,
  one ``numpy`` generator; a run is a pure function of its seed.
* :class:`Network` (``network``): per-message latency (:class:`Fixed`,
  :class:`Uniform`, :class:`Exponential`, :class:`LogNormal`, :class:`Empirical`,
  :class:`Sum`), loss probability, partitions that start and heal, crashes and
  restarts.  Counters ``sent``, ``delivered``, ``dropped``.
* :class:`Process` (``network``): subclass it; override ``on_start()``,
  ``on_message(src, msg)``, ``on_timer(name, data)`` (and optionally
  ``on_crash()``, ``on_restart()``); use ``self.send``, ``self.broadcast``,
  ``self.set_timer`` / ``self.cancel_timer``, ``self.log``, ``self.now``,
  ``self.sim.rng``.
* :class:`Trace` (``trace``): the run's output, a list of :class:`Record`
  ``(time, node, kind, term, data)``; ``Trace(messages=True)`` also records every
  send/deliver/drop.  Times are in milliseconds throughout.

Example: a ping-pong on a lossy network with a partition in the middle.

>>> from syncmodel.sim import Simulator, Network, Process, Uniform
>>> class Pinger(Process):
...     def on_start(self):
...         if self.id == 0:
...             self.set_timer(0.0, "tick")
...     def on_timer(self, name, data):
...         self.broadcast(("ping", self.now))
...         self.set_timer(10.0, "tick")
...     def on_message(self, src, msg):
...         if msg[0] == "ping":
...             self.send(src, ("pong", msg[1]))
...         else:
...             self.log("rtt", rtt=self.now - msg[1])
>>> sim = Simulator(seed=1)
>>> net = Network(sim, latency=Uniform(1.0, 3.0), loss=0.1)
>>> _ = net.add(Pinger() for _ in range(3))
>>> net.partition([{0}, {1, 2}], at_ms=40.0, heal_at_ms=60.0)
>>> net.crash(2, at_ms=70.0, restart_at_ms=80.0)
>>> net.start()
>>> sim.run(until=100.0)
'until'
>>> rtts = [r.data["rtt"] for r in sim.trace.of_kind("rtt")]
>>> all(2.0 <= x <= 6.0 for x in rtts), len(rtts) < 2 * 10
(True, True)
>>> [r.kind for r in sim.trace.of_kind("partition", "heal", "crash", "restart")]
['partition', 'heal', 'crash', 'restart']
"""

from __future__ import annotations

from .kernel import Simulator
from .latency import (
    Empirical,
    Exponential,
    Fixed,
    Latency,
    LatencySpec,
    LogNormal,
    Sum,
    Uniform,
    as_latency,
)
from .network import Network, Process
from .trace import NETWORK_KINDS, Record, Trace

__all__ = [
    "NETWORK_KINDS",
    "Empirical",
    "Exponential",
    "Fixed",
    "Latency",
    "LatencySpec",
    "LogNormal",
    "Network",
    "Process",
    "Record",
    "Simulator",
    "Sum",
    "Trace",
    "Uniform",
    "as_latency",
]
