"""Tests of the Figure 16 reproduction and the binomial split-vote model."""

from __future__ import annotations

import itertools
import math
import tomllib
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from syncmodel.election import fig16 as f16
from syncmodel.errors import InvalidParameterError

DATA = Path(__file__).resolve().parent.parent / "data" / "election_figure16.toml"


def _brute_split(servers, need, x):
    # enumerate every subset of the other servers that time out early (each with prob. x)
    others = servers - 1
    p_ok = 0.0
    for lost in itertools.product((0, 1), repeat=others):
        k = sum(lost)
        if others - k >= need:
            p_ok += x ** k * (1 - x) ** (others - k)
    return 1 - p_ok


@pytest.mark.parametrize(("servers", "need", "x"),
                         [(4, 2, 0.5), (4, 2, 0.1), (8, 4, 0.3), (3, 0, 0.7), (5, 4, 0.05)])
def test_split_vote_probability_matches_enumeration(servers, need, x):
    assert f16.split_vote_probability(servers, need, x) == pytest.approx(
        _brute_split(servers, need, x), abs=1e-12)


def test_split_vote_worked_case_and_edges():
    assert f16.split_vote_probability(4, 2, 0.5) == pytest.approx(0.5)
    assert f16.split_vote_probability(4, 2, 0.0) == 0.0
    assert f16.split_vote_probability(4, 2, 1.0) == 1.0
    for bad in (-0.1, 1.1, float("nan")):
        with pytest.raises(InvalidParameterError, match="x"):
            f16.split_vote_probability(4, 2, bad)


def test_split_vote_probability_large_clusters_and_bad_counts():
    # past ~1030 servers the exact sum's binomial coefficients overflow a float (was OverflowError)
    p = f16.split_vote_probability(3001, 1500, 0.5)
    # K ~ Bin(3000, 1/2) votes lost; split iff K > 1500: (1 − P(K = 1500)) / 2, in exact rationals
    exact = (1 - Fraction(math.comb(3000, 1500), 2 ** 3000)) / 2
    assert p == pytest.approx(float(exact), abs=1e-12)
    for servers, need in ((True, 1), (4, 1.5), (0, 1)):
        with pytest.raises(InvalidParameterError, match="servers" if need == 1 else "need"):
            f16.split_vote_probability(servers, need, 0.5)


@pytest.mark.parametrize(("kwargs", "name"), [
    (dict(dt=0), "dt"), (dict(dt=float("nan")), "dt"), (dict(dt=1e-9), "dt"),
    (dict(cap_ms=-1), "cap_ms"), (dict(cap_ms=float("inf")), "cap_ms"),
    (dict(heartbeat_ms=float("nan")), "heartbeat_ms"), (dict(heartbeat_ms=1e308), "heartbeat_ms"),
    (dict(n=1), "n"), (dict(n="x"), "n"), (dict(behind=5), "behind"), (dict(behind=None), "behind"),
    (dict(latency="slow"), "latency"), (dict(t_ms="x"), "t_ms"), (dict(t_ms=[float("nan")]), "t_ms"),
])
def test_analytic_cdf_bad_input_names_the_parameter(kwargs, name):
    # found by fuzzing: ZeroDivisionError, OverflowError, MemoryError and numpy errors before
    with pytest.raises(InvalidParameterError, match=name):
        f16.analytic_cdf((150, 300), **kwargs)


def test_figure16_helpers_reject_bad_input():
    with pytest.raises(InvalidParameterError, match="ranges"):
        f16.figure16_all(ranges=3, trials=1)
    with pytest.raises(InvalidParameterError, match="df"):
        f16.compare_with_paper({})
    with pytest.raises(InvalidParameterError, match="latency"):
        f16.broadcast_time_ms(latency=None)


def _mc_model(lo, hi, size, seed=0):
    # the same model, sampled directly: T = lo − φ + r·B0 + Σ_{i≤G}(lo + r·Bi) + d
    rng = np.random.default_rng(seed)
    r, h, e = hi - lo, lo / 2, 2
    lat, disk = f16.LATENCY.mean, f16.DISK.mean
    x = min(1.0, lat / r)
    p_ok = (1 - x) ** 3 + 3 * x * (1 - x) ** 2  # at most one of the 3 other survivors collides
    g = rng.geometric(p_ok, size) - 1
    t = lo - rng.uniform(0, h, size) + r * rng.beta(1, e, size) + 4 * lat + disk
    extra = np.array([np.sum(lo + r * rng.beta(1, e, k)) for k in g])
    return t + extra


