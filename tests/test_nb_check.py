"""Notebook 09 headless with small parameters: simulated runs classified, real histories
given their known verdicts, one violation drawn and exported, the dashboard redraws."""

from __future__ import annotations

import pytest
from nbrun import run_notebook


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_09_runs_and_its_verdicts_check_out(tmp_path):
    s = run_notebook("09_consistency_checking.ipynb", FIG_DIR=str(tmp_path), DURATION_MS=400.0, RUNS=1,
                     BIG_OPS=600)
    assert s["real_agree"] == s["real_total"] == 8
    assert s["strict_linearizable"] is True
    assert s["r1w1_linearizable"] == [False] and s["weak_violations"] > 0
    assert s["pbs_k1"] == pytest.approx(1 / 3)
    assert s["witness_000"] >= 2
    assert s["big_verdict"] is True and s["big_bad_verdict"] is False
    assert s["dashboard_changed"] and "linearizable: True" in s["dashboard_strict"]
    assert (tmp_path / "check_violation.pdf").exists()
