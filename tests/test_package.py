"""Package-level promises: light import, public names, the CLI and the figure registry."""

from __future__ import annotations

import subprocess
import sys

import pytest

import syncmodel as sm
from syncmodel import export
from syncmodel.cli import main
from syncmodel.figures import discover


def test_import_loads_no_plotting_widgets_or_heavy_libraries():
    # numpy too: it alone costs ~75 ms, and the lazy attributes load it when first used
    code = ("import sys, syncmodel; heavy = [m for m in ('plotly', 'ipywidgets', 'pandas', 'scipy', 'numpy') "
            "if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_names_resolve():
    for name in sm.__all__:
        assert getattr(sm, name) is not None
    with pytest.raises(AttributeError):
        sm.no_such_name  # noqa: B018


def test_errors_are_value_errors():
    assert issubclass(sm.InvalidParameterError, ValueError)
    assert issubclass(sm.InfeasibleError, ValueError)
    assert issubclass(sm.InvalidParameterError, sm.SyncModelError)


def test_rng_reproducible_and_rejects_bad_seeds():
    from syncmodel.rng import as_generator, spawn_ints

    assert as_generator(3).random() == as_generator(3).random()
    assert spawn_ints(5, 4) == spawn_ints(5, 4)
    assert len(set(spawn_ints(5, 4))) == 4
    for bad in (-1, 1.5, "x", True):
        with pytest.raises(sm.InvalidParameterError, match="seed"):
            as_generator(bad)


def test_cli_lists_figures(capsys):
    assert main(["figures", "--list"]) == 0
    assert "consistency_availability" in capsys.readouterr().out


def test_cli_unknown_figure_is_a_clear_error(tmp_path, capsys):
    assert main(["figures", "--out", str(tmp_path), "--only", "nope"]) == 2
    assert "nope" in capsys.readouterr().err


@pytest.mark.skipif(export.find_browser() is None, reason="no Chrome/Chromium")
@pytest.mark.slow
def test_every_registered_figure_builds_small_and_exports(tmp_path, capsys):
    names = list(discover())
    assert main(["figures", "--out", str(tmp_path), "--small", "--formats", "svg"]) == 0
    out = capsys.readouterr().out
    for name in names:
        assert (tmp_path / f"{name}.svg").stat().st_size > 1000
        assert name in out
    assert f"for {len(names)} figures" in out


def test_cli_availability_matches_the_binomial_tail(capsys):
    from math import comb

    assert main(["availability", "majority:5", "--p", "0.01", "0.1"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    for (p, down, up, _), q in zip(rows, (0.01, 0.1), strict=True):
        tail = sum(comb(5, k) * q ** k * (1 - q) ** (5 - k) for k in range(3, 6))  # ≥ 3 of 5 down
        assert float(p) == q and float(down) == pytest.approx(tail, rel=1e-6)
        assert float(up) == pytest.approx(1 - tail, abs=1e-11)
    assert main(["availability", "grid:2x2", "--p", "0.5"]) == 0
    assert main(["availability", "bogus:1"]) == 2 and "majority:N" in capsys.readouterr().err


def test_cli_election_and_systems_quick_analyses(capsys):
    argv = ["election", "--algorithm", "raft", "--timeout", "150-300", "--trials", "20", "--seed", "1"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    median = float(out.split("median ")[1].split(" ms")[0])
    assert 150.0 <= median <= 600.0 and "safety violations 0" in out  # a new leader after ≥ one timeout
    argv = ["systems", "compare", "etcd", "memcached", "--trials", "3", "--writes", "50", "--seed", "0"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "etcd" in out and "Memcached" in out and "nines" in out
    assert main(["systems", "list"]) == 0 and "glusterfs" in capsys.readouterr().out
    assert main(["election", "--n", "0"]) == 2


def test_dir_shows_the_public_api_only():
    names = dir(sm)
    assert not {"Any", "importlib", "annotations"} & set(names)
    assert {"fault_tolerance", "quorum", "election", "sync", "systems"} <= set(names)
    assert sm.__doc__.lower().startswith("start here")


#: modules exempt from declaring __all__: the seed article's election code, kept verbatim (issue 17)
NO_ALL_YET = ("syncmodel.election.reference",)


def test_public_modules_declare_all_and_their_names_exist():
    import importlib
    import pkgutil

    missing = []
    for info in pkgutil.walk_packages(sm.__path__, "syncmodel."):
        name = info.name
        if any(part.startswith("_") for part in name.split(".")[1:]) or name.startswith(NO_ALL_YET):
            continue
        mod = importlib.import_module(name)
        if not hasattr(mod, "__all__"):
            missing.append(name)
            continue
        assert all(hasattr(mod, n) for n in mod.__all__), name
    assert missing == []
