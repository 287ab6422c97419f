"""A ZooKeeper ensemble on loopback: 1, 3 or 5 servers, tickTime / syncLimit / initLimit settable.

Each server runs QuorumPeerMain from Debian's zookeeper.jar on a small heap; its role comes
from the ``srvr`` four-letter command; data reads and writes go through kazoo.
"""

from __future__ import annotations

import socket
import subprocess
from typing import Any, ClassVar

from ._proc import HOST, ServerProcess, free_ports, require, wait_until
from .base import Cluster

__all__ = ["ZooKeeperCluster"]

JAR = "/usr/share/java/zookeeper.jar"
LOGGER = "/usr/share/java/slf4j-simple.jar"


#: slf4j-simple's timestamp format (Java SimpleDateFormat): epoch-comparable, with the zone
LOG_TIME = "yyyy-MM-dd'T'HH:mm:ss.SSSZ"


def four_letter(port: int, cmd: str = "srvr", timeout_s: float = 0.3) -> str:
    """Send a four-letter command to 127.0.0.1:port and return the reply."""
    with socket.create_connection((HOST, port), timeout=timeout_s) as s:
        s.sendall(cmd.encode())
        chunks = []
        while True:
            b = s.recv(4096)
            if not b:
                break
            chunks.append(b)
    return b"".join(chunks).decode(errors="replace")


