"""Fixed-seed fingerprint of syncmodel's public results: prove a refactor changed no number.

Computes, with fixed seeds, the data of every registered paper figure (``small=True``: the
traces' numbers and names), spot values of the public model functions (the calls the
notebooks' summaries rest on) and, with ``--notebooks``, the ``summary`` dicts of the
notebooks run headless with the tests' small parameters.  Prints one JSON document and, on
its last line, ``sha256 <hash>`` over that document.  Run it on two checkouts and compare:

    PYTHONPATH=/path/to/checkout python scripts/fingerprint.py --out before.json
    PYTHONPATH=$PWD python scripts/fingerprint.py --out after.json
    python scripts/fingerprint.py --compare before.json after.json

It reads results through names that exist both before and after the issue-17 renames
(a dict key or the same-named attribute), so one script fingerprints both.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
import tempfile
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------- normalising values
def plain(x: Any) -> Any:
    """A JSON-able copy of ``x``: numbers as floats/ints (full precision), arrays as lists."""
    import pandas as pd

    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        v = float(x)
        return v if math.isfinite(v) else repr(v)
    if isinstance(x, str) or x is None:
        return x
    if isinstance(x, pd.DataFrame):
        return {"columns": [str(c) for c in x.columns],
                "rows": [[plain(v) for v in row] for row in x.itertuples(index=False)]}
    if isinstance(x, pd.Series):
        return [plain(v) for v in x.tolist()]
    if isinstance(x, np.ndarray):
        return [plain(v) for v in x.tolist()]
    if isinstance(x, Mapping):
        return {str(k): plain(v) for k, v in sorted(x.items(), key=lambda kv: str(kv[0]))}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if hasattr(x, "tolist"):
        return plain(x.tolist())
    return repr(x)


def field(res: Any, key: str) -> Any:
    """``res[key]`` for a dict result (before issue 17); for the result object that replaced
    it, the attribute that now holds that key (its ``_legacy_keys`` map, read without the
    deprecated ``[]``), so both versions give the same fingerprint."""
    if isinstance(res, Mapping):
        return res[key]
    return getattr(res, getattr(type(res), "_legacy_keys", {}).get(key, key))


def fields(res: Any, keys: list[str]) -> dict[str, Any]:
    return {k: plain(field(res, k)) for k in keys}


# ---------------------------------------------------------------------- the pieces
def figures_data() -> dict[str, Any]:
    """Every registered figure's traces (numbers and names) and annotation texts, small=True."""
    from syncmodel.figures import discover

    out: dict[str, Any] = {}
    for name, spec in discover().items():
        try:
            fig = spec.build(small=True)
        except Exception as exc:  # e.g. a figure needing measured data that is absent
            out[name] = f"error: {type(exc).__name__}"
            continue
        js = fig.to_plotly_json()
        traces = []
        for tr in js.get("data", []):
            traces.append({k: plain(tr.get(k)) for k in
                           ("type", "name", "x", "y", "z", "customdata", "text", "error_y", "error_x")
                           if tr.get(k) is not None})
        notes = [a.get("text") for a in js.get("layout", {}).get("annotations", []) or []]
        out[name] = {"traces": traces, "annotations": plain(notes)}
    return out


