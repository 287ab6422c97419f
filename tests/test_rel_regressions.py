"""Regression tests for issue 14's silent wrong answers: each one failed before its fix."""

from __future__ import annotations

import math

import pytest

from syncmodel.failure import Domain, failure_probability_mc
from syncmodel.structure import choose


# --- 1. Monte Carlo with >= 256 failure domains (a uint8 counter wrapped) -------------

def test_mc_256_certain_domains_fail_the_system() -> None:
    # every one of 256 domains holds all 3 nodes and is surely down: P(S) = 1 exactly
    doms = [Domain([0, 1, 2], 1.0, f"d{i}") for i in range(256)]
    r = failure_probability_mc(choose(2, 3), 0.0, domains=doms, samples=1000, seed=1)
    assert r.estimate == 1.0 and r.failures == 1000


def test_mc_256_likely_domains_interval_covers_truth() -> None:
    # q = 0.99 each: the system survives only if all 256 domains are up, truth 1 - 0.01^256
    doms = [Domain([0, 1, 2], 0.99, f"d{i}") for i in range(256)]
    r = failure_probability_mc(choose(2, 3), 0.0, domains=doms, samples=1000, seed=1)
    truth = 1.0 - 0.01**256
    assert r.low <= truth <= r.high
    assert r.estimate == 1.0


@pytest.mark.parametrize("count", [255, 256, 257, 511, 512, 600])
def test_mc_domain_count_around_byte_boundaries(count: int) -> None:
    # one domain in `count` down with certainty is enough; independent count of the others
    doms = [Domain([0, 1, 2], 1.0 if i == 0 else 0.5, f"d{i}") for i in range(count)]
    r = failure_probability_mc(choose(2, 3), 0.0, domains=doms, samples=200, seed=2)
    assert r.estimate == 1.0
    assert not math.isnan(r.low)
