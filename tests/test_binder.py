"""The Binder configuration: conda-forge, Python 3.11, the package with its lab extra, Chrome."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_environment_yml_installs_the_package_for_binder():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    deps = env["dependencies"]
    assert "python=3.11" in deps
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert "-e .[lab]" in pip


def test_postbuild_gets_chrome_and_stops_on_error():
    post = ROOT / "postBuild"
    lines = post.read_text().splitlines()
    assert lines[0] == "#!/bin/bash" and "set -e" in lines
    assert any(line.strip().startswith("plotly_get_chrome -y") for line in lines)
    assert os.access(post, os.X_OK)
    # a binder/ folder would make repo2docker ignore the top-level files
    assert not (ROOT / "binder").exists()
