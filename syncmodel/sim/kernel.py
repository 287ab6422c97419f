"""The discrete-event kernel: a heap of (time, seq, callback, argument).

Events at equal times run in the order they were scheduled (the sequence
number breaks ties), so a run is a pure function of its seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

import numpy as np

from ..errors import check_int, check_real, invalid
from ..rng import Seed, as_generator
from .trace import Trace

__all__ = ["Simulator"]


class Simulator:
    """Clock, event heap, random generator and trace of one run.

    ``schedule(delay, fn, arg)`` queues ``fn(arg)`` at ``now + delay`` and returns
    a handle; ``cancel(handle)`` drops it; ``run(until)`` executes events in time
    order until the heap is empty, the clock would pass ``until``, or ``stop()``
    is called.  All randomness of a run comes from ``self.rng``.
    """

    __slots__ = ("_cancelled", "_heap", "_seq", "_stopped", "events", "now", "rng", "trace")

    def __init__(self, seed: Seed = None, trace: Trace | None = None) -> None:
        self.now: float = 0.0
        # fast path for the common int seed (as_generator's ABC checks cost ~µs per run)
        self.rng: np.random.Generator = (np.random.default_rng(seed)
                                         if type(seed) is int and seed >= 0
                                         else as_generator(seed))
        self.trace: Trace = trace if trace is not None else Trace()
        self.events: int = 0
        self._heap: list[tuple[float, int, Callable[[Any], Any], Any]] = []
        self._seq = 0
        self._cancelled: set[int] = set()
        self._stopped = False

    def schedule(self, delay: float, fn: Callable[[Any], Any], arg: Any = None) -> int:
        """Run ``fn(arg)`` after ``delay`` ms (≥ 0); returns a handle for :meth:`cancel`."""
        try:
            if not delay >= 0:  # also catches NaN
                raise invalid("delay", delay, "≥ 0")
        except TypeError:  # not a number: free for valid input, unlike an isinstance check
            raise invalid("delay", delay, "a number ≥ 0") from None
        self._seq = seq = self._seq + 1
        heappush(self._heap, (self.now + delay, seq, fn, arg))
        return seq

    def post(self, delay: float, fn: Callable[[Any], Any], arg: Any = None) -> int:
        """:meth:`schedule` without the argument check: for hot loops whose delays are
        known to be ≥ 0 (e.g. drawn from a :class:`~syncmodel.sim.latency.Latency`)."""
        self._seq = seq = self._seq + 1
        heappush(self._heap, (self.now + delay, seq, fn, arg))
        return seq

    def at(self, time: float, fn: Callable[[Any], Any], arg: Any = None) -> int:
        """Run ``fn(arg)`` at absolute ``time`` (not before ``now``); returns a handle."""
        return self.schedule(self.check_time("time", time) - self.now, fn, arg)

    def check_time(self, name: str, value: Any) -> float:
        """``value`` as a time (ms) not before ``now`` (∞ allowed); else InvalidParameterError."""
        if type(value) is float and value >= self.now:  # the common case, kept cheap
            return value
        return check_real(name, value, self.now, finite=False)

    def cancel(self, handle: int) -> None:
        """Drop a scheduled event (a no-op if it already ran)."""
        try:
            if handle > 0:
                self._cancelled.add(handle)
        except TypeError:  # not an int handle (free for valid input: no per-call type check)
            raise invalid("handle", handle, "a handle returned by schedule, post or at") from None

    def stop(self) -> None:
        """End :meth:`run` after the current event."""
        self._stopped = True

    @property
    def pending(self) -> int:
        """Events still queued (cancelled ones included until they surface)."""
        return len(self._heap)

    def run(self, until: float = math.inf, max_events: int | None = None) -> str:
        """Execute events in (time, seq) order; return why it ended.

        The reason is ``"stopped"`` (:meth:`stop` was called), ``"until"`` (the
        next event lies after ``until``; the clock is then set to ``until``),
        ``"max_events"`` or ``"empty"``.
        """
        until = self.check_time("until", until)
        if max_events is not None:
            return self._run_counted(until, check_int("max_events", max_events, 0))
        heap = self._heap
        cancelled = self._cancelled
        pop = heappop
        self._stopped = False
        n = self.events
        reason = "empty"
        while heap:
            t, seq, fn, arg = pop(heap)
            if t > until:
                heappush(heap, (t, seq, fn, arg))
                self.now = until
                reason = "until"
                break
            if cancelled and seq in cancelled:
                cancelled.discard(seq)
                continue
            self.now = t
            n += 1
            fn(arg)
            if self._stopped:
                reason = "stopped"
                break
        self.events = n
        return reason

    def _run_counted(self, until: float, max_events: int) -> str:
        heap = self._heap
        self._stopped = False
        limit = self.events + max_events
        while heap:
            if self.events >= limit:
                return "max_events"
            t, seq, fn, arg = heappop(heap)
            if t > until:
                heappush(heap, (t, seq, fn, arg))
                self.now = until
                return "until"
            if seq in self._cancelled:
                self._cancelled.discard(seq)
                continue
            self.now = t
            self.events += 1
            fn(arg)
            if self._stopped:
                return "stopped"
        return "empty"
