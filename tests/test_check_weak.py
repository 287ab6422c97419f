"""syncmodel.check weaker models: sequential consistency, session guarantees, k-staleness, and
the simulated store's histories (cross-checked against the run's own ledger)."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncmodel import check
from syncmodel.check import generate
from syncmodel.check.models import step
from syncmodel.errors import InvalidParameterError

DATA = Path(__file__).parent / "data" / "histories"


def row(p, f, v, t0, t1, ty="ok", key=None):  # type: ignore[no-untyped-def]
    return {"process": p, "type": ty, "f": f, "key": key, "value": v, "invoke_ms": t0, "complete_ms": t1}


def brute_sc(h: check.History) -> bool:
    """Sequential consistency by definition: some interleaving of the processes' programs
    (an info op included or not) is legal on one copy per key."""
    lanes: dict = {}
    for o in h.ops:
        if o.type == "fail" or (o.f == "read" and o.type != "ok"):
            continue
        lanes.setdefault(o.process, []).append(o)
    ops = [o for lane in lanes.values() for o in lane]
    maybe = [o for o in ops if o.type == "info"]
    for r in range(len(maybe) + 1):
        for drop in itertools.combinations(maybe, r):
            chosen = [o for o in ops if o not in drop]
            for order in itertools.permutations(chosen):
                pos = {o.index: i for i, o in enumerate(order)}
                if any(pos[a.index] > pos[b.index] for lane in lanes.values()
                       for a, b in itertools.pairwise([o for o in lane if o not in drop])):
                    continue
                state: dict = {}
                if all(_ok(o, state, h.initial) for o in order):
                    return True
    return False


def _ok(o, state, initial) -> bool:  # type: ignore[no-untyped-def]
    ok, state[o.key] = step(o.f, o.value, state.get(o.key, initial))
    return bool(ok)


def with_mid_info(h: check.History, seed: int) -> check.History:
    """Some writes and cas made indeterminate where they stand (not only as a process's last)."""
    rng = random.Random(seed)
    ops = tuple(replace(o, type="info", complete_ms=math.inf) if o.f != "read" and rng.random() < 0.4 else o
                for o in h.ops)
    return check.History(ops, h.initial)


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), ops=st.integers(0, 7), keys=st.integers(1, 2), mid=st.booleans())
def test_sequential_consistency_agrees_with_brute_force(seed: int, ops: int, keys: int, mid: bool) -> None:
    h = generate.random_history(ops, 3, keys, 2, seed=seed, info_fraction=0.0 if mid else 0.2)
    if mid:
        h = with_mid_info(h, seed)
    assert check.sequentially_consistent(h, "kv").verdict == brute_sc(h)
    assert check.linearizable(h, "kv").verdict == check.brute_linearizable(h, "kv")


def test_linearizable_implies_sequentially_consistent_not_conversely() -> None:
    h = check.from_table([row(0, "write", 1, 0, 1), row(1, "read", None, 2, 3)])
    assert check.linearizable(h).verdict is False
    assert check.sequentially_consistent(h).verdict is True
    for name in ("etcd_000.log", "etcd_002.log"):
        g = check.load_jepsen(DATA / name)
        if check.linearizable(g).verdict:
            assert check.sequentially_consistent(g, "register", timeout_s=10).verdict is True


def test_session_guarantees_worked_cases() -> None:
    """One client writes then reads its own key stale (RYW and staleness); another reads a
    newer value then an older one (MR). Register values are unique."""
    h = check.from_table([row(0, "write", 1, 0, 1), row(0, "write", 2, 2, 3), row(0, "read", 1, 4, 5),
                          row(1, "read", 2, 6, 7), row(1, "read", 1, 8, 9)])
    sg = check.session_guarantees(h).set_index("guarantee")
    assert sg.loc["read-your-writes", "violations"] == 1 and not sg.loc["read-your-writes", "holds"]
    assert sg.loc["monotonic reads", "violations"] == 1
    assert sg.loc["monotonic writes", "holds"] is None  # not observable on a register
    assert check.staleness(h)["k"].tolist() == [1, 0, 1]


def test_session_guarantees_on_sets() -> None:
    """Grow-only sets (the simulator's view): p0 appends a then b; a read seeing b without a
    breaks monotonic writes; p1 reads {a} then writes c; a read seeing c without a breaks
    writes-follow-reads."""
    a, b, c = frozenset("a"), frozenset("b"), frozenset("c")
    h = check.from_table([row(0, "append", a, 0, 1), row(0, "append", b, 2, 3),
                          row(1, "read", a, 4, 5), row(1, "append", c, 6, 7),
                          row(2, "read", b | c, 8, 9)], initial=frozenset())
    sg = check.session_guarantees(h).set_index("guarantee")
    assert sg.loc["monotonic writes", "violations"] == 1
    assert sg.loc["writes-follow-reads", "violations"] == 1
    assert sg.loc["read-your-writes", "holds"] and sg.loc["monotonic reads", "holds"]


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), keys=st.integers(1, 3))
def test_linearizable_histories_keep_every_guarantee(seed: int, keys: int) -> None:
    h = generate.sequential_history(60, 5, keys, seed=seed, info_fraction=0.1)
    sg = check.session_guarantees(h)
    assert not (sg["holds"] == False).any()  # noqa: E712  (None = not observable)
    assert (check.staleness(h)["k"] == 0).all()


