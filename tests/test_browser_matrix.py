"""Every notebook's dashboard in a real browser, in Voila and in JupyterLab.

One Voila server and one JupyterLab server (127.0.0.1) serve the whole matrix; Playwright
drives Debian's chromium.  For each notebook the page is opened (Voila renders it; in Lab
"Run All Cells"), and from the page itself (``gd._fullData`` of the dashboard's
``.js-plotly-plot``, what the person sees) the first render must have the expected trace
names or types, axis types and data; then one input must change the figure within the
stated time.  Each case gets one retry on a fresh page, and a screenshot of every failure
is kept under ``SYNCMODEL_BROWSER_SHOTS`` (default: pytest's tmp dir).  Timings go to
``browser_timings.json`` beside the screenshots.

To add a notebook: append an :class:`Expect` row to :data:`EXPECT`; its dashboard
must be built on ``syncmodel.widgets._dashboard`` (the box carries the CSS class
``syncmodel-dashboard``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from syncmodel.export import find_browser

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ROOT = Path(__file__).resolve().parent.parent
BROWSER = find_browser()
BIN = Path(sys.executable).parent
DASH = ".syncmodel-dashboard"
#: a cell's error output (a traceback), in JupyterLab and in Voila
ERROR = "[data-mime-type='application/vnd.jupyter.error']"
#: seconds a page may take to show its dashboard (Voila executes the notebook first)
FIRST_RENDER_S = 150.0
TIMINGS: dict[str, dict[str, float]] = {}


@dataclass(frozen=True)
class Expect:
    """What the first render of a notebook's dashboard shows, and one input that changes it.

    ``action`` is ``("slider", description)`` (focus its handle, press ArrowRight),
    ``("select", description, option_index)``, ``("toggle", text)`` or ``("click", text)``.
    ``input_s`` is the time the changed figure may take to appear.  ``long_work`` marks a
    slow dashboard (election trials, systems comparison, ...): its status line must say
    "computing…" within :data:`BUSY_S` of the input, before the result arrives.
    """

    notebook: str
    #: trace names the figure must show; "name*" matches any name starting with "name"
    traces: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    axes: dict[str, str] = field(default_factory=dict)
    action: tuple[Any, ...] = ()
    input_s: float = 5.0
    long_work: bool = False


EXPECT: tuple[Expect, ...] = (
    Expect("00_tour.ipynb", traces=("|C(S)| / |A(S)|",), axes={"xaxis": "linear", "yaxis": "linear"},
           action=("slider", "anti-entropy rounds")),
    Expect("01_consistency_availability.ipynb",
           traces=("in C(S): all agree", "in A(S) only: served, not agreed", "held by a down node"),
           axes={"xaxis": "category", "yaxis": "category"}, action=("toggle", "n4")),
    Expect("02_failure_analysis.ipynb",
           traces=("independent", "correlated (racks, β)", "n = 6", "Monte Carlo (95 % CI)"),
           axes={"xaxis": "log", "yaxis": "linear"}, action=("slider", "n (grid: side)")),
    Expect("03_quorum_systems.ipynb", traces=("read availability", "write availability", "capacity"),
           axes={"xaxis": "linear", "xaxis2": "linear"}, action=("slider", "n nodes")),
    Expect("04_leader_election.ipynb", traces=("follower", "leader", "time to leader (CDF)"),
           axes={"xaxis": "linear", "yaxis": "linear", "xaxis2": "linear"},
           action=("select", "algorithm", 0), input_s=15.0, long_work=True),
    Expect("05_data_sync.ipynb", traces=("P(read is fresh)", "|C(S)| / |A(S)|"),
           axes={"xaxis": "log", "xaxis2": "linear"}, action=("select", "latency profile", 0)),
    Expect("06_real_systems.ipynb", types=("bar", "box"),
           traces=("availability (nines)", "failover downtime (s)"),
           axes={"yaxis": "category", "xaxis": "linear"},
           action=("slider", "node down probability p"), input_s=15.0, long_work=True),
    Expect("07_sweeps.ipynb", types=("heatmap",), axes={"xaxis": "category", "yaxis": "category"},
           action=("select", "metric", 2)),
    # measured failover CDFs from data/measured/ against the model's (no server is started)
    Expect("08_model_vs_reality.ipynb", traces=("measured, crash*", "model*"), types=("scatter",),
           axes={"xaxis": "linear", "yaxis": "linear"}, action=("select", "measured", 1), input_s=15.0,
           long_work=True),
    Expect("09_consistency_checking.ipynb", traces=("completed", "linearization found"),
           axes={"xaxis": "linear", "yaxis": "linear"}, action=("slider", "W"), input_s=15.0,
           long_work=True),
)

#: seconds within which a long-work dashboard must show its busy line after an input
BUSY_S = 2.0
#: watch the dashboard's text from now on: when did "computing" first appear (ms after now)?
WATCH_BUSY = """() => {
  const box = document.querySelector('.syncmodel-dashboard');
  const t0 = performance.now();
  window.__smBusy = null;
  const seen = () => { if (window.__smBusy === null && box.innerText.includes('computing'))
                         window.__smBusy = performance.now() - t0; };
  new MutationObserver(seen).observe(box, {subtree: true, childList: true, characterData: true});
}"""

#: the dashboard figure as the page draws it: trace names/types/sizes, axis types, a signature
READ_FIGURE = """() => {
  const gd = document.querySelector('.syncmodel-dashboard .js-plotly-plot');
  if (!gd || !gd._fullData || !gd._fullLayout) return null;
  const arr = (v) => (v == null ? [] : Array.from(v));
  const traces = gd._fullData.map(t => ({name: t.name, type: t.type,
      n: t.type === 'heatmap' ? arr(t.z).length : arr(t.x).length + arr(t.y).length}));
  const axes = {};
  for (const k of Object.keys(gd._fullLayout)) {
    if (/^[xy]axis[0-9]*$/.test(k)) axes[k] = gd._fullLayout[k].type;
  }
  const title = gd._fullLayout.title ? gd._fullLayout.title.text : '';
  const sig = title + JSON.stringify(gd._fullData.map(t => [t.name, arr(t.x).slice(0, 200),
      arr(t.y).slice(0, 200), t.z ? JSON.stringify(t.z) : '', arr(t.text).slice(0, 200)]));
  return {traces, axes, sig, title};
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=3)
            return
        except urllib.error.HTTPError:  # the server answers
            return
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"server exited: {log.read_text()[-3000:]}")
            time.sleep(0.5)
    pytest.fail(f"server did not answer within {timeout_s} s: {log.read_text()[-3000:]}")


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["JUPYTER_PATH"] = os.pathsep.join([str(ROOT / "share" / "jupyter"), env.get("JUPYTER_PATH", "")]
                                          ).rstrip(os.pathsep)
    return env


