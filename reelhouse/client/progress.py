"""Upload progress: a tqdm bar in terminals, an ipywidgets bar in notebooks, or a callback."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

ProgressCallback = Callable[[int, int], None]
"""Called as `callback(bytes_done, bytes_total)` whenever bytes reach storage (or un-reach it
when a part is retried)."""

Progress = bool | ProgressCallback | None


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where an ipywidgets bar can be displayed)."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


class Reporter:
    """Counts bytes from any worker thread and forwards them to one display or callback."""

    def __init__(self, total: int, initial: int = 0) -> None:
        self.total = total
        self.done = initial
        self._lock = threading.Lock()

    def advance(self, count: int) -> None:
        with self._lock:
            self.done += count
            self._show(count)

    def _show(self, count: int) -> None:
        """Display the change (subclasses); called with the lock held."""

    def close(self) -> None:
        """Finish the display."""


class CallbackReporter(Reporter):
    def __init__(self, total: int, initial: int, callback: ProgressCallback) -> None:
        super().__init__(total, initial)
        self._callback = callback
        callback(initial, total)

    def _show(self, count: int) -> None:
        self._callback(self.done, self.total)


class BarReporter(Reporter):
    """A tqdm bar: tqdm's ipywidgets bar in a kernel that has ipywidgets, text anywhere else."""

    def __init__(self, total: int, initial: int, label: str, notebook: bool) -> None:
        super().__init__(total, initial)
        options: dict[str, Any] = dict(total=total, initial=initial, desc=label, unit="B",
                                       unit_scale=True, unit_divisor=1024, leave=True)
        self._bar: Any = None
        if notebook:
            from tqdm.notebook import tqdm as notebook_tqdm

            try:
                self._bar = notebook_tqdm(**options)
            except ImportError:
                # No ipywidgets (the SDK-only install): tqdm refuses its widget bar, the
                # text bar still shows in the cell's output.
                self._bar = None
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(**options)

    def _show(self, count: int) -> None:
        self._bar.update(count)

    def close(self) -> None:
        self._bar.close()


def reporter(progress: Progress, total: int, initial: int = 0, label: str = "") -> Reporter:
    """The reporter `progress` asks for: None = a bar when someone can see one, True = always a
    bar, False = nothing, a callable = call it with (done, total)."""
    if callable(progress):
        return CallbackReporter(total, initial, progress)
    notebook = in_notebook()
    if progress is None:
        progress = notebook or sys.stderr.isatty()
    if progress:
        return BarReporter(total, initial, label, notebook)
    return Reporter(total, initial)
