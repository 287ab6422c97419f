"""quorum against quoracle (Whittaker et al., PaPoC 2021): its README tutorial, its paper's
examples and seeded random small systems, metric by metric within 1e-6 relative.

The README/paper numbers are the exact fractions their authors state (5/12, 3/8, ...);
the random systems are compared with quoracle run live (a dev dependency).
"""

from __future__ import annotations

import datetime
import random

import pytest

from syncmodel import quorum as Q
from syncmodel.errors import InfeasibleError
from syncmodel.structure import Choose, Node, Sets, Structure, choose, nodes

quoracle = pytest.importorskip("quoracle")

REL = 1e-6


def to_quoracle(expr: Structure, attrs: dict[str, dict], made: dict | None = None) -> object:
    """The same expression in quoracle, with its node capacities and latencies (one object per node)."""
    made = {} if made is None else made
    if isinstance(expr, Node):
        x = expr.name
        if x in made:
            return made[x]
        kw = {}
        if x in attrs.get("read_capacity", {}):
            kw = dict(read_capacity=attrs["read_capacity"][x], write_capacity=attrs["write_capacity"][x])
        if x in attrs.get("latency", {}):
            kw["latency"] = datetime.timedelta(seconds=attrs["latency"][x])
        made[x] = quoracle.Node(x, **kw)
        return made[x]
    if isinstance(expr, Choose):
        return quoracle.choose(expr.k, [to_quoracle(c, attrs, made) for c in expr.children])
    assert isinstance(expr, Sets)
    terms = []
    for s in expr.sets:
        parts = [to_quoracle(Node(x), attrs, made) for x in s]
        t = parts[0]
        for p in parts[1:]:
            t = t * p
        terms.append(t)
    out = terms[0]
    for t in terms[1:]:
        out = out + t
    return out


# --------------------------------------------------------------------------- README tutorial


@pytest.fixture
def abcdef():
    return nodes(*"abcdef")


def test_readme_grid_basics(abcdef):
    a, b, c, d, e, f = abcdef
    grid = Q.QuorumSystem(reads=a * b * c + d * e * f)
    assert grid.is_read_quorum({"a", "b", "c", "d"}) and not grid.is_read_quorum({"a", "b", "d"})
    assert grid.is_write_quorum({"a", "d"}) and not grid.is_write_quorum({"a", "b"})
    assert (grid.read_resilience(), grid.write_resilience(), grid.resilience()) == (1, 2, 1)
    Q.QuorumSystem(reads=a * b * c + d * e * f, writes=(a + b + c) * (d + e + f))
    Q.QuorumSystem(writes=(a + b + c) * (d + e + f))


def test_readme_loads(abcdef):
    a, b, c, d, e, f = abcdef
    grid = Q.QuorumSystem(reads=a * b * c + d * e * f)
    s = grid.make_strategy({frozenset("abc"): 2.0, frozenset("def"): 1.0},
                           {frozenset("ad"): 1.0, frozenset("be"): 1.0, frozenset("cf"): 1.0})
    assert s.load(read_fraction=1) == pytest.approx(2 / 3, rel=REL)
    assert s.load(write_fraction=1) == pytest.approx(1 / 3, rel=REL)
    assert s.load(read_fraction=0.25) == pytest.approx(5 / 12, rel=REL)
    opt = grid.strategy(read_fraction=0.25)
    assert opt.load(read_fraction=0.25) == pytest.approx(3 / 8, rel=REL)
    assert grid.load(read_fraction=0.25) == pytest.approx(3 / 8, rel=REL)
    assert grid.capacity(read_fraction=0.25) == pytest.approx(8 / 3, rel=REL)
    dist = {0.1: 0.5, 0.75: 0.5}
    # quoracle's README prints 0.404; the exact optimum is 97/240 = 0.40416...
    assert grid.strategy(read_fraction=dist).load(read_fraction=dist) == pytest.approx(97 / 240, rel=REL)


