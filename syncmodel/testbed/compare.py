"""Measurement beside prediction: quantiles, medians with seeded bootstrap intervals, two-sample KS.

:func:`compare` takes measured values (a DataFrame column or an array) and model samples and
returns a one-row DataFrame; NaN measurements (trials that hit their cap) are counted, not used.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import check_collection, check_int, check_real, float_array, invalid
from ..rng import Seed, as_generator

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["QUANTILES", "bootstrap_median", "compare", "ks_statistic"]

QUANTILES = (0.1, 0.5, 0.9, 0.99)


def _values(x: Any, column: str | None, name: str) -> np.ndarray:
    import pandas as pd

    if isinstance(x, pd.DataFrame):
        if not isinstance(column, str) or column not in x.columns:
            raise invalid("column", column, f"a column of {name}: {list(x.columns)}")
        x = x[column]
    try:
        a = np.asarray(x, dtype=float).ravel()
    except (TypeError, ValueError, OverflowError):
        raise invalid(name, x, "numbers (an array, a Series or a DataFrame with `column`)") from None
    return a


def _sample(name: str, x: Any) -> np.ndarray:
    """``x`` as a non-empty 1-d array of finite floats, else InvalidParameterError naming ``name``."""
    a = float_array(name, x, "a non-empty sequence of finite numbers", ndim=1)
    if a.ndim != 1 or a.size == 0 or not np.isfinite(a).all():
        raise invalid(name, x, "a non-empty sequence of finite numbers")
    return a


def _level(level: Any) -> float:
    v = check_real("level", level, 0.0, 1.0, lo_open=True)
    if v >= 1.0:
        raise invalid("level", level, "a number in (0, 1)")
    return v


def ks_statistic(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Two-sample Kolmogorov–Smirnov statistic D = sup_x |F_a(x) − F_b(x)| over the empirical CDFs.

    Evaluated at every pooled sample point (both CDFs right-continuous).  Worked case:
    ``ks_statistic([1, 2], [3, 4]) == 1.0``; identical samples give 0.
    """
    x, y = np.sort(_sample("a", a)), np.sort(_sample("b", b))
    pts = np.concatenate([x, y])
    fa = np.searchsorted(x, pts, side="right") / x.size
    fb = np.searchsorted(y, pts, side="right") / y.size
    return float(np.max(np.abs(fa - fb)))


def bootstrap_median(x: Sequence[float] | np.ndarray, level: float = 0.95, boot: int = 2000,
                     seed: Seed = 0) -> tuple[float, float, float]:
    """(median, lo, hi): the sample median and its percentile-bootstrap ``level`` interval.

    ``boot`` resamples of size n with replacement (seeded: same seed, same interval); the
    interval is the (1 ± level)/2 quantiles of the resampled medians.  Assumes i.i.d. trials.
    Worked case: a constant sample gives (c, c, c).
    """
    a = _sample("x", x)
    boot = check_int("boot", boot, 1)
    level = _level(level)
    rng = as_generator(seed)
    meds = np.median(a[rng.integers(0, a.size, size=(boot, a.size))], axis=1)
    lo, hi = np.quantile(meds, [(1 - level) / 2, (1 + level) / 2])
    return float(np.median(a)), float(lo), float(hi)


def compare(measured: Any, model_samples: Any, *, column: str | None = "failover_ms",
            quantiles: Sequence[float] = QUANTILES, level: float = 0.95, boot: int = 2000,
            seed: Seed = 0) -> pd.DataFrame:
    """One row: measured and predicted side by side.

    Columns: ``trials`` (measured values used), ``missing`` (NaN measurements: trials that hit
    their cap), ``model_n``; ``measured_median`` with ``measured_median_lo/hi`` and
    ``model_median`` with ``model_median_lo/hi`` (percentile bootstrap, ``level``, ``boot``
    resamples, seeded); ``measured_q{q}`` and ``model_q{q}`` for each quantile (numpy's linear
    interpolation); ``median_ratio`` = measured / predicted median; ``ks`` the two-sample KS
    statistic and ``ks_pvalue`` (scipy.stats.ks_2samp, two-sided).
    Worked case: a sample against itself: ks 0, median_ratio 1.
    """
    import pandas as pd
    from scipy import stats

    m_all = _values(measured, column, "measured")
    p_all = _values(model_samples, column if isinstance(model_samples, pd.DataFrame) else None,
                    "model_samples")
    m, p = m_all[np.isfinite(m_all)], p_all[np.isfinite(p_all)]
    if m.size == 0 or p.size == 0:
        raise invalid("measured" if m.size == 0 else "model_samples", m.size if m.size == 0 else p.size,
                      "at least one finite value")
    qa = float_array("quantiles", check_collection("quantiles", quantiles, "numbers in [0, 1]"),
                     "numbers in [0, 1]", ndim=1)
    qs = [float(q) for q in qa]
    if not qs or any(not 0 <= q <= 1 for q in qs):  # NaN fails the test too
        raise invalid("quantiles", quantiles, "numbers in [0, 1]")
    level = _level(level)
    from ..rng import spawn

    s1, s2 = spawn(seed, 2)
    mm, mlo, mhi = bootstrap_median(m, level, boot, s1)
    pm, plo, phi = bootstrap_median(p, level, boot, s2)
    row: dict[str, Any] = {"trials": int(m.size), "missing": int(m_all.size - m.size), "model_n": int(p.size),
                           "measured_median": mm, "measured_median_lo": mlo, "measured_median_hi": mhi,
                           "model_median": pm, "model_median_lo": plo, "model_median_hi": phi}
    for q, a, b in zip(qs, np.quantile(m, qs), np.quantile(p, qs), strict=True):
        row[f"measured_q{q:g}"] = float(a)
        row[f"model_q{q:g}"] = float(b)
    row["median_ratio"] = mm / pm if pm != 0 else float("inf") if mm != 0 else 1.0
    row["ks"] = ks_statistic(m, p)
    row["ks_pvalue"] = float(stats.ks_2samp(m, p).pvalue)
    return pd.DataFrame([row])
