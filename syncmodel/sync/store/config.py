"""What a run of the replicated store depends on besides its seed: :class:`StoreConfig`,
checked when it is built (``__post_init__``), and the fault schedule it carries.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from ...errors import (
    InvalidParameterError,
    check_bool,
    check_choice,
    check_ids,
    check_int,
    check_probability,
    check_real,
    invalid,
    too_big,
)
from ...sim.latency import Latency, as_latency
from ..pbs import PROFILES, WARS, check_nrw, profile
from ..versioning import check_policy

__all__ = ["FANOUTS", "MODES", "READ_FROM", "Crash", "PartitionEvent", "StoreConfig", "make_config",
           "network_law"]

MODES = ("sync", "async", "quorum", "multileader")
FANOUTS = ("all", "quorum")
READ_FROM = ("primary", "any")


class Crash(NamedTuple):
    """Replica ``node`` crashes at ``at_ms`` and restarts at ``restart_at_ms`` (None: never)."""

    node: int
    at_ms: float
    restart_at_ms: float | None


class PartitionEvent(NamedTuple):
    """The network splits into ``groups`` of replica ids at ``at_ms`` and heals at
    ``heal_at_ms`` (None: never)."""

    groups: tuple[tuple[int, ...], ...]
    at_ms: float
    heal_at_ms: float | None


@dataclass(frozen=True)
class StoreConfig:
    """Everything a run depends on besides its seed, checked when built.

    ``mode`` (one of :data:`MODES`), ``n`` replicas, quorum sizes ``r``, ``w`` (1..n),
    ``clients`` each issuing Poisson reads at ``read_rate_per_s`` and read-modify-write
    increments at ``write_rate_per_s`` on ``keys`` keys of Zipf(``zipf``) popularity for
    ``duration_ms``, then ``settle_ms`` with no new operations.  ``latency``: a PBS profile
    name, a :class:`~syncmodel.sync.pbs.WARS` or a latency spec; ``loss``: message loss
    probability; ``policy``: "lww" or "siblings"; ``clock_skew_ms``: clocks off by up to ±
    this; ``read_repair``, ``anti_entropy_ms`` (None: off), ``fanout`` ("all" or "quorum"),
    ``read_from`` (primary-backup: "primary" or "any"), ``detect_ms`` (failure detection
    delay), ``timeout_ms`` (an unanswered operation fails), ``heartbeat_ms`` (primary-backup
    log shipping), ``crashes`` ((node, at_ms, restart_at_ms|None) triples), ``partitions``
    ((groups, at_ms, heal_at_ms|None) triples), ``snapshot_ms`` (C(S), A(S) snapshots; None:
    off).  Bad values raise :class:`~syncmodel.errors.InvalidParameterError` naming the field;
    ``n``, ``r``, ``w`` become ints and the fault schedule :class:`Crash` and
    :class:`PartitionEvent` tuples.

    >>> StoreConfig(mode="quorum", n=3, r=2, w=2).n
    3
    >>> StoreConfig(n=-1)
    Traceback (most recent call last):
    ...
    syncmodel.errors.InvalidParameterError: n must be an int ≥ 1, got -1
    """

    mode: str = "quorum"
    n: int = 3
    r: int = 1
    w: int = 1
    clients: int = 4
    write_rate_per_s: float = 20.0      # per client
    read_rate_per_s: float = 80.0       # per client
    keys: int = 20
    zipf: float = 0.0                   # key popularity ∝ 1/(rank)^zipf
    duration_ms: float = 2000.0
    latency: Any = "LNKD-SSD"
    loss: float = 0.0
    policy: str = "lww"
    clock_skew_ms: float = 0.0
    read_repair: bool = False
    anti_entropy_ms: float | None = None
    fanout: str = "all"
    read_from: str = "primary"
    detect_ms: float = 50.0
    timeout_ms: float = 250.0
    heartbeat_ms: float = 20.0          # primary-backup: the primary (re)ships its log this often
    crashes: tuple[Crash, ...] = ()
    partitions: tuple[PartitionEvent, ...] = ()
    snapshot_ms: float | None = None
    settle_ms: float = 500.0

    def __post_init__(self) -> None:
        check_choice("mode", self.mode, MODES)
        n, r, w = check_nrw(self.n, self.r, self.w)
        set_ = object.__setattr__
        set_(self, "n", n)
        set_(self, "r", r)
        set_(self, "w", w)
        for name in ("clients", "keys"):
            check_int(name, getattr(self, name), 1)
        for name in ("write_rate_per_s", "read_rate_per_s", "zipf", "clock_skew_ms", "settle_ms"):
            _num(name, getattr(self, name))
        if not math.isfinite(2.0 * self.clock_skew_ms):  # clocks are drawn on a width of 2·skew
            raise invalid("clock_skew_ms", self.clock_skew_ms, "a finite number ≥ 0 whose double is finite")
        _num("duration_ms", self.duration_ms, strict=True)
        for name in ("detect_ms", "timeout_ms", "heartbeat_ms"):
            _num(name, getattr(self, name), strict=True)
        _num("anti_entropy_ms", self.anti_entropy_ms, strict=True, allow_none=True)
        _num("snapshot_ms", self.snapshot_ms, strict=True, allow_none=True)
        check_probability("loss", self.loss)
        check_policy(self.policy)
        check_bool("read_repair", self.read_repair)
        check_choice("fanout", self.fanout, FANOUTS)
        check_choice("read_from", self.read_from, READ_FROM)
        set_(self, "crashes", _crashes(self.crashes, n))
        set_(self, "partitions", _partitions(self.partitions, n))
        network_law(self.latency)
        self._check_work()

    def _check_work(self) -> None:
        """Refuse, before anything runs, a workload whose expected client operations or periodic
        timer events exceed :data:`MAX_EVENTS` (an event simulation of that size would run for
        hours and its history fill memory): ``clients · (read + write rate) · duration`` and
        ``n · (duration + settle) / period`` for the snapshot and anti-entropy timers."""
        span_s = (self.duration_ms + self.settle_ms) / 1000.0
        ops = self.clients * (self.read_rate_per_s + self.write_rate_per_s) * self.duration_ms / 1000.0
        if not ops <= MAX_EVENTS:
            raise too_big(f"a store run of {self.duration_ms:g} ms with {self.clients} clients",
                          f"about {ops:.3g} client operations (at most {MAX_EVENTS:.0e})",
                          "use a shorter duration_ms or lower rates")
        for name in ("snapshot_ms", "anti_entropy_ms"):
            period = getattr(self, name)
            if period is not None and not self.n * span_s * 1000.0 / period <= MAX_EVENTS:
                raise too_big(f"a store run of {span_s * 1000.0:g} ms with {name}={period:g}",
                              f"about {self.n * span_s * 1000.0 / period:.3g} timer events "
                              f"(at most {MAX_EVENTS:.0e})", f"use a larger {name} or a shorter run")


#: parameter names of earlier versions -> their current names (accepted, with a DeprecationWarning)
#: the largest workload a store run accepts (client operations, or periodic timer events)
MAX_EVENTS = 10**7

RENAMED = {"write_rate": "write_rate_per_s", "read_rate": "read_rate_per_s"}


def make_config(**params: Any) -> StoreConfig:
    """A :class:`StoreConfig` from keyword parameters; an unknown name raises
    InvalidParameterError listing the known ones (``write_rate``/``read_rate``, the names of
    earlier versions, are accepted with a DeprecationWarning)."""
    params = _renamed(params)
    fields = StoreConfig.__dataclass_fields__
    unknown = set(params) - set(fields)
    if unknown:
        raise invalid("parameters", sorted(unknown), f"names among {sorted(fields)}")
    return StoreConfig(**params)


def _renamed(params: dict[str, Any]) -> dict[str, Any]:
    old = [k for k in params if k in RENAMED]
    if not old:
        return params
    import warnings

    out = dict(params)
    for k in old:
        new = RENAMED[k]
        if new in out:
            raise invalid(k, out[k], f"omitted when {new} is given (it is the old name of {new})")
        warnings.warn(f"{k} is deprecated: call it {new}", DeprecationWarning, stacklevel=4)
        out[new] = out.pop(k)
    return out


def network_law(latency: Any) -> Latency:
    """The base one-way delay law: a PBS profile's R law, or a sim latency spec."""
    if isinstance(latency, WARS):
        return latency.R
    if isinstance(latency, str):
        if latency not in PROFILES:
            raise invalid("latency", latency, f"one of {list(PROFILES)}, a WARS or a latency spec")
        return profile(latency).R
    return as_latency(latency, "latency")


