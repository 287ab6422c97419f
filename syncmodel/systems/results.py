"""Typed answers of the systems' questions that used to be dicts: :class:`LostWrites`,
:class:`ConflictingVersions`, :class:`ReadRepairEffect` — frozen dataclasses with
``to_frame()`` that record the system, the call's parameters and its seed — and the
:func:`answer` decorator that builds them from a system method's counts.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from .._deprecate import LegacyKeys

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Answer", "ConflictingVersions", "LostWrites", "ReadRepairEffect", "answer"]


@dataclass(frozen=True)
class Answer(LegacyKeys):
    """What every answer records: the ``system`` (preset name) asked, the call's other
    parameters (``params``) and its ``seed``.  (Earlier versions returned a dict of the
    answer's counts; reading it by those keys still works, with a DeprecationWarning.)"""

    system: str
    seed: Any
    params: Mapping[str, Any] = field(hash=False)

    #: the answer's own fields (the old dict's keys), in order
    _legacy_keys: ClassVar[dict[str, str]] = {}

    def to_frame(self) -> pd.DataFrame:
        """One row: system, the answer's fields, the call's parameters and its seed."""
        import pandas as pd

        own = {f.name: getattr(self, f.name) for f in fields(self)
               if f.name not in ("system", "seed", "params")}
        return pd.DataFrame([{"system": self.system, **own, **dict(self.params), "seed": self.seed}])


@dataclass(frozen=True)
class LostWrites(Answer):
    """Acknowledged writes lost when the leader crashes after a write burst
    (:meth:`~syncmodel.systems.SystemModel.lost_writes`): writes ``acknowledged``, of them
    ``lost``, ``lost_fraction`` = lost / acknowledged (0 when none was), and whether the
    system was ``available`` after the crash."""

    acknowledged: int
    lost: int
    lost_fraction: float
    available: bool

    _legacy_keys: ClassVar[dict[str, str]] = {k: k for k in
                                              ("acknowledged", "lost", "lost_fraction", "available")}


@dataclass(frozen=True)
class ConflictingVersions(Answer):
    """Concurrent writes of one key (:meth:`~syncmodel.systems.SystemModel.conflicting_versions`):
    ``versions`` kept after resolution, ``siblings`` (concurrent versions before it),
    ``discarded`` (acknowledged, then silently dropped) and ``refused`` (rejected, the client told)."""

    versions: int
    siblings: int
    discarded: int
    refused: int

    _legacy_keys: ClassVar[dict[str, str]] = {k: k for k in ("versions", "siblings", "discarded", "refused")}


@dataclass(frozen=True)
class ReadRepairEffect(Answer):
    """Fraction of reads that saw the latest acknowledged write on the simulated store,
    without (``fresh_without``) and with (``fresh_with``) read repair
    (:meth:`~syncmodel.systems.SystemModel.read_repair_effect`)."""

    fresh_without: float
    fresh_with: float

    _legacy_keys: ClassVar[dict[str, str]] = {k: k for k in ("fresh_without", "fresh_with")}


R = TypeVar("R", bound=Answer)


def answer(result: type[R]) -> Callable[[Callable[..., Mapping[str, Any]]], Callable[..., R]]:
    """Decorator of a system method that computes an answer's counts as a mapping: the
    method then returns ``result`` holding them, the system's name, the call's parameters
    (defaults filled in) and its ``seed``."""

    def deco(fn: Callable[..., Mapping[str, Any]]) -> Callable[..., R]:
        sig = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> R:
            counts = fn(self, *args, **kwargs)
            bound = sig.bind(self, *args, **kwargs)
            bound.apply_defaults()
            call = dict(bound.arguments)
            call.pop("self", None)
            seed = call.pop("seed", None)
            return result(system=self.name, seed=seed, params=call, **counts)

        wrapper.__signature__ = sig.replace(return_annotation=result.__name__)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {**fn.__annotations__, "return": result.__name__}
        return wrapper

    return deco