def test_readme_capacities(abcdef):
    names = "abcdef"
    cap = dict(zip(names, [1000, 500] * 3, strict=True))
    a, b, c, d, e, f = abcdef
    grid = Q.QuorumSystem(reads=a * b * c + d * e * f, capacity=cap)
    assert grid.load(read_fraction=0.75) == pytest.approx(0.00075, rel=REL)
    assert grid.capacity(read_fraction=0.75) == pytest.approx(4000 / 3, rel=REL)
    rcap = {x: 10 * v for x, v in cap.items()}
    grid = Q.QuorumSystem(reads=a * b * c + d * e * f, read_capacity=rcap, write_capacity=cap)
    assert grid.capacity(read_fraction=1) == pytest.approx(10000, rel=REL)
    assert grid.capacity(read_fraction=0.5) == pytest.approx(90000 / 23, rel=REL)  # 3913.04
    assert grid.capacity(read_fraction=0) == pytest.approx(2000, rel=REL)


# --------------------------------------------------------------------------- paper examples


def test_paper_examples():
    a, b, c, d = nodes(*"abcd")
    maj = Q.QuorumSystem(reads=a * b + b * c + a * c)
    assert maj.resilience() == 1
    assert maj.capacity(read_fraction=1) == pytest.approx(1.5, rel=REL)
    assert Q.QuorumSystem(a * b + c * d, capacity=dict(a=100, b=100, c=50, d=50)).capacity(
        read_fraction=1) == pytest.approx(150, rel=REL)
    kw = dict(write_capacity=dict(a=100, b=100, c=50, d=50), read_capacity=dict(a=200, b=200, c=100, d=100))
    grid = Q.QuorumSystem(a * b + c * d, **kw)
    assert [grid.capacity(read_fraction=x) for x in (1, 0.5, 0)] == pytest.approx([300, 200, 100], rel=REL)
    fr = {0.00: 10 / 18, 0.25: 4 / 18, 0.50: 2 / 18, 0.75: 1 / 18, 1.00: 1 / 18}
    # the paper prints 159; quoracle run live gives the digits
    theirs = quoracle.QuorumSystem(reads=to_quoracle(a * c + b * d, kw))
    ours = Q.QuorumSystem(a * c + b * d, **kw).capacity(read_fraction=fr)
    assert ours == pytest.approx(theirs.capacity(read_fraction=fr), rel=REL)
    assert round(ours) == 159
    choose2 = Q.QuorumSystem(choose(2, [a, b, c, d]), **kw)
    assert choose2.capacity(read_fraction=1) == pytest.approx(300, rel=REL)
    assert grid.capacity(read_fraction=1, f=1) == pytest.approx(100, rel=REL)
    assert choose2.capacity(read_fraction=1, f=1) == pytest.approx(200, rel=REL)
    lat = dict(a=4, b=4, c=1, d=1)
    grid = Q.QuorumSystem(a * b + c * d, latency=lat, **kw)
    s = grid.strategy(read_fraction=1)
    assert s.capacity(read_fraction=1) == pytest.approx(300, rel=REL)
    assert s.network_load(read_fraction=1) == pytest.approx(2, rel=REL)
    assert s.latency(read_fraction=1) == pytest.approx(3, rel=REL)
    s = grid.strategy(read_fraction=1, optimize="latency", load_limit=1 / 150, network_limit=2)
    assert s.sigma_r[frozenset("ab")] == pytest.approx(1 / 3, rel=REL)
    assert s.sigma_r[frozenset("cd")] == pytest.approx(2 / 3, rel=REL)
    anyone = Q.QuorumSystem(a + b + c + d, latency=lat, **kw)
    s = anyone.strategy(read_fraction=1, optimize="latency", load_limit=1 / 150, network_limit=2)
    assert s.capacity(read_fraction=1) == pytest.approx(150, rel=REL)
    assert s.network_load(read_fraction=1) == pytest.approx(1, rel=REL)
    assert s.latency(read_fraction=1) == pytest.approx(1, rel=REL)


