"""write_figure: the only code that writes images.

One Chromium is kept warm across figures, with one kaleido tab per image format
and each tab's page kept between renders (see :class:`_Browser`); every file is
written atomically (temporary file in the same folder, then rename), and where
no browser can be had the figure is written as HTML with a one-line reason.
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import os
import shutil
import sys
import tempfile
import threading
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ._os import pid_alive
from .errors import invalid

__all__ = [
    "ALL_FORMATS",
    "IMAGE_FORMATS",
    "PNG_SCALE",
    "RELOAD_EVERY",
    "SCREEN_ONLY",
    "check_formats",
    "check_output_dir",
    "check_path",
    "clean_stale_parts",
    "figure_base",
    "find_browser",
    "glob_escape",
    "static_copy",
    "stop_browser",
    "target",
    "write_figure",
]

IMAGE_FORMATS = ("pdf", "svg", "png")
ALL_FORMATS = (*IMAGE_FORMATS, "html")
#: PNG pixel density: scale 3 on a 96 px/in figure gives 288 dpi
PNG_SCALE = 3.0
#: a tab reloads its page (plotly.js and all) after this many renders, to bound any leak
RELOAD_EVERY = 64

_lock = threading.Lock()
_UMASK = os.umask(0)
os.umask(_UMASK)
_server_started = False
_browser_problem: str | None = None
_browser_checked = False
_browser: _Browser | None = None


def _warm_kaleido(n: int) -> Any:
    """A kaleido.Kaleido whose tabs keep their page between renders.

    Kaleido reloads a tab's page, plotly.js and all, after every image and
    waits for it before returning.  On a 2-core machine the reload costs more
    than the render: three formats of a figure took 0.8–1.5 s with reloads and
    0.25–0.67 s without (``make figures``, measured 2026-11-26).  Plotly.toImage
    draws into a fresh hidden element and purges it, so reusing the page is
    safe; a tab is still reloaded every :data:`RELOAD_EVERY` renders.
    """
    from kaleido import Kaleido

    class WarmKaleido(Kaleido):
        async def _return_kaleido_tab(self, tab: Any) -> None:
            renders = self.__dict__.setdefault("_syncmodel_renders", {})
            renders[tab] = renders.get(tab, 0) + 1
            if renders[tab] >= RELOAD_EVERY or not hasattr(self, "tabs_ready"):
                renders[tab] = 0
                await super()._return_kaleido_tab(tab)
            else:
                await self.tabs_ready.put(tab)

    return WarmKaleido(n=n, mathjax=False)


class _Browser:
    """One kaleido (Chromium and its tabs) driven from an event loop in a daemon thread."""

    def __init__(self, tabs: int) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="syncmodel-kaleido", daemon=True)
        self.thread.start()
        try:
            self.kaleido = self._call(self._open(tabs), timeout=180)
        except BaseException:
            self._stop_loop()
            raise

    async def _open(self, tabs: int) -> Any:
        k = _warm_kaleido(tabs)
        await k.open()
        return k

    def _call(self, coro: Any, timeout: float | None = None) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def render(self, specs: list[dict[str, Any]]) -> None:
        """Render every spec (a kaleido figure dict with fig, path, opts) side by side."""
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            self._call(self.kaleido.write_fig_from_object(specs, cancel_on_error=True))

    def _stop_loop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)

    def close(self) -> None:
        try:
            self._call(self.kaleido.close(), timeout=30)
        finally:
            self._stop_loop()


def find_browser() -> str | None:
    """Path of a Chrome/Chromium kaleido can drive, or None."""
    env = os.environ.get("BROWSER_PATH")
    if env and os.path.exists(env):
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _ensure_server() -> str | None:
    """Start the warm browser once; return a reason string if images cannot be made."""
    global _server_started, _browser_problem, _browser_checked, _browser
    with _lock:
        if _browser_checked:
            return _browser_problem
        _browser_checked, _browser_problem = True, None
        if _server_started:
            return None
        if importlib.util.find_spec("kaleido") is None:
            _browser_problem = "kaleido is not installed (pip install 'syncmodel[lab]')"
            return _browser_problem
        if find_browser() is None:
            _browser_problem = "no Chrome/Chromium found (install Debian's chromium or set BROWSER_PATH)"
            return _browser_problem
        try:
            # one tab per image format: the formats of a figure render side by side
            _browser = _Browser(len(IMAGE_FORMATS))
        except Exception as exc:  # a browser that will not start: fall back, do not crash
            _browser_problem = f"the browser would not start ({type(exc).__name__}: {exc})"
            return _browser_problem
        _server_started = True
        atexit.unregister(stop_browser)  # once, however often the browser restarts
        atexit.register(stop_browser)
        return None


def stop_browser() -> None:
    """Stop the warm browser (registered at exit; safe to call twice)."""
    global _server_started, _browser_checked, _browser
    with _lock:
        if _server_started and _browser is not None:
            try:
                _browser.close()
            except Exception:  # already stopped or the browser died: nothing to clean
                pass
        _browser = None
        _server_started = False
        _browser_checked = False


def _render_specs(specs: list[dict[str, Any]]) -> None:
    """Render kaleido specs in the warm browser; after a failure, once more in a fresh one."""
    for attempt in (1, 2):
        browser = _browser
        if browser is None:
            raise RuntimeError("the browser is not running")
        try:
            browser.render(specs)
            return
        except Exception:
            if attempt == 2:
                raise
            stop_browser()  # a tab left in a bad state: start over with a fresh browser
            problem = _ensure_server()
            if problem is not None:
                raise RuntimeError(problem) from None


#: a temporary file of a writer that is still alive is left alone up to this age
_PART_MAX_AGE_S = 24 * 3600.0


def _part_prefix(path: Path) -> str:
    """Temporary files of ``path`` are ``.<name>.<pid>.<random>.part`` beside it."""
    return f".{path.name}.{os.getpid()}."




def clean_stale_parts(path: Path) -> list[Path]:
    """Remove the temporary files a killed writer left beside ``path`` (its process is gone,
    or the file is older than a day); return those removed.  Live writers' files stay."""
    import time

    removed: list[Path] = []
    now = time.time()
    try:
        candidates = list(path.parent.glob(f".{glob_escape(path.name)}.*.part"))
    except OSError:
        return removed
    for part in candidates:
        middle = part.name[len(path.name) + 2:-len(".part")]
        pid_text = middle.split(".", 1)[0]
        try:
            stale = (not pid_text.isdigit() or not pid_alive(int(pid_text))
                     or now - part.lstat().st_mtime > _PART_MAX_AGE_S)
            if stale and int(pid_text or -1) != os.getpid():
                part.unlink()
                removed.append(part)
        except (OSError, ValueError):
            pass
    return removed


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters taken literally."""
    import glob

    return glob.escape(name)


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=_part_prefix(path), suffix=".part", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


#: a trace whose ``meta`` holds ``{SCREEN_ONLY: True}`` exists for the screen only (hover, e.g.
#: the transparent heatmap under vector cells): written files leave it out
SCREEN_ONLY = "syncmodel_screen_only"


def static_copy(fig: Any) -> Any:
    """``fig`` as written to a file: the same figure without its screen-only traces (``meta``
    ``{SCREEN_ONLY: True}``); ``fig`` itself when it has none."""
    keep = [t for t in fig.data if not (isinstance(t.meta, dict) and t.meta.get(SCREEN_ONLY))]
    if len(keep) == len(fig.data):
        return fig
    import plotly.graph_objects as go

    return go.Figure(data=keep, layout=fig.layout)


def _render_images(fig: Any, targets: dict[str, Path]) -> None:
    """Render ``fig`` once per format, in parallel tabs, each to a temporary file beside its
    target, then rename every file into place (so each appears whole or not at all)."""
    temps: dict[str, Path] = {}
    try:
        for fmt, target in targets.items():
            fd, name = tempfile.mkstemp(prefix=_part_prefix(target), suffix=".part",
                                        dir=target.parent)
            os.close(fd)
            temps[fmt] = Path(name)
        specs = [{"fig": fig, "path": str(temps[fmt]),
                  "opts": {"format": fmt, "scale": PNG_SCALE if fmt == "png" else 1.0}}
                 for fmt in targets]
        _render_specs(specs)
        for fmt, target in targets.items():
            if temps[fmt].stat().st_size == 0:
                raise RuntimeError(f"kaleido wrote an empty {fmt.upper()} for {target.name}")
            os.chmod(temps[fmt], 0o666 & ~_UMASK)
            os.replace(temps[fmt], target)
    finally:
        for part in temps.values():
            part.unlink(missing_ok=True)


def check_formats(formats: Any) -> tuple[str, ...]:
    """``formats`` (one format or an iterable of them) as a tuple of names in ALL_FORMATS."""
    expected = f"a non-empty selection of {ALL_FORMATS}"
    if isinstance(formats, str):
        fmts: tuple[Any, ...] = (formats,)
    elif isinstance(formats, Iterable):
        fmts = tuple(formats)
    else:
        raise invalid("formats", formats, expected)
    if not fmts or any(not isinstance(f, str) or f not in ALL_FORMATS for f in fmts):
        raise invalid("formats", formats, expected)
    return fmts


def check_path(name: str, path: Any) -> str | os.PathLike[str]:
    """``path`` itself if it is a str or an os.PathLike, else InvalidParameterError naming ``name``."""
    if not isinstance(path, (str, os.PathLike)):
        raise invalid(name, path, "a path (str or os.PathLike)")
    return path


def write_figure(fig: Any, path: str | os.PathLike[str],
                 formats: Iterable[str] = IMAGE_FORMATS) -> list[Path]:
    """Write ``fig`` to ``path`` with each suffix in ``formats``; return the files written.

    ``path`` may carry one of these format suffixes (it is replaced); any other dot
    belongs to the name (``"n=0.5"`` writes ``n=0.5.pdf``, ``"run.v1"`` writes
    ``run.v1.pdf``).  A path with no file name (``""``, ``"."``, ``"dir/"``) raises
    InvalidParameterError.  Formats are ``pdf``, ``svg``,
    ``png`` (288 dpi) and ``html`` (self-contained).  Image formats need a
    Chrome/Chromium: without one they are skipped, an HTML file is written
    instead, and one line on stderr says why.  Each file appears whole or not at
    all: it is written to a temporary file in the same folder and renamed; the
    temporary files of killed writers are removed by the next write of that figure.
    """
    from plotly.basedatatypes import BaseFigure  # here: importing export stays plotly-free

    if not isinstance(fig, BaseFigure):
        raise invalid("fig", fig, "a plotly figure")
    fmts = check_formats(formats)
    base = figure_base("path", check_path("path", path))
    try:
        base.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise invalid("path", path, f"a file name in a folder that can be made ({exc})") from None
    if not base.parent.is_dir():
        raise invalid("path", path, "a file name in a folder")
    wants_images = [f for f in fmts if f in IMAGE_FORMATS]
    problem = _ensure_server() if wants_images else None
    if problem is not None:
        print(f"syncmodel: wrote HTML instead of {'/'.join(wants_images).upper()} for "
              f"{base.name}: {problem}", file=sys.stderr)
        fmts = tuple(dict.fromkeys([f for f in fmts if f == "html"] + ["html"]))
    targets = {f: target(base, f) for f in fmts}
    for t in targets.values():
        clean_stale_parts(t)
        if t.is_dir():
            raise invalid("path", path, f"a file name ({t} is a folder)")
    images = {f: t for f, t in targets.items() if f in IMAGE_FORMATS}
    if images:  # (HTML keeps the screen-only traces: it is interactive)
        _render_images(static_copy(fig), images)
    if "html" in fmts:
        _atomic_write(targets["html"], fig.to_html(include_plotlyjs=True, full_html=True).encode())
    return list(targets.values())


def check_output_dir(name: str, out: str | os.PathLike[str],
                     files: Iterable[str] = ()) -> Path:
    """Make sure figures can be written into folder ``out`` before any is built: it is a
    folder or can be made (not an existing file, not under a file), a file can be created
    in it, and none of ``files`` (names inside it) is a folder.  InvalidParameterError
    naming ``name`` and the problem otherwise; returns ``out`` as a Path."""
    folder = Path(check_path(name, out))
    if folder.exists() and not folder.is_dir():
        raise invalid(name, os.fspath(out), "a folder (it is an existing file)")
    for parent in folder.parents:
        if parent.exists() and not parent.is_dir():
            raise invalid(name, os.fspath(out), f"a folder (it is under the file {parent})")
        if parent.exists():
            break
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise invalid(name, os.fspath(out), f"a folder that can be made ({exc.strerror})") from None
    try:
        fd, probe = tempfile.mkstemp(prefix=".syncmodel-probe.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise invalid(name, os.fspath(out), f"a writable folder ({exc.strerror})") from None
    for f in files:
        if (folder / f).is_dir():
            raise invalid(name, os.fspath(out), f"a folder where {f} can be written "
                          f"({folder / f} is a folder)")
    return folder


def figure_base(name: str, path: str | os.PathLike[str]) -> Path:
    """``path`` without a known format suffix (``fig.pdf`` -> ``fig``; ``n=0.5`` stays);
    InvalidParameterError naming ``name`` when no file name is left."""
    text = os.fspath(path)
    if not isinstance(text, str):
        raise invalid(name, path, "a path (str or os.PathLike of str)")
    base = Path(text)
    if text.endswith(("/", os.sep)) or base.name in ("", ".", ".."):
        raise invalid(name, path, "a file name (without a suffix, in an optional folder)")
    if base.suffix.lstrip(".") in ALL_FORMATS and base.stem not in ("", ".", ".."):
        base = base.with_name(base.stem)
    return base


def target(base: Path, fmt: str) -> Path:
    """The file of format ``fmt`` for ``base``: the suffix is appended, never substituted."""
    return base.with_name(f"{base.name}.{fmt}")
