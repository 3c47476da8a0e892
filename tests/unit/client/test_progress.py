"""Which progress display an upload gets: none unseen, a bar when asked, or the callback."""

from __future__ import annotations

import pytest

from reelhouse.client import progress
from reelhouse.client.progress import BarReporter, CallbackReporter, Reporter, reporter


def test_nobody_watching_means_no_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside a notebook and without a terminal, the default shows nothing."""
    monkeypatch.setattr(progress, "in_notebook", lambda: False)
    monkeypatch.setattr(progress.sys.stderr, "isatty", lambda: False)
    assert type(reporter(None, 10)) is Reporter
    assert type(reporter(False, 10)) is Reporter


def test_a_terminal_gets_a_tqdm_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal the default (or True) is a tqdm bar that starts at the resumed bytes."""
    monkeypatch.setattr(progress, "in_notebook", lambda: False)
    monkeypatch.setattr(progress.sys.stderr, "isatty", lambda: True)
    bar = reporter(None, 100, initial=40, label="film.mp4")
    assert isinstance(bar, BarReporter)
    bar.advance(60)
    assert (bar.done, bar._bar.n) == (100, 100)
    bar.close()


def test_a_notebook_gets_the_widget_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    """In a Jupyter kernel the bar is tqdm's ipywidgets one."""
    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    bar = reporter(None, 10)
    assert type(bar._bar).__module__ == "tqdm.notebook"
    bar.close()


def test_a_notebook_without_ipywidgets_gets_the_text_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    """In a kernel without ipywidgets (the SDK-only install) the upload still shows a text bar."""
    import tqdm.notebook

    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    monkeypatch.setattr(tqdm.notebook, "IProgress", None)
    bar = reporter(None, 10)
    bar.advance(10)
    assert type(bar._bar).__module__ == "tqdm.std"
    assert bar._bar.n == 10
    bar.close()


def test_callback_sees_done_and_total() -> None:
    """A callable gets (done, total) at the start and after every change, retries included."""
    seen = []
    shown = reporter(lambda done, total: seen.append((done, total)), 10, initial=4)
    assert isinstance(shown, CallbackReporter)
    shown.advance(3)
    shown.advance(-3)
    shown.advance(6)
    assert seen == [(4, 10), (7, 10), (4, 10), (10, 10)]
