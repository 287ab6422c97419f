"""The sweep cache: stable task keys and one checksummed Parquet file per finished task.

Private helper of :mod:`syncmodel.sweep`; files are written atomically and every read
is verified (key, sha256 of the values, Parquet page CRCs) before it is trusted.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
import sys
import sysconfig
import time
import types
import uuid
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ._os import pid_alive
from .errors import invalid

_PART_MAX_AGE_S = 3600.0


def plain(value: Any) -> Any:
    """numpy scalars -> Python scalars (so rows, keys and fn arguments are plain)."""
    return value.item() if isinstance(value, np.generic) else value


def canonical(value: Any) -> Any:
    """A JSON-encodable, order-stable form of a parameter value, or TypeError."""
    value = plain(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [canonical(v) for v in value]
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        return {k: canonical(v) for k, v in value.items()}
    raise TypeError(f"{type(value).__name__} value {value!r} has no stable cache key")


_SCALARS = (type(None), bool, int, float, str)


def typed(value: Any) -> Any:
    """Like :func:`canonical`, but values that compare equal and are different inputs get
    different forms: ``(1, 2)`` and ``[1, 2]``, ``1`` and ``1.0`` and ``True``, a dict and
    an OrderedDict, an int and an IntEnum member.  Containers become ``[type, items]``
    (sets sorted by their items' text); TypeError for anything else."""
    value = plain(value)
    kind = type(value)
    if kind in _SCALARS:
        return value
    if isinstance(value, _SCALARS):  # subclasses: IntEnum, str enums, ...
        return [f"{kind.__module__}.{kind.__qualname__}", canonical(value)]
    tag = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    if isinstance(value, (list, tuple)):
        return [tag, [typed(v) for v in value]]
    if isinstance(value, (set, frozenset)):
        return [tag, sorted((typed(v) for v in value), key=dumps)]
    if isinstance(value, Mapping) and all(isinstance(k, str) for k in value):
        return [tag, {k: typed(v) for k, v in value.items()}]
    raise TypeError(f"{type(value).__name__} value {value!r} has no stable cache key")


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=True)


def _code_digest(code: types.CodeType, h: Any) -> None:
    h.update(code.co_code)
    # the signature: names, positional / keyword-only counts, *args/**kwargs flags
    h.update(repr((code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars,
                   code.co_argcount, code.co_posonlyargcount, code.co_kwonlyargcount,
                   code.co_flags & 0x0C)).encode())
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _code_digest(const, h)
        elif isinstance(const, frozenset):  # set literals: order varies with hash seed
            h.update(repr(sorted(map(repr, const))).encode())
        else:
            h.update(repr((type(const).__name__, const)).encode())


def _is_library(module_name: str | None) -> bool:
    """True for code whose version the key does not follow: syncmodel (its version is in
    the key), the standard library and installed packages (site-packages)."""
    if not module_name:
        return True
    root = module_name.split(".")[0]
    if root == "syncmodel" or root in sys.stdlib_module_names or root == "builtins":
        return True
    mod = sys.modules.get(module_name)
    path = getattr(mod, "__file__", None)
    if not path:
        return mod is not None  # built into the interpreter; unknown modules: follow them
    path = os.path.realpath(path)
    return any(path.startswith(p) for p in _library_dirs())


@functools.lru_cache(maxsize=1)
def _library_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {os.path.realpath(paths[k]) for k in ("stdlib", "platstdlib", "purelib", "platlib")
            if k in paths}
    return tuple(sorted(d + os.sep for d in dirs))


def _value_digest(value: Any, what: str) -> str:
    """A stable text of a closure cell or default value: its typed form, else a digest of
    its pickle (numpy arrays, dataclasses, ...); TypeError when it has neither."""
    try:
        return dumps(typed(value))
    except (TypeError, ValueError):
        pass
    if isinstance(value, np.ndarray):
        return f"ndarray:{value.dtype.str}:{value.shape}:{hashlib.sha256(value.tobytes()).hexdigest()}"
    try:
        return "pickle:" + hashlib.sha256(pickle.dumps(value, protocol=4)).hexdigest()
    except Exception as exc:
        raise TypeError(f"{what} {type(value).__name__} value {value!r} has no stable cache key "
                        f"(pass cache_key=...)") from exc


_IMMUTABLE = (type(None), bool, int, float, complex, str, bytes, tuple, frozenset)


