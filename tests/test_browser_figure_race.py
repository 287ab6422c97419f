"""The lost-update race of plotly 7.1 + anywidget 0.11, in a real browser (Voila, chromium).

anywidget rejects a widget model whose ES module takes more than 2 s to load and then drops
every message the kernel sends it; plotly's module is a 5 MB bundle, so on a busy machine a
figure drew once and never changed again.  Here the page is made slow exactly where it hurts:
an init script delays the evaluation of every ES module over 1 MB by 3 s (a top-level await, so
anywidget's 2 s timer fires first, as it does when the CPU is busy), and a bounded busy loop
keeps a core busy while the page loads.  A syncmodel ``Dashboard`` must still show the
slider's update; the same figure as a plain ``go.FigureWidget`` (the control) must lose it,
which shows the test reproduces the race.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import nbformat
import pytest
from test_browser_matrix import BIN, BROWSER, free_port, start, stop, wait_http

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: delay (ms) added before any ES module over 1 MB evaluates (plotly's bundle is ~5 MB)
STALL_MS = 3000
#: seconds the CPU hog may run (it is also stopped as soon as the page has rendered)
HOG_S = 60

#: delays the evaluation of the first COUNT ES modules over MIN characters by STALL ms
SLOW_MODULES = """(() => {
  const RealBlob = window.Blob;
  let left = COUNT;
  window.Blob = function (parts, opts) {
    if (opts && opts.type === 'text/javascript' && parts && parts.length === 1
        && typeof parts[0] === 'string' && parts[0].length > MIN && left > 0) {
      left -= 1;
      parts = ['await new Promise((r) => setTimeout(r, STALL));\\n', parts[0]];
    }
    return new RealBlob(parts, opts);
  };
  window.Blob.prototype = RealBlob.prototype;
})();""".replace("STALL", str(STALL_MS))


def slow_modules(min_chars: int = 1_000_000, count: int = 1_000) -> str:
    return SLOW_MODULES.replace("MIN", str(min_chars)).replace("COUNT", str(count))

FIGURE = """
import ipywidgets as w
import plotly.graph_objects as go

def compute(k):
    return k

def figure(k):
    return go.Figure(go.Scatter(x=[0, 1, 2], y=[0, k, 2 * k], name="line"),
                     layout=dict(title=f"k = {k}", yaxis=dict(range=[0, 25])))
"""

OURS = FIGURE + """
from syncmodel.widgets._dashboard import Dashboard
Dashboard({"k": w.IntSlider(1, 1, 10, description="k")}, compute, figure)
"""

PLAIN = FIGURE + """
slider = w.IntSlider(1, 1, 10, description="k")
fw = go.FigureWidget(figure(1))

def changed(change):
    new = figure(change["new"])
    with fw.batch_update():
        fw.data[0].y = new.data[0].y
        fw.layout.title = new.layout.title

slider.observe(changed, names="value")
box = w.VBox([slider, fw])
box.add_class("syncmodel-dashboard")
box
"""

READ = """() => { const gd = document.querySelector('.syncmodel-dashboard .js-plotly-plot');
  if (!gd || !gd._fullData || !gd._fullData.length) return null;
  return JSON.stringify([gd._fullLayout.title.text, Array.from(gd._fullData[0].y || [])]); }"""


@pytest.fixture(scope="module")
def race_voila(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    exe = shutil.which("voila", path=str(BIN))
    if exe is None or BROWSER is None:
        pytest.skip("voila or a Chrome/Chromium is missing")
    work = tmp_path_factory.mktemp("race")
    for name, code in (("ours", OURS), ("plain", PLAIN)):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
        nbformat.write(nb, work / f"{name}.ipynb")
    port = free_port()
    log = work / "voila.log"
    proc = start([exe, str(work), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
                  "--template=syncmodel"], log, work)
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc, log)
        yield f"http://127.0.0.1:{port}/voila/render/"
    finally:
        stop(proc)


def cpu_hog() -> subprocess.Popen[bytes]:
    """One busy loop at nice 0, ending by itself after HOG_S seconds."""
    code = f"import time\nend = time.monotonic() + {HOG_S}\nwhile time.monotonic() < end: pass\n"
    return subprocess.Popen([sys.executable, "-c", code], start_new_session=True)


def load_and_slide(url: str, render_s: float = 120.0, init: str = "") -> dict[str, Any]:
    """Open ``url`` with slow module loading and a busy CPU, press → on the slider; report
    whether the figure drew its data within ``render_s`` and changed after the input."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    log: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=BROWSER, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        hog = cpu_hog()
        try:
            page = browser.new_page()
            page.add_init_script(init or slow_modules())
            page.on("console", lambda m: log.append(m.text[:300]))
            page.on("pageerror", lambda exc: log.append(str(exc)[:300]))
            page.goto(url, wait_until="commit", timeout=120_000)
            try:
                page.wait_for_function(f"() => ({READ})() !== null", timeout=render_s * 1000,
                                       polling=250)
            except PlaywrightTimeout:
                return {"rendered": False, "updated": False, "log": log}
            hog.kill()
            page.wait_for_timeout(STALL_MS + 1000)  # past anywidget's 2 s timer
            before = page.evaluate(READ)
            handle = page.locator(".syncmodel-dashboard .widget-slider .noUi-handle").first
            handle.focus()
            handle.press("ArrowRight")
            try:
                page.wait_for_function(f"(s) => ({READ})() !== s", arg=before, timeout=10_000,
                                       polling=100)
                updated = True
            except PlaywrightTimeout:
                updated = False
            return {"rendered": True, "before": before, "after": page.evaluate(READ), "updated": updated,
                    "log": log}
        finally:
            hog.kill()
            hog.wait()
            browser.close()


def test_dashboard_keeps_updates_when_plotly_loads_slowly(race_voila: str) -> None:
    seen = load_and_slide(race_voila + "ours.ipynb")
    assert seen["updated"], f"update lost: {seen}"
    assert json.loads(seen["after"]) == ["k = 2", [0, 2, 4]], seen
    assert not [m for m in seen["log"] if "Failed to initialize model" in m], seen["log"]


def test_dashboard_replaces_a_figure_whose_page_model_died(race_voila: str) -> None:
    """Worse: the first two modules of the page (syncmodel's small loader too) take 3 s, so the
    figure's model dies on the page despite the loader.  The page reports the drawn view, the
    kernel's probe goes unanswered and the dashboard puts a new figure in its place, which
    shows the input."""
    seen = load_and_slide(race_voila + "ours.ipynb", init=slow_modules(min_chars=200, count=2))
    assert seen["updated"], f"update lost: {seen}"
    assert json.loads(seen["after"]) == ["k = 2", [0, 2, 4]], seen


def test_plain_figure_widget_loses_the_update_there(race_voila: str) -> None:
    """The control: on the same slow page plotly's own FigureWidget loses its messages (it
    draws nothing, since its figure comes after the comm opens, or misses the update)."""
    seen = load_and_slide(race_voila + "plain.ipynb", render_s=45.0)
    assert not seen["updated"], f"the race did not happen (the test above proves nothing): {seen}"