def spot_values() -> dict[str, Any]:
    """Public model results at fixed seeds (what the notebooks' summaries are made of)."""
    from syncmodel import election, markov, quorum, structure, systems
    from syncmodel.failure import failure_probability, fault_tolerance
    from syncmodel.sync import metrics, pbs, sloppy, staleness
    from syncmodel.sync import store as sync_store

    v: dict[str, Any] = {}
    s = structure.choose(2, ["a", "b", "c"])
    v["failure_probability.choose2of3"] = failure_probability(s, 0.1)
    v["fault_tolerance.majority5.mc"] = fault_tolerance(quorum.majority(5), 0.05, method="montecarlo", seed=1)
    v["quorum.majority5.availability"] = quorum.majority(5).availability(0.1)
    v["quorum.grid33.capacity"] = quorum.grid(3, 3).capacity(read_fraction=0.9)
    v["quorum.grid33.load"] = quorum.grid(3, 3).load(read_fraction=0.5)
    v["quorum.flexible.resilience"] = quorum.flexible(5, 4, 2).resilience()
    v["quorum.threshold.read_resilience"] = quorum.threshold(5, 2, 4).read_resilience()
    v["markov.node_availability"] = markov.node_availability(1000.0, 10.0)
    ms = markov.system(structure.choose(2, ["a", "b", "c"]), 1000.0, 10.0)
    v["markov.system"] = [ms.availability(), ms.availability_at(50.0), ms.mttf(), ms.mttdl()]
    v["pbs.k_staleness"] = [pbs.k_staleness(3, 1, 1, k) for k in (1, 2, 3)]
    v["pbs.t_visibility"] = pbs.t_visibility(3, 1, 1, 1.0, "LNKD-DISK", trials=50_000, seed=5)
    curve = pbs.t_visibility_curve(3, 1, 1, [0.0, 1.0, 10.0, 100.0], "YMMR", trials=30_000, seed=6)
    v["pbs.t_visibility_curve"] = fields(curve, ["t", "p", "lo", "hi", "write_ms", "read_ms"])
    v["pbs.t_for_probability"] = [pbs.t_for_probability(3, 1, 1, 0.99, "LNKD-SSD", trials=50_000, seed=7),
                                  pbs.t_for_probability(3, 1, 1, 0.99, "LNKD-SSD", trials=50_000, seed=7,
                                                        estimator="first_crossing", reads=5000)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        v["pbs.wilson"] = plain(pbs.wilson(np.array([0.0, 0.3, 1.0]), 50))
    sim = staleness.t_visibility_sim(3, 1, 1, [0.0, 0.5, 5.0], "LNKD-SSD", trials=300, seed=8)
    v["staleness.t_visibility_sim"] = fields(sim, ["t", "p", "lo", "hi", "n", "failed"])
    ks = staleness.k_staleness_sim(4, 1, 2, k_max=2, trials=300, seed=9)
    v["staleness.k_staleness_sim"] = fields(ks, ["k", "p", "lo", "hi"])
    run = sync_store.simulate_store("quorum", 3, 1, 1, seed=2, duration_ms=600.0,
                                    crashes=[(2, 100.0, 300.0)])
    # the bin edges were columns lo, hi; issue 17 renamed them from_ms, to_ms (lo/hi are Wilson bounds)
    bins = metrics.t_visibility_reads(run, [0.0, 1.0, 5.0, 50.0, 1e6])
    v["metrics.t_visibility_reads"] = plain(bins.rename(columns={"from_ms": "lo", "to_ms": "hi"}))
    summ = metrics.summary(run)
    summ.pop("wall_s", None)
    summ.pop("events_per_s", None)
    v["metrics.summary"] = plain(summ)
    v["metrics.lost_write_ids"] = metrics.lost_write_ids(
        sync_store.simulate_store("async", 3, seed=4, duration_ms=600.0, crashes=[(0, 200.0, 1e9)]))
    v["sloppy.unavailability"] = sloppy.unavailability(3, 2, 5, 0.1, sloppy=True)
    v["sloppy.stale_read"] = float(sloppy.stale_read(3, 2, 2, 5, 0.1, sloppy=True))
    for name in systems.names():
        m = systems.preset(name)
        row: dict[str, Any] = {
            "availability": m.availability(0.05),
            "failover_downtime": plain(np.asarray(m.failover_downtime(20, seed=3))),
            "stale_read_probability": m.stale_read_probability(1.0, trials=5000, seed=4),
            "lost_writes": fields(m.lost_writes(300, seed=5, failed_replicas=min(1, m.replicas - 1)),
                                  ["acknowledged", "lost", "lost_fraction", "available"]),
            "conflicting_versions": fields(m.conflicting_versions(3, partitioned=True, seed=6),
                                           ["versions", "siblings", "discarded", "refused"]),
            "hinted_handoff_missed": m.hinted_handoff_missed(3.6e6),
        }
        v[f"systems.{name}"] = plain(row)
    v["systems.read_repair_effect"] = fields(systems.read_repair_effect("cassandra", runs=2, seed=0,
                                                                        duration_ms=800.0),
                                             ["fresh_without", "fresh_with"])
    cmp = systems.compare(seed=0)
    v["systems.compare"] = plain(cmp)
    el = election.simulate("raft", 5, trials=20, seed=11)
    v["election.simulate.raft"] = plain(el.drop(columns=[c for c in el.columns if "wall" in c]))
    v["election.figure16"] = plain(election.figure16((150, 300), trials=50, seed=12))
    return plain(v)


# the notebooks and the small parameters the tests run them with (tests/test_nb_*.py)
NOTEBOOKS: dict[str, dict[str, Any]] = {
    "00_tour.ipynb": {"N_REPLICAS": 5, "ROUNDS": 2, "P_NODE": 0.1},
    "01_consistency_availability.ipynb": {"DOWN": ["n4"]},
    "02_failure_analysis.ipynb": {"P_POINTS": 12, "MC_SAMPLES": 20_000, "DASH_POINTS": 8},
    "03_quorum_systems.ipynb": {"N": 5, "P": 0.2, "ROWS": 2, "COLS": 3, "POINTS": 11, "BIG_N": 101},
    "04_leader_election.ipynb": {"TRIALS": 20, "FIG16_TRIALS": 12, "DASH_TRIALS": 20, "ORDER_TRIALS": 40},
    "05_data_sync.ipynb": {"TRIALS": 40_000, "SIM_TRIALS": 600, "RUNS": 2, "DURATION_MS": 1200.0},
    "06_real_systems.ipynb": {"TRIALS": 10, "WRITES": 200, "P_NODE": 0.05},
    "07_sweeps.ipynb": {},
    "08_model_vs_reality.ipynb": {"MODEL_TRIALS": 200, "LIVE": False},
    "09_consistency_checking.ipynb": {"DURATION_MS": 400.0, "RUNS": 1, "BIG_OPS": 600},
}


#: notebook summary entries that are wall-clock measurements, not model results
TIMING_KEYS = ("real_max_verdict_ms",)


def stable(doc: Any) -> Any:
    """``doc`` without what differs between two runs of the same code: the temporary
    directories figures are written to (kept as file names), wall-clock times (keys with
    "wall", ending "_s", or in :data:`TIMING_KEYS`; "(…, 1.1 ms)" in a dashboard readout)."""
    if isinstance(doc, dict):
        return {k: stable(v) for k, v in doc.items()
                if "wall" not in k and not k.endswith("_s") and k not in TIMING_KEYS}
    if isinstance(doc, list):
        return [stable(v) for v in doc]
    if isinstance(doc, str):
        doc = re.sub(r"^/tmp/[^/]+/", "", doc)
        return re.sub(r", [0-9.]+ ms\)", ", … ms)", doc)
    return doc


def notebook_summaries(names: list[str]) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "tests"))
    from nbrun import run_notebook

    out: dict[str, Any] = {}
    for name in names:
        with tempfile.TemporaryDirectory() as d:
            summ = run_notebook(name, FIG_DIR=d, **NOTEBOOKS[name])
        out[name] = stable(plain(summ))
    return out