@pytest.mark.parametrize("rng_ms", [(150, 155), (150, 200), (12, 24)])
def test_analytic_cdf_matches_a_monte_carlo_of_the_model(rng_ms):
    samples = _mc_model(*rng_ms, size=20_000, seed=1)
    qs = np.quantile(samples, [0.1, 0.25, 0.5, 0.75, 0.9])
    _, F = f16.analytic_cdf(rng_ms, qs, dt=0.25)
    assert np.max(np.abs(F - [0.1, 0.25, 0.5, 0.75, 0.9])) < 0.02


def test_analytic_cdf_never_elects_without_randomness():
    t, F = f16.analytic_cdf((150, 150))
    assert F.max() == 0.0 and t[-1] >= f16.TIME_CAP_MS


def test_figure16_small_run_and_paper_comparison():
    df = f16.figure16_all(ranges=[(150, 155), (150, 200), (12, 24)], trials=40, seed=3)
    assert set(df["range"]) == {"150-155", "150-200", "12-24"}
    assert {"timeout_lo", "timeout_hi", "time_to_leader_ms", "messages"} <= set(df.columns)
    assert df["elected"].all() and (df["safety_violations"] == 0).all()
    # nobody times out before lo after the last heartbeat, sent at most h = lo/2 before the crash
    assert (df["time_to_leader_ms"] >= df["timeout_lo"] / 2).all()
    rows = {r["quantity"]: r for r in f16.compare_with_paper(df)}
    med = float(np.median(df.loc[df["range"] == "150-155", "time_to_leader_ms"]))
    assert rows["150-155 median"]["reproduction"] == pytest.approx(med)
    assert rows["150-155 median"]["paper_ms"] == 287


def test_broadcast_time_is_about_15_ms():
    # 2·E[U(1.5, 2.5)] + E[2 + LogNormal(median 8, σ 0.5)] = 4 + 2 + 8·e^(0.125)
    assert f16.broadcast_time_ms() == pytest.approx(4 + 2 + 8 * math.exp(0.125))
    assert 14 < f16.broadcast_time_ms() < 16


def test_data_file_records_the_code_parameters_and_paper_numbers():
    doc = tomllib.loads(DATA.read_text(encoding="utf-8"))
    model = doc["model"]
    assert f16.LATENCY.mean == pytest.approx(np.mean(model["latency"][1:3]))
    lat_kind, lo, hi = model["latency"]
    assert (lat_kind, lo, hi) == ("uniform", f16.LATENCY.lo, f16.LATENCY.hi)  # type: ignore[attr-defined]
    kind, median, sigma, shift = model["disk"]
    assert (kind, median, sigma, shift) == ("lognormal", f16.DISK.median, f16.DISK.sigma,  # type: ignore[attr-defined]
                                            f16.DISK.shift)  # type: ignore[attr-defined]
    assert model["time_cap_ms"] == f16.TIME_CAP_MS
    assert model["warmup_heartbeats"] == f16.WARMUP_HEARTBEATS
    assert model["broadcast_time_ms"] == pytest.approx(f16.broadcast_time_ms(), abs=0.01)
    paper = doc["paper_numbers"]
    assert paper["median_150_155_ms"] == f16.PAPER["150-155"]["value"] == 287
    assert paper["worst_150_200_ms"] == f16.PAPER["150-200"]["value"] == 513
    assert paper["mean_12_24_ms"] == f16.PAPER["12-24"]["value"] == 35
    assert paper["longest_12_24_ms"] == f16.PAPER["12-24 max"]["value"] == 152
    assert "USENIX ATC 2014" in doc["source"]["citation"]
    assert doc["setup"]["trials_150_150"] == f16.PAPER_TRIALS["150-150"] == 100


def test_analytic_worked_case_150_155():
    # P(split) = 1 − (0.6³ + 3·0.4·0.6²) = 0.352; the first round ends by lo + r + d
    assert f16.split_vote_probability(4, 2, 2.0 / 5.0) == pytest.approx(0.352)
    d = 4 * f16.LATENCY.mean + f16.DISK.mean
    _, F = f16.analytic_cdf((150, 155), np.array([150 + 5 + d + 1.0]), dt=0.1)
    assert F[0] == pytest.approx(1 - 0.352, abs=0.01)


def test_figure16_all_progress_bar_on_and_off(capsys):
    f16.figure16_all(ranges=[(150, 300)], trials=2, seed=1, progress=False)
    assert "Figure 16" not in capsys.readouterr().err
    f16.figure16_all(ranges=[(150, 300)], trials=2, seed=1)
    assert "Figure 16 ranges" in capsys.readouterr().err
