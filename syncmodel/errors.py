"""Exceptions raised by syncmodel.

Every error a user can cause derives from :class:`SyncModelError`.  Bad input is
:class:`InvalidParameterError`; "no answer exists" is :class:`InfeasibleError`; a valid input too
large to compute within the stated bounds is :class:`ResourceLimitError` (refused before it starts).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = ["MAX_COUNT", "InfeasibleError", "InvalidParameterError", "ResourceLimitError", "SyncModelError",
           "check_bool", "check_choice", "check_collection", "check_hashable", "check_ids", "check_int",
           "check_probability", "check_real", "float_array", "invalid", "is_iterable", "too_big"]


class SyncModelError(Exception):
    """Base class of every error syncmodel raises on purpose."""


class InvalidParameterError(SyncModelError, ValueError):
    """A public function got a value it cannot use; the message names both."""


class InfeasibleError(SyncModelError, ValueError):
    """The question is well posed but has no answer (e.g. no strategy meets a limit)."""


class ResourceLimitError(InvalidParameterError):
    """The input is valid but the computation would exceed a memory or work bound.

    Raised *before* anything large is allocated. The message names the entry point and the
    input, gives the estimate (bytes or operations) and the way out: a Monte Carlo method, a
    smaller size, or a ``max_*`` argument that raises the bound.
    """


def too_big(what: str, estimate: str, way_out: str) -> ResourceLimitError:
    """Build the standard message: ``"<what> needs <estimate>; <way_out>"``.

    >>> str(too_big("markov.system(majority(100000))", "7.5e+10 bytes",
    ...             "use failure_probability for the steady state"))
    'markov.system(majority(100000)) needs 7.5e+10 bytes; use failure_probability for the steady state'
    """
    return ResourceLimitError(f"{what} needs {estimate}; {way_out}")


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
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise invalid(name, value, "in [0, 1]")
    try:
        v = float(value)
    except OverflowError:  # an int beyond float range is no probability either
        raise invalid(name, value, "in [0, 1]") from None
    if not 0.0 <= v <= 1.0:  # NaN fails the comparison too
        raise invalid(name, value, "in [0, 1]")
    return v


def check_hashable(name: str, value: Any, expected: str = "hashable") -> Any:
    """``value`` itself if it can be a dict key or set member; else InvalidParameterError
    naming ``name`` (a list, a dict, or a tuple holding one).

    >>> check_hashable("node", ("a", 1))
    ('a', 1)
    >>> check_hashable("node", ["a"])
    Traceback (most recent call last):
    ...
    syncmodel.errors.InvalidParameterError: node must be hashable, got ['a']
    """
    try:
        hash(value)
    except TypeError:
        raise invalid(name, value, expected) from None
    return value


#: The largest count (nodes, trials, samples, replicates, writes, ...) any entry point takes
#: unless it says otherwise: 2³¹ − 1, so every count is a valid numpy size and index on every
#: platform.  Larger ones are refused by name, never left to fail inside numpy (OverflowError,
#: MemoryError); whether a smaller one is affordable is :class:`ResourceLimitError`'s question.
MAX_COUNT = 2**31 - 1


def check_int(name: str, value: Any, lo: int, hi: int | None = MAX_COUNT) -> int:
    """``value`` as an int in lo..hi; a bool, a float, an array or a string raises.

    ``hi`` defaults to :data:`MAX_COUNT` (the package's bound on counts); ``hi=None``
    means no upper bound (seeds, identifiers).

    >>> check_int("n", 3, 1)
    3
    >>> check_int("r", 0, 1, 5)
    Traceback (most recent call last):
    ...
    syncmodel.errors.InvalidParameterError: r must be an int in 1..5, got 0
    >>> check_int("trials", 2**63, 1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    syncmodel.errors.InvalidParameterError: trials must be an int ≥ 1 and ≤ 2147483647 ...
    """
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < lo
            or (hi is not None and int(value) > hi)):
        too_big = isinstance(value, numbers.Integral) and not isinstance(value, bool) and hi is not None \
            and int(value) > hi
        if hi == MAX_COUNT and too_big:
            bounds = f"≥ {lo} and ≤ {hi} (MAX_COUNT, the bound on counts)"
        else:
            bounds = f"in {lo}..{hi}" if hi not in (None, MAX_COUNT) else f"≥ {lo}"
        raise invalid(name, value, f"an int {bounds}")
    return int(value)


def check_bool(name: str, value: Any) -> bool:
    """``value`` if it is True or False (numpy's bool too); 0, 1, "yes" or None raise.

    >>> check_bool("sloppy", True)
    True
    """
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    raise invalid(name, value, "True or False")


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """``value`` if it is one of the strings ``choices``.  Anything else raises naming
    ``name``: a string not among them, and also an array, a Series or a list of strings
    (``value in choices`` on those would compare elementwise: "truth value is ambiguous").

    >>> check_choice("op", "read", ("read", "write"))
    'read'
    >>> check_choice("op", ["read"], ("read", "write"))
    Traceback (most recent call last):
    ...
    syncmodel.errors.InvalidParameterError: op must be one of 'read', 'write', got ['read']
    """
    options = tuple(choices)
    if not isinstance(value, str) or value not in options:
        raise invalid(name, value, "one of " + ", ".join(repr(c) for c in options))
    return str(value)


def is_iterable(value: Any) -> bool:
    """``isinstance(value, Iterable)``, except for a 0-d numpy array (an ndarray is Iterable
    by type, yet iterating a 0-d one raises TypeError): use it wherever a collection is taken.

    >>> import numpy as np
    >>> is_iterable([1]), is_iterable(np.array([1])), is_iterable(np.array(1)), is_iterable(1)
    (True, True, False, False)
    """
    return isinstance(value, Iterable) and getattr(value, "ndim", 1) != 0


def check_collection(name: str, value: Any, expected: str = "a collection of values", *,
                     strings: bool = False, mappings: bool = False) -> list[Any]:
    """``value``'s items as a list, for parameters that take a collection.  Refused, naming
    ``name``: a scalar, None, a 0-d numpy array (iterating one raises TypeError), a str or
    bytes unless ``strings`` (a str is rarely meant as a collection of characters), a
    mapping unless ``mappings``, and an iterable that fails while it is read.

    >>> check_collection("live", (1, 2))
    [1, 2]
    >>> check_collection("live", 3)
    Traceback (most recent call last):
    ...
    syncmodel.errors.InvalidParameterError: live must be a collection of values, got 3
    """
    if (value is None or (not strings and isinstance(value, (str, bytes)))
            or (not mappings and isinstance(value, Mapping))
            or not is_iterable(value)):
        raise invalid(name, value, expected)
    try:
        return list(value)
    except (TypeError, ValueError, OverflowError):
        raise invalid(name, value, expected) from None


def check_ids(name: str, values: Any, n: int | None, expected: str | None = None) -> list[int]:
    """``values`` (a collection) as a list of ints in 0..n−1 — node ids, indices — or, with
    ``n`` None, ints ≥ 0.  Anything else (a scalar, a string, a bool or a float among them,
    one out of range) raises naming ``name`` and the whole collection.

    >>> check_ids("live", [0, 2], 3)
    [0, 2]
    >>> check_ids("live", [0, 3], 3)
    Traceback (most recent call last):
    ...
    syncmodel.errors.InvalidParameterError: live must be ids in 0..2, got [0, 3]
    """
    if expected is None:
        expected = f"ids in 0..{n - 1}" if n is not None else "ints ≥ 0"
    items = check_collection(name, values, expected)
    if any(isinstance(i, bool) or not isinstance(i, numbers.Integral) for i in items):
        raise invalid(name, values, expected)
    ids = [int(i) for i in items]
    if any(i < 0 or (n is not None and i >= n) for i in ids):
        raise invalid(name, values, expected)
    return ids


def check_real(name: str, value: Any, lo: float | None = None, hi: float | None = None, *,
               lo_open: bool = False, finite: bool = True) -> float:
    """``value`` as a float in [lo, hi] (``(lo, hi]`` when ``lo_open``); a bool, a string,
    NaN or (when ``finite``) ±inf raises, naming ``name``.

    >>> check_real("dt", 0.5, 0.0, lo_open=True)
    0.5
    >>> check_real("dt", 0, 0.0, lo_open=True)
    Traceback (most recent call last):
    ...
    syncmodel.errors.InvalidParameterError: dt must be a finite number > 0.0, got 0
    """
    try:
        v = float(value) if isinstance(value, numbers.Real) and not isinstance(value, bool) else math.nan
    except OverflowError:  # an int beyond float range
        v = math.inf if value > 0 else -math.inf
    ok = not math.isnan(v)
    if (not ok or (finite and math.isinf(v))
            or (lo is not None and (v <= lo if lo_open else v < lo))
            or (hi is not None and v > hi)):
        parts = [f"{'>' if lo_open else '≥'} {lo}" if lo is not None else "",
                 f"≤ {hi}" if hi is not None else ""]
        bounds = " and ".join(p for p in parts if p)
        raise invalid(name, value, f"a {'finite ' if finite else ''}number{' ' + bounds if bounds else ''}")
    return v


def float_array(name: str, values: Any, expected: str = "a number or a sequence of numbers",
                *, ndim: int | None = None) -> np.ndarray:
    """``values`` as a float array; anything that is not numbers (a string, a mapping, a
    ragged list, bools, None) or has more than ``ndim`` dimensions raises, naming ``name``.
    NaN and range checks are the caller's.

    >>> float_array("ps", [0.1, 0.2]).tolist()
    [0.1, 0.2]
    >>> float_array("ps", ["x"])
    Traceback (most recent call last):
    ...
    syncmodel.errors.InvalidParameterError: ps must be a number or a sequence of numbers, got ['x']
    """
    import numpy as np  # here, not at module level: `import syncmodel` stays numpy-free

    try:
        raw = values if isinstance(values, np.ndarray) else np.asarray(values)
    except (TypeError, ValueError, OverflowError):  # ragged
        raise invalid(name, values, expected) from None
    if raw.dtype.kind not in "iuf" or (ndim is not None and raw.ndim > ndim):
        raise invalid(name, values, expected)
    return raw.astype(float, copy=False)
