"""etcd on loopback: 1, 3 or 5 members, any heartbeat and election timeout; v3 JSON gateway client.

Talks to each member over its v3 gRPC-gateway (HTTP + JSON, base64 keys) with urllib:
status (leader), put, and range (linearizable or serializable).
"""

from __future__ import annotations

import base64
import http.client
import json
import subprocess
from typing import Any, ClassVar

from ._proc import HOST, ServerProcess, free_ports, require, wait_until
from .base import Cluster

__all__ = ["EtcdCluster"]


def _b64(s: str) -> str:
    return base64.b64encode(s.encode()).decode()


class EtcdCluster(Cluster):
    """etcd members m0..m{n−1}; ``heartbeat_ms`` and ``election_timeout_ms`` as the etcd flags."""

    system = "etcd"
    package = "etcd-server"
    settings_known: ClassVar[dict[str, Any]] = {"heartbeat_ms": 100, "election_timeout_ms": 1000}

    def _launch(self) -> None:
        assert self.dir is not None
        hb, et = self.settings["heartbeat_ms"], self.settings["election_timeout_ms"]
        if hb >= et:
            from ..errors import invalid

            raise invalid("heartbeat_ms", hb, f"below election_timeout_ms = {et}")
        binary = require("etcd", self.package)
        ports = free_ports(2 * self.n)
        self.client_ports = ports[: self.n]
        peer = ports[self.n:]
        initial = ",".join(f"m{i}=http://{HOST}:{peer[i]}" for i in range(self.n))
        for i in range(self.n):
            argv = [binary, "--name", f"m{i}", "--data-dir", str(self.dir / f"m{i}.etcd"),
                    "--listen-client-urls", f"http://{HOST}:{self.client_ports[i]}",
                    "--advertise-client-urls", f"http://{HOST}:{self.client_ports[i]}",
                    "--listen-peer-urls", f"http://{HOST}:{peer[i]}",
                    "--initial-advertise-peer-urls", f"http://{HOST}:{peer[i]}",
                    "--initial-cluster", initial, "--initial-cluster-state", "new",
                    "--initial-cluster-token", self.dir.name,
                    "--heartbeat-interval", str(int(hb)), "--election-timeout", str(int(et)),
                    "--logger", "zap", "--log-outputs", "stderr", "--snapshot-count", "100000"]
            self.members.append(ServerProcess(f"etcd m{i}", argv, self.dir / f"m{i}.log").start())
        wait_until(lambda: self.leader() is not None, self.members, 30.0, "waiting for an etcd leader")

    # -------------------------------------------------------------- client
    def call(self, i: int, path: str, body: dict[str, Any], timeout_s: float = 0.5) -> dict[str, Any]:
        """POST ``body`` as JSON to member ``i``'s gateway ``/v3/{path}``."""
        conns = self.__dict__.setdefault("_conns", {})
        conn = conns.get(i)
        if conn is None:
            conn = conns[i] = http.client.HTTPConnection(HOST, self.client_ports[i], timeout=timeout_s)
        conn.timeout = timeout_s
        if conn.sock is not None:
            conn.sock.settimeout(timeout_s)
        try:
            conn.request("POST", f"/v3/{path}", body=json.dumps(body),
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
        except Exception:
            conn.close()
            conns.pop(i, None)
            raise
        if r.status != 200:
            raise OSError(f"etcd m{i} {path}: HTTP {r.status} {data[:200]!r}")
        out: dict[str, Any] = json.loads(data)
        return out

    def close(self) -> None:
        for c in self.__dict__.pop("_conns", {}).values():
            c.close()
        super().close()

    def status(self, i: int, timeout_s: float = 0.3) -> dict[str, Any]:
        return self.call(i, "maintenance/status", {}, timeout_s)

    def member_id(self, i: int) -> str:
        return str(self.status(i)["header"]["member_id"])

    def leader_seen_by(self, i: int, timeout_s: float = 0.3) -> str | None:
        """The leader id member ``i`` reports (None: no leader or no answer)."""
        try:
            st = self.status(i, timeout_s)
        except Exception:
            return None
        lead = str(st.get("leader", "0"))
        return None if lead in ("0", "") else lead

    def healthy(self) -> bool:
        """Every member runs, answers and names the same leader."""
        running = all(m.alive and not m.paused for m in self.members)
        return running and self.leader(require_all=True) is not None

    def leader(self, require_all: bool = False) -> int | None:
        ids: dict[str, int] = {}
        seen = set()
        for i, m in enumerate(self.members):
            if not m.alive or m.paused:
                continue
            try:
                st = self.status(i)
            except Exception:
                if require_all:
                    return None
                continue
            ids[str(st["header"]["member_id"])] = i
            seen.add(str(st.get("leader", "0")))
        if len(seen) == 1:
            lead = seen.pop()
            return ids.get(lead)
        return None

    def raft_events(self, since_unix_ms: float) -> dict[str, float]:
        """What the members' raft logs show since ``since_unix_ms`` (times in ms after it).

        ``campaign``: the first "is starting a new election" (a follower's election timer
        fired); ``leader``: the first "became leader"; counts: ``campaigns`` ("became
        candidate" lines: every election round of every member), ``lease_ignored`` (a vote
        request ignored because the voter heard from a leader within the election timeout:
        raft's CheckQuorum lease, "lease is not expired") and ``votes_rejected`` ("rejected
        MsgVote": the voter had already voted in that term).
        """
        import datetime as dt
        import json as _json

        out: dict[str, float] = {"campaigns": 0.0, "lease_ignored": 0.0, "votes_rejected": 0.0}
        for m in self.members:
            try:
                lines = m.log.read_text(errors="replace").splitlines()
            except OSError:
                continue
            for line in lines:
                if '"raft/' not in line:
                    continue
                try:
                    rec = _json.loads(line)
                    t = dt.datetime.strptime(rec["ts"], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000
                except (ValueError, KeyError, TypeError):
                    continue
                if t < since_unix_ms - 1:
                    continue
                rel, msg = t - since_unix_ms, str(rec.get("msg", ""))
                if "is starting a new election" in msg:
                    out["campaign"] = min(out.get("campaign", float("inf")), rel)
                elif "became candidate" in msg:
                    out["campaigns"] += 1
                elif "lease is not expired" in msg:
                    out["lease_ignored"] += 1
                elif "rejected MsgVote" in msg:
                    out["votes_rejected"] += 1
                elif "became leader" in msg:
                    out["leader"] = min(out.get("leader", float("inf")), rel)
        return out

    def put(self, i: int, key: str, value: str, timeout_s: float = 1.0) -> None:
        self.call(i, "kv/put", {"key": _b64(key), "value": _b64(value)}, timeout_s)

    def get(self, i: int, key: str, serializable: bool = True, timeout_s: float = 1.0) -> str | None:
        out = self.call(i, "kv/range", {"key": _b64(key), "serializable": serializable}, timeout_s)
        kvs = out.get("kvs") or []
        return base64.b64decode(kvs[0]["value"]).decode() if kvs and "value" in kvs[0] else (
            "" if kvs else None)

    def version(self) -> str:
        out = subprocess.run([require("etcd", self.package), "--version"], capture_output=True,
                             text=True, timeout=10, check=False).stdout
        for line in out.splitlines():
            if line.startswith("etcd Version:"):
                return line.split(":", 1)[1].strip()
        return out.strip().splitlines()[0] if out.strip() else "unknown"
