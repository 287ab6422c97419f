"""Redis on loopback: a master, n − 1 replicas and 3 Sentinels (down-after and failover timeout settable).

The Sentinels monitor the master as ``mymaster`` with quorum 2; the current master is what a
majority of the Sentinels report.  Clients are redis-py connections with short timeouts.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from typing import Any, ClassVar

from ._proc import HOST, ServerProcess, free_ports, require, wait_until
from .base import Cluster
from .proxy import DelayProxy

__all__ = ["RedisCluster"]

MASTER = "mymaster"


class RedisCluster(Cluster):
    """Members 0..n−1 are redis-servers (0 starts as master); ``sentinels`` Sentinel processes beside them.

    Settings: ``down_after_ms`` (Sentinel down-after-milliseconds), ``failover_timeout_ms``,
    ``sentinels`` (odd, ≥ 3), ``sentinel_quorum``, ``replica_delay_ms`` (> 0: the
    replicas and Sentinels reach the first master through a
    :class:`~syncmodel.testbed.proxy.DelayProxy` that delays what the master sends by that
    much and drops what it holds when the master dies; later masters are reached directly).
    """

    system = "redis"
    package = "redis-server"
    settings_known: ClassVar[dict[str, Any]] = {"down_after_ms": 30000, "failover_timeout_ms": 180000,
                                                "sentinels": 3, "sentinel_quorum": 2,
                                                "replica_delay_ms": 0}
    sizes = (2, 3, 4, 5)

    def _launch(self) -> None:
        assert self.dir is not None
        server = require("redis-server", self.package)
        sentinel_bin = require("redis-sentinel", "redis-sentinel")
        k = int(self.settings["sentinels"])
        ports = free_ports(self.n + k)
        self.ports, self.sentinel_ports = ports[: self.n], ports[self.n:]
        self.proxies: list[DelayProxy] = []
        delay = float(self.settings["replica_delay_ms"])
        self.master_port = self.ports[0]
        if delay > 0:
            self.proxies.append(DelayProxy(self.ports[0], delay))
            self.master_port = self.proxies[0].port
        for i in range(self.n):
            argv = self._server_argv(server, i, 0 if i else None)
            if i:
                argv[argv.index("--replicaof") + 2] = str(self.master_port)
            self.members.append(ServerProcess(f"redis r{i}", argv, self.dir / f"r{i}.log").start())
        self.sentinels: list[ServerProcess] = []
        for j, p in enumerate(self.sentinel_ports):
            conf = self.dir / f"sentinel{j}.conf"
            conf.write_text(
                f"port {p}\nbind {HOST}\ndaemonize no\nprotected-mode no\ndir {self.dir}\n"
                f"sentinel resolve-hostnames no\n"
                f"sentinel monitor {MASTER} {HOST} {self.master_port} "
                f"{int(self.settings['sentinel_quorum'])}\n"
                f"sentinel down-after-milliseconds {MASTER} {int(self.settings['down_after_ms'])}\n"
                f"sentinel failover-timeout {MASTER} {int(self.settings['failover_timeout_ms'])}\n"
                f"sentinel parallel-syncs {MASTER} 1\n")
            self.sentinels.append(ServerProcess(f"redis-sentinel s{j}", [sentinel_bin, str(conf)],
                                                self.dir / f"sentinel{j}.log").start())
        everyone = self.members + self.sentinels
        wait_until(lambda: self._synced(), everyone, 30.0, "waiting for the Redis replicas to sync")
        wait_until(lambda: self.leader() == 0 and self._sentinels_see_all(), everyone, 30.0,
                   "waiting for the Sentinels to find the master, replicas and each other")

    def _server_argv(self, binary: str, i: int, master: int | None) -> list[str]:
        assert self.dir is not None
        argv = [binary, "--port", str(self.ports[i]), "--bind", HOST, "--dir", str(self.dir),
                "--dbfilename", f"r{i}.rdb", "--save", "", "--appendonly", "no", "--daemonize", "no",
                "--protected-mode", "no", "--repl-diskless-sync", "yes",
                "--repl-diskless-sync-delay", "0", "--logfile", ""]
        if master is not None:
            argv += ["--replicaof", HOST, str(self.ports[master])]
        return argv

    # -------------------------------------------------------------- clients
    def conn(self, i: int, timeout_s: float = 0.5) -> Any:
        """A redis-py client for member ``i`` (short timeouts, no retries)."""
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        return redis.Redis(host=HOST, port=self.ports[i], socket_timeout=timeout_s,
                           socket_connect_timeout=timeout_s, retry=Retry(NoBackoff(), 0),
                           decode_responses=True)

    def sentinel_conn(self, j: int, timeout_s: float = 0.3) -> Any:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        return redis.Redis(host=HOST, port=self.sentinel_ports[j], socket_timeout=timeout_s,
                           socket_connect_timeout=timeout_s, retry=Retry(NoBackoff(), 0),
                           decode_responses=True)

    def _synced(self) -> bool:
        info = self.conn(0).info("replication")
        return int(info.get("connected_slaves", 0)) == self.n - 1 and all(
            self.conn(i).info("replication").get("master_link_status") == "up" for i in range(1, self.n))

    def _sentinels_see_all(self) -> bool:
        for j in range(len(self.sentinels)):
            s = self.sentinel_conn(j)
            m = s.sentinel_master(MASTER)
            if int(m.get("num-slaves", 0)) < self.n - 1 or int(m.get("num-other-sentinels", 0)) < len(
                    self.sentinels) - 1:
                return False
        return True

    def master_reported(self, timeout_s: float = 0.2) -> int | None:
        """The member a majority of the Sentinels report as master (None: no majority or unknown)."""
        votes: Counter[int] = Counter()
        for j, s in enumerate(self.sentinels):
            if not s.alive:
                continue
            try:
                addr = self.sentinel_conn(j, timeout_s).sentinel_get_master_addr_by_name(MASTER)
            except Exception:
                continue
            port = int(addr[1]) if addr else -1
            if port == self.master_port:
                port = self.ports[0]
            if port in self.ports:
                votes[self.ports.index(port)] += 1
        if not votes:
            return None
        i, c = votes.most_common(1)[0]
        return i if c > len(self.sentinels) // 2 else None

    def role(self, i: int, timeout_s: float = 0.2) -> str | None:
        try:
            return str(self.conn(i, timeout_s).execute_command("ROLE")[0])
        except Exception:
            return None

    def leader(self) -> int | None:
        i = self.master_reported()
        if i is None or not self.members[i].alive or self.members[i].paused:
            return None
        return i if self.role(i) == "master" else None

    def resume(self, i: int) -> None:
        """SIGCONT member ``i``; if it still thinks it is master, make it a replica of the
        current one at once (as Sentinel would, a few seconds later)."""
        m = self._member(i)
        m.resume()
        cur = self.master_reported()
        if cur is not None and cur != i:
            import contextlib

            with contextlib.suppress(Exception):
                self.conn(i, 1.0).execute_command("REPLICAOF", HOST, str(self.ports[cur]))

    def restart(self, i: int) -> None:
        """Restart member ``i`` as a replica of the current master (as Sentinel would reconfigure it)."""
        m = self._member(i)
        m.kill()
        cur = self.master_reported()
        m.argv = self._server_argv(require("redis-server", self.package), i,
                                   cur if cur is not None and cur != i else None)
        m.start()

    #: a Sentinel forgets another Sentinel's "master is down" reply only 5 × SENTINEL_ASK_PERIOD
    #: (1 s) after it (sentinelAskMasterStateToOtherSentinels); the flags survive +switch-master
    STALE_DOWN_REPLY_S = 5.0

    def trial_gap_s(self) -> float:
        """Least time from one failover to the next fault: Sentinel refuses a failover of the
        same master within 2 × failover-timeout, and a Sentinel keeps the others' "down"
        replies of the last failover for 5 s — a fault within them would reach +odown at
        the first +sdown (an artifact of back-to-back trials, not of one failover)."""
        return max(2.0 * float(self.settings["failover_timeout_ms"]) / 1000.0, self.STALE_DOWN_REPLY_S) + 0.3

    def healthy(self) -> bool:
        """Every member runs, the Sentinels agree on the master and every replica is linked to it."""
        try:
            lead = self.leader()
            if lead is None or not all(m.alive and not m.paused for m in self.members):
                return False
            info = self.conn(lead).info("replication")
            linked = int(info.get("connected_slaves", 0)) == self.n - 1 and all(
                self.conn(i).info("replication").get("master_link_status") == "up"
                for i in range(self.n) if i != lead)
            return linked and self._sentinels_calm()
        except Exception:
            return False

    def _sentinels_calm(self) -> bool:
        """Every Sentinel sees the master up (flags just "master") and had a ping reply lately.

        Right after a failover a Sentinel's ping record of the new master can be old, and it
        would flag the master down at once on the next fault (an artifact of back-to-back trials).
        """
        limit = float(self.settings["down_after_ms"]) / 2
        for j in range(len(self.sentinels)):
            m = self.sentinel_conn(j).sentinel_master(MASTER)
            flags = m.get("flags", "")
            flags = flags if isinstance(flags, str) else ",".join(flags)
            if flags != "master" or float(m.get("last-ok-ping-reply", 1e9)) > limit:
                return False
        return True

    def wait_healthy(self, timeout_s: float = 30.0) -> None:
        """Until :meth:`healthy` (ServerStartError with the logs when it does not happen)."""
        wait_until(self.healthy, self.members + self.sentinels, timeout_s, "waiting for Redis to heal")

    def sentinel_events(self, since_unix_ms: float) -> dict[str, float]:
        """First time (ms after ``since_unix_ms``) any Sentinel logged each failover event since then.

        Events of Sentinel's failover, in order: ``sdown`` (down-after elapsed), ``odown`` (a
        quorum agrees), ``try_failover``, ``elected`` (won the vote), ``selected`` (replica
        chosen), ``promoted`` (the replica reports master), ``switch`` (+switch-master: the
        new address is published).  Read from the Sentinels' logs (millisecond timestamps).
        ``switch_majority``: when a majority of the Sentinels had logged +switch-master (the
        failover leader, and the others once its hello reached them): from then on a client
        asking a Sentinel majority gets the new master.
        """
        import datetime as dt

        names = {"+sdown": "sdown", "+odown": "odown", "+try-failover": "try_failover",
                 "+elected-leader": "elected", "+selected-slave": "selected",
                 "+promoted-slave": "promoted", "+switch-master": "switch"}
        out: dict[str, float] = {}
        switches: list[float] = []
        for s in getattr(self, "sentinels", []):
            first_switch = float("inf")
            try:
                lines = s.log.read_text(errors="replace").splitlines()
            except OSError:
                continue
            for line in lines:
                parts = line.split(" ", 6)
                if len(parts) < 7:
                    continue
                ev = parts[6].split(" ", 1)[0]
                if ev not in names or (ev == "+sdown" and " master " not in parts[6]):
                    continue
                try:
                    t = dt.datetime.strptime(" ".join(parts[1:5]), "%d %b %Y %H:%M:%S.%f").timestamp() * 1000
                except ValueError:
                    continue
                if t >= since_unix_ms - 1:
                    key = names[ev]
                    out[key] = min(out.get(key, float("inf")), t - since_unix_ms)
                    if key == "switch":
                        first_switch = min(first_switch, t - since_unix_ms)
            switches.append(first_switch)
        need = len(switches) // 2 + 1
        if switches and sorted(switches)[need - 1] < float("inf"):
            out["switch_majority"] = sorted(switches)[need - 1]
        return out

    def close(self) -> None:
        for px in getattr(self, "proxies", []):
            px.close()
        for s in getattr(self, "sentinels", []):
            s.stop(grace_s=0.0)
        super().close()

    def pids(self) -> list[int]:
        return super().pids() + [s.pid for s in getattr(self, "sentinels", []) if s.alive and s.pid]

    def version(self) -> str:
        out = subprocess.run([require("redis-server", self.package), "--version"], capture_output=True,
                             text=True, timeout=10, check=False).stdout
        for tok in out.split():
            if tok.startswith("v="):
                return tok[2:]
        return "unknown"