def test_tutorial_f_resilient_systems_against_quoracle():
    xs = "abcde"
    rcap = dict(zip(xs, [10000, 5000, 10000, 5000, 10000], strict=True))
    wcap = {x: v / 10 for x, v in rcap.items()}
    a, b, c, d, e = nodes(*xs)
    dist = {0.9: 0.9, 0.1: 0.1}
    attrs = dict(read_capacity=rcap, write_capacity=wcap)
    for reads in (choose(3, [a, b, c, d, e]), a * b + c * d * e, a * b + a * c * e + d * e + d * c * b):
        ours = Q.QuorumSystem(reads, **attrs)
        theirs = quoracle.QuorumSystem(reads=to_quoracle(reads, attrs))
        for f in (0, 1):
            assert ours.load(read_fraction=dist, f=f) == pytest.approx(
                theirs.load(read_fraction=dist, f=f), rel=REL)


# --------------------------------------------------------------------------- random systems


def random_expr(rng: random.Random, xs: list[str]) -> Structure:
    """A random read-once expression over xs (random partition, random k at each vertex)."""
    if len(xs) == 1:
        return Node(xs[0])
    rng.shuffle(xs)
    cuts = sorted(rng.sample(range(1, len(xs)), rng.randint(1, min(3, len(xs) - 1))))
    parts = [xs[i:j] for i, j in zip([0, *cuts], [*cuts, len(xs)], strict=True)]
    kids = [random_expr(rng, p) for p in parts]
    return choose(rng.randint(1, len(kids)), kids)


def random_system(seed: int):
    rng = random.Random(seed)
    n = rng.randint(3, 6)
    xs = [chr(ord("a") + i) for i in range(n)]
    if seed % 4 == 3:  # an explicit family of sets (not read-once)
        fam = {frozenset(rng.sample(xs, rng.randint(1, 3))) for _ in range(rng.randint(2, 4))}
        reads: Structure = Sets([sorted(s) for s in fam])
    else:
        reads = random_expr(rng, list(xs))
    attrs = {
        "read_capacity": {x: rng.choice([1, 2, 4, 5, 10]) for x in reads.nodes},
        "write_capacity": {x: rng.choice([1, 2, 3, 8]) for x in reads.nodes},
        "latency": {x: rng.choice([1, 2, 3, 5, 8]) for x in reads.nodes},
    }
    fr = rng.choice([0.0, 0.3, 0.5, 0.9, 1.0, {0.2: 1, 0.8: 3}, {0.0: 1, 0.5: 1, 1.0: 2}])
    return reads, attrs, fr


@pytest.mark.parametrize("seed", range(32))
def test_random_systems_match_quoracle(seed):
    reads, attrs, fr = random_system(seed)
    ours = Q.QuorumSystem(reads, **attrs)
    theirs = quoracle.QuorumSystem(reads=to_quoracle(reads, attrs))
    assert ours.read_resilience() == theirs.read_resilience()
    assert ours.write_resilience() == theirs.write_resilience()
    for up in [set(reads.nodes[: k]) for k in range(len(reads.nodes) + 1)]:
        assert ours.is_read_quorum(up) == theirs.is_read_quorum(up)
        assert ours.is_write_quorum(up) == theirs.is_write_quorum(up)
    load = ours.load(read_fraction=fr)
    assert load == pytest.approx(theirs.load(read_fraction=fr), rel=REL)
    if not isinstance(fr, dict):
        assert ours.capacity(read_fraction=fr) == pytest.approx(theirs.capacity(read_fraction=fr), rel=REL)
    limit = 1.25 * load
    net = ours.strategy(read_fraction=fr, optimize="network", load_limit=limit)
    qnet = theirs.strategy(read_fraction=fr, optimize="network", load_limit=limit)
    assert net.network_load(read_fraction=fr) == pytest.approx(qnet.network_load(read_fraction=fr), rel=REL)
    assert net.load(read_fraction=fr) <= limit * (1 + REL)
    net_limit = net.network_load(read_fraction=fr) + 0.5
    lat = ours.strategy(read_fraction=fr, optimize="latency", load_limit=limit, network_limit=net_limit)
    qlat = theirs.strategy(read_fraction=fr, optimize="latency", load_limit=limit, network_limit=net_limit)
    assert lat.latency(read_fraction=fr) == pytest.approx(
        qlat.latency(read_fraction=fr).total_seconds(), rel=REL)
    try:
        ours_f1 = ours.load(read_fraction=fr, f=1)
    except InfeasibleError:
        with pytest.raises(quoracle.NoStrategyFoundError):
            theirs.load(read_fraction=fr, f=1)
    else:
        assert ours_f1 == pytest.approx(theirs.load(read_fraction=fr, f=1), rel=REL)


