"""syncmodel.check: loaders, bad input, linearizability against brute force and known verdicts."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncmodel import check
from syncmodel.check import generate, linear
from syncmodel.check.models import step
from syncmodel.errors import InvalidParameterError

DATA = Path(__file__).parent / "data" / "histories"
# verdicts from tests/data/histories/README.md (Porcupine's test suite)
KNOWN = {"etcd_000.log": False, "etcd_001.log": False, "etcd_003.log": False, "etcd_002.log": True,
         "etcd_005.log": True, "etcd_007.log": True, "kv_c01-ok.txt": True, "kv_c01-bad.txt": False}
INVOKED = {"etcd_000.log": 85, "etcd_001.log": 86, "etcd_003.log": 87, "etcd_002.log": 77,
           "etcd_005.log": 79, "etcd_007.log": 81, "kv_c01-ok.txt": 58, "kv_c01-bad.txt": 38}


def load(name: str) -> check.History:
    return check.load_jepsen(DATA / name) if name.endswith(".log") else check.load_edn(DATA / name)


def model_of(name: str) -> str:
    return "register" if name.endswith(".log") else "kv"


# -- the shared histories ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(KNOWN))
def test_known_verdicts(name: str) -> None:
    h = load(name)
    assert len(h) == INVOKED[name]
    r = check.linearizable(h, model_of(name))
    assert r.verdict is KNOWN[name]
    if r.verdict:
        assert r.prefix_ops == len(h) and r.violation == ()
    else:
        assert 0 < r.prefix_ops < len(h) and r.violation and r.minimal


@pytest.mark.parametrize("name", [n for n, v in KNOWN.items() if not v])
def test_witness_is_minimal_by_brute_force(name: str) -> None:
    """The witness alone cannot be ordered (checked by the definition); dropping any one of
    its operations either makes it orderable or leaves a read with no writer of its value."""
    h = load(name)
    r = check.linearizable(h, model_of(name))
    sub = h.subset(r.violation)
    assert not check.brute_linearizable(sub, model_of(name))
    for i in range(len(sub)):
        rest = sub.subset(j for j in range(len(sub)) if j != i)
        gone = sub[i]
        reads = [o for o in rest if o.f == "read"]
        orphan = gone.f != "read" and any(
            o.value != h.initial and not any(w.f != "read" and w.value == o.value for w in rest)
            for o in reads) and gone.f != "append"
        if gone.f == "append":
            orphan = any(isinstance(o.value, str) and gone.value in o.value for o in reads)
        assert orphan or check.brute_linearizable(rest, model_of(name))


@pytest.mark.parametrize("name", [n for n, v in KNOWN.items() if not v])
def test_prefix_is_longest(name: str) -> None:
    """Cutting just before prefix_ms is linearizable; cutting at it is not."""
    h = load(name)
    r = check.linearizable(h, model_of(name))
    ops = [o for o in linear.effective(h.ops) if h.ops[o.index].key == r.key]
    assert linear.wgl(linear.truncate(ops, r.prefix_ms), h.initial) is None
    assert linear.wgl(linear.truncate(ops, math.nextafter(r.prefix_ms, -math.inf)), h.initial) is not None
    assert r.prefix_ops == sum(o.invoke_ms < r.prefix_ms for o in h.ops)


def replay_is_legal(h: check.History, r: check.LinearizabilityResult) -> None:
    """Independent check of a found linearization: points inside the intervals, real-time
    order kept, and replaying it on the model gives every read its value."""
    state: dict = {}
    assert [p for _, p in r.linearization] == sorted(p for _, p in r.linearization)
    for i, t in r.linearization:
        o = h.ops[i]
        assert o.invoke_ms <= t <= o.complete_ms
        cur = state.get(o.key, h.initial)
        ok, state[o.key] = step(o.f, o.value, cur)
        assert ok, (o, cur)
    done = {i for i, _ in r.linearization}
    for o in h.ops:
        if o.type == "ok" and o.index not in done:
            pytest.fail(f"ok operation {o} missing from the linearization")


@pytest.mark.parametrize("name", [n for n, v in KNOWN.items() if v])
def test_linearization_replays(name: str) -> None:
    h = load(name)
    replay_is_legal(h, check.linearizable(h, model_of(name)))


# -- brute force, generated histories ------------------------------------------------------------------
@settings(max_examples=400, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), ops=st.integers(0, 7), procs=st.integers(1, 4),
       keys=st.integers(1, 2), values=st.integers(1, 3), append=st.booleans(),
       info=st.sampled_from([0.0, 0.15, 0.4]))
def test_agrees_with_brute_force(seed: int, ops: int, procs: int, keys: int, values: int, append: bool,
                                 info: float) -> None:
    h = generate.random_history(ops, procs, keys, values, seed=seed, append=append, info_fraction=info)
    model = "kv" if keys > 1 or append else "register"
    assert check.linearizable(h, model).verdict == check.brute_linearizable(h, model)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), ops=st.integers(0, 8), procs=st.integers(1, 4),
       keys=st.integers(1, 3), values=st.integers(1, 3), append=st.booleans(),
       info=st.sampled_from([0.0, 0.2, 0.5]))
def test_agrees_with_brute_force_3000_hypothesis(seed: int, ops: int, procs: int, keys: int, values: int,
                                                  append: bool, info: float) -> None:
    h = generate.random_history(ops, procs, keys, values, seed=seed, append=append, info_fraction=info)
    model = "kv" if keys > 1 or append else "register"
    assert check.linearizable(h, model).verdict == check.brute_linearizable(h, model)


@pytest.mark.slow
def test_agrees_with_brute_force_thousands() -> None:
    """4,000 random histories of up to 8 operations (a fifth to a half linearizable)."""
    agree = lin = 0
    for s in range(4000):
        h = generate.random_history(6 + s % 3, 3 + s % 2, 1 + s % 2, 2 + s % 2, seed=s, append=s % 7 == 0,
                                    info_fraction=(0.1, 0.4)[s % 2])
        model = "kv" if s % 2 or s % 7 == 0 else "register"
        b = check.brute_linearizable(h, model)
        agree += check.linearizable(h, model).verdict == b
        lin += b
    assert agree == 4000
    assert 400 < lin < 3600


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), keys=st.integers(1, 4), cas=st.booleans(), info=st.booleans())
def test_sequential_plus_delays_is_linearizable(seed: int, keys: int, cas: bool, info: bool) -> None:
    h = generate.sequential_history(80, 6, keys, seed=seed, cas_fraction=0.2 if cas else 0.0,
                                    info_fraction=0.1 if info else 0.0)
    r = check.linearizable(h, "kv" if keys > 1 else "register")
    assert r.verdict is True
    replay_is_legal(h, r)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), keys=st.integers(1, 3), info=st.booleans())
def test_one_stale_read_is_never_linearizable(seed: int, keys: int, info: bool) -> None:
    h = generate.sequential_history(50, 4, keys, seed=seed, info_fraction=0.1 if info else 0.0)
    try:
        bad, i = generate.inject_stale_read(h, seed=seed)
    except InvalidParameterError:
        return  # no read began after a completed write (tiny histories)
    r = check.linearizable(bad, "kv" if keys > 1 else "register")
    assert r.verdict is False
    assert i in r.violation


def test_timeout_is_unknown_not_a_guess() -> None:
    h = generate.sequential_history(3000, 20, 1, seed=3, info_fraction=0.3)
    r = check.linearizable(h, timeout_s=0.0)
    assert r.verdict is None


def test_table_round_trip() -> None:
    h = load("etcd_000.log")
    t = h.to_frame()
    h2 = check.from_table(t.assign(complete_ms=t.complete_ms.where(t.type != "info", None)))
    assert [(o.f, o.value, o.type) for o in h2] == [(o.f, o.value, o.type) for o in h]
    assert check.linearizable(h2).verdict is False


# -- loaders and bad input -------------------------------------------------------------------------------
J = "INFO  jepsen.util - "


def test_jepsen_cas_info_and_open_ops() -> None:
    h = check.load_jepsen(f"{J}0\t:invoke\t:cas\t[1 2]\n{J}1\t:invoke\t:read\tnil\n"
                          f"{J}0\t:info\t:cas\t[1 2]\n")
    assert h[0].f == "cas" and h[0].value == (1, 2) and h[0].type == "info" and h[0].complete_ms == math.inf
    assert h[1].type == "info" and h[1].value is None  # open at the end: indeterminate


@pytest.mark.parametrize(("text", "match"), [
    (f"{J}0\t:ok\t:write\t1\n", "line 1.*without an open invocation"),
    (f"{J}0\t:invoke\t:write\t1\n{J}0\t:invoke\t:read\tnil\n", "line 2.*still open"),
    (f"{J}0\t:invoke\t:frob\t1\n", "line 1.*unknown function"),
    (f"{J}0\t:invoke\t:write\t1\n{J}0\t:ok\t:read\t1\n", "line 2.*invoked write"),
    (f"{J}0\t:invoke\t:cas\t[1 2]\n{J}0\t:ok\t:cas\t[1", "line 2.*truncated"),
    (f"{J}0\t:invoke\t:write\t1\n{J}0\t:o", "line 2.*truncated"),
    (f"{J}0\t:invoke\t:cas\t3\n", "line 1.*pair"),
])
def test_jepsen_bad_input(text: str, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        check.load_jepsen(text)


@pytest.mark.parametrize(("text", "match"), [
    ('{:process 0, :type :ok, :f :get, :key "a", :value ""}\n', "line 1.*without an open"),
    ('{:process 0, :type :invoke, :f :get, :key "a", :value nil}\n{:process 0, :type :ok, :f :get, :ke',
     "line 2.*truncated"),
    ('{:process 0, :type :invoke, :f :zap, :key "a", :value nil}\n', "line 1.*unknown function"),
    ('{:process 0, :type :invoke, :f :get}\n{:process 0, :type :frob, :f :get}\n', "line 2.*completion type"),
    ('{:process 0, :type :invoke :f :get :key "a" :value nil :time 5000000}\n'
     '{:process 0, :type :ok :f :get :key "a" :value "" :time 1000000}\n', "line 2.*before its invocation"),
    ("[1 2 3]\n", "line 1.*one EDN map"),
])
def test_edn_bad_input(text: str, match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        check.load_edn(text)


def test_table_bad_input() -> None:
    row = {"process": 0, "type": "ok", "f": "write", "key": "k", "value": 1,
           "invoke_ms": 5.0, "complete_ms": 2.0}
    with pytest.raises(InvalidParameterError, match=r"row 0.*before its invocation"):
        check.from_table([row])
    with pytest.raises(InvalidParameterError, match=r"row 1.*still open"):
        check.from_table([{**row, "complete_ms": 9.0}, {**row, "invoke_ms": 6.0, "complete_ms": 7.0}])
    with pytest.raises(InvalidParameterError, match=r"row 0.*missing columns"):
        check.from_table([{"process": 0}])


def test_edn_reader() -> None:
    assert check.read_edn('{:a [1 2.5 nil] :b #{:x} :c "q\\"s"}') == {
        "a": (1, 2.5, None), "b": frozenset({"x"}), "c": 'q"s'}
    with pytest.raises(ValueError, match="ends"):
        check.read_edn("{:a 1")


def test_bad_arguments() -> None:
    h = load("etcd_000.log")
    with pytest.raises(InvalidParameterError, match="model"):
        check.linearizable(h, "queue")
    with pytest.raises(InvalidParameterError, match="timeout_s"):
        check.linearizable(h, timeout_s=-1)
    with pytest.raises(InvalidParameterError, match="history"):
        check.linearizable([], "kv")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="model='kv'"):
        check.linearizable(load("kv_c01-ok.txt"), "register")
    with pytest.raises(InvalidParameterError, match="path_or_text"):
        check.load_jepsen("/no/such/file.log")


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), keys=st.integers(2, 3))
def test_whole_map_search_agrees_with_brute_force(seed: int, keys: int) -> None:
    """The unpartitioned search (benchmarks only) gives the same verdicts as the definition."""
    h = generate.random_history(7, 3, keys, 2, seed=seed)
    assert check.linearizable(h, "kv", partition=False).verdict == check.brute_linearizable(h, "kv")


def test_edn_times_nemesis_and_jepsen_noise() -> None:
    h = check.load_edn('{:process :nemesis, :type :info, :f :start}\n'
                       '{:process 0, :type :invoke, :f :write, :value 3, :time 2000000}\n'
                       '{:process 0, :type :ok, :f :write, :value 3, :time 5000000}\n')
    assert len(h) == 1 and (h[0].invoke_ms, h[0].complete_ms) == (2.0, 5.0) and h.initial is None
    j = check.load_jepsen(f"INFO  jepsen.core - starting\n{J}0\t:invoke\t:read\tnil\n"
                          f"WARN  something else\n{J}0\t:ok\t:read\t3\n")
    assert len(j) == 1 and j[0].value == 3 and j[0].line == 2


def test_testbed_table_loads() -> None:
    """The testbed's client history table (syncmodel.testbed.history) is a valid input: one
    client writes "1" and a second reads a miss after the write completed — a stale read."""
    from syncmodel.testbed.history import History as Recorder

    rec = Recorder()
    w = rec.invoke(0, "write", "k", 1)
    rec.complete(w, "ok")
    r = rec.invoke(1, "read", "k")
    rec.complete(r, "ok", None)
    t = rec.invoke(2, "write", "k", 2)
    rec.complete(t, "info")
    h = check.from_table(rec.to_frame())
    assert [(o.process, o.f, o.value, o.type) for o in h] == [
        (0, "write", "1", "ok"), (1, "read", None, "ok"), (2, "write", "2", "info")]
    res = check.linearizable(h, "kv")
    assert res.verdict is False and res.violation == (0, 1)


# -- bad input found by tests/test_fuzz.py: each names its parameter -----------------------------
def test_checkers_refuse_bad_input_by_name() -> None:
    import numpy as np

    h = check.from_table([{"process": 0, "f": "write", "key": "k", "value": 1, "type": "ok",
                           "invoke_ms": 0.0, "complete_ms": 1.0}])
    cases = [  # (call, the parameter the message must name); each raised a non-IPE before
        (lambda: check.read_edn(""), "the text ends"),  # EdnError was a bare ValueError
        (lambda: check.read_edn(b"x"), "text"),  # TypeError
        (lambda: check.read_edn(["{:a 1}"]), "text"),  # AttributeError
        (lambda: check.load_edn("{:process 0, :type :invoke, :f :read, :value nil}\n"
                                     "{:process 0, :type :ok, :f :read, :value nil}",
                                initial=np.array(["auto", "auto"])), "initial"),
        (lambda: check.from_table(np.array(3)), "table"),  # iteration over a 0-d array
        (lambda: h.subset(np.array(3)), "indices"),
        (lambda: h.subset([10**400]), "indices"),  # IndexError: cannot fit 'int'
        (lambda: check.linearizable(h, model=np.array(["kv", "kv"])), "model"),
        (lambda: check.linearizable(h, explain=np.array([True, False])), "explain"),
        (lambda: check.linearizable(h, partition=np.array([True, False])), "partition"),
        (lambda: check.linearizable(h, initial=[1]), "initial"),
        (lambda: check.linearizable(h).explain(3), "history"),  # AttributeError
        (lambda: check.sequentially_consistent(h, model=np.array(["kv", "kv"])), "model"),
        (lambda: check.brute_linearizable(3), "history"),  # type: ignore[arg-type]
        (lambda: check.k_staleness_curve(h, "ab"), "ks"),  # int('a')
        (lambda: check.k_staleness_curve(h, np.array(3)), "ks"),
        (lambda: check.classify(np.array(3)), "configs"),
        (lambda: check.classify([{}], ks=[]), "ks"),  # AttributeError: no column k
        (lambda: generate.random_history(values=0), "values"),  # ValueError: high <= 0
        (lambda: generate.random_history(values=2**31), "values"),  # MemoryError
        (lambda: generate.random_history(keys=10**20), "keys"),
        (lambda: generate.random_history(cas_fraction="0.2"), "cas_fraction"),
        (lambda: generate.random_history(append=np.array([True, False])), "append"),
        (lambda: generate.sequential_history(10, mean_gap_ms=-1.0), "mean_gap_ms"),
        (lambda: generate.sequential_history(10, mean_delay_ms=10**400), "mean_delay_ms"),
        (lambda: generate.inject_stale_read(3), "history"),  # type: ignore[arg-type]
    ]
    for call, name in cases:
        with pytest.raises(InvalidParameterError, match=name):
            call()
    # -0.0 is 0 (numpy's exponential refused its sign bit): the same history as 0.0
    a = generate.sequential_history(10, seed=1, mean_delay_ms=-0.0)
    b = generate.sequential_history(10, seed=1, mean_delay_ms=0.0)
    assert [(o.invoke_ms, o.complete_ms) for o in a] == [(o.invoke_ms, o.complete_ms) for o in b]