class ZooKeeperCluster(Cluster):
    """Servers zk1..zk{n}; ``tick_ms`` (tickTime), ``sync_limit`` and ``init_limit`` (ticks)."""

    system = "zookeeper"
    package = "zookeeper"
    settings_known: ClassVar[dict[str, Any]] = {"tick_ms": 2000, "sync_limit": 5, "init_limit": 10}

    def _launch(self) -> None:
        assert self.dir is not None
        java = require("java", "default-jre-headless")
        import os

        if not os.path.exists(JAR):
            require("zookeeper.jar (" + JAR + ")", self.package)
        ports = free_ports(3 * self.n)
        self.client_ports = ports[: self.n]
        quorum, election = ports[self.n: 2 * self.n], ports[2 * self.n:]
        servers = "\n".join(f"server.{i + 1}={HOST}:{quorum[i]}:{election[i]}" for i in range(self.n))
        for i in range(self.n):
            d = self.dir / f"zk{i + 1}"
            d.mkdir()
            (d / "myid").write_text(f"{i + 1}\n")
            cfg = d / "zoo.cfg"
            cfg.write_text(
                f"tickTime={int(self.settings['tick_ms'])}\ninitLimit={int(self.settings['init_limit'])}\n"
                f"syncLimit={int(self.settings['sync_limit'])}\ndataDir={d}\n"
                f"clientPort={self.client_ports[i]}\nclientPortAddress={HOST}\n"
                "admin.enableServer=false\n4lw.commands.whitelist=srvr,stat,ruok,mntr\n"
                "quorumListenOnAllIPs=false\nmaxClientCnxns=0\n"
                + (servers + "\n" if self.n > 1 else ""))
            argv = [java, "-Xms32m", "-Xmx160m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Xshare:auto", "-Dzookeeper.admin.enableServer=false",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-Dorg.slf4j.simpleLogger.log.org.apache.zookeeper.server.quorum.QuorumPeer=info",
                    "-Dorg.slf4j.simpleLogger.log.org.apache.zookeeper.server.quorum.Leader=info",
                    "-Dorg.slf4j.simpleLogger.log.org.apache.zookeeper.server.quorum.Follower=info",
                    "-Dorg.slf4j.simpleLogger.log.org.apache.zookeeper.server.quorum.Learner=info",
                    "-Dorg.slf4j.simpleLogger.log.org.apache.zookeeper.server.quorum.FastLeaderElection=info",
                    "-Dorg.slf4j.simpleLogger.showDateTime=true",
                    f"-Dorg.slf4j.simpleLogger.dateTimeFormat={LOG_TIME}",
                    "-cp", f"{JAR}:{LOGGER}",
                    "org.apache.zookeeper.server.quorum.QuorumPeerMain", str(cfg)]
            self.members.append(ServerProcess(f"zookeeper zk{i + 1}", argv, d / "server.log",
                                              cwd=d).start())
        wait_until(self.healthy, self.members, 60.0, "waiting for a ZooKeeper leader")

    def role(self, i: int, timeout_s: float = 0.3) -> str | None:
        """'leader', 'follower', 'standalone', or None (no answer / not serving)."""
        try:
            out = four_letter(self.client_ports[i], "srvr", timeout_s)
        except OSError:
            return None
        for line in out.splitlines():
            if line.startswith("Mode:"):
                return line.split(":", 1)[1].strip()
        return None

    def leader(self) -> int | None:
        for i, m in enumerate(self.members):
            if m.alive and not m.paused and self.role(i) in ("leader", "standalone"):
                return i
        return None

    def healthy(self) -> bool:
        """Every server runs and serves: one leader, the others followers."""
        roles = [self.role(i) if m.alive and not m.paused else None for i, m in enumerate(self.members)]
        one_leader = roles.count("leader") == 1 and roles.count("follower") == self.n - 1
        return one_leader or roles == ["standalone"]

    def election_events(self, since_unix_ms: float) -> dict[str, float]:
        """When (ms after ``since_unix_ms``) the servers' logs show the failover's steps.

        ``looking``: a server lost its leader and started Fast Leader Election (QuorumPeer logs
        LOOKING); ``decided``: the first server to finish FLE ("LEADING|FOLLOWING - LEADER
        ELECTION TOOK"); ``fle_ms``: how long FLE itself took, as that server reports it;
        ``quorum``: the new leader has a synced quorum ("Have quorum of supporters");
        counts: ``notification_timeouts`` (FLE's "Notification time out": a LOOKING server
        heard nothing for its notification timeout, 200 ms doubling) and ``connect_retries``
        (a follower's failed attempt to connect to the new leader, "tries=").
        """
        import datetime as dt
        import re

        out: dict[str, float] = {"notification_timeouts": 0.0, "connect_retries": 0.0}
        pat = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}) ")
        for m in self.members:
            try:
                lines = m.log.read_text(errors="replace").splitlines()
            except OSError:
                continue
            for line in lines:
                hit = pat.match(line)
                if not hit:
                    continue
                t = dt.datetime.strptime(hit.group(1), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000
                if t < since_unix_ms - 1:
                    continue
                rel = t - since_unix_ms
                if line.endswith(" - LOOKING") or " - LOOKING" in line[-12:]:
                    out["looking"] = min(out.get("looking", float("inf")), rel)
                took = re.search(r"(LEADING|FOLLOWING) - LEADER ELECTION TOOK - (\d+)", line)
                if took and rel < out.get("decided", float("inf")):
                    out["decided"] = rel
                    out["fle_ms"] = float(took.group(2))
                if "Notification time out" in line:
                    out["notification_timeouts"] += 1
                if "tries=" in line:
                    out["connect_retries"] += 1
                if "Have quorum of supporters" in line:
                    out["quorum"] = min(out.get("quorum", float("inf")), rel)
        return out

    def client(self, i: int, timeout_s: float = 5.0) -> Any:
        """A started kazoo client connected to server ``i`` only (reads are that server's local reads)."""
        from kazoo.client import KazooClient

        c = KazooClient(hosts=f"{HOST}:{self.client_ports[i]}", timeout=timeout_s,
                        connection_retry={"max_tries": 3, "delay": 0.05, "max_delay": 0.2},
                        command_retry={"max_tries": 0})
        c.start(timeout=timeout_s)
        return c

    def version(self) -> str:
        try:
            out = four_letter(self.client_ports[0], "srvr", 1.0)
            for line in out.splitlines():
                if line.startswith("Zookeeper version:"):
                    return line.split(":", 1)[1].split(",")[0].strip().split("-")[0]
        except OSError:
            pass
        dpkg = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "zookeeper"], capture_output=True,
                              text=True, timeout=10, check=False).stdout
        return dpkg or "unknown"
