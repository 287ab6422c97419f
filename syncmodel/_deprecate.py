"""Old spellings kept working for one release, each with a DeprecationWarning: dict-style
reading of the result objects that used to be dicts (:class:`LegacyKeys`) and renamed keyword
arguments (:func:`renamed_keywords`).

A frozen dataclass result mixes in :class:`LegacyKeys` and names its old keys in
``_legacy_keys`` (old key -> attribute); ``result["old_key"]``, ``keys()``, ``get()``,
``items()`` and ``in`` then still work, each warning with the attribute to read instead.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

__all__ = ["LegacyKeys", "renamed_function", "renamed_keywords"]

F = TypeVar("F", bound=Callable[..., Any])


def renamed_keywords(**renames: str) -> Callable[[F], F]:
    """Decorator: accept the old keyword names (``old="new"``) of a function's parameters,
    with a DeprecationWarning; giving both spellings is a TypeError, as Python's own."""

    def deco(fn: F) -> F:
        import inspect

        order = list(inspect.signature(fn).parameters)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs or order.index(new) < len(args):
                        raise TypeError(f"{fn.__name__}() got both {old}= and its new name {new}=")
                    warnings.warn(f"{fn.__name__}({old}=...) is deprecated: call it {new}=",
                                  DeprecationWarning, stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return deco


def renamed_function(fn: F, old: str, why: str = "") -> F:
    """``fn`` under its old name ``old`` (e.g. "structure.majority"): calls warn DeprecationWarning
    naming the new one, then run ``fn``.  ``why`` says why it was renamed (for the docstring)."""
    new = f"{old.rpartition('.')[0]}.{fn.__name__}".lstrip(".")

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(f"{old} is deprecated: call it {new}", DeprecationWarning, stacklevel=2)
        return fn(*args, **kwargs)

    wrapper.__name__ = wrapper.__qualname__ = old.rsplit(".", 1)[-1]
    wrapper.__doc__ = f"Deprecated name of :func:`{new}`{': ' + why if why else ''}."
    return wrapper  # type: ignore[return-value]


class LegacyKeys:
    """Read access by the keys of the dict this result replaced, deprecated (see module doc)."""

    #: old dict key -> attribute that now holds it
    _legacy_keys: ClassVar[Mapping[str, str]] = {}

    def _warn(self, what: str) -> None:
        name = type(self).__name__
        warnings.warn(f"{name} is no longer a dict: {what} is deprecated, read the attributes "
                      f"({', '.join(f'.{a}' for a in self._legacy_keys.values())}) or call .to_frame()",
                      DeprecationWarning, stacklevel=3)

    def __getitem__(self, key: str) -> Any:
        if not isinstance(key, str) or key not in self._legacy_keys:
            raise KeyError(key)
        self._warn(f"[{key!r}] (now .{self._legacy_keys[key]})")
        return getattr(self, self._legacy_keys[key])

    def __contains__(self, key: object) -> bool:
        self._warn("`in`")
        return key in self._legacy_keys

    def keys(self) -> list[str]:
        self._warn("keys()")
        return list(self._legacy_keys)

    def items(self) -> list[tuple[str, Any]]:
        self._warn("items()")
        return [(k, getattr(self, a)) for k, a in self._legacy_keys.items()]

    def values(self) -> list[Any]:
        self._warn("values()")
        return [getattr(self, a) for a in self._legacy_keys.values()]

    def get(self, key: str, default: Any = None) -> Any:
        self._warn("get()")
        return getattr(self, self._legacy_keys[key]) if key in self._legacy_keys else default
