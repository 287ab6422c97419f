"""Regression tests for issue 14's silent wrong answers: each one failed before its fix."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import math
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from syncmodel import sweep
from syncmodel.errors import InvalidParameterError
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


# --- 2. the sweep cache key covers everything that can change a result -----------------

def _module(tmp_path: Path, name: str, source: str) -> types.ModuleType:
    """Import ``source`` as a fresh module ``name`` (replacing an earlier one)."""
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _run(fn: Any, cache: Path, grid: Any = None, **kw: Any) -> list[Any]:
    df = sweep.run(fn, grid or {"n": [1, 2]}, progress=False, cache=cache, **kw)
    return df["y"].tolist()


def test_cache_key_follows_default_arguments(tmp_path: Path) -> None:
    src = "def f(n, seed, scale={}):\n    return {{'y': n * scale}}\n"
    a = _module(tmp_path, "relmod_defaults", src.format(1))
    assert _run(a.f, tmp_path / "c") == [1, 2]
    b = _module(tmp_path, "relmod_defaults", src.format(1000))
    assert _run(b.f, tmp_path / "c") == [1000, 2000]


def test_cache_key_follows_keyword_only_defaults(tmp_path: Path) -> None:
    src = "def f(n, seed, *, scale={}):\n    return {{'y': n * scale}}\n"
    a = _module(tmp_path, "relmod_kwdefaults", src.format(2))
    b = _module(tmp_path, "relmod_kwdefaults", src.format(3))
    assert sweep.task_key(a.f, {"n": 1}, 0) != sweep.task_key(b.f, {"n": 1}, 0)


def test_cache_key_follows_parameter_names(tmp_path: Path) -> None:
    # the same bytecode (local 0 minus twice local 1) with the names swapped
    a = _module(tmp_path, "relmod_swap", "def f(a, b, seed):\n    return {'y': a - 2 * b}\n")
    assert _run(a.f, tmp_path / "c", {"a": [1], "b": [10]}) == [-19]
    b = _module(tmp_path, "relmod_swap", "def f(b, a, seed):\n    return {'y': b - 2 * a}\n")
    assert _run(b.f, tmp_path / "c", {"a": [1], "b": [10]}) == [8]


def test_cache_key_follows_closure_values(tmp_path: Path) -> None:
    def make(k: Any) -> Any:
        def f(n: int, seed: int) -> dict[str, Any]:
            return {"y": n * int(np.sum(k))}
        return f

    assert _run(make(1), tmp_path) == [1, 2]
    assert _run(make(5), tmp_path) == [5, 10]
    assert _run(make(np.array([2])), tmp_path) == [2, 4]
    assert _run(make(np.array([3])), tmp_path) == [3, 6]


def test_closure_without_stable_text_is_refused_not_guessed(tmp_path: Path) -> None:
    lock = threading.Lock()

    def f(n: int, seed: int) -> dict[str, Any]:
        with lock:
            return {"y": n}

    with pytest.raises(InvalidParameterError, match="cache_key"):
        sweep.run(f, {"n": [1]}, progress=False, cache=tmp_path)
    assert sweep.run(f, {"n": [1]}, progress=False, cache=tmp_path, cache_key="v1")["y"].tolist() == [1]


def test_cache_key_follows_helpers_and_constants_of_user_modules(tmp_path: Path) -> None:
    src = """
        import relmod_helper_lib as lib
        SCALE = {scale}
        def helper(n):
            return n + {offset}
        def f(n, seed):
            return {{'y': helper(n) * SCALE + lib.extra(n)}}
    """
    lib = "def extra(n):\n    return {}\n"
    _module(tmp_path, "relmod_helper_lib", lib.format(0))
    a = _module(tmp_path, "relmod_helper", src.format(scale=1, offset=0))
    assert _run(a.f, tmp_path / "c") == [1, 2]
    b = _module(tmp_path, "relmod_helper", src.format(scale=1, offset=10))  # helper changed
    assert _run(b.f, tmp_path / "c") == [11, 12]
    c = _module(tmp_path, "relmod_helper", src.format(scale=2, offset=10))  # constant changed
    assert _run(c.f, tmp_path / "c") == [22, 24]
    _module(tmp_path, "relmod_helper_lib", lib.format(100))  # module.function changed
    d = _module(tmp_path, "relmod_helper", src.format(scale=2, offset=10))
    assert _run(d.f, tmp_path / "c") == [122, 124]


def test_cache_key_distinguishes_equal_values_of_other_types(tmp_path: Path) -> None:
    def f(v: Any, seed: int) -> dict[str, Any]:
        return {"y": type(v).__name__}

    grid = [{"v": (1, 2)}, {"v": [1, 2]}, {"v": 1}, {"v": 1.0}, {"v": True}]
    keys = {sweep.task_key(f, point, 0) for point in grid}
    assert len(keys) == len(grid)
    df = sweep.run(f, grid, progress=False, cache=tmp_path)
    again = sweep.run(f, grid, progress=False, cache=tmp_path)
    assert df["y"].tolist() == again["y"].tolist() == ["tuple", "list", "int", "float", "bool"]


def test_cache_key_argument_names_the_version(tmp_path: Path) -> None:
    def f(n: int, seed: int) -> dict[str, Any]:
        return {"y": n}

    k1 = sweep.task_key(f, {"n": 1}, 0, cache_key="v1")
    assert k1 == sweep.task_key(f, {"n": 1}, 0, cache_key="v1")
    assert k1 != sweep.task_key(f, {"n": 1}, 0, cache_key="v2")
    with pytest.raises(InvalidParameterError, match="cache_key"):
        sweep.run(f, {"n": [1]}, progress=False, cache_key="v1")  # no cache to name
    with pytest.raises(InvalidParameterError, match="cache_key"):
        sweep.run(f, {"n": [1]}, progress=False, cache=tmp_path, cache_key=object())


# --- 3. write_figure keeps every dot of the name; a path with no name is refused ------

@pytest.fixture
def fig() -> Any:
    import plotly.graph_objects as go

    return go.Figure(go.Scatter(x=[0, 1], y=[1, 0]))


@pytest.mark.parametrize("names", [("n=0.5", "n=0.7"), ("run.v1", "run.v2"),
                                   ("a.b.c", "a.b.d"), ("x.svg.bak", "x.svg.old")])
def test_figure_names_with_dots_do_not_collide(tmp_path: Path, fig: Any,
                                               names: tuple[str, str]) -> None:
    from syncmodel.export import write_figure

    a = write_figure(fig, tmp_path / names[0], ["html"])
    b = write_figure(fig, tmp_path / names[1], ["html"])
    assert [p.name for p in a] == [f"{names[0]}.html"]
    assert [p.name for p in b] == [f"{names[1]}.html"]
    assert a[0].exists() and b[0].exists()


def test_known_format_suffix_is_replaced(tmp_path: Path, fig: Any) -> None:
    from syncmodel.export import write_figure

    assert [p.name for p in write_figure(fig, tmp_path / "f.pdf", ["html"])] == ["f.html"]
    assert [p.name for p in write_figure(fig, tmp_path / "n=0.5.png", ["html"])] == ["n=0.5.html"]


@pytest.mark.parametrize("bad", ["", ".", "/", "..", "sub/"])
def test_path_without_file_name_is_refused_by_name(tmp_path: Path, fig: Any, bad: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from syncmodel.export import write_figure

    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidParameterError, match="path"):
        write_figure(fig, bad, ["html"])
    assert list(tmp_path.iterdir()) == []


def test_stale_part_files_of_killed_writers_are_removed(tmp_path: Path, fig: Any) -> None:
    from syncmodel.export import write_figure

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)  # a process that has exited
    stale = tmp_path / f".fig.html.{pid}.abcd1234.part"
    live = tmp_path / f".fig.html.{os.getppid()}.abcd1234.part"  # a running writer's
    other = tmp_path / f".other.html.{pid}.abcd1234.part"
    for f in (stale, live, other):
        f.write_bytes(b"half a figure")
    write_figure(fig, tmp_path / "fig", ["html"])
    assert not stale.exists() and live.exists() and other.exists()


# --- 5b. `syncmodel figures --out` checks the output before building any figure -------

def _can_mount() -> bool:
    return sys.platform.startswith("linux") and os.geteuid() == 0 and shutil.which("mount") is not None


@contextlib.contextmanager
def tmpfs(path: Path, size: str = "1m", readonly: bool = False) -> Iterator[Path]:
    """A small tmpfs at ``path`` (root on Linux only: the test skips otherwise)."""
    path.mkdir(parents=True, exist_ok=True)
    if not _can_mount():
        pytest.skip("mounting a tmpfs needs root on Linux")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                       capture_output=True, text=True)
    if r.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        if readonly:
            subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def _figures_cli(out: Path, capsys: pytest.CaptureFixture[str],
                 monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str, list[str]]:
    from syncmodel import cli, figures

    built: list[str] = []
    real = figures.discover

    def spy() -> dict[str, Any]:
        specs = real()
        return {name: dataclasses.replace(spec, build=lambda small=False, _n=name, _s=spec: (
            built.append(_n), _s.build(small=small))[1]) for name, spec in specs.items()}

    monkeypatch.setattr(figures, "discover", spy)
    code = cli.main(["figures", "--out", str(out), "--only", "availability_nines",
                     "--formats", "html", "--small"])
    cap = capsys.readouterr()
    return code, cap.out, cap.err, built


def test_figures_out_is_an_existing_file(tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    out = tmp_path / "file"
    out.write_text("x")
    code, stdout, err, built = _figures_cli(out, capsys, monkeypatch)
    assert code == 2 and "out must be a folder" in err and "existing file" in err
    assert built == [] and stdout == ""


def test_figures_out_under_a_file(tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    (tmp_path / "file").write_text("x")
    code, stdout, err, built = _figures_cli(tmp_path / "file" / "sub" / "dir", capsys, monkeypatch)
    assert code == 2 and "under the file" in err and built == [] and stdout == ""


def test_figures_out_target_is_a_folder(tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    (tmp_path / "availability_nines.html").mkdir()
    code, stdout, err, built = _figures_cli(tmp_path, capsys, monkeypatch)
    assert code == 2 and "availability_nines.html" in err and built == [] and stdout == ""


def test_figures_out_unwritable_folder(tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    with tmpfs(tmp_path / "ro", readonly=True) as ro:
        code, stdout, err, built = _figures_cli(ro, capsys, monkeypatch)
        assert code == 2 and "writable" in err and built == [] and stdout == ""
        code, stdout, err, built = _figures_cli(ro / "new", capsys, monkeypatch)
        assert code == 2 and "can be made" in err and built == []


def test_figures_out_that_works_builds(tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    code, _out, _err, built = _figures_cli(tmp_path / "a" / "b", capsys, monkeypatch)
    assert code == 0 and built == ["availability_nines"]
    assert (tmp_path / "a" / "b" / "availability_nines.html").exists()


# --- 4. t_visibility_sim: each point's Wilson interval from its own count ---------------

def test_t_visibility_sim_interval_per_point_count() -> None:
    from syncmodel.sync.pbs import wilson
    from syncmodel.sync.staleness import t_visibility_sim

    # 7 trials over 3 points: counts 3, 2, 2; each interval must use its own count
    res = t_visibility_sim(3, 1, 1, [0.0, 0.5, 5.0], "LNKD-SSD", trials=7, seed=3)
    assert res.reads.tolist() == [3, 2, 2]
    for j in range(3):
        lo, hi = wilson(float(res.fresh[j]), int(res.reads[j]), 1.96)
        assert (res.lo[j], res.hi[j]) == pytest.approx((float(lo), float(hi)))
        assert res.lo[j] <= res.fresh[j] <= res.hi[j]


def test_t_visibility_sim_uneven_counts_independent_check() -> None:
    from syncmodel.sync.staleness import t_visibility_sim

    # Wilson's interval written out independently for p = 1 observed in c trials:
    # centre (1 + z²/2c)/(1 + z²/c), half (z²/2c)/(1 + z²/c) -> lo = 1/(1 + z²/c), hi = 1
    res = t_visibility_sim(3, 2, 2, [0.0, 1.0], "LNKD-SSD", trials=5, seed=0)  # strict: p = 1
    z2 = 1.96**2
    for c, lo, hi in zip(res.reads, res.lo, res.hi, strict=True):
        assert lo == pytest.approx(1 / (1 + z2 / c)) and hi == pytest.approx(1.0)


def test_t_visibility_sim_points_without_samples_are_refused() -> None:
    from syncmodel.sync.staleness import t_visibility_sim

    with pytest.raises(InvalidParameterError, match="trials"):
        t_visibility_sim(3, 1, 1, [0.0, 1.0, 2.0], trials=2, seed=0)
    with pytest.raises(InvalidParameterError, match="t_ms"):
        t_visibility_sim(3, 1, 1, [[1.0]], trials=2, seed=0)


# --- 6. bad input escaped as the wrong error: the cases, by root cause -------------

def _refused(call: Any, name: str) -> None:
    with pytest.raises(InvalidParameterError, match=name):
        call()


def test_array_or_series_for_a_string_option() -> None:
    import pandas as pd

    from syncmodel import quorum
    from syncmodel.failure import failure_probability

    s3 = choose(2, 3)
    arr = np.array(["wilson", "x"])
    _refused(lambda: failure_probability_mc(s3, 0.1, samples=10, interval=arr), "interval")
    _refused(lambda: failure_probability(s3, 0.1, method=np.array(["auto", "x"])), "method")
    _refused(lambda: quorum.majority(3).availability(0.1, op=pd.Series(["read", "write"])), "op")
    _refused(lambda: quorum.majority(3).strategy(optimize=np.array(["load", "load"])), "optimize")


def test_zero_d_array_for_a_collection() -> None:
    import syncmodel as sm
    from syncmodel import election, structure

    _refused(lambda: sm.consistency_set(np.array(3)), "sets")
    _refused(lambda: structure.all_of(np.array(3)), "xs")
    _refused(lambda: election.hash_election(np.array(3)), "ids")
    _refused(lambda: structure.majority_of(3).tree(order=np.array(0)), "order")


def test_int_too_large_for_a_float() -> None:
    import syncmodel as sm
    from syncmodel import markov, quorum, sim

    _refused(lambda: sm.failure_probability(choose(2, 3), 10**400), "p")
    _refused(lambda: quorum.majority(3).load(read_fraction=10**400), "read_fraction")
    _refused(lambda: markov.system(choose(2, 3), mttf=10**400, mttr=1.0), "mttf")
    _refused(lambda: sim.Fixed(10**400), "value")


def test_huge_counts_refused_by_name_at_the_documented_bound() -> None:
    from syncmodel import election, quorum, rng
    from syncmodel.errors import MAX_COUNT, check_int

    assert check_int("n", MAX_COUNT, 1) == MAX_COUNT
    _refused(lambda: check_int("n", MAX_COUNT + 1, 1), "MAX_COUNT")
    _refused(lambda: quorum.majority(10**20), "n")
    _refused(lambda: election.simulate("raft", trials=2**63), "trials")
    _refused(lambda: rng.spawn(0, 2**63), "n")


def test_never_validated_parameters() -> None:
    from syncmodel import election, quorum, structure, viz
    from syncmodel.sync import versioning
    from syncmodel.sync.staleness import t_visibility_sim
    from syncmodel.systems.ring import HashRing

    _refused(lambda: election.reference_failure(timeout_s=0), "timeout_s")
    _refused(lambda: structure.majority_of(3).tree(order=0), "order")
    _refused(lambda: HashRing(["a", "b"]).lookup(None), "hashes")
    _refused(lambda: versioning.lww_lost_fraction(5e-324, 5), "rate_per_s")
    _refused(lambda: t_visibility_sim(3, 1, 1, [[1.0]]), "t_ms")
    _refused(lambda: quorum.majority(3).make_strategy({1: 2}, {(0, 1): 1}), "sigma_r")
    _refused(lambda: viz.line_figure(x=[[1, 2], [3]], series={"a": [1, 2]}), "x")


def test_messages_name_the_wrong_parameter_no_more() -> None:
    from syncmodel import markov, quorum, sync
    from syncmodel.sync import pbs

    with pytest.raises(InvalidParameterError, match=r"^name "):
        pbs.profile("x")
    with pytest.raises(InvalidParameterError, match=r"^n_runs "):
        sync.replicate(-1)
    with pytest.raises(InvalidParameterError, match=r"^mttf "):
        markov.system(choose(2, 3), mttf=5e-324, mttr=1.0)
    with pytest.raises(InvalidParameterError, match=r"^xs "):
        quorum.majority(3).is_read_quorum(0)
    with pytest.raises(InvalidParameterError, match=r"^fractions "):
        quorum.majority(3).capacity_curve([-1])


def test_tiny_valid_weighted_threshold_is_taken() -> None:
    from syncmodel import quorum

    # threshold 1e-300: any node with a vote reads; writes need every vote (2 + 1 + 1 > 4 − 1e-300)
    q = quorum.weighted([2, 1, 1], 1e-300)
    assert sorted(map(sorted, q.read_quorums())) == [[0], [1], [2]]
    assert q.write_quorums() == [frozenset({0, 1, 2})]
    assert q.is_consistent()


def test_bools_are_not_numbers() -> None:
    from syncmodel import sync
    from syncmodel.sync import metrics, pbs

    _refused(lambda: pbs.ParetoExponential(True, 1.0, 2.0, 1.0), "p_pareto")
    _refused(lambda: pbs.ParetoExponential(0.5, True, 2.0, 1.0), "xm")
    run = sync.simulate_store(n=3, seed=0, duration_ms=50.0)
    _refused(lambda: metrics.k_staleness(run, k=True), "k")
    _refused(lambda: sync.random_faults(n=True, duration_ms=10.0), "n")
