"""The consensus systems: etcd, Consul and CockroachDB (Raft) and ZooKeeper (ZAB with
FastLeaderElection) — a majority of the members commits each write, a leader orders them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import check_int, invalid
from .model import StreamLag, SystemModel, check_fault, ms

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from ..rng import Seed
    from .race import ReadRace

__all__ = ["CockroachDB", "ConsensusSystem", "Consul", "Etcd", "RaftSystem", "ZooKeeper"]


class ConsensusSystem(SystemModel):
    """A replicated state machine: every member holds the data (an ensemble of 2f+1), a
    write commits on a majority, writes are totally ordered (a minority side is refused)."""

    minority_writes = "refused"

    @classmethod
    def replicas_for(cls, replicas: Any, nodes: int, changed: set[str]) -> Any:
        # one replica per member; ensemble of 2f+1 (an even size adds no tolerance)
        if "replicas" in changed and replicas != nodes:
            raise invalid("replicas", replicas, f"equal to nodes = {nodes} (every member holds the data)")
        return nodes

    @classmethod
    def derive(cls, params: dict[str, Any], nodes: int, replicas: int, read_path: str,
               read_q: int, write_q: int) -> tuple[int, int]:
        majority = replicas // 2 + 1
        return cls.read_quorum_for(read_path, majority), majority

    @classmethod
    def read_quorum_for(cls, read_path: str, majority: int) -> int:
        """Replicas a read on ``read_path`` needs (default: the one it asks)."""
        return 1

    def _lost_writes(self, writes: int, rate: float, lag: StreamLag, failed: int,
                     rng: np.random.Generator) -> dict[str, Any]:
        """A write is acknowledged once a majority (leader included) holds it; the new leader
        has the longest log among the survivors (Raft's vote rule, FLE's highest zxid).  With
        a minority failed, every acknowledged write survives; a failed majority leaves the
        cluster unavailable (``available`` False), not lossy."""
        return self._leader_crash_loss(writes, rate, lag, failed, rng, holders=self.write_quorum - 1,
                                       survivors=self.write_quorum)

    def _follower_lag_stale(self, t: float, lag_ms: float) -> float:
        """Follower reads whose apply lag is D ~ U(0, lag_ms): (n − 1)/n · max(0, 1 − t/lag)."""
        return self._follower_share * max(0.0, 1.0 - t / lag_ms)


class RaftSystem(ConsensusSystem):
    """Raft: followers time out after a random [T, 2T) of leader silence and elect."""

    def election_timeout_range_ms(self) -> tuple[float, float] | None:
        """Randomized follower timeout range [T, 2T) in ms, T the election timeout."""
        t = float(self.params["election_timeout_ms"])
        return (t, 2.0 * t)

    def leader_heartbeat_ms(self) -> float | None:
        return float(self.params["heartbeat_ms"])

    @classmethod
    def derive(cls, params: dict[str, Any], nodes: int, replicas: int, read_path: str,
               read_q: int, write_q: int) -> tuple[int, int]:
        out = super().derive(params, nodes, replicas, read_path, read_q, write_q)
        cls.check_timeouts(params)
        return out

    @classmethod
    def check_timeouts(cls, params: dict[str, Any]) -> None:
        for key in ("heartbeat_ms", "election_timeout_ms"):
            params[key] = ms(key, params[key])
        if params["heartbeat_ms"] >= params["election_timeout_ms"]:
            raise invalid("heartbeat_ms", params["heartbeat_ms"],
                          f"below election_timeout_ms = {params['election_timeout_ms']}")

    def failover_downtime(self, trials: int = 200, *, seed: Seed = None, fault: str = "silent"
                          ) -> np.ndarray:
        """``election.simulate("raft", scenario="crash")`` with the system's randomized
        timeout [T, 2T) and heartbeat.  Raft followers notice a dead leader only by its
        missing heartbeats, so every ``fault`` gives the same downtime (measured on etcd 3.4:
        crash and pause medians 652 and 644 ms at 50/500 ms, data/measured/etcd_failover.csv).
        Worked case: etcd's samples lie in about [T − heartbeat, 2T + a few RTT] = [900, ~2050] ms.
        """
        from .. import election
        from ..rng import check_seed

        trials = check_int("trials", trials, 1)
        check_seed(seed)
        check_fault(fault)
        rng_t = self.election_timeout_range_ms()
        hb = self.leader_heartbeat_ms()
        assert rng_t is not None and hb is not None
        df = election.simulate("raft", n=self.nodes, trials=trials, seed=seed, scenario="crash",
                               timeout_ms=rng_t, heartbeat_ms=hb, time_cap_ms=50 * rng_t[1])
        return df["time_to_leader_ms"].to_numpy(dtype=float)


class Etcd(RaftSystem):
    """etcd: Raft; linearizable ReadIndex reads (a majority confirms leadership) by default,
    serializable reads from any member on request."""

    key = "etcd"
    read_paths = ("readindex", "serializable")

    #: etcd runs raft with CheckQuorum on (etcdserver/raft.go ``CheckQuorum: true``): a member
    #: that heard its leader within the election timeout ignores vote requests (leader lease)
    CHECK_QUORUM = True
    #: mean time of one raft election message, ms: the sender persists term and vote (fsync),
    #: then sends over loopback; measured here: "became candidate" → "became leader" (two
    #: hops) median 3–5 ms over the single-round failovers of data/measured/etcd_failover.csv
    #: (4–10 ms in a run at load ~20)
    HOP_MS = 4.0

    def failover_downtime(self, trials: int = 200, *, seed: Seed = None, fault: str = "silent"
                          ) -> np.ndarray:
        """etcd's election tick by tick, :func:`~syncmodel.systems.raft_ticks.etcd_failover`:
        member tickers of period ``heartbeat_ms`` with their own phases, randomized timeouts
        of {E, …, 2E − 1} ticks, and CheckQuorum's lease, which makes a member ignore the
        first candidate when its own ticks lag (probability 1/E for 3 members) — the etcd
        tail over 2 × election timeout.  Raft notices a dead leader only by missing
        heartbeats, so every ``fault`` gives the same downtime.
        Worked case: 3 members, 50/500 ms: median ≈ 0.61 s, about 9 % of failovers over 1 s.
        """
        from ..rng import check_seed
        from .raft_ticks import etcd_failover

        trials = check_int("trials", trials, 1)
        check_seed(seed)
        check_fault(fault)
        if self.nodes < 3:  # no majority survives a leader of 1 or 2 members: the generic model says so
            return super().failover_downtime(trials, seed=seed, fault=fault)
        return etcd_failover(self.nodes, float(self.params["heartbeat_ms"]),
                             float(self.params["election_timeout_ms"]), trials=trials,
                             check_quorum=self.CHECK_QUORUM, hop_ms=self.HOP_MS, seed=seed)

    @classmethod
    def read_quorum_for(cls, read_path: str, majority: int) -> int:
        return majority if read_path == "readindex" else 1

    def _stale_read(self, t: float, race: ReadRace, trials: int, seed: Seed) -> float:
        """Serializable reads: the race of :class:`~syncmodel.systems.race.ReadRace`.

        Mechanism (etcd 3.4 source): the leader commits on the first majority of MsgAppResp
        and at once broadcasts an append carrying the new commit index (raft.go stepLeader:
        ``if r.maybeCommit() { r.bcastAppend() }``); in the same Ready its raftNode hands the
        committed entries to the apply loop and then sends those messages
        (etcdserver/raft.go start()), and the client's put returns after the leader applies.
        So a follower applies one hop (``latency_ms``) after the acknowledgement leaves —
        unless it is still writing the entry to its own WAL: a follower's raftNode saves
        (fsyncs) a Ready's entries before it takes the next Ready, so the commit index waits
        for that write (``stall_probability``: the read follower was outside the commit
        quorum and had not finished; ``stall_ms``: the rest of its write).  A read is stale
        iff that apply comes after t plus the client's round trip ``rtt_ms`` (the gateway
        request is ~1.5 ms on loopback).  Measured on etcd 3.4 (data/measured/
        etcd_stale_reads.csv, 120 follower reads per delay, columns ``lag_ms`` from a watch
        on the follower and ``rtt_ms``): fitted ℓ ≈ 0, q = 0.45, b = 1.24 ms, rtt = 1.5 ms give
        0.133, 0.089, 0.060, 0.027 at t = 0, 0.5, 1, 2 ms against 0.108, 0.067, 0.025, 0.0
        measured — inside the 95 % intervals at all nine delays; the old model (D ~ Exp(1 ms)
        counted from the acknowledgement, the read at the follower at that instant) said 0.99
        at t = 0.  Worked case: ℓ = 1 ms, no stall, default turnaround, t = 0:
        (2/3)·(1/2)² = 1/6 of uniformly placed reads.

        >>> from syncmodel.systems import preset
        >>> round(preset("etcd", read_path="serializable").stale_read_probability(0.0), 12)
        0.166666666667
        """
        return self._follower_race_stale(t, race)


class CockroachDB(RaftSystem):
    """CockroachDB: Raft per range (replicas ≤ nodes); reads at the leaseholder, or follower
    reads; a new leaseholder waits out the dead one's lease."""

    key = "cockroachdb"
    read_paths = ("leaseholder", "follower")

    @classmethod
    def replicas_for(cls, replicas: Any, nodes: int, changed: set[str]) -> Any:
        return replicas  # a range has `replicas` copies among the nodes

    @classmethod
    def derive(cls, params: dict[str, Any], nodes: int, replicas: int, read_path: str,
               read_q: int, write_q: int) -> tuple[int, int]:
        out = super().derive(params, nodes, replicas, read_path, read_q, write_q)
        params["lease_ms"] = ms("lease_ms", params["lease_ms"])
        return out

    def failover_downtime(self, trials: int = 200, *, seed: Seed = None, fault: str = "silent"
                          ) -> np.ndarray:
        """Raft's election, and the dead leaseholder's lease: downtime = max(election,
        U(L/2, L)) with L = lease_ms (the lease is renewed every L/2)."""
        import numpy as np

        from ..rng import as_generator, spawn

        t = super().failover_downtime(trials, seed=seed, fault=fault)
        lease = float(self.params["lease_ms"])
        u = as_generator(spawn(seed, 2)[1]).uniform(lease / 2, lease, size=t.size)
        return np.maximum(t, u)

    def _stale_read(self, t: float, race: ReadRace, trials: int, seed: Seed) -> float:
        """Follower reads: D ~ U(0, heartbeat) (the closed timestamp rides on the next append)."""
        return self._follower_lag_stale(t, float(self.params["heartbeat_ms"]))


