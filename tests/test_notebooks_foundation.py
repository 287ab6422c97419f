"""Notebooks 00 and 01 run headless with small parameters; their numbers are checked."""

from __future__ import annotations

from math import comb

import pytest
from nbrun import run_notebook

from syncmodel.export import find_browser
from syncmodel.figures.sets import EXAMPLE_HOLDINGS

pytestmark = pytest.mark.notebook


def test_01_consistency_availability(tmp_path):
    s = run_notebook("01_consistency_availability.ipynb", FIG_DIR=str(tmp_path), DOWN=["n4"])
    holdings = {n: set(f) for n, f in EXAMPLE_HOLDINGS.items()}
    every = set().union(*holdings.values())
    c = {f for f in every if all(f in h for h in holdings.values())}
    a = set().union(*(h for n, h in holdings.items() if n != "n4"))
    assert (s["c_size"], s["a_size"]) == (len(c), len(a))
    assert s["ratio"] == pytest.approx(len(c) / len(a))
    # live replicas converge to the newest live versions; n4 still holds its own disk
    newest: dict[str, int] = {}
    for n, h in holdings.items():
        if n != "n4":
            for k, v in h:
                newest[k] = max(v, newest.get(k, -1))
    live = set(newest.items())
    c_live = live & holdings["n4"]
    assert s["ratio_after_live_gossip"] == pytest.approx(len(c_live) / len(live))
    assert s["ratio_final"] == 1.0
    suffix = "pdf" if find_browser() else "html"
    assert (tmp_path / f"consistency_availability.{suffix}").stat().st_size > 1000


def test_00_tour(tmp_path):
    n = 4
    s = run_notebook("00_tour.ipynb", FIG_DIR=str(tmp_path), N_REPLICAS=n, ROUNDS=2, P_NODE=0.1)
    # majority of 5 at p = 0.1: at least 3 of 5 up, a binomial sum (the 0.99144)
    assert s["f_majority_5"] == pytest.approx(
        sum(comb(5, k) * 0.9**k * 0.1 ** (5 - k) for k in (3, 4, 5)), rel=1e-12)
    # replica i holds x:i+1 and y:n-i, so no fact is shared by all: C = ∅
    assert s["ratio_start"] == 0.0
    # two ring rounds carry the newest version of every key to every replica
    assert s["ratio_end"] == 1.0
    suffix = "pdf" if find_browser() else "html"
    assert (tmp_path / f"tour_convergence.{suffix}").exists()
