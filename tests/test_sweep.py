"""Tests of syncmodel.sweep: grids, seeds, executors, bit-for-bit equality, bad input."""

from __future__ import annotations

import concurrent.futures as cf
import functools
import itertools
import math
import threading
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import syncmodel
from syncmodel import sweep, sweep_targets
from syncmodel.errors import InvalidParameterError

GRID = {"n": [3, 5, 7], "p": [0.05, 0.2]}


def noisy(n: int, p: float, seed: int) -> dict[str, float]:
    """A stochastic metric whose value depends on every input bit of the seed."""
    g = np.random.default_rng(seed)
    draws = g.random((200, n)) < p
    return {"down_frac": float(draws.mean()), "first": float(g.standard_normal()), "n_sq": n * n}


def slow_noisy(n: int, p: float, seed: int) -> dict[str, float]:
    """Like ``noisy`` but sleeps a seed-dependent 0-6 ms so tasks finish out of order."""
    time.sleep((seed % 7) / 1000)
    return noisy(n, p, seed)


def expected_seed(seed: int, i: int, r: int) -> int:
    """Independent derivation: child (i, r) of SeedSequence(seed), top 63 bits of one word."""
    ss = np.random.SeedSequence(seed, spawn_key=(i, r))
    return int(ss.generate_state(1, np.uint64)[0]) >> 1


# ---------------------------------------------------------------- grid
def test_grid_points_is_the_cartesian_product_in_order():
    pts = sweep.grid_points({"a": [1, 2], "b": ["x", "y", "z"]})
    assert pts == [{"a": a, "b": b} for a, b in itertools.product([1, 2], ["x", "y", "z"])]


def test_grid_accepts_tuples_ranges_arrays_and_lists_of_dicts():
    pts = sweep.grid_points({"a": range(2), "b": np.array([0.5, 1.5]), "c": (True,)})
    assert len(pts) == 4 and type(pts[0]["b"]) is float and pts[3] == {"a": 1, "b": 1.5, "c": True}
    dicts = [{"n": 3, "p": 0.1}, {"n": 5}]
    assert sweep.grid_points(dicts) == dicts


@pytest.mark.parametrize("grid", [
    {}, [], {"n": []}, {"n": 3}, {"n": "abc"}, {"n": {1, 2}}, {"n": {"a": 1}},
    {"seed": [1]}, {"replicate": [1]}, {"": [1]}, [{"n": 1}, 5], 42, "n",
    {"n": np.zeros((2, 2))},
])
def test_bad_grids_are_refused(grid):
    with pytest.raises(InvalidParameterError):
        sweep.grid_points(grid)
    with pytest.raises(InvalidParameterError):
        sweep.run(noisy, grid, progress=False)


# ---------------------------------------------------------------- rows and seeds
def test_tidy_frame_rows_columns_and_seeds():
    df = sweep.run(noisy, GRID, replicates=3, seed=11, progress=False)
    assert list(df.columns) == ["n", "p", "replicate", "seed", "down_frac", "first", "n_sq",
                                "syncmodel_version"]
    assert len(df) == 6 * 3
    points = list(itertools.product(GRID["n"], GRID["p"]))
    for t, row in enumerate(df.itertuples(index=False)):
        i, r = divmod(t, 3)
        assert (row.n, row.p, row.replicate) == (*points[i], r)
        assert row.seed == expected_seed(11, i, r)
        assert row.n_sq == row.n ** 2
        # the metric is what fn gives for that seed, recomputed here directly
        assert row.first == noisy(row.n, row.p, row.seed)["first"]
    assert (df["syncmodel_version"] == syncmodel.__version__).all()
    assert df.attrs["computed"] == 18 and df.attrs["cached"] == 0


def test_seeds_differ_between_tasks_and_base_seeds():
    a = sweep.run(noisy, GRID, replicates=4, seed=0, progress=False)
    b = sweep.run(noisy, GRID, replicates=4, seed=1, progress=False)
    assert a["seed"].nunique() == len(a)
    assert set(a["seed"]).isdisjoint(b["seed"])


