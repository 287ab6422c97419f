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


def _brute_split(s, n, x):
    # enumerate every subset of the s live servers that time out within l of the first
    # (each independently with probability x): split when at least s − ⌊n/2⌋ of them do
    p = 0.0
    for within in itertools.product((0, 1), repeat=s):
        k = sum(within)
        if k >= s - n // 2:
            p += x ** k * (1 - x) ** (s - k)
    return p


@pytest.mark.parametrize(("s", "n", "x"),
                         [(4, 5, 0.5), (4, 5, 0.1), (8, 9, 0.3), (3, 3, 0.7), (5, 9, 0.05),
                          (2, 2, 0.2), (6, 7, 0.2)])
def test_split_vote_probability_matches_enumeration(s, n, x):
    assert f16.split_vote_probability(s, n, x) == pytest.approx(_brute_split(s, n, x), abs=1e-12)


# Ongaro's dissertation, §9.3.1 ("How common are split votes?"), text and figure caption:
# (s, n, l, printed value, decimals of the printed percentage)
THESIS = [(4, 5, 0.01, 0.06, 2), (4, 5, 0.1, 5.2, 1), (4, 5, 0.2, 18.1, 1)]


@pytest.mark.parametrize(("s", "n", "lat", "percent", "digits"), THESIS)
def test_split_vote_probability_matches_the_thesis_to_its_printed_precision(s, n, lat, percent,
                                                                           digits):
    assert round(100 * f16.split_vote_probability(s, n, lat), digits) == percent


def test_split_vote_probability_issue_value_and_thesis_prose():
    # issue 13: n = 5, s = 4, l = 0.1 → 5.23 %
    assert round(100 * f16.split_vote_probability(4, 5, 0.1), 2) == 5.23
    # the thesis's prose for l = 0.2 ("about half", "about 15 %", "nearly 70 %", "about 35 %",
    # "about 10 %") and l = 0.1 (nine servers, four failed: "40 %")
    assert abs(f16.split_vote_probability(3, 5, 0.2) - 0.5) < 0.02
    assert round(f16.split_vote_probability(7, 9, 0.2), 2) == 0.15
    assert 0.65 < f16.split_vote_probability(5, 9, 0.2) < 0.70
    assert round(f16.split_vote_probability(6, 9, 0.2), 2) == 0.34  # "about 35 %"
    assert round(f16.split_vote_probability(6, 7, 0.2), 1) == 0.1
    assert round(f16.split_vote_probability(5, 9, 0.1), 1) == 0.4


@pytest.mark.parametrize(("s", "n", "lat"), [(4, 5, 0.1), (4, 5, 0.3), (3, 5, 0.2), (7, 9, 0.15)])
def test_split_vote_probability_matches_timer_order_statistics(s, n, lat):
    # the thesis's definition: split iff the c-th of s uniform timeouts falls within l of the
    # first, c = s − ⌊n/2⌋ + 1 (sampled directly, no binomial)
    rng = np.random.default_rng(7)
    size = 200_000
    t = np.sort(rng.random((size, s)), axis=1)
    c = s - n // 2 + 1
    hits = np.mean(t[:, c - 1] - t[:, 0] <= lat)
    p = f16.split_vote_probability(s, n, lat)
    assert abs(hits - p) < 4 * math.sqrt(p * (1 - p) / size) + 1e-9


@pytest.mark.slow
def test_split_vote_probability_matches_a_fixed_latency_raft_simulation():
    # the package's Raft simulator with a fixed 10 ms latency, no disk, timeouts 150–250 ms
    # (l = 0.1), one of five servers crashed: a split shows as a leader in a later term than 2
    from syncmodel.election import simulate
    from syncmodel.sim import Fixed

    trials = 3000
    df = simulate("raft", 5, trials, 13, timeout_ms=(150, 250), latency=Fixed(10.0),
                  disk=Fixed(0.0), warmup_heartbeats=0)
    split = float(np.mean(df["leader_term"] > 2))
    p = f16.split_vote_probability(4, 5, 0.1)
    assert abs(split - p) < 4 * math.sqrt(p * (1 - p) / trials)


