"""Exceptions raised by syncmodel.

Every error a user can cause derives from :class:`SyncModelError`.  Bad input is
:class:`InvalidParameterError`; "no answer exists" is :class:`InfeasibleError`.
"""

from __future__ import annotations

import numbers
from typing import Any


class SyncModelError(Exception):
    """Base class of every error syncmodel raises on purpose."""


class InvalidParameterError(SyncModelError, ValueError):
    """A public function got a value it cannot use; the message names both."""


class InfeasibleError(SyncModelError, ValueError):
    """The question is well posed but has no answer (e.g. no strategy meets a limit)."""


def invalid(name: str, value: Any, expected: str) -> InvalidParameterError:
    """Build the standard message: ``"<name> must be <expected>, got <value!r>"``.

    >>> str(invalid("p", 1.2, "in [0, 1]"))
    'p must be in [0, 1], got 1.2'
    """
    return InvalidParameterError(f"{name} must be {expected}, got {value!r}")


def check_probability(name: str, value: Any) -> float:
    """``value`` as a float in [0, 1]; anything else (NaN, a bool, a string) raises, naming ``name``.

    >>> check_probability("p", 0.25)
    0.25
    >>> check_probability("loss", 1.5)
    Traceback (most recent call last):
    ...
    syncmodel.errors.InvalidParameterError: loss must be in [0, 1], got 1.5
    """
    if type(value) is float and 0.0 <= value <= 1.0:  # the common case, kept cheap
        return value
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not 0.0 <= float(value) <= 1.0):  # NaN fails the comparison too
        raise invalid(name, value, "in [0, 1]")
    return float(value)


def check_int(name: str, value: Any, lo: int, hi: int | None = None) -> int:
    """``value`` as an int in lo..hi (no upper bound when ``hi`` is None); a bool or a float raises.

    >>> check_int("n", 3, 1)
    3
    >>> check_int("r", 0, 1, 5)
    Traceback (most recent call last):
    ...
    syncmodel.errors.InvalidParameterError: r must be an int in 1..5, got 0
    """
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < lo
            or (hi is not None and int(value) > hi)):
        bounds = f"in {lo}..{hi}" if hi is not None else f"≥ {lo}"
        raise invalid(name, value, f"an int {bounds}")
    return int(value)
