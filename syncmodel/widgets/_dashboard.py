"""The one dashboard mechanism every notebook uses: controls -> model -> viz builder -> FigureWidget.

How to write a dashboard (notebooks 00–09 all do it this way)::

    from syncmodel.widgets._dashboard import Dashboard, log_slider

    def compute(n: int, p: float) -> dict:          # the model: plain numbers out
        ...
    def figure(result: dict) -> go.Figure:          # a viz builder: the finished figure
        return viz.line_figure(...)                 # template, axis types, titles, names, data
    def readout(result: dict) -> str:               # optional: one line of HTML, with units
        return f"P(S) = {result['P']:.3g}"

    Dashboard({"n": w.IntSlider(5, 1, 15, continuous_update=False),
               "p": log_slider("node p", 0.01, 1e-3, 0.5)},
              compute, figure, readout=readout, slow=False)

* First render: ``compute(**values)`` runs once in the constructor, ``figure(result)``
  builds the complete figure, :func:`screen_layout` sizes it for the page, and only then
  is it wrapped in a ``go.FigureWidget``.  Nothing changes the widget before it is shown
  (widgets changed between creation and display rendered blank or without layout in Voila).
* Every later input: ``compute`` then ``figure`` again, and :func:`update_figure` copies
  the new traces' data, names and the axis ranges/titles into the widget inside one
  ``batch_update``.  The builder must therefore draw the same traces for every input
  (empty ones where there is nothing to draw); if it does not, the widget's traces are
  replaced wholesale, still in one batch.
* ``slow=True`` (work over ~0.3 s: election trials, systems comparison): the work runs in
  a background thread, the status line says "computing…" at once, inputs that arrive
  meanwhile are coalesced (only the newest values are computed next) and a result
  overtaken by a newer input is dropped.
* Cancellation: a ``compute`` that takes a ``cancelled`` keyword receives a function that
  turns True as soon as a newer input arrives; it works in chunks and calls
  :func:`stop_if` (``raise Cancelled``) between them, so the superseded run stops early
  instead of finishing unseen.  :func:`seed_from` keeps chunked work bit-identical to the
  one-call model (child ``start`` onwards of the same seed).  ``wait()`` blocks until the figure is current
  (tests).  ``slow=False`` computes in the callback (work under ~0.3 s).
* Sliders that start more than ~50 ms of work should have ``continuous_update=False``;
  :func:`log_slider` makes a ``FloatLogSlider`` for probabilities and rates.
* ``adjust(dashboard, change)`` runs first on every input, to keep controls consistent
  (e.g. ``r.max = n``); control changes it makes do not start extra computations.
* Errors from ``compute`` (``InvalidParameterError``, ``InfeasibleError``) show in red on
  the status line and leave the figure as it was.
"""

from __future__ import annotations

import copy
import hashlib
import html
import inspect
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as w
import numpy as np
import plotly.graph_objects as go
import traitlets as tr

from ..errors import InfeasibleError, InvalidParameterError, invalid
from ..rng import Seed, seed_sequence
from ..viz import screen_layout

__all__ = ["DASHBOARD_CLASS", "LIVENESS_S", "MAX_REPLACEMENTS", "CancelCheck", "Cancelled", "Dashboard",
           "FigureWidget", "live_figure", "log_slider", "seed_from", "stop_if", "update_figure"]

#: what a cancellable ``compute`` receives as ``cancelled``: True once a newer input arrived
CancelCheck = Callable[[], bool]


class Cancelled(Exception):
    """Raised inside a ``compute`` whose ``cancelled()`` turned True; the dashboard drops the run."""


def stop_if(cancelled: CancelCheck | None) -> None:
    """Raise :class:`Cancelled` if ``cancelled`` (may be None: never) says a newer input arrived."""
    if cancelled is not None and cancelled():
        raise Cancelled


def seed_from(seed: Seed, start: int) -> np.random.SeedSequence:
    """A SeedSequence whose ``spawn(k)`` gives children ``start … start+k−1`` of ``seed``.

    The models give item ``i`` (trial, system) child seed ``i`` of their ``seed``, so running
    items ``start … start+k−1`` with ``seed=seed_from(seed, start)`` reproduces exactly those
    rows of the one-call result: chunked, cancellable work shows the same numbers.

    >>> a = np.random.SeedSequence(7).spawn(5)[3].generate_state(2)
    >>> b = seed_from(7, 3).spawn(1)[0].generate_state(2)
    >>> bool((a == b).all())
    True
    """
    root = seed_sequence(seed)
    return np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key, pool_size=root.pool_size,
                                  n_children_spawned=root.n_children_spawned + int(start))


