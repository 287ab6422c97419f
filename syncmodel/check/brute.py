"""The definition of linearizability, checked literally: every subset of the indeterminate
operations times every order of the operations (the reference the fast search is tested
and benchmarked against; factorial, for a handful of operations only).
"""

from __future__ import annotations

import itertools
from typing import Any

from ..errors import InvalidParameterError
from .history import History, check_history, initial_of
from .linear import Op, effective
from .models import check_model, step

__all__ = ["MAX_BRUTE", "brute_linearizable"]

MAX_BRUTE = 9


def _legal(order: tuple[Op, ...], initial: dict[Any, Any], keyed: bool, keys: list[Any]) -> bool:
    state = dict(initial)
    for o in order:
        k = keys[o.index] if keyed else None
        ok, state[k] = step(o.f, o.value, state[k])
        if not ok:
            return False
    return True


def brute_linearizable(history: History, model: str = "register", initial: Any = "history") -> bool:
    """True iff some order of the operations — all determinate ones, any subset of the
    indeterminate (info) ones — respects real time (a before b whenever a completed before
    b was invoked) and is legal for the sequential model. Keys are not partitioned: every
    key is in one order, so this also tests the partitioning of :func:`linearizable`.

    >>> from syncmodel.check import from_table
    >>> h = from_table([
    ...     {"process": 0, "type": "ok", "f": "write", "key": None, "value": 1,
    ...      "invoke_ms": 0, "complete_ms": 3},
    ...     {"process": 1, "type": "ok", "f": "read", "key": None, "value": 1,
    ...      "invoke_ms": 1, "complete_ms": 2}])
    >>> brute_linearizable(h)
    True
    """
    model = check_model(model)
    init = initial_of(check_history(history), initial)
    ops = effective(history.ops)
    if len(ops) > MAX_BRUTE:
        raise InvalidParameterError(f"history has {len(ops)} effective operations; brute force takes "
                                    f"at most {MAX_BRUTE}")
    keyed = model == "kv"
    keys = [o.key for o in history.ops]
    if not keyed and len(set(keys)) > 1:
        raise InvalidParameterError("model='register' checks one object; use model='kv'")
    state0 = {k: init for k in set(keys)} if keyed else {None: init}
    sure = [o for o in ops if o.t1 != float("inf")]
    maybe = [o for o in ops if o.t1 == float("inf")]
    for r in range(len(maybe) + 1):
        for extra in itertools.combinations(maybe, r):
            chosen = sure + list(extra)
            for order in itertools.permutations(chosen):
                if any(b.t1 < a.t0 for i, a in enumerate(order) for b in order[i + 1:]):
                    continue
                if _legal(order, state0, keyed, keys):
                    return True
    return False
