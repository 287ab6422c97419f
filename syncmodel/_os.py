"""Small operating-system helpers shared by the writers of temporary files (the sweep cache
and figure export): is the process that left a file still alive?"""

from __future__ import annotations

import os

__all__ = ["pid_alive"]


def pid_alive(pid: int) -> bool:
    """True if a process ``pid`` exists (signal 0 reaches it, or exists but belongs to
    another user); False once it is gone.

    >>> pid_alive(os.getpid())
    True
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True