class Consul(RaftSystem):
    """Consul: Raft with timeouts scaled by ``raft_multiplier``; reads in default (leader
    lease), consistent (quorum check) or stale (any server) mode."""

    key = "consul"
    read_paths = ("default", "consistent", "stale")

    @classmethod
    def read_quorum_for(cls, read_path: str, majority: int) -> int:
        return majority if read_path == "consistent" else 1

    @classmethod
    def check_timeouts(cls, params: dict[str, Any]) -> None:
        params["raft_multiplier"] = check_int("raft_multiplier", params["raft_multiplier"], 1, 10)
        for key in ("heartbeat_timeout_ms", "election_timeout_ms", "leader_lease_ms"):
            params[key] = ms(key, params[key])
        if params["leader_lease_ms"] > params["heartbeat_timeout_ms"]:
            # hashicorp/raft refuses a lease longer than the heartbeat timeout
            raise invalid("leader_lease_ms", params["leader_lease_ms"],
                          f"≤ heartbeat_timeout_ms = {params['heartbeat_timeout_ms']}")
        params["stale_lag_ms"] = ms("stale_lag_ms", params["stale_lag_ms"])

    def election_timeout_range_ms(self) -> tuple[float, float] | None:
        """HeartbeatTimeout scaled by ``raft_multiplier`` H: followers start an election
        after a random [H, 2H) of silence.  Worked case: 5 × 1000 ms → (5000, 10000).

        >>> from syncmodel.systems import preset
        >>> preset("consul").election_timeout_range_ms()
        (5000.0, 10000.0)
        """
        h = self.params["heartbeat_timeout_ms"] * self.params["raft_multiplier"]
        return (h, 2.0 * h)

    def leader_heartbeat_ms(self) -> float | None:
        """The leader contacts followers well inside its lease: LeaderLeaseTimeout / 2."""
        return 0.5 * self.params["leader_lease_ms"] * self.params["raft_multiplier"]

    def _stale_read(self, t: float, race: ReadRace, trials: int, seed: Seed) -> float:
        """Default (leader-lease) reads: 0 here — stale only while a deposed leader's lease
        outlives a partition (:meth:`deposed_leader_window`); stale mode: D ~ U(0, 50 ms)
        ('within 50 ms of the leader')."""
        if self.read_path == "default":
            return 0.0
        return self._follower_lag_stale(t, float(self.params["stale_lag_ms"]))

    def deposed_leader_window(self, trials: int = 200, *, seed: Seed = None) -> np.ndarray:
        """Default-mode reads: the majority side elects a new leader after ``T_new``
        (``election.simulate("raft", scenario="crash")`` — to the majority a partitioned
        leader is a silent one), while the old leader serves reads until its lease check
        fails.  hashicorp/raft checks the lease every LeaderLeaseTimeout L, so it steps
        down at L + U(0, L) after its last quorum contact, the moment the partition starts
        here (times from then).  Window = max(0, step-down − T_new).
        Worked case: Consul defaults (L = 2500 ms < 5000 ms ≤ T_new) give only zeros — the
        docs' 'hard to trigger'; L = HeartbeatTimeout opens a window in some runs.
        """
        import numpy as np

        from .. import election
        from ..rng import as_generator, spawn

        out = super().deposed_leader_window(trials, seed=seed)
        if self.read_path != "default":
            return out
        # times from the last quorum contact: a 1 ms heartbeat puts the partition right after it
        rng_t = self.election_timeout_range_ms()
        assert rng_t is not None
        df = election.simulate("raft", n=self.nodes, trials=out.size, seed=spawn(seed, 2)[0],
                               scenario="crash", timeout_ms=rng_t, heartbeat_ms=1.0,
                               time_cap_ms=50 * rng_t[1])
        t_new = df["time_to_leader_ms"].to_numpy(dtype=float)
        lease = float(self.params["leader_lease_ms"] * self.params["raft_multiplier"])
        step_down = lease + as_generator(spawn(seed, 2)[1]).uniform(0.0, lease, size=out.size)
        return np.maximum(0.0, step_down - t_new)