def start(cmd: list[str], log: Path, cwd: Path) -> subprocess.Popen[bytes]:
    with open(log, "w") as fh:
        return subprocess.Popen(cmd, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, env=server_env(),
                                start_new_session=True)


def stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    out = Path(os.environ.get("SYNCMODEL_BROWSER_SHOTS") or tmp_path_factory.mktemp("browser"))
    out.mkdir(parents=True, exist_ok=True)
    yield out
    (out / "browser_timings.json").write_text(json.dumps(TIMINGS, indent=1, sort_keys=True))


#: what a render may change under the repository: caches of Python and the test tools
SCRATCH = {".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis",
           ".ipynb_checkpoints", ".venv"}
#: every file under the repository (size, mtime) before the Voila server started
BEFORE_VOILA: dict[str, tuple[int, int]] = {}


def repo_files(skip: Path | None = None) -> dict[str, tuple[int, int]]:
    """Every file under the repository (but caches and ``skip``) -> (size, mtime in ns)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in SCRATCH
                       and (skip is None or Path(dirpath, d).resolve() != skip.resolve())]
        for name in filenames:
            st = os.stat(os.path.join(dirpath, name))
            out[os.path.relpath(os.path.join(dirpath, name), ROOT)] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture(scope="module")
def voila(shots: Path) -> Iterator[str]:
    exe = shutil.which("voila", path=str(BIN))
    if exe is None or BROWSER is None:
        pytest.skip("voila or a Chrome/Chromium is missing")
    port = free_port()
    log = shots / "voila.log"
    BEFORE_VOILA.clear()
    BEFORE_VOILA.update(repo_files(skip=shots))
    # voila.json (progressive rendering, kernel culling) is read from the working directory
    proc = start([exe, "notebooks", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
                  "--template=syncmodel", "--show_tracebacks=True"], log, ROOT)
    try:
        wait_http(f"http://127.0.0.1:{port}/", proc, log)
        yield f"http://127.0.0.1:{port}/voila/render/"
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def lab(shots: Path) -> Iterator[str]:
    exe = shutil.which("jupyter-lab", path=str(BIN))
    if exe is None or BROWSER is None:
        pytest.skip("jupyterlab or a Chrome/Chromium is missing")
    port = free_port()
    log = shots / "lab.log"
    # Lab saves what it runs: it serves a copy, so the repository's notebooks stay output-free
    work = Path(tempfile.mkdtemp(prefix="syncmodel-lab-"))
    shutil.copytree(ROOT / "notebooks", work / "notebooks")
    # what the notebooks read by relative path (09: ../tests/data/histories)
    (work / "tests").mkdir()
    (work / "tests" / "data").symlink_to(ROOT / "tests" / "data")
    # every cell in the DOM (no windowing): the dashboard at the end renders without scrolling
    settings = work / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    (work / "settings" / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (work / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
     ).write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    proc = start([exe, "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--IdentityProvider.token=",
                  "--ServerApp.password=", f"--ServerApp.root_dir={work}",
                  f"--LabApp.workspaces_dir={work / 'workspaces'}", "--LabApp.expose_app_in_browser=True",
                  f"--LabApp.user_settings_dir={work / 'settings'}",
                  "--ServerApp.open_browser=False", *(["--allow-root"] if os.geteuid() == 0 else [])],
                 log, work)
    try:
        wait_http(f"http://127.0.0.1:{port}/api", proc, log)
        yield f"http://127.0.0.1:{port}/lab/tree/notebooks/"
    finally:
        stop(proc)
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=BROWSER, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update"])
        try:
            yield b
        finally:
            b.close()


def first_render(page: Any, e: Expect, timeout_s: float) -> dict[str, Any]:
    """Wait until the dashboard figure shows every expected trace with data; return it."""
    names = json.dumps(list(e.traces))
    types = json.dumps(list(e.types))
    page.wait_for_function(
        f"""() => {{ const f = ({READ_FIGURE})(); if (!f) return false;
            const names = f.traces.map(t => t.name), types = f.traces.map(t => t.type);
            const has = (n) => n.endsWith('*') ? names.some(x => x.startsWith(n.slice(0, -1)))
                                               : names.includes(n);
            return {names}.every(has) && {types}.every(t => types.includes(t))
                && f.traces.reduce((a, t) => a + t.n, 0) > 0; }}""",
        timeout=timeout_s * 1000, polling=250)
    fig: dict[str, Any] = page.evaluate(READ_FIGURE)
    return fig


def act(page: Any, e: Expect) -> None:
    kind, label, *rest = e.action
    box = page.locator(DASH).first
    if kind == "slider":
        handle = box.locator(".widget-slider", has_text=label).locator(".noUi-handle").last
        handle.focus()
        handle.press("ArrowRight")
    elif kind == "select":
        box.locator(".widget-dropdown", has_text=label).locator("select").select_option(index=rest[0])
    elif kind == "toggle":
        box.locator(".widget-toggle-button", has_text=label).first.click()
    elif kind == "click":
        box.locator("button", has_text=label).first.click()
    else:
        raise AssertionError(f"unknown action {e.action}")


def check_case(page: Any, url: str, e: Expect, where: str, shots: Path | None = None) -> None:
    t0 = time.monotonic()
    if where == "voila":
        page.goto(url + e.notebook, timeout=FIRST_RENDER_S * 1000, wait_until="commit")
    else:
        # ?reset: a fresh workspace, so this notebook is the only one open (and the current one)
        page.goto(url + e.notebook + "?reset", timeout=120_000)
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(timeout=120_000)
        # the kernel is up: run every cell through Lab's own command (--expose-app-in-browser)
        page.wait_for_function(
            """() => { const app = window.jupyterapp; const w = app && app.shell.currentWidget;
                const k = w && w.sessionContext && w.sessionContext.session
                    && w.sessionContext.session.kernel;
                return !!k && k.connectionStatus === 'connected' && k.status === 'idle'
                    && app.commands.isEnabled('notebook:run-all-cells'); }""", timeout=120_000)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    # the dashboard, or the first error output (a cell that failed: no dashboard will come)
    page.locator(f"{DASH}, {ERROR}").first.wait_for(state="attached", timeout=FIRST_RENDER_S * 1000)
    errors = page.locator(ERROR)
    assert not errors.count(), f"a cell failed: {errors.first.inner_text()[-1500:]}"
    page.locator(DASH).first.scroll_into_view_if_needed()
    left = FIRST_RENDER_S - (time.monotonic() - t0)
    fig = first_render(page, e, max(left, 10.0))
    first_s = time.monotonic() - t0
    if shots is not None:  # the first render as a new user sees it, for people to look at
        page.locator(DASH).first.screenshot(path=str(shots / f"{where}-{e.notebook}-first.png"))
    for axis, kind in e.axes.items():
        assert fig["axes"].get(axis) == kind, f"{axis}: {fig['axes'].get(axis)} != {kind} ({fig['axes']})"
    assert not any(t["name"].startswith("trace ") for t in fig["traces"] if t["type"] != "heatmap"), \
        f"unnamed traces: {fig['traces']}"
    page.wait_for_timeout(500)  # let the widget views settle before the input
    before = page.evaluate(READ_FIGURE)["sig"]
    page.evaluate(WATCH_BUSY)
    t1 = time.monotonic()
    act(page, e)
    page.wait_for_function(f"(s) => {{ const f = ({READ_FIGURE})(); return f && f.sig !== s; }}", arg=before,
                           timeout=e.input_s * 1000, polling=100)
    input_s = time.monotonic() - t1
    busy_ms = page.evaluate("() => window.__smBusy")
    TIMINGS[f"{where}:{e.notebook}"] = {"first_render_s": round(first_s, 2), "input_s": round(input_s, 2),
                                        "busy_s": None if busy_ms is None else round(busy_ms / 1000, 2)}
    if e.long_work:
        assert busy_ms is not None and busy_ms / 1000 <= BUSY_S, \
            f"no busy line within {BUSY_S} s of the input (seen after {busy_ms} ms)"


def run_with_retry(browser: Any, url: str, e: Expect, where: str, shots: Path) -> None:
    from playwright.sync_api import Error as PlaywrightError

    for attempt in (1, 2):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        console: list[str] = []
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        page.on("console", lambda m, console=console: console.append(f"{m.type}: {m.text[:300]}"))
        try:
            check_case(page, url, e, where, shots)
            TIMINGS[f"{where}:{e.notebook}"]["attempt"] = attempt
            (shots / "browser_timings.json").write_text(json.dumps(TIMINGS, indent=1, sort_keys=True))
            page.screenshot(path=str(shots / f"{where}-{e.notebook}.png"), full_page=False)
            bad = [m for m in errors if "setData" in m]
            assert not bad, f"page errors: {bad}"
            return
        except (PlaywrightError, AssertionError):
            page.screenshot(path=str(shots / f"{where}-{e.notebook}-failure-{attempt}.png"), full_page=True)
            (shots / f"{where}-{e.notebook}-failure-{attempt}.log").write_text(
                "\n".join(["page errors:", *errors, "console:", *console]))
            if attempt == 2:
                raise
        finally:
            if where == "lab":  # shut its kernel down: a retry gets a fresh one, and idle
                try:            # kernels of earlier notebooks do not pile up on a 2-core machine
                    page.evaluate("() => window.jupyterapp.serviceManager.sessions.shutdownAll()")
                except PlaywrightError:
                    pass
            page.close()


@pytest.mark.parametrize("e", EXPECT, ids=[e.notebook.split("_")[0] for e in EXPECT])
def test_voila(e: Expect, voila: str, browser: Any, shots: Path) -> None:
    run_with_retry(browser, voila, e, "voila", shots)


def test_voila_renders_wrote_no_file(voila: str, shots: Path) -> None:
    """After Voila rendered every notebook above (figure cells, test hooks and all), no file
    under the repository was added, removed or changed: a visitor's page writes nothing."""
    assert BEFORE_VOILA, "the Voila server did not start"
    rendered = [k for k in TIMINGS if k.startswith("voila:")]
    assert rendered, "no notebook rendered (run with the test_voila cases)"
    after = repo_files(skip=shots)
    changed = sorted(k for k in set(BEFORE_VOILA) | set(after) if BEFORE_VOILA.get(k) != after.get(k))
    assert not changed, f"a Voila render wrote: {changed[:20]}"


@pytest.mark.parametrize("e", EXPECT, ids=[e.notebook.split("_")[0] for e in EXPECT])
def test_lab(e: Expect, lab: str, browser: Any, shots: Path) -> None:
    run_with_retry(browser, lab, e, "lab", shots)