# ---------------------------------------------------------------------- comparing
def compare(a: Any, b: Any, path: str = "", rtol: float = 1e-12) -> list[str]:
    """Where ``a`` and ``b`` differ by more than ``rtol`` (relative) — a list of paths."""
    if isinstance(a, dict) and isinstance(b, dict):
        diffs = [f"{path}: key {k!r} only in one" for k in sorted(set(a) ^ set(b))]
        for k in sorted(set(a) & set(b)):
            diffs += compare(a[k], b[k], f"{path}/{k}", rtol)
        return diffs
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} != {len(b)}"]
        out: list[str] = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out += compare(x, y, f"{path}[{i}]", rtol)
        return out
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and float in (type(a), type(b)):
        if a == b or abs(a - b) <= rtol * max(abs(a), abs(b)):
            return []
        return [f"{path}: {a!r} != {b!r}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", help="also write the JSON here")
    ap.add_argument("--notebooks", nargs="*", default=None,
                    help="also run these notebooks (no names: all of NOTEBOOKS), fingerprint their summary")
    ap.add_argument("--compare", nargs=2, metavar=("A", "B"), help="compare two JSON dumps and exit")
    ap.add_argument("--quiet", action="store_true", help="print only the hash")
    ap.add_argument("--rehash", metavar="JSON", help="print the hash of a dump after stable() (no run)")
    a = ap.parse_args(argv)
    if a.rehash:
        text = json.dumps(stable(json.loads(Path(a.rehash).read_text())), sort_keys=True, indent=1)
        print("sha256", hashlib.sha256(text.encode()).hexdigest())
        return 0
    if a.compare:
        x, y = (stable(json.loads(Path(f).read_text())) for f in a.compare)
        diffs = compare(x, y)
        for d in diffs:
            print(d)
        print(f"{len(diffs)} difference(s) beyond 1e-12 relative")
        return 1 if diffs else 0
    doc: dict[str, Any] = {"figures": figures_data(), "spot": spot_values()}
    if a.notebooks is not None:
        doc["notebooks"] = notebook_summaries(a.notebooks or list(NOTEBOOKS))
    text = json.dumps(stable(doc), sort_keys=True, indent=1)
    if a.out:
        Path(a.out).write_text(text + "\n")
    if not a.quiet:
        print(text)
    print("sha256", hashlib.sha256(text.encode()).hexdigest())
    return 0


if __name__ == "__main__":
    sys.exit(main())
