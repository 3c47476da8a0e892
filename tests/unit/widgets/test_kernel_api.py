"""The kernel side of the widgets' API calls: the allowlist, the errors and the request ids."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from reelhouse.client import Client
from reelhouse.widgets import BrowserGrid, Player, Uploader
from reelhouse.widgets.kernel_api import ROUTES, answer

API = "http://api.test:8000"
VID = "01J0000000000000000000000A"
Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler, token: str | None = "rh_kernel_only") -> Client:
    return Client(API, token=token, transport=httpx.MockTransport(handler))


def ask(content: dict[str, Any], handler: Handler, allowed: set[str] | None = None
        ) -> dict[str, Any]:
    client = client_for(handler)
    return answer(content, ROUTES if allowed is None else allowed, lambda: client)


def never(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"the API must not be called: {request.method} {request.url}")


def test_an_allowed_call_is_relayed_with_the_kernels_token() -> None:
    """GET /videos goes to /api/v1/videos with the query and the Bearer token; the reply
    carries the request id and the API's JSON as it is."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"items": [{"id": VID}], "next_cursor": None})

    reply = ask({"type": "api", "id": "a1-7", "method": "GET", "path": "/videos",
                 "query": {"q": "harbour", "limit": 24, "status": "", "owner": None}}, handler)
    assert reply == {"type": "api_reply", "id": "a1-7", "ok": True,
                     "data": {"items": [{"id": VID}], "next_cursor": None}}
    assert seen[0].url.path == "/api/v1/videos"
    assert dict(seen[0].url.params) == {"q": "harbour", "limit": "24"}
    assert seen[0].headers["authorization"] == "Bearer rh_kernel_only"


def test_a_post_sends_its_body_and_a_204_answers_null() -> None:
    """POST /uploads/{id}/parts carries the JSON body; DELETE /uploads/{id} answers null."""
    bodies: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            return httpx.Response(204)
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"parts": []})

    parts = {"parts": [{"part_number": 3}]}
    assert ask({"id": 1, "method": "POST", "path": f"/uploads/{VID}/parts", "body": parts},
               handler)["data"] == {"parts": []}
    assert bodies == [parts]
    assert ask({"id": 2, "method": "DELETE", "path": f"/uploads/{VID}"}, handler) == \
        {"type": "api_reply", "id": 2, "ok": True, "data": None}


@pytest.mark.parametrize(("method", "path"), [
    ("PATCH", f"/videos/{VID}"),                 # the widgets never edit videos
    ("DELETE", f"/videos/{VID}"),
    ("POST", "/auth/token"),
    ("GET", "/users"),
    ("GET", f"/videos/{VID}/../../auth/token"),  # no way around the patterns
    ("GET", "/videos/not-a-ulid/playback"),
    ("GET", "/videos?limit=1"),                  # the query goes in `query`
    ("GET", "//evil.example/api/v1/videos"),
])
def test_calls_off_the_allowlist_are_refused_without_calling_the_api(method: str,
                                                                    path: str) -> None:
    """Anything but the widgets' own routes is a 403 `not_allowed`, and nothing is sent."""
    reply = ask({"id": "x", "method": method, "path": path}, never)
    assert reply["ok"] is False and reply["id"] == "x"
    assert reply["error"]["status"] == 403 and reply["error"]["code"] == "not_allowed"


def test_each_widget_relays_only_its_own_routes() -> None:
    """A Player may ask for playback but not start uploads; the Uploader may not list videos."""
    assert Player.api_routes == {"video", "playback"}
    start = {"id": 1, "method": "POST", "path": "/uploads", "body": {"size": 1}}
    assert ask(start, never, Player.api_routes)["error"]["code"] == "not_allowed"
    listing = {"id": 2, "method": "GET", "path": "/videos"}
    assert ask(listing, never, Uploader.api_routes)["error"]["code"] == "not_allowed"
    assert {"videos", "me", "playback"} == BrowserGrid.api_routes
    assert Uploader.api_routes <= ROUTES.keys() and BrowserGrid.api_routes <= ROUTES.keys()


@pytest.mark.parametrize(("content", "reply_id", "fragment"), [
    ({"method": "GET", "path": "/videos"}, None, "id"),
    ({"id": True, "method": "GET", "path": "/videos"}, None, "id"),
    ({"id": "x" * 65, "method": "GET", "path": "/videos"}, None, "id"),
    ({"id": 3, "path": "/videos"}, 3, "method"),
    ({"id": 4, "method": "GET", "path": "/videos", "query": {"sort": "x"}}, 4, "sort"),
    ({"id": 5, "method": "GET", "path": "/videos", "query": {"q": {"$ne": 1}}}, 5, "q"),
    ({"id": 6, "method": "GET", "path": "/videos", "query": ["q"]}, 6, "query"),
    ({"id": 7, "method": "GET", "path": f"/videos/{VID}", "body": {"a": 1}}, 7, "no body"),
    ({"id": 8, "method": "POST", "path": "/uploads", "body": [1, 2]}, 8, "body"),
])
def test_malformed_requests_are_bad_requests(content: dict[str, Any], reply_id: Any,
                                             fragment: str) -> None:
    """A request without a usable id, method or path, with unknown or nested query values, or
    with a body where none belongs is a 400 `bad_request` saying what is wrong."""
    reply = ask(content, never)
    assert reply["id"] == reply_id and reply["ok"] is False
    assert reply["error"]["status"] == 400 and reply["error"]["code"] == "bad_request"
    assert fragment in reply["error"]["message"]


