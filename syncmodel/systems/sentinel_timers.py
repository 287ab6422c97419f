"""Redis Sentinel's failover as the sum of its timer-driven steps (Redis 7.0 ``src/sentinel.c``).

Every Sentinel acts only inside its timer (``sentinelTimer``), whose period is redrawn at each
run: ``server.hz = CONFIG_DEFAULT_HZ + rand() % CONFIG_DEFAULT_HZ`` gives 1000/hz ms with hz
uniform on {10, …, 19}.  :func:`sentinel_failover` plays those ticks for each Sentinel and
:func:`tick_periods_ms` is their distribution.
"""

from __future__ import annotations

import numpy as np

from ..errors import check_bool, check_choice, check_int, check_real
from ..rng import Seed, as_generator

__all__ = ["CONFIG_FLUSH_MS", "HZ_BASE", "INFO_PERIOD_FAILOVER_MS", "SENTINEL_ASK_PERIOD_MS",
           "SENTINEL_INFO_PERIOD_MS",
           "SENTINEL_PING_PERIOD_MS", "sentinel_failover", "tick_periods_ms"]

#: CONFIG_DEFAULT_HZ: the timer runs at hz = 10 + rand() % 10 per second (sentinelTimer)
HZ_BASE = 10
#: SENTINEL_PING_PERIOD: a PING at most every min(down-after, 1000 ms)
SENTINEL_PING_PERIOD_MS = 1000.0
#: SENTINEL_ASK_PERIOD: IS-MASTER-DOWN-BY-ADDR to each other Sentinel at most every second
SENTINEL_ASK_PERIOD_MS = 1000.0
#: SENTINEL_INFO_PERIOD: INFO to replicas every 10 s ...
SENTINEL_INFO_PERIOD_MS = 10_000.0
#: ... and every second while their master is ODOWN or failing over (sentinelSendPeriodicCommands)
INFO_PERIOD_FAILOVER_MS = 1000.0
#: one loopback request/reply (a few hundred µs here); it only orders events inside a tick
RTT_MS = 0.3
#: a Sentinel writing its configuration (``sentinelFlushConfig``: new epoch, its vote, the
#: promotion), ms.  Measured here, not derived: in a separate run of 6 crash failovers the leader
#: logged +try-failover and its own +vote-for-leader, both in one timer tick, 4–15 ms apart (median 10.5)
CONFIG_FLUSH_MS = 10.0


def tick_periods_ms() -> np.ndarray:
    """The ten possible timer periods 1000/hz ms, hz = 10 … 19, each with probability 1/10.

    Worked case: from 100 ms (hz 10) down to 52.6 ms (hz 19), mean 71.9 ms.

    >>> round(float(tick_periods_ms().mean()), 1)
    71.9
    """
    return 1000.0 / np.arange(HZ_BASE, 2 * HZ_BASE)


#: the largest down-after-milliseconds (1 h) and flush delay (1 s) modelled
MAX_DOWN_AFTER_MS = 3_600_000.0
MAX_FLUSH_MS = 1_000.0


def sentinel_failover(down_after_ms: float = 30_000.0, *, sentinels: int = 3, quorum: int = 2,
                      fault: str = "crash", trials: int = 200, seed: Seed = None,
                      stages: bool = False, flush_ms: float = CONFIG_FLUSH_MS) -> np.ndarray:
    """Samples (ms after the master fails) of the time a majority of Sentinels names the new master.

    Steps, each at a Sentinel's timer tick (periods from :func:`tick_periods_ms`, every
    Sentinel with its own phase), names from ``sentinel.c``:

    1. **unanswered PING** ``act_ping_time``: after a crash the command link breaks at once
       and the reconnect at the next tick sends a PING ASAP (``sentinelReconnectInstance``),
       so act = the first tick after the fault; after a pause the link stays up and act is
       the first periodic PING after the fault — PINGs go out when the last PONG is older
       than min(down-after, ``SENTINEL_PING_PERIOD``) (``sentinelSendPeriodicCommands``);
    2. **+sdown**: the first tick where now − act > down-after (``sentinelCheckSubjectivelyDown``);
    3. **+odown**: a Sentinel with +sdown asks the others (``SENTINEL IS-MASTER-DOWN-BY-ADDR``
       at once, then every ``SENTINEL_ASK_PERIOD``); a reply "down" comes from a Sentinel
       already in +sdown; with ``quorum`` − 1 such replies it flags +odown at its next tick;
    4. the first Sentinel in +odown starts the failover (+try-failover) and asks for votes in
       the same tick; the others vote for the first asker (and delay their own start by
       ``SENTINEL_MAX_DESYNC``); it is **+elected-leader** at its next tick, **+selected-slave**
       at the one after, and sends **SLAVEOF NO ONE** at the third;
    5. **+promoted-slave** when an INFO reply shows the replica as master: the leader sends
       INFO to a replica when the last reply is older than ``SENTINEL_INFO_PERIOD`` (10 s),
       or 1 s once the master is +odown; the first INFO sent at or after the SLAVEOF tick
       sees the promotion (the INFO before the fault at a uniform phase of the 10 s period);
    6. the leader announces the new configuration with a forced hello at its next tick
       (``sentinelForceHelloUpdateForMaster``); the others **+switch-master** on receipt —
       from then a majority of the Sentinels names the new master (the end point).

    Writing the configuration takes ``flush_ms`` (``sentinelFlushConfig``): the leader writes
    it inside its +try-failover tick (new epoch, own vote), and ae schedules the next tick
    only when the handler returns, so every later tick of the leader — and the INFO it sends
    to the replicas in that same tick — comes ``flush_ms`` late; +promoted-slave is logged
    after another write.  (The voters write twice before they answer; their answers still
    arrive before the leader's next tick.)

    With ``stages=True`` the result is a (trials, 6) array of the step times: first +sdown,
    +odown (= +try-failover), +elected-leader, +selected-slave, +promoted-slave, and the end
    (a Sentinel majority switched), the columns the testbed reads from the Sentinels' logs.

    Assumptions: loopback messages take ``RTT_MS``; timers run on time (no load); no two
    Sentinels start a failover within one message delay; enough Sentinels run for the vote.
    Worked case (down-after 500 ms, 3 Sentinels, quorum 2, crash): +sdown ≈ 500 + two tick
    residuals ≈ 570 ms, +odown one tick after the second +sdown, then three ticks to the
    SLAVEOF and the 1 s INFO period dominate: median ≈ 1.7 s.
    """
    # bounded so the tick arrays stay small: an hour of down-after, a second of flush
    d = check_real("down_after_ms", down_after_ms, 0.0, MAX_DOWN_AFTER_MS, lo_open=True)
    flush_ms = check_real("flush_ms", flush_ms, 0.0, MAX_FLUSH_MS)
    k = check_int("sentinels", sentinels, 1, 99)
    q = check_int("quorum", quorum, 1, k)
    fault = check_choice("fault", fault, ("silent", "crash", "pause"))
    stages = check_bool("stages", stages)
    trials = check_int("trials", trials, 1)
    rng = as_generator(seed)
    periods = tick_periods_ms()
    ping_period = min(d, SENTINEL_PING_PERIOD_MS)
    warm = 3.0 * SENTINEL_PING_PERIOD_MS
    horizon = warm + d + 8_000.0 + 4 * SENTINEL_ASK_PERIOD_MS
    n_ticks = int(np.ceil(horizon / periods.min())) + 2
    out = np.empty((trials, 6))
    for t_i in range(trials):
        steps = periods[rng.integers(0, periods.size, size=(k, n_ticks))]
        ticks = -warm - rng.uniform(0.0, 1.0, size=(k, 1)) * periods.max() + np.cumsum(steps, axis=1)
        out[t_i] = _one(rng, ticks, d, ping_period, q, fault, float(flush_ms))
    return out if stages else out[:, -1].copy()