def test_more_replicates_keep_the_earlier_ones():
    two = sweep.run(noisy, GRID, replicates=2, seed=5, progress=False)
    five = sweep.run(noisy, GRID, replicates=5, seed=5, progress=False)
    pd.testing.assert_frame_equal(
        five[five["replicate"] < 2].reset_index(drop=True), two, check_exact=True)


def test_same_seed_same_frame_and_list_of_dicts_grid():
    pts = [{"n": 3, "p": 0.1}, {"n": 9, "p": 0.4}]
    a = sweep.run(noisy, pts, replicates=2, seed=3, progress=False)
    b = sweep.run(noisy, pts, replicates=2, seed=3, progress=False)
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert a["n"].tolist() == [3, 3, 9, 9]


# ---------------------------------------------------------------- executors
def _serial() -> pd.DataFrame:
    return sweep.run(noisy, GRID, replicates=3, seed=2024, progress=False)


def test_thread_pool_out_of_order_gives_identical_frame():
    finish_order: list[int] = []
    lock = threading.Lock()

    def recording(n: int, p: float, seed: int) -> dict[str, float]:
        out = slow_noisy(n, p, seed)
        with lock:
            finish_order.append(seed)
        return out

    with cf.ThreadPoolExecutor(4) as ex:
        df = sweep.run(recording, GRID, replicates=3, seed=2024, progress=False, executor=ex)
    assert finish_order != df["seed"].tolist()  # tasks really finished out of order
    pd.testing.assert_frame_equal(df, _serial(), check_exact=True)


def test_processes_give_identical_frame():
    df = sweep.run(slow_noisy, GRID, replicates=3, seed=2024, progress=False,
                   executor="processes")
    pd.testing.assert_frame_equal(df, _serial(), check_exact=True)


def test_process_pool_executor_instance():
    with cf.ProcessPoolExecutor(2) as ex:
        df = sweep.run(noisy, GRID, replicates=3, seed=2024, progress=False, executor=ex)
    pd.testing.assert_frame_equal(df, _serial(), check_exact=True)


@pytest.mark.slow
def test_dask_local_cluster_gives_identical_frame():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  protocol="tcp", host="127.0.0.1", dashboard_address=None) as lc, \
            distributed.Client(lc) as client:
        assert lc.scheduler_address.startswith("tcp://127.0.0.1:")
        df = sweep.run(slow_noisy, GRID, replicates=3, seed=2024, progress=False,
                       executor=client.get_executor())
    pd.testing.assert_frame_equal(df, _serial(), check_exact=True)


# ---------------------------------------------------------------- bad input, before any work
class Counter:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, n: int, p: float, seed: int) -> dict[str, int]:
        self.calls += 1
        return {"one": 1}


@pytest.mark.parametrize("kwargs", [
    dict(replicates=0), dict(replicates=1.5), dict(replicates=True), dict(seed=-1),
    dict(seed=0.5), dict(seed=None), dict(executor="threads"), dict(executor=4),
    dict(progress="yes"), dict(cache=3),
])
def test_bad_arguments_raise_before_work(kwargs):
    fn = Counter()
    kwargs.setdefault("progress", False)
    with pytest.raises(InvalidParameterError):
        sweep.run(fn, GRID, **kwargs)
    assert fn.calls == 0


def test_not_callable_and_wrong_signature():
    with pytest.raises(InvalidParameterError, match="fn"):
        sweep.run(42, GRID, progress=False)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="seed"):
        sweep.run(lambda n, p: {"a": 1}, GRID, progress=False)
    with pytest.raises(InvalidParameterError, match="q"):
        sweep.run(lambda n, p, seed: {"a": 1}, {"n": [1], "q": [2]}, progress=False)


