"""Presets: documented defaults with sources, derived quorums, invariants and bad input."""

from __future__ import annotations

import math
import tomllib

import pytest

from syncmodel import systems
from syncmodel.errors import InvalidParameterError

ARTICLE = ["etcd", "zookeeper", "consul", "cassandra", "cockroachdb", "redis", "memcached",
           "hdfs", "glusterfs"]


def test_names_cover_the_article_systems():
    assert systems.names() == ARTICLE


def test_every_default_has_a_documentation_source():
    raw = tomllib.loads(systems.DATA_FILE.read_text())
    text = systems.DATA_FILE.read_text()
    assert text.lstrip().startswith("#") and "Provenance" in text
    for name in ARTICLE:
        table = raw[name]
        assert table["sources"], name
        for key, url in table["sources"].items():
            assert url.startswith("https://"), (name, key)
            assert key in table or key.endswith("_rule"), (name, key)


@pytest.mark.parametrize(
    ("name", "key", "value"),
    [("etcd", "heartbeat_ms", 100.0), ("etcd", "election_timeout_ms", 1000.0),
     ("zookeeper", "tick_ms", 2000.0), ("zookeeper", "sync_limit", 5), ("zookeeper", "init_limit", 10),
     ("consul", "raft_multiplier", 5), ("redis", "down_after_ms", 30000.0),
     ("redis", "sentinel_quorum", 2), ("glusterfs", "ping_timeout_ms", 42000.0),
     ("cockroachdb", "election_timeout_ms", 3000.0)],
)
def test_documented_numbers(name, key, value):
    assert getattr(systems.preset(name), key) == value


def test_documented_shapes():
    etcd, zk, consul = (systems.preset(n) for n in ("etcd", "zookeeper", "consul"))
    assert (etcd.election, etcd.read_path, etcd.fresh_reads) == ("raft", "readindex", True)
    assert (zk.election, zk.read_path, zk.fresh_reads) == ("zab-fle", "local", False)
    assert consul.read_path == "default" and consul.election == "raft"
    cas = systems.preset("cassandra")
    assert (cas.replicas, cas.read_quorum, cas.write_quorum, cas.conflict) == (3, 1, 1, "lww")
    assert cas.hinted_handoff and cas.read_repair
    crdb = systems.preset("cockroachdb")
    assert (crdb.replicas, crdb.read_path, crdb.replication) == (3, "leaseholder", "consensus")
    redis = systems.preset("redis")
    assert (redis.replication, redis.election, redis.wait_replicas) == ("async", "sentinel", 0)
    mc = systems.preset("memcached")
    assert (mc.replicas, mc.replication, mc.tolerated_failures) == (1, "none", 0)
    hdfs = systems.preset("hdfs")
    assert (hdfs.replicas, hdfs.placement) == (3, "rack-aware")
    gl = systems.preset("glusterfs")
    assert (gl.replicas, gl.quorum_type, gl.write_quorum) == (3, "auto", 2)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7])
def test_consensus_ensemble_of_2f_plus_1(n):
    # a majority ensemble of n tolerates f = ⌊(n − 1)/2⌋ failures: 2f+1 is the cheapest size
    for name in ("etcd", "zookeeper", "consul"):
        m = systems.preset(name, nodes=n)
        assert m.write_quorum == n // 2 + 1
        assert m.tolerated_failures == (n - 1) // 2
        assert 2 * m.write_quorum > n  # any two write quorums intersect


def test_read_paths_change_the_read_quorum():
    assert systems.preset("etcd", read_path="serializable").read_quorum == 1
    assert systems.preset("etcd").read_quorum == 2
    assert systems.preset("zookeeper", read_path="sync").read_quorum == 2
    assert systems.preset("consul", read_path="consistent").read_quorum == 2
    assert systems.preset("consul", read_path="stale").fresh_reads is False
    assert systems.preset("consul", read_path="consistent").fresh_reads is True


@pytest.mark.parametrize(("level", "k"), [("ONE", 1), ("TWO", 2), ("THREE", 3), ("QUORUM", 2), ("ALL", 3)])
def test_cassandra_consistency_levels(level, k):
    m = systems.preset("cassandra", consistency_read=level, consistency_write=level)
    assert m.read_quorum == m.write_quorum == k
    # R + W > N is exactly the strong (intersecting) setting
    assert (m.read_quorum + m.write_quorum > m.replicas) == (level in ("QUORUM", "ALL", "TWO", "THREE"))


