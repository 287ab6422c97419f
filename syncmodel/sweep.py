"""Parameter sweeps: a grid of points x replicates -> one tidy pandas DataFrame.

``run`` calls ``fn(**point, seed=s)`` serially, on local processes or on any
``concurrent.futures`` executor (Dask's included) and gives the same numbers bit
for bit; ``cache=DIR`` keeps every finished task so an interrupted sweep resumes.
"""

from __future__ import annotations

import concurrent.futures as cf
import inspect
import itertools
import numbers
import os
import pickle
import signal
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from . import _cache, rng
from .errors import (
    InvalidParameterError,
    check_bool,
    check_choice,
    check_int,
    invalid,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "RESERVED",
    "columns",
    "grid_points",
    "pivot",
    "run",
    "task_key",
    "task_seeds",
]

Grid = Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]]
#: column names a sweep adds itself; parameters and metrics may not use them
RESERVED = ("replicate", "seed", "syncmodel_version")
_SEQUENCE_TYPES = (list, tuple, range, np.ndarray)


# ---------------------------------------------------------------- grid and seeds
def grid_points(grid: Grid) -> list[dict[str, Any]]:
    """The parameter points of ``grid``, in order.

    A dict of lists gives the Cartesian product, the last key varying fastest:
    ``{"n": [3, 5], "p": [0.1, 0.2]}`` -> (3, 0.1), (3, 0.2), (5, 0.1), (5, 0.2).
    A list of dicts is taken as is.  Values must be lists (tuples, ranges and
    1-D arrays are accepted); empty grids and reserved names are refused.
    """
    if isinstance(grid, Mapping):
        if not grid:
            raise invalid("grid", grid, "a non-empty dict of lists or list of dicts")
        axes: list[list[Any]] = []
        for name, values in grid.items():
            _check_name(name, "grid key")
            if not isinstance(values, _SEQUENCE_TYPES) or (
                    isinstance(values, np.ndarray) and values.ndim != 1):
                raise invalid(f"grid[{name!r}]", values, "a list of values")
            if len(values) == 0:
                raise invalid(f"grid[{name!r}]", values, "a non-empty list")
            axes.append([_cache.plain(v) for v in values])
        names = list(grid)
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*axes)]
    if isinstance(grid, (list, tuple)):
        if not grid:
            raise invalid("grid", grid, "a non-empty dict of lists or list of dicts")
        points = []
        for i, point in enumerate(grid):
            if not isinstance(point, Mapping):
                raise invalid(f"grid[{i}]", point, "a dict of parameter values")
            for name in point:
                _check_name(name, "parameter name")
            points.append({k: _cache.plain(v) for k, v in point.items()})
        return points
    raise invalid("grid", grid, "a dict of lists or a list of dicts")


def _check_name(name: Any, what: str) -> None:
    if not isinstance(name, str) or not name:
        raise invalid(what, name, "a non-empty str")
    if name in RESERVED:
        raise invalid(what, name, f"not one of the reserved names {RESERVED}")


def task_seeds(seed: int, n_points: int, replicates: int) -> list[list[int]]:
    """Seeds of every task: ``seeds[i][r]`` for point ``i`` and replicate ``r``.

    Point ``i`` gets child ``i`` of ``SeedSequence(seed)``; replicate ``r`` gets
    child ``r`` of that child (spawn key ``(i, r)``), turned into a 63-bit int by
    :func:`syncmodel.rng.spawn_ints`.  A task's seed depends only on
    ``(seed, i, r)``: adding replicates or appending points keeps the others'.
    """
    return [rng.spawn_ints(child, replicates) for child in rng.spawn(seed, n_points)]


# ---------------------------------------------------------------- cache keys
def task_key(fn: Callable[..., Any], point: Mapping[str, Any], seed: int, *,
             cache_key: Any = None) -> str:
    """The cache key of one task: sha256 of fn's fingerprint (see :func:`run`), the
    point's parameters with their types, the task seed and the syncmodel version.

    ``point`` maps parameter names (str) to JSON-like values; ``seed`` is an int ≥ 0 (a
    task seed of :func:`task_seeds`); ``cache_key`` (JSON-like) replaces fn's automatic
    fingerprint.  Anything else, including a value with no stable text form, raises
    InvalidParameterError.  ``fn`` may be any callable.
    """
    expected = "a mapping of parameter names (str) to JSON-like values"
    if not (isinstance(point, Mapping) and all(isinstance(k, str) for k in point)):
        raise invalid("point", point, expected)
    seed = check_int("seed", seed, 0, None)
    ident = _fn_identity(fn, cache_key)
    try:
        return _cache.key(ident, point, seed)
    except TypeError as exc:  # a value _cache.typed cannot write stably
        raise invalid("point", point, f"{expected} ({exc})") from None


