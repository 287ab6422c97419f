"""Committed measurements: ``data/measured/<system>_<experiment>.csv`` with a ``#`` provenance header.

:func:`write_measured` writes one (versions, settings, date, machine, load average, command,
then one row per trial); :func:`read_measured` reads one back (the header lines are skipped, kept in
``attrs``).
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import invalid

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["MEASURED_DIR", "read_measured", "write_measured"]

MEASURED_DIR = Path(__file__).resolve().parents[2] / "data" / "measured"


def machine() -> str:
    """A one-line description of this machine (host name left out)."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.platform()}; {os.cpu_count()} CPUs {cpu}; Python {platform.python_version()}"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages now ("1.20 0.95 0.80"; "unknown" off Linux/Unix)."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - getloadavg unavailable
        return "unknown"


def write_measured(df: pd.DataFrame, system: str, experiment: str, *, notes: dict[str, Any] | None = None,
                   directory: Path | str | None = None) -> Path:
    """Write ``df`` to ``<directory>/<system>_<experiment>.csv`` under a ``#`` provenance header."""
    d = Path(directory) if directory is not None else MEASURED_DIR
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"{system}_{experiment}.csv"
    versions = sorted(set(map(str, df["version"]))) if "version" in df.columns and len(df) else []
    settings = sorted(set(map(str, df["settings"]))) if "settings" in df.columns and len(df) else []
    head = [f"syncmodel testbed measurement: {system} {experiment}",
            f"version: {', '.join(versions) or 'unknown'}",
            f"settings: {' | '.join(settings)}",
            f"date: {_dt.datetime.now(_dt.UTC).isoformat(timespec='seconds')}",
            f"machine: {machine()}",
            f"load average (1, 5, 15 min) when written: {load_average()}",
            "command: make validate (python -m syncmodel.testbed.validate)",
            f"rows: {len(df)}"]
    if "load_1m" in df.columns and len(df):
        q = df["load_1m"].quantile([0.0, 0.5, 1.0]).to_numpy()
        head.append(f"load average (1 min) during the trials: min {q[0]:.2f}, median {q[1]:.2f}, "
                    f"max {q[2]:.2f}")
    head += [f"{k}: {v}" for k, v in (notes or {}).items()]
    with path.open("w") as fh:
        fh.write("".join(f"# {h}\n" for h in head))
        df.to_csv(fh, index=False)
    return path


def read_measured(system: str, experiment: str, directory: Path | str | None = None) -> pd.DataFrame:
    """Read ``<system>_<experiment>.csv``; the provenance lines are ``df.attrs["provenance"]``."""
    import os

    import pandas as pd

    for name, v in (("system", system), ("experiment", experiment)):
        if not isinstance(v, str) or not v:
            raise invalid(name, v, "a non-empty string")
    if directory is not None and not isinstance(directory, (str, os.PathLike)):
        raise invalid("directory", directory, "a path (str or os.PathLike) or None")
    d = Path(directory) if directory is not None else MEASURED_DIR
    path = d / f"{system}_{experiment}.csv"
    if not path.exists():
        known = sorted(p.stem for p in d.glob("*.csv")) if d.exists() else []
        raise invalid("system/experiment", f"{system}_{experiment}", f"one of {known}")
    prov = []
    with path.open() as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            prov.append(line[1:].strip())
    df = pd.read_csv(path, comment="#")
    df.attrs["provenance"] = prov
    return df
