"""Run a notebook headless with small parameters and read back its ``summary``.

The notebook's cell tagged ``parameters`` holds its defaults; the overrides are
injected in a cell right after it (as papermill does).  After the last cell the
harness prints ``summary`` (a dict of numbers every notebook defines) as JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
MARK = "@@SUMMARY@@"


def run_notebook(name: str, timeout: int = 600, **params: Any) -> dict[str, Any]:
    """Execute ``notebooks/<name>`` with ``params`` overriding its parameters cell."""
    path = NOTEBOOKS / name
    nb = nbformat.read(path, as_version=4)
    idx = next((i for i, c in enumerate(nb.cells)
                if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])), None)
    if idx is None:
        raise AssertionError(f"{name} has no cell tagged 'parameters'")
    inject = "\n".join(f"{k} = {v!r}" for k, v in params.items())
    nb.cells.insert(idx + 1, nbformat.v4.new_code_cell(inject, metadata={"tags": ["injected-parameters"]}))
    nb.cells.append(nbformat.v4.new_code_cell(
        f"import json as _json\nprint({MARK!r} + _json.dumps(summary, default=float))"))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", store_widget_state=False,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    for out in nb.cells[-1].get("outputs", []):
        text = out.get("text", "")
        if MARK in text:
            return dict(json.loads(text.split(MARK, 1)[1]))
    raise AssertionError(f"{name} printed no summary")
