"""Server processes of the testbed: started on loopback in their own process group, always reaped.

Every server runs in a new session (its own process group) with PR_SET_PDEATHSIG = SIGKILL on
Linux, so it dies with the Python process that started it even when that process is SIGKILLed;
a registry reaps whatever is still running at exit (atexit, and SIGTERM turned into SystemExit).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import SyncModelError

__all__ = ["ServerNotInstalledError", "ServerProcess", "ServerStartError", "free_ports", "live",
           "reap_all", "require", "wait_until"]

HOST = "127.0.0.1"  # the only address the testbed ever binds or connects to


class ServerNotInstalledError(SyncModelError, RuntimeError):
    """A server binary is missing: names the Debian package and ``make validate``."""


class ServerStartError(SyncModelError, RuntimeError):
    """A server died (or never became ready) during set-up; carries the tail of its log."""


def require(binary: str, package: str) -> str:
    """Full path of ``binary``, or ServerNotInstalledError naming the Debian ``package``."""
    path = shutil.which(binary) or (binary if os.path.isabs(binary) and os.access(binary, os.X_OK) else None)
    if path is None:
        raise ServerNotInstalledError(
            f"{binary} not found: install the Debian package {package!r} "
            f"(`sudo apt-get install {package}`, or run `make validate`, which installs every server "
            "through scripts/ensure_servers.sh)")
    return path


def free_ports(k: int) -> list[int]:
    """``k`` distinct free TCP ports on 127.0.0.1, chosen by the kernel now (bind to port 0)."""
    socks = []
    try:
        for _ in range(k):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((HOST, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _pdeathsig() -> None:  # pragma: no cover - runs in the child between fork and exec
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


_LIVE: dict[int, ServerProcess] = {}
_LOCK = threading.Lock()
_HANDLERS_SET = False


def live() -> list[ServerProcess]:
    """The servers this process started that still run (exited ones are collected and dropped)."""
    with _LOCK:
        for key, p in list(_LIVE.items()):
            if not p.alive:
                del _LIVE[key]
        return list(_LIVE.values())


def reap_all() -> None:
    """Kill every server this process started (SIGKILL to each process group)."""
    with _LOCK:
        procs = list(_LIVE.values())
    for p in procs:
        p.stop(grace_s=0.0)


def _on_sigterm(signum: int, frame: object) -> None:  # pragma: no cover - exercised by a subprocess test
    reap_all()
    raise SystemExit(128 + signum)


def _install_handlers() -> None:
    global _HANDLERS_SET
    if _HANDLERS_SET:
        return
    _HANDLERS_SET = True
    atexit.register(reap_all)
    if threading.current_thread() is threading.main_thread():
        with contextlib.suppress(ValueError, OSError):
            if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
                signal.signal(signal.SIGTERM, _on_sigterm)


class ServerProcess:
    """One server: argv run in its own session, output to ``log``; crash, pause, resume, restart.

    ``kill()`` is a crash (SIGKILL to the process group: sockets reset at once), ``pause()``
    a hang (SIGSTOP: connections stay open, nothing answers), ``resume()`` its SIGCONT,
    ``restart()`` starts the same argv again (same ports, same data directory).
    """

    def __init__(self, name: str, argv: Sequence[str], log: Path, cwd: Path | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.name = name
        self.argv = list(argv)
        self.log = Path(log)
        self.cwd = cwd
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None
        self.paused = False

    # -------------------------------------------------------------- lifecycle
    def start(self) -> ServerProcess:
        _install_handlers()
        if self.alive:
            return self
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                cwd=self.cwd, env=self.env, start_new_session=True,
                preexec_fn=_pdeathsig if sys.platform.startswith("linux") else None)
        self.paused = False
        with _LOCK:
            _LIVE[id(self)] = self
        return self

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def _signal(self, sig: int) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        """Crash: SIGKILL the whole process group and collect it."""
        if self.proc is None:
            return
        self._signal(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        self.paused = False
        with _LOCK:
            _LIVE.pop(id(self), None)

    def pause(self) -> None:
        """Hang: SIGSTOP the process group (its sockets stay open, nothing answers)."""
        self._signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        """SIGCONT after :meth:`pause`."""
        self._signal(signal.SIGCONT)
        self.paused = False

    def restart(self) -> ServerProcess:
        """Kill (if running) and start the same command again."""
        self.kill()
        return self.start()

    def stop(self, grace_s: float = 2.0) -> None:
        """Stop politely (SIGTERM, ``grace_s`` seconds), then SIGKILL; always collected."""
        if self.proc is None:
            return
        if self.proc.poll() is None and grace_s > 0:
            self._signal(signal.SIGCONT)
            self._signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=grace_s)
        self.kill()

    def log_tail(self, lines: int = 20) -> str:
        """The last ``lines`` lines of the server's log (for error messages)."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def wait_until(ready: Callable[[], bool], servers: Sequence[ServerProcess], timeout_s: float,
               what: str, poll_s: float = 0.05) -> None:
    """Poll ``ready()`` until true; ServerStartError with the log tail if a server dies or time runs out."""
    deadline = time.monotonic() + timeout_s
    while True:
        for s in servers:
            if s.proc is not None and not s.alive:
                raise ServerStartError(
                    f"{s.name} exited with code {s.proc.returncode} while {what}; its log ends:\n"
                    f"{s.log_tail()}")
        try:
            if ready():
                return
        except Exception:
            pass
        if time.monotonic() > deadline:
            tails = "\n".join(f"--- {s.name}:\n{s.log_tail(8)}" for s in servers)
            raise ServerStartError(f"timed out after {timeout_s:g} s {what}; logs end:\n{tails}")
        time.sleep(poll_s)
