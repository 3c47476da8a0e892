"""Composing a session: the first answer makes no API call for an anonymous visitor."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

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


def test_the_dashboard_holds_no_storage_or_database_client() -> None:
    """Composing a session loads the SDK only: no S3 client, catalog reader or database
    driver exists in the dashboard process to use the server's credentials with."""
    code = ("import sys; from dashboard import app; app.create(); "
            "banned = {'boto3', 'botocore', 'duckdb', 'pyarrow', 'deltalake', 'sqlalchemy'}; "
            "found = banned & {m.split('.')[0] for m in sys.modules}; "
            "found |= {m for m in sys.modules if m.startswith(('reelhouse.storage', "
            "'reelhouse.catalog', 'reelhouse.db', 'signing_api'))}; "
            "print(sorted(found))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).parents[3])
    assert out.stdout.strip().splitlines()[-1] == "[]"