class _Fingerprint:
    """The sha256 of a function's code, signature, defaults and closure values, and of the
    code of the user-level functions and classes it names (recursively, each once)."""

    def __init__(self) -> None:
        self.h = hashlib.sha256()
        self.seen: set[int] = set()

    def function(self, fn: Any, depth: int = 0) -> None:
        if id(fn) in self.seen or depth > 50:
            return
        self.seen.add(id(fn))
        code = getattr(fn, "__code__", None)
        if not isinstance(code, types.CodeType):
            return
        self.h.update(f"fn:{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', '?')}".encode())
        _code_digest(code, self.h)
        for label, values in (("defaults", getattr(fn, "__defaults__", None) or ()),
                              ("kwdefaults", sorted((getattr(fn, "__kwdefaults__", None) or {}).items()))):
            for v in values:
                self.value(v, depth, f"default {label}", strict=True)
        for name, cell in zip(code.co_freevars, getattr(fn, "__closure__", None) or (), strict=False):
            try:
                contents = cell.cell_contents
            except ValueError:  # an empty cell (a name not yet bound)
                continue
            self.h.update(f"cell:{name}".encode())
            self.value(contents, depth, f"closure value {name!r}", strict=True)
        gl = getattr(fn, "__globals__", {})
        for name in sorted(_all_names(code)):
            if name in gl:
                self.h.update(f"global:{name}".encode())
                self.value(gl[name], depth, f"global {name!r}", strict=False, names=_all_names(code))

    def value(self, v: Any, depth: int, what: str, *, strict: bool,
              names: frozenset[str] = frozenset()) -> None:
        """Digest one value fn can see.  Functions and classes of user modules are followed;
        library ones are named; ``strict`` values (closures, defaults) must have a stable
        text; globals count only when immutable (a list fn appends to is state, not input)."""
        if isinstance(v, functools.partial):
            self.value(v.func, depth + 1, what, strict=strict)
            for a in (*v.args, *sorted(v.keywords.items())):
                self.value(a, depth + 1, what, strict=True)
            return
        if isinstance(v, types.ModuleType):
            self.h.update(f"module:{v.__name__}".encode())
            if not _is_library(v.__name__):  # module.f: follow the attributes fn names
                for attr in sorted(names):
                    member = getattr(v, attr, None)
                    if isinstance(member, (types.FunctionType, type)):
                        self.value(member, depth + 1, what, strict=False)
            return
        if isinstance(v, (types.FunctionType, types.MethodType)) or isinstance(v, type):
            target = v.__func__ if isinstance(v, types.MethodType) else v
            mod = getattr(target, "__module__", None)
            self.h.update(f"ref:{mod}.{getattr(target, '__qualname__', '?')}".encode())
            if _is_library(mod):
                return
            if isinstance(target, type):
                if id(target) in self.seen:
                    return
                self.seen.add(id(target))
                for attr, member in sorted(vars(target).items()):
                    inner = getattr(member, "__func__", member)
                    if isinstance(inner, types.FunctionType):
                        self.h.update(f"method:{attr}".encode())
                        self.function(inner, depth + 1)
                    elif not attr.startswith("__") and isinstance(member, _IMMUTABLE):
                        self.h.update(f"attr:{attr}={_try_text(member)}".encode())
                return
            self.function(target, depth + 1)
            return
        if not strict and callable(v) and not isinstance(v, (types.BuiltinFunctionType, np.ufunc)):
            self.h.update(f"obj:{type(v).__module__}.{type(v).__qualname__}".encode())
            return
        if strict:
            self.h.update(_value_digest(v, what).encode())
        elif isinstance(v, _IMMUTABLE) or isinstance(v, (np.generic, np.ndarray)):
            try:
                self.h.update(_value_digest(v, what).encode())
            except TypeError:
                self.h.update(f"type:{type(v).__qualname__}".encode())
        else:
            self.h.update(f"type:{type(v).__qualname__}".encode())


def _try_text(v: Any) -> str:
    try:
        return dumps(typed(v))
    except (TypeError, ValueError):
        return type(v).__qualname__