# -- field checks -------------------------------------------------------------------------------------
def _num(name: str, v: Any, strict: bool = False, allow_none: bool = False) -> float | None:
    if v is None and allow_none:
        return None
    return check_real(name, v, 0.0, lo_open=strict)


def _pair_items(name: str, value: Any, expected: str) -> list[Sequence[Any]]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise invalid(name, value, "an iterable of fault tuples")
    items = list(value)
    for item in items:
        if isinstance(item, (str, bytes)) or not (isinstance(item, Sequence) and len(item) in (2, 3)):
            raise invalid(name, value, expected)
    return items


def _crashes(value: Any, n: int) -> tuple[Crash, ...]:
    out = []
    for item in _pair_items("crashes", value, "(node, at_ms[, restart_at_ms]) triples"):
        node, at, *rest = item
        back = rest[0] if rest else None
        if isinstance(node, bool) or not isinstance(node, numbers.Integral) or not 0 <= int(node) < n:
            raise invalid("crashes", value, f"node ids in 0..{n - 1}")
        at = check_real("crash time", at, 0.0)
        if back is not None and check_real("restart time", back, 0.0) < at:
            raise invalid("crashes", value, "restart_at_ms ≥ at_ms")
        out.append(Crash(int(node), at, None if back is None else float(back)))
    return tuple(out)


def _partitions(value: Any, n: int) -> tuple[PartitionEvent, ...]:
    out = []
    ids = f"groups of replica ids in 0..{n - 1}"
    for item in _pair_items("partitions", value, "(groups, at_ms[, heal_at_ms]) triples"):
        groups, at, *rest = item
        heal = rest[0] if rest else None
        if isinstance(groups, (str, bytes)) or not isinstance(groups, Iterable):
            raise invalid("partitions", value, ids)
        gs = tuple(_group(g, value, ids) for g in groups)
        if any(not 0 <= i < n for g in gs for i in g):
            raise invalid("partitions", value, ids)
        at = check_real("partition time", at, 0.0)
        if heal is not None and check_real("heal time", heal, 0.0) < at:
            raise invalid("partitions", value, "heal_at_ms ≥ at_ms")
        out.append(PartitionEvent(gs, at, None if heal is None else float(heal)))
    return tuple(out)


def _group(g: Any, partitions: Any, expected: str) -> tuple[int, ...]:
    """One side of a partition as a tuple of int ids (range checked by the caller)."""
    if isinstance(g, (str, bytes)) or not isinstance(g, Iterable):
        raise invalid("partitions", partitions, expected)
    try:
        return tuple(check_ids("partitions", tuple(g), None, expected))
    except InvalidParameterError:  # name the whole schedule, as the other partition checks do
        raise invalid("partitions", partitions, expected) from None
