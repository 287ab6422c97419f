"""Probabilistically Bounded Staleness (Bailis et al., VLDB 2012) for partial quorums.

k-staleness in closed form, t-visibility by the vectorized WARS Monte Carlo, and the
paper's Table 3 latency fits (Pareto/exponential mixtures) as simulator latency laws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from .._deprecate import LegacyKeys, renamed_keywords
from .._stats import wilson_interval
from ..errors import check_choice, check_int, check_probability, check_real, float_array, invalid
from ..rng import Seed, as_generator
from ..sim.latency import Latency, LatencySpec, as_latency, check_draw, finite_moment

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CHUNK", "MAX_SCAN", "PROFILES", "SOURCE", "TABLE3", "VARIANTS", "WAN_DELAY_MS", "WARS",
           "YMMR_WRITE_ALPHA", "ParetoExponential", "TVisibility", "as_wars", "check_nrw", "k_staleness",
           "profile", "t_for_probability", "t_visibility", "t_visibility_curve", "wilson"]

#: the paper: Bailis, Venkataraman, Franklin, Hellerstein, Stoica, "Probabilistically Bounded
#: Staleness for Practical Partial Quorums", PVLDB 5(8):776-787, 2012 (Table 3 for the fits)
SOURCE = ("Bailis, Venkataraman, Franklin, Hellerstein, Stoica. Probabilistically Bounded Staleness "
          "for Practical Partial Quorums. PVLDB 5(8), 2012, Table 3")

#: extra one-way delay (ms) to a remote datacenter in the paper's WAN scenario
WAN_DELAY_MS = 75.0


def check_nrw(n: Any, r: Any, w: Any) -> tuple[int, int, int]:
    """Validate replication factor ``n`` ≥ 1 and quorum sizes ``r``, ``w`` in 1..n."""
    n = check_int("n", n, 1)
    return n, check_int("r", r, 1, n), check_int("w", w, 1, n)


def k_staleness(n: int, r: int, w: int, k: int) -> float:
    """P(a read returns one of the last ``k`` written versions) = 1 − (C(N−W, R) / C(N, R))^k.

    Assumptions (PBS §3.2): each write reaches a uniformly random set of W replicas and
    nothing more (no expansion, anti-entropy or read repair), each read asks a uniformly
    random set of R replicas, and the k writes' quorums are independent.  A read misses one
    write when its R replicas all lie among the N − W that write skipped, with probability
    C(N−W, R)/C(N, R) (zero when R + W > N, a strict quorum).

    Worked case: N = 3, R = W = 1: a read misses a write with probability C(2,1)/C(3,1)
    = 2/3, so k = 1 gives 1/3 and k = 2 gives 1 − 4/9 = 5/9.

    >>> k_staleness(3, 1, 1, 1), k_staleness(3, 1, 1, 2)
    (0.33333333333333337, 0.5555555555555556)
    """
    n, r, w = check_nrw(n, r, w)
    k = check_int("k", k, 1)
    miss = math.comb(n - w, r) / math.comb(n, r)
    return 1.0 - miss ** k


# -- latency laws of the WARS model ---------------------------------------------------------------
class ParetoExponential(Latency):
    """A mixture: with probability ``p_pareto`` a Pareto(x_m, α) draw, else Exponential(rate λ) (ms).

    Pareto: P(X > x) = (x_m / x)^α for x ≥ x_m, mean α·x_m/(α−1) (α > 1), second moment
    α·x_m²/(α−2) (α > 2, else infinite).  Exponential: mean 1/λ, second moment 2/λ².
    Mixture mean p·mean_P + (1−p)·mean_E; variance from the mixed second moments.
    Sampled by inversion from one uniform u: u < p gives x_m·(u/p)^(−1/α), otherwise
    −ln((u−p)/(1−p))/λ.  This is the form of the PBS paper's Table 3 fits.
    """

    p: float
    xm: float
    alpha: float
    lam: float
    shift: float

    def __init__(self, p_pareto: float, xm: float, alpha: float, lam: float, shift: float = 0.0) -> None:
        # the shared validators: a bool is no number, an int beyond float range is refused
        self.p = check_probability("p_pareto", p_pareto)
        self.xm = check_real("xm", xm, 0.0, lo_open=True)
        self.alpha = check_real("alpha", alpha, 0.0, lo_open=True)
        self.lam = check_real("lam", lam, 0.0, lo_open=True)
        self.shift = check_real("shift", shift, 0.0)
        p, a = self.p, self.alpha
        xm, lam = self.xm, self.lam
        mean_p = finite_moment("xm", xm, lambda: a * xm / (a - 1)) if a > 1 else math.inf
        m2_p = finite_moment("xm", xm, lambda: a * xm ** 2 / (a - 2)) if a > 2 else math.inf
        try:
            m2_e = 2 / lam ** 2
        except OverflowError:  # λ² beyond float range: 2/λ² is below the smallest float
            m2_e = 0.0
        except ZeroDivisionError:  # λ² below the smallest float: 2/λ² beyond float range
            raise invalid("lam", lam, "large enough for a finite mean and variance") from None
        mean_e = finite_moment("lam", lam, lambda: 1 / lam)
        mix_mean = (p * mean_p if p > 0 else 0.0) + (1 - p) * mean_e
        mix_m2 = (p * m2_p if p > 0 else 0.0) + (1 - p) * m2_e
        self.mean = self.shift + mix_mean
        self.var = mix_m2 - mix_mean ** 2 if math.isfinite(mix_m2) else math.inf

    def sample(self, rng: np.random.Generator, size: int | tuple[int, ...],
               dtype: type = np.float64) -> np.ndarray:
        """``size`` draws; ``dtype=np.float32`` is about twice as fast (the WARS Monte Carlo
        uses it: the tails are then cut near the 1 − 6·10⁻⁸ quantile)."""
        check_draw(rng, size)
        u = 1.0 - rng.random(size, dtype=dtype)  # in (0, 1]
        out = self._invert(u)
        if self.shift:
            out += self.shift
        return out

    def _invert(self, u: np.ndarray) -> np.ndarray:
        p = self.p
        dt = u.dtype.type
        mk = u <= p
        to_p = dt(1.0 / p if p > 0 else 0.0)
        to_e = dt(1.0 / (1.0 - p) if p < 1 else 0.0)
        v = np.where(mk, u * to_p, (u - dt(p)) * to_e)
        with np.errstate(divide="ignore"):
            log_v = np.log(v)  # ≤ 0; -inf only where the branch is not taken
        pareto = np.exp(log_v * dt(-1.0 / self.alpha)) * dt(self.xm)
        return np.asarray(np.where(mk, pareto, log_v * dt(-1.0 / self.lam)))

    def __repr__(self) -> str:
        s = f", shift={self.shift:g}" if self.shift else ""
        return (f"ParetoExponential({self.p:.4g}: Pareto(xm={self.xm:g}, α={self.alpha:g}); "
                f"{1 - self.p:.4g}: Exp(λ={self.lam:g}){s})")


@dataclass(frozen=True)
class WARS:
    """The four one-way delay laws of the PBS WARS model (ms).

    W: coordinator → replica (write), A: replica → coordinator (write ack),
    R: coordinator → replica (read), S: replica → coordinator (read response).
    ``remote_ms`` > 0 puts one uniformly chosen replica per request in the coordinator's
    datacenter and adds ``remote_ms`` to every message to or from the other N − 1
    (the paper's WAN scenario).
    """

    name: str
    W: Latency
    A: Latency
    R: Latency
    S: Latency
    remote_ms: float = 0.0


#: Table 3 of the PBS paper: (weight of the Pareto part, x_m, α, λ) per operation.
#: LNKD-SSD: W = A = R = S; LNKD-DISK: A = R = S as LNKD-SSD, W slower; YMMR: W and A=R=S;
#: WAN: LNKD-DISK plus 75 ms to the remote replicas.  Same numbers in data/pbs_latency.toml.
TABLE3: dict[str, dict[str, tuple[float, float, float, float]]] = {
    "LNKD-SSD": {"W": (0.9122, 0.235, 10.0, 1.66), "ARS": (0.9122, 0.235, 10.0, 1.66)},
    "LNKD-DISK": {"W": (0.38, 1.05, 1.51, 0.183), "ARS": (0.9122, 0.235, 10.0, 1.66)},
    "YMMR": {"W": (0.939, 3.0, 3.35, 0.0028), "ARS": (0.982, 1.5, 3.8, 0.0217)},
}
#: the YMMR write Pareto shape: Table 3 prints 3.35, the released PBS simulator code uses 3.5;
#: 3.5 reproduces the paper's text (t = 0: 89.3 % vs 88.7 % with 3.35; write p99.9 10.83 ms:
#: 10.7 vs 11.1 ms), so the "YMMR" profile uses it and "YMMR-TABLE3" keeps the printed 3.35
#: (data/pbs_latency.toml says why)
YMMR_WRITE_ALPHA = {"code": 3.5, "table3": 3.35}
PROFILES: tuple[str, ...] = ("LNKD-SSD", "LNKD-DISK", "YMMR", "WAN")
#: named variants accepted by :func:`profile` besides :data:`PROFILES`
VARIANTS: tuple[str, ...] = ("YMMR-TABLE3",)


def profile(name: str) -> WARS:
    """The WARS laws of a named production profile: LNKD-SSD, LNKD-DISK, YMMR or WAN (PBS
    Table 3), or the variant YMMR-TABLE3.

    "YMMR" uses the write Pareto shape of the released PBS simulator (α = 3.5), which
    reproduces the paper's text; "YMMR-TABLE3" the shape Table 3 prints (α = 3.35).
    """
    name = check_choice("name", name, PROFILES + VARIANTS)
    base = "LNKD-DISK" if name == "WAN" else "YMMR" if name == "YMMR-TABLE3" else name
    wp = TABLE3[base]["W"]
    if base == "YMMR":
        shape = YMMR_WRITE_ALPHA["table3" if name == "YMMR-TABLE3" else "code"]
        wp = (wp[0], wp[1], shape, wp[3])
    w = ParetoExponential(*wp)
    ars = ParetoExponential(*TABLE3[base]["ARS"])
    return WARS(name, w, ars, ars, ars, WAN_DELAY_MS if name == "WAN" else 0.0)


def as_wars(latency: str | WARS | LatencySpec) -> WARS:
    """A WARS from a profile name, a WARS, or one latency law used for all four delays."""
    if isinstance(latency, WARS):
        return latency
    if isinstance(latency, str):
        if latency not in PROFILES + VARIANTS:
            raise invalid("latency", latency, f"one of {list(PROFILES + VARIANTS)} or a WARS / latency law")
        return profile(latency)
    law = as_latency(latency, "latency")
    return WARS(repr(law), law, law, law, law)


# -- the WARS Monte Carlo -------------------------------------------------------------------------
CHUNK = 1 << 17


def _wars_thresholds(n: int, r: int, w: int, wars: WARS, trials: int,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per trial: the least Δ for which the read is consistent, the write latency, the read latency.

    With N draws of each of W, A, R, S per trial: the write commits at w_t, the W-th smallest
    W[i] + A[i]; the read returns after the R-th smallest R[i] + S[i]; replica i answers
    with the new version iff W[i] ≤ w_t + Δ + R[i].  So the read is consistent iff
    Δ ≥ d := min over its first R responders of (W[i] − w_t − R[i]).
    """
    out_d = np.empty(trials)
    out_w = np.empty(trials)
    out_r = np.empty(trials)
    for start in range(0, trials, CHUNK):
        m = min(CHUNK, trials - start)
        wd, ad, rd, sd = (_draw(law, rng, (m, n)) for law in (wars.W, wars.A, wars.R, wars.S))
        if wars.remote_ms and n > 1:
            rows = np.arange(m)
            lw = rng.integers(0, n, m)
            lr = rng.integers(0, n, m)
            extra_w = np.full((m, n), wars.remote_ms)
            extra_w[rows, lw] = 0.0
            extra_r = np.full((m, n), wars.remote_ms)
            extra_r[rows, lr] = 0.0
            wd += extra_w
            ad += extra_w
            rd += extra_r
            sd += extra_r
        wa = wd + ad
        if w == 1:
            wt = wa.min(axis=1)
        elif w == n:
            wt = wa.max(axis=1)
        else:
            wt = np.partition(wa, w - 1, axis=1)[:, w - 1]
        rs = rd + sd
        wd -= rd  # W[i] − R[i]
        if r == 1:
            idx1 = rs.argmin(axis=1)
            rows = np.arange(m)
            gmin = wd[rows, idx1]
            rl = rs[rows, idx1]
        elif r < n:
            idx = np.argpartition(rs, r - 1, axis=1)[:, :r]
            gmin = np.take_along_axis(wd, idx, axis=1).min(axis=1)
            rl = np.take_along_axis(rs, idx, axis=1).max(axis=1)
        else:
            gmin = wd.min(axis=1)
            rl = rs.max(axis=1)
        out_d[start:start + m] = gmin - wt
        out_w[start:start + m] = wt
        out_r[start:start + m] = rl
    return out_d, out_w, out_r


def _draw(law: Latency, rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    if isinstance(law, ParetoExponential):
        return law.sample(rng, size, dtype=np.float32)
    return law.sample(rng, size)  # type: ignore[arg-type]


def _check_trials(trials: Any) -> int:
    return check_int("trials", trials, 1)


def _check_t(t_ms: Any) -> np.ndarray:
    t = float_array("t_ms", t_ms, "finite times ≥ 0 (ms)")
    if t.size == 0 or not np.all(np.isfinite(t)) or np.any(t < 0):
        raise invalid("t_ms", t_ms, "finite times ≥ 0 (ms)")
    return t


def t_visibility(n: int, r: int, w: int, t_ms: float, latency: str | WARS | LatencySpec = "LNKD-SSD",
                 trials: int = 200_000, seed: Seed = None) -> float:
    """P(a read that starts t ms after a write commits returns that write): PBS t-visibility.

    WARS model (PBS §4): the coordinator sends the write to all N replicas (delays W) and
    commits at w_t, the W-th fastest W[i] + A[i]; a read starting at w_t + t is sent to all
    N (delays R) and returns the newest of the first R responses (ordered by R[i] + S[i]);
    replica i has the write iff W[i] ≤ w_t + t + R[i].  Monte Carlo over ``trials``
    independent draws, one write and one read, no failures, no repair.  Strict quorums
    (R + W > N) give 1 exactly.  Its standard error is √(p(1−p)/trials).

    ``latency``: a profile name (LNKD-SSD, LNKD-DISK, YMMR, WAN; PBS Table 3), a
    :class:`WARS`, or one latency law for all four delays.

    Worked case: LNKD-SSD, N = 3, R = W = 1, t = 0 gives ≈ 0.974 (the paper's 97.4 %);
    a strict quorum gives 1 whatever the draws.

    >>> round(t_visibility(3, 1, 1, 0.0, trials=100_000, seed=1), 2), t_visibility(3, 2, 2, 0.0, seed=1)
    (0.97, 1.0)
    """
    n, r, w = check_nrw(n, r, w)
    t = _check_t(t_ms)
    if t.ndim != 0:
        raise invalid("t_ms", t_ms, "one time ≥ 0 (use t_visibility_curve for many)")
    return float(t_visibility_curve(n, r, w, [float(t)], latency, trials, seed).fresh[0])


@dataclass(frozen=True, eq=False)
class TVisibility(LegacyKeys):
    """t-visibility at several times from one set of WARS draws (:func:`t_visibility_curve`).

    ``fresh[j]``: the fraction of ``trials`` reads started ``t_ms[j]`` after the write
    committed that returned it; ``lo[j]``, ``hi[j]``: its Wilson score interval at ``z``;
    ``write_ms``, ``read_ms``: every trial's write and read latency.  The call's ``n``,
    ``r``, ``w``, ``latency`` (the WARS name), ``trials`` and ``seed`` are recorded.
    (Earlier versions returned a dict with keys t, p, lo, hi, write_ms, read_ms; reading
    it by those keys still works, with a DeprecationWarning.)
    """

    t_ms: np.ndarray
    fresh: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    write_ms: np.ndarray
    read_ms: np.ndarray
    n: int
    r: int
    w: int
    latency: str
    trials: int
    seed: Seed
    z: float

    _legacy_keys: ClassVar[dict[str, str]] = {"t": "t_ms", "p": "fresh", "lo": "lo", "hi": "hi",
                                              "write_ms": "write_ms", "read_ms": "read_ms"}

    def to_frame(self) -> pd.DataFrame:
        """One row per time: t_ms, fresh, lo, hi and the call's n, r, w, latency, trials, seed, z."""
        import pandas as pd

        return pd.DataFrame({"t_ms": self.t_ms, "fresh": self.fresh, "lo": self.lo, "hi": self.hi,
                             "n": self.n, "r": self.r, "w": self.w, "latency": self.latency,
                             "trials": self.trials, "seed": [self.seed] * len(self.t_ms), "z": self.z})


def t_visibility_curve(n: int, r: int, w: int, t_ms: Sequence[float] | np.ndarray,
                       latency: str | WARS | LatencySpec = "LNKD-SSD", trials: int = 200_000,
                       seed: Seed = None, z: float = 1.96) -> TVisibility:
    """t-visibility at many t from one set of WARS draws, as a :class:`TVisibility`.

    ``fresh[j]`` = fraction of trials whose consistency threshold d ≤ t_ms[j] (see
    :func:`t_visibility`); ``lo``/``hi`` the Wilson score interval at ``z`` (95 % by default).
    Also ``write_ms`` and ``read_ms``: the trials' write and read latencies.

    Worked case: a strict quorum (R + W > N) is fresh at every t, and its interval is the
    Wilson interval of 1000 successes in 1000 trials, [1 − z²/(n + z²), 1] = [0.99617, 1].

    >>> c = t_visibility_curve(3, 2, 2, [0.0, 5.0], trials=1000, seed=0)
    >>> c.fresh.tolist(), round(float(c.lo[0]), 5), c.trials, c.seed
    ([1.0, 1.0], 0.99617, 1000, 0)
    """
    n, r, w = check_nrw(n, r, w)
    t = np.atleast_1d(_check_t(t_ms))
    trials = _check_trials(trials)
    wars = as_wars(latency)
    rng = as_generator(seed)
    if r + w > n:
        d = np.full(trials, -np.inf)
        _, wl, rl = _wars_thresholds(n, r, w, wars, trials, rng)
    else:
        d, wl, rl = _wars_thresholds(n, r, w, wars, trials, rng)
    if t.size == 1:
        p = np.array([np.count_nonzero(d <= t[0]) / trials])
    else:
        p = np.searchsorted(np.sort(d), t, side="right") / trials
    lo, hi = wilson(p, trials, z)
    return TVisibility(t, p, lo, hi, wl, rl, n, r, w, wars.name, trials, seed, float(z))


@renamed_keywords(p="fraction", n="trials")
def wilson(fraction: np.ndarray | float, trials: int, z: float = 1.96) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a ``fraction`` of successes observed in ``trials`` trials.

    With p̂ the fraction and m the trials: centre (p̂ + z²/2m)/(1 + z²/m), half-width
    z·√(p̂(1−p̂)/m + z²/4m²)/(1 + z²/m).  (The keywords were ``p`` and ``n``, names the
    vocabulary gives a node-down probability and a node count; they still work, with a
    DeprecationWarning.)
    Worked case: p̂ = 0.5, m = 100, z = 1.96: centre 0.5, half-width 0.0999/1.0384 ≈ 0.0962.

    >>> lo, hi = wilson(0.5, 100)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.4038, 0.5962)
    """
    phat = float_array("fraction", fraction, "a fraction or fractions in [0, 1]")
    if not np.all((phat >= 0) & (phat <= 1)):
        raise invalid("fraction", fraction, "a fraction or fractions in [0, 1]")
    trials = check_int("trials", trials, 1)
    z = check_real("z", z, 0.0, lo_open=True)
    z2 = z * z
    if not math.isfinite(z2):  # z = 1e308 gave NaN intervals
        raise invalid("z", z, "a finite number > 0 whose square is finite")
    lo, hi = wilson_interval(phat, trials, z)
    return lo, hi


#: most grid points the first-crossing scan of :func:`t_for_probability` evaluates
MAX_SCAN = 10_000_000


@renamed_keywords(p="target")
def t_for_probability(n: int, r: int, w: int, target: float,
                      latency: str | WARS | LatencySpec = "LNKD-SSD", trials: int = 200_000,
                      seed: Seed = None, *, estimator: str = "quantile", reads: int = 50_000,
                      step_ms: float | None = None) -> float:
    """The least t (ms) with t-visibility ≥ ``target``: the window of inconsistency.

    (``target`` was called ``p``, the vocabulary's node-down probability; ``p=`` still
    works, with a DeprecationWarning.)  Below, p stands for ``target``.
    Two estimators.  ``"quantile"`` (default): the ⌈p·trials⌉-th smallest consistency
    threshold of ``trials`` WARS draws, floored at 0 — a consistent estimate of the
    p-quantile of the threshold, the t at which P(consistent) reaches p.
    ``"first_crossing"``: the PBS paper's Table 4 procedure: scan t = 0, step, 2·step, …,
    estimate t-visibility at each t from ``reads`` fresh reads, and return the first t whose
    estimate reaches p.  Each estimate is noisy (standard error √(p(1−p)/reads), 1.4·10⁻⁴ at
    p = 0.999 and 50 000 reads), and the scan stops at the first lucky one, so this estimator
    lands *below* the quantile — by 5–12 % at 99.9 % for the Table 3 profiles, more for heavy
    tails — and depends on ``reads`` and ``step_ms``.  The count of consistent reads among
    ``reads`` fresh reads at t is Binomial(reads, F(t)), F the t-visibility; the scan draws
    those counts with F estimated from ``trials`` WARS draws (use ``trials`` ≫ ``reads``, e.g.
    2·10⁶, so F's own error is small beside the binomial noise).  ``step_ms`` defaults to
    the precision the paper prints: three significant digits of the quantile, at most 1 ms
    (0.01 ms near 2 ms, 0.1 ms near 50 ms, 1 ms near 1.5 s).

    Worked case: any strict quorum (R + W > N) gives 0.  Table 4 of the paper (N = 3,
    R = W = 1, 99.9 %): LNKD-SSD 1.85 ms, LNKD-DISK 45.5 ms, YMMR 1364 ms; the quantile
    estimator gives about 1.97, 52.2 and 1455, the first-crossing one about 1.87, 45.7 and
    1367 (medians over seeds).

    >>> t_for_probability(3, 2, 2, 0.999), round(t_for_probability(3, 1, 1, 0.999, trials=400_000, seed=1), 1)
    (0.0, 1.9)
    """
    n, r, w = check_nrw(n, r, w)
    p = check_real("target", target, 0.0, 1.0, lo_open=True)
    trials = _check_trials(trials)
    if estimator not in ("quantile", "first_crossing"):
        raise invalid("estimator", estimator, "'quantile' or 'first_crossing'")
    reads = check_int("reads", reads, 1)
    if step_ms is not None:
        step_ms = check_real("step_ms", step_ms, 0.0, lo_open=True)
    if r + w > n:
        return 0.0
    rng = as_generator(seed)
    d, _, _ = _wars_thresholds(n, r, w, as_wars(latency), trials, rng)
    k = max(1, math.ceil(p * trials))
    q = max(0.0, float(np.partition(d, k - 1)[k - 1]))
    if estimator == "quantile":
        return q
    d.sort()
    if step_ms is None:
        step_ms = min(1.0, 10.0 ** (math.floor(math.log10(q)) - 2)) if q > 0 else 0.01
    need = math.ceil(p * reads)
    top = max(float(d[-1]), 0.0)
    if top / step_ms > MAX_SCAN:
        raise invalid("step_ms", step_ms, f"≥ {top / MAX_SCAN:g} (the scan to the largest "
                                          f"threshold, {top:g} ms, is capped at {MAX_SCAN:.0e} steps)")
    start = 0
    chunk = 65_536
    while True:
        grid = (start + np.arange(chunk)) * step_ms
        f = np.searchsorted(d, grid, side="right") / trials
        hits = np.flatnonzero(rng.binomial(reads, f) >= need)
        if hits.size:
            return float(grid[hits[0]])
        if grid[-1] >= top:  # F = 1 beyond the largest threshold: cannot happen
            return float(grid[-1])  # pragma: no cover
        start += chunk
