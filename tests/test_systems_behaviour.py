"""Self-contained documented behaviours: HDFS placement, Memcached hashing, ZooKeeper FLE order."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from syncmodel.errors import InvalidParameterError
from syncmodel.systems import placement as pl
from syncmodel.systems import ring, zab

# ------------------------------------------------------------------ HDFS placement


@pytest.mark.parametrize(("racks", "per_rack", "k"), [(2, 2, 3), (3, 3, 3), (4, 3, 3), (3, 4, 2), (3, 3, 4)])
def test_rack_aware_placement_survives_any_single_rack(racks, per_rack, k):
    assert pl.survives_any_single_rack("rack-aware", racks, per_rack, k)
    assert pl.rack_loss_probability("rack-aware", racks, per_rack, k) == 0.0
    # and every placement really uses exactly the documented racks: writer's rack + one remote
    for nodes, _ in pl.placements("rack-aware", racks, per_rack, 3 if k >= 3 else k):
        assert len({x // per_rack for x in nodes}) == 2


@pytest.mark.parametrize(("racks", "per_rack", "k"), [(3, 3, 3), (2, 4, 3), (4, 5, 3), (3, 4, 2)])
def test_random_placement_sometimes_loses_a_block(racks, per_rack, k):
    assert not pl.survives_any_single_rack("random", racks, per_rack, k)
    exact = pl.rack_loss_probability("random", racks, per_rack, k)
    # closed form: all k replicas inside the failed rack's m nodes
    assert exact == pytest.approx(math.comb(per_rack, k) / math.comb(racks * per_rack, k), rel=1e-12)
    mc = pl.rack_loss_montecarlo("random", racks, per_rack, k, blocks=200_000, seed=7)
    se = math.sqrt(exact * (1 - exact) / 200_000)
    assert abs(mc - exact) < 5 * se + 1e-9


@pytest.mark.slow
def test_placement_probabilities_sum_to_one_and_match_sampling():
    for policy in pl.POLICIES:
        support = dict(pl.placements(policy, 3, 3, 3))
        assert sum(support.values()) == pytest.approx(1.0)
        rows = pl.sample_placements(policy, 3, 3, 3, blocks=60_000, seed=3)
        assert rows.shape == (60_000, 3)
        assert all(len(set(r)) == 3 for r in rows[:2000].tolist())
        counts: dict[frozenset[int], int] = {}
        for r in rows.tolist():
            key = frozenset(r)
            counts[key] = counts.get(key, 0) + 1
        assert set(counts) <= set(support)
        for key, w in support.items():  # each placement's frequency within 5 sigma
            assert abs(counts.get(key, 0) / 60_000 - w) < 5 * math.sqrt(w * (1 - w) / 60_000) + 1e-4


def test_blocks_lost_probability_formula():
    q = 1 / 84
    assert pl.blocks_lost_probability(100, "random", 3, 3, 3) == pytest.approx(1 - (1 - q) ** 100)
    assert pl.blocks_lost_probability(100, "rack-aware", 3, 3, 3) == 0.0


def test_placement_bad_input():
    with pytest.raises(InvalidParameterError, match="policy"):
        pl.rack_loss_probability("nearest", 3, 3)
    with pytest.raises(InvalidParameterError, match="racks"):
        pl.rack_loss_probability("rack-aware", 1, 9)
    with pytest.raises(InvalidParameterError, match="replicas"):
        pl.rack_loss_probability("random", 2, 2, 5)
    with pytest.raises(InvalidParameterError, match="blocks"):
        pl.blocks_lost_probability(0, "random", 3, 3)
    with pytest.raises(InvalidParameterError, match="replicas"):
        pl.placements("rack-fault-tolerant", 2, 3, 3).__next__()


# ------------------------------------------------------------------ Memcached ring


@pytest.mark.parametrize("n", [3, 4, 8])
def test_losing_one_of_n_memcached_servers_loses_about_one_nth(n):
    out = ring.removal_loss(n, vnodes=160, keys=200_000, removed=1, seed=11)
    # only the removed server's keys move; survivors keep every key
    assert out["moved_elsewhere"] == 0.0
    assert out["moved"] == out["lost"]
    # the lost fraction estimates the server's exact arc share (binomial error) ...
    se = math.sqrt(out["share"] * (1 - out["share"]) / 200_000)
    assert abs(out["lost"] - out["share"]) < 5 * se
    # ... and that share is about 1/n (ketama's 160 points per server)
    assert abs(out["share"] - 1 / n) < 0.35 / n


def test_ring_shares_exact_against_brute_force():
    r = ring.HashRing(["a", "b", "c"], vnodes=5)
    # brute force: walk every arc between consecutive points
    pts = sorted(zip(r.points.tolist(), r.owner.tolist(), strict=True))
    share = [0.0, 0.0, 0.0]
    for (p0, _), (p1, o1) in zip([pts[-1], *pts[:-1]], pts, strict=True):
        share[o1] += (p1 - p0) % ring.RING
    assert np.allclose(r.shares(), np.array(share) / ring.RING)
    assert r.shares().sum() == pytest.approx(1.0)
    # lookups agree with a linear scan of the ring
    h = ring.key_hashes(500, seed=2)
    for x, got in zip(h.tolist(), r.lookup(h).tolist(), strict=True):
        nxt = [o for p, o in pts if p >= x]
        assert got == (nxt[0] if nxt else pts[0][1])


def test_more_vnodes_balance_better():
    spread = [np.std(ring.HashRing([f"s{i}" for i in range(8)], v).shares()) for v in (1, 10, 160)]
    assert spread[0] > spread[1] > spread[2]


def test_modulo_hashing_remaps_most_keys():
    # hash mod n → mod (n−1): a key stays only if both residues name the same server
    n = 4
    frac = ring.modulo_remapped_fraction(n, keys=100_000, removed=3, seed=5)
    h = np.arange(12 * 1000)  # a full period of lcm(4, 3) = 12, exhaustive
    exact = np.mean(h % 4 != np.array([0, 1, 2])[h % 3])
    assert abs(frac - exact) < 0.01
    assert frac > 0.5 > ring.removal_loss(n, seed=5)["moved"]


def test_ring_bad_input():
    with pytest.raises(InvalidParameterError, match="servers"):
        ring.HashRing([])
    with pytest.raises(InvalidParameterError, match="vnodes"):
        ring.HashRing(["a"], vnodes=0)
    with pytest.raises(InvalidParameterError, match="nodes"):
        ring.removal_loss(1)
    with pytest.raises(InvalidParameterError, match="removed"):
        ring.removal_loss(3, removed=3)
    with pytest.raises(InvalidParameterError, match="keys"):
        ring.key_hashes(0)
    with pytest.raises(InvalidParameterError, match="server"):
        ring.HashRing(["a", "b"]).without("c")


def test_ring_is_deterministic():
    a = ring.removal_loss(5, seed=3)
    b = ring.removal_loss(5, seed=3)
    assert a == b


# ------------------------------------------------------------------ ZooKeeper FLE


def test_vote_order_is_lexicographic_epoch_zxid_sid():
    triples = list(itertools.product(range(3), range(3), range(3)))
    for a, b in itertools.product(triples, repeat=2):
        assert zab.vote_greater(zab.Vote(*a), zab.Vote(*b)) == (a > b)


def test_longer_log_beats_higher_id():
    assert zab.fast_leader_election([(1, 5, 1), (1, 7, 2), (1, 7, 3)], seed=0).leader == 3
    assert zab.fast_leader_election([(1, 9, 1), (1, 7, 2), (1, 7, 3)], seed=0).leader == 1
    assert zab.fast_leader_election([(2, 0, 1), (1, 9, 2), (1, 9, 3)], seed=0).leader == 1


def test_fle_elects_the_maximum_in_any_delivery_order():
    rng = np.random.default_rng(4)
    for trial in range(60):
        n = int(rng.integers(3, 8))
        servers = [(int(rng.integers(0, 3)), int(rng.integers(0, 5)), sid) for sid in range(n)]
        size = n // 2 + 1 + int(rng.integers(0, n - n // 2))
        live = sorted(rng.choice(n, size=size, replace=False).tolist())
        res = zab.fast_leader_election(servers, live=live, seed=trial)
        best = max(servers[i] for i in live)
        assert (res.vote.epoch, res.vote.zxid, res.vote.sid) == best
        assert res.notifications >= len(live) * (len(live) - 1)


def test_fle_bad_input():
    with pytest.raises(InvalidParameterError, match="servers"):
        zab.fast_leader_election([])
    with pytest.raises(InvalidParameterError, match="servers"):
        zab.fast_leader_election([(1, 2, 1), (1, 2, 1), (0, 0, 3)])
    with pytest.raises(InvalidParameterError, match="live"):
        zab.fast_leader_election([(1, 2, 1), (1, 2, 2), (0, 0, 3)], live=[0])
    with pytest.raises(InvalidParameterError, match="servers"):
        zab.fast_leader_election([(1, -2, 1)])
