"""A small TCP proxy on 127.0.0.1 that delays one direction by a fixed time (netem is not available).

Bytes from the target back to the client are held ``delay_ms`` before they are forwarded; when
the target's side closes (e.g. it was SIGKILLed), bytes still held are dropped, as a crashed
machine's unsent data is — the sender asks the kernel for the connection's TCP state before each
send, so it does not depend on the reader thread noticing the close first (it may wait for the
GIL for milliseconds on a loaded machine, while due bytes went out).  Used to give Redis
replicas a replication lag.
"""

from __future__ import annotations

import collections
import contextlib
import socket
import struct
import threading
import time

from ._proc import HOST

__all__ = ["DelayProxy", "peer_closed"]

#: Linux TCP states after the peer closed or reset (tcp_states.h: TCP_CLOSE 7, TCP_CLOSE_WAIT 8)
_CLOSED_STATES = (7, 8)


def peer_closed(sock: socket.socket) -> bool:
    """True when the kernel says the other end of ``sock`` closed or reset it (TCP_INFO's state),
    whether or not this side has read the bytes it sent before."""
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
    except OSError:
        return True
    return struct.unpack("B", info[:1])[0] in _CLOSED_STATES


class DelayProxy:
    """Listen on a free loopback port; forward to ``127.0.0.1:target_port``; delay target→client."""

    def __init__(self, target_port: int, delay_ms: float) -> None:
        self.target_port = int(target_port)
        self.delay_s = float(delay_ms) / 1000.0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, 0))
        self.sock.listen(16)
        self.port: int = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True, name=f"proxy:{self.port}").start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            try:
                up = socket.create_connection((HOST, self.target_port), timeout=1.0)
                up.settimeout(None)
            except OSError:
                client.close()
                continue
            for s in (client, up):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._conns += [client, up]
            threading.Thread(target=self._pump, args=(client, up), daemon=True).start()
            threading.Thread(target=self._delayed, args=(up, client), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while not self._stop.is_set():
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def _delayed(self, src: socket.socket, dst: socket.socket) -> None:
        held: collections.deque[tuple[float, bytes]] = collections.deque()
        cv = threading.Condition()
        done = threading.Event()

        def reader() -> None:
            with contextlib.suppress(OSError):
                while not self._stop.is_set():
                    data = src.recv(65536)
                    if not data:
                        break
                    with cv:
                        held.append((time.monotonic() + self.delay_s, data))
                        cv.notify()
            done.set()
            with cv:
                held.clear()  # the sender died: what it had not delivered yet is gone
                cv.notify()

        threading.Thread(target=reader, daemon=True).start()
        with contextlib.suppress(OSError):
            while not (done.is_set() or self._stop.is_set()):
                with cv:
                    if not held:
                        cv.wait(0.05)
                        continue
                    due, data = held[0]
                    wait = due - time.monotonic()
                    if wait > 0:
                        cv.wait(min(wait, 0.05))
                        continue
                    held.popleft()
                if peer_closed(src):  # the target died: what it had not delivered is gone
                    break
                dst.sendall(data)
        for s in (src, dst):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Stop accepting and close every connection."""
        self._stop.set()
        with contextlib.suppress(OSError):
            self.sock.close()
        for s in self._conns:
            with contextlib.suppress(OSError):
                s.close()
