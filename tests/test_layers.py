"""Import direction (DESIGN.md): the figure registry imports models and viz, never widgets;
viz and export import no model."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "syncmodel"
MODELS = ("sets", "structure", "failure", "markov", "quorum", "sim", "election", "sync", "check",
          "systems", "sweep", "testbed")


def imported_modules(path: Path) -> set[str]:
    """Absolute or package-relative module names a file imports (relative ones resolved)."""
    pkg = ["syncmodel", *path.relative_to(PKG).parent.parts]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = pkg[: len(pkg) - node.level + 1] if node.level else []
            mod = ".".join([*base, node.module] if node.module else base)
            out.add(mod)
            out.update(f"{mod}.{a.name}" for a in node.names)
    return out


def test_figures_never_import_widgets():
    for path in (PKG / "figures").glob("*.py"):
        bad = sorted(m for m in imported_modules(path)
                     if m.startswith("syncmodel.widgets") or m == "ipywidgets")
        assert not bad, f"{path.name} imports {bad}"


def test_viz_imports_no_model():
    for path in (PKG / "viz").glob("*.py"):
        bad = sorted(m for m in imported_modules(path)
                     if any(m == f"syncmodel.{x}" or m.startswith(f"syncmodel.{x}.") for x in MODELS))
        assert not bad, f"viz/{path.name} imports {bad}"


def test_building_every_paper_figure_module_loads_no_ipywidgets():
    code = ("import sys; from syncmodel.figures import discover; discover(); "
            "print([m for m in sys.modules if m == 'ipywidgets' or m.startswith('syncmodel.widgets')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_dashboard_figure_widget_opens_with_the_whole_figure(monkeypatch):
    """plotly's FigureWidget opens its comm with empty data and layout and sends the figure
    after; the page can then draw an empty plot.  Ours opens with the figure."""
    import comm
    import plotly.graph_objects as go

    from syncmodel.widgets._dashboard import live_figure

    opened: list[dict] = []
    real = comm.create_comm

    def spy(**kw):
        opened.append(kw["data"]["state"])
        return real(**kw)

    monkeypatch.setattr(comm, "create_comm", spy)
    fw = live_figure(go.Figure(go.Scatter(x=[1, 2], y=[3, 4], name="a"), layout=dict(title="T")))
    state = opened[-1]
    assert len(state["_widget_data"]) == 1 and state["_widget_layout"]["title"]["text"] == "T"
    assert state["_widget_layout"]["width"] == 800 and fw.comm is not None