def _next(row: np.ndarray, t: float, strict: bool = True) -> float:
    """The first tick of ``row`` after ``t`` (at or after, if not strict)."""
    j = int(np.searchsorted(row, t, side="right" if strict else "left"))
    if j >= row.size:  # pragma: no cover - the horizon covers every step
        raise RuntimeError("sentinel tick horizon exceeded")
    return float(row[j])


def _one(rng: np.random.Generator, ticks: np.ndarray, d: float, ping_period: float, q: int,
         fault: str, flush: float) -> tuple[float, ...]:
    k = ticks.shape[0]
    act = np.empty(k)
    for j in range(k):
        row = ticks[j]
        if fault == "crash":
            act[j] = _next(row, 0.0)
            continue
        # the PINGs have run since long before: the last PONG at a uniform phase of their cycle
        # (ping period plus the mean wait for a tick)
        last_pong = last_ping = -float(rng.uniform(0.0, ping_period + float(tick_periods_ms().mean()) / 2))
        for t in row[row > last_pong]:
            if t - last_pong > ping_period and t - last_ping > ping_period / 2:
                if t >= 0.0:
                    act[j] = float(t)
                    break
                last_ping, last_pong = float(t), float(t) + RTT_MS
        else:  # pragma: no cover
            raise RuntimeError("no ping after the fault within the horizon")
    sdown = np.array([_next(ticks[j], act[j] + d) for j in range(k)])
    odown = np.empty(k)
    for j in range(k):
        if q <= 1:
            odown[j] = sdown[j]
            continue
        ask = sdown[j]
        for _ in range(100):
            yes = int(np.sum(np.delete(sdown, j) <= ask + RTT_MS / 2))
            if yes >= q - 1:
                odown[j] = _next(ticks[j], ask + RTT_MS)
                break
            ask = _next(ticks[j], ask + RTT_MS + SENTINEL_ASK_PERIOD_MS, strict=False)
        else:  # pragma: no cover
            odown[j] = np.inf
    lead = int(np.argmin(odown))
    t_try = float(odown[lead])
    row = ticks[lead].copy()
    row[row > t_try] += flush  # the +try-failover tick writes the configuration: later ticks slip
    elected = _next(row, t_try + RTT_MS)
    selected = _next(row, elected)
    slaveof = _next(row, selected)
    # the leader's INFO to the chosen replica: last reply at a uniform phase of the 10 s period
    refresh = -float(rng.uniform(0.0, SENTINEL_INFO_PERIOD_MS))
    i = int(np.searchsorted(row, 0.0, side="left"))
    promoted = np.inf
    while i < row.size:
        t = float(row[i])
        period = INFO_PERIOD_FAILOVER_MS if t >= t_try else SENTINEL_INFO_PERIOD_MS
        if t - refresh > period:
            sent = t + flush if t == t_try else t  # in the +try-failover tick, after the write
            if t >= slaveof:
                promoted = sent + RTT_MS + flush  # +promoted-slave is logged after a write
                break
            refresh = sent + RTT_MS
        i += 1
    if not np.isfinite(promoted):  # pragma: no cover
        raise RuntimeError("no INFO after the promotion within the horizon")
    switch = _next(row, promoted) + RTT_MS
    return (float(sdown.min()), t_try, elected, selected, promoted, switch)
