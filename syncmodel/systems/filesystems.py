"""The distributed file systems: HDFS (pipeline replication of blocks, rack-aware placement)
and GlusterFS (client-side synchronous replication over bricks, client quorum).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import check_int, invalid
from .model import SystemModel, _resolved, choice, flag, ms

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

    from ..rng import Seed
    from .race import ReadRace

__all__ = ["HDFS", "GlusterFS"]


class HDFS(SystemModel):
    """HDFS: a block's replicas are written through a pipeline before the acknowledgement
    and placed by a rack policy; a reader uses any replica; one writer per file (lease)."""

    key = "hdfs"
    read_paths = ("any-replica",)

    @classmethod
    def derive(cls, params: dict[str, Any], nodes: int, replicas: int, read_path: str,
               read_q: int, write_q: int) -> tuple[int, int]:
        racks = params["racks"] = check_int("racks", params["racks"], 1, nodes)
        if nodes % racks:
            raise invalid("racks", racks, f"a divisor of nodes = {nodes} (equal racks)")
        params["placement"] = choice("placement", params["placement"],
                                     ("rack-aware", "random", "rack-fault-tolerant"))
        per_rack = nodes // racks
        if params["placement"] == "rack-aware" and replicas >= 2 and racks < 2:
            raise invalid("racks", racks, "≥ 2 for rack-aware placement")
        if params["placement"] == "rack-aware" and replicas >= 3 and per_rack < 2:
            raise invalid("nodes", nodes, "≥ 2 nodes per rack for rack-aware placement")
        if params["placement"] == "rack-fault-tolerant" and replicas >= 2 and racks < 2:
            raise invalid("racks", racks, "≥ 2 for rack-fault-tolerant placement")
        return 1, 1

    def _rack_availability(self, s: Any, p: float, rack_p: float, method: str, seed: Seed) -> float:
        """Racks fail too: the block's replicas are placed by the policy, F(S) averaged
        exactly over :func:`~syncmodel.systems.placement.placements`."""
        from .. import failure
        from .placement import placements

        per = self.nodes // self.params["racks"]
        total = 0.0
        for nodes, w in placements(self.params["placement"], self.params["racks"], per, self.replicas):
            order = sorted(nodes)
            names = {x: f"r{i}" for i, x in enumerate(order)}
            doms: dict[str, tuple[list[str], float]] = {}
            for x in order:
                doms.setdefault(f"rack{x // per}", ([], rack_p))[0].append(names[x])
            total += w * failure.fault_tolerance(s, p, domains=doms, method=method, seed=seed)
        return float(total)

    def _stale_read(self, t: float, race: ReadRace, trials: int, seed: Seed) -> float:
        """The pipeline reaches every replica before the acknowledgement: 0."""
        return 0.0


class GlusterFS(SystemModel):
    """GlusterFS (AFR): the client writes every brick synchronously; with client quorum
    "auto" a write needs a brick majority (exactly half including the first brick is
    enough); "none" accepts any, so a partition can split-brain."""

    key = "glusterfs"
    read_paths = ("any-replica",)

    @classmethod
    def derive(cls, params: dict[str, Any], nodes: int, replicas: int, read_path: str,
               read_q: int, write_q: int) -> tuple[int, int]:
        qt = params["quorum_type"] = choice("quorum_type", params["quorum_type"], ("auto", "none"))
        params["arbiter"] = flag("arbiter", params["arbiter"])
        if params["arbiter"] and replicas != 3:
            raise invalid("arbiter", True,
                          f"False when replicas = {replicas} (arbiter volumes are replica 3)")
        if replicas != nodes:
            raise invalid("replicas", replicas, f"equal to nodes = {nodes} (one brick per server)")
        params["ping_timeout_ms"] = ms("ping_timeout_ms", params["ping_timeout_ms"], allow_zero=True)
        write_q = (replicas + 1) // 2 if qt == "auto" else 1
        if qt == "auto" and replicas % 2:
            write_q = replicas // 2 + 1
        return 1, write_q

    def structure(self) -> Any:
        """Quorum "auto" on an even count: a brick majority, or exactly half including the
        first brick; otherwise ``max(R, W)`` of the bricks."""
        from .. import structure as st

        if self.params["quorum_type"] == "auto" and self.replicas % 2 == 0:
            reps = [f"r{i}" for i in range(self.replicas)]
            half = self.replicas // 2
            first = st.Node(reps[0])
            with_first = first if half == 1 else first * st.choose(half - 1, reps[1:])
            return st.choose(half + 1, reps) + with_first
        return super().structure()

    @property
    def storage_copies(self) -> int:
        """The bricks, minus an arbiter (names and metadata only)."""
        return self.replicas - int(bool(self.params.get("arbiter", False)))

    def failover_downtime(self, trials: int = 200, *, seed: Seed = None, fault: str = "silent"
                          ) -> np.ndarray:
        """A client blocks for ``network.ping-timeout`` on a dead brick."""
        import numpy as np

        out = super().failover_downtime(trials, seed=seed, fault=fault)
        return np.full(out.size, float(self.params["ping_timeout_ms"]))

    def _stale_read(self, t: float, race: ReadRace, trials: int, seed: Seed) -> float:
        """Writes reach every brick before the acknowledgement: 0."""
        return 0.0

    def _conflicts(self, writers: int, partitioned: bool, stamps: list[float]) -> dict[str, Any]:
        """Quorum "none" across a partition: each side writes its own bricks — two concurrent
        histories (split-brain); otherwise quorum writes refuse the minority side."""
        from ..sync import versioning

        if not (self.params.get("quorum_type") == "none" and partitioned and writers > 1):
            return super()._conflicts(writers, partitioned, stamps)
        half = writers // 2
        versions = []
        for side, ids in enumerate((range(half), range(half, writers))):
            vec: dict[Any, int] = {}
            for i in ids:
                vec = versioning.increment(vec, f"side{side}")
                last = (dict(vec), stamps[i], f"w{i}")
            versions.append(last)
        return _resolved(versions, "siblings", 0, 0)
