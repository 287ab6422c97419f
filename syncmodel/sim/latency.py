"""Message and disk latency distributions for the simulator, in milliseconds.

Each distribution knows its closed-form mean and variance (tests check the
sampler against them) and hands out a fast buffered sampler bound to a generator.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import float_array, invalid

__all__ = [
    "BATCH",
    "BATCH_MAX",
    "BATCH_MIN",
    "Empirical",
    "Exponential",
    "Fixed",
    "Latency",
    "LatencySpec",
    "LogNormal",
    "Sum",
    "Uniform",
    "as_latency",
    "buffered",
    "check_draw",
    "finite_moment",
]


#: a buffered sampler's first refill draws BATCH_MIN values, doubling up to BATCH_MAX: short
#: runs waste little, long runs amortize numpy's per-call cost
BATCH_MIN = 32
BATCH_MAX = 4096
#: kept from the first release of this module: the largest refill
BATCH = BATCH_MAX


def _check_nonneg(name: str, value: Any) -> float:
    if (not isinstance(value, numbers.Real) or isinstance(value, bool)
            or not math.isfinite(float(value)) or value < 0):
        raise invalid(name, value, "a finite number ≥ 0")
    return float(value)


def finite_moment(name: str, value: Any, moment: Callable[[], float]) -> float:
    """``moment()`` (a mean or variance), or InvalidParameterError naming the parameter
    ``name`` whose size makes it overflow (e.g. a scale of 1e308 has variance 1e616)."""
    try:
        m = moment()
    except OverflowError:
        m = math.inf
    if not math.isfinite(m):
        raise invalid(name, value, "small enough for a finite mean and variance")
    return m


def check_draw(rng: Any, size: Any) -> None:
    """The arguments of :meth:`Latency.sample`: a numpy Generator and a size (an int ≥ 0 or
    a shape tuple of them); anything else raises InvalidParameterError naming it."""
    if not isinstance(rng, np.random.Generator):
        raise invalid("rng", rng, "a numpy.random.Generator")
    if type(size) is int and size >= 0:  # the common case, kept cheap
        return
    dims = size if isinstance(size, tuple) else (size,)
    if not all(isinstance(d, numbers.Integral) and not isinstance(d, bool) and int(d) >= 0 for d in dims):
        raise invalid("size", size, "an int ≥ 0 or a tuple of them")


class Latency:
    """A non-negative delay distribution (ms).

    Subclasses implement :meth:`sample` (vectorized; it starts with :func:`check_draw`),
    :attr:`mean` and :attr:`var` (a constructor refuses parameters so large that these overflow).
    :meth:`sampler` returns a zero-argument callable that serves one draw at a
    time from numpy batches: the form the event loop uses.
    """

    mean: float
    var: float

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def sampler(self, rng: np.random.Generator) -> Callable[[], float]:
        """A fast zero-argument sampler drawing from ``rng`` in growing batches."""
        return buffered(lambda size: self.sample(rng, size))

    def __add__(self, other: Latency) -> Latency:
        return Sum(self, other)


def buffered(draw: Callable[[int], np.ndarray]) -> Callable[[], float]:
    """Serve ``draw(size)``'s values one at a time, refilling with batches that double
    from :data:`BATCH_MIN` to :data:`BATCH_MAX` (values come out in draw order)."""
    buf: list[float] = []
    pop = buf.pop
    size = [BATCH_MIN]

    def next_value() -> float:
        if not buf:
            buf.extend(draw(size[0]).tolist()[::-1])
            size[0] = min(2 * size[0], BATCH_MAX)
        return pop()

    return next_value


class Fixed(Latency):
    """Always ``value`` ms.  Mean ``value``, variance 0."""

    def __init__(self, value: float) -> None:
        self.value = _check_nonneg("value", value)
        self.mean = self.value
        self.var = 0.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        check_draw(rng, size)
        return np.full(size, self.value)

    def sampler(self, rng: np.random.Generator) -> Callable[[], float]:
        v = self.value
        return lambda: v

    def __repr__(self) -> str:
        return f"Fixed({self.value:g})"


class Uniform(Latency):
    """Uniform on [lo, hi] ms.  Mean (lo + hi)/2, variance (hi − lo)²/12."""

    def __init__(self, lo: float, hi: float) -> None:
        self.lo = _check_nonneg("lo", lo)
        self.hi = _check_nonneg("hi", hi)
        if self.hi < self.lo:
            raise invalid("hi", hi, f"≥ lo = {lo!r}")
        self.mean = finite_moment("hi", hi, lambda: (self.lo + self.hi) / 2)
        self.var = finite_moment("hi", hi, lambda: (self.hi - self.lo) ** 2 / 12)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        check_draw(rng, size)
        return rng.uniform(self.lo, self.hi, size)

    def __repr__(self) -> str:
        return f"Uniform({self.lo:g}, {self.hi:g})"


class Exponential(Latency):
    """``shift`` + Exp(mean ``scale``) ms.  Mean shift + scale, variance scale²."""

    def __init__(self, scale: float, shift: float = 0.0) -> None:
        self.scale = _check_nonneg("scale", scale)
        self.shift = _check_nonneg("shift", shift)
        self.var = finite_moment("scale", scale, lambda: self.scale ** 2)
        self.mean = finite_moment("shift", shift, lambda: self.shift + self.scale)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        check_draw(rng, size)
        return self.shift + rng.exponential(self.scale, size)

    def __repr__(self) -> str:
        return f"Exponential(scale={self.scale:g}, shift={self.shift:g})"


class LogNormal(Latency):
    """``shift`` + exp(N(ln median, σ²)) ms: a right-skewed jitter.

    Mean shift + median·e^(σ²/2), variance median²·(e^(σ²) − 1)·e^(σ²).
    """

    def __init__(self, median: float, sigma: float, shift: float = 0.0) -> None:
        self.median = _check_nonneg("median", median)
        if self.median == 0:
            raise invalid("median", median, "> 0")
        self.sigma = _check_nonneg("sigma", sigma)
        self.shift = _check_nonneg("shift", shift)
        finite_moment("sigma", sigma, lambda: math.exp(self.sigma ** 2))
        s2 = self.sigma ** 2
        self.var = finite_moment("median", median, lambda: self.median ** 2 * math.expm1(s2) * math.exp(s2))
        self.mean = finite_moment("shift", shift, lambda: self.shift + self.median * math.exp(s2 / 2))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        check_draw(rng, size)
        return self.shift + rng.lognormal(math.log(self.median), self.sigma, size)

    def __repr__(self) -> str:
        return f"LogNormal(median={self.median:g}, sigma={self.sigma:g}, shift={self.shift:g})"


class Empirical(Latency):
    """Resample measured delays uniformly with replacement.

    Mean and variance are those of the samples (population variance, ddof=0).
    """

    def __init__(self, samples: Sequence[float] | np.ndarray) -> None:
        expected = "a non-empty sequence of finite numbers ≥ 0"
        a = float_array("samples", samples, expected).ravel()
        if a.size == 0 or not np.all(np.isfinite(a)) or np.any(a < 0):
            raise invalid("samples", samples, expected)
        self.samples = a
        with np.errstate(over="ignore"):
            self.mean = finite_moment("samples", samples, lambda: float(a.mean()))
            self.var = finite_moment("samples", samples, lambda: float(a.var()))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        check_draw(rng, size)
        return self.samples[rng.integers(0, self.samples.size, size)]

    def __repr__(self) -> str:
        return f"Empirical(n={self.samples.size}, mean={self.mean:g})"


class Sum(Latency):
    """The sum of independent delays (e.g. network + disk write).

    Mean Σ meanᵢ, variance Σ varᵢ (independence).
    """

    parts: tuple[Latency, ...]

    def __init__(self, *parts: Latency) -> None:
        if not parts or not all(isinstance(p, Latency) for p in parts):
            raise invalid("parts", parts, "one or more Latency objects")
        flat: list[Latency] = []
        for p in parts:
            flat.extend(p.parts if isinstance(p, Sum) else (p,))
        self.parts = tuple(flat)
        self.mean = sum(p.mean for p in self.parts)
        self.var = sum(p.var for p in self.parts)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        check_draw(rng, size)
        total = np.zeros(size)
        for p in self.parts:
            total += p.sample(rng, size)
        return total

    def __repr__(self) -> str:
        return " + ".join(map(repr, self.parts))


LatencySpec = Latency | float | int | tuple[Any, ...]


def as_latency(spec: LatencySpec, name: str = "latency") -> Latency:
    """Turn a user's latency spec into a :class:`Latency`.

    Accepted: a Latency; a number (fixed ms); ``("fixed", v)``, ``("uniform", lo, hi)``,
    ``("exponential", mean[, shift])``, ``("lognormal", median, sigma[, shift])``,
    ``("empirical", samples)``.

    >>> as_latency(("uniform", 5, 10)).mean
    7.5
    """
    if isinstance(spec, Latency):
        return spec
    if isinstance(spec, numbers.Real) and not isinstance(spec, bool):
        try:
            return Fixed(float(spec))
        except Exception:
            raise invalid(name, spec, "a finite number ≥ 0 or a latency spec") from None
    kinds: dict[str, Callable[..., Latency]] = {
        "fixed": Fixed, "uniform": Uniform, "exponential": Exponential,
        "lognormal": LogNormal, "empirical": Empirical,
    }
    if isinstance(spec, tuple) and spec and isinstance(spec[0], str) and spec[0] in kinds:
        try:
            return kinds[spec[0]](*spec[1:])
        except TypeError:
            raise invalid(name, spec, "a latency spec with the right number of arguments") from None
    raise invalid(name, spec,
                  f"a Latency, a number, or a tuple whose first item is one of {sorted(kinds)}")