def _fn_identity(fn: Callable[..., Any], cache_key: Any) -> dict[str, Any]:
    if cache_key is not None:
        try:
            _cache.typed(cache_key)
        except TypeError:
            raise invalid("cache_key", cache_key, "None or a JSON-like value (str, number, "
                          "list, dict of str keys)") from None
    try:
        return _cache.fn_identity(fn, cache_key)
    except (TypeError, RecursionError) as exc:
        raise invalid("fn", fn, f"a function with a stable cache key ({exc})") from None


# ---------------------------------------------------------------- running tasks
def _call(fn: Callable[..., Any], point: Mapping[str, Any], seed: int) -> dict[str, Any]:
    """Run one task and return its metrics as plain Python scalars (runs on workers)."""
    out = fn(**point, seed=seed)
    if not isinstance(out, Mapping) or not out:
        raise invalid("fn's result", out, "a non-empty mapping of metric names to numbers")
    metrics: dict[str, Any] = {}
    for name, value in out.items():
        value = _cache.plain(value)
        if not isinstance(name, str) or name in RESERVED or name in point:
            raise invalid("metric name", name, "a str that is no parameter or reserved name")
        if not (value is None or isinstance(value, (numbers.Real, str))):
            raise invalid(f"metric {name!r}", value, "a number (or str/None)")
        metrics[name] = value
    return metrics


def _check_pickle(obj: Any, what: str, dask: bool) -> None:
    try:
        pickle.dumps(obj)
        return
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
    if dask:
        try:
            import cloudpickle

            cloudpickle.dumps(obj)
            return
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
    raise InvalidParameterError(
        f"{what} must be picklable to run on other processes (define fn at module top level), "
        f"got {obj!r} ({reason})")


_EXECUTORS = "None, 'processes' or a concurrent.futures.Executor"


def _resolve_executor(executor: Any) -> tuple[cf.Executor | None, bool, bool]:
    """(executor, owned, needs pickling) for ``executor``; the pool is not started yet."""
    if executor is None:
        return None, False, False
    if isinstance(executor, str):
        if executor != "processes":
            raise invalid("executor", executor, _EXECUTORS)
        return None, True, True
    if not isinstance(executor, cf.Executor):
        raise invalid("executor", executor, _EXECUTORS)
    return executor, False, not isinstance(executor, cf.ThreadPoolExecutor)


def _is_dask(executor: Any) -> bool:
    return type(executor).__module__.split(".")[0] == "distributed"


def _with_note(exc: BaseException, point: Mapping[str, Any], replicate: int, seed: int) -> None:
    exc.add_note(f"in sweep task {dict(point)!r}, replicate={replicate}, seed={seed}")


