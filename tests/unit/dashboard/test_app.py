"""Composing a session: the first answer makes no API call for an anonymous visitor."""

from __future__ import annotations

from collections.abc import Callable

import panel as pn
import pytest

from dashboard import app
from reelhouse.client import Client


def test_anonymous_session_asks_the_api_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The page (and the stack's readiness probe) never waits on the API: lists load once
    the browser is connected."""
    calls: list[str] = []
    deferred: list[Callable[[], None]] = []

    def answer(self: Client, method: str, path: str, **_kw: object) -> dict:
        calls.append(f"{method} {path}")
        return {"items": [], "next_cursor": None}

    monkeypatch.setattr(Client, "_json", answer)
    # Served, Panel runs onload callbacks after the websocket connects; here we hold them.
    monkeypatch.setattr(pn.state, "onload", deferred.append)
    monkeypatch.setattr(pn.state, "add_periodic_callback", lambda *a, **k: None)
    template = app.create()
    assert isinstance(template, pn.template.BootstrapTemplate)
    assert calls == []
    for callback in deferred:
        callback()
    assert calls == ["GET /api/v1/videos"]