@pytest.mark.parametrize("executor", ["processes", "pool"])
def test_unpicklable_fn_is_refused_for_processes(executor):
    lock = threading.Lock()  # closures over a lock cannot be pickled, even by cloudpickle

    def fn(n: int, p: float, seed: int) -> dict[str, int]:
        with lock:
            return {"a": 1}

    if executor == "pool":
        with cf.ProcessPoolExecutor(1) as ex:
            with pytest.raises(InvalidParameterError, match="picklable"):
                sweep.run(lambda n, p, seed: {"a": 1}, GRID, progress=False, executor=ex)
    else:
        with pytest.raises(InvalidParameterError, match="picklable"):
            sweep.run(fn, GRID, progress=False, executor=executor)


def test_unpicklable_fn_is_refused_for_dask():
    distributed = pytest.importorskip("distributed")
    lock = threading.Lock()

    def fn(n: int, p: float, seed: int) -> dict[str, int]:
        with lock:
            return {"a": 1}

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  protocol="tcp", host="127.0.0.1", dashboard_address=None) as lc, \
            distributed.Client(lc) as client:
        with pytest.raises(InvalidParameterError, match="picklable"):
            sweep.run(fn, GRID, progress=False, executor=client.get_executor())
        # a lambda is fine: Dask pickles it by value
        df = sweep.run(lambda n, p, seed: {"a": n}, GRID, progress=False,
                       executor=client.get_executor())
    assert df["a"].tolist() == [3, 3, 5, 5, 7, 7]


@pytest.mark.parametrize("bad", [
    {"one": 1, "n": 2}, {"seed": 1}, {}, [1, 2], 3.0, {"x": [1.0]}, {"x": object()}, {1: 2.0},
])
def test_bad_metrics_name_the_task(bad):
    with pytest.raises(InvalidParameterError) as info:
        sweep.run(lambda n, p, seed: bad, GRID, progress=False)
    assert any("n': 3" in note for note in info.value.__notes__)


def test_errors_in_fn_propagate_with_the_task():
    def boom(n: int, p: float, seed: int) -> dict[str, float]:
        if n == 5:
            raise ZeroDivisionError("model bug")
        return {"a": 1.0}

    with pytest.raises(ZeroDivisionError) as info:
        sweep.run(boom, GRID, progress=False)
    assert "'n': 5" in info.value.__notes__[0]


def test_numpy_scalars_become_plain_python():
    df = sweep.run(lambda n, seed: {"f": np.float32(0.5) * n, "i": np.int64(n), "b": np.bool_(1)},
                   {"n": np.array([1, 2])}, progress=False)
    assert df["f"].tolist() == [0.5, 1.0] and df["i"].dtype == np.int64 and df["b"].dtype == bool


# ---------------------------------------------------------------- progress
def test_progress_bar_on_and_off(capsys):
    sweep.run(noisy, GRID, progress=True)
    assert "6/6" in capsys.readouterr().err
    sweep.run(noisy, GRID, progress=False)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


