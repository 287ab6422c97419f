"""Ready-made targets for :func:`syncmodel.sweep.run`: the availability of a majority (exact,
with a common cause, by Monte Carlo) and Raft's time to a new leader.  Model code lives here,
not in the generic runner; each target takes its grid point's parameters and ``seed``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import rng
from .errors import InvalidParameterError, check_int, check_probability, check_real, invalid

__all__ = ["availability_mc_point", "availability_point", "correlated_availability_point", "election_point"]


def _check_n(n: Any) -> int:
    return check_int("n", n, 1)


def _availability_row(down: float) -> dict[str, float]:
    return {"availability": 1.0 - down, "unavailability": down,
            "nines": -math.log10(down) if down > 0 else math.inf}


def availability_point(n: int, p: float, seed: rng.Seed = None) -> dict[str, float]:
    """Availability of a majority quorum of ``n`` nodes each down with probability ``p``.

    A(n, p) = F(S) = 1 − P(S) = P(Binomial(n, 1 − p) ≥ ⌊n/2⌋ + 1), nodes independent,
    from ``syncmodel.failure.failure_probability(structure.majority_of(n), p)``; the seed
    is unused (exact).  Worked case: n = 3, p = 0.1 → 0.9³ + 3·0.9²·0.1 = 0.972.
    Returns ``availability``, ``unavailability`` P(S) = 1 − A (computed directly, so
    tiny values keep their digits) and ``nines`` = −log10(1 − A) (inf when A = 1).

    >>> {k: round(v, 12) for k, v in availability_point(3, 0.1).items()}
    {'availability': 0.972, 'unavailability': 0.028, 'nines': 1.552841968658}
    """
    from . import failure, structure

    down = failure.failure_probability(structure.majority_of(_check_n(n)), p)
    return _availability_row(float(down))


def correlated_availability_point(n: int, p: float, beta: float,
                                  seed: rng.Seed = None) -> dict[str, float]:
    """Availability of a majority quorum of ``n`` nodes under beta-factor common cause.

    Uses ``syncmodel.failure.failure_probability(structure.majority_of(n), p, beta=β)``:
    with probability β·p all nodes fail at once, otherwise each fails alone with
    (1 − β)·p, so P(S) = β·p + (1 − β·p)·P(Binomial(n, (1 − β)·p) ≥ n − ⌊n/2⌋).  The
    seed is unused (exact).  Worked case: n = 3, p = 0.1, β = 0.1 → 0.01 + 0.99 ·
    (3·0.09²·0.91 + 0.09³) = 0.0326136, against 0.028 without common cause: β·p puts a
    floor under 1 − A that no n can lower.  Returns ``availability``,
    ``unavailability`` and ``nines`` = −log10(1 − A).

    >>> round(correlated_availability_point(3, 0.1, 0.1)['unavailability'], 12)
    0.03261358
    """
    from . import failure, structure

    beta = check_probability("beta", beta)
    down = failure.failure_probability(structure.majority_of(_check_n(n)), p, beta=float(beta))
    return _availability_row(float(down))


def availability_mc_point(n: int, p: float, trials: int = 10_000,
                          seed: rng.Seed = None) -> dict[str, float]:
    """Monte Carlo twin of :func:`availability_point`: the share of ``trials`` samples
    in which a strict majority of ``n`` independent nodes (each down w.p. ``p``) is up.

    From ``syncmodel.failure.failure_probability_mc(structure.majority_of(n), p,
    samples=trials, seed=seed)``: Â = 1 − X/N for X failed samples out of N, with
    standard error √(Â(1 − Â)/N) (``stderr``) and the 95 % Wilson interval
    (``ci_low``, ``ci_high``).  Worked case: n = 3, p = 0.1 gives 0.972 ± 0.0017
    with 10 000 samples.
    """
    from . import failure, structure

    trials = check_int("trials", trials, 1)
    res = failure.failure_probability_mc(structure.majority_of(_check_n(n)), p,
                                         samples=int(trials), seed=seed)
    est = 1.0 - float(res.estimate)
    return {"availability": est, "stderr": math.sqrt(est * (1.0 - est) / int(trials)),
            "ci_low": 1.0 - float(res.high), "ci_high": 1.0 - float(res.low)}


def election_point(n: int, timeout_min_ms: float, seed: rng.Seed = None, *,
                   latency_ms: float | None = None, trials: int = 20,
                   algorithm: str = "raft") -> dict[str, float]:
    """Time to elect a new leader after the leader crashes, summarized over ``trials``.

    Runs ``syncmodel.election.simulate(algorithm, n, trials, seed, scenario="crash",
    timeout_ms=(T, 2T))`` with T = ``timeout_min_ms`` (Raft's randomized timeouts,
    uniform in [T, 2T]) and one-way delays uniform in [½L, 3⁄2L] for L =
    ``latency_ms`` (None: the package's Figure 16 calibration).  Returns the median,
    95th percentile and mean of ``time_to_leader_ms`` over the elections that
    finished (``median_ms``, ``p95_ms``, ``mean_ms``; NaN if none did), the share that
    finished within the simulator's time cap (``elected``), and the mean number of
    split votes and of messages per election.  Worked case: a leader is never
    established before the followers' timeouts expire, so ``median_ms`` ≥ T − T/2
    (a crash lands at most one heartbeat interval T/2 after the last heartbeat).
    """
    from . import election

    timeout_min_ms = check_real("timeout_min_ms", timeout_min_ms, 0.0, lo_open=True)
    params: dict[str, Any] = {"scenario": "crash",
                              "timeout_ms": (float(timeout_min_ms), 2.0 * float(timeout_min_ms))}
    if latency_ms is not None:
        latency_ms = check_real("latency_ms", latency_ms, 0.0, lo_open=True)
        from .sim import as_latency

        spec = ("uniform", 0.5 * float(latency_ms), 1.5 * float(latency_ms))
        try:
            as_latency(spec)
        except InvalidParameterError:  # so large the delays' variance overflows
            raise invalid("latency_ms", latency_ms,
                          "None or a finite number > 0 small enough for a latency law") from None
        params["latency"] = spec
    df = election.simulate(algorithm, n=n, trials=trials, seed=seed, **params)
    times = df["time_to_leader_ms"].to_numpy(dtype=float)
    done = times[np.isfinite(times)]
    stats = ([*np.percentile(done, [50.0, 95.0]).tolist(), float(done.mean())]
             if done.size else [math.nan] * 3)
    return {"median_ms": float(stats[0]), "p95_ms": float(stats[1]), "mean_ms": float(stats[2]),
            "elected": float(df["elected"].mean()),
            "split_votes": float(df["split_votes"].mean()),
            "messages": float(df["messages"].mean())}