def test_api_errors_keep_their_status_code_and_message() -> None:
    """The API's own error (409 not_ready) reaches the browser as status, code and message."""
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(409, json={"error": "not_ready",
                                         "message": "the video is processing"})

    reply = ask({"id": "p", "method": "GET", "path": f"/videos/{VID}/playback"}, handler)
    assert reply == {"type": "api_reply", "id": "p", "ok": False, "error": {
        "status": 409, "code": "not_ready", "message": "the video is processing"}}


def test_an_unreachable_api_is_a_network_error() -> None:
    """When the kernel cannot reach the API the reply says so with status 0, code `network`."""
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    reply = ask({"id": 9, "method": "POST", "path": "/uploads", "body": {}}, handler)
    assert reply["error"]["status"] == 0 and reply["error"]["code"] == "network"
    assert "cannot reach the API" in reply["error"]["message"]


def test_unexpected_failures_do_not_leak_details() -> None:
    """A bug in the kernel answers 500 `internal` with a fixed message, not a traceback."""
    def broken() -> Client:
        raise RuntimeError("secret internals /home/ada/.env")

    reply = answer({"id": 1, "method": "GET", "path": "/auth/me"}, ROUTES, broken)
    assert reply["error"] == {"status": 500, "code": "internal",
                              "message": "the kernel could not make this request"}


# --- the widget ----------------------------------------------------------------------------
class Replies:
    """What a widget sends to its front end, with a way to wait for replies."""

    def __init__(self, widget: Any) -> None:
        self.items: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        widget.send = self.add

    def add(self, content: dict[str, Any], buffers: Any = None) -> None:
        with self._cond:
            self.items.append(content)
            self._cond.notify_all()

    def wait(self, count: int, timeout_s: float = 10) -> list[dict[str, Any]]:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.items) >= count, timeout_s), self.items
            return list(self.items)


def test_the_widget_answers_on_worker_threads_in_any_order() -> None:
    """A slow call does not hold up a quick one: each reply carries its own request id."""
    release = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/playback"):
            release.wait(10)
            return httpx.Response(200, json={"hls": "http://api.test/play/x/master.m3u8"})
        return httpx.Response(200, json={"id": VID, "status": "ready"})

    player = Player(client=client_for(handler), api_url=API)
    replies = Replies(player)
    player._handle_custom_msg({"type": "api", "id": "slow", "method": "GET",
                               "path": f"/videos/{VID}/playback"}, [])
    player._handle_custom_msg({"type": "api", "id": "quick", "method": "GET",
                               "path": f"/videos/{VID}"}, [])
    assert [r["id"] for r in replies.wait(1)] == ["quick"]
    release.set()
    assert [r["id"] for r in replies.wait(2)] == ["quick", "slow"]
    assert all(r["ok"] for r in replies.items)
    player.close()


def test_other_messages_are_not_api_calls() -> None:
    """Messages without type `api` are left alone (no reply, no API call)."""
    player = Player(client=client_for(never), api_url=API)
    replies = Replies(player)
    for content in ({"type": "hello"}, ["api"], {"method": "GET", "path": "/videos"}):
        player._handle_custom_msg(content, [])
    time.sleep(0.2)
    assert replies.items == []


def test_the_token_is_never_synced() -> None:
    """The state a front end (and a saved notebook) gets holds neither the token nor the API
    address; it says only whether calls are signed in and names the API opaquely."""
    for widget in (Player(api_url=API, token="rh_kernel_only"),
                   Uploader(api_url=API, token="rh_kernel_only"),
                   BrowserGrid(api_url=API, token="rh_kernel_only")):
        state = json.dumps(widget.get_state())
        assert "rh_kernel_only" not in state and "api.test" not in state
        assert widget.get_state()["_signed_in"] is True
        assert widget.get_state()["_scope"].startswith("api-")
    assert Player(api_url=API, token="")._signed_in is False


def test_a_new_token_makes_a_new_client() -> None:
    """Changing `token` in Python signs the next calls with it (and tells the browser)."""
    player = Player(api_url=API, token="first")
    assert player.api_client().token == "first"
    scope = player._scope
    player.token = "second"
    assert player.api_client().token == "second" and player._signed_in
    player.api_url = "http://other.test:9000"
    assert player.api_client().base_url == "http://other.test:9000"
    assert player._scope != scope


def test_an_empty_token_is_anonymous_even_with_one_in_the_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """token='' means anonymous: the client does not fall back to $REELHOUSE_TOKEN."""
    monkeypatch.setenv("REELHOUSE_TOKEN", "rh_from_env")
    assert Player(api_url=API, token="").api_client().token is None
    assert Player(api_url=API).api_client().token == "rh_from_env"