@pytest.mark.parametrize("name", ["kv_c01-ok.txt", "etcd_002.log", "etcd_005.log", "etcd_007.log"])
def test_known_linearizable_histories_are_fresh(name: str) -> None:
    h = check.load_jepsen(DATA / name) if name.endswith(".log") else check.load_edn(DATA / name)
    assert not (check.session_guarantees(h)["holds"] == False).any()  # noqa: E712
    assert (check.staleness(h)["k"] == 0).all()


# -- the simulated store --------------------------------------------------------------------------------
SMALL = {"duration_ms": 400.0, "clients": 3, "keys": 4}


@pytest.mark.parametrize(("mode", "r", "w", "extra"), [
    ("quorum", 1, 1, {"fanout": "quorum"}), ("quorum", 2, 2, {"fanout": "quorum"}),
    ("async", 1, 1, {"read_from": "any"}), ("multileader", 1, 1, {})])
def test_store_history_matches_its_ledger(mode: str, r: int, w: int, extra: dict) -> None:
    """The history's k-staleness of each read equals the ledger's 'behind' (computed by the
    store itself), and every acknowledged write is an ok append."""
    h, run = check.simulate_history(mode, 3, r, w, seed=5, **SMALL, **extra)
    led = run.ledger
    assert sorted(check.staleness(h)["k"]) == sorted(rec[3] for rec in led.reads)
    assert sum(o.f == "append" and o.type == "ok" for o in h) == len(led.ack)
    assert sum(o.f == "read" for o in h) == len(led.reads)
    assert all(o.process >= 0 for o in h)


def test_strict_quorums_without_faults_are_linearizable() -> None:
    """R + W > N, writes to all N, no failures: every run linearizable; R = W = 1 with writes
    and reads on one random replica each: not, and stale reads break read-your-writes."""
    for s in range(3):
        h, _ = check.simulate_history("quorum", 3, 2, 2, seed=s, fanout="quorum", **SMALL)
        assert check.linearizable(h, "kv").verdict is True
    h, _ = check.simulate_history("quorum", 3, 1, 1, seed=0, fanout="quorum", **SMALL)
    r = check.linearizable(h, "kv")
    assert r.verdict is False and r.violation
    sg = check.session_guarantees(h).set_index("guarantee")
    assert sg.loc["read-your-writes", "violations"] > 0


def test_classify_table() -> None:
    t = check.classify([{"mode": "quorum", "n": 3, "r": 2, "w": 2, **SMALL},
                        {"mode": "quorum", "n": 3, "r": 1, "w": 1, "fanout": "quorum", **SMALL}], seed=1)
    assert list(t["linearizable"]) == [True, False]
    assert {"read-your-writes", "p_within_1", "pbs_within_1", "stale_fraction"} <= set(t.columns)
    assert t.loc[0, "pbs_within_1"] == 1.0 and abs(t.loc[1, "pbs_within_1"] - 1 / 3) < 1e-12
    with pytest.raises(InvalidParameterError):
        check.classify([3])  # type: ignore[list-item]


def test_weak_bad_input() -> None:
    with pytest.raises(InvalidParameterError, match="history"):
        check.session_guarantees("not a history")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="history"):
        check.staleness(None)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="timeout_s"):
        check.sequentially_consistent(check.from_table([]), timeout_s=float("nan"))


def test_indeterminate_write_is_not_pruned_by_a_write_of_another_key() -> None:
    """Found by the property above (seed 13, 4 ops, 2 keys, mid info): p0 writes key 1 ← 0
    (info), then key 0 ← 1, then cas key 1 0→1 (ok). In program order the cas sees 0, so the
    history is sequentially consistent; the search had pruned 'apply the info write, then any
    write' as if the second write overwrote the first, although it wrote another key."""
    g = check.from_table([row(0, "write", 0, 0, 0.5, key=1), row(2, "write", 1, 1, 2, "fail", key=1),
                          row(0, "write", 1, 3, 4, key=0), row(0, "cas", [0, 1], 5, 6, key=1)])
    h = check.History((replace(g.ops[0], type="info", complete_ms=math.inf), *g.ops[1:]), g.initial)
    assert brute_sc(h) is True
    assert check.sequentially_consistent(h, "kv").verdict is True
