"""API error answers become typed exceptions that carry the API's code and message."""

from __future__ import annotations

import httpx
import pytest

from reelhouse.client import (
    ApiUnavailable,
    BadRequest,
    Client,
    Conflict,
    Forbidden,
    NotFound,
    NotReady,
    RateLimited,
    RetryPolicy,
    ServerError,
    TooLarge,
    Unauthorized,
)
from reelhouse.client.errors import error_for
from reelhouse.errors import ReelhouseError


def _answer(status: int, **kwargs: object) -> httpx.Response:
    return httpx.Response(status, request=httpx.Request("GET", "http://api.test/x"), **kwargs)


@pytest.mark.parametrize(("status", "code", "kind", "builtin"), [
    (400, "invalid_request", BadRequest, ValueError),
    (401, "unauthorized", Unauthorized, PermissionError),
    (403, "forbidden", Forbidden, PermissionError),
    (404, "not_found", NotFound, LookupError),
    (409, "upload_conflict", Conflict, ReelhouseError),
    (409, "not_ready", NotReady, ReelhouseError),
    (413, "upload_too_large", TooLarge, ValueError),
    (429, "rate_limited", RateLimited, ReelhouseError),
    (500, "internal", ServerError, ReelhouseError),
    (502, "storage_unavailable", ServerError, ReelhouseError),
])
def test_json_errors_map_to_types(status: int, code: str, kind: type, builtin: type) -> None:
    """Each status (and the `not_ready` code) has its own class, also a matching builtin."""
    error = error_for(_answer(status, json={"error": code, "message": "told you so"}))
    assert type(error) is kind
    assert isinstance(error, builtin)
    assert (error.status, error.code, error.message) == (status, code, "told you so")
    assert str(error) == f"told you so ({status} {code})"


def test_validation_details_are_kept() -> None:
    """The per-field details of a 400 stay available to the caller."""
    details = [{"field": "size", "message": "must be >= 1"}]
    error = error_for(_answer(400, json={"error": "invalid_request", "message": "size: bad",
                                         "details": details}))
    assert error.details == details


def test_non_json_answer_names_the_status() -> None:
    """A proxy's HTML error page becomes a ServerError naming the HTTP status, not the HTML."""
    error = error_for(_answer(502, text="<html><body>Bad Gateway</body></html>"))
    assert type(error) is ServerError
    assert error.message == "HTTP 502 Bad Gateway"


def test_rate_limit_carries_retry_after() -> None:
    """A 429's Retry-After header is exposed in seconds."""
    error = error_for(_answer(429, json={"error": "rate_limited", "message": "slow down"},
                              headers={"Retry-After": "30"}))
    assert isinstance(error, RateLimited) and error.retry_after == 30.0


def test_client_raises_typed_error_with_message() -> None:
    """A 404 from the API surfaces as NotFound with the API's message."""
    transport = httpx.MockTransport(lambda r: httpx.Response(
        404, json={"error": "not_found", "message": "no such video"}))
    with Client("http://api.test", "rh_t_s", transport=transport) as client:
        with pytest.raises(NotFound, match="no such video"):
            client.video("01J00000000000000000000000")


def test_unreachable_api_is_retried_then_reported() -> None:
    """Idempotent calls try three times, then raise ApiUnavailable naming the URL."""
    calls = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        raise httpx.ConnectError("connection refused", request=request)

    with Client("http://api.test", "rh_t_s", transport=httpx.MockTransport(refuse),
                retry=RetryPolicy(base_s=0)) as client:
        with pytest.raises(ApiUnavailable, match="http://api.test"):
            client.video("01J00000000000000000000000")
        assert len(calls) == 3
        calls.clear()
        with pytest.raises(ApiUnavailable):
            client.delete("01J00000000000000000000000")
        assert len(calls) == 1  # not idempotent in effect: never sent twice


def test_wrong_password_is_unauthorized() -> None:
    """A failed sign-in raises Unauthorized and leaves the client anonymous."""
    transport = httpx.MockTransport(lambda r: httpx.Response(
        401, json={"error": "unauthorized", "message": "wrong username or password"}))
    client = Client("http://api.test", transport=transport)
    with pytest.raises(Unauthorized, match="wrong username or password"):
        client.login("admin", "nope")
    assert client.token is None