@pytest.mark.parametrize("rows,cols", [(2, 3), (3, 3)])
def test_grids_match_quoracle(rows, cols):
    rng = random.Random(rows * 10 + cols)
    caps = [rng.choice([1, 2, 5]) for _ in range(rows * cols)]
    ours = Q.grid(rows, cols, capacity=caps)
    qn = [quoracle.Node(i, capacity=caps[i]) for i in range(rows * cols)]
    reads = None
    for r in range(rows):
        term = qn[r * cols]
        for c in range(1, cols):
            term = term * qn[r * cols + c]
        reads = term if reads is None else reads + term
    theirs = quoracle.QuorumSystem(reads=reads)
    for fr in (0.0, 0.25, 0.7, 1.0):
        assert ours.capacity(read_fraction=fr) == pytest.approx(theirs.capacity(read_fraction=fr), rel=REL)


@pytest.mark.parametrize("f", [0, 1])
def test_threshold_closed_forms_match_quoracle(f):
    xs = "abcde"
    attrs = {"read_capacity": dict.fromkeys(xs, 2.0), "write_capacity": dict.fromkeys(xs, 1.0),
             "latency": dict(zip(xs, [4, 1, 3, 2, 7], strict=True))}
    reads = choose(3, list(nodes(*xs)))
    ours = Q.QuorumSystem(reads, **attrs)
    theirs = quoracle.QuorumSystem(reads=to_quoracle(reads, attrs))
    for fr in (0.2, {0.9: 1, 0.3: 2}):
        assert ours.load(read_fraction=fr, f=f) == pytest.approx(theirs.load(read_fraction=fr, f=f), rel=REL)
        lat = ours.latency(read_fraction=fr, optimize="latency", f=f)
        assert lat == pytest.approx(
            theirs.latency(read_fraction=fr, optimize="latency", f=f).total_seconds(), rel=REL)
        net = ours.network_load(read_fraction=fr, optimize="network", f=f)
        assert net == pytest.approx(theirs.network_load(read_fraction=fr, optimize="network", f=f), rel=REL)


def test_search_paper_example():
    # the paper's search: a, b slow (latency 4), c, d fast (1); load <= 1/150, network <= 2
    kw = dict(write_capacity=dict(a=100, b=100, c=50, d=50), read_capacity=dict(a=200, b=200, c=100, d=100),
              latency=dict(a=4, b=4, c=1, d=1))
    qs, sigma = Q.search("abcd", read_fraction=1, optimize="latency", load_limit=1 / 150,
                         network_limit=2, **kw)
    assert set(qs.read_quorums()) == {frozenset(x) for x in "abcd"}  # a + b + c + d
    assert sigma.capacity(read_fraction=1) == pytest.approx(150, rel=REL)
    assert sigma.network_load(read_fraction=1) == pytest.approx(1, rel=REL)
    assert sigma.latency(read_fraction=1) == pytest.approx(1, rel=REL)


def test_search_matches_quoracle_on_three_nodes():
    attrs = {"read_capacity": dict(a=4, b=1, c=2), "write_capacity": dict(a=1, b=3, c=2)}
    fr = {0.8: 1, 0.2: 1}
    qs, sigma = Q.search("abc", read_fraction=fr, resilience=1, **attrs)
    made: dict = {}
    qnodes = [to_quoracle(Node(x), attrs, made) for x in "abc"]
    _qqs, qsigma = quoracle.search(qnodes, read_fraction=fr, resilience=1)
    assert qs.resilience() >= 1
    assert sigma.load(read_fraction=fr) == pytest.approx(qsigma.load(read_fraction=fr), rel=REL)


def test_search_partitions_count_bell_numbers():
    from syncmodel.quorum.search import partitions

    assert [sum(1 for _ in partitions(list(range(n)))) for n in range(1, 7)] == [1, 2, 5, 15, 52, 203]
    with pytest.raises(InfeasibleError):
        Q.search("ab", read_fraction=0.5, resilience=2)