def test_split_vote_worked_case_and_edges():
    assert f16.split_vote_probability(4, 5, 0.5) == pytest.approx(11 / 16)
    assert f16.split_vote_probability(4, 5, 0.0) == 0.0
    assert f16.split_vote_probability(4, 5, 1.0) == 1.0
    assert f16.split_vote_probability(1, 1, 0.5) == 0.0  # one server never splits
    assert f16.split_vote_probability(2, 5, 0.0) == 1.0  # no majority alive
    for bad in (-0.1, 1.1, float("nan")):
        with pytest.raises(InvalidParameterError, match="latency_fraction"):
            f16.split_vote_probability(4, 5, bad)


def test_split_vote_probability_large_clusters_and_bad_counts():
    p = f16.split_vote_probability(3000, 3001, 0.5)
    # split iff Bin(3000, 1/2) ≥ 1500: (1 + P(K = 1500)) / 2, in exact rationals
    exact = (1 + Fraction(math.comb(3000, 1500), 2 ** 3000)) / 2
    assert p == pytest.approx(float(exact), abs=1e-12)
    for s, n in ((True, 5), (4, 1.5), (0, 5), (6, 5)):
        with pytest.raises(InvalidParameterError, match="s" if n == 5 else "n"):
            f16.split_vote_probability(s, n, 0.5)


