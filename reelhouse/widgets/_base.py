"""What every Reelhouse widget shares: the bundled front end, the API address and the token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anywidget
import httpx
import traitlets as t

from reelhouse.config import configured_token, load_settings
from reelhouse.errors import AuthError, ConfigError

STATIC = Path(__file__).resolve().parent.parent / "static"

# Shown instead of a widget when the front end was never bundled (a fresh clone without
# `make`); multi-line, so anywidget takes it as code rather than as a file path.
_MISSING = """
export default { render({ el }) {
  el.textContent = "Reelhouse widget front end %s.js is not built: run `make static` " +
    "(or `cd frontend && npm ci && node build.mjs`) and restart the kernel.";
} };
"""


def bundle(name: str) -> Path | str:
    """The bundled module `reelhouse/static/<name>.js`, or a stand-in saying how to build it."""
    path = STATIC / f"{name}.js"
    return path if path.is_file() else _MISSING % name


def default_api_url() -> str:
    """The API of the configured stack (settings / `.env`), else the local default."""
    try:
        return load_settings().api_url
    except ConfigError:
        return "http://127.0.0.1:8000"


def login(username: str, password: str, api_url: str | None = None, timeout_s: float = 30) -> str:
    """A new API token for these credentials; `AuthError` with the API's message if refused."""
    url = (api_url or default_api_url()).rstrip("/") + "/api/v1/auth/token"
    response = httpx.post(url, json={"username": username, "password": password,
                                     "name": "notebook widgets"}, timeout=timeout_s)
    if response.status_code != 201:
        try:
            message = response.json().get("message", response.text)
        except ValueError:
            message = response.text
        raise AuthError(f"sign-in refused ({response.status_code}): {message}")
    return str(response.json()["token"])


class ApiWidget(anywidget.AnyWidget):
    """A widget whose browser half calls the signing API at `api_url` with `token`.

    The token is synced to the browser (it needs it to call the API); widget state saved
    into a notebook would carry it, so leave JupyterLab's "save widget state" off.
    """

    api_url = t.Unicode(help="the signing API, e.g. http://127.0.0.1:8000").tag(sync=True)
    token = t.Unicode(help="API token (Bearer); empty = anonymous").tag(sync=True)

    @t.default("api_url")
    def _default_api_url(self) -> str:
        return default_api_url()

    @t.default("token")
    def _default_token(self) -> str:
        return configured_token() or ""

    @t.validate("api_url")
    def _check_api_url(self, proposal: dict[str, Any]) -> str:
        value = str(proposal["value"]).strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise t.TraitError(f"api_url: an http(s) URL, not {value[:80]!r}")
        return value

    @classmethod
    def from_client(cls, client: Any, **kwargs: Any) -> ApiWidget:
        """The widget for an SDK client (anything with `api_url` or `base_url`, and `token`)."""
        api_url = getattr(client, "api_url", None) or str(getattr(client, "base_url", ""))
        return cls(api_url=api_url, token=getattr(client, "token", "") or "", **kwargs)

    @classmethod
    def login(cls, username: str, password: str, api_url: str | None = None,
              **kwargs: Any) -> ApiWidget:
        """The widget signed in as `username` (a new token from the API)."""
        api_url = api_url or default_api_url()
        return cls(api_url=api_url, token=login(username, password, api_url), **kwargs)
