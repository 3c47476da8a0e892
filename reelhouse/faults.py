"""Crash points for fault tests: a process dies with SIGKILL at a named point a test armed.

A test arms `name` by creating the file `name` in the directory REELHOUSE_FAULT_DIR names
(`arm`); the first process of the stack to reach `crash_point(name)` removes the file and
kills itself, exactly as `kill -9` at that line would, so a retry passes the point. Without
REELHOUSE_FAULT_DIR (every real deployment) a point costs one environment lookup.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

FAULT_DIR_ENV = "REELHOUSE_FAULT_DIR"


def crash_point(name: str) -> None:
    """Die here (SIGKILL, no cleanup, no finally) if a test armed `name`; else return."""
    folder = os.environ.get(FAULT_DIR_ENV)
    if not folder:
        return
    try:
        # Removing the file is the claim: of racing processes exactly one dies.
        (Path(folder) / name).unlink()
    except FileNotFoundError:
        return
    os.kill(os.getpid(), signal.SIGKILL)


def arm(folder: Path, name: str) -> Path:
    """Arm `name` for the processes whose REELHOUSE_FAULT_DIR is `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / name
    marker.touch()
    return marker


def fired(folder: Path, name: str) -> bool:
    """Whether a process has reached (and died at) the armed point `name`."""
    return not (folder / name).exists()
