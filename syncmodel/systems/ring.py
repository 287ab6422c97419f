"""Client-side consistent hashing (Memcached/ketama): a hash ring with virtual nodes.

Each server owns the arcs that end at its points on a 2³² ring; a key goes to the
first point clockwise of its hash.  Removing a server moves only its own keys.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from ..errors import check_collection, check_int, float_array, invalid, too_big
from ..rng import Seed, as_generator

__all__ = ["RING", "HashRing", "key_hashes", "modulo_remapped_fraction", "removal_loss"]

RING = 2**32


def _point(text: str) -> int:
    """First 4 bytes (little-endian) of md5(text): a point on the 2³² ring."""
    return int.from_bytes(hashlib.md5(text.encode()).digest()[:4], "little")


#: most ring points (servers × vnodes) a HashRing hashes without max_points (~5 s here)
MAX_RING_POINTS = 5_000_000


class HashRing:
    """A consistent-hash ring: ``vnodes`` points per server, md5 of ``"{server}-{i}"``.

    ``lookup(hashes)`` maps key hashes (uint32) to server indices; ``shares()``
    gives each server's exact fraction of the ring (the sum of its arc lengths / 2³²),
    the expected fraction of uniformly hashed keys it holds.
    Worked case: with one server it owns the whole ring, ``shares() == [1.0]``.

    >>> HashRing(['s0']).shares().tolist()
    [1.0]
    """

    def __init__(self, servers: Sequence[Hashable], vnodes: int = 160, *,
                 max_points: int = MAX_RING_POINTS) -> None:
        names = check_collection("servers", servers, "a non-empty list of server names")
        if not names:
            raise invalid("servers", names, "a non-empty list of server names")
        if len(set(map(str, names))) != len(names):
            raise invalid("servers", names, "distinct server names")
        vnodes = check_int("vnodes", vnodes, 1)
        max_points = check_int("max_points", max_points, 1, hi=None)
        points = len(names) * int(vnodes)
        if points > max_points:
            raise too_big(f"HashRing({len(names)} servers, vnodes={int(vnodes)})",
                          f"{points:.3g} md5 points (~{points * 48:.3g} bytes, ~{points / 1e6:.3g} s here)",
                          f"use fewer vnodes or servers, or max_points ≥ {points}")
        self.servers: list[Hashable] = names
        self.vnodes: int = int(vnodes)
        pts = np.array([_point(f"{s}-{i}") for s in names for i in range(self.vnodes)],
                       dtype=np.int64)
        owner = np.repeat(np.arange(len(names)), self.vnodes)
        order = np.argsort(pts, kind="stable")
        self.points: np.ndarray = pts[order]
        self.owner: np.ndarray = owner[order]

    def lookup(self, hashes: np.ndarray) -> np.ndarray:
        """Server index of each key hash: the first point ≥ the hash, wrapping at 2³².

        Binary search over the sorted points (numpy.searchsorted); a hash above the
        last point wraps to the first.  Worked case: one server owns every hash.
        """
        h = float_array("hashes", hashes, "a key hash or hashes: ints in [0, 2³²)")
        if not np.all((h >= 0) & (h < RING) & (h == np.floor(h))):
            raise invalid("hashes", hashes, "a key hash or hashes: ints in [0, 2³²)")
        idx = np.searchsorted(self.points, h.astype(np.int64))
        return self.owner[idx % len(self.points)]

    def shares(self) -> np.ndarray:
        """Exact fraction of the ring each server owns (arc (previous point, point]).

        share_s = Σ over s's points of (point − previous point) mod 2³², / 2³².
        Worked case: shares sum to 1; with 160 points each of n servers owns ≈ 1/n.
        """
        prev = np.roll(self.points, 1)
        arcs = (self.points - prev) % RING
        if len(self.points) == 1 or np.all(arcs == 0):
            arcs = np.full(len(self.points), RING // len(self.points))
        out = np.bincount(self.owner, weights=arcs.astype(float), minlength=len(self.servers))
        return out / out.sum()

    def without(self, server: Hashable) -> HashRing:
        """The ring after ``server`` leaves (the other servers keep their points).

        Every key of a surviving server maps to the same server on both rings; the
        leaver's keys go to the next point clockwise.  Worked case: see
        :func:`removal_loss` (``moved_elsewhere`` is 0).
        """
        if server not in self.servers:
            raise invalid("server", server, f"one of {self.servers}")
        return HashRing([s for s in self.servers if s != server], self.vnodes)


def key_hashes(keys: int, seed: Seed = None) -> np.ndarray:
    """``keys`` uniform 32-bit key hashes (a good hash of distinct keys is uniform).

    Assumption: md5/ketama hashes of distinct keys behave as independent uniform
    draws on [0, 2³²).  Same seed, same hashes.
    """
    keys = check_int("keys", keys, 1)
    return as_generator(seed).integers(0, RING, size=keys, dtype=np.int64)


def removal_loss(nodes: int, vnodes: int = 160, keys: int = 100_000, removed: int = 0,
                 seed: Seed = None) -> dict[str, Any]:
    """What losing server ``removed`` of ``nodes`` costs a Memcached client ring.

    Returns ``lost`` (fraction of keys that were on the removed server — gone from
    the cache), ``moved`` (fraction whose server changes; equals ``lost`` on a
    consistent ring), ``moved_elsewhere`` (keys of surviving servers that moved: 0),
    ``share`` (the removed server's exact ring share, the expectation of ``lost``)
    and ``one_over_n`` = 1/n.  Worked case: 4 servers × 160 vnodes lose ≈ 1/4 of the keys.
    """
    nodes = check_int("nodes", nodes, 2)  # one must survive
    removed = check_int("removed", removed, 0, nodes - 1)
    names = [f"mc{i}" for i in range(int(nodes))]
    ring = HashRing(names, vnodes)
    after = ring.without(names[removed])
    h = key_hashes(keys, seed)
    before_idx = ring.lookup(h)
    after_names = np.array([names.index(str(s)) for s in after.servers])[after.lookup(h)]
    on_removed = before_idx == removed
    moved = before_idx != after_names
    return {"lost": float(on_removed.mean()), "moved": float(moved.mean()),
            "moved_elsewhere": float((moved & ~on_removed).mean()),
            "share": float(ring.shares()[removed]), "one_over_n": 1.0 / nodes}


def modulo_remapped_fraction(nodes: int, keys: int = 100_000, removed: int = 0,
                             seed: Seed = None) -> float:
    """Fraction of keys whose server changes under ``hash mod n`` when one server leaves.

    The comparison the ketama authors give: ``serverlist[hash % len]`` remaps almost
    every key (≈ 1 − 1/n of those on survivors, as their index shifts).
    """
    nodes = check_int("nodes", nodes, 2)
    removed = check_int("removed", removed, 0, nodes - 1)
    h = key_hashes(keys, seed)
    names = list(range(int(nodes)))
    before = h % nodes
    survivors = [s for s in names if s != removed]
    after = np.array(survivors)[h % (nodes - 1)]
    return float(np.mean(before != after))
