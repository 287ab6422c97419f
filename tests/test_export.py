"""write_figure: real PDF/SVG/PNG files, atomic writes, HTML fallback without a browser."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import plotly.graph_objects as go
import pytest

import syncmodel as sm
from syncmodel import export, viz
from syncmodel.errors import InvalidParameterError
from syncmodel.viz import WIDTHS_IN, line_figure

needs_browser = pytest.mark.skipif(export.find_browser() is None, reason="no Chrome/Chromium")


def small_figure() -> go.Figure:
    return line_figure([0, 1, 2], {"a": [0, 1, 4], "b": [1, 1, 1]}, title="λ ≤ μ",
                       xlabel="x", ylabel="y")


@needs_browser
@pytest.mark.slow
def test_writes_real_pdf_svg_png(tmp_path):
    files = export.write_figure(small_figure(), tmp_path / "fig.pdf")
    assert [f.suffix for f in files] == [".pdf", ".svg", ".png"]
    pdf = (tmp_path / "fig.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 2000
    root = ET.parse(tmp_path / "fig.svg").getroot()
    assert root.tag.endswith("svg")
    # single column: 3.5 in at 96 px/in
    assert float(root.attrib["width"]) == pytest.approx(WIDTHS_IN["single"] * 96, abs=1)
    assert "λ ≤ μ" in (tmp_path / "fig.svg").read_text()
    assert (tmp_path / "fig.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*part"))


@needs_browser
@pytest.mark.slow
def test_failed_render_retries_once_in_a_fresh_browser(tmp_path, monkeypatch):
    export.write_figure(small_figure(), tmp_path / "warm", formats=("svg",))
    real, seen = export._Browser.render, []

    def crashes_once(self, specs):
        seen.append(self)
        if len(seen) == 1:
            raise RuntimeError("the tab crashed")
        return real(self, specs)

    monkeypatch.setattr(export._Browser, "render", crashes_once)
    export.write_figure(small_figure(), tmp_path / "fig", formats=("svg",))
    assert ET.parse(tmp_path / "fig.svg").getroot().tag.endswith("svg")
    assert len(seen) == 2 and seen[0] is not seen[1]  # the second try ran in a new browser


def test_interrupted_export_leaves_no_partial_file(tmp_path, monkeypatch):
    (tmp_path / "keep.svg").write_text("old")

    def interrupted(specs):
        # the first format is half written when the user presses Ctrl-C
        with open(specs[0]["path"], "wb") as fh:
            fh.write(b"%PDF-1.4 trunc")
        raise KeyboardInterrupt

    monkeypatch.setattr(export, "_render_specs", interrupted)
    monkeypatch.setattr(export, "_ensure_server", lambda: None)
    with pytest.raises(KeyboardInterrupt):
        export.write_figure(small_figure(), tmp_path / "keep", formats=("pdf", "svg"))
    assert (tmp_path / "keep.svg").read_text() == "old"  # the old file is untouched
    assert not (tmp_path / "keep.pdf").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.svg"]  # no temporary left


def test_interrupted_write_removes_temporary(tmp_path, monkeypatch):
    def fail_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(export.os, "replace", fail_replace)
    with pytest.raises(OSError):
        export._atomic_write(tmp_path / "x.pdf", b"%PDF-")
    assert list(tmp_path.iterdir()) == []


def test_without_browser_writes_html_and_says_why(tmp_path, monkeypatch, capsys):
    # a fresh process on a machine without a browser (the module state is restored afterwards)
    monkeypatch.setattr(export, "_browser_checked", False)
    monkeypatch.setattr(export, "_browser_problem", None)
    monkeypatch.setattr(export, "_server_started", False)
    monkeypatch.setattr(export, "find_browser", lambda: None)
    files = export.write_figure(small_figure(), tmp_path / "fig")
    assert files == [tmp_path / "fig.html"]
    assert "plotly" in (tmp_path / "fig.html").read_text()[:20000].lower()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no Chrome/Chromium" in err[0] and "Traceback" not in err[0]


@pytest.mark.parametrize("formats", [(), ("eps",), ("pdf", "jpg")])
def test_bad_formats(tmp_path, formats):
    with pytest.raises(sm.InvalidParameterError, match="formats"):
        export.write_figure(small_figure(), tmp_path / "f", formats=formats)


def test_paper_layout_widths():
    from syncmodel.viz import paper_layout

    fig = paper_layout(go.Figure(), "double", aspect=0.5)
    assert fig.layout.width == round(7.16 * 96) and fig.layout.height == round(7.16 * 0.5 * 96)
    with pytest.raises(sm.InvalidParameterError, match="width"):
        paper_layout(go.Figure(), "triple")


@pytest.mark.parametrize(("call", "name"), [
    # found by fuzzing: TypeError / OverflowError / AttributeError, or plotly's ValueError
    (lambda: viz.paper_layout(go.Figure(), aspect=1e308), "aspect"),
    (lambda: viz.paper_layout(go.Figure(), aspect="x"), "aspect"),
    (lambda: viz.paper_layout(go.Figure(), aspect=0.001), "aspect"),
    (lambda: viz.paper_layout(go.Figure(), height_in=0), "height_in"),
    (lambda: viz.paper_layout(go.Figure(), height_in=-1.0), "height_in"),
    (lambda: viz.paper_layout(go.Figure(), height_in=float("inf")), "height_in"),
    (lambda: viz.paper_layout(go.Figure(), height_in="x"), "height_in"),
    (lambda: viz.paper_layout(go.Figure(), width=[]), "width"),
    (lambda: viz.paper_layout({}), "fig"),
    (lambda: viz.color(2.5), "i"),
    (lambda: viz.color(None), "i"),
    (lambda: viz.line_figure([1, 2], [1, 2]), "series"),
    (lambda: viz.cdf_figure([1.0, 2.0]), "samples"),
    (lambda: viz.ecdf(["x"]), "samples"),
])
def test_bad_input_found_by_fuzzing(call, name):
    with pytest.raises(InvalidParameterError, match=f"^{name} must"):
        call()


def test_paper_layout_keeps_valid_heights():
    fig = viz.paper_layout(go.Figure(), "single", height_in=2)
    assert fig.layout.height == 192 and fig.layout.width == 336
    assert viz.paper_layout(go.Figure(), aspect=10 / 336).layout.height == 10
    assert viz.color(-1) == viz.PALETTE[-1] and viz.color(9) == viz.PALETTE[1]


@pytest.mark.parametrize(("call", "name"), [
    # found by fuzzing: AttributeError / TypeError / ValueError from inside
    *[(lambda v=v: viz.heatmap_figure(v, [1, 2], [[1, 2], [3, 4]]), "x") for v in (0, 2.5, None, object())],
    *[(lambda v=v: viz.heatmap_figure([1, 2], v, [[1, 2], [3, 4]]), "y") for v in (0, True, object())],
    *[(lambda v=v: viz.heatmap_figure([1], [1], v), "z") for v in ("x", {}, object(), [[1], [1, 2]])],
    *[(lambda v=v: export.write_figure(v, "unused", ("html",)), "fig")
      for v in (0, None, "x", {}, [], object())],
    *[(lambda v=v: export.write_figure(small_figure(), v, ("html",)), "path")
      for v in (0, 2.5, None, [], object())],
    *[(lambda v=v: export.write_figure(small_figure(), "unused", v), "formats")
      for v in (0, 2.5, True, None, object(), [[]])],
])
def test_viz_and_export_bad_input_found_by_fuzzing(call, name):
    with pytest.raises(InvalidParameterError, match=f"^{name} must"):
        call()


@pytest.mark.parametrize(("kwargs", "name"), [
    # found by fuzzing: TypeError from inside (checked before any figure is built)
    *[(dict(out=v), "out") for v in (0, None, [], object())],
    *[(dict(names=v), "names") for v in (0, 2.5, True, object(), [[]], [1])],
    *[(dict(formats=v), "formats") for v in (0, None, object())],
])
def test_build_all_bad_input_found_by_fuzzing(tmp_path, kwargs, name):
    from syncmodel.figures import build_all

    with pytest.raises(InvalidParameterError, match=f"^{name} must"):
        build_all(**{"out": tmp_path, "names": [], "formats": ("svg",), **kwargs})
    assert not any(tmp_path.iterdir())


def test_static_copy_drops_only_screen_only_traces():
    from syncmodel import viz

    fig = viz.heatmap_figure(["a", "b"], ["x"], [[1.0, 2.0]], zlabel="z")
    assert [t.type for t in fig.data] == ["heatmap", "scatter", "scatter"]
    static = export.static_copy(fig)
    assert [t.type for t in static.data] == ["scatter", "scatter"]  # cell values, colour-bar carrier
    assert static.data[1].marker.showscale and static.data[1].marker.colorbar.title.text == "z"
    assert len(static.layout.shapes) == 2  # the vector cells stay
    plain = viz.line_figure([0, 1], {"a": [0, 1]})
    assert export.static_copy(plain) is plain


@pytest.mark.slow
@needs_browser
def test_heatmap_export_has_no_raster(tmp_path):
    """The sweep heatmap's PDF/SVG hold vector cells only: no image object (a reviewer's
    complaint was an 8×7-pixel raster scaled up inside the PDF)."""
    from syncmodel import viz

    fig = viz.heatmap_figure([0.1, 0.2, 0.3], [1, 2], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
                             text_format="%{z:.1f}")
    svg, pdf = export.write_figure(fig, tmp_path / "hm", ("svg", "pdf"))
    assert "<image" not in svg.read_text()
    assert b"/Subtype /Image" not in pdf.read_bytes() and b"/Subtype/Image" not in pdf.read_bytes()
    assert svg.read_text().count("<path") >= 6  # the six cells, among other paths
