"""What every Reelhouse widget shares: the bundled front end, and the API calls the kernel
makes for the browser with an address and token that stay in the kernel."""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

import anywidget
import httpx
import traitlets as t

from reelhouse.client import Client
from reelhouse.config import configured_token, load_settings
from reelhouse.errors import AuthError, ConfigError
from reelhouse.widgets.kernel_api import answer

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
    """A widget whose browser half asks the kernel to call the signing API at `api_url`.

    `api_url` and `token` live only in the kernel: they are not synced, so no browser page
    and no saved notebook ever holds them, and the page's origin needs no CORS grant from the
    API. The browser sends request messages that the kernel answers on worker threads with
    the SDK, for the routes in `api_routes` only. Comm messages reach the kernel between
    cells: while a cell runs, the widgets' API calls wait for it (uploads already under way
    keep sending their bytes to storage).
    """

    api_routes: ClassVar[frozenset[str]] = frozenset()

    api_url = t.Unicode(help="the signing API, e.g. http://127.0.0.1:8000 (kernel only)")
    token = t.Unicode(help="API token (Bearer); empty = anonymous (kernel only, never synced)")
    # What the browser half may know: an opaque name of the API (it keys resume records)
    # and whether requests go signed in (it shows "mine only").
    _scope = t.Unicode("").tag(sync=True)
    _signed_in = t.Bool(False).tag(sync=True)

    def __init__(self, *, client: Client | None = None, **kwargs: Any) -> None:
        if client is not None:
            kwargs.setdefault("api_url", client.base_url)
            kwargs.setdefault("token", client.token or "")
        self._client = client
        self._client_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None
        super().__init__(**kwargs)
        self._auth_changed()
        self.on_msg(self._on_message)

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

    @t.observe("api_url", "token")
    def _auth_changed(self, _change: Any = None) -> None:
        self._scope = "api-" + hashlib.sha256(self.api_url.encode()).hexdigest()[:16]
        self._signed_in = bool(self.token)

    def api_client(self) -> Client:
        """The SDK client for `api_url` and `token` (the one given, or one made for them)."""
        with self._client_lock:
            client = self._client
            if client is None or client.base_url != self.api_url \
                    or (client.token or "") != self.token:
                client = Client(self.api_url, token=self.token or None)
                client.token = self.token or None  # "" means anonymous, not $REELHOUSE_TOKEN
                self._client = client
            return client

    def _on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict) or content.get("type") != "api":
            return
        if self._pool is None:
            # Threads, so a slow API call does not hold up the comm's other messages.
            self._pool = ThreadPoolExecutor(max_workers=4,
                                            thread_name_prefix=f"reelhouse-{type(self).__name__}")
        self._pool.submit(self._reply, content)

    def _reply(self, content: dict[str, Any]) -> None:
        self.send(answer(content, self.api_routes, self.api_client))

    def close(self) -> None:
        """Close the widget's views and stop its API workers."""
        pool, self._pool = getattr(self, "_pool", None), None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        super().close()

    @classmethod
    def from_client(cls, client: Any, **kwargs: Any) -> ApiWidget:
        """The widget for an SDK client (or anything with `api_url` or `base_url`, and `token`)."""
        if isinstance(client, Client):
            return cls(client=client, **kwargs)
        api_url = getattr(client, "api_url", None) or str(getattr(client, "base_url", ""))
        return cls(api_url=api_url, token=getattr(client, "token", "") or "", **kwargs)

    @classmethod
    def login(cls, username: str, password: str, api_url: str | None = None,
              **kwargs: Any) -> ApiWidget:
        """The widget signed in as `username` (a new token from the API)."""
        api_url = api_url or default_api_url()
        return cls(api_url=api_url, token=login(username, password, api_url), **kwargs)
