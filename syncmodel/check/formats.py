"""Loaders for Jepsen's two history formats: log lines (``INFO jepsen.util - 3 :invoke
:write 4``) and EDN maps, one a line (``{:process 0, :type :invoke, :f :append, ...}``),
with the small EDN reader they need. Bad or truncated input names its line.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ..errors import InvalidParameterError, check_hashable, invalid
from .history import EventBuilder, History

__all__ = ["EdnError", "load_edn", "load_jepsen", "read_edn"]

_MARK = "jepsen.util -"
_NUMBER = re.compile(r"[+-]?\d+(\.\d*)?([eE][+-]?\d+)?N?M?$")


def _read(path_or_text: Any, name: str) -> tuple[str, str]:
    """(text, source): a path to a file, or the history's text itself (it has a newline or
    an EDN brace / Jepsen marker)."""
    if isinstance(path_or_text, Path):
        return path_or_text.read_text(), str(path_or_text)
    if not isinstance(path_or_text, str):
        raise invalid("path_or_text", type(path_or_text).__name__, "a path or the text of a history")
    s = path_or_text
    if "\n" not in s and _MARK not in s and not s.lstrip().startswith("{"):
        if not os.path.exists(s):
            raise invalid("path_or_text", s, "an existing file or the text of a history")
        return Path(s).read_text(), s
    return s, "text"


# -- a small EDN reader ---------------------------------------------------------------------------
class EdnError(InvalidParameterError):
    """Malformed EDN; ``at_end`` when the text ran out before the form closed."""

    def __init__(self, msg: str, at_end: bool = False) -> None:
        super().__init__(msg)
        self.at_end = at_end


_CLOSE = {"{": "}", "[": "]", "(": ")"}
_DELIMS = set(' \t\r\n,{}[]()";')


def read_edn(text: str) -> Any:
    """One EDN form: maps → dict, vectors / lists → tuple, sets → frozenset, keywords → str
    without the colon, strings, ints, floats, nil / true / false; ``#inst``-style tags are
    read as their value. Trailing text other than whitespace is an error.

    >>> read_edn('{:process 0, :type :ok, :f :cas, :value [3 nil]}')
    {'process': 0, 'type': 'ok', 'f': 'cas', 'value': (3, None)}
    """
    if not isinstance(text, str):
        raise invalid("text", text, "a str holding one EDN form")
    value, pos = _form(text, _skip(text, 0))
    pos = _skip(text, pos)
    if pos != len(text):
        raise EdnError(f"unexpected text after the form at column {pos + 1}: {text[pos:pos + 20]!r}")
    return value


def _skip(s: str, i: int) -> int:
    n = len(s)
    while i < n:
        c = s[i]
        if c in " \t\r\n,":
            i += 1
        elif c == ";":
            while i < n and s[i] != "\n":
                i += 1
        else:
            break
    return i


def _form(s: str, i: int) -> tuple[Any, int]:
    if i >= len(s):
        raise EdnError("the text ends before a value", at_end=True)
    c = s[i]
    if c in _CLOSE:
        items, i = _seq(s, i + 1, _CLOSE[c])
        if c == "{":
            if len(items) % 2:
                raise EdnError("a map needs an even number of forms")
            try:
                return dict(zip(items[::2], items[1::2], strict=True)), i
            except TypeError as e:
                raise EdnError(f"a map key is not hashable: {e}") from None
        return tuple(items), i
    if c == "#":
        if s.startswith("#{", i):
            items, i = _seq(s, i + 2, "}")
            return frozenset(items), i
        if s.startswith("#_", i):  # discard the next form
            _, i = _form(s, _skip(s, i + 2))
            return _form(s, _skip(s, i))
        _, i = _token(s, i + 1)    # a tag: read the tagged value
        return _form(s, _skip(s, i))
    if c == '"':
        return _string(s, i + 1)
    if c in "}])":
        raise EdnError(f"unexpected {c!r} at column {i + 1}")
    tok, j = _token(s, i)
    return _atom(tok), j


def _seq(s: str, i: int, close: str) -> tuple[list[Any], int]:
    items: list[Any] = []
    while True:
        i = _skip(s, i)
        if i >= len(s):
            raise EdnError(f"the text ends before the closing {close!r}", at_end=True)
        if s[i] == close:
            return items, i + 1
        v, i = _form(s, i)
        items.append(v)


def _string(s: str, i: int) -> tuple[str, int]:
    out: list[str] = []
    esc = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
    while i < len(s):
        c = s[i]
        if c == '"':
            return "".join(out), i + 1
        if c == "\\" and i + 1 < len(s):
            out.append(esc.get(s[i + 1], s[i + 1]))
            i += 2
            continue
        out.append(c)
        i += 1
    raise EdnError("the text ends inside a string", at_end=True)


def _token(s: str, i: int) -> tuple[str, int]:
    j = i
    while j < len(s) and s[j] not in _DELIMS:
        j += 1
    return s[i:j], j


def _atom(tok: str) -> Any:
    if tok == "nil":
        return None
    if tok in ("true", "false"):
        return tok == "true"
    if tok.startswith(":"):
        return tok[1:]
    if tok.startswith("\\"):
        return tok[1:]
    if _NUMBER.match(tok):
        t = tok.rstrip("NM")
        return float(t) if any(ch in t for ch in ".eE") else int(t)
    return tok  # a symbol


# -- Jepsen log lines --------------------------------------------------------------------------------
def load_jepsen(path_or_text: Any, initial: Any = None) -> History:
    """A history from Jepsen log lines ``INFO  jepsen.util - <process> <type> <f> <value>``
    (tab-separated; ``:invoke``, ``:ok``, ``:fail``, ``:info``; ``:read``, ``:write``,
    ``:cas`` with ``[from to]``). Lines without the ``jepsen.util -`` marker are skipped.

    The log has no clock: an event's time is its position among the events (0, 1, 2, …),
    which is all real-time order needs. Operations still open at the end are ``info``.

    >>> h = load_jepsen("INFO  jepsen.util - 0\\t:invoke\\t:write\\t4\\n"
    ...                 "INFO  jepsen.util - 0\\t:ok\\t:write\\t4\\n")
    >>> str(h[0]), h[0].invoke_ms, h[0].complete_ms
    ('#0 p0 write 4 (ok)', 0.0, 1.0)
    """
    text, source = _read(path_or_text, "path_or_text")
    b = EventBuilder(source)
    lines = text.split("\n")
    t = 0
    for no, raw in enumerate(lines, 1):
        line = raw.rstrip("\r")
        if _MARK not in line:
            continue
        where = f"{source} line {no}"
        last = no == len(lines) and not text.endswith("\n")
        fields = line.split(_MARK, 1)[1].strip().split("\t")
        if len(fields) < 4:
            fields = line.split(_MARK, 1)[1].split()
            fields = [*fields[:3], " ".join(fields[3:])] if len(fields) >= 4 else fields
        if len(fields) < 4:
            if last:
                raise InvalidParameterError(f"{where}: the file ends in the middle of this line "
                                            f"(truncated?): {line!r}")
            raise InvalidParameterError(f"{where}: expected '<process> <type> <f> <value>', got {line!r}")
        proc_s, type_s, f_s, value_s = (x.strip() for x in fields[:4])
        try:
            value = read_edn(value_s)
            process = _atom(proc_s)
        except EdnError as e:
            if last or e.at_end:
                raise InvalidParameterError(f"{where}: the value ends early ({e}); the file is truncated "
                                            f"here: {line!r}") from None
            raise InvalidParameterError(f"{where}: cannot read the value {value_s!r}: {e}") from None
        if process == "nemesis":
            continue
        type_, f = type_s.lstrip(":"), f_s.lstrip(":")
        if type_ == "invoke":
            b.invoke(process, f, None, value, float(t), where, no)
        else:
            b.complete(process, type_, f, value, float(t), where)
        t += 1
    if t == 0:
        raise InvalidParameterError(f"{source}: no Jepsen history lines ('{_MARK} ...') found")
    return b.history(initial, {"format": "jepsen", "events": t, "time_unit": "event"})


# -- EDN maps, one a line ----------------------------------------------------------------------------
_KV_DIALECT = {"get", "put", "append"}


def load_edn(path_or_text: Any, initial: Any = "auto") -> History:
    """A history from EDN maps, one a line: ``{:process 0, :type :invoke, :f :append,
    :key "0", :value "x 0 0 y"}``. ``:time`` (ns, Jepsen's clock) gives the times in ms when
    every line has it, else an event's time is its position. Nemesis lines are skipped.

    ``initial``: the value of an unwritten key; "auto" = the empty string for Porcupine's
    key-value dialect (``:get`` / ``:put`` / ``:append``), else None (absent, ``nil``).

    >>> h = load_edn('{:process 0, :type :invoke, :f :get, :key "k", :value nil}\\n'
    ...              '{:process 0, :type :ok, :f :get, :key "k", :value ""}\\n')
    >>> str(h[0]), h.initial
    ("#0 p0 read['k'] '' (ok)", '')
    """
    text, source = _read(path_or_text, "path_or_text")
    lines = text.split("\n")
    events = []
    fs = set()
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        where = f"{source} line {no}"
        try:
            m = read_edn(line)
        except EdnError as e:
            if e.at_end:
                raise InvalidParameterError(f"{where}: the map is not closed ({e}); the file is truncated "
                                            f"here: {line[:80]!r}") from None
            raise InvalidParameterError(f"{where}: not an EDN map ({e}): {line[:80]!r}") from None
        if not isinstance(m, dict):
            raise InvalidParameterError(f"{where}: expected one EDN map a line, got {line[:80]!r}")
        for k in ("process", "type", "f"):
            if k not in m:
                raise InvalidParameterError(f"{where}: the map has no :{k}: {line[:80]!r}")
        if m["process"] == "nemesis":
            continue
        events.append((no, where, m))
        fs.add(m["f"])
    if not events:
        raise InvalidParameterError(f"{source}: no EDN operation maps found")
    timed = all(isinstance(m.get("time"), (int, float)) for _, _, m in events)
    b = EventBuilder(source)
    for t, (no, where, m) in enumerate(events):
        when = m["time"] / 1e6 if timed else float(t)
        if m["type"] == "invoke":
            b.invoke(m["process"], m["f"], m.get("key"), m.get("value"), when, where, no)
        else:
            b.complete(m["process"], m["type"], m["f"], m.get("value"), when, where)
    if not (isinstance(initial, str) and initial == "auto"):
        check_hashable("initial", initial, "a hashable value or 'auto'")
    elif initial == "auto":
        initial = "" if fs and fs <= _KV_DIALECT else None
    return b.history(initial, {"format": "edn", "events": len(events),
                               "time_unit": "ms" if timed else "event"})
