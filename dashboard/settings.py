"""Where the dashboard finds the API: the settings `reelhouse up` handed it, and the client
each browser session signs in with."""

from __future__ import annotations

from functools import cache

from reelhouse.client import Client
from reelhouse.config import Settings, load_settings

TIMEOUT_S = 10.0


@cache
def settings() -> Settings:
    """The settings `reelhouse up` handed the dashboard through REELHOUSE_* variables."""
    return load_settings()


def server_api_url(settings: Settings) -> str:
    """Where this server reaches the API: over loopback when the API listens on all or
    loopback addresses (the browser's `settings.api_url` may name a public host)."""
    host = settings.host
    if host in ("0.0.0.0", "::", "", "localhost", "127.0.0.1"):
        host = "127.0.0.1"
    return f"http://{host}:{settings.api_port}"


def session_client() -> Client:
    """An anonymous SDK client for one browser session; it signs in as that visitor only.

    Never the server's own `$REELHOUSE_TOKEN`: a visitor who has not signed in is anonymous.
    """
    return Client(server_api_url(settings()), timeout=TIMEOUT_S, env_token=False)
