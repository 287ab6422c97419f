"""The shape every testbed cluster shares: members (server processes), faults, and a context manager.

A :class:`Cluster` owns a temporary directory (data and logs), starts its members on free
loopback ports, and on exit stops and reaps them all and removes the directory.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar

from ..errors import InvalidParameterError, invalid
from ._proc import ServerProcess

__all__ = ["FAULTS", "Cluster"]

FAULTS = ("crash", "pause")


class Cluster:
    """A running system on 127.0.0.1: ``members`` (ServerProcess), faults by member index.

    Subclasses set ``system``, ``package`` (Debian), ``settings_known`` (name -> default)
    and implement ``_launch`` (start members, wait until ready), ``leader()`` and
    ``version()``.  Use as a context manager: everything is reaped on exit, even on error.
    """

    system: ClassVar[str] = ""
    package: ClassVar[str] = ""
    settings_known: ClassVar[Mapping[str, Any]] = {}
    sizes: ClassVar[tuple[int, ...]] = (1, 3, 5)

    def __init__(self, n: int = 3, **settings: Any) -> None:
        unknown = sorted(set(settings) - set(self.settings_known))
        if unknown:
            raise InvalidParameterError(
                f"{self.system} has no setting {unknown[0]!r}; known settings: {sorted(self.settings_known)}")
        if isinstance(n, bool) or not isinstance(n, int) or n not in self.sizes:
            raise invalid("n", n, f"one of {list(self.sizes)} for {self.system}")
        self.n = n
        self.settings: dict[str, Any] = {**self.settings_known, **settings}
        for k, v in self.settings.items():
            default = self.settings_known[k]
            if isinstance(default, (int, float)) and not isinstance(default, bool) and (
                    isinstance(v, bool) or not isinstance(v, (int, float)) or not v >= 0
                    or (default > 0 and v == 0)):
                raise invalid(k, v, "a number > 0" if default > 0 else "a number ≥ 0")
        self.members: list[ServerProcess] = []
        self.dir: Path | None = None
        self.started_at = 0.0

    # -------------------------------------------------------------- lifecycle
    def __enter__(self) -> Cluster:
        self.dir = Path(tempfile.mkdtemp(prefix=f"syncmodel-{self.system}-"))
        try:
            self._launch()
        except BaseException:
            self.close()
            raise
        self.started_at = time.time()
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop and reap every member and remove the temporary directory."""
        for m in self.members:
            m.stop(grace_s=0.0)
        for m in self.members:
            m.kill()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def _launch(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # -------------------------------------------------------------- questions
    def leader(self) -> int | None:
        """Index of the member every reachable member agrees leads, or None."""
        raise NotImplementedError  # pragma: no cover

    def trial_gap_s(self) -> float:
        """Least time between one failover and the next fault (Sentinel: 2 × failover-timeout)."""
        return 0.0

    def healthy(self) -> bool:
        """Every member runs and the system serves (leader agreed where there is one)."""
        return all(m.alive and not m.paused for m in self.members)

    def wait_healthy(self, timeout_s: float = 30.0) -> None:
        """Wait until :meth:`healthy`; ServerStartError with the logs' tails when it does not happen."""
        from ._proc import wait_until

        wait_until(self.healthy, self.members, timeout_s, f"waiting for {self.system} to heal")

    def version(self) -> str:
        raise NotImplementedError  # pragma: no cover

    def pids(self) -> list[int]:
        return [m.pid for m in self.members if m.alive and m.pid is not None]

    # -------------------------------------------------------------- faults
    def _member(self, i: int) -> ServerProcess:
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(self.members):
            raise invalid("member", i, f"an index in [0, {len(self.members) - 1}]")
        return self.members[i]

    def crash(self, i: int) -> None:
        """SIGKILL member ``i`` (its connections reset at once)."""
        self._member(i).kill()

    def pause(self, i: int) -> None:
        """SIGSTOP member ``i`` (silent: its connections stay open)."""
        self._member(i).pause()

    def resume(self, i: int) -> None:
        """SIGCONT member ``i``."""
        self._member(i).resume()

    def restart(self, i: int) -> None:
        """Restart member ``i`` with the same ports and data directory."""
        self._member(i).restart()

    def fault(self, kind: str, i: int) -> None:
        """Apply fault ``kind`` ("crash" or "pause") to member ``i``."""
        if kind == "crash":
            self.crash(i)
        elif kind == "pause":
            self.pause(i)
        else:
            raise invalid("fault", kind, f"one of {list(FAULTS)}")

    def heal(self, kind: str, i: int) -> None:
        """Undo fault ``kind`` on member ``i``: restart after a crash, SIGCONT after a pause."""
        if kind == "crash":
            self.restart(i)
        else:
            self.resume(i)
