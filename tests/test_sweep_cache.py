"""Tests of the sweep cache: re-runs, resumption after Ctrl-C or a kill, corruption, keys."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import syncmodel
from syncmodel import sweep
from syncmodel.errors import InvalidParameterError

GRID = {"n": [3, 5, 7, 9], "p": [0.1, 0.3]}
REPS = 2
N_TASKS = 8 * REPS
CALLS: list[int] = []


def metric(n: int, p: float, seed: int) -> dict[str, float]:
    CALLS.append(seed)
    g = np.random.default_rng(seed)
    return {"x": float(g.random()), "k": int(g.binomial(n, p)), "label": f"n{n}"}


def files(d: Path) -> list[Path]:
    return sorted(d.glob("*/*.parquet"))


@pytest.fixture(autouse=True)
def _reset_calls():
    CALLS.clear()


def fresh() -> pd.DataFrame:
    return sweep.run(metric, GRID, replicates=REPS, seed=9, progress=False)


def test_rerun_reads_everything_back_bit_for_bit(tmp_path):
    first = sweep.run(metric, GRID, replicates=REPS, seed=9, progress=False, cache=tmp_path)
    assert len(CALLS) == N_TASKS and len(files(tmp_path)) == N_TASKS
    CALLS.clear()
    second = sweep.run(metric, GRID, replicates=REPS, seed=9, progress=False, cache=tmp_path)
    assert CALLS == [] and second.attrs["computed"] == 0 and second.attrs["cached"] == N_TASKS
    pd.testing.assert_frame_equal(second, first, check_exact=True)
    pd.testing.assert_frame_equal(first, fresh(), check_exact=True)


def test_grown_sweep_computes_only_new_tasks(tmp_path):
    sweep.run(metric, GRID, replicates=REPS, seed=9, progress=False, cache=tmp_path)
    CALLS.clear()
    bigger = sweep.run(metric, GRID, replicates=REPS + 1, seed=9, progress=False, cache=tmp_path)
    assert len(CALLS) == 8 and bigger.attrs["cached"] == N_TASKS


ARMED: dict[str, int | None] = {"after": None}


def interrupted(n: int, p: float, seed: int) -> dict[str, float]:
    """``metric``, but Ctrl-C strikes when ARMED["after"] calls are done."""
    if ARMED["after"] is not None and len(CALLS) == ARMED["after"]:
        raise KeyboardInterrupt
    return metric(n, p, seed)


def test_ctrl_c_half_way_then_resume(tmp_path):
    k = 5
    ARMED["after"] = k
    with pytest.raises(KeyboardInterrupt):
        sweep.run(interrupted, GRID, replicates=REPS, seed=9, progress=False, cache=tmp_path)
    assert len(files(tmp_path)) == k
    CALLS.clear()
    ARMED["after"] = None
    # the same function resumes (a different function would have a different key)
    done = sweep.run(interrupted, GRID, replicates=REPS, seed=9, progress=False, cache=tmp_path)
    assert len(CALLS) == N_TASKS - k and done.attrs["computed"] == N_TASKS - k
    pd.testing.assert_frame_equal(done, fresh(), check_exact=True)


def stop_on_9(n: int, p: float, seed: int) -> dict[str, float]:
    if n == 9:
        raise KeyboardInterrupt
    time.sleep(0.002)
    return metric(n, p, seed)


def test_interrupt_on_process_pool_keeps_finished_tasks(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        sweep.run(stop_on_9, GRID, replicates=REPS, seed=9, progress=False, cache=tmp_path,
                  executor="processes")
    stored = len(files(tmp_path))
    assert 0 < stored < N_TASKS
    with pytest.raises(KeyboardInterrupt):  # n = 9 still interrupts, but nothing is redone
        sweep.run(stop_on_9, GRID, replicates=REPS, seed=9, progress=False, cache=tmp_path)
    assert len(CALLS) == 12 - stored  # the 12 tasks with n < 9, less those already stored


SCRIPT = textwrap.dedent("""
    import sys, time
    import numpy as np
    from syncmodel import sweep

    def slow(n, p, seed):
        time.sleep(0.15)
        g = np.random.default_rng(seed)
        return {"x": float(g.random()), "k": int(g.binomial(n, p))}

    df = sweep.run(slow, {"n": [3, 5, 7, 9], "p": [0.1, 0.3]}, replicates=2, seed=9,
                   progress=False, cache=sys.argv[1])
    df.to_pickle(sys.argv[2])
    print("computed", df.attrs["computed"])
