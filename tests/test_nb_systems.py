"""Notebook 06 runs headless with small parameters; its numbers are checked independently."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from nbrun import run_notebook

pytestmark = pytest.mark.notebook


@pytest.mark.slow
def test_notebook_06(tmp_path):
    s = run_notebook("06_real_systems.ipynb", FIG_DIR=str(tmp_path), TRIALS=10, WRITES=200, P_NODE=0.05)
    p = 0.05
    majority3 = 1 - (3 * p**2 * (1 - p) + p**3)
    for name in ("etcd", "zookeeper", "consul", "cockroachdb"):
        assert s[f"{name}_availability"] == pytest.approx(majority3)
    assert s["memcached_availability"] == pytest.approx(1 - p)
    assert s["cassandra_stale_read"] == pytest.approx(math.comb(2, 1) / math.comb(3, 1))
    assert s["etcd_stale_read"] == 0.0
    assert s["hdfs_random_loss"] == pytest.approx(math.comb(3, 3) / math.comb(9, 3))
    assert s["hdfs_rack_aware_loss"] == 0.0 and s["hdfs_rack_aware_survives"] is True
    assert abs(s["memcached_lost"] - 1 / 4) < 0.1
    assert s["zookeeper_fle_leader"] == 1
    assert s["redis_lost_wait"] <= s["redis_lost_async"]
    assert s["etcd_lost_writes"] == 0
    assert s["glusterfs_downtime_median_ms"] == 42000.0
    assert s["consul_default_window"] == 0.0
    assert s["cassandra_hint_missed"] == pytest.approx(1 - 3 / 6)
    assert s["cassandra_fresh_with_repair"] > s["cassandra_fresh_without_repair"]
    assert Path(s["figure"]).exists()
    assert (tmp_path / "systems_comparison.pdf").exists()
