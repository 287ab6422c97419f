"""Fault injection into the sweep cache and the figure export (issue 14, items 6 and 7):
damaged, odd or unwritable cache files, a full disk, concurrent writers, SIGKILL of a
process-pool sweep, an export killed mid-write.  Each case: no crash mid-run, no hang,
no wrong value, no orphan process."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import syncmodel
from syncmodel import _cache, sweep

pytestmark = pytest.mark.timeout(120)

GRID = {"n": [3, 5, 7, 9], "p": [0.1, 0.3]}
ENV = {**os.environ, "PYTHONPATH": str(Path(syncmodel.__file__).parent.parent)}


def metric(n: int, p: float, seed: int) -> dict[str, Any]:
    g = np.random.default_rng(seed)
    return {"x": float(g.random()), "k": int(g.binomial(n, p)), "label": f"n{n}"}


def files(d: Path) -> list[Path]:
    return sorted(d.glob("*/*.parquet"))


def fresh(grid: Any = GRID, fn: Any = metric) -> pd.DataFrame:
    return sweep.run(fn, grid, replicates=2, seed=9, progress=False)


def cached(cache: Path, grid: Any = GRID, fn: Any = metric, **kw: Any) -> pd.DataFrame:
    return sweep.run(fn, grid, replicates=2, seed=9, progress=False, cache=cache, **kw)


def quiet(cache: Path, **kw: Any) -> tuple[pd.DataFrame, list[str]]:
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        df = cached(cache, **kw)
    return df, [str(w.message) for w in rec]


@contextlib.contextmanager
def tmpfs(path: Path, size: str = "1m") -> Iterator[Path]:
    """A small tmpfs at ``path``; skips the test where it cannot be mounted (needs root)."""
    path.mkdir(parents=True, exist_ok=True)
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root on Linux")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                       capture_output=True, text=True)
    if r.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def remount_ro(path: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True)


# ---------------------------------------------------------------- damaged files

def _flip_and_load(path: Path, original: bytes, key: str, want: dict[str, Any],
                   positions: list[int]) -> tuple[int, int]:
    """Flip each bit position, load; every load is None or the true row. (caught, harmless)."""
    store = _cache.Cache(path.parent.parent)
    caught = harmless = 0
    for bit in positions:
        data = bytearray(original)
        data[bit // 8] ^= 1 << (bit % 8)
        path.write_bytes(bytes(data))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            got = store.load(key)
        if got is None:
            caught += 1
        else:
            assert got == want, f"bit {bit}: read {got!r}"
            harmless += 1
    return caught, harmless


def _one_file(tmp_path: Path) -> tuple[Path, bytes, str, dict[str, Any]]:
    grid = {"n": [3], "p": [0.1]}
    df = sweep.run(metric, grid, seed=1, progress=False, cache=tmp_path)
    (path,) = files(tmp_path)
    want = {k: df[k].iloc[0].item() if hasattr(df[k].iloc[0], "item") else df[k].iloc[0]
            for k in ("x", "k", "label")}
    return path, path.read_bytes(), path.stem, want


def test_bit_flips_in_footer_never_crash_or_mislead(tmp_path: Path) -> None:
    # every bit of the last 250 bytes (the Parquet footer: schema, metadata, key, checksum)
    path, original, key, want = _one_file(tmp_path)
    start = max(0, len(original) - 250)
    caught, harmless = _flip_and_load(path, original, key, want,
                                      list(range(8 * start, 8 * len(original))))
    assert caught > 0 and caught + harmless == 8 * (len(original) - start)


def test_random_bit_flips_never_crash_or_mislead(tmp_path: Path) -> None:
    path, original, key, want = _one_file(tmp_path)
    bits = random.Random(14).sample(range(8 * len(original)), 1500)
    caught, harmless = _flip_and_load(path, original, key, want, bits)
    assert caught + harmless == 1500


@pytest.mark.slow
def test_every_single_bit_flip_never_crashes_or_misleads(tmp_path: Path) -> None:
    path, original, key, want = _one_file(tmp_path)
    caught, harmless = _flip_and_load(path, original, key, want, list(range(8 * len(original))))
    assert caught + harmless == 8 * len(original)


def test_footer_flip_that_made_a_str_bytes_is_recomputed(tmp_path: Path) -> None:
    """The issue's crash: a footer flip turning the str column's type into binary made
    the checksum step fail with 'bytes is not JSON serializable'."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path, _original, key, want = _one_file(tmp_path)
    table = pq.read_table(path)
    binary = table.set_column(table.schema.get_field_index("label"), "label",
                              pa.array([want["label"].encode()], pa.binary()))
    pq.write_table(binary.replace_schema_metadata(table.schema.metadata), path)
    with pytest.warns(RuntimeWarning, match="wrong type"):
        assert _cache.Cache(tmp_path).load(key) is None
    pd.testing.assert_frame_equal(sweep.run(metric, {"n": [3], "p": [0.1]}, seed=1,
                                            progress=False, cache=tmp_path),
                                  sweep.run(metric, {"n": [3], "p": [0.1]}, seed=1,
                                            progress=False))