""")


@pytest.mark.slow
def test_killed_process_resumes_computing_only_what_is_missing(tmp_path):
    cache, out = tmp_path / "cache", tmp_path / "df.pkl"
    script = tmp_path / "job.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(Path(syncmodel.__file__).parent.parent)}
    cmd = [sys.executable, str(script), str(cache), str(out)]
    proc = subprocess.Popen(cmd, env=env)
    try:
        deadline = time.monotonic() + 60
        while len(files(cache)) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL and not out.exists()
    stored = len(files(cache))
    assert 3 <= stored < N_TASKS
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    assert again.stdout.split() == ["computed", str(N_TASKS - stored)]
    done = pd.read_pickle(out)
    want = fresh()
    assert done["seed"].tolist() == want["seed"].tolist()
    for row in done.itertuples():  # independent recomputation of each value
        g = np.random.default_rng(row.seed)
        assert (row.x, row.k) == (float(g.random()), int(g.binomial(row.n, row.p)))


def _corrupt_all_ways(paths: list[Path]) -> int:
    """Damage four files in four ways; return how many were damaged."""
    truncated, flipped, garbage, swapped = paths[:4]
    data = truncated.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    data = bytearray(flipped.read_bytes())
    data[len(data) // 3] ^= 0xFF  # inside the data pages, before the footer
    flipped.write_bytes(bytes(data))
    garbage.write_bytes(b"not a parquet file")
    swapped.write_bytes(paths[5].read_bytes())  # a whole, valid file under the wrong key
    return 4


def test_corrupt_files_are_detected_and_recomputed(tmp_path):
    sweep.run(metric, GRID, replicates=REPS, seed=9, progress=False, cache=tmp_path)
    damaged = _corrupt_all_ways(files(tmp_path))
    CALLS.clear()
    with pytest.warns(RuntimeWarning, match="corrupt") as record:
        again = sweep.run(metric, GRID, replicates=REPS, seed=9, progress=False, cache=tmp_path)
    assert len(record) == damaged
    assert len(CALLS) == damaged and again.attrs["computed"] == damaged
    pd.testing.assert_frame_equal(again, fresh(), check_exact=True)
    CALLS.clear()
    sweep.run(metric, GRID, replicates=REPS, seed=9, progress=False, cache=tmp_path)
    assert CALLS == []  # repaired


@pytest.mark.slow
def test_byte_flips_are_caught_or_harmless(tmp_path):
    """Flip bytes all over one file (about 80 places): the value read is always the true one."""
    grid = {"n": [3], "p": [0.1]}
    want = sweep.run(metric, grid, seed=1, progress=False)
    sweep.run(metric, grid, seed=1, progress=False, cache=tmp_path)
    (path,) = files(tmp_path)
    original = path.read_bytes()
    for i in range(0, len(original), max(1, len(original) // 80)):
        data = bytearray(original)
        data[i] ^= 0x55
        path.write_bytes(bytes(data))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got = sweep.run(metric, grid, seed=1, progress=False, cache=tmp_path)
        pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_key_covers_function_params_seed_and_version(tmp_path, monkeypatch):
    point = {"n": 3, "p": 0.1}
    base = sweep.task_key(metric, point, 7)
    assert sweep.task_key(metric, dict(point), 7) == base
    assert sweep.task_key(metric, {"n": 3, "p": 0.2}, 7) != base
    assert sweep.task_key(metric, {"n": 3.0, "p": 0.1}, 7) != base
    assert sweep.task_key(metric, point, 8) != base

    def other(n: int, p: float, seed: int) -> dict[str, float]:
        return {"x": 2.0}

    other.__qualname__ = metric.__qualname__
    other.__module__ = metric.__module__
    assert sweep.task_key(other, point, 7) != base  # same name, different code
    f1 = functools.partial(metric, p=0.1)
    f2 = functools.partial(metric, p=0.2)
    assert sweep.task_key(f1, {"n": 3}, 7) != sweep.task_key(f2, {"n": 3}, 7)
    sweep.run(metric, GRID, replicates=REPS, seed=9, progress=False, cache=tmp_path)
    CALLS.clear()
    monkeypatch.setattr(syncmodel, "__version__", "999.0")
    assert sweep.task_key(metric, point, 7) != base
    df = sweep.run(metric, GRID, replicates=REPS, seed=9, progress=False, cache=tmp_path)
    assert len(CALLS) == N_TASKS and (df["syncmodel_version"] == "999.0").all()


def test_unwritable_cache_dir_is_refused_before_work(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for bad in (blocker, blocker / "sub"):
        with pytest.raises(InvalidParameterError, match="cache"):
            sweep.run(metric, GRID, progress=False, cache=bad)
    assert CALLS == []


def test_values_without_a_stable_key_are_refused_with_a_cache(tmp_path):
    with pytest.raises(InvalidParameterError, match="grid values"):
        sweep.run(lambda n, seed: {"a": 1}, {"n": [object()]}, progress=False, cache=tmp_path)
    with pytest.raises(InvalidParameterError, match="fn"):
        sweep.run(functools.partial(metric, p=object()), {"n": [3]}, progress=False,
                  cache=tmp_path)
    # without a cache any value goes
    df = sweep.run(lambda n, seed: {"a": 1}, {"n": [object()]}, progress=False)
    assert df["a"].tolist() == [1]


def test_cached_run_with_processes_matches(tmp_path):
    a = sweep.run(metric, GRID, replicates=REPS, seed=9, progress=False, cache=tmp_path,
                  executor="processes")
    pd.testing.assert_frame_equal(a, fresh(), check_exact=True)
    assert len(files(tmp_path)) == N_TASKS


def test_partials_are_cached_under_their_bound_arguments(tmp_path):
    for p in (0.1, 0.3, 0.1):
        fn = functools.partial(metric, p=p)
        df = sweep.run(fn, {"n": [3, 5]}, replicates=2, progress=False, cache=tmp_path)
        assert df["k"].tolist() == [metric(r.n, p, r.seed)["k"] for r in df.itertuples()]
    assert len(files(tmp_path)) == 8  # the second p = 0.1 run read its 4 tasks back
