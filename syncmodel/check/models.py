"""Sequential specifications: what one copy of a register (or of each key of a map) does.
``step(f, value, state) -> (ok, new_state)`` for read / write / cas / append, shared by
the linearizability search, the brute-force checker and the weaker models.
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidParameterError

__all__ = ["MODELS", "append_value", "check_model", "step"]

MODELS = ("register", "kv")


def append_value(state: Any, value: Any) -> Any:
    """The state after appending ``value``: strings and tuples concatenate, sets unite; an
    absent state (None) becomes ``value``.

    >>> append_value("x 0 0 y", "x 0 1 y"), append_value(frozenset({1}), frozenset({2})) == {1, 2}
    ('x 0 0 yx 0 1 y', True)
    """
    if state is None:
        return value
    if isinstance(state, frozenset):
        return state | frozenset(value)
    try:
        return state + value
    except TypeError:
        raise InvalidParameterError(f"cannot append {value!r} to {state!r} (append needs strings, "
                                    "tuples or sets)") from None


def step(f: str, value: Any, state: Any) -> tuple[bool, Any]:
    """One operation on one copy: is it legal in ``state``, and the state after it.

    read v: legal iff v == state; write v: state = v; cas (a, b): legal iff state == a,
    then state = b; append v: state = state + v.

    >>> step("cas", (1, 2), 1), step("cas", (1, 2), 3), step("read", 3, 3)
    ((True, 2), (False, 3), (True, 3))
    """
    if f == "read":
        return value == state, state
    if f == "write":
        return True, value
    if f == "cas":
        return (True, value[1]) if state == value[0] else (False, state)
    if f == "append":
        return True, append_value(state, value)
    raise InvalidParameterError(f"unknown function {f!r}")


def check_model(model: Any) -> str:
    if not isinstance(model, str) or model not in MODELS:
        raise InvalidParameterError(f"model must be one of {list(MODELS)}, got {model!r}")
    return str(model)