def test_cassandra_quorum_of_five():
    m = systems.preset("cassandra", replicas=5, consistency_read="QUORUM", consistency_write="QUORUM")
    assert m.read_quorum == 3 == math.floor(5 / 2) + 1


def test_redis_wait_and_glusterfs_quorum_overrides():
    assert systems.preset("redis", wait_replicas=1).write_quorum == 2
    assert systems.preset("glusterfs", quorum_type="none").write_quorum == 1
    assert systems.preset("glusterfs", arbiter=True).arbiter is True


def test_consul_timeouts_scale_with_raft_multiplier():
    assert systems.preset("consul").election_timeout_range_ms() == (5000.0, 10000.0)
    assert systems.preset("consul", raft_multiplier=1).election_timeout_range_ms() == (1000.0, 2000.0)
    assert systems.preset("etcd").election_timeout_range_ms() == (1000.0, 2000.0)
    assert systems.preset("cassandra").election_timeout_range_ms() is None


def test_presets_are_frozen():
    m = systems.preset("etcd")
    with pytest.raises(AttributeError):
        m.nodes = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        m.params["heartbeat_ms"] = 1.0  # type: ignore[index]
    with pytest.raises(AttributeError):
        _ = m.no_such_setting


@pytest.mark.parametrize(
    ("name", "overrides", "needle"),
    [("etcd", {"nodes": 0}, "nodes"),
     ("etcd", {"nodes": -3}, "nodes"),
     ("etcd", {"nodes": 2.5}, "nodes"),
     ("etcd", {"replicas": 2}, "replicas"),
     ("cassandra", {"replicas": 7}, "replicas"),
     ("hdfs", {"replicas": 10}, "replicas"),
     ("etcd", {"heartbeat_ms": 1000.0}, "heartbeat_ms"),
     ("etcd", {"election_timeout_ms": float("nan")}, "election_timeout_ms"),
     ("etcd", {"heartbeat_ms": -1.0}, "heartbeat_ms"),
     ("etcd", {"read_path": "stale"}, "read_path"),
     ("consul", {"raft_multiplier": 11}, "raft_multiplier"),
     ("consul", {"leader_lease_ms": 2000.0}, "leader_lease_ms"),
     ("cassandra", {"consistency_read": "EACH"}, "consistency_read"),
     ("cassandra", {"replicas": 2, "consistency_read": "THREE"}, "consistency_read"),
     ("redis", {"sentinel_quorum": 4}, "sentinel_quorum"),
     ("redis", {"wait_replicas": 3}, "wait_replicas"),
     ("memcached", {"replicas": 2}, "replicas"),
     ("hdfs", {"racks": 2}, "racks"),
     ("hdfs", {"racks": 9}, "nodes"),
     ("glusterfs", {"nodes": 2, "replicas": 2, "arbiter": True}, "arbiter"),
     ("glusterfs", {"quorum_type": "fixed"}, "quorum_type"),
     ("zookeeper", {"tick_ms": 0}, "tick_ms"),
     ("etcd", {"colour": "blue"}, "colour")],
)
def test_bad_overrides(name, overrides, needle):
    with pytest.raises(InvalidParameterError, match=needle):
        systems.preset(name, **overrides)


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(InvalidParameterError) as e:
        systems.preset("mongodb")
    for name in ARTICLE:
        assert name in str(e.value)
    with pytest.raises(InvalidParameterError):
        systems.preset(3)  # type: ignore[arg-type]


def test_name_is_case_insensitive():
    assert systems.preset("ETCD").name == "etcd"


def test_presets_are_hashable_values():
    assert systems.preset("etcd") == systems.preset("etcd")
    assert hash(systems.preset("etcd")) == hash(systems.preset("etcd"))
    assert systems.preset("etcd") != systems.preset("etcd", heartbeat_ms=50.0)
    assert len({systems.preset("etcd"), systems.preset("etcd"), systems.preset("consul")}) == 2
