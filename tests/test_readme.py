"""The README's quick start runs and prints what it promises."""

from __future__ import annotations

import contextlib
import io
import re
from math import comb
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def test_quick_start_runs():
    text = README.read_text()
    block = re.search(r"## Quick start\s+```python\n(.*?)```", text, re.S)
    assert block, "README has no python quick start"
    code = block.group(1)
    assert len(code.strip().splitlines()) <= 12
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README quick start", "exec"), {})
    lines = out.getvalue().splitlines()
    assert "1.0" in lines[1]
    # majority of 5 at p = 0.1: P(at least 3 of 5 up), a binomial sum
    expected = sum(comb(5, k) * 0.9**k * 0.1 ** (5 - k) for k in (3, 4, 5))
    assert float(lines[2]) == pytest.approx(expected, rel=1e-12)
    assert lines[-1] == "frozenset({3})"


def test_readme_names_the_two_commands():
    text = README.read_text()
    assert "make figures" in text and "make test" in text
    ci = (README.parent / ".ci" / "run").read_text()
    assert "make test" in ci