def _all_names(code: types.CodeType) -> frozenset[str]:
    """Every global or attribute name ``code`` and its nested code objects mention."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _all_names(const)
    return frozenset(names)


def fn_identity(fn: Callable[..., Any], cache_key: Any = None) -> dict[str, Any]:
    """Qualified name and fingerprint of ``fn``: bytecode, signature (parameter names and
    kinds), default values, closure values, and the code of the user functions and classes
    it reaches by name (library code and syncmodel itself, covered by the syncmodel version,
    are named only).  Partials: plus their bound arguments.  With ``cache_key`` (any
    JSON-like value) the fingerprint is that value instead: the caller vouches for it.
    TypeError when a closure or default value has no stable text form."""
    if isinstance(fn, functools.partial):
        inner = fn_identity(fn.func, cache_key)
        return {"name": f"partial({inner['name']})", "partial": inner,
                "args": typed(list(fn.args)), "keywords": typed(dict(fn.keywords))}
    target = fn if hasattr(fn, "__code__") else type(fn)
    name = f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', repr(target))}"
    if cache_key is not None:
        return {"name": name, "cache_key": typed(cache_key)}
    fp = _Fingerprint()
    if hasattr(fn, "__code__"):
        fp.function(fn)
    else:  # a callable object: its class's code; its state is not covered (see sweep.run)
        fp.value(type(fn), 0, "fn", strict=False)  # its methods, __call__ among them
    return {"name": name, "code": fp.h.hexdigest()[:32]}


def version() -> str:
    from . import __version__

    return __version__


def key(ident: Mapping[str, Any], point: Mapping[str, Any], seed: int) -> str:
    payload = {"fn": ident, "params": {k: typed(v) for k, v in point.items()},
               "seed": int(seed), "version": version()}
    return hashlib.sha256(dumps(payload).encode()).hexdigest()


#: a cache file holds one row: anything larger is not one of ours (e.g. a link to /dev/zero)
MAX_FILE_BYTES = 16 * 2**20
_INT64 = (-(2**63), 2**63 - 1)


def unstorable(metrics: Mapping[str, Any]) -> str | None:
    """Why the cache cannot store ``metrics`` faithfully (a metric name and value), or None.

    A cache file stores None, bool, int in int64, float and UTF-8 str; anything else (an int
    beyond int64, ``np.longdouble``, a str with lone surrogates) would fail or lose digits."""
    for name, v in metrics.items():
        if v is None or type(v) in (bool, float):
            continue
        if type(v) is int:
            if not _INT64[0] <= v <= _INT64[1]:
                return f"metric {name!r} = {v!r} is an int beyond int64"
            continue
        if type(v) is str:
            try:
                v.encode("utf-8")
            except UnicodeEncodeError:
                return f"metric {name!r} = {v!r} is not valid UTF-8 text"
            continue
        return f"metric {name!r} = {v!r} is a {type(v).__name__}, not int/float/str/None"
    return None


class Cache:
    """One Parquet file per finished task, ``DIR/<key[:2]>/<key>.parquet``.

    Files are written to a temporary name and renamed (a file is whole or
    absent); each carries its key and a sha256 of its metrics in the Parquet
    metadata, and pages carry CRCs: a file that fails any check is reported
    with a warning and recomputed, never read.  Only a regular file of at most
    :data:`MAX_FILE_BYTES` is opened (never blocking: a FIFO or a device in its
    place is reported, not read).  A task that cannot be stored (a full disk, a
    read-only folder, a folder in the file's place, a value the format cannot
    hold) is reported once with a warning and kept in the sweep's result.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.full: str | None = None  # why storing stopped (a full disk), once known
        self.warned: set[str] = set()

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.parquet"

    def _read(self, path: Path) -> bytes | None:
        """The bytes of a regular file of sane size; None when absent; OSError otherwise."""
        import stat

        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                kind = ("a folder" if stat.S_ISDIR(st.st_mode) else "a FIFO"
                        if stat.S_ISFIFO(st.st_mode) else "a device"
                        if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "a socket")
                raise OSError(f"{kind}, not a regular file")
            if st.st_size > MAX_FILE_BYTES:
                raise OSError(f"{st.st_size} bytes, more than a cache file's {MAX_FILE_BYTES}")
            chunks, left = [], st.st_size + 1  # one byte more: a file that grows is caught
            while left > 0:
                chunk = os.read(fd, left)
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
            data = b"".join(chunks)
            if len(data) != st.st_size:
                raise OSError("changed size while read")
            return data
        finally:
            os.close(fd)

    def load(self, key: str) -> dict[str, Any] | None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = self.path(key)
        try:
            data = self._read(path)
        except OSError as exc:
            return self._corrupt(path, f"unreadable: {exc.strerror or exc}")
        if data is None:
            return None
        try:
            table = pq.ParquetFile(pa.BufferReader(data), page_checksum_verification=True).read(
                use_threads=False)
            meta = table.schema.metadata or {}
            rows = table.to_pylist()
            if meta.get(b"syncmodel.key", b"").decode(errors="replace") != key:
                return self._corrupt(path, "its key does not match its name")
            if len(rows) != 1:
                return self._corrupt(path, f"{len(rows)} rows instead of 1")
            if unstorable(rows[0]) is not None:  # e.g. a flipped footer made a str bytes
                return self._corrupt(path, f"a value of a wrong type ({unstorable(rows[0])})")
            digest = hashlib.sha256(dumps(rows[0]).encode()).hexdigest()
        except Exception as exc:  # any unreadable file: recompute, never trust it
            return self._corrupt(path, f"{type(exc).__name__}: {exc}")
        if meta.get(b"syncmodel.sha256", b"").decode(errors="replace") != digest:
            return self._corrupt(path, "checksum mismatch")
        return dict(rows[0])

    def _corrupt(self, path: Path, why: str) -> dict[str, Any] | None:
        """Warn, delete the file (not a folder), and return None: the task is recomputed."""
        warnings.warn(f"syncmodel.sweep: cache file {path} is corrupt ({why}); recomputing",
                      RuntimeWarning, stacklevel=4)
        try:
            path.unlink()
        except OSError:
            pass
        return None

    def _warn_once(self, what: str, message: str) -> None:
        if what not in self.warned:
            self.warned.add(what)
            warnings.warn(f"syncmodel.sweep: {message}", RuntimeWarning, stacklevel=4)

    def store(self, key: str, metrics: Mapping[str, Any], info: Mapping[str, Any]) -> bool:
        """Store one task's metrics; False (with one warning per kind of problem) when the
        cache cannot hold them: the caller keeps the result either way."""
        import errno

        import pyarrow as pa
        import pyarrow.parquet as pq

        path = self.path(key)
        if self.full is not None:
            return False
        why = unstorable(metrics)
        if why is not None:
            self._warn_once("value", f"cannot store a task in the cache {self.root} ({why}); "
                            "its result is kept in the sweep but will be recomputed next time")
            return False
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part")
        try:
            path.parent.mkdir(exist_ok=True)
            meta = {"syncmodel.key": key,
                    "syncmodel.sha256": hashlib.sha256(dumps(dict(metrics)).encode()).hexdigest(),
                    "syncmodel.task": dumps(dict(info))}
            table = pa.table({k: [v] for k, v in metrics.items()}).replace_schema_metadata(meta)
            pq.write_table(table, tmp, write_page_checksum=True)
            os.replace(tmp, path)
            return True
        except OSError as exc:
            _discard(tmp)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                self.full = f"{exc.strerror}"
                self._warn_once("full", f"the cache {self.root} is full ({exc.strerror}): the "
                                "remaining tasks are computed but not stored")
            else:
                self._warn_once(f"os:{exc.errno}", f"cannot store {path} in the cache "
                                f"({exc.strerror or exc}); its result is kept in the sweep, and "
                                "other tasks of this kind are not stored either")
            return False
        except (pa.ArrowException, OverflowError, TypeError, ValueError) as exc:
            _discard(tmp)
            self._warn_once("arrow", f"cannot store {path} in the cache ({type(exc).__name__}: "
                            f"{exc}); its result is kept in the sweep")
            return False
        except BaseException:
            _discard(tmp)
            raise

    def writable(self) -> str | None:
        """Why files cannot be created in the cache's folder, or None (made if missing)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".probe.{os.getpid()}.{uuid.uuid4().hex[:8]}"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            return str(exc.strerror or exc)
        return None

    def check_usable(self) -> None:
        """Refuse a cache path that is no folder (a file, under a file) before any work."""
        root = self.root
        if root.exists() and not root.is_dir():
            raise invalid("cache", str(root), "a directory (it is an existing file)")
        if not root.exists():
            why = self.writable()
            if why is not None:
                raise invalid("cache", str(root), f"a writable directory ({why})")

    def check_writable(self) -> None:
        why = self.writable()
        if why is not None:
            raise invalid("cache", str(self.root), f"a writable directory ({why})")
        self.clean_parts()

    def clean_parts(self) -> None:
        """Remove the temporary files of killed sweeps (their process is gone, or they are
        older than an hour); those of a live concurrent writer stay."""
        now = time.time()
        try:
            parts = list(self.root.glob("*/.*.part"))
        except OSError:
            return
        for part in parts:
            try:
                pid_text = part.name.rsplit(".", 3)[-3]
                dead = not pid_text.isdigit() or not pid_alive(int(pid_text))
                if (dead and int(pid_text or -1) != os.getpid()) \
                        or now - part.lstat().st_mtime > _PART_MAX_AGE_S:
                    part.unlink()
            except (OSError, ValueError, IndexError):
                pass


def _discard(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