@pytest.mark.parametrize("kind", ["folder", "fifo", "dev_zero", "dangling", "huge"])
def test_odd_files_in_place_of_cache_files(tmp_path: Path, kind: str) -> None:
    cached(tmp_path)
    victims = files(tmp_path)[:3]
    for v in victims:
        v.unlink()
        if kind == "folder":
            v.mkdir()
        elif kind == "fifo":
            os.mkfifo(v)
        elif kind == "dev_zero":
            v.symlink_to("/dev/zero")
        elif kind == "dangling":
            v.symlink_to(tmp_path / "nowhere")
        else:
            with open(v, "wb") as fh:
                fh.truncate(_cache.MAX_FILE_BYTES + 1)  # sparse: no disk used
    t0 = time.monotonic()
    df, messages = quiet(tmp_path)
    assert time.monotonic() - t0 < 30  # no hang on the FIFO, no endless read of /dev/zero
    pd.testing.assert_frame_equal(df, fresh(), check_exact=True)
    assert df.attrs["computed"] == 3
    if kind != "dangling":  # a dangling link is just a missing file
        assert sum("corrupt" in m for m in messages) == 3, messages
    if kind == "folder":  # the folder stays (never deleted): reported, not stored
        assert any("cannot store" in m for m in messages), messages
    else:
        assert all(v.is_file() and not v.is_symlink() for v in victims)  # repaired


# ---------------------------------------------------------------- unwritable, full

