"""Where the dashboard finds the API: the settings `reelhouse up` handed it, and the client
each browser session signs in with."""

from __future__ import annotations

from functools import cache

import panel as pn

from reelhouse.client import Client
from reelhouse.config import Settings, load_settings
from reelhouse.forwarding import FORWARDED_FOR, forwarded_chain

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


def visitor_chain() -> str | None:
    """The X-Forwarded-For of this browser session as the dashboard passes it on: what the
    page request carried, then the address it came from (the API decides whom to believe)."""
    context = pn.state.curdoc.session_context if pn.state.curdoc is not None else None
    request = getattr(context, "request", None)
    if request is None:
        return None
    headers = {name.lower(): value for name, value in request.headers.items()}
    forwarded = headers.get(FORWARDED_FOR.lower())
    if isinstance(forwarded, list):
        forwarded = ", ".join(forwarded)
    return forwarded_chain(forwarded, getattr(request, "remote_ip", None))


def session_client(forwarded_for: str | None = None) -> Client:
    """An anonymous SDK client for one browser session; it signs in as that visitor only.

    Never the server's own `$REELHOUSE_TOKEN`: a visitor who has not signed in is anonymous.
    `forwarded_for` is the visitor's address chain (`visitor_chain`), so the API counts
    sign-in failures against the visitor, not against this server's address.
    """
    return Client(server_api_url(settings()), timeout=TIMEOUT_S, env_token=False,
                  forwarded_for=forwarded_for)
