"""The signing-API calls a widget's browser half may ask the kernel to make, and their answers.

The browser sends `{"type": "api", "id", "method", "path", "query", "body"}` (path under
`/api/v1`); the kernel answers `{"type": "api_reply", "id", "ok": true, "data"}` or
`{"type": "api_reply", "id", "ok": false, "error": {"status", "code", "message"}}`. Only the
routes a widget names are relayed, so the comm is not an open proxy to the API.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from reelhouse.client import Client
from reelhouse.client.errors import ApiError, ApiUnavailable

log = logging.getLogger(__name__)

_ID = "(?P<id>[0-9A-HJKMNP-TV-Z]{26})"  # a ULID, as reelhouse.keys checks video ids
MAX_ID_CHARS = 64
MAX_QUERY_CHARS = 500


@dataclass(frozen=True)
class Route:
    """One API call the widgets make: method, path pattern, query names and whether a body goes."""

    method: str
    pattern: str
    query: frozenset[str] = frozenset()
    body: bool = False
    idempotent: bool | None = None

    def matches(self, method: str, path: str) -> bool:
        return method == self.method and re.fullmatch(self.pattern, path) is not None


ROUTES: dict[str, Route] = {
    "me": Route("GET", "/auth/me"),
    "videos": Route("GET", "/videos",
                    frozenset({"q", "status", "visibility", "owner", "cursor", "limit"})),
    "video": Route("GET", f"/videos/{_ID}"),
    "playback": Route("GET", f"/videos/{_ID}/playback"),
    "upload_start": Route("POST", "/uploads", body=True),
    "upload_status": Route("GET", f"/uploads/{_ID}"),
    "upload_parts": Route("POST", f"/uploads/{_ID}/parts", body=True, idempotent=True),
    "upload_complete": Route("POST", f"/uploads/{_ID}/complete", body=True, idempotent=True),
    "upload_abort": Route("DELETE", f"/uploads/{_ID}"),
}


class RequestRefused(ValueError):
    """A browser request the kernel will not relay: malformed, or not on the allowlist."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_body(status: int, code: str, message: str) -> dict[str, Any]:
    """The `error` of a failed reply, shaped like the API's own error bodies."""
    return {"status": status, "code": code, "message": message}


def _reply_id(value: Any) -> str | int | None:
    """The id a reply can carry back: a short string or int, else None."""
    if isinstance(value, str | int) and not isinstance(value, bool) \
            and len(str(value)) <= MAX_ID_CHARS:
        return value
    return None


def _scalar(name: str, value: Any) -> str | int | float | bool:
    if isinstance(value, bool | int | float) or (isinstance(value, str)
                                                 and len(value) <= MAX_QUERY_CHARS):
        return value
    raise RequestRefused(400, "bad_request", f"query parameter {name!r}: not a short scalar")


@dataclass(frozen=True)
class ApiRequest:
    """A checked browser request: its reply id, the route it matched, query and body."""

    id: str | int
    route: Route
    path: str
    query: dict[str, Any]
    body: Any

    @classmethod
    def parse(cls, content: Mapping[str, Any], allowed: Iterable[str]) -> ApiRequest:
        """The request in `content`, or RequestRefused saying what is wrong with it."""
        request_id = _reply_id(content.get("id"))
        if request_id is None:
            raise RequestRefused(400, "bad_request", "a request needs a short string or int id")
        method, path = content.get("method"), content.get("path")
        if not isinstance(method, str) or not isinstance(path, str):
            raise RequestRefused(400, "bad_request", "a request needs a method and a path")
        method = method.upper()
        route = next((ROUTES[name] for name in allowed
                      if name in ROUTES and ROUTES[name].matches(method, path)), None)
        if route is None:
            raise RequestRefused(403, "not_allowed",
                                 f"this widget does not make {method} {path[:80]} requests")
        raw_query = content.get("query") or {}
        if not isinstance(raw_query, dict):
            raise RequestRefused(400, "bad_request", "query: an object of parameters")
        unknown = set(raw_query) - route.query
        if unknown:
            raise RequestRefused(400, "bad_request",
                                 f"query parameter {sorted(unknown)[0][:40]!r} is not accepted")
        query = {k: _scalar(k, v) for k, v in raw_query.items() if v not in (None, "")}
        body = content.get("body")
        if route.body:
            if body is not None and not isinstance(body, dict):
                raise RequestRefused(400, "bad_request", "body: a JSON object")
        elif body is not None:
            raise RequestRefused(400, "bad_request", f"{method} {path[:80]} takes no body")
        return cls(request_id, route, path, query, body)


def answer(content: Mapping[str, Any], allowed: Iterable[str],
           client: Callable[[], Client]) -> dict[str, Any]:
    """The reply to one browser request: the API's JSON, or its error as status/code/message."""
    reply: dict[str, Any] = {"type": "api_reply", "id": _reply_id(content.get("id"))}
    try:
        request = ApiRequest.parse(content, allowed)
        data = client().call(request.route.method, "/api/v1" + request.path,
                             params=request.query or None,
                             json=(request.body or {}) if request.route.body else None,
                             idempotent=request.route.idempotent)
    except RequestRefused as e:
        return {**reply, "ok": False, "error": error_body(e.status, e.code, e.message)}
    except ApiError as e:
        return {**reply, "ok": False, "error": error_body(e.status, e.code, e.message)}
    except ApiUnavailable as e:
        return {**reply, "ok": False, "error": error_body(0, "network", str(e))}
    except Exception:
        # The browser gets a stable answer; the details go to the kernel's log, not the page.
        log.exception("widget API request failed")
        return {**reply, "ok": False,
                "error": error_body(500, "internal", "the kernel could not make this request")}
    return {**reply, "ok": True, "data": data}
