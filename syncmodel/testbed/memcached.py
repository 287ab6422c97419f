"""A Memcached pool on loopback and a consistent-hashing client over it (the package's HashRing).

Servers mc0..mc{n−1}; the client places key k on ``HashRing(names, vnodes).lookup(md5₄(k))``,
the same ketama-style ring :func:`syncmodel.systems.ring.removal_loss` models.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from typing import Any, ClassVar

import numpy as np

from ..systems.ring import HashRing
from ._proc import HOST, ServerProcess, free_ports, require, wait_until
from .base import Cluster

__all__ = ["MemcachedPool", "key_hash"]


def key_hash(key: str) -> int:
    """First 4 bytes (little-endian) of md5(key): the key's point on the 2³² ring."""
    return int.from_bytes(hashlib.md5(key.encode()).digest()[:4], "little")


class MemcachedPool(Cluster):
    """``n`` independent memcached servers; ``vnodes`` ring points per server, ``memory_mb`` each."""

    system = "memcached"
    package = "memcached"
    settings_known: ClassVar[dict[str, Any]] = {"vnodes": 160, "memory_mb": 64}
    sizes = (1, 2, 3, 4, 5, 6, 7, 8)

    def _launch(self) -> None:
        assert self.dir is not None
        binary = require("memcached", self.package)
        self.ports = free_ports(self.n)
        self.names = [f"mc{i}" for i in range(self.n)]
        self.ring = HashRing(self.names, int(self.settings["vnodes"]))
        for i, p in enumerate(self.ports):
            argv = [binary, "-l", HOST, "-p", str(p), "-U", "0", "-t", "1",
                    "-m", str(int(self.settings["memory_mb"]))]
            if os.geteuid() == 0:
                # memcached refuses root without -u; "-u nobody" would change its uid, and a
                # credential change clears PR_SET_PDEATHSIG: it would outlive a SIGKILLed parent
                argv += ["-u", "root"]
            self.members.append(ServerProcess(f"memcached mc{i}", argv, self.dir / f"mc{i}.log").start())
        wait_until(lambda: all(self._ping(i) for i in range(self.n)), self.members, 15.0,
                   "waiting for memcached")
        self._clients: dict[int, Any] = {}

    def _conn(self, i: int) -> Any:
        from pymemcache.client.base import Client

        if i not in self._clients:
            self._clients[i] = Client((HOST, self.ports[i]), connect_timeout=0.5, timeout=0.5)
        return self._clients[i]

    def _ping(self, i: int) -> bool:
        return bool(self._conn(i).version()) if hasattr(self, "_clients") else _ping_raw(self.ports[i])

    def owner(self, key: str) -> int:
        """Index of the server the ring places ``key`` on."""
        return int(self.ring.lookup(np.array([key_hash(key)]))[0])

    def set(self, key: str, value: str) -> bool:
        """Store on the key's server; False when that server does not answer."""
        try:
            return bool(self._conn(self.owner(key)).set(key, value, noreply=False))
        except Exception:
            self._clients.pop(self.owner(key), None)
            return False

    def get(self, key: str) -> str | None:
        """Read from the key's server; None for a miss or a dead server (a cache miss either way)."""
        i = self.owner(key)
        try:
            v = self._conn(i).get(key)
        except Exception:
            self._clients.pop(i, None)
            return None
        return None if v is None else v.decode()

    def healthy(self) -> bool:
        """Every server runs and answers ``version``."""
        try:
            return all(m.alive and _ping_raw(self.ports[i]) for i, m in enumerate(self.members))
        except OSError:
            return False

    def leader(self) -> int | None:
        return None  # no leader: every server is independent

    def close(self) -> None:
        for c in getattr(self, "_clients", {}).values():
            try:
                c.close()
            except Exception:
                pass
        super().close()

    def version(self) -> str:
        out = subprocess.run([require("memcached", self.package), "-V"], capture_output=True, text=True,
                             timeout=10, check=False).stdout.strip()
        return out.split()[-1] if out else "unknown"


def _ping_raw(port: int) -> bool:
    import socket

    with socket.create_connection((HOST, port), timeout=0.3) as s:
        s.sendall(b"version\r\n")
        return s.recv(64).startswith(b"VERSION")
