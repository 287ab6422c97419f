"""Notebook 07 runs headless with its small parameters; its numbers are checked independently."""

from __future__ import annotations

import math

import pytest
from nbrun import run_notebook

from syncmodel import election


def majority_availability(n: int, p: float) -> float:
    return sum(math.comb(n, k) * (1 - p) ** k * p ** (n - k) for k in range(n // 2 + 1, n + 1))


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_07_runs_and_its_numbers_hold(tmp_path):
    summary = run_notebook("07_sweeps.ipynb", FIG_DIR=str(tmp_path))
    assert summary["availability_n5_p0.1"] == pytest.approx(majority_availability(5, 0.1),
                                                            abs=1e-12)
    assert summary["nines_n3_p0.01"] == pytest.approx(
        -math.log10(1 - majority_availability(3, 0.01)), rel=1e-9)
    assert summary["even_n_gains_nothing"] is True
    assert summary["n_tasks_mc"] == 7 * 7 * 3
    # every Monte Carlo mean within 5 worst-case standard errors ½/√(2000·3) of the exact value
    assert summary["mc_worst_standard_error"] == pytest.approx(0.5 / math.sqrt(2000 * 3))
    assert summary["mc_max_abs_error"] < 5 * summary["mc_worst_standard_error"]
    assert summary["cache_rerun_computed"] == 0 and summary["cache_rerun_identical"] is True
    assert summary["dask_identical"] in (True, None)  # None: dask.distributed not installed
    assert (tmp_path / "sweep_availability_nines.pdf").stat().st_size > 1000
    # beta-factor common cause, n = 5, p = 0.1, β = 0.1: β·p + (1 − β·p)·P(≥ 3 of 5 down at 0.09)
    q = 0.9 * 0.1
    no_majority = sum(math.comb(5, k) * q**k * (1 - q) ** (5 - k) for k in range(3, 6))
    assert summary["correlated_unavailability_n5_p0.1_beta0.1"] == pytest.approx(
        0.01 + 0.99 * no_majority, rel=1e-9)
    # the first election task re-run directly with its seed; median recomputed here
    raw = election.simulate(
        "raft", n=summary["election_first_n"], trials=20, seed=summary["election_first_seed"],
        scenario="crash", timeout_ms=(summary["election_first_timeout_min_ms"],
                                      2 * summary["election_first_timeout_min_ms"]),
        latency=("uniform", 0.5 * summary["election_first_latency_ms"],
                 1.5 * summary["election_first_latency_ms"]))
    times = sorted(t for t in raw["time_to_leader_ms"] if t == t)
    mid = len(times) // 2
    median = times[mid] if len(times) % 2 else (times[mid - 1] + times[mid]) / 2
    assert summary["election_first_median_ms"] == pytest.approx(median)
    assert 0.9 <= summary["election_share_elected"] <= 1.0