def test_complete_read_only_cache_is_read(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro") as ro:
        want = cached(ro)
        remount_ro(ro)
        df, messages = quiet(ro)
        assert df.attrs["computed"] == 0 and messages == []
        pd.testing.assert_frame_equal(df, want, check_exact=True)
        # a grown grid on a read-only cache: refused before any work, by name
        with pytest.raises(syncmodel.InvalidParameterError, match="cache"):
            cached(ro, grid={**GRID, "n": [3, 5, 7, 9, 11]})


def test_partly_read_only_cache_reports_and_keeps_results(tmp_path: Path) -> None:
    cache = tmp_path / "c"
    keys = [sweep.task_key(metric, point, seed)
            for point, seeds in zip(sweep.grid_points(GRID), sweep.task_seeds(9, 8, 2), strict=True)
            for seed in seeds]
    sub = cache / keys[0][:2]
    with tmpfs(sub):
        remount_ro(sub)
        df, messages = quiet(cache)
        pd.testing.assert_frame_equal(df, fresh(), check_exact=True)
        blocked = sum(k[:2] == keys[0][:2] for k in keys)
        assert len(files(cache)) == len(keys) - blocked
        assert any("cannot store" in m and "Read-only" in m for m in messages), messages


def test_full_disk_reports_once_and_keeps_every_result(tmp_path: Path) -> None:
    grid = {"n": list(range(3, 103)), "p": [0.1, 0.3]}  # 400 tasks, ~5 KiB each on tmpfs
    with tmpfs(tmp_path / "small", size="256k") as small:
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            df = cached(small, grid=grid)
        pd.testing.assert_frame_equal(df, fresh(grid), check_exact=True)
        full = [str(w.message) for w in rec if "full" in str(w.message)]
        assert len(full) == 1, [str(w.message) for w in rec]
        assert 0 < len(files(small)) < 400
        assert not list(small.glob("*/.*.part"))  # no half-written leftovers


def big(n: int, seed: int) -> dict[str, Any]:
    return {"big": 2**70 + n, "wide": np.longdouble(n) / 3}


def test_metrics_the_cache_cannot_hold_are_kept_not_lost(tmp_path: Path) -> None:
    grid = {"n": [1, 2]}
    want = sweep.run(big, grid, progress=False)
    with pytest.warns(RuntimeWarning, match="beyond int64"):
        df = sweep.run(big, grid, progress=False, cache=tmp_path)
    assert df["big"].tolist() == want["big"].tolist() == [2**70 + 1, 2**70 + 2]
    assert df["wide"].tolist() == want["wide"].tolist()
    assert files(tmp_path) == []  # not stored, so not read back wrong later


# ---------------------------------------------------------------- processes

WRITER = textwrap.dedent("""
    import sys, time
    import numpy as np
    from syncmodel import sweep

    def slow(n, p, seed):
        time.sleep(float(sys.argv[3]))
        g = np.random.default_rng(seed)
        return {"x": float(g.random()), "k": int(g.binomial(n, p))}

    df = sweep.run(slow, {"n": [3, 5, 7, 9], "p": [0.1, 0.3]}, replicates=2, seed=9,
                   progress=False, cache=sys.argv[1],
                   executor=None if sys.argv[4] == "serial" else "processes")
    df.to_pickle(sys.argv[2])
    print("computed", df.attrs["computed"])
""")


@pytest.mark.slow  # 1-4 s of real processes/threads: in make test, not the edit loop
def test_concurrent_writers_share_one_cache(tmp_path: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text(WRITER)
    cache = tmp_path / "cache"
    procs = [subprocess.Popen([sys.executable, str(script), str(cache), str(tmp_path / f"{i}.pkl"),
                               "0.01", "serial"], env=ENV, stdout=subprocess.PIPE, text=True)
             for i in range(3)]
    for p in procs:
        assert p.wait(timeout=90) == 0
    frames = [pd.read_pickle(tmp_path / f"{i}.pkl") for i in range(3)]
    for f in frames[1:]:
        pd.testing.assert_frame_equal(f, frames[0], check_exact=True)
    assert len(files(cache)) == 16 and not list(cache.glob("*/.*.part"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no file is corrupt
        store = _cache.Cache(cache)
        assert all(store.load(f.stem) is not None for f in files(cache))


def _children(pid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow  # 1-4 s of real processes/threads: in make test, not the edit loop
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_sigkill_of_a_process_pool_sweep_leaves_no_worker_and_resumes(tmp_path: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text(WRITER)
    cache, out = tmp_path / "cache", tmp_path / "df.pkl"
    cmd = [sys.executable, str(script), str(cache), str(out), "0.3", "processes"]
    proc = subprocess.Popen(cmd, env=ENV)
    try:
        deadline = time.monotonic() + 60
        while len(files(cache)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        workers = _children(proc.pid)
        assert workers, "the pool had no workers"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    deadline = time.monotonic() + 5
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    orphans = [w for w in workers if _alive(w)]
    for w in orphans:  # clean up before failing
        os.kill(w, signal.SIGKILL)
    assert orphans == [], f"workers outlived the killed sweep: {orphans}"
    stored = len(files(cache))
    assert 2 <= stored < 16
    again = subprocess.run(cmd, env=ENV, capture_output=True, text=True, check=True, timeout=90)
    assert again.stdout.split() == ["computed", str(16 - stored)]


def test_stale_part_files_of_a_killed_sweep_are_removed(tmp_path: Path) -> None:
    cached(tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    sub = files(tmp_path)[0].parent
    stale = sub / f".{'0' * 64}.parquet.{int(dead.stdout)}.abcd1234.part"
    live = sub / f".{'1' * 64}.parquet.{os.getppid()}.abcd1234.part"
    stale.write_bytes(b"half")
    live.write_bytes(b"half")
    cached(tmp_path, grid={**GRID, "p": [0.1, 0.3, 0.5]})  # something to compute
    assert not stale.exists() and live.exists()


EXPORTER = textwrap.dedent("""
    import os, sys, time
    import plotly.graph_objects as go
    from syncmodel import export

    def stall(fd):  # the file is written, not yet renamed: wait here to be killed
        print("writing", flush=True)
        time.sleep(60)

    os.fsync = stall
    export.write_figure(go.Figure(go.Scatter(x=[0, 1], y=[1, 0])), sys.argv[1], ["html"])
""")


def test_export_killed_mid_write_leaves_no_figure_and_is_cleaned(tmp_path: Path) -> None:
    import plotly.graph_objects as go

    from syncmodel.export import write_figure

    script = tmp_path / "export.py"
    script.write_text(EXPORTER)
    target = tmp_path / "out" / "fig"
    proc = subprocess.Popen([sys.executable, str(script), str(target)], env=ENV,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    parts = list(target.parent.glob(".fig.html.*.part"))
    assert len(parts) == 1 and not (target.parent / "fig.html").exists()
    write_figure(go.Figure(), target, ["html"])
    assert (target.parent / "fig.html").exists()
    assert list(target.parent.glob(".fig.html.*.part")) == []
