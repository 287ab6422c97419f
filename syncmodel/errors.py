"""Exceptions raised by syncmodel.

Every error a user can cause derives from :class:`SyncModelError`.  Bad input is
:class:`InvalidParameterError`; "no answer exists" is :class:`InfeasibleError`.
"""

from __future__ import annotations

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