def run(fn: Callable[..., Mapping[str, Any]], grid: Grid, replicates: int = 1, seed: int = 0,
        executor: str | cf.Executor | None = None, progress: bool = True,
        cache: str | os.PathLike[str] | None = None, *,
        cache_key: Any = None) -> pd.DataFrame:
    """Run ``fn(**point, seed=s)`` for every grid point and replicate; one row per task.

    Columns: the parameters, ``replicate``, ``seed`` (the task's int seed, see
    :func:`task_seeds`), the metrics ``fn`` returns (a mapping of names to
    numbers), and ``syncmodel_version``; rows in grid order, replicates inner.
    ``executor``: None (serial), ``"processes"`` (a local pool, one worker per
    core) or any ``concurrent.futures.Executor`` (e.g. ``Client.get_executor()``
    of dask.distributed); the frame is identical bit for bit on all of them.
    ``cache=DIR`` stores each finished task (Parquet) under a key; a re-run reads
    them back and computes only what is missing.  The key covers: fn's qualified
    name, bytecode and signature (parameter names and kinds), its default values and
    closure values (a value with no stable text form is refused: pass
    ``cache_key``), the code of the functions and classes of your own modules it
    names (directly or as ``module.f``, recursively), immutable module-level values
    it names (numbers, strings, tuples, arrays); the parameters with their types
    (``(1, 2)`` and ``[1, 2]``, ``1`` and ``1.0`` differ); the task seed; the
    syncmodel version.  It does NOT cover: mutable globals (lists, dicts, objects)
    fn reads, a callable object's state, files or data fn loads, the code of
    installed packages or of syncmodel itself beyond their version numbers, code
    reached in other ways (``getattr``, ``eval``, methods of objects passed in).
    ``cache_key`` (any JSON-like value, e.g. ``"v2"``) replaces the automatic
    fingerprint of fn: you vouch for it, and change it whenever fn's results would
    change.  Other processes must be able to unpickle fn:
    a module-level function (Dask also takes lambdas and notebook functions).
    Finished tasks are stored as they complete, so after Ctrl-C, an exception in
    fn or a killed worker, the same call resumes.  ``df.attrs`` holds
    ``computed``, ``cached`` and ``elapsed_s``.  Bad input raises
    InvalidParameterError before any task runs.

    >>> run(lambda n, seed: {"twice": 2 * n}, {"n": [1, 2]}, progress=False)["twice"].tolist()
    [2, 4]
    """
    import pandas as pd

    t0 = time.perf_counter()
    if not callable(fn):
        raise invalid("fn", fn, "a callable fn(**point, seed=...)")
    points = grid_points(grid)
    replicates = check_int("replicates", replicates, 1)
    seed = check_int("seed", seed, 0, None)
    progress = check_bool("progress", progress)
    ex, owned, needs_pickle = _resolve_executor(executor)
    _check_signature(fn, points)
    if needs_pickle:
        _check_pickle(fn, "fn", _is_dask(ex))
        _check_pickle(points, "grid values", _is_dask(ex))
    store: _cache.Cache | None = None
    ident: dict[str, Any] = {}
    if cache is None and cache_key is not None:
        raise invalid("cache_key", cache_key, "None when cache is None (it names fn's version "
                      "in the cache)")
    if cache is not None:
        if not isinstance(cache, (str, os.PathLike)):
            raise invalid("cache", cache, "None or a directory path")
        store = _cache.Cache(Path(cache))
        ident = _fn_identity(fn, cache_key)
        for point in points:
            try:
                _cache.typed(point)
            except TypeError as exc:
                raise invalid("grid values", point,
                              f"JSON-like values to use a cache ({exc})") from None
        store.check_usable()

    replicates = int(replicates)
    seeds = task_seeds(int(seed), len(points), replicates)
    n_tasks = len(points) * replicates
    results: list[dict[str, Any] | None] = [None] * n_tasks
    keys: list[str] = []
    todo: list[int] = []
    for t in range(n_tasks):
        i, r = divmod(t, replicates)
        if store is not None:
            keys.append(_cache.key(ident, points[i], seeds[i][r]))
            results[t] = store.load(keys[t])
        if results[t] is None:
            todo.append(t)
    n_cached = n_tasks - len(todo)
    if store is not None and todo:  # a complete cache is read even from a read-only folder
        store.check_writable()

    bar = None
    if progress:
        from tqdm.auto import tqdm

        name = getattr(getattr(fn, "func", fn), "__name__", type(fn).__name__)
        bar = tqdm(total=n_tasks, initial=n_cached, desc=f"sweep {name}", unit="task",
                   smoothing=0.05)

    def done(t: int, metrics: dict[str, Any]) -> None:
        results[t] = metrics
        if store is not None:
            i, r = divmod(t, replicates)
            store.store(keys[t], metrics, {"fn": ident["name"], "params": points[i],
                                           "replicate": r, "seed": seeds[t // replicates][r]})
        if bar is not None:
            bar.update(1)

    try:
        _execute(fn, points, seeds, replicates, todo, ex, owned, done)
    finally:
        if bar is not None:
            bar.close()

    version = _cache.version()
    rows = []
    for t, metrics in enumerate(results):
        i, r = divmod(t, replicates)
        rows.append({**points[i], "replicate": r, "seed": seeds[i][r], **(metrics or {}),
                     "syncmodel_version": version})
    metric_names = list(dict.fromkeys(k for m in results for k in (m or {})))
    param_names = list(dict.fromkeys(k for p in points for k in p))
    df = pd.DataFrame.from_records(rows, columns=[*param_names, "replicate", "seed",
                                                  *metric_names, "syncmodel_version"])
    df.attrs.update(computed=len(todo), cached=n_cached, elapsed_s=time.perf_counter() - t0)
    return df


def _check_signature(fn: Callable[..., Any], points: Sequence[Mapping[str, Any]]) -> None:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins without a signature: let the call decide
        return
    for names in dict.fromkeys(tuple(p) for p in points):
        try:
            sig.bind(**dict.fromkeys(names), seed=0)
        except TypeError as exc:
            raise invalid("fn", fn, f"callable as fn({', '.join(names)}, seed=...) ({exc})") \
                from None


def _die_with_parent(parent: int) -> None:
    """Pool worker initializer: end this worker when the sweep's process dies (even by
    SIGKILL, which runs no cleanup and would leave workers waiting on their queue).
    Linux: the kernel sends SIGKILL at once (PR_SET_PDEATHSIG); elsewhere, and as a
    fallback, a daemon thread notices the parent is gone within half a second."""
    import threading

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="syncmodel-parent-watch", daemon=True).start()


def _execute(fn: Callable[..., Any], points: Sequence[Mapping[str, Any]],
             seeds: Sequence[Sequence[int]], replicates: int, todo: Iterable[int],
             ex: cf.Executor | None, owned: bool,
             done: Callable[[int, dict[str, Any]], None]) -> None:
    """Run the tasks ``todo``, serially or on ``ex``, calling ``done`` as each finishes."""
    if ex is None and not owned:
        for t in todo:
            i, r = divmod(t, replicates)
            try:
                metrics = _call(fn, points[i], seeds[i][r])
            except BaseException as exc:
                _with_note(exc, points[i], r, seeds[i][r])
                raise
            done(t, metrics)
        return
    workers = os.cpu_count() or 1
    pool: cf.Executor = ex if ex is not None else cf.ProcessPoolExecutor(
        max_workers=workers, initializer=_die_with_parent, initargs=(os.getpid(),))
    in_flight = 4 * workers if owned else 256  # a bounded queue: Ctrl-C cancels little
    pending: dict[cf.Future[dict[str, Any]], int] = {}
    queue = iter(todo)
    clean = False
    try:
        for t in itertools.islice(queue, in_flight):
            i, r = divmod(t, replicates)
            pending[pool.submit(_call, fn, points[i], seeds[i][r])] = t
        while pending:
            finished, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in finished:
                t = pending.pop(future)
                i, r = divmod(t, replicates)
                try:
                    metrics = future.result()
                except BaseException as exc:
                    _with_note(exc, points[i], r, seeds[i][r])
                    raise
                done(t, metrics)
                nxt = next(queue, None)
                if nxt is not None:
                    j, s = divmod(nxt, replicates)
                    pending[pool.submit(_call, fn, points[j], seeds[j][s])] = nxt
        clean = True
    finally:
        for future in pending:
            future.cancel()
        if owned:
            pool.shutdown(wait=clean, cancel_futures=True)


# ---------------------------------------------------------------- analysis helpers
def columns(df: pd.DataFrame) -> tuple[list[str], list[str]]:
    """(parameter names, metric names) of a frame made by :func:`run`."""
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise invalid("df", df, "a DataFrame made by sweep.run")
    cols = list(df.columns)
    if "replicate" not in cols or "seed" not in cols or "syncmodel_version" not in cols:
        raise invalid("df", cols, "a DataFrame made by sweep.run")
    return cols[:cols.index("replicate")], cols[cols.index("seed") + 1:cols.index(
        "syncmodel_version")]


Agg = Literal["mean", "median", "min", "max", "std"]


def pivot(df: pd.DataFrame, x: str, y: str, metric: str, agg: Agg = "mean") -> pd.DataFrame:
    """A ``y`` x ``x`` table of ``metric`` aggregated (``agg``: mean, median, min, max,
    std) over replicates and every other parameter: the input of a heatmap."""
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise invalid("df", df, "a DataFrame made by sweep.run")
    for name, value in (("x", x), ("y", y), ("metric", metric)):
        if not isinstance(value, str) or value not in df.columns:
            raise invalid(name, value, f"a column of the sweep, one of {list(df.columns)}")
    agg = check_choice("agg", agg, ("mean", "median", "min", "max", "std"))  # type: ignore[assignment]
    return df.pivot_table(index=y, columns=x, values=metric, aggfunc=agg, sort=True)


#: the model targets that lived here before they moved to :mod:`syncmodel.sweep_targets`
MOVED = ("availability_mc_point", "availability_point", "correlated_availability_point", "election_point")


def __getattr__(name: str) -> Any:
    """The sweep targets' old home (``sweep.availability_point`` ...) still works, with a
    DeprecationWarning: they are models' code and live in :mod:`syncmodel.sweep_targets`."""
    if name in MOVED:
        import warnings

        from . import sweep_targets

        warnings.warn(f"syncmodel.sweep.{name} moved: use syncmodel.sweep_targets.{name}", DeprecationWarning,
                      stacklevel=2)
        return getattr(sweep_targets, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