class ZooKeeper(ConsensusSystem):
    """ZooKeeper: ZAB; FastLeaderElection picks the highest (epoch, zxid, sid); reads are
    served locally by the connected server unless the client calls sync() first."""

    key = "zookeeper"
    read_paths = ("local", "sync")

    @classmethod
    def read_quorum_for(cls, read_path: str, majority: int) -> int:
        return 1 if read_path == "local" else majority  # sync() goes through the leader

    @classmethod
    def derive(cls, params: dict[str, Any], nodes: int, replicas: int, read_path: str,
               read_q: int, write_q: int) -> tuple[int, int]:
        out = super().derive(params, nodes, replicas, read_path, read_q, write_q)
        params["tick_ms"] = ms("tick_ms", params["tick_ms"])
        params["init_limit"] = check_int("init_limit", params["init_limit"], 1)
        params["sync_limit"] = check_int("sync_limit", params["sync_limit"], 1)
        params["finalize_wait_ms"] = ms("finalize_wait_ms", params["finalize_wait_ms"])
        return out

    def failover_downtime(self, trials: int = 200, *, seed: Seed = None, fault: str = "silent"
                          ) -> np.ndarray:
        """Until the new leader has a synced quorum, as ZooKeeper's stages
        (:func:`~syncmodel.systems.zab_failover.zab_failover`): a follower notices a crashed leader at
        once (the connection breaks) and a silent or paused one after syncLimit · tickTime
        with nothing read, minus the phase of the leader's tickTime/2 pings; then Fast Leader
        Election waits finalizeWait (sometimes one empty notification timeout first), and the
        follower connects (a refused attempt costs leaderConnectDelayDuringRetryMs = 100 ms)
        and syncs.  The rates of those two races and the processing times are measured from
        the servers' logs (:data:`~syncmodel.systems.zab_failover.ZAB_RACES_MEASURED`, notebook 08).
        Worked case: tick 200 ms, syncLimit 5: a crash ≈ 0.2–0.6 s, a pause ≈ 1.2–1.6 s.
        """
        from ..rng import check_seed
        from .zab_failover import zab_failover

        trials = check_int("trials", trials, 1)
        check_seed(seed)
        fault = check_fault(fault)
        return zab_failover(float(self.params["tick_ms"]), int(self.params["sync_limit"]), fault=fault,
                            finalize_wait_ms=float(self.params["finalize_wait_ms"]), trials=trials, seed=seed)

    def _stale_read(self, t: float, race: ReadRace, trials: int, seed: Seed) -> float:
        """Local reads: the race of :class:`~syncmodel.systems.race.ReadRace`.

        Mechanism (ZooKeeper 3.8 source): once a quorum ACKs a proposal the leader sends
        COMMIT to the followers and then hands the request to its own CommitProcessor, whose
        FinalRequestProcessor answers the client (Leader.tryToCommit).  A follower queued the
        proposal in ``pendingTxns`` when it arrived (FollowerZooKeeperServer.logRequest,
        before its SyncRequestProcessor writes it), so COMMIT applies it without waiting for
        its own log write: the follower trails the acknowledgement by one hop, plus its
        CommitProcessor's turn (it hands queued reads of other sessions to its workers before
        it applies a waiting commit).  The read is stale iff the apply comes after t plus the
        client's round trip ``rtt_ms``.  A lag measured up to the follower's watch also
        includes the watch's own delivery after the apply, so it overstates the stall
        (``stall_probability``, ``stall_ms``).  Measured on
        ZooKeeper 3.8 (data/measured/zookeeper_stale_reads.csv, 120 reads per delay): 0.042,
        0.033, 0.0 at t = 0, 0.25, 0.5 ms and ≤ 0.008 after; the race with the watch-measured
        lag (q = 0.42, b = 0.74 ms, rtt = 0.57 ms) gives 0.19, 0.14, 0.10 — an upper bound; the
        old model said 0.99 at t = 0.
        Worked case: 3 servers, ℓ = 1 ms, default turnaround (two Exp(ℓ) hops), t = 0:
        (2/3)·(1/2)² = 1/6; with a measured round trip of 1 ms: (2/3)·e^(−1) = 0.245.

        >>> from syncmodel.systems import preset
        >>> z = preset("zookeeper")
        >>> round(z.stale_read_probability(0.0), 12), round(z.stale_read_probability(0.0, rtt_ms=1.0), 3)
        (0.166666666667, 0.245)
        """
        return self._follower_race_stale(t, race)
