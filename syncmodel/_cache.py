"""The sweep cache: stable task keys and one checksummed Parquet file per finished task.

Private helper of :mod:`syncmodel.sweep`; files are written atomically and every read
is verified (key, sha256 of the values, Parquet page CRCs) before it is trusted.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
import types
import uuid
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

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


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=True)


def _code_digest(code: types.CodeType, h: Any) -> None:
    h.update(code.co_code)
    h.update(repr(code.co_names).encode())
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _code_digest(const, h)
        elif isinstance(const, frozenset):  # set literals: order varies with hash seed
            h.update(repr(sorted(map(repr, const))).encode())
        else:
            h.update(repr(const).encode())


def fn_identity(fn: Callable[..., Any]) -> dict[str, Any]:
    """Qualified name and bytecode digest of ``fn`` (partials: plus their bound args)."""
    if isinstance(fn, functools.partial):
        inner = fn_identity(fn.func)
        return {"name": f"partial({inner['name']})", "partial": inner,
                "args": canonical(list(fn.args)), "keywords": canonical(dict(fn.keywords))}
    target = fn if hasattr(fn, "__code__") else type(fn)
    name = f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', repr(target))}"
    code = getattr(fn, "__code__", None) or getattr(type(fn).__call__, "__code__", None)
    h = hashlib.sha256()
    if isinstance(code, types.CodeType):
        _code_digest(code, h)
    for cell in getattr(fn, "__closure__", None) or ():
        try:
            h.update(dumps(canonical(cell.cell_contents)).encode())
        except (TypeError, ValueError):
            h.update(type(cell.cell_contents).__qualname__.encode())
    return {"name": name, "code": h.hexdigest()[:16]}


def version() -> str:
    from . import __version__

    return __version__


def key(ident: Mapping[str, Any], point: Mapping[str, Any], seed: int) -> str:
    payload = {"fn": ident, "params": {k: canonical(v) for k, v in point.items()},
               "seed": int(seed), "version": version()}
    return hashlib.sha256(dumps(payload).encode()).hexdigest()


class Cache:
    """One Parquet file per finished task, ``DIR/<key[:2]>/<key>.parquet``.

    Files are written to a temporary name and renamed (a file is whole or
    absent); each carries its key and a sha256 of its metrics in the Parquet
    metadata, and pages carry CRCs: a file that fails any check is reported
    with a warning and recomputed, never read.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.parquet"

    def load(self, key: str) -> dict[str, Any] | None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = self.path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            return self._corrupt(path, f"unreadable: {exc}")
        try:
            table = pq.ParquetFile(pa.BufferReader(data), page_checksum_verification=True).read(
                use_threads=False)
            meta = table.schema.metadata or {}
            rows = table.to_pylist()
        except Exception as exc:  # any unreadable file: recompute, never trust it
            return self._corrupt(path, f"{type(exc).__name__}: {exc}")
        if meta.get(b"syncmodel.key", b"").decode(errors="replace") != key:
            return self._corrupt(path, "its key does not match its name")
        if len(rows) != 1:
            return self._corrupt(path, f"{len(rows)} rows instead of 1")
        digest = hashlib.sha256(dumps(rows[0]).encode()).hexdigest()
        if meta.get(b"syncmodel.sha256", b"").decode(errors="replace") != digest:
            return self._corrupt(path, "checksum mismatch")
        return dict(rows[0])

    def _corrupt(self, path: Path, why: str) -> dict[str, Any] | None:
        """Warn, delete the file, and return None: the task is recomputed."""
        warnings.warn(f"syncmodel.sweep: cache file {path} is corrupt ({why}); recomputing",
                      RuntimeWarning, stacklevel=4)
        try:
            path.unlink()
        except OSError:
            pass
        return None

    def store(self, key: str, metrics: Mapping[str, Any], info: Mapping[str, Any]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = self.path(key)
        path.parent.mkdir(exist_ok=True)
        meta = {"syncmodel.key": key,
                "syncmodel.sha256": hashlib.sha256(dumps(dict(metrics)).encode()).hexdigest(),
                "syncmodel.task": dumps(dict(info))}
        table = pa.table({k: [v] for k, v in metrics.items()}).replace_schema_metadata(meta)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part")
        try:
            pq.write_table(table, tmp, write_page_checksum=True)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def check_writable(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".probe.{os.getpid()}.{uuid.uuid4().hex[:8]}"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise invalid("cache", str(self.root), f"a writable directory ({exc})") from None
        now = time.time()  # leftovers of killed sweeps: temporary files never read
        for part in self.root.glob("*/.*.part"):
            try:
                if now - part.stat().st_mtime > _PART_MAX_AGE_S:
                    part.unlink()
            except OSError:
                pass