def _never() -> bool:
    return False


#: trace properties copied on every update (data and what depends on it)
_TRACE_KEYS = ("x", "y", "z", "text", "customdata", "hovertext", "name", "texttemplate", "mode",
               "legendgroup", "hoverinfo", "textfont", "line_shape",
               "error_x", "error_y", "base", "width", "zmin", "zmax", "visible", "showlegend",
               "marker", "line", "colorbar", "fill", "fillcolor", "opacity")
#: axis properties copied on every update
_AXIS_KEYS = ("range", "type", "title", "tickvals", "ticktext", "categoryarray", "categoryorder",
              "autorange")
#: CSS class of every dashboard's box: browser tests find the dashboard figure by it
DASHBOARD_CLASS = "syncmodel-dashboard"
#: readable error colour (Okabe–Ito vermillion)
_RED = "#D55E00"
#: a CSS spinner that needs no font or network
_SPINNER = ("<span style='display:inline-block;width:10px;height:10px;border:2px solid #999;"
            "border-top-color:transparent;border-radius:50%;animation:smspin 0.8s linear infinite;"
            "margin-right:6px'></span><style>@keyframes smspin{to{transform:rotate(360deg)}}</style>")


#: the ES module anywidget loads for :class:`FigureWidget`: a few hundred bytes that resolve at
#: once; plotly's 5 MB bundle is imported by ``render`` (one import per page, shared by every
#: figure) and plotly's own model set-up runs as soon as it has loaded
_LOADER_ESM = """\
// syncmodel FigureWidget loader (syncmodel/widgets/_dashboard.py explains why it exists)
const bundles = (globalThis.__syncmodelPlotlyBundles ??= new Map());
const figures = new Map();
function bundle(model) {
  const id = model.get("_plotly_bundle_id");
  let mod = bundles.get(id);
  if (mod === undefined) {
    const url = URL.createObjectURL(new Blob([model.get("_plotly_bundle")], { type: "text/javascript" }));
    mod = import(url).finally(() => URL.revokeObjectURL(url));
    bundles.set(id, mod);
  }
  return mod;
}
export default {
  initialize({ model }) {
    // the kernel's liveness probe (see FigureWidget): answered only if its message got here
    model.on("msg:custom", (msg) => {
      if (msg && msg.syncmodel === "hello") model.send({ syncmodel: "alive", id: msg.id });
    });
    // not awaited: anywidget drops every later message to a model whose set-up takes over 2 s
    const uid = model.get("_figure_uid");
    figures.set(uid, bundle(model).then((mod) => {
      const fig = mod.default();
      fig.initialize({ model });
      return fig;
    }));
    return () => figures.delete(uid);
  },
  async render({ model, el }) {
    const fig = await figures.get(model.get("_figure_uid"));
    const cleanup = fig.render({ model, el });
    model.send({ syncmodel: "rendered" });
    return cleanup;
  },
};
"""


#: seconds the page's model has to acknowledge the kernel's probe before it counts as dead
LIVENESS_S = 5.0
#: new figure widgets a dashboard puts in place of dead ones, at most
MAX_REPLACEMENTS = 3


def _plotly_bundle() -> tuple[str, str]:
    """plotly's widget ES module (the text its FigureWidget sends as ``_esm``) and a hash of it."""
    text = str(go.FigureWidget._esm)
    return text, hashlib.sha256(text.encode()).hexdigest()[:16]


_BUNDLE, _BUNDLE_ID = _plotly_bundle()


