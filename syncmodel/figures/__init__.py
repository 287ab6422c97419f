"""The paper-figure registry: every figure ``make figures`` writes.

A figure is a function ``build(small: bool = False) -> go.Figure`` registered
with :func:`register` in a module of this package; :func:`discover` imports
them all.  ``small=True`` builds the same figure from few samples (tests).
"""

from __future__ import annotations

import importlib
import pkgutil
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import invalid

__all__ = ["FigureBuilder", "FigureSpec", "Written", "build_all", "discover", "register"]

FigureBuilder = Callable[..., Any]


@dataclass(frozen=True)
class FigureSpec:
    """One registered paper figure."""

    name: str
    build: FigureBuilder
    description: str
    topic: str


_REGISTRY: dict[str, FigureSpec] = {}


def register(name: str, description: str = "") -> Callable[[FigureBuilder], FigureBuilder]:
    """Decorator: register ``build(small=False) -> go.Figure`` under ``name`` (a file stem)."""

    def deco(fn: FigureBuilder) -> FigureBuilder:
        if name in _REGISTRY and _REGISTRY[name].build is not fn:
            raise invalid("name", name, "unique among registered figures")
        topic = fn.__module__.rsplit(".", 1)[-1]
        summary = description or (fn.__doc__ or "").strip().split("\n")[0]
        _REGISTRY[name] = FigureSpec(name, fn, summary, topic)
        return fn

    return deco


def discover() -> dict[str, FigureSpec]:
    """Import every module of this package and return the registry (name -> spec)."""
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
    return dict(sorted(_REGISTRY.items()))


@dataclass(frozen=True)
class Written:
    """What :func:`build_all` did for one figure."""

    name: str
    files: tuple[Path, ...]
    build_s: float
    export_s: float


def build_all(out: str | Path, names: Sequence[str] | None = None,
              formats: Iterable[str] = ("pdf", "svg", "png"), small: bool = False,
              on_done: Callable[[Written], None] | None = None) -> list[Written]:
    """Build every registered figure (or ``names``) and write it under ``out``."""
    from ..export import check_formats, check_output_dir, target, write_figure

    registry = discover()
    expected = f"registered figures, one of {sorted(registry)}"
    if names is not None and (isinstance(names, (str, bytes)) or not isinstance(names, Iterable)):
        raise invalid("names", names, expected)
    chosen = list(registry) if names is None else list(names)
    if any(not isinstance(n, str) for n in chosen):
        raise invalid("names", chosen, expected)
    unknown = [n for n in chosen if n not in registry]
    if unknown:
        raise invalid("names", unknown, expected)
    fmts = check_formats(formats)
    out = check_output_dir("out", out, [target(Path(n), f).name for n in chosen for f in fmts])
    done: list[Written] = []
    for name in chosen:
        t0 = time.perf_counter()
        fig = registry[name].build(small=small)
        t1 = time.perf_counter()
        files = write_figure(fig, out / name, fmts)
        t2 = time.perf_counter()
        row = Written(name, tuple(files), t1 - t0, t2 - t1)
        done.append(row)
        if on_done is not None:
            on_done(row)
    return done
