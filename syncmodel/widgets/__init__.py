"""ipywidgets dashboards (a FigureWidget plus controls), one module per notebook topic, all
built on the one mechanism in :mod:`syncmodel.widgets._dashboard`.

Importing this package imports nothing heavy; each topic module builds its
``dashboard(...)`` from the models and :mod:`syncmodel.viz`.  The helpers here are for
notebooks: :func:`in_voila` (a Voila page writes no file and shows no test output),
:func:`show` (a static figure at screen size) and :func:`readable_tables`.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["EXPORT", "in_voila", "readable_tables", "show"]


def in_voila() -> bool:
    """True in a kernel started by Voila (it sets ``VOILA_KERNEL_ID``; JupyterLab, nbclient
    and papermill do not)."""
    return bool(os.environ.get("VOILA_KERNEL_ID"))


#: notebooks write figure files only outside Voila: a visitor's page must not rewrite them
EXPORT = not in_voila()


def show(fig: Any) -> Any:
    """A finished paper figure as a screen-size FigureWidget (~800 px, 13 px text) to display.

    The widget path avoids the static plotly renderer, whose PNG snapshot calls
    ``model.setData``, which Voila's non-progressive output models lack; the paper figure
    itself is unchanged for :func:`syncmodel.export.write_figure`.
    """
    from ._dashboard import live_figure

    return live_figure(fig)


def _number(x: float) -> str:
    if x != x:  # NaN
        return "n/a"
    if x == 0:
        return "0"  # no "-0.000000"
    if abs(x) >= 1e6 or abs(x) < 1e-3:
        return f"{x:.3e}"
    return f"{x:.4g}"


def readable_tables() -> None:
    """pandas shows floats with 4 significant digits (scientific below 0.001), 0 for ±0 and
    n/a for NaN, instead of six decimals."""
    import pandas as pd

    pd.set_option("display.float_format", _number)