class FigureWidget(go.FigureWidget):
    """A ``go.FigureWidget`` that reaches the page whole and keeps every later update.

    Two races of plotly 7.1 + anywidget 0.11, both seen as a blank or stale figure on a busy
    machine, in Voila and in JupyterLab:

    * **First message.** plotly's FigureWidget opens its comm with empty ``_widget_data`` and
      ``_widget_layout`` and sends the figure afterwards as two ``update`` messages; its view
      draws the state it finds at render time.  Here the comm opens only once the figure is
      set, so the first message carries the whole figure.
    * **Lost updates** ("[anywidget] Failed to initialize model." in the browser log).  anywidget
      0.11 rejects a model's ``ready`` promise when loading its ES module and running its
      ``initialize`` takes more than 2 s (``AbortSignal.timeout(2000)`` in its ``Runtime``), and
      its ``_handle_comm_msg`` awaits that promise before handling any message from the kernel:
      once rejected, every later update to that figure is dropped for good.  plotly's ES module
      is a 5 MB bundle imported afresh (from a blob URL) for every figure, which takes longer
      than 2 s while the page is still loading on a loaded 2-core machine.  Here ``_esm`` is a
      small loader (:data:`_LOADER_ESM`) that is ready at once; it imports plotly's bundle (sent
      as ``_plotly_bundle``, imported once per page and shared) without holding up anywidget,
      runs plotly's own model set-up when it has loaded, and draws in ``render``, which has no
      timeout.  Updates that reach the page before plotly's set-up has run change
      ``_py2js_*`` but not the page's copy of the figure, so :meth:`resync` also sends the
      whole figure state after every update: the view draws the current figure whenever it
      attaches.
    * **A model that died anyway.**  Even the small loader can miss anywidget's 2 s when the
      page's main thread is blocked longer than that (a cold JupyterLab page evaluating another
      figure's bundle).  So the page reports each drawn view ("rendered"), the kernel answers
      with a probe ("hello") that only a live model receives and acknowledges ("alive"); with
      no acknowledgement within :data:`LIVENESS_S` the kernel calls the :meth:`on_dead`
      callback, and a
      :class:`Dashboard` then puts a new widget with the same figure in the dead one's place
      (its module is loaded by then, so it starts at once).
    """

    _esm = _LOADER_ESM
    _plotly_bundle = tr.Unicode(_BUNDLE).tag(sync=True)
    _plotly_bundle_id = tr.Unicode(_BUNDLE_ID).tag(sync=True)
    _figure_uid = tr.Unicode().tag(sync=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._defer_open = True
        super().__init__(*args, **kwargs)
        self._figure_uid = uuid.uuid4().hex
        self._on_dead: Callable[[FigureWidget], None] | None = None
        self._probes = 0
        self._answered: set[int] = set()
        self.on_msg(self._page_message)
        self._defer_open = False
        self.open()

    def _page_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        if content.get("syncmodel") == "rendered":  # a view was drawn: is its model alive?
            self._probes += 1
            probe = self._probes
            self.send({"syncmodel": "hello", "id": probe})
            timer = threading.Timer(LIVENESS_S, self._check, args=(probe,))
            timer.daemon = True
            timer.start()
        elif content.get("syncmodel") == "alive" and isinstance(content.get("id"), int):
            self._answered.add(content["id"])

    def on_dead(self, callback: Callable[[FigureWidget], None] | None) -> None:
        """Call ``callback(self)`` (from a timer thread) when the page's model does not answer."""
        self._on_dead = callback

    def _check(self, probe: int) -> None:
        if probe not in self._answered and self._on_dead is not None and self.comm is not None:
            self._on_dead(self)

    def open(self) -> None:
        """Open the comm, unless the constructor is still filling in the figure."""
        if not getattr(self, "_defer_open", False):
            super().open()

    def resync(self) -> None:
        """Send the whole current figure as the widget's state (after the incremental updates)."""
        self._widget_layout = copy.deepcopy(self._layout_obj._props)
        self._widget_data = copy.deepcopy(self._data)


def live_figure(fig: go.Figure, height_px: int | None = None) -> go.FigureWidget:
    """``fig`` (finished: every trace, axis and title) at screen size, as a FigureWidget
    whose first message to the page is the complete figure (see :class:`FigureWidget`).

    Change it afterwards only with :func:`update_figure`.
    """
    return FigureWidget(screen_layout(fig, height_px=height_px))


def _same_shape(fw: go.FigureWidget, new: go.Figure) -> bool:
    return len(fw.data) == len(new.data) and all(
        a.type == b.type and getattr(a, "xaxis", None) == getattr(b, "xaxis", None)
        and getattr(a, "yaxis", None) == getattr(b, "yaxis", None)
        for a, b in zip(fw.data, new.data, strict=True))


def update_figure(fw: go.FigureWidget, new: go.Figure) -> None:
    """Make the displayed widget ``fw`` show ``new`` (same builder, new inputs) in one batch.

    Traces: data, names and styles are replaced trace by trace; axes: range, type, title,
    ticks and category order; the title and subplot titles (annotations) follow.  A figure
    with a different set of traces replaces the widget's traces wholesale.
    """
    screen = screen_layout(new, width_px=int(fw.layout.width or 800),
                           height_px=int(fw.layout.height or 450))
    layout = screen.layout
    with fw.batch_update():
        if _same_shape(fw, screen):
            for old, tr in zip(fw.data, screen.data, strict=True):
                old.update({k: tr[k] for k in _TRACE_KEYS if k in tr}, overwrite=True)
        else:
            fw.data = ()
            fw.add_traces(list(screen.data))
        for key in layout:
            if key.startswith(("xaxis", "yaxis")) and layout[key] is not None:
                axis = layout[key]
                fw.layout[key].update({k: axis[k] for k in _AXIS_KEYS}, overwrite=True)
        fw.layout.title = layout.title
        if [a.text for a in layout.annotations] != [a.text for a in fw.layout.annotations]:
            fw.layout.annotations = layout.annotations
        if len(layout.shapes) or len(fw.layout.shapes):
            fw.layout.shapes = layout.shapes
    if isinstance(fw, FigureWidget):
        fw.resync()


def log_slider(description: str, value: float, lo: float, hi: float, *, steps: int = 40,
               readout_format: str = ".3g", continuous_update: bool = False) -> w.FloatLogSlider:
    """A ``FloatLogSlider`` from ``lo`` to ``hi`` (> 0) in ``steps`` log-even steps."""
    if not 0 < lo < hi or not lo <= value <= hi:
        raise invalid("value", (value, lo, hi), "0 < lo <= value <= hi")
    a, b = np.log10(lo), np.log10(hi)
    return w.FloatLogSlider(value=value, base=10, min=a, max=b, step=(b - a) / steps,
                            description=description, readout_format=readout_format,
                            continuous_update=continuous_update, style={"description_width": "initial"},
                            layout=w.Layout(width="360px"))


def _arrange(controls: Sequence[w.Widget], per_column: int) -> w.Widget:
    cols = [w.VBox(list(controls[i:i + per_column]), layout=w.Layout(margin="0 16px 0 0"))
            for i in range(0, len(controls), per_column)]
    return w.HBox(cols, layout=w.Layout(flex_flow="row wrap"))


class Dashboard(w.VBox):
    """Controls, a status line and a live figure, wired as the module docstring says.

    ``panel`` replaces the automatic arrangement of the controls; ``extra`` widgets go between
    the controls and the status line, ``below`` widgets under the figure.
    Attributes: ``controls`` (name -> widget), ``figure`` (the FigureWidget), ``status``
    (the HTML line), ``result`` (the last computed result), ``timings`` (seconds of the
    last compute and figure update).
    """

    def __init__(self, controls: Mapping[str, w.ValueWidget], compute: Callable[..., Any],
                 figure: Callable[[Any], go.Figure], *,
                 readout: Callable[[Any], str] | None = None,
                 adjust: Callable[[Dashboard, dict[str, Any]], None] | None = None,
                 slow: bool = False, debounce_s: float = 0.15, per_column: int = 4,
                 panel: w.Widget | None = None, height_px: int | None = None,
                 extra: Sequence[w.Widget] = (), below: Sequence[w.Widget] = ()) -> None:
        self.controls = dict(controls)
        self._compute, self._figure, self._readout, self._adjust = compute, figure, readout, adjust
        self.slow, self.debounce_s = bool(slow), float(debounce_s)
        self.status = w.HTML(layout=w.Layout(min_height="1.6em"))
        self.timings: dict[str, float] = {}
        #: runs stopped early by a newer input (cancellable computes only)
        self.cancelled_runs = 0
        self._cancellable = "cancelled" in inspect.signature(compute).parameters
        self._gen = 0
        self._lock = threading.Lock()
        self._apply_lock = threading.Lock()
        self._worker: threading.Thread | None = None
        self._quiet = False
        self._idle = threading.Event()
        self._idle.set()
        for ctl in self.controls.values():
            style = getattr(ctl, "style", None)
            if style is not None and hasattr(style, "description_width"):
                style.description_width = "initial"
        if adjust is not None:
            self._quiet = True
            try:
                adjust(self, {"owner": None, "name": "value", "new": None})
            finally:
                self._quiet = False
        t0 = time.perf_counter()
        self.result = compute(**self._arguments(_never))
        first = figure(self.result)
        self.figure = live_figure(first, height_px=height_px)
        self.replaced_figures = 0
        if isinstance(self.figure, FigureWidget):
            self.figure.on_dead(self._replace_figure)
        self.timings = {"compute_s": time.perf_counter() - t0}
        self._show_readout(self.result)
        for ctl in self.controls.values():
            ctl.observe(self._changed, names="value")
        top = panel if panel is not None else _arrange(list(self.controls.values()), per_column)
        super().__init__([top, *extra, self.status, self.figure, *below])
        self.add_class(DASHBOARD_CLASS)

    def _replace_figure(self, dead: FigureWidget) -> None:
        """Put a new widget with ``dead``'s current figure in its place (see FigureWidget)."""
        with self._apply_lock:
            if dead is not self.figure or self.replaced_figures >= MAX_REPLACEMENTS:
                return
            self.replaced_figures += 1
            new = FigureWidget(dead.to_dict())
            new.on_dead(self._replace_figure)
            self.figure = new
            children: tuple[w.Widget, ...] = tuple(getattr(self, "children"))  # noqa: B009 (mypy)
            setattr(self, "children", tuple(new if c is dead else c for c in children))  # noqa: B010
        dead.close()

    def values(self) -> dict[str, Any]:
        """The controls' current values, by name (what ``compute`` receives)."""
        return {name: ctl.value for name, ctl in self.controls.items()}

    def _arguments(self, cancelled: CancelCheck) -> dict[str, Any]:
        kwargs = self.values()
        if self._cancellable:
            kwargs["cancelled"] = cancelled
        return kwargs

    def _show_readout(self, result: Any) -> None:
        self.status.value = self._readout(result) if self._readout is not None else ""

    def _busy(self) -> None:
        self.status.value = f"{_SPINNER}<span style='color:#555'>computing…</span>"

    def _changed(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        if self._adjust is not None:
            self._quiet = True
            try:
                self._adjust(self, change)
            finally:
                self._quiet = False
        self.refresh()

    def refresh(self) -> None:
        """Recompute for the current values (in the background when ``slow``)."""
        with self._lock:
            self._gen += 1
            self._idle.clear()
            start = self.slow and (self._worker is None or not self._worker.is_alive())
            if start:
                self._worker = threading.Thread(target=self._work, name="syncmodel-dashboard",
                                                daemon=True)
        self._busy()
        if not self.slow:
            self._run_once(self._gen)
            self._idle.set()
        elif start:
            assert self._worker is not None
            self._worker.start()

    def _work(self) -> None:
        while True:
            time.sleep(self.debounce_s)  # let a burst of inputs settle
            with self._lock:
                gen = self._gen
            self._run_once(gen)
            with self._lock:
                if gen == self._gen:  # nothing newer arrived: done
                    self._worker = None
                    self._idle.set()
                    return

    def _run_once(self, gen: int) -> None:
        t0 = time.perf_counter()
        try:
            result = self._compute(**self._arguments(lambda: gen != self._gen))
            new = self._figure(result)
        except Cancelled:  # a newer input arrived while computing: its run will draw
            self.cancelled_runs += 1
            return
        except (InvalidParameterError, InfeasibleError, ValueError) as exc:
            if gen == self._gen:
                self.status.value = f"<span style='color:{_RED}'>✗ {html.escape(str(exc))}</span>"
            return
        t1 = time.perf_counter()
        with self._apply_lock:
            if gen != self._gen:  # overtaken by a newer input: its run will draw
                return
            update_figure(self.figure, new)
            self.result = result
            self._show_readout(result)
        self.timings = {"compute_s": t1 - t0, "update_s": time.perf_counter() - t1}

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until the figure shows the current values (True) or ``timeout`` s pass."""
        return self._idle.wait(timeout)
