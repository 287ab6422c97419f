"""Hash-based (rendezvous) leader choice: the corrected form of the article's code.

Every node hashes every member's id with SHA-256 and all pick the member with the
highest digest: nodes that see the same membership agree without exchanging votes
(highest-random-weight, or rendezvous, hashing: Thaler & Ravishankar, IEEE/ACM ToN 1998).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Hashable, Iterable
from pathlib import Path

from ..errors import InfeasibleError, check_int, check_real, invalid, is_iterable

__all__ = ["hash_election", "hash_value", "reference_failure", "reference_with_leader_patched"]


def hash_value(node_id: Hashable) -> int:
    """The rank of ``node_id``: ``int(sha256(str(node_id).encode()).hexdigest(), 16)``.

    >>> hash_value(2) > hash_value(0)
    True
    """
    return int.from_bytes(hashlib.sha256(str(node_id).encode()).digest(), "big")


def hash_election(ids: Iterable[Hashable]) -> Hashable:
    """The leader of ``ids``: the id whose ``sha256(str(id))`` is highest.

    Formula: leader = argmax_{i ∈ ids} H(i), H(i) = SHA-256 of ``str(i)`` read as a
    256-bit big-endian integer (for equal-length lowercase hex digests this is the
    same order as comparing the hex strings).  Assumptions: every node applies it to
    the same view ``ids`` (then all agree: no messages needed), and ids have distinct
    ``str`` forms.  Rendezvous properties: the result depends only on the set, and
    removing any id other than the leader leaves the leader unchanged.  Nothing here
    needs a quorum, so two sides of a partition each elect their own leader.

    Worked case: for ids 0..4 the digests begin 5fec…, 6b86…, d473…, 4e07…, 4b22…,
    so the leader is 2.

    >>> hash_election(range(5))
    2
    """
    if isinstance(ids, (str, bytes)) or not is_iterable(ids):
        raise invalid("ids", ids, "a non-empty collection of node ids")
    members = list(ids)
    if not members:
        raise invalid("ids", members, "a non-empty collection of node ids")
    keys = [str(i) for i in members]
    if len(set(keys)) != len(keys):
        raise invalid("ids", members, "ids with distinct str() forms")
    return max(members, key=hash_value)


def reference_failure(timeout_s: float = 60.0) -> str:
    """Run the seed's code (``syncmodel/election/reference.py``) as a script and return its
    stderr (the traceback).  It runs by path, not as ``python -m syncmodel.election.reference``:
    the package imports that module first, and runpy would then warn about it above the
    traceback.

    ``timeout_s``: the subprocess's wall-clock limit, in seconds.

    The article's ``Election.run`` calls ``node.vote(self.leader)`` while
    ``self.leader`` is still None, so ``Node.vote`` evaluates ``None.hash`` and raises
    ``AttributeError: 'NoneType' object has no attribute 'hash'`` before any leader
    exists.  A run that takes longer raises InfeasibleError.
    """
    timeout_s = check_real("timeout_s", timeout_s, 0.0, lo_open=True)
    try:
        done = subprocess.run([sys.executable, str(Path(__file__).with_name("reference.py"))],
                              capture_output=True, text=True, check=False,
                              timeout=timeout_s if timeout_s < 1e9 else None)  # 1e308: no limit
    except subprocess.TimeoutExpired:
        raise InfeasibleError(f"the reference code did not finish within timeout_s={timeout_s} s; "
                              "give it more time") from None
    return done.stderr


def reference_with_leader_patched(n: int = 5) -> dict[str, object]:
    """Run the article's classes with the crash avoided by seeding ``leader = nodes[0]``.

    Shows the remaining flaws: ``vote`` overwrites node 0's hash with the running
    maximum, and ``Election.leader`` stays node 0, so the "leader" printed is 0 even
    though the highest hash belongs to :func:`hash_election` ``(range(n))``.
    """
    from . import reference

    n = check_int("n", n, 1)
    nodes = [reference.Node(i) for i in range(n)]
    election = reference.Election(nodes)
    election.leader = nodes[0]
    nodes[0].calculate_hash()  # vote() compares node.hash, so it must not be None
    election.run()
    winner = hash_election(range(n))
    return {
        "printed_leader": election.leader.id,
        "correct_leader": winner,
        "node0_hash_overwritten": nodes[0].hash != hashlib.sha256(b"0").hexdigest(),
        "node0_hash_is_max": nodes[0].hash == hashlib.sha256(str(winner).encode()).hexdigest(),
    }
