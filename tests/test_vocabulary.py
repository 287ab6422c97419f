"""Issue 17's vocabulary: typed results with to_frame() that record their call, one meaning per
name, and the old spellings kept for one release with a DeprecationWarning."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pytest

from syncmodel import rng
from syncmodel._deprecate import LegacyKeys, renamed_function, renamed_keywords
from syncmodel.errors import InvalidParameterError, check_ids
from syncmodel.sync import metrics, staleness
from syncmodel.sync.store import simulate_store


def test_renamed_keywords_maps_the_old_name_and_refuses_both():
    @renamed_keywords(a="alpha")
    def f(alpha: int, beta: int = 0) -> int:
        return 10 * alpha + beta

    assert f(1, 2) == f(alpha=1, beta=2) == 12
    with pytest.warns(DeprecationWarning, match=r"f\(a=\.\.\.\) is deprecated: call it alpha="):
        assert f(a=1, beta=2) == 12
    with pytest.raises(TypeError, match="both"):
        f(1, a=1)
    with pytest.raises(TypeError, match="both"):
        f(alpha=1, a=1)


def test_renamed_function_warns_with_the_new_name_and_forwards():
    def new_name(x: int) -> int:
        return x + 1

    old = renamed_function(new_name, "mod.old_name", "a reason")
    assert old.__name__ == "old_name" and "a reason" in (old.__doc__ or "")
    with pytest.warns(DeprecationWarning, match="mod.old_name is deprecated: call it .*new_name"):
        assert old(1) == 2


def test_legacy_keys_read_the_attributes_with_a_warning():
    @dataclass(frozen=True)
    class R(LegacyKeys):
        value_ms: float
        count: int
        _legacy_keys = {"t": "value_ms", "count": "count"}  # type: ignore[misc]  # noqa: RUF012

    r = R(2.5, 3)
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        assert r["t"] == 2.5 and r["count"] == 3
        assert r.get("t") == 2.5 and r.get("nope", 7) == 7
        assert "t" in r and "value_ms" not in r
        assert dict(r) == {"t": 2.5, "count": 3}
        assert r.keys() == ["t", "count"] and r.values() == [2.5, 3]
        assert r.items() == [("t", 2.5), ("count", 3)]
    assert got and all(issubclass(w.category, DeprecationWarning) for w in got)
    assert all(w.filename == __file__ for w in got)  # blamed on the caller's line
    with pytest.raises(KeyError):
        r["value_ms"]  # only the old keys: the new ones are attributes


def test_check_ids_against_a_plain_reading():
    assert check_ids("live", (2, 0, np.int64(1)), 3) == [2, 0, 1]
    assert check_ids("x", [5, 10**12], None) == [5, 10**12]
    for bad in (3, "01", [0, 3], [-1], [True], [1.0], None, {0: 1}, [[0]]):
        with pytest.raises(InvalidParameterError, match=r"^live must be"):
            check_ids("live", bad, 3)
    with pytest.raises(InvalidParameterError, match=r"^x must be ints ≥ 0, got \[-1\]"):
        check_ids("x", [-1], None)


def test_t_visibility_sim_result_records_its_call_and_tabulates():
    res = staleness.t_visibility_sim(3, 1, 1, [0.0, 2.0, 8.0], ("exponential", 1.0), trials=30, seed=4)
    assert isinstance(res, staleness.TVisibilitySim)
    assert (res.n, res.r, res.w, res.trials, res.seed, res.z) == (3, 1, 1, 30, 4, 1.96)
    assert res.reads.tolist() == [10, 10, 10] and res.faults["crashes"] == ()
    df = res.to_frame()
    assert list(df.columns[:6]) == ["t_ms", "fresh", "lo", "hi", "reads", "failed"]
    assert df["t_ms"].tolist() == [0.0, 2.0, 8.0] and set(df["seed"]) == {4}
    # each interval is the Wilson interval of its own count (formula written out here)
    z2 = 1.96 ** 2
    for f, c, lo, hi in zip(res.fresh, res.reads, res.lo, res.hi, strict=True):
        centre = (f + z2 / (2 * c)) / (1 + z2 / c)
        half = 1.96 * math.sqrt(f * (1 - f) / c + z2 / (4 * c * c)) / (1 + z2 / c)
        assert (lo, hi) == pytest.approx((max(centre - half, 0.0), min(centre + half, 1.0)), abs=1e-12)
    with pytest.warns(DeprecationWarning, match=r"\.reads"):
        assert res["n"] is res.reads  # the old key n held the per-point counts, not the nodes
    with pytest.raises(TypeError):
        staleness.t_visibility_sim(3, 1, 1, [0.0], trials=5, seed=1, no_such_setting=1)  # type: ignore[call-arg]


def test_k_staleness_sim_result_matches_the_counts_it_reports():
    res = staleness.k_staleness_sim(3, 1, 1, k_max=2, trials=40, seed=2)
    assert isinstance(res, staleness.KStalenessSim) and res.k.tolist() == [1, 2]
    assert np.all(np.diff(res.within) >= 0)  # within k versions can only grow with k
    df = res.to_frame()
    assert df["within"].tolist() == res.within.tolist() and set(df["trials"]) == {40}
    with pytest.warns(DeprecationWarning):
        assert res["p"] is res.within


def test_t_visibility_reads_bins_are_named_in_ms():
    run = simulate_store("quorum", 3, 1, 1, seed=3, duration_ms=400.0)
    df = metrics.t_visibility_reads(run, [0.0, 5.0, 1e9])
    assert list(df.columns) == ["from_ms", "to_ms", "reads", "fresh"]
    assert df["from_ms"].tolist() == [0.0, 5.0] and df["to_ms"].tolist() == [5.0, 1e9]
    reads = metrics.reads_frame(run)
    assert df["reads"].sum() == np.isfinite(reads["since_ack"]).sum()


def test_spawn_takes_a_count_and_the_old_keyword_warns():
    a = [s.entropy for s in rng.spawn(5, 3)]
    with pytest.warns(DeprecationWarning, match="count"):
        b = [s.entropy for s in rng.spawn(5, n=3)]
    assert a == b and len(rng.spawn_ints(5, count=4)) == 4


def test_one_name_one_return_type_for_the_renamed_builders():
    from syncmodel import markov, quorum

    qs = quorum.of_kind("grid", rows=2, cols=3)
    assert type(qs).__name__ == "QuorumSystem" and len(qs.reads.quorums()) == 2
    assert type(markov.system(quorum.majority(3).reads, 100.0, 1.0)).__name__ == "RepairableSystem"
    with pytest.warns(DeprecationWarning, match="of_kind"):
        old = quorum.system("majority", 5)
    assert old.availability(0.1) == quorum.majority(5).availability(0.1)
    run = simulate_store("quorum", 3, 1, 1, seed=5, duration_ms=300.0)
    behind = metrics.reads_frame(run)["behind"]
    assert metrics.k_staleness(run, 2) == float((behind < 2).mean())  # counted here from the reads
    with pytest.warns(DeprecationWarning, match="k_staleness"):
        assert metrics.staleness(run, 2) == metrics.k_staleness(run, 2)


def test_no_keyword_hides_behind_params_in_help():
    import inspect

    from syncmodel.election import runner

    shown = inspect.signature(runner.split_brain).parameters
    assert set(runner.PARAMS) <= set(shown) and shown["trials"].default == 100
    assert shown["scenario"].default == "cold" and shown["heal_at_ms"].default == 1000.0
    sim = inspect.signature(staleness.t_visibility_sim).parameters
    assert {"crashes", "partitions", "loss", "anti_entropy_ms", "read_repair", "timeout_ms"} <= set(sim)
    assert not any(p.kind is p.VAR_KEYWORD for p in sim.values())


def test_monte_carlo_result_records_its_seed_and_tabulates():
    from syncmodel.failure import failure_probability_mc
    from syncmodel.structure import choose

    r = failure_probability_mc(choose(2, 3), 0.1, samples=2000, seed=9)
    assert r.seed == 9 and r.estimate == r.failures / r.samples
    row = r.to_frame()
    assert row.loc[0, "seed"] == 9 and row.loc[0, "failures"] == r.failures and len(row) == 1