# ---------------------------------------------------------------- helpers
def test_pivot_is_the_mean_over_replicates():
    df = sweep.run(noisy, GRID, replicates=4, progress=False)
    table = sweep.pivot(df, x="p", y="n", metric="down_frac")
    for n in GRID["n"]:
        for p in GRID["p"]:
            vals = [r.down_frac for r in df.itertuples() if r.n == n and r.p == p]
            assert table.loc[n, p] == pytest.approx(sum(vals) / len(vals), rel=1e-12)
    with pytest.raises(InvalidParameterError, match="metric"):
        sweep.pivot(df, "p", "n", "nope")
    with pytest.raises(InvalidParameterError, match="agg"):
        sweep.pivot(df, "p", "n", "down_frac", agg="sum")


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 8, 11])
@pytest.mark.parametrize("p", [0.0, 0.01, 0.3, 0.5, 1.0])
def test_availability_point_matches_the_binomial_sum(n, p):
    # independent: sum over k live nodes forming a strict majority
    want = sum(math.comb(n, k) * (1 - p) ** k * p ** (n - k) for k in range(n // 2 + 1, n + 1))
    # and the complement summed over the k ≤ ⌊n/2⌋ live nodes that leave no majority
    down = sum(math.comb(n, k) * (1 - p) ** k * p ** (n - k) for k in range(n // 2 + 1))
    got = sweep_targets.availability_point(n, p)
    assert got["availability"] == pytest.approx(want, abs=1e-12)
    assert got["unavailability"] == pytest.approx(down, rel=1e-9, abs=1e-300)
    if down > 0:
        assert got["nines"] == pytest.approx(-math.log10(down), rel=1e-9)
    else:
        assert got["nines"] == math.inf


def test_availability_point_worked_case_and_bad_input():
    assert sweep_targets.availability_point(3, 0.1)["availability"] == pytest.approx(0.972)
    for bad in (dict(n=0, p=0.1), dict(n=3, p=1.2), dict(n=3, p=float("nan")),
                dict(n=2.5, p=0.1)):
        with pytest.raises(InvalidParameterError):
            sweep_targets.availability_point(**bad)


def test_partial_functions_run():
    fn = functools.partial(noisy, p=0.25)
    df = sweep.run(fn, {"n": [2, 4]}, progress=False)
    assert df.columns.tolist()[:3] == ["n", "replicate", "seed"]


@pytest.mark.parametrize(("n", "p"), [(1, 0.3), (3, 0.1), (5, 0.2), (8, 0.4), (9, 0.05)])
def test_availability_mc_point_agrees_with_the_closed_form(n, p):
    exact = sum(math.comb(n, k) * (1 - p) ** k * p ** (n - k) for k in range(n // 2 + 1, n + 1))
    got = sweep_targets.availability_mc_point(n, p, trials=20_000, seed=n)
    assert abs(got["availability"] - exact) <= 4.5 * max(got["stderr"], 1e-4)
    assert got["ci_low"] <= got["availability"] <= got["ci_high"]
    assert got == sweep_targets.availability_mc_point(n, p, trials=20_000, seed=n)


def test_availability_mc_point_rejects_bad_input():
    for bad in (dict(n=0, p=0.1), dict(n=3, p=-0.1), dict(n=3, p=0.1, trials=0),
                dict(n=3, p=0.1, trials=2.0)):
        with pytest.raises(InvalidParameterError):
            sweep_targets.availability_mc_point(**bad)


def test_election_point_summarizes_the_simulated_elections():
    from syncmodel import election
    got = sweep_targets.election_point(5, 150, seed=3, trials=12)
    # independent: the same elections run directly, their statistics recomputed here
    raw = election.simulate("raft", n=5, trials=12, seed=3, scenario="crash",
                            timeout_ms=(150.0, 300.0))
    times = sorted(t for t in raw["time_to_leader_ms"] if t == t)
    assert got["elected"] == len(times) / 12
    assert got["mean_ms"] == pytest.approx(sum(times) / len(times))
    mid = len(times) // 2
    median = times[mid] if len(times) % 2 else (times[mid - 1] + times[mid]) / 2
    assert got["median_ms"] == pytest.approx(median)
    assert got["median_ms"] >= 150 / 2  # no leader before the followers time out
    assert got["split_votes"] == raw["split_votes"].mean()
    with pytest.raises(InvalidParameterError, match="timeout_min_ms"):
        sweep_targets.election_point(5, 0)
    with pytest.raises(InvalidParameterError, match="latency_ms"):
        sweep_targets.election_point(5, 150, latency_ms=-1.0)


def test_election_point_latency_slows_elections():
    fast = sweep_targets.election_point(5, 150, seed=1, trials=10, latency_ms=1.0)
    slow = sweep_targets.election_point(5, 150, seed=1, trials=10, latency_ms=40.0)
    assert slow["median_ms"] > fast["median_ms"]


def _sum_noise(seed: int, **params: float) -> dict[str, float]:
    return {"v": sum(params.values()) + float(np.random.default_rng(seed).random())}


@settings(max_examples=25, deadline=None)
@given(axes=st.dictionaries(st.sampled_from(["a", "b", "c"]),
                            st.lists(st.integers(-5, 5), min_size=1, max_size=3),
                            min_size=1, max_size=3),
       replicates=st.integers(1, 3), seed=st.integers(0, 2**32))
def test_any_grid_same_frame_serial_and_threaded(axes, replicates, seed):
    serial = sweep.run(_sum_noise, axes, replicates=replicates, seed=seed, progress=False)
    assert len(serial) == math.prod(len(v) for v in axes.values()) * replicates
    with cf.ThreadPoolExecutor(3) as ex:
        threaded = sweep.run(_sum_noise, axes, replicates=replicates, seed=seed, progress=False,
                             executor=ex)
    pd.testing.assert_frame_equal(threaded, serial, check_exact=True)
    assert serial["seed"].tolist() == [expected_seed(seed, i, r)
                                       for i in range(len(serial) // replicates)
                                       for r in range(replicates)]


@pytest.mark.parametrize(("n", "p", "beta"), [(3, 0.1, 0.1), (5, 0.05, 0.2), (5, 0.1, 0.0),
                                              (4, 0.2, 0.5), (7, 0.01, 1.0), (1, 0.3, 0.4)])
def test_correlated_availability_point_matches_the_beta_factor_formula(n, p, beta):
    q = (1 - beta) * p  # independent part; the common cause takes all nodes w.p. beta*p
    no_majority = sum(math.comb(n, k) * q**k * (1 - q) ** (n - k)
                      for k in range(n - n // 2, n + 1))
    want = beta * p + (1 - beta * p) * no_majority
    got = sweep_targets.correlated_availability_point(n, p, beta)
    assert got["unavailability"] == pytest.approx(want, rel=1e-12)
    assert got["availability"] == pytest.approx(1 - want, rel=1e-12)
    assert got["nines"] == pytest.approx(-math.log10(want), rel=1e-12)


def test_correlated_availability_point_worked_case_and_bad_input():
    assert sweep_targets.correlated_availability_point(3, 0.1, 0.1)["unavailability"] == pytest.approx(
        0.0326136, rel=1e-6)
    for bad in (dict(n=3, p=0.1, beta=1.5), dict(n=3, p=0.1, beta=float("nan")),
                dict(n=0, p=0.1, beta=0.1), dict(n=3, p=2.0, beta=0.1)):
        with pytest.raises(InvalidParameterError):
            sweep_targets.correlated_availability_point(**bad)


def _metric(n, seed):
    return {"x": n}


@pytest.mark.parametrize(("call", "name"), [
    # found by fuzzing: AttributeError / ValueError / OverflowError / TypeError from inside
    (lambda: sweep.columns([1, 2]), "df"),
    (lambda: sweep.task_key(_metric, {"n": 3}, float("nan")), "seed"),
    (lambda: sweep.task_key(_metric, {"n": 3}, float("inf")), "seed"),
    (lambda: sweep.task_key(_metric, {"n": 3}, None), "seed"),
    (lambda: sweep.task_key(_metric, 5, 1), "point"),
    (lambda: sweep.task_key(_metric, {"n": object()}, 1), "point"),
    (lambda: sweep_targets.election_point(3, 150.0, latency_ms=1e308, trials=1), "latency_ms"),
])
def test_bad_input_found_by_fuzzing(call, name):
    with pytest.raises(InvalidParameterError, match=f"^{name} must"):
        call()


def test_sweep_targets_moved_out_of_the_runner_and_the_old_names_warn():
    # issue 17: model-specific targets do not live in the generic runner
    assert not set(sweep.MOVED) & set(sweep.__all__)
    for name in sweep.MOVED:
        with pytest.warns(DeprecationWarning, match=f"sweep_targets.{name}"):
            assert getattr(sweep, name) is getattr(sweep_targets, name)
    with pytest.raises(AttributeError):
        sweep.no_such_target  # noqa: B018