@pytest.mark.parametrize(("kwargs", "name"), [
    (dict(dt_ms=0), "dt_ms"), (dict(dt_ms=float("nan")), "dt_ms"), (dict(dt_ms=1e-9), "dt_ms"),
    (dict(cap_ms=-1), "cap_ms"), (dict(cap_ms=float("inf")), "cap_ms"),
    (dict(heartbeat_ms=float("nan")), "heartbeat_ms"), (dict(heartbeat_ms=1e308), "heartbeat_ms"),
    (dict(n=1), "n"), (dict(n="x"), "n"), (dict(behind=5), "behind"), (dict(behind=None), "behind"),
    (dict(latency="slow"), "latency"), (dict(t_ms="x"), "t_ms"), (dict(t_ms=[float("nan")]), "t_ms"),
    (dict(live=0), "live"), (dict(live=6), "live"), (dict(live=3, behind=3), "behind"),
    (dict(event_order="fifo"), "event_order"),
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
    with pytest.raises(InvalidParameterError, match="df"):
        f16.paper_table([1, 2])
    with pytest.raises(InvalidParameterError, match="batches"):
        f16.batch_maxima((12, 24), batches=0)
    with pytest.raises(InvalidParameterError, match="latency"):
        f16.broadcast_time_ms(latency=None)


def _mc_model(lo, hi, size, seed=0, order="logcabin"):
    # the same model, sampled directly: T = lo − φ + r·B0 + Σ_{i≤G}(lo + r·Bi) + d
    rng = np.random.default_rng(seed)
    r, h, e = hi - lo, lo / 2, 2
    lat, disk = f16.LATENCY.mean, f16.DISK.mean
    window = lat + disk if order == "logcabin" else lat
    x = min(1.0, window / r)
    # the first of the 4 live servers wins unless ≥ 2 of the 4 time out within the window
    # (the thesis's P(Bin(4, l) ≥ 2), written out)
    p_ok = (1 - x) ** 4 + 4 * x * (1 - x) ** 3
    g = rng.geometric(p_ok, size) - 1
    chain = 4 * disk + 3 * lat if order == "logcabin" else disk + 3 * lat
    t = lo - rng.uniform(0, h, size) + r * rng.beta(1, e, size) + lat + chain
    extra = np.array([np.sum(lo + r * rng.beta(1, e, k)) for k in g])
    return t + extra


@pytest.mark.parametrize("rng_ms", [(150, 155), (150, 200), (12, 24)])
@pytest.mark.parametrize("order", ["logcabin", "overlap"])
def test_analytic_cdf_matches_a_monte_carlo_of_the_model(rng_ms, order):
    samples = _mc_model(*rng_ms, size=20_000, seed=1, order=order)
    qs = np.quantile(samples, [0.1, 0.25, 0.5, 0.75, 0.9])
    _, F = f16.analytic_cdf(rng_ms, qs, dt_ms=0.25, event_order=order)
    assert np.max(np.abs(F - [0.1, 0.25, 0.5, 0.75, 0.9])) < 0.02


def test_analytic_cdf_old_dt_name_still_works_with_a_warning():
    with pytest.warns(DeprecationWarning, match="dt_ms"):
        old = f16.analytic_cdf((150, 200), [300.0], dt=1.0)
    new = f16.analytic_cdf((150, 200), [300.0], dt_ms=1.0)
    assert old[1][0] == new[1][0]


def test_analytic_cdf_takes_the_number_of_live_servers():
    # two of five down: s = 3 live, one behind; a bare majority splits far more often
    _, f4 = f16.analytic_cdf((150, 200), [400.0], behind=1)
    _, f3 = f16.analytic_cdf((150, 200), [400.0], live=3, behind=1)
    assert f3[0] < f4[0]
    # no majority alive: no leader at any time
    t, f2 = f16.analytic_cdf((150, 200), live=2, behind=0)
    assert f2.max() == 0.0 and t[-1] >= f16.TIME_CAP_MS


def test_analytic_cdf_never_elects_without_randomness():
    t, F = f16.analytic_cdf((150, 150))
    assert F.max() == 0.0 and t[-1] >= f16.TIME_CAP_MS


def test_figure16_small_run_and_paper_comparison():
    df = f16.figure16_all(ranges=[(150, 155), (150, 200), (12, 24)], trials=40, seed=3)
    assert set(df["range"]) == {"150-155", "150-200", "12-24"}
    assert {"timeout_lo_ms", "timeout_hi_ms", "time_to_leader_ms", "messages"} <= set(df.columns)
    assert df["elected"].all() and (df["safety_violations"] == 0).all()
    # nobody times out before lo after the last heartbeat, sent at most h = lo/2 before the crash
    assert (df["time_to_leader_ms"] >= df["timeout_lo_ms"] / 2).all()
    rows = {r["quantity"]: r for r in f16.compare_with_paper(df)}
    med = float(np.median(df.loc[df["range"] == "150-155", "time_to_leader_ms"]))
    assert rows["150-155 median"]["reproduction"] == pytest.approx(med)
    assert rows["150-155 median"]["paper_ms"] == 287


def test_broadcast_time_is_about_15_ms():
    # LogCabin's chain: 4 writes of E[1.3 + LogNormal(median 1, σ 1)] + 3 hops of E[U(0.1, 0.3)]
    disk = 1.3 + math.exp(0.5)
    assert f16.broadcast_time_ms() == pytest.approx(4 * disk + 3 * 0.2)
    assert 10 < f16.broadcast_time_ms() < 16
    assert f16.broadcast_time_ms(event_order="overlap") == pytest.approx(disk + 3 * 0.2)


def test_data_file_records_the_code_parameters_and_paper_numbers():
    doc = tomllib.loads(DATA.read_text(encoding="utf-8"))
    model = doc["model"]
    lat_kind, lo, hi = model["latency"]
    assert (lat_kind, lo, hi) == ("uniform", f16.LATENCY.lo, f16.LATENCY.hi)  # type: ignore[attr-defined]
    kind, median, sigma, shift = model["disk"]
    assert (kind, median, sigma, shift) == ("lognormal", f16.DISK.median, f16.DISK.sigma,  # type: ignore[attr-defined]
                                            f16.DISK.shift)  # type: ignore[attr-defined]
    assert model["event_order"] == f16.EVENT_ORDER
    assert model["timeout_step_ms"] == f16.TIMEOUT_STEP_MS
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
    # the calibration used the four quoted numbers and nothing else
    assert sorted(doc["calibration"]["targets"]) == sorted(
        k for k, v in f16.PAPER.items() if v["role"] == "calibration")


def test_analytic_worked_case_150_155():
    # LogCabin order: window = E[disk] + E[latency] = 3.149 ms of a 5 ms range, l = 0.630;
    # P(split) = P(Bin(4, l) ≥ 2) = 1 − (1 − l)⁴ − 4 l (1 − l)³
    w = f16.DISK.mean + f16.LATENCY.mean
    x = w / 5
    p = 1 - (1 - x) ** 4 - 4 * x * (1 - x) ** 3
    assert f16.split_vote_probability(4, 5, x) == pytest.approx(p)
    d = f16.LATENCY.mean + f16.broadcast_time_ms()
    _, F = f16.analytic_cdf((150, 155), np.array([150 + 5 + d + 1.0]), dt_ms=0.1, cap_ms=400.0)
    assert F[0] == pytest.approx(1 - p, abs=0.01)


def test_logcabin_order_differs_from_the_overlap_order_where_the_issue_says():
    # 12–24 ms: the overlap order leaves a voter's whole write inside its vulnerable window,
    # LogCabin's does not; the paper's mean is 35 ms
    a = f16.figure16((12, 24), 300, seed=5)
    b = f16.figure16((12, 24), 300, seed=5, event_order="overlap", latency=("uniform", 1.5, 2.5),
                     disk=("lognormal", 8.0, 0.5, 2.0))
    assert a["time_to_leader_ms"].mean() < 45 < b["time_to_leader_ms"].mean()
    assert (a["event_order"] == "logcabin").all() and (b["event_order"] == "overlap").all()


def test_paper_table_has_a_row_for_every_range():
    df = f16.figure16_all(trials=30, seed=4, progress=False,
                          ranges=[(150, 155), (12, 24), (25, 50), (150, 200)])
    tab = f16.paper_table(df)
    assert set(tab["range"]) == {"150-155", "12-24", "25-50", "150-200"}
    cal = tab[tab["role"] == "calibration"]
    assert len(cal) == 4  # 150-155 median, 150-200 max, 12-24 mean and max
    row = tab[(tab["range"] == "150-155") & (tab["statistic"] == "median")].iloc[0]
    t = df.loc[df["range"] == "150-155", "time_to_leader_ms"]
    assert row["model"] == pytest.approx(float(np.median(t))) and row["paper"] == 287
    assert row["ok"] == (abs(row["model"] / 287 - 1) <= 0.15)
    other = tab[tab["range"] == "25-50"].iloc[0]
    assert other["role"] == "test" and other["paper"] == 43.0 and other["statistic"] == "median"
    t = df.loc[df["range"] == "25-50", "time_to_leader_ms"]
    assert other["ok"] == (abs(float(np.median(t)) / 43.0 - 1) <= 0.10)


def test_batch_maxima_are_the_maxima_of_independent_batches():
    m = f16.batch_maxima((12, 24), batches=3, trials=20, seed=1)
    assert m.shape == (3,) and len(set(m.tolist())) == 3
    from syncmodel.rng import spawn

    first = f16.figure16((12, 24), 20, spawn(1, 3)[0])["time_to_leader_ms"].max()
    assert m[0] == pytest.approx(first)


def test_figure16_all_progress_bar_on_and_off(capsys):
    f16.figure16_all(ranges=[(150, 300)], trials=2, seed=1, progress=False)
    assert "Figure 16" not in capsys.readouterr().err
    f16.figure16_all(ranges=[(150, 300)], trials=2, seed=1)
    assert "Figure 16 ranges" in capsys.readouterr().err
